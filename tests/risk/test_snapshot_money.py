"""Money in a stored snapshot is a Decimal string, and snapshots stored before that (a float)
still replay to the score they were given."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.risk.document import BUILTIN
from aftersales.risk.models import Assessment
from aftersales.risk.scoring import score
from aftersales.risk.services import replay
from tests.cases import builders as b
from tests.risk.builders import latest
from tests.risk.inputs import honest

pytestmark = pytest.mark.django_db


def test_the_claim_amount_is_stored_as_a_decimal_string():
    row = latest(b.open_case().id)
    stored = row.snapshot["inputs"]["claim_amount"]
    assert isinstance(stored, str)
    assert Decimal(stored) == Decimal(stored).quantize(Decimal("0.01"))
    assert Decimal(stored) > 0


def test_a_snapshot_of_a_float_claim_amount_still_replays_to_its_score():
    row = latest(b.open_case().id)
    old = dict(row.snapshot)
    old["inputs"] = {**old["inputs"], "claim_amount": float(old["inputs"]["claim_amount"])}
    stored_before = Assessment(
        subject_kind=row.subject_kind,
        subject_id=row.subject_id,
        trigger=row.trigger,
        policy_label=row.policy_label,
        score=row.score,
        level=row.level,
        reasons=row.reasons,
        snapshot=old,
    )
    again = replay(stored_before)
    assert (again.score, again.level) == (row.score, row.level)


def test_a_claim_amount_as_a_string_or_a_float_scores_the_same():
    big = {"bought_180d": 3000.0, "refunded_180d": 1500.0}
    as_text = score(honest(claim_amount="500.00", **big), BUILTIN, trigger="open")
    as_float = score(honest(claim_amount=500.0, **big), BUILTIN, trigger="open")
    assert "RS-02" in as_text.codes
    assert [r.as_json() for r in as_text.reasons] == [r.as_json() for r in as_float.reasons]
