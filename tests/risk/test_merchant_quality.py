"""RS-08 weighs the merchant's quality rate (品质退款率): a figure of the merchant and the day —
quality-reason cases ÷ orders over the 90 whole days before the claim's day — read once a day
per merchant, not once per claim."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.core import clock
from aftersales.risk.inputs import merchant_quality
from tests.cases import builders as b

pytestmark = pytest.mark.django_db


def _open_days_ago(s: b.Shop, days: int, reason: str) -> None:
    with time_machine.travel(clock.now() - timedelta(days=days), tick=False):
        b.open_case(s, "return_refund", reason=reason)


def test_the_rate_is_quality_reason_cases_over_orders_in_the_90_days_before_the_day():
    s = b.shop()
    _open_days_ago(s, 10, "quality_issue")
    _open_days_ago(s, 20, "no_reason")
    _open_days_ago(s, 120, "quality_issue")  # outside the 90 days
    today = timezone.localdate()
    assert merchant_quality({(s.merchant.pk, today)}) == {(s.merchant.pk, today): 0.5}


def test_what_happens_on_the_claims_own_day_counts_from_the_next_day():
    s = b.shop()
    _open_days_ago(s, 10, "no_reason")
    b.open_case(s, "return_refund", reason="quality_issue")  # today
    today = timezone.localdate()
    assert merchant_quality({(s.merchant.pk, today)})[(s.merchant.pk, today)] == 0.0
    tomorrow = today + timedelta(days=1)
    assert merchant_quality({(s.merchant.pk, tomorrow)})[(s.merchant.pk, tomorrow)] == 0.5


def test_a_merchant_and_day_already_read_costs_no_statement():
    s = b.shop()
    _open_days_ago(s, 10, "quality_issue")
    key = (s.merchant.pk, timezone.localdate())
    merchant_quality({key})
    with CaptureQueriesContext(connection) as queries:
        assert merchant_quality({key}) == {key: 1.0}
    assert len(queries) == 0


def test_a_merchant_without_orders_has_a_rate_of_nothing():
    s = b.shop()
    key = (s.merchant.pk, timezone.localdate())
    assert merchant_quality({key}) == {key: 0.0}
