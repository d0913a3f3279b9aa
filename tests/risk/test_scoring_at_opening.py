"""Every case is scored as it opens: the score, its reasons and the inputs it read are stored;
the client's device links accounts; nothing about the case itself changes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.cases.models import Case
from aftersales.risk.document import BASELINE_RETURN_RATE, BUILTIN, RiskPolicy, validate
from aftersales.risk.inputs import Subject, extend
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
    assert Assessment.objects.filter(subject_kind="case", subject_id=c.id).count() == 1


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


def _subject(case_id: int) -> Subject:
    c = Case.objects.get(pk=case_id)
    line = c.lines.select_related("order_line").get().order_line
    return Subject(case_id=c.pk, merchant_id=c.merchant_id, buyer_id=c.buyer_id, type=c.type,
                   reason=c.reason, at=c.opened_at, category=line.category, sku=line.sku,
                   claim_amount=Decimal("60.00"))  # fmt: skip


def test_an_ordinary_case_reads_nothing_beyond_its_row():
    inputs = latest(b.open_case().id).snapshot["inputs"]
    assert not {"lines_180d_by_category", "order_lines", "punitive_shops_90d"} & set(inputs)


def test_five_returns_bring_the_lines_bought_per_category_weighed_by_their_baselines():
    s = _subject(b.open_case().id)
    inputs = {s.case_id: {"returns_180d": 5, "claim_is_quality": False, "refund_only_90d": 0}}
    extend(inputs, [s], lambda _: BUILTIN)
    assert inputs[s.case_id]["lines_180d_by_category"] == {s.category: 1}
    assert inputs[s.case_id]["expected_returns_180d"] == BASELINE_RETURN_RATE[s.category]


def test_a_shop_with_published_promotions_has_the_orders_lines_read():
    s = _subject(b.open_case().id)
    shop = validate({"signals": {"RS-14": {"full_reduction_from": 200}}})
    inputs = {s.case_id: {"returns_180d": 1, "claim_is_quality": False, "refund_only_90d": 0}}
    extend(inputs, [s], lambda _: RiskPolicy("shop@1", shop))
    assert [(ln["line_id"], ln["claimed"]) for ln in inputs[s.case_id]["order_lines"]] == [("1", 1)]


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
    again = b.open_case(
        first.shop,
        reason="quality_issue",
        order_options={"buyer": first.order["buyer"]["external_id"]},
    )
    inputs = latest(again.id).snapshot["inputs"]
    assert (inputs["punitive_claims_90d"], inputs["punitive_shops_90d"]) == (3, 3)
    assert inputs["punitive_text_similarity"] >= 0.9


def test_a_quality_claims_own_amount_is_left_out_of_its_value_ratio():
    inputs = latest(b.open_case(reason="quality_issue").id).snapshot["inputs"]
    assert inputs["claim_counted_in_value_ratio"] is False


def test_a_no_reason_returns_own_amount_counts_in_its_value_ratio():
    inputs = latest(b.open_case(reason="no_reason").id).snapshot["inputs"]
    assert inputs["claim_counted_in_value_ratio"] is True
