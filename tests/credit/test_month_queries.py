"""Computing a month is set-based: its queries do not grow with the number of cases."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.credit.metrics import Month
from aftersales.credit.rating import compute_month
from tests import factories
from tests.credit import history

# The rules and policy caches re-read every few seconds: on a loaded machine one such read can
# land in one month's count and not the other's.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("periodic_checks_held")]
TZ = ZoneInfo("Asia/Shanghai")


def _month_with(month: str, at: datetime, *, cases_each: int) -> int:
    for shop in (factories.merchant(), factories.merchant()):
        for _ in range(cases_each):
            c = history.case(history.order(shop, factories.buyer(), at=at), at=at)
            history.event(c, "reject", at=at)
            history.event(c, "refund", to_state="refunded", at=at)
    with CaptureQueriesContext(connection) as ctx:
        compute_month(month=Month.parse(month))
    return len(ctx.captured_queries)


def test_a_month_with_ten_times_the_cases_takes_the_same_number_of_queries(periodic_checks_held):
    # (RS-22 reads the holiday calendar, whose periodic revision check is not the month's work)
    few = _month_with("2026-09", datetime(2026, 9, 10, tzinfo=TZ), cases_each=2)
    many = _month_with("2026-10", datetime(2026, 10, 10, tzinfo=TZ), cases_each=20)
    assert many <= few  # (a month may place fewer restrictions; never more queries per case)
