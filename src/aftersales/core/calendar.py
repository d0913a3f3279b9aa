"""Business time: working days, holidays, 调休 and working-hour windows, as pure arithmetic.

`business_calendar(region)` hands out an immutable `BusinessCalendar` built from the stored
exceptions (`CalendarDay`, `CalendarYear`; see `core.calendar_data`). The arithmetic itself never
touches the database: set lookups, and prefix sums over the known years so that counting and
adding working days costs the same for one day as for a hundred.

A date in a year nobody imported raises `CalendarUnknown`: after 2026 neither library knows the
调休 days (POLICY-FACTS §2 ambiguity 8), and counting Monday–Friday instead would be silently
wrong. See docs/calendar.md.
"""

from __future__ import annotations

import threading
import time as _time
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from types import MappingProxyType

from aftersales.core.clock import local_zone, require_aware
from aftersales.core.errors import DomainError

__all__ = [
    "DEFAULT_WINDOW",
    "BusinessCalendar",
    "CalendarUnknown",
    "Extension",
    "business_calendar",
    "invalidate_business_calendar",
]

DEFAULT_WINDOW: tuple[time, time] = (time(9), time(18))
ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
# How often a process asks the database whether the calendar changed (another process's import
# or admin edit). Writes in this process invalidate at once.
CHECK_INTERVAL_SECONDS = 5.0


class CalendarUnknown(DomainError):
    """Business time was asked of a year whose holidays and 调休 days were never imported."""

    status, slug, title = 422, "calendar-unknown", "Business calendar unknown for this year"

    def __init__(self, year: int, region: str = "CN") -> None:
        super().__init__(
            f"The {region} business calendar for {year} is not loaded: its statutory holidays "
            f"and 调休 working days are unknown, so working days and deadlines cannot be "
            f"computed. Import the State Council schedule for {year} with "
            f"`aftersales calendar import FILE --region {region}` (docs/calendar.md).",
            year=year,
            region=region,
        )
        self.year = year
        self.region = region

    def __reduce__(self):  # pickled by task backends: rebuild from the year, not the message
        return (type(self), (self.year, self.region))


class Extension(StrEnum):
    """How a consumer's deadline whose last day is a rest day moves (NR-02, ambiguity 2)."""

    STATUTORY_ONLY = "statutory_only"  # 民法典§203: past a 法定休假日 block, incl. in-lieu days
    ALL_REST_DAYS = "all_rest_days"  # also past ordinary weekends
    OFF = "off"  # never (fixed 168 h, as the platforms count)


def _as_timedelta(t: time) -> timedelta:
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


_DEFAULT_BOUNDS = (_as_timedelta(DEFAULT_WINDOW[0]), _as_timedelta(DEFAULT_WINDOW[1]))


def _bounds(window: tuple[time, time]) -> tuple[timedelta, timedelta]:
    if window is DEFAULT_WINDOW:
        return _DEFAULT_BOUNDS
    start, end = window
    if start.tzinfo is not None or end.tzinfo is not None:
        raise ValueError("a window is local wall time: naive times, e.g. (time(9), time(18))")
    bounds = _as_timedelta(start), _as_timedelta(end)
    if bounds[0] >= bounds[1]:
        raise ValueError(f"window {start}–{end} must start before it ends, within one day")
    return bounds


