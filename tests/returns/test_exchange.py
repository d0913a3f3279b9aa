"""Replacement shipments, and exchanges into another variant with the price difference."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.cases import logistics
from aftersales.cases.models import Case
from aftersales.returns.models import Shipment
from tests.cases import builders as b
from tests.returns import builders as rb

pytestmark = pytest.mark.django_db


def inspected_exchange() -> b.Opened:
    c = rb.received("exchange")
    c.act("merchant", "inspect", result="pass")
    return c


def test_a_replacement_is_recorded_as_a_shipment_to_the_buyer():
    c = inspected_exchange()
    number = rb.fake_no()
    c.act("merchant", "ship_replacement", carrier="fake", tracking_no=number)
    shipment = Shipment.objects.get(case_id=c.id, direction="replacement")
    assert (shipment.tracking_no, shipment.to_address) == (
        number,
        "浙江省杭州市西湖区文三路 1 号",
    )


def test_a_replacement_tracking_number_in_the_wrong_format_is_refused_naming_tracking_no():
    c = inspected_exchange()
    response = c.try_act("merchant", "ship_replacement", carrier="jd", tracking_no="SF1")
    b.assert_problem(response, 422, "tracking_no")


def test_a_cheaper_variant_leaves_the_difference_owed_to_the_buyer_as_a_refund(monkeypatch):
    handed = []
    monkeypatch.setattr(
        logistics, "PRICE_DIFFERENCE_REFUND_HOOKS", [lambda case, amount: handed.append(amount)]
    )
    c = inspected_exchange()
    c.act(
        "merchant",
        "ship_replacement",
        carrier="fake",
        tracking_no=rb.fake_no(),
        variant={"sku": "TS-BLU-M", "title": "纯棉T恤 蓝 M", "unit_price": "45.00"},
    )
    assert c.case["refund_amount"] == "15.00"
    assert handed == [Decimal("15.00")]
    exchange = rb.return_of(c)["exchange"]
    assert exchange["difference"] == {"amount": "15.00", "owed_by": "merchant"}


def test_a_dearer_variant_is_recorded_payable_by_the_buyer_without_a_refund():
    c = inspected_exchange()
    c.act(
        "merchant",
        "ship_replacement",
        carrier="fake",
        tracking_no=rb.fake_no(),
        variant={"sku": "TS-RED-L", "unit_price": "68.00"},
    )
    facts = Case.objects.get(pk=c.id).facts["exchange"]
    assert (facts["payable_by_buyer"], facts["same_sku"], c.case["refund_amount"]) == (
        "8.00",
        False,
        None,
    )


def test_only_an_exchange_changes_the_variant():
    c = b.open_case(rb.shop_with_address(), "reissue")
    c.act("merchant", "approve")
    response = c.try_act(
        "merchant",
        "ship_replacement",
        carrier="fake",
        tracking_no=rb.fake_no(),
        variant={"sku": "X", "unit_price": "1.00"},
    )
    b.assert_problem(response, 422, "variant")


def test_the_replacements_delivery_is_logged_and_the_buyer_confirms():
    c = b.open_case(rb.shop_with_address(), "reissue")
    c.act("merchant", "approve")
    number = rb.fake_no()
    c.act("merchant", "ship_replacement", carrier="fake", tracking_no=number)
    rb.post_scans([rb.scan(number, "delivered")])
    assert "replacement_delivered" in [e["action"] for e in c.events()]
    c.act("buyer", "confirm_replacement")
    assert c.case["state"] == "completed"


def test_the_difference_of_a_cheaper_variant_is_granted_through_the_refund_ledger():
    from aftersales.refunds.models import Refund

    c = inspected_exchange()
    c.act(
        "merchant",
        "ship_replacement",
        carrier="fake",
        tracking_no=rb.fake_no(),
        variant={"sku": "TS-BLU-M", "title": "纯棉T恤 蓝 M", "unit_price": "45.00"},
    )
    (refund,) = Refund.objects.filter(case_id=c.id)
    assert (refund.amount, refund.state) == (Decimal("15.00"), "requested")
    assert sum(line.amount for line in refund.lines.all()) == Decimal("15.00")
