"""The merchant metric formulas of RISK-SIGNALS.md, each on a small table of its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from aftersales.credit import metrics
from aftersales.credit.metrics import Month
from tests import factories
from tests.credit import history

pytestmark = pytest.mark.django_db

OCT = Month.parse("2026-10")
AT = datetime(2026, 10, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def shop():
    return factories.merchant()


def _orders(shop, n, *, at=AT):
    return [history.order(shop, factories.buyer(), at=at) for _ in range(n)]


def _ruled(c, ruling, *, at=AT):
    history.event(c, "appeal", role="buyer", at=at)
    history.event(
        c, "rule", role="specialist", at=at + timedelta(hours=1), payload={"ruling": ruling}
    )


def test_dispute_refund_rate_is_ruled_for_buyer_sub_orders_over_paid_sub_orders(shop):
    orders = _orders(shop, 10)
    _ruled(history.case(orders[0], at=AT), "for_buyer")
    _ruled(history.case(orders[1], at=AT), "for_merchant")
    assert metrics.dispute_refund_rate(OCT)[shop.pk] == (1, 10)


def test_self_finish_rate_is_refunds_finished_without_the_platform_over_all_finished(shop):
    orders = _orders(shop, 3)
    for o in orders:
        history.event(history.case(o, at=AT), "refund", to_state="refunded", at=AT)
    _ruled(history.case(_orders(shop, 1)[0], at=AT), "for_buyer")
    appealed = orders[2].cases.get()
    history.event(appealed, "appeal", role="buyer", at=AT - timedelta(hours=1))
    assert metrics.self_finish_rate(OCT)[shop.pk] == (2, 3)


def test_finish_hours_is_total_time_to_refund_over_refunds_finished(shop):
    a, b = _orders(shop, 2)
    history.event(
        history.case(a, at=AT), "refund", to_state="refunded", at=AT + timedelta(hours=10)
    )
    history.event(
        history.case(b, at=AT), "refund", to_state="refunded", at=AT + timedelta(hours=30)
    )
    total, finished = metrics.finish_hours(OCT)[shop.pk]
    assert (total, finished) == (Decimal("40"), 2)


def test_quality_refund_rate_counts_quality_reasons_only_over_paid_sub_orders(shop):
    orders = _orders(shop, 4)
    history.refund(
        history.case(orders[0], reason="quality_issue", at=AT), "100.00", at=AT, lines=True
    )
    history.refund(history.case(orders[1], reason="no_reason", at=AT), "100.00", at=AT, lines=True)
    assert metrics.quality_refund_rate(OCT)[shop.pk] == (1, 4)


def test_intervention_rate_is_orders_appealed_to_the_platform_over_valid_orders(shop):
    orders = _orders(shop, 5)
    history.event(history.case(orders[0], at=AT), "appeal", role="buyer", at=AT)
    assert metrics.intervention_rate(OCT)[shop.pk] == (1, 5)


def test_invalid_rejection_rate_is_overturned_rejections_over_rejections(shop):
    cases = [history.case(o, at=AT) for o in _orders(shop, 4)]
    for c in cases:
        history.event(c, "reject", at=AT)
    _ruled(cases[0], "for_buyer")
    _ruled(cases[1], "for_merchant")
    assert metrics.invalid_rejection_rate(OCT)[shop.pk] == (1, 4)


def test_a_rejection_the_desk_overturned_before_it_took_effect_counts_as_overturned(shop):
    cases = [history.case(o, at=AT) for o in _orders(shop, 2)]
    for c in cases:
        history.event(c, "reject", at=AT)
    history.event(cases[0], "overturn_rejection", role="specialist", at=AT + timedelta(hours=2))
    history.event(cases[1], "confirm_rejection", role="specialist", at=AT + timedelta(hours=2))
    assert metrics.invalid_rejection_rate(OCT)[shop.pk] == (1, 2)


def _inspected(c, result, *, at=AT):
    to_state = "rejected" if result == "fail" else "inspected"
    history.event(c, "inspect", at=at, payload={"result": result}, to_state=to_state)


def test_a_failed_inspection_is_a_rejection_and_its_overturn_on_appeal_counts(shop):
    refused, kept = (history.case(o, at=AT) for o in _orders(shop, 2))
    _inspected(refused, "fail")
    _ruled(refused, "for_buyer", at=AT + timedelta(hours=2))
    _inspected(kept, "pass")  # a passed inspection refuses nothing
    assert metrics.invalid_rejection_rate(OCT)[shop.pk] == (1, 1)


def test_a_partial_ruling_on_an_appealed_rejection_counts_as_overturned(shop):
    c = history.case(_orders(shop, 1)[0], at=AT)
    history.event(c, "reject", at=AT, to_state="rejected")
    _ruled(c, "partial", at=AT + timedelta(hours=2))
    assert metrics.invalid_rejection_rate(OCT)[shop.pk] == (1, 1)


def test_a_ruling_for_the_buyer_on_a_referral_overturns_no_rejection(shop):
    rejected, referred = (history.case(o, at=AT) for o in _orders(shop, 2))
    history.event(rejected, "reject", at=AT, to_state="rejected")
    # The merchant never shipped the replacement: the system referred the case to the desk.
    history.event(referred, "refer", role="system", at=AT, to_state="platform_review")
    history.event(
        referred, "rule", role="specialist", at=AT + timedelta(hours=1),
        payload={"ruling": "for_buyer"},
    )  # fmt: skip
    assert metrics.invalid_rejection_rate(OCT)[shop.pk] == (0, 1)


def test_each_rejection_of_a_case_counts_with_its_own_outcome(shop):
    c = history.case(_orders(shop, 1)[0], at=AT)
    history.event(c, "reject", at=AT, to_state="rejected")
    _ruled(c, "for_buyer", at=AT + timedelta(hours=1))
    _inspected(c, "fail", at=AT + timedelta(days=5))
    _ruled(c, "for_merchant", at=AT + timedelta(days=6))
    assert metrics.invalid_rejection_rate(OCT)[shop.pk] == (1, 2)


def test_a_rejection_the_desk_confirmed_is_one_rejection_not_overturned(shop):
    c = history.case(_orders(shop, 1)[0], at=AT)
    history.event(c, "reject", at=AT, to_state="rejection_review")
    history.event(c, "confirm_rejection", role="specialist", at=AT + timedelta(hours=2))
    assert metrics.invalid_rejection_rate(OCT)[shop.pk] == (0, 1)


def test_late_response_rate_is_requests_unhandled_by_the_merchant_in_48_hours(shop):
    fast, slow, silent = (history.case(o, at=AT) for o in _orders(shop, 3))
    history.event(fast, "approve", at=AT + timedelta(hours=5))
    history.event(slow, "approve", at=AT + timedelta(hours=50))
    # The timer approving on the merchant's silence is not the merchant handling it.
    history.event(silent, "approve", role="system", at=AT + timedelta(hours=48))
    assert metrics.late_response_rate(OCT)[shop.pk] == (2, 3)


def test_a_month_runs_from_local_midnight_to_local_midnight():
    assert OCT.start.isoformat() == "2026-10-01T00:00:00+08:00"
    assert OCT.end.isoformat() == "2026-11-01T00:00:00+08:00"