class BusinessCalendar:
    """One region's working days, read only. Build it with `BusinessCalendar.build`; get the
    current one with `business_calendar()`.

    Date arguments take a `date`, or an aware `datetime` (its local date is used); results are
    dates. Time arguments take aware datetimes; results are aware, in the local zone.
    """

    __slots__ = (
        "_adjusted",
        "_base",
        "_cum",
        "_first_known",
        "_flags",
        "_holidays",
        "_in_lieu",
        "_known",
        "_last_known",
        "_names",
        "_workdays",
        "region",
        "version",
        "zone",
    )

    def __init__(
        self,
        *,
        region: str,
        holidays: Iterable[date],
        adjusted_workdays: Iterable[date],
        known_years: Iterable[int],
        in_lieu: Iterable[date] = (),
        names: Mapping[date, str] | None = None,
        zone: tzinfo | None = None,
        version: int = 0,
    ) -> None:
        s = object.__setattr__
        s(self, "region", region)
        s(self, "version", version)
        s(self, "zone", zone or local_zone())
        s(self, "_holidays", frozenset(holidays))
        s(self, "_adjusted", frozenset(adjusted_workdays))
        s(self, "_in_lieu", frozenset(in_lieu))
        s(self, "_known", frozenset(known_years))
        s(self, "_names", MappingProxyType(dict(names or {})))
        both = self._holidays & self._adjusted
        if both:
            raise ValueError(f"dates both holiday and adjusted workday: {sorted(both)}")
        # Prefix sums over every day from 1 Jan of the first known year to 31 Dec of the last:
        # _flags[i] is 1 when day base+i is a working day, _cum[i] counts working days before it,
        # _workdays lists their ordinals. Days of unknown years in between count as rest; every
        # method checks the years it spans, so they are never relied upon.
        if self._known:
            first, last = min(self._known), max(self._known)
            base, end = date(first, 1, 1).toordinal(), date(last + 1, 1, 1).toordinal()
        else:
            first, last, base, end = 0, -1, 0, 0
        flags = bytearray(end - base)
        cum = [0] * (end - base + 1)
        workdays: list[int] = []
        count = 0
        for offset in range(end - base):
            day = date.fromordinal(base + offset)
            cum[offset] = count
            if day.year in self._known and (
                day in self._adjusted or (day.weekday() < 5 and day not in self._holidays)
            ):
                flags[offset] = 1
                workdays.append(base + offset)
                count += 1
        cum[end - base] = count
        s(self, "_first_known", first)
        s(self, "_last_known", last)
        s(self, "_base", base)
        s(self, "_flags", bytes(flags))
        s(self, "_cum", tuple(cum))
        s(self, "_workdays", tuple(workdays))

    def __setattr__(self, name, value):
        raise AttributeError("BusinessCalendar is immutable; build a new one")

    def __repr__(self) -> str:
        years = f"{self._first_known}–{self._last_known}" if self._known else "none"
        return f"<BusinessCalendar {self.region} v{self.version} years {years}>"

    # --- what is known ------------------------------------------------------------------------

    @property
    def known_years(self) -> frozenset[int]:
        return self._known

    def is_known(self, year: int) -> bool:
        return year in self._known

    def _require(self, year: int) -> None:
        if year not in self._known:
            raise CalendarUnknown(year, self.region)

    def _require_span(self, first: int, last: int) -> None:
        """Every year from `first` to `last` must be known: arithmetic may not cross a gap."""
        if first > last:
            first, last = last, first
        for year in range(first, last + 1):
            if year not in self._known:
                raise CalendarUnknown(year, self.region)

    def _date(self, value: date | datetime) -> date:
        if type(value) is date:
            return value
        if isinstance(value, datetime):
            return require_aware(value, "when").astimezone(self.zone).date()
        if isinstance(value, date):  # a date subclass
            return date(value.year, value.month, value.day)
        raise TypeError(f"expected a date or an aware datetime, not {type(value).__name__}")

    def _local(self, value: datetime) -> datetime:
        if not isinstance(value, datetime):
            raise TypeError(f"expected an aware datetime, not {type(value).__name__}")
        return require_aware(value, "when").astimezone(self.zone)

    # --- single days --------------------------------------------------------------------------

    def is_workday(self, value: date | datetime) -> bool:
        """A working day: Monday–Friday that is not a holiday, or a 调休 working weekend day."""
        d = self._date(value)
        if d.year not in self._known:
            raise CalendarUnknown(d.year, self.region)
        if d in self._adjusted:
            return True
        return d.weekday() < 5 and d not in self._holidays

    def is_rest_day(self, value: date | datetime) -> bool:
        """A statutory holiday (incl. its in-lieu days) or an ordinary weekend not worked."""
        return not self.is_workday(value)

    def is_statutory_rest(self, value: date | datetime) -> bool:
        """A rest day of a statutory holiday block (法定休假日), including its 调休 rest days."""
        d = self._date(value)
        if d.year not in self._known:
            raise CalendarUnknown(d.year, self.region)
        return d in self._holidays

    def is_in_lieu(self, value: date | datetime) -> bool:
        """A weekday made a rest day to complete a holiday block (调休休息)."""
        d = self._date(value)
        self._require(d.year)
        return d in self._in_lieu

    def is_adjusted_workday(self, value: date | datetime) -> bool:
        """A weekend day worked in exchange for a holiday block (调休上班)."""
        d = self._date(value)
        self._require(d.year)
        return d in self._adjusted

    def holiday_name(self, value: date | datetime) -> str | None:
        """The holiday a holiday or adjusted workday belongs to (e.g. 春节), else None."""
        d = self._date(value)
        self._require(d.year)
        return self._names.get(d)

    # --- working days -------------------------------------------------------------------------

    def add_working_days(self, start: date | datetime, n: int) -> date:
        """The n-th working day after `start` (n ≥ 1; `start` itself never counts), the n-th
        before it for n < 0, `start` for n = 0. Friday + 1 → Monday; Saturday + 1 → Monday."""
        d = self._date(start)
        if d.year not in self._known:
            raise CalendarUnknown(d.year, self.region)
        if n == 0:
            return d
        i = d.toordinal() - self._base
        k = self._cum[i + 1] + n - 1 if n > 0 else self._cum[i] + n
        if k < 0:
            raise CalendarUnknown(self._first_known - 1, self.region)
        if k >= len(self._workdays):
            raise CalendarUnknown(self._last_known + 1, self.region)
        result = date.fromordinal(self._workdays[k])
        if result.year != d.year:
            self._require_span(d.year, result.year)
        return result

    def working_days_between(self, a: date | datetime, b: date | datetime) -> int:
        """Working days after `a` up to and including `b` (negative when `b` is before `a`), so
        that `working_days_between(d, add_working_days(d, n)) == n` for every n."""
        da, db = self._date(a), self._date(b)
        if da.year not in self._known:
            raise CalendarUnknown(da.year, self.region)
        if db.year != da.year:
            self._require_span(da.year, db.year)
        cum, base = self._cum, self._base
        return cum[db.toordinal() - base + 1] - cum[da.toordinal() - base + 1]

    def _nth_counting_day_after(self, d: date, k: int, workdays_only: bool) -> date:
        """The k-th (k ≥ 1) day after `d` that counts for a working-hours window."""
        if not workdays_only:
            return d + timedelta(days=k)
        return self.add_working_days(d, k)

    # --- working hours ------------------------------------------------------------------------

    def add_working_hours(
        self,
        start: datetime,
        hours: float | timedelta,
        *,
        window: tuple[time, time] = DEFAULT_WINDOW,
        workdays_only: bool = True,
    ) -> datetime:
        """The instant `hours` of window time after `start`, counting only inside the daily
        `window` (local wall time). With `workdays_only` (the default) only working days count:
        holidays and ordinary weekends are skipped, 调休 working weekend days count. With
        `workdays_only=False` the window counts on every calendar day, holidays included (DS-06:
        14:01 + 4 h → 09:01 next day) and no calendar year needs to be known.

        Time that runs out exactly at the window's end ends there (Friday 17:00 + 1 h → Friday
        18:00); a start outside the window begins at the next window opening."""
        remaining = hours if isinstance(hours, timedelta) else timedelta(hours=hours)
        if remaining < _ZERO:
            raise ValueError("hours must not be negative")
        local = self._local(start)
        if not remaining:
            return local
        ws, we = _bounds(window)
        length = we - ws
        day = local.date()
        if workdays_only:
            if day.year not in self._known:
                raise CalendarUnknown(day.year, self.region)
            counts = self._flags[day.toordinal() - self._base]
        else:
            counts = True
        at = timedelta(
            hours=local.hour,
            minutes=local.minute,
            seconds=local.second,
            microseconds=local.microsecond,
        )
        if counts and at < we:
            begin = at if at > ws else ws
            available = we - begin
            if remaining <= available:
                return datetime.combine(day, time(), self.zone) + (begin + remaining)
            remaining -= available
        full, rest = divmod(remaining, length)
        if rest:
            target = self._nth_counting_day_after(day, full + 1, workdays_only)
            return datetime.combine(target, time(), self.zone) + (ws + rest)
        target = self._nth_counting_day_after(day, full, workdays_only)
        return datetime.combine(target, time(), self.zone) + we

    def working_time_between(
        self,
        a: datetime,
        b: datetime,
        *,
        window: tuple[time, time] = DEFAULT_WINDOW,
        workdays_only: bool = True,
    ) -> timedelta:
        """Window time from `a` to `b`, counted as `add_working_hours` counts it (so
        `working_time_between(s, add_working_hours(s, h)) == h`); negative when `b` < `a`.
        For SLA clocks: time elapsed, or time left until a due instant."""
        if b < a:
            return -self.working_time_between(b, a, window=window, workdays_only=workdays_only)
        la, lb = self._local(a), self._local(b)
        ws, we = _bounds(window)
        da, db = la.date(), lb.date()
        ta = timedelta(
            hours=la.hour, minutes=la.minute, seconds=la.second, microseconds=la.microsecond
        )
        tb = timedelta(
            hours=lb.hour, minutes=lb.minute, seconds=lb.second, microseconds=lb.microsecond
        )
        # Window time already gone on the first day, and reached on the last.
        ea = min(max(ta, ws), we) - ws
        eb = min(max(tb, ws), we) - ws
        if workdays_only:
            if da.year not in self._known:
                raise CalendarUnknown(da.year, self.region)
            if db.year != da.year:
                self._require_span(da.year, db.year)
            ia, ib = da.toordinal() - self._base, db.toordinal() - self._base
            days = self._cum[ib] - self._cum[ia]  # counting days in [da, db)
            if not self._flags[ia]:
                ea = _ZERO
            if not self._flags[ib]:
                eb = _ZERO
        else:
            days = db.toordinal() - da.toordinal()
        return (we - ws) * days - ea + eb

    # --- deadlines ----------------------------------------------------------------------------

    def extend_past_rest(
        self, deadline: date | datetime, *, mode: str = Extension.STATUTORY_ONLY
    ) -> date:
        """The last day of a consumer's window, moved past rest days per `mode` (NR-02,
        ambiguity 2):

        - `statutory_only` (default): a last day on a statutory holiday, or one of its in-lieu
          rest days, moves to the day after that block ends (民法典§203). Ordinary weekends do not
          extend; a 调休 working day is a normal day.
        - `all_rest_days`: also moves past ordinary weekends.
        - `off`: never moves (and needs no calendar year).

        Seller deadlines never extend: don't call this for them."""
        if mode == "statutory_only":
            d = self._date(deadline)
            if d.year not in self._known:
                raise CalendarUnknown(d.year, self.region)
            holidays = self._holidays
            if d not in holidays:
                return d
            while d in holidays:
                d += ONE_DAY
            if d.year not in self._known:
                raise CalendarUnknown(d.year, self.region)
            return d
        if mode == "all_rest_days":
            d = self._date(deadline)
            while not self.is_workday(d):
                d += ONE_DAY
            return d
        if mode == "off":
            return self._date(deadline)
        raise ValueError(f"unknown extension mode {mode!r}: one of {[m.value for m in Extension]}")

    # --- listing ------------------------------------------------------------------------------

    def exceptions(self, year: int) -> list[tuple[date, str, str, bool]]:
        """The year's stored exceptions as (date, kind, name, in_lieu), in date order."""
        self._require(year)
        rows = [(d, "holiday", self._names.get(d, ""), d in self._in_lieu) for d in self._holidays]
        rows += [(d, "adjusted_workday", self._names.get(d, ""), False) for d in self._adjusted]
        return sorted(r for r in rows if r[0].year == year)


