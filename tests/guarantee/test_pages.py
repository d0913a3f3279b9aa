"""The merchant's deposit page (balance against its requirement, ledger, pay-firsts with a
contest button until the window's end) and the desk's contests, in zh-Hans and en."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from aftersales.accounts.models import Role
from aftersales.guarantee import services
from aftersales.guarantee.models import ContestState, PayFirst, Source
from tests import factories
from tests.guarantee import builders as b
from tests.web.pages import client_for

pytestmark = pytest.mark.django_db
D = Decimal


def paid_first(merchant):
    return services.pay_first(
        case_id=b.case_of(merchant).pk,
        merchant_id=merchant.pk,
        amount=D("50.00"),
        reason="假货投诉成立",
        source=Source.RULING,
        source_id=5,
        actor=b.SPECIALIST,
    )


def admin_client(merchant, language="en"):
    return client_for(factories.user(Role.MERCHANT_ADMIN, merchant=merchant), language)


def test_the_deposit_page_shows_the_balance_against_the_requirement():
    merchant = b.funded(deposit="1000.00", categories=["electronics"])
    page = admin_client(merchant).get("/merchant/deposit/").content.decode()
    assert "1000.00 CNY" in page and "10000.00 CNY" in page
    assert 'id="top-up-needed"' in page
    assert "9000.00" in page


def test_the_deposit_page_reads_in_chinese():
    merchant = b.funded(deposit="1000.00", categories=["electronics"])
    page = admin_client(merchant, "zh-hans").get("/merchant/deposit/").content.decode()
    assert "保证金与应缴额度" in page and "请及时补缴" in page


def test_a_pay_first_shows_its_window_and_a_contest_button():
    merchant = b.funded(settlement="100.00")
    record = paid_first(merchant)
    page = admin_client(merchant).get("/merchant/deposit/").content.decode()
    assert f'id="pay-first-{record.pk}"' in page
    assert f"/merchant/pay-firsts/{record.pk}/contest/" in page
    assert "GF-03" in page


def test_merchant_staff_see_the_pay_first_without_the_button():
    merchant = b.funded(settlement="100.00")
    record = paid_first(merchant)
    staff = client_for(factories.user(Role.MERCHANT_STAFF, merchant=merchant))
    page = staff.get("/merchant/deposit/").content.decode()
    assert f'id="pay-first-{record.pk}"' in page
    assert f"/merchant/pay-firsts/{record.pk}/contest/" not in page


def test_contesting_with_htmx_swaps_the_row():
    merchant = b.funded(settlement="100.00")
    record = paid_first(merchant)
    response = admin_client(merchant).post(
        f"/merchant/pay-firsts/{record.pk}/contest/", {"reason": "买家调包"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.content.decode().startswith(f'<tr id="pay-first-{record.pk}"')
    assert PayFirst.objects.get(pk=record.pk).contest_state == ContestState.CONTESTED


def test_a_late_contest_on_the_page_names_the_window_s_end():
    merchant = b.funded(settlement="100.00")
    record = paid_first(merchant)
    client = admin_client(merchant)
    with time_machine.travel(record.contest_due_at + timedelta(minutes=1), tick=False):
        response = client.post(f"/merchant/pay-firsts/{record.pk}/contest/", {"reason": "晚了"})
    assert response.status_code == 422
    assert "The window to contest ended at" in response.content.decode()


def test_the_desk_upholds_a_contest_from_its_page():
    merchant = b.funded(settlement="100.00")
    record = paid_first(merchant)
    services.contest_pay_first(record.pk, reason="买家调包", actor=b.merchant_admin(merchant))
    desk = client_for(factories.user(Role.MANAGER))
    page = desk.get("/desk/pay-first-contests/").content.decode()
    assert f'id="contest-{record.pk}"' in page and "买家调包" in page
    response = desk.post(
        f"/desk/pay-first-contests/{record.pk}/decision/",
        {"decision": "uphold", "note": "证据成立"},
    )
    assert response.status_code == 302
    assert PayFirst.objects.get(pk=record.pk).contest_state == ContestState.UPHELD


def test_a_decision_without_a_note_is_refused_inline():
    merchant = b.funded(settlement="100.00")
    record = paid_first(merchant)
    services.contest_pay_first(record.pk, reason="买家调包", actor=b.merchant_admin(merchant))
    desk = client_for(factories.user(Role.SPECIALIST))
    response = desk.post(
        f"/desk/pay-first-contests/{record.pk}/decision/", {"decision": "reject", "note": ""}
    )
    assert response.status_code == 422
    assert PayFirst.objects.get(pk=record.pk).contest_state == ContestState.CONTESTED


def test_buyers_do_not_reach_the_deposit_page():
    buyer = factories.user(Role.BUYER, buyer=factories.buyer())
    assert client_for(buyer).get("/merchant/deposit/").status_code == 403
