"""The merchant-side signals RS-21 and RS-22 against their honest look-alikes (RISK-SIGNALS.md,
the FP-risk column): a campaign that lifts a whole category, a shop with few cases, holidays."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from aftersales.credit import signals
from aftersales.credit.metrics import Month
from tests import factories
from tests.credit import history

SHANGHAI = ZoneInfo("Asia/Shanghai")


def figures(**rates: tuple[int, int]) -> dict:
    """{"intervention_rate": {merchant: (disputed, orders)}} from m1=(2, 100), m2=…"""
    return {"intervention_rate": {int(k[1:]): (Decimal(n), Decimal(d)) for k, (n, d) in
                                  rates.items()}}  # fmt: skip


# RS-21: 介入率 / 纠纷退款率 > 2× the category mean — look-alike: a campaign spike.
def test_a_merchant_disputed_more_than_twice_its_categorys_mean_fires_with_the_mean_shown():
    hits = signals.above_peers(
        figures(m1=(8, 100), m2=(2, 100), m3=(3, 100)), {1: "apparel", 2: "apparel", 3: "apparel"}
    )
    assert list(hits) == [1]
    assert hits[1].inputs["intervention_rate_peers_mean"] == Decimal("0.0250")


def test_a_campaign_that_lifts_the_whole_category_is_no_merchants_signal():
    hits = signals.above_peers(
        figures(m1=(9, 100), m2=(8, 100), m3=(10, 100)), {1: "food", 2: "food", 3: "food"}
    )
    assert hits == {}


def test_merchants_are_compared_within_their_own_category_only():
    hits = signals.above_peers(
        figures(m1=(8, 100), m2=(2, 100), m3=(9, 100)), {1: "apparel", 2: "apparel", 3: "home"}
    )
    assert list(hits) == [1]  # m3 has no peer in home: not compared


def test_a_single_dispute_at_a_small_shop_is_not_a_rate():
    hits = signals.above_peers(
        figures(m1=(1, 10), m2=(0, 100), m3=(1, 100)), {1: "toys", 2: "toys", 3: "toys"}
    )
    assert hits == {}


# RS-22: late response — look-alike: a shop closed for a statutory holiday (the rule and its
# holidays: test_response_time.py).
@pytest.mark.django_db
def test_a_shop_leaving_a_fifth_of_its_requests_unanswered_for_48_hours_fires():
    shop = factories.merchant()
    at = datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI)
    for n in range(10):
        c = history.case(history.order(shop, factories.buyer(), at=at - timedelta(days=1)), at=at)
        history.event(c, "approve", at=at + timedelta(hours=60 if n < 2 else 3))
    hit = signals.late_responses(Month.parse("2026-10"))[shop.pk]
    assert (hit.value, hit.inputs["late"], hit.inputs["requests"]) == (Decimal("0.2"), 2, 10)


@pytest.mark.django_db
def test_one_late_request_in_ten_is_within_the_line():
    shop = factories.merchant()
    at = datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI)
    for n in range(10):
        c = history.case(history.order(shop, factories.buyer(), at=at - timedelta(days=1)), at=at)
        history.event(c, "approve", at=at + timedelta(hours=60 if n < 1 else 3))
    assert shop.pk not in signals.late_responses(Month.parse("2026-10"))


@pytest.mark.django_db
def test_a_shop_with_few_requests_is_not_judged_on_them():
    shop = factories.merchant()
    at = datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI)
    for _ in range(3):
        history.case(history.order(shop, factories.buyer(), at=at - timedelta(days=1)), at=at)
    assert shop.pk not in signals.late_responses(Month.parse("2026-10"))
