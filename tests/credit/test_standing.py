"""The buyer standing: explainable components, the fast lane and inspection first."""

from __future__ import annotations

import pytest

from aftersales.credit.models import BuyerPenalty
from aftersales.credit.selectors import buyer_standing
from tests import factories
from tests.credit import history

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return factories.merchant()


@pytest.fixture
def buyer():
    return factories.buyer()


def _component(standing, code):
    return next(c for c in standing.components if c.code == code)


def test_a_buyer_with_no_history_keeps_full_score_but_no_fast_lane_yet(buyer):
    standing = buyer_standing(buyer.pk)
    assert standing.score == 100
    assert not standing.fast_lane_allowed
    assert "history.too_short" in standing.flags
    assert not standing.inspect_first


def test_an_unknown_buyer_gets_a_standing_not_an_error():
    standing = buyer_standing(987654)
    assert standing.score == 100 and not standing.inspect_first


def test_an_honest_buyer_with_orders_gets_the_fast_lane(shop, buyer):
    for _ in range(5):
        history.order(shop, buyer)
    standing = buyer_standing(buyer.pk)
    assert standing.score == 100
    assert standing.fast_lane_allowed
    assert standing.flags == ()


def test_each_component_names_its_figure_inputs_line_and_points(shop, buyer):
    orders = [history.order(shop, buyer) for _ in range(6)]
    for o in orders[:3]:
        history.case(o)
    rate = _component(buyer_standing(buyer.pk), "return_rate")
    assert (rate.numerator, rate.denominator) == (3, 6)
    assert str(rate.value) == "0.5000"
    assert rate.points == 15 and rate.source == "RS-01"
    assert buyer_standing(buyer.pk).score == 85


def test_a_high_rate_on_too_few_orders_costs_nothing(shop, buyer):
    o = history.order(shop, buyer)
    history.case(o)
    rate = _component(buyer_standing(buyer.pk), "return_rate")
    assert rate.value == 1 and rate.points == 0


def test_an_active_inspect_first_penalty_makes_refunds_wait_for_inspection(shop, buyer):
    for _ in range(5):
        history.order(shop, buyer)
    BuyerPenalty.objects.create(
        buyer=buyer, kind="inspect_first", reason_code="low_score", imposed_by="desk"
    )
    standing = buyer_standing(buyer.pk)
    assert standing.inspect_first
    assert "penalty.inspect_first" in standing.flags
