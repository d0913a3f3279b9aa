"""RS-22's one rule of when a merchant must have answered a request (credit/response.py): 48 h,
and a day more for each statutory rest day the hours run into; the graded metric and the
signal count with it alike, on each side of 春节 and 国庆, and in a year the calendar lacks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from aftersales.credit import metrics, signals
from aftersales.credit.metrics import Month
from aftersales.credit.response import response_due, response_figures
from tests import factories
from tests.credit import history

SHANGHAI = ZoneInfo("Asia/Shanghai")
NATIONAL_DAY = {date(2026, 10, d) for d in range(1, 8)}


def at(month: int, day: int, hour: int = 10, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=SHANGHAI)


# The rule itself, on a given set of rest days.
def test_a_request_is_due_48_hours_after_it_opens_on_ordinary_days():
    opened = at(10, 12, 9)
    assert response_due(opened, NATIONAL_DAY.__contains__) == opened + timedelta(hours=48)


def test_the_statutory_holiday_days_do_not_count_against_the_48_hours():
    due = response_due(at(9, 30, 20), NATIONAL_DAY.__contains__)
    assert due == at(10, 9, 20)  # 48 h + the 7 days off


def test_the_hour_a_request_opens_does_not_change_which_days_its_48_hours_run_into():
    early = response_due(at(9, 29, 0), NATIONAL_DAY.__contains__)
    late = response_due(at(9, 29, 23), NATIONAL_DAY.__contains__)
    assert late - early == timedelta(hours=23)


# The graded metric and the signal on the stored calendar (seeded 2004–2026).
def _requests(shop, opened: datetime, answered: datetime | None, n: int = 1):
    for _ in range(n):
        o = history.order(shop, factories.buyer(), at=opened - timedelta(days=1))
        c = history.case(o, at=opened)
        if answered is not None:
            history.event(c, "approve", at=answered)


def _late_and_due(month: str, shop) -> tuple[Decimal, Decimal]:
    return metrics.late_response_rate(Month.parse(month))[shop.pk]


@pytest.mark.django_db
def test_a_request_whose_48_hours_end_before_the_spring_festival_is_late_after_them():
    shop = factories.merchant()
    _requests(shop, at(2, 12), answered=at(2, 20))  # 48 h end Sat 14 Feb; 春节 is 15–23 Feb
    assert _late_and_due("2026-02", shop) == (1, 1)


@pytest.mark.django_db
def test_a_request_whose_48_hours_run_into_the_spring_festival_waits_for_its_end():
    shop = factories.merchant()
    _requests(shop, at(2, 13), answered=at(2, 24, 9))  # 48 h + the nine days off → 24 Feb 10:00
    _requests(shop, at(2, 13), answered=at(2, 24, 11))
    assert _late_and_due("2026-02", shop) == (1, 2)


@pytest.mark.django_db
def test_a_request_opened_after_the_spring_festival_has_its_plain_48_hours():
    shop = factories.merchant()
    _requests(shop, at(2, 24), answered=at(2, 26, 11))
    assert _late_and_due("2026-02", shop) == (1, 1)


@pytest.mark.django_db
def test_national_day_lengthens_the_time_of_a_request_opened_the_day_before_it_only():
    shop = factories.merchant()
    _requests(shop, at(9, 28), answered=at(10, 7))  # 48 h end 30 Sep: late
    _requests(shop, at(9, 29), answered=at(10, 8, 9))  # runs into 国庆 1–7 Oct: due 8 Oct 10:00
    _requests(shop, at(10, 8), answered=at(10, 10, 11))  # after it: due 10 Oct 10:00, late
    assert _late_and_due("2026-09", shop) == (1, 2)
    assert _late_and_due("2026-10", shop) == (1, 1)


@pytest.mark.django_db
def test_the_metric_and_the_signal_count_the_same_requests_late():
    shop = factories.merchant()
    _requests(shop, at(9, 29), answered=at(10, 8, 9), n=8)  # in time thanks to 国庆
    _requests(shop, at(9, 28), answered=at(10, 8, 9), n=3)  # late
    late, due = _late_and_due("2026-09", shop)
    hit = signals.late_responses(Month.parse("2026-09"))[shop.pk]
    assert (late, due) == (3, 11)
    assert (hit.inputs["late"], hit.inputs["requests"]) == (late, due)


@pytest.mark.django_db
def test_a_request_whose_time_has_not_run_out_is_not_counted_yet():
    shop = factories.merchant()
    _requests(shop, at(9, 29), answered=None)
    with time_machine.travel(at(10, 8, 9), tick=False):  # due 8 Oct 10:00
        assert metrics.late_response_rate(Month.parse("2026-09")) == {}
    with time_machine.travel(at(10, 8, 11), tick=False):
        assert _late_and_due("2026-09", shop) == (1, 1)


@pytest.mark.django_db
def test_days_of_a_year_the_calendar_does_not_know_count_as_ordinary_and_are_told():
    shop = factories.merchant()
    # 2027 is not loaded: the 48 h of 31 Dec end on 2 Jan as if 元旦 were a working day.
    _requests(shop, at(12, 31), answered=at(1, 2, 11, year=2027), n=10)
    _requests(shop, at(12, 20), answered=at(12, 21), n=2)
    with time_machine.travel(at(1, 10, year=2027), tick=False):
        figures = response_figures(Month.parse("2026-12").start, Month.parse("2026-12").end)
        hit = signals.late_responses(Month.parse("2026-12"))[shop.pk]
        graded = _late_and_due("2026-12", shop)
    assert (figures[shop.pk].late, figures[shop.pk].due) == (10, 12) == graded
    assert figures[shop.pk].calendar_unknown == 10
    assert hit.inputs["calendar_unknown"] == 10


@pytest.mark.django_db
def test_a_month_of_a_year_the_calendar_does_not_know_is_counted_in_plain_48_hours():
    shop = factories.merchant()
    _requests(shop, at(3, 2, year=2030), answered=at(3, 4, 9, year=2030))
    _requests(shop, at(3, 2, year=2030), answered=at(3, 4, 11, year=2030))
    with time_machine.travel(at(4, 1, year=2030), tick=False):
        figures = response_figures(Month.parse("2030-03").start, Month.parse("2030-03").end)
    assert figures[shop.pk] == type(figures[shop.pk])(late=1, due=2, calendar_unknown=2)