# --- the per-process cache --------------------------------------------------------------------

_cache: dict[str, tuple[BusinessCalendar, float]] = {}
_lock = threading.Lock()
_monotonic = _time.monotonic  # tests move it


def business_calendar(region: str = "CN") -> BusinessCalendar:
    """The region's calendar, built once per process and rebuilt when the data changes.

    Writes in this process (import, admin) invalidate it at once; writes by other processes are
    noticed within CHECK_INTERVAL_SECONDS (one small query for the revision counter)."""
    entry = _cache.get(region)
    now = _monotonic()
    if entry is not None and now - entry[1] < CHECK_INTERVAL_SECONDS:
        return entry[0]
    from aftersales.core import calendar_data

    with _lock:
        entry = _cache.get(region)
        if entry is not None and now - entry[1] < CHECK_INTERVAL_SECONDS:
            return entry[0]
        version = calendar_data.current_revision(region)
        if entry is not None and entry[0].version == version:
            _cache[region] = (entry[0], now)
            return entry[0]
        calendar = calendar_data.load_calendar(region, version=version)
        _cache[region] = (calendar, now)
        return calendar


def invalidate_business_calendar(region: str | None = None) -> None:
    """Forget the cached calendar (one region, or all): the next call rebuilds it."""
    with _lock:
        if region is None:
            _cache.clear()
        else:
            _cache.pop(region, None)
