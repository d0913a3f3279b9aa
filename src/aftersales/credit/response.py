"""When a merchant must have answered a request (RS-22), the one rule both the graded metric
(`metrics.late_response_rate`) and the signal (`signals.late_responses`) count with: 48 hours,
and a day more for each statutory rest day (春节, 国庆 …, `core.calendar`) those hours run
into. A day of a year the calendar does not know counts as an ordinary day, and the requests
that concerned are counted apart (`calendar_unknown`) so a person knows the figure is a guess."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q, Value

from aftersales.core import clock

RESPONSE_DAYS = 2
RESPONSE_HOURS = 24 * RESPONSE_DAYS
MERCHANT_ROLES = ("merchant_staff", "merchant_admin", "merchant_integration")
ONE_DAY = timedelta(days=1)


def extra_days(opened_on: date, is_rest: Callable[[date], bool]) -> int:
    """The days added to the 48 hours of a request opened on the local day `opened_on`: one
    for each statutory rest day from that day to the last day the lengthened time runs into.
    48 hours are two whole days, so whatever the hour it opened, they end two days on."""
    extra, day, last = 0, opened_on, opened_on + timedelta(days=RESPONSE_DAYS)
    while day <= last:
        if is_rest(day):
            extra += 1
            last += ONE_DAY
        day += ONE_DAY
    return extra


def response_due(opened: datetime, is_rest: Callable[[date], bool]) -> datetime:
    """When a request opened at `opened` must have had the merchant's first step."""
    extra = extra_days(clock.localtime(opened).date(), is_rest)
    return opened + timedelta(hours=RESPONSE_HOURS, days=extra)


@dataclass(frozen=True, slots=True)
class Allowance:
    """Requests opened from `start` to before `end` (local midnights) have `time` to be
    answered; `guessed` when a day it runs into is of a year the calendar does not know."""

    start: datetime
    end: datetime
    time: timedelta
    guessed: bool

    @property
    def opened_in(self) -> Q:
        return Q(opened_at__gte=self.start, opened_at__lt=self.end)


def allowances(first: date, last: date) -> list[Allowance]:
    """The time to answer for each local day from `first` to before `last`, days in a row
    with the same time merged (a month is a handful of runs: ordinary days, a holiday)."""
    from aftersales.core.calendar import CalendarUnknown, business_calendar

    calendar = business_calendar()
    runs: list[Allowance] = []
    day = first
    while day < last:
        unknown = False

        def is_rest(d: date) -> bool:
            nonlocal unknown
            try:
                return calendar.is_statutory_rest(d)
            except CalendarUnknown:
                unknown = True
                return False

        allowed = timedelta(hours=RESPONSE_HOURS, days=extra_days(day, is_rest))
        start = datetime.combine(day, time(), tzinfo=clock.local_zone())
        end = datetime.combine(day + ONE_DAY, time(), tzinfo=clock.local_zone())
        if runs and (runs[-1].time, runs[-1].guessed) == (allowed, unknown):
            runs[-1] = Allowance(runs[-1].start, end, allowed, unknown)
        else:
            runs.append(Allowance(start, end, allowed, unknown))
        day += ONE_DAY
    return runs


@dataclass(frozen=True, slots=True)
class Responses:
    late: int  # requests with no merchant's own step by their due instant
    due: int  # requests opened in the window whose time has run out
    calendar_unknown: int  # of `due`, those whose time ran into a year the calendar lacks


def response_figures(start: datetime, end: datetime) -> dict[int, Responses]:
    """merchant → its requests opened from `start` to before `end` (local midnights) whose
    time has run out by now, and how many of them had no merchant's own step in time — a
    timer's step on the merchant's silence is not the merchant answering. One grouped query
    for every merchant: the time to answer is a CASE over the window's few runs of days."""
    from aftersales.cases.models import Case, CaseEvent

    first, last = clock.localtime(start).date(), clock.localtime(end).date()
    runs = allowances(first, last)
    if not runs:
        return {}
    now = clock.now()
    ran_out = reduce(or_, (r.opened_in & Q(opened_at__lte=now - r.time) for r in runs))
    allowed = models.Case(
        *(models.When(r.opened_in, then=Value(r.time)) for r in runs),
        output_field=models.DurationField(),
    )
    answered = Exists(
        CaseEvent.objects.filter(
            case_id=OuterRef("pk"), actor_role__in=MERCHANT_ROLES, at__lte=OuterRef("answer_by")
        )
    )
    guessed = [r.opened_in for r in runs if r.guessed]
    rows = (
        Case.objects.filter(ran_out)
        .annotate(
            answer_by=ExpressionWrapper(F("opened_at") + allowed, output_field=DateTimeField())
        )
        .values("merchant_id")
        .annotate(
            due=Count("id"),
            late=Count("id", filter=~answered),
            guessed=Count("id", filter=reduce(or_, guessed)) if guessed else Value(0),
        )
        .order_by()
    )
    return {row["merchant_id"]: Responses(row["late"], row["due"], row["guessed"]) for row in rows}
