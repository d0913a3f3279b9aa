"""The events that bring new facts score the case again — the carrier's weight at the return
scan (RS-06), the serial numbers read at inspection (RS-07) — and the fast lane refunds a trusted
buyer's return at the carrier's first scan, within its limits, never after confirmed abuse."""

from __future__ import annotations

import pytest

from aftersales.accounts.models import Role
from aftersales.cases.models import Case, CaseEvent
from aftersales.refunds.models import Refund
from aftersales.risk import services
from aftersales.risk.trust import FAST_LANE_RULE
from tests import factories
from tests.cases import builders as b
from tests.returns import builders as rb
from tests.risk.builders import latest, trusted_buyer

pytestmark = pytest.mark.django_db


def shipped_return(s: b.Shop, buyer: str | None = None, **line) -> tuple[int, str]:
    data = b.order(s, buyer=buyer, **line)
    body = b.case_body(data, "return_refund", "no_reason")
    response = s.buyer_api(data["buyer"]["external_id"]).post("/cases", body)
    assert response.status_code == 201, response.content
    c = b.Opened(shop=s, order=data, case=response.json())
    c.act("merchant", "approve")
    number = rb.fake_no()
    c.act("buyer", "ship_return", carrier="fake", tracking_no=number)
    return c.id, number


def test_a_return_under_half_its_weight_on_the_carriers_scale_goes_to_a_person():
    s = rb.shop_with_address()
    case_id, number = shipped_return(s, attributes={"weight_g": 900})
    assert rb.post_scans([rb.scan(number, "picked_up", weight_g=120)]).status_code == 200
    row = latest(case_id)
    assert (row.trigger, row.level) == ("return_scan", "review")
    assert row.reasons[0]["code"] == "RS-06"
    assert Case.objects.get(pk=case_id).state == "return_shipped"  # held, not refused


def test_a_return_of_about_its_weight_is_not_flagged():
    s = rb.shop_with_address()
    case_id, number = shipped_return(s, attributes={"weight_g": 900})
    assert rb.post_scans([rb.scan(number, "picked_up", weight_g=850)]).status_code == 200
    assert latest(case_id).level == "allow"


def test_a_serial_number_returned_that_was_not_shipped_is_flagged_at_inspection():
    s = rb.shop_with_address()
    case_id, number = shipped_return(s, attributes={"serials": ["IMEI-1"]})
    assert rb.post_scans([rb.scan(number, "delivered")]).status_code == 200
    c = b.Opened(shop=s, order={}, case={"id": case_id})
    merchant = s.merchant_api
    assert merchant.post(f"/cases/{case_id}/actions/confirm_receipt", {}).status_code == 200
    line = {"line_id": "1", "result": "pass", "grade": "as_new", "disposition": "restock",
            "serials": ["IMEI-7"]}  # fmt: skip
    response = merchant.post(
        f"/cases/{case_id}/actions/inspect", {"result": "pass", "inspections": [line]}
    )
    assert response.status_code == 200, response.content
    row = latest(case_id)
    assert (row.trigger, row.level, row.reasons[0]["code"]) == ("inspect", "review", "RS-07")
    assert c.id == case_id


def test_a_trusted_buyers_return_is_refunded_at_the_carriers_first_scan():
    s = rb.shop_with_address()
    case_id, number = shipped_return(s, trusted_buyer(s))
    assert rb.post_scans([rb.scan(number, "picked_up")]).status_code == 200
    case = Case.objects.get(pk=case_id)
    assert case.state == "refunded_return_shipped"  # the goods still come back
    assert CaseEvent.objects.filter(case=case, action="refund", rule=FAST_LANE_RULE).exists()
    assert Refund.objects.filter(case=case).count() == 1  # through the ledger


def test_a_buyer_without_a_history_waits_for_the_merchant():
    s = rb.shop_with_address()
    case_id, number = shipped_return(s)
    assert rb.post_scans([rb.scan(number, "picked_up")]).status_code == 200
    assert Case.objects.get(pk=case_id).state == "return_shipped"


def test_a_return_above_the_fast_lane_limit_waits_for_the_merchant():
    s = rb.shop_with_address()
    case_id, number = shipped_return(s, trusted_buyer(s), unit_price="800.00")
    assert rb.post_scans([rb.scan(number, "picked_up")]).status_code == 200
    assert Case.objects.get(pk=case_id).state == "return_shipped"


def test_confirmed_abuse_loses_the_fast_lane():
    s = rb.shop_with_address()
    buyer = trusted_buyer(s)
    first, _ = shipped_return(s, buyer)
    analyst = factories.user(Role.RISK)
    from aftersales.accounts.actors import actor_for_user

    services.review(
        actor=actor_for_user(analyst),
        assessment_id=latest(first).pk,
        decision="confirm",
        note="同一批次多次空包退货",
    )
    case_id, number = shipped_return(s, buyer)
    assert rb.post_scans([rb.scan(number, "picked_up")]).status_code == 200
    assert Case.objects.get(pk=case_id).state == "return_shipped"


def test_a_weight_mismatch_in_the_same_scan_keeps_the_return_out_of_the_fast_lane():
    s = rb.shop_with_address()
    case_id, number = shipped_return(s, trusted_buyer(s), attributes={"weight_g": 900})
    assert rb.post_scans([rb.scan(number, "picked_up", weight_g=50)]).status_code == 200
    assert Case.objects.get(pk=case_id).state == "return_shipped"
