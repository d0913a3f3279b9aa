"""Every dispute and compensation claim is scored as it opens (issue #11 item 1): through the
case it is about, or the order's lines for an order's claim; stored with its reasons and
snapshot like a case's score, replayable, and never moving the dispute."""

from __future__ import annotations

import pytest

from aftersales.disputes import services
from aftersales.disputes.models import Dispute
from aftersales.risk.models import Assessment
from aftersales.risk.services import replay
from tests.cases import builders as b
from tests.disputes.factories import appealed, rejected_return
from tests.risk.builders import buyer_of, latest, pro_claimant_claim

pytestmark = pytest.mark.django_db


def scores_of(dispute: Dispute) -> list[Assessment]:
    return list(
        Assessment.objects.filter(subject_kind__in=("dispute", "claim"), subject_id=dispute.pk)
    )


def test_an_appealed_case_has_its_dispute_scored_through_the_case_as_it_opens():
    case = rejected_return()
    dispute = appealed(case)
    [score] = scores_of(dispute)
    assert (score.subject_kind, score.case_id, score.trigger) == ("dispute", case.pk, "dispute")
    assert score.snapshot["inputs"]["claim_amount"] == f"{dispute.refundable:.2f}"
    assert score.at == dispute.opened_at


def test_scoring_a_dispute_leaves_its_case_scores_as_they_were():
    case = rejected_return()
    before = Assessment.objects.filter(subject_kind="case", subject_id=case.pk).count()
    appealed(case)
    assert Assessment.objects.filter(subject_kind="case", subject_id=case.pk).count() == before


def test_a_not_received_claim_against_a_signed_parcel_is_read_as_one():
    s = b.shop()
    order = b.order(s)  # signed for yesterday
    dispute = services.open_dispute(
        actor=buyer_of(order), order=order["external_id"], type="not_received", claim="没收到"
    )
    [score] = scores_of(dispute)
    assert score.case_id is None
    inputs = score.snapshot["inputs"]
    assert (inputs["type"], inputs["reason"], inputs["claim_is_inr_despite_pod"]) == (
        "order_claim",
        "not_received",
        True,
    )


def test_a_not_received_claim_on_a_parcel_in_transit_is_not_read_against_a_delivery():
    s = b.shop()
    order = b.order(s, signed=False)
    dispute = services.open_dispute(
        actor=buyer_of(order), order=order["external_id"], type="not_received", claim="还在路上"
    )
    [score] = scores_of(dispute)
    assert score.snapshot["inputs"]["claim_is_inr_despite_pod"] is False


def test_a_counterfeit_claim_is_scored_as_a_compensation_claim():
    s = b.shop()
    order = b.order(s)
    dispute = services.open_dispute(
        actor=buyer_of(order), order=order["external_id"], type="counterfeit", claim="假货"
    )
    [score] = scores_of(dispute)
    assert score.subject_kind == "claim"


def test_a_pro_claimants_templated_claims_at_several_shops_send_the_claim_to_a_person():
    dispute = pro_claimant_claim()
    [score] = scores_of(dispute)
    assert [r["code"] for r in score.reasons] == ["RS-12"] and score.level == "review"


def test_a_flagged_claim_goes_on_through_its_own_flow():
    dispute = pro_claimant_claim()
    dispute.refresh_from_db()
    assert (dispute.state, dispute.ruling) == ("requested", "")


def test_a_disputes_score_replays_to_what_it_was():
    dispute = pro_claimant_claim()
    [score] = scores_of(dispute)
    again = replay(score)
    assert (again.score, again.level, again.codes) == (score.score, score.level, ["RS-12"])


def _not_received_after_order_claims(*, earlier_signed: bool) -> dict:
    """The inputs of a not-received case on a signed parcel, opened by a buyer with two earlier
    not-received claims raised as an order's dispute (signed for or in transit)."""
    first = b.open_case(reason="quality_issue")
    for _ in range(2):
        order = b.order(first.shop, buyer=first.buyer, signed=earlier_signed)
        services.open_dispute(
            actor=buyer_of(order), order=order["external_id"], type="not_received", claim="没收到"
        )
    again = b.open_case(
        first.shop,
        "refund_only",
        reason="not_received",
        order_options={"buyer": first.buyer, "signed": True},
    )
    return latest(again.id).snapshot["inputs"]


def test_not_received_claims_raised_as_order_disputes_count_toward_rs09():
    inputs = _not_received_after_order_claims(earlier_signed=True)
    assert inputs["inr_despite_pod_disputes_90d"] == 2
    assert inputs["inr_despite_pod_90d"] == 3  # the two claims and this case


def test_not_received_order_disputes_on_parcels_in_transit_are_not_counted_toward_rs09():
    inputs = _not_received_after_order_claims(earlier_signed=False)
    assert (inputs["inr_despite_pod_disputes_90d"], inputs["inr_despite_pod_90d"]) == (0, 1)
