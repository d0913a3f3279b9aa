"""A stored score replays to itself from its snapshot alone, whichever version of a signal took
it: a snapshot taken before RS-08 told its refund-only claims apart (none of the inputs that do)
counts every claim, as it did then; one taken before RS-02 left a quality claim's own amount out
of its value ratio counts the amount, as it did then."""

from __future__ import annotations

import pytest

from aftersales.risk.models import Assessment
from aftersales.risk.services import replay
from tests.cases import builders as b
from tests.risk.builders import latest

pytestmark = pytest.mark.django_db

THREE_REFUND_ONLY = {"refund_only_90d": 3, "orders_90d": 10}


def stored(row: Assessment, inputs: dict) -> Assessment:
    """`row` as if it had been scored on `inputs` (its thresholds and ladder kept)."""
    snapshot = {**row.snapshot, "inputs": {**row.snapshot["inputs"], **inputs}}
    for name in (
        "refund_only_not_received_90d",
        "refund_only_perishable_90d",
        "claim_counted_in_value_ratio",
    ):
        if name not in inputs:
            snapshot["inputs"].pop(name, None)
    return Assessment(
        subject_kind=row.subject_kind,
        subject_id=row.subject_id,
        trigger=row.trigger,
        policy_label=row.policy_label,
        snapshot=snapshot,
    )


def test_a_snapshot_from_before_rs08_told_the_claims_apart_replays_to_its_flag():
    row = latest(b.open_case().id)
    again = replay(stored(row, THREE_REFUND_ONLY))
    assert (again.codes, again.level) == (["RS-08"], "friction")


def test_a_snapshot_with_a_misdelivery_among_the_claims_replays_without_rs08():
    row = latest(b.open_case().id)
    again = replay(stored(row, {**THREE_REFUND_ONLY, "refund_only_not_received_90d": 1,
                                "refund_only_perishable_90d": 0}))  # fmt: skip
    assert (again.codes, again.level) == ([], "allow")


ONE_BIG_DEFECT = {"bought_180d": 3000.0, "refunded_180d": 0.0, "claim_amount": "2500.00",
                  "reason": "quality_issue", "claim_is_quality": True}  # fmt: skip


def test_a_snapshot_from_before_rs02_left_out_a_quality_claim_replays_to_its_value_ratio():
    row = latest(b.open_case().id)
    again = replay(stored(row, ONE_BIG_DEFECT))
    assert (again.codes, again.level) == (["RS-02"], "warn")


def test_a_snapshot_that_leaves_the_quality_claim_out_replays_without_rs02():
    row = latest(b.open_case().id)
    again = replay(stored(row, {**ONE_BIG_DEFECT, "claim_counted_in_value_ratio": False}))
    assert (again.codes, again.level) == ([], "allow")
