"""Money: the amount parser, the Money value and the allocation of a total over weights."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from aftersales.core.money import Money, allocate, parse_amount, round_money

cents = st.integers(min_value=0, max_value=10**11).map(lambda c: Decimal(c) / 100)
weights_lists = st.lists(cents, min_size=1, max_size=30)


@st.composite
def total_and_weights(draw):
    weights = draw(weights_lists)
    weight_sum = sum(weights, Decimal(0))
    assume(weight_sum > 0)
    total_cents = draw(st.integers(min_value=0, max_value=int(weight_sum * 100)))
    return Decimal(total_cents) / 100, weights


# --- allocate ------------------------------------------------------------------------------


@given(total_and_weights())
def test_allocated_shares_sum_exactly_to_the_total(case):
    total, weights = case
    assert sum(allocate(total, weights), Decimal(0)) == total


@given(total_and_weights())
def test_no_allocated_share_exceeds_its_weight(case):
    total, weights = case
    assert all(share <= w for share, w in zip(allocate(total, weights), weights, strict=True))


@given(total_and_weights())
def test_no_allocated_share_is_negative(case):
    total, weights = case
    assert all(share >= 0 for share in allocate(total, weights))


@given(total_and_weights())
def test_allocated_shares_are_whole_fen(case):
    total, weights = case
    assert all(share == share.quantize(Decimal("0.01")) for share in allocate(total, weights))


@given(total_and_weights())
def test_each_share_is_within_a_fen_of_pro_rata_except_the_remainder_takers(case):
    total, weights = case
    shares = allocate(total, weights)
    weight_sum = sum(weights, Decimal(0))
    below = [
        i
        for i, (s, w) in enumerate(zip(shares, weights, strict=True))
        if s < total * w / weight_sum - Decimal("0.01")
    ]
    assert below == []


def test_the_remainder_goes_to_the_largest_weight():
    assert allocate(Decimal("0.10"), [Decimal("10.00"), Decimal("20.00")]) == [
        Decimal("0.03"),
        Decimal("0.07"),
    ]


def test_the_remainder_goes_to_the_first_of_equal_largest_weights():
    assert allocate(Decimal("0.01"), [Decimal("5.00"), Decimal("5.00")]) == [
        Decimal("0.01"),
        Decimal("0.00"),
    ]


def test_allocating_zero_gives_zero_shares():
    assert allocate(Decimal(0), [Decimal("1.00"), Decimal("2.00")]) == [Decimal("0.00")] * 2


def test_allocating_the_whole_sum_gives_every_weight_its_own_amount():
    weights = [Decimal("0.01"), Decimal("33.33"), Decimal("66.66")]
    assert allocate(sum(weights), weights) == weights


def test_allocating_more_than_the_weights_sum_is_refused():
    with pytest.raises(ValueError, match="more than"):
        allocate(Decimal("3.01"), [Decimal("1.00"), Decimal("2.00")])


def test_allocating_a_negative_total_is_refused():
    with pytest.raises(ValueError, match="negative"):
        allocate(Decimal("-1.00"), [Decimal("1.00")])


def test_allocating_over_zero_weights_is_refused():
    with pytest.raises(ValueError, match="zero"):
        allocate(Decimal("1.00"), [Decimal(0), Decimal(0)])


def test_allocating_over_a_negative_weight_is_refused():
    with pytest.raises(ValueError, match="negative"):
        allocate(Decimal("1.00"), [Decimal("5.00"), Decimal("-1.00")])


# --- parse_amount --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("99.90", Decimal("99.90")),
        ("99.9", Decimal("99.90")),
        ("0", Decimal("0.00")),
        (" 12.00 ", Decimal("12.00")),
        (60, Decimal("60.00")),
        (Decimal("5.5"), Decimal("5.50")),
        ("999999999999.99", Decimal("999999999999.99")),
    ],
)
def test_parse_amount_accepts_decimal_strings_with_up_to_two_places(raw, expected):
    value = parse_amount(raw)
    assert value == expected
    assert value.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (99.9, "not floats"),
        (True, "not floats"),
        ("1.005", "more than two decimal places"),
        ("-0.01", "negative"),
        ("NaN", "not a decimal amount"),
        ("Infinity", "not a decimal amount"),
        (Decimal("NaN"), "finite"),
        ("1e2", "not a decimal amount"),
        ("1_000", "not a decimal amount"),
        ("", "not a decimal amount"),
        ("¥10", "not a decimal amount"),
        ("١٢", "not a decimal amount"),
        (None, "not a decimal amount"),
        ("1" * 40, "too large"),
        (Decimal("1E+30"), "too large"),
    ],
)
def test_parse_amount_refuses_what_is_not_an_exact_non_negative_amount(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_amount(raw)


def test_parse_amount_turns_negative_zero_into_zero():
    assert str(parse_amount("-0.00")) == "0.00"


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_parse_amount_round_trips_every_amount_in_fen(fen):
    text = f"{Decimal(fen) / 100:.2f}"
    assert f"{parse_amount(text):.2f}" == text


# --- Money ----------------------------------------------------------------------------------


def test_money_rounds_half_up_to_the_fen():
    assert Money(Decimal("0.125"), "CNY").amount == Decimal("0.13")
    assert round_money(Decimal("0.124")) == Decimal("0.12")


def test_money_adds_and_subtracts_in_one_currency():
    a, b = Money(Decimal("10.10"), "CNY"), Money(Decimal("0.20"), "CNY")
    assert (a + b).amount == Decimal("10.30")
    assert (a - b).amount == Decimal("9.90")


def test_money_refuses_to_mix_currencies():
    with pytest.raises(ValueError, match="cannot mix"):
        Money(Decimal("1.00"), "CNY") + Money(Decimal("1.00"), "USD")


def test_money_refuses_an_unknown_currency():
    with pytest.raises(ValueError, match="unknown currency"):
        Money(Decimal("1.00"), "XXX")


def test_money_multiplies_by_a_quantity():
    assert (Money(Decimal("19.99"), "CNY") * 3).amount == Decimal("59.97")


def test_money_compares_within_a_currency():
    assert Money(Decimal("1.00"), "CNY") < Money(Decimal("1.01"), "CNY")
    assert Money(Decimal("1.00"), "CNY") <= Money(Decimal("1.00"), "CNY")


def test_money_as_json_is_a_two_place_string_and_a_currency():
    assert Money(Decimal("99.9"), "CNY").as_json() == {"amount": "99.90", "currency": "CNY"}
    assert str(Money(Decimal("5"), "USD")) == "5.00 USD"
