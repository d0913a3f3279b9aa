"""拦截: the merchant of a refund-only case asks the carrier to bring the parcel back; the
carrier's answer arrives as a scan."""

from __future__ import annotations

import pytest

from aftersales.core import clock
from aftersales.returns.models import Interception
from tests.cases import builders as b
from tests.returns import builders as rb

pytestmark = pytest.mark.django_db


def in_transit_refund_only() -> b.Opened:
    return b.open_case(rb.shop_with_address(), "refund_only")  # shipped, not signed for


def test_the_merchant_intercepts_a_refund_only_parcel_still_on_its_way():
    c = in_transit_refund_only()
    response = c.shop.merchant_api.post(f"/cases/{c.id}/return/interception", {"note": "已申请"})
    assert response.status_code == 201, response.content
    assert (response.json()["tracking_no"], response.json()["status"]) == (
        "SF1234567890",
        "requested",
    )
    assert c.events()[-1]["action"] == "interception_requested"


def test_the_carriers_answer_records_the_interceptions_outcome(settings):
    settings.AFTERSALES_CARRIER_WEBHOOK_SECRETS = {"sf": "sf-secret"}
    c = in_transit_refund_only()
    c.shop.merchant_api.post(f"/cases/{c.id}/return/interception", {})
    rb.post_scans(
        [rb.scan("SF1234567890", "intercepted", description="已拦截，退回商家")],
        carrier="sf",
        secret="sf-secret",
    )
    row = Interception.objects.get(case_id=c.id)
    assert (row.status, row.outcome_note) == ("succeeded", "已拦截，退回商家")
    assert c.events()[-1]["action"] == "interception_succeeded"


def test_a_parcel_signed_for_since_cannot_be_intercepted():
    c = in_transit_refund_only()
    parcel = {**c.order["shipments"][0], "signed_at": clock.now().isoformat()}
    signed = {**c.order, "shipments": [parcel]}
    assert c.shop.merchant_api.post("/orders", signed).status_code == 200
    response = c.shop.merchant_api.post(f"/cases/{c.id}/return/interception", {})
    b.assert_problem(response, 422, "tracking_no")


def test_only_a_refund_only_case_intercepts():
    c = b.open_case(rb.shop_with_address(), "return_refund")
    response = c.shop.merchant_api.post(f"/cases/{c.id}/return/interception", {})
    b.assert_problem(response, 409)


def test_the_buyer_cannot_intercept():
    c = in_transit_refund_only()
    response = c.buyer_api.post(f"/cases/{c.id}/return/interception", {})
    b.assert_problem(response, 409)


def test_a_second_interception_of_the_same_parcel_is_409():
    c = in_transit_refund_only()
    c.shop.merchant_api.post(f"/cases/{c.id}/return/interception", {})
    response = c.shop.merchant_api.post(f"/cases/{c.id}/return/interception", {})
    b.assert_problem(response, 409, "tracking_no")
