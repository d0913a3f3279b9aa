"""A dispute in Chromium, from the merchant's rejection to an executed ruling: the buyer
appeals the rejected return on the case page, the desk accepts and asks the buyer for photos,
the buyer sees what is asked with the time left and answers, the specialist rules partly for
the buyer with the burden checklist in front of them, the merchant carries the ruling out."""

from __future__ import annotations

import pytest

from aftersales.accounts.models import Role
from aftersales.disputes.models import Dispute
from tests import factories
from tests.disputes.factories import rejected_return
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_from_rejection_to_an_executed_partial_ruling(open_page):
    case = rejected_return()
    buyer = open_page(factories.user(Role.BUYER, buyer=case.buyer))
    buyer.goto(f"{buyer.url.split('/buyer')[0]}/buyer/cases/{case.pk}/")
    buyer.fill("#action-appeal [name=reason]", "吊牌是试穿时掉的，商品完好")
    buyer.click("#action-appeal button[type=submit]")
    buyer.wait_for_selector("#case-state")
    dispute = Dispute.objects.get(case=case)

    desk = open_page(factories.user(Role.SPECIALIST))
    desk.click("nav >> text=纠纷队列")
    desk.click(f"#dispute-queue >> text=#{dispute.pk}")
    desk.click("#action-accept button")
    desk.fill("#action-request_evidence [name=items]", "photos")
    desk.click("#action-request_evidence button")
    desk.wait_for_selector("#asked .countdown")

    buyer.click("nav >> text=纠纷")
    buyer.click(f"text=#{dispute.pk}")
    countdown = buyer.inner_text("#asked .countdown")
    assert "举证剩余" in countdown and "09:00–18:00" in countdown
    screenshot(buyer, "dispute-buyer-asked")
    buyer.fill("#asked textarea[name=note]", "试穿照片，吊牌挂绳断裂")
    buyer.click("#asked button[type=submit]")
    buyer.wait_for_selector("text=目前无需提供材料")

    desk.reload()
    assert "试穿照片" in desk.inner_text("#burden")
    desk.select_option("#action-rule [name=ruling]", "partial")
    desk.fill("#action-rule [name=amount]", "30.00")
    desk.fill("#action-rule [name=reason]", "吊牌缺失但商品完好：退一半货款")
    desk.click("#action-rule button[type=submit]")
    desk.wait_for_selector("#ruling-outcome")
    screenshot(desk, "dispute-ruling")

    merchant = open_page(factories.user(Role.MERCHANT_ADMIN, merchant=case.merchant))
    merchant.goto(f"{merchant.url.split('/merchant')[0]}/merchant/disputes/{dispute.pk}/")
    assert "退一半货款" in merchant.inner_text("#ruling-reason")
    merchant.click("#action-execute button")
    merchant.wait_for_selector("#dispute-state")
    assert merchant.inner_text("#dispute-state") == "已关闭"
    case.refresh_from_db()
    assert case.state == "refunded"
