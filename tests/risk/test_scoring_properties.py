"""Properties of the score: an honest order (bought and kept) never raises it; the same inputs
always give the same result; a stored assessment replays to itself."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.risk.document import BUILTIN
from aftersales.risk.scoring import score
from aftersales.risk.signals import LEVELS, OPEN
from tests.risk.inputs import honest

counts = st.integers(min_value=0, max_value=40)
histories = st.fixed_dictionaries(
    {
        "returns_180d_category": counts,
        "lines_180d_category": counts,
        "bought_180d": st.floats(min_value=0, max_value=50_000, allow_nan=False),
        "refunded_180d": st.floats(min_value=0, max_value=50_000, allow_nan=False),
        "claim_amount": st.floats(min_value=0, max_value=5_000, allow_nan=False),
        "refund_only_90d": counts,
        "refund_only_not_received_90d": counts,
        "refund_only_perishable_90d": counts,
        "orders_90d": counts,
        "inr_despite_pod_90d": counts,
        "claim_is_inr_despite_pod": st.booleans(),
        "worn_180d": counts,
        "freight_claims_180d": counts,
        "returns_180d": counts,
        "lines_180d": counts,
        "expected_returns_180d": st.one_of(st.none(), st.floats(min_value=0, max_value=20)),
        "claim_counted_in_value_ratio": st.booleans(),
        "cluster_accounts": st.integers(min_value=1, max_value=9),
        "cluster_returns_7d": counts,
        "window_position": st.one_of(st.none(), st.floats(min_value=0, max_value=1)),
    }
)


def with_honest_order(inputs: dict, amount: float) -> dict:
    """The same buyer after one more order of this category, bought and kept."""
    return {
        **inputs,
        "lines_180d_category": inputs["lines_180d_category"] + 1,
        "bought_180d": inputs["bought_180d"] + amount,
        "orders_90d": inputs["orders_90d"] + 1,
        "lines_180d": inputs["lines_180d"] + 1,
        "expected_returns_180d": None
        if inputs["expected_returns_180d"] is None
        else inputs["expected_returns_180d"] + inputs["category_baseline_return_rate"],
    }


@settings(max_examples=300, deadline=None)
@given(histories, st.floats(min_value=0.01, max_value=5_000, allow_nan=False))
def test_an_honest_order_never_raises_a_score(history, amount):
    before = score(honest(**history), BUILTIN, trigger=OPEN)
    after = score(with_honest_order(honest(**history), amount), BUILTIN, trigger=OPEN)
    assert after.score <= before.score
    assert LEVELS.index(after.level) <= LEVELS.index(before.level)


@settings(max_examples=100, deadline=None)
@given(histories)
def test_the_same_inputs_give_the_same_result(history):
    assert score(honest(**history), BUILTIN, trigger=OPEN) == score(
        honest(**dict(history)), BUILTIN, trigger=OPEN
    )


sizing = st.fixed_dictionaries(
    {
        "bracket_returns_180d": counts,
        "bracket_returns_180d_category": counts,
        "bracket_lines_180d": counts,
        "bracket_lines_180d_category": counts,
        "bracket_expected_returns_180d": st.one_of(st.none(), st.floats(min_value=0, max_value=20)),
        "bracket_refunded_180d": st.floats(min_value=0, max_value=50_000, allow_nan=False),
        "bracket_freight_claims_180d": counts,
        "claim_is_bracket_return": st.booleans(),
    }
)


@settings(max_examples=300, deadline=None)
@given(histories, sizing)
def test_setting_the_sizes_that_did_not_fit_apart_never_raises_a_score(history, brackets):
    before = score(honest(**history), BUILTIN, trigger=OPEN)
    after = score(honest(**history, **brackets), BUILTIN, trigger=OPEN)
    assert set(after.codes) <= set(before.codes)
    assert after.score <= before.score
