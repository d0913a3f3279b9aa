"""Compensation rules, exact to the fen: DS-13 (10 % of paid, at most ¥200, return at the
merchant's freight), counterfeit N× with the statutory floor and the appraisal fee (GF-06/07),
missing gifts (DS-18), the merchant's own promise when it pays more (GF-09)."""

from decimal import Decimal

import pytest

from aftersales.core.errors import InvalidInput
from aftersales.disputes.compensation import compute

D = Decimal


def test_an_unclear_listing_pays_ten_percent_of_what_was_paid():
    c = compute("listing_unclear", paid=D("60.00"))
    assert c.amount == D("6.00")
    assert c.return_freight == "merchant"
    assert c.parts[0].rule == "DS-13"


def test_ten_percent_rounds_half_up_to_the_fen():
    assert compute("listing_unclear", paid=D("33.35")).amount == D("3.34")
    assert compute("listing_unclear", paid=D("33.34")).amount == D("3.33")


def test_an_unclear_listing_pays_at_most_200_yuan():
    assert compute("listing_unclear", paid=D("2999.99")).amount == D("200.00")


def test_counterfeit_pays_three_times_the_price_at_least_500():
    assert compute("counterfeit", paid=D("60.00")).amount == D("500.00")
    assert compute("counterfeit", paid=D("300.10")).amount == D("900.30")


def test_a_shop_may_promise_more_than_three_times_never_less():
    assert compute("counterfeit", paid=D("300.00"), multiple=10).amount == D("3000.00")
    assert compute("counterfeit", paid=D("300.00"), multiple=2).amount == D("900.00")


def test_the_appraisal_fee_is_added_to_counterfeit_damages():
    c = compute("counterfeit", paid=D("300.00"), appraisal_fee=D("80.00"))
    assert c.amount == D("980.00")
    assert [p.rule for p in c.parts] == ["GF-06", "GF-07"]


def test_no_counterfeit_damages_for_a_claimant_who_swapped_or_faked():
    with pytest.raises(InvalidInput) as caught:
        compute("counterfeit", paid=D("300.00"), claimant_at_fault=True)
    assert "GF-06" in caught.value.detail


def test_missing_gifts_pay_their_marked_price():
    c = compute("missing_gifts", paid=D("60.00"), gifts_marked_price=D("19.90"))
    assert (c.amount, c.parts[0].rule) == (D("19.90"), "DS-18")


def test_the_merchants_own_promise_pays_when_it_is_higher():
    c = compute("listing_unclear", paid=D("60.00"), promised=D("50.00"))
    assert (c.amount, c.parts[0].rule) == (D("50.00"), "GF-09")


def test_the_rule_pays_when_the_promise_is_lower():
    c = compute("counterfeit", paid=D("60.00"), promised=D("100.00"))
    assert (c.amount, c.parts[0].rule) == (D("500.00"), "GF-06")
