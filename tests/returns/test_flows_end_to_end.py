"""Every flow that moves goods, end to end through the API, with the fake carrier: the buyer
ships or books a pickup, the carrier posts its scans to the webhook, the merchant receives,
inspects and refunds or sends the replacement, the buyer confirms."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from aftersales.core import clock
from aftersales.returns.models import Inspection
from tests.cases import builders as b
from tests.returns import builders as rb

pytestmark = pytest.mark.django_db


def scans(number: str, *statuses: str) -> None:
    response = rb.post_scans([rb.scan(number, s) for s in statuses])
    assert response.status_code == 200, response.content


def test_return_refund_with_a_pickup_runs_to_the_refund():
    c = b.open_case(rb.shop_with_address(), "return_refund")
    c.act("merchant", "approve")
    response = c.buyer_api.post(f"/cases/{c.id}/return/pickup", {"carrier": "fake", **rb.slot()})
    assert response.status_code == 200, response.content
    (shipment,) = rb.return_of(c, "buyer")["shipments"]
    scans(shipment["tracking_no"], "picked_up", "in_transit", "delivered")
    assert rb.return_of(c)["state"] == "return_delivered"
    c.act("merchant", "confirm_receipt")
    c.act(
        "merchant",
        "inspect",
        result="pass",
        inspections=[
            {"line_id": "1", "result": "pass", "grade": "as_new", "disposition": "restock"}
        ],
    )
    c.act("merchant", "refund")
    assert (c.case["state"], c.case["refund_amount"]) == ("refunded", "60.00")
    assert Inspection.objects.filter(case_id=c.id).count() == 1


def test_exchange_runs_to_the_buyers_confirmation():
    c, number = rb.shipped("exchange")
    scans(number, "in_transit", "delivered")
    c.act("merchant", "confirm_receipt")
    c.act("merchant", "inspect", result="pass")
    replacement = rb.fake_no()
    c.act(
        "merchant",
        "ship_replacement",
        carrier="fake",
        tracking_no=replacement,
        variant={"sku": "SKU-1", "unit_price": "60.00"},
    )
    scans(replacement, "in_transit", "delivered")
    c.act("buyer", "confirm_replacement")
    assert c.case["state"] == "completed"
    assert rb.return_of(c)["exchange"]["same_sku"] is True


def test_repair_runs_to_the_buyers_confirmation():
    s = rb.shop_with_address()
    c = b.open_case(s, "repair")
    c.act("merchant", "approve")
    number = rb.fake_no()
    c.act("buyer", "ship_return", carrier="fake", tracking_no=number)
    scans(number, "delivered")
    c.act("merchant", "confirm_receipt")
    c.act("merchant", "diagnose", note="主板虚焊")
    c.act("merchant", "repair", result="repaired")
    back = rb.fake_no()
    c.act("merchant", "ship_replacement", carrier="fake", tracking_no=back)
    scans(back, "delivered")
    c.act("buyer", "confirm_replacement")
    assert c.case["state"] == "completed"


def test_reissue_runs_to_the_buyers_confirmation():
    c = b.open_case(rb.shop_with_address(), "reissue")
    c.act("merchant", "approve")
    number = rb.fake_no()
    c.act("merchant", "ship_replacement", carrier="fake", tracking_no=number)
    scans(number, "in_transit", "delivered")
    c.act("buyer", "confirm_replacement")
    assert c.case["state"] == "completed"


def test_days_in_repair_are_counted_from_the_cases_own_events():
    t0 = clock.now()
    with time_machine.travel(t0, tick=False):
        c = b.open_case(rb.shop_with_address(), "repair")
        c.act("merchant", "approve")
        c.act("buyer", "ship_return", carrier="fake", tracking_no=rb.fake_no())
        c.act("merchant", "confirm_receipt")
        c.act("merchant", "diagnose", note="不开机")
    with time_machine.travel(t0 + timedelta(days=12), tick=False):
        c.act("merchant", "repair", result="failed")
    with time_machine.travel(t0 + timedelta(days=33), tick=False):
        c.act("merchant", "repair", result="repaired")
    with time_machine.travel(t0 + timedelta(days=40), tick=False):
        repair = rb.return_of(c)["repair"]
    assert (repair["days_in_repair"], repair["failed_repairs"], repair["over_30_days"]) == (
        33,
        1,
        True,
    )


def test_days_in_repair_run_until_now_while_the_item_is_still_in_repair():
    t0 = clock.now()
    c = b.open_case(rb.shop_with_address(), "repair")
    c.act("merchant", "approve")
    c.act("buyer", "ship_return", carrier="fake", tracking_no=rb.fake_no())
    c.act("merchant", "confirm_receipt")
    with time_machine.travel(t0 + timedelta(days=5, hours=1), tick=False):
        repair = rb.return_of(c)["repair"]
    assert (repair["days_in_repair"], repair["ended_at"]) == (5, None)
