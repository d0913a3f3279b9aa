"""Every case is scored as it opens: the score, its reasons and the inputs it read are stored;
the client's device links accounts; nothing about the case itself changes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.risk.document import BASELINE_RETURN_RATE
from aftersales.risk.models import Assessment, Identifier
from aftersales.risk.services import replay
from tests.cases import builders as b
from tests.risk.builders import latest

pytestmark = pytest.mark.django_db


def test_an_opened_case_is_scored_with_its_reasons_and_the_inputs_it_read():
    c = b.open_case()
    row = latest(c.id)
    assert (row.trigger, row.level, row.needs_review) == ("open", "allow", False)
    assert row.policy_label == "risk-builtin@0"
    inputs = row.snapshot["inputs"]
    assert inputs["orders_90d"] == 1 and inputs["returns_180d_category"] == 1
    assert set(row.snapshot["thresholds"]) >= {"RS-01", "RS-02", "RS-09"}


def test_a_stored_score_replays_to_itself():
    row = latest(b.open_case().id)
    again = replay(row)
    assert (again.score, again.level, [r.as_json() for r in again.reasons]) == (
        row.score,
        row.level,
        row.reasons,
    )


def test_the_score_does_not_change_what_the_case_engine_decided():
    c = b.open_case(None, "refund_only", order_options={"shipped": False, "signed": False})
    assert c.case["state"] == "refunded"  # TB-01 approved and refunded at once, as before
    assert Assessment.objects.filter(subject_id=c.id).count() == 1


def test_not_received_claims_on_signed_parcels_bring_friction_the_second_time():
    s = b.shop()
    first = b.open_case(s, "refund_only", reason="not_received", order_options={"signed": True})
    buyer = first.buyer
    data = b.order(s, buyer=buyer)
    response = s.buyer_api(buyer).post("/cases", b.case_body(data, "refund_only", "not_received"))
    assert response.status_code == 201, response.content
    row = latest(response.json()["id"])
    assert [r["code"] for r in row.reasons] == ["RS-09"]
    assert row.level == "friction"


def test_the_device_fingerprint_sent_with_a_request_links_the_accounts():
    s = b.shop()
    bodies = []
    for _ in range(2):
        data = b.order(s)
        bodies.append(
            (data["buyer"]["external_id"], b.case_body(data, "return_refund", "no_reason"))
        )
    ids = []
    for buyer, body in bodies:
        response = s.buyer_api(buyer).post(
            "/cases", body, headers={"X-Device-Fingerprint": "dev-42"}
        )
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    assert Identifier.objects.filter(kind="device").count() == 2
    # The second account sees the first through the shared device (and the same phone).
    assert latest(ids[1]).snapshot["inputs"]["cluster_accounts"] >= 2


def test_the_snapshot_holds_the_lines_bought_per_category_and_the_orders_lines():
    c = b.open_case()
    inputs = latest(c.id).snapshot["inputs"]
    (category,) = inputs["lines_180d_by_category"]
    assert inputs["lines_180d"] == 1
    assert inputs["expected_returns_180d"] == BASELINE_RETURN_RATE[category]
    assert [(ln["line_id"], ln["claimed"]) for ln in inputs["order_lines"]] == [("1", 1)]


def test_a_buyers_counterfeit_claims_at_other_shops_are_read_with_their_likeness():
    from aftersales.disputes.models import Dispute
    from aftersales.orders.models import Order

    first = b.open_case()
    buyer_id = Order.objects.get(external_id=first.order["external_id"]).buyer_id
    for n in range(3):
        other = b.shop()
        order = b.order(other, buyer=first.order["buyer"]["external_id"])
        Dispute.objects.create(
            merchant_id=Order.objects.get(external_id=order["external_id"]).merchant_id,
            buyer_id=buyer_id,
            order=Order.objects.get(external_id=order["external_id"]),
            type="counterfeit",
            opened_by="buyer",
            claim=f"商品为假货，要求假一赔三。订单 {n}",
            policy_version="test",
            refundable=Decimal("100.00"),
        )
    again = b.open_case(first.shop, order_options={"buyer": first.order["buyer"]["external_id"]})
    inputs = latest(again.id).snapshot["inputs"]
    assert (inputs["punitive_claims_90d"], inputs["punitive_shops_90d"]) == (3, 3)
    assert inputs["punitive_text_similarity"] >= 0.9
