"""A score that cannot be computed in full (an input missing) allows the request and marks it
for a person — it never counts against the buyer, and never denies."""

from __future__ import annotations

from aftersales.risk.document import BUILTIN
from aftersales.risk.scoring import score
from aftersales.risk.signals import OPEN
from tests.risk.inputs import honest


def test_a_missing_input_allows_with_review():
    inputs = honest()
    del inputs["worn_180d"]
    result = score(inputs, BUILTIN, trigger=OPEN)
    assert (result.level, result.needs_review, result.flagged) == ("allow", True, True)
    assert any(m.startswith("RS-04") for m in result.missing)


def test_a_missing_input_never_raises_the_level_the_other_signals_give():
    inputs = honest(inr_despite_pod_90d=3, claim_is_inr_despite_pod=True)
    complete = score(inputs, BUILTIN, trigger=OPEN)
    del inputs["freight_claims_180d"]
    partial = score(inputs, BUILTIN, trigger=OPEN)
    assert (partial.level, partial.score) == (complete.level, complete.score)
    assert partial.needs_review and not complete.needs_review


def test_a_category_without_a_return_rate_baseline_is_reviewed_not_judged():
    result = score(honest(category_baseline_return_rate=None, returns_180d_category=9,
                          lines_180d_category=9), BUILTIN, trigger=OPEN)  # fmt: skip
    assert result.codes == [] and result.needs_review
