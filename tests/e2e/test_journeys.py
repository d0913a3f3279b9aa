"""The portals walked in Chromium: each journey as the people in it would click through it."""

from __future__ import annotations

import pytest

from aftersales.accounts.models import Buyer, Role
from aftersales.cases.models import Case
from aftersales.notify import delivery
from aftersales.returns.models import Shipment
from tests import factories
from tests.cases import builders as b
from tests.e2e.conftest import screenshot
from tests.returns import builders as rb

pytestmark = pytest.mark.django_db(transaction=True)


def _people(s: b.Shop, order: dict):
    buyer = Buyer.objects.get(external_id=order["buyer"]["external_id"])
    return (
        factories.user(Role.BUYER, buyer=buyer),
        factories.user(Role.MERCHANT_STAFF, merchant=s.merchant),
    )


def _act(page, action: str, fields: dict[str, str] | None = None, choice: str = "") -> None:
    form = page.locator(f"#action-{action}")
    for name, value in (fields or {}).items():
        form.locator(f"[name={name}]").fill(value)
    if choice:
        form.locator(f"input[type=radio][value={choice}]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_no_reason_return_from_request_to_refund(open_page, live_server):
    s = rb.shop_with_address()  # any carrier we know; the fake carrier collects
    order = b.order(s)
    buyer_user, merchant_user = _people(s, order)

    buyer = open_page(buyer_user, phone=True)
    screenshot(buyer, "buyer-cases")
    buyer.click("text=我的订单")
    screenshot(buyer, "buyer-orders")
    buyer.click("text=申请售后")
    buyer.check("#line-1")
    buyer.select_option("#reason", "no_reason")
    buyer.wait_for_selector("#eligibility >> text=符合售后条件")  # the live panel (htmx)
    screenshot(buyer, "buyer-request")
    buyer.click("#submit-request")
    buyer.wait_for_selector("#case-state")
    assert "商家将于" in buyer.inner_text(".deadlines")
    screenshot(buyer, "buyer-case")
    case = Case.objects.get(order__external_id=order["external_id"])

    merchant = open_page(merchant_user)
    screenshot(merchant, "merchant-queue")
    merchant.click(f"a[href='/merchant/cases/{case.pk}/']")
    screenshot(merchant, "merchant-case")
    _act(merchant, "approve")
    assert merchant.inner_text("#case-state") == "已同意"

    # The buyer sees where the parcel goes; a number not in SF's format is refused inline.
    buyer.reload()
    assert rb.ADDRESS["address"] in buyer.inner_text("#return-address")
    buyer.select_option("#ship_return-carrier", "sf")
    buyer.fill("#ship_return-tracking_no", "SF123")
    buyer.click("#ship-self button[type=submit]")
    buyer.wait_for_selector("#ship-self .field-error")
    assert "不是顺丰速运的运单号" in buyer.inner_text("#ship-self")
    screenshot(buyer, "buyer-return-section")
    # … so the buyer sends it with the fake carrier, under a waybill in its format.
    waybill = rb.fake_no()
    buyer.select_option("#ship_return-carrier", "fake")
    buyer.fill("#ship_return-tracking_no", waybill)
    buyer.click("#ship-self button[type=submit]")
    buyer.wait_for_selector("#case-state:text('已寄回')")
    shipment = Shipment.objects.get(case_id=case.pk)
    assert (shipment.carrier, shipment.tracking_no, shipment.method) == (
        "fake",
        waybill,
        "self_ship",
    )
    assert waybill in buyer.inner_text("#return")
    screenshot(buyer, "buyer-return-shipped")

    # The fake carrier's delivery scan, signed as the carrier signs it, moves the case.
    assert rb.post_scans([rb.scan(waybill, "delivered")]).status_code == 200
    merchant.reload()
    assert merchant.inner_text("#case-state") == "退货已签收"
    assert "深圳南山营业部" in merchant.inner_text("#return")
    _act(merchant, "confirm_receipt")
    screenshot(merchant, "merchant-inspection")
    inspect = merchant.locator("#action-inspect")
    inspect.locator("#result-1").select_option("pass")
    inspect.locator("#grade-1").select_option("as_new")
    inspect.locator("#disposition-1").select_option("restock")
    inspect.locator("button[type=submit]").click()
    merchant.wait_for_selector("#inspections")
    _act(merchant, "refund")
    assert merchant.inner_text("#case-state") == "已退款"
    screenshot(merchant, "merchant-return-section")

    buyer.reload()
    assert buyer.inner_text("#case-state") == "已退款"
    assert "60.00" in buyer.inner_text("#refund-amount")
    screenshot(buyer, "buyer-refunded")

    # Every step reached the buyer's inbox (the worker fans the outbox out).
    delivery.drain_outbox()
    buyer.reload()
    assert buyer.inner_text("#unread-count") != ""
    buyer.click("#nav-inbox")
    buyer.wait_for_selector("#inbox")
    inbox = buyer.inner_text("#inbox")
    for step in ("已同意", "退货已寄出", "已同意退款 60.00"):
        assert step in inbox, (step, inbox)
    screenshot(buyer, "buyer-inbox")
    first = buyer.locator("#inbox li.unread").first
    first_id = first.get_attribute("id")
    first.locator("button[type=submit]").click()  # htmx swaps the row in place
    buyer.wait_for_selector(f"#{first_id}:not(.unread)")


def test_buyer_has_the_fake_carrier_collect_the_return(open_page):
    s = rb.shop_with_address()  # the fake carrier collects
    opened = b.open_case(s, "return_refund")
    opened.act("merchant", "approve")
    buyer_user, _ = _people(s, opened.order)
    buyer = open_page(buyer_user, phone=True)
    buyer.click(f"a[href='/buyer/cases/{opened.id}/']")
    buyer.click("#ship-pickup button[type=submit]")
    buyer.wait_for_selector("#case-state:text('已寄回')")
    shipment = Shipment.objects.get(case_id=opened.id)
    assert (shipment.method, shipment.status) == ("pickup", "booked")
    assert shipment.tracking_no in buyer.inner_text("#return")


def test_another_shops_case_is_the_not_found_page(open_page, live_server):
    mine, theirs = b.shop(), b.shop()
    other = b.open_case(theirs)
    merchant = open_page(factories.user(Role.MERCHANT_STAFF, merchant=mine.merchant))
    response = merchant.goto(f"{live_server.url}/merchant/cases/{other.id}/")
    assert response.status == 404
    assert merchant.locator("h1").inner_text() == "未找到"
    assert other.order["external_id"] not in merchant.content()
    screenshot(merchant, "not-found")


def test_rejected_case_is_appealed_and_ruled_by_the_desk(open_page):
    s = b.shop()
    opened = b.open_case(s)
    buyer_user, merchant_user = _people(s, opened.order)
    desk_user = factories.user(Role.SPECIALIST)

    merchant = open_page(merchant_user)
    merchant.goto(merchant.url.split("/merchant/")[0] + f"/merchant/cases/{opened.id}/")
    _act(merchant, "reject")  # no reason: refused inline, as the API refuses it
    assert "此操作必须填写" in merchant.inner_text("#action-reject")
    _act(merchant, "reject", {"reason": "商品已使用"})
    assert merchant.inner_text("#case-state") == "已拒绝"

    buyer = open_page(buyer_user, phone=True)
    buyer.click(f"a[href='/buyer/cases/{opened.id}/']")
    _act(buyer, "appeal", {"reason": "收到时即有划痕，未使用"})
    assert buyer.inner_text("#case-state") == "平台审核中"

    desk = open_page(desk_user)
    screenshot(desk, "desk-queue")
    desk.click(f"a[href='/desk/cases/{opened.id}/']")
    assert "商品已使用" in desk.inner_text("main") and "未使用" in desk.inner_text("main")
    screenshot(desk, "desk-ruling")
    _act(desk, "rule", {"reason": "买家照片显示商品完好"}, choice="for_buyer")
    assert desk.inner_text("#case-state") == "已同意"

    buyer.reload()
    assert buyer.inner_text("#case-state") == "已同意"


def test_language_switch_turns_the_pages_into_english_and_back(open_page):
    s = b.shop()
    opened = b.open_case(s)
    buyer_user, _ = _people(s, opened.order)
    buyer = open_page(buyer_user, login_screenshot="login")
    assert buyer.inner_text("h1") == "我的售后"
    buyer.select_option("#language", "en")
    buyer.click("form.lang button")
    buyer.wait_for_selector("h1:text('My cases')")
    buyer.click(f"a[href='/buyer/cases/{opened.id}/']")
    assert "The merchant must act by" in buyer.inner_text(".deadlines")
    screenshot(buyer, "buyer-case-en")
    buyer.select_option("#language", "zh-hans")
    buyer.click("form.lang button")
    buyer.wait_for_selector("#case-state:text('待商家处理')")
