"""Business-calendar arithmetic: calls per second of the hot functions on one core.

No database: the calendar is built straight from chinese-calendar (2004–2026), as
`business_calendar()` builds it from the stored rows; the cached lookup is measured too.

    .venv/bin/python bench/business_calendar.py [--seconds 1.0]

(Not bench/calendar.py: a script of that name would shadow the standard library's calendar.)
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("AFTERSALES_VAR_DIR", tempfile.mkdtemp(prefix="aftersales-bench-cal-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.config.settings")

import django

django.setup()

from aftersales.core import calendar as calendar_module  # noqa: E402
from aftersales.core.calendar_data import calendar_from_library  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")


def rate(name: str, fn, inputs: list, seconds: float) -> None:
    n, calls, started = len(inputs), 0, time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for args in inputs:
            fn(*args)
        calls += n
    elapsed = time.perf_counter() - started
    print(f"{name:<58} {calls / elapsed:>12,.0f} calls/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="per measurement")
    seconds = parser.parse_args().seconds

    started = time.perf_counter()
    cal = calendar_from_library()
    print(f"build from chinese-calendar: {time.perf_counter() - started:.3f} s ({cal!r})")
    started = time.perf_counter()
    for _ in range(10):
        type(cal)(
            region="CN",
            holidays=cal._holidays,
            adjusted_workdays=cal._adjusted,
            known_years=cal.known_years,
            zone=cal.zone,
        )
    rebuild_ms = (time.perf_counter() - started) / 10 * 1000
    print(f"rebuild from rows (what a cache miss costs): {rebuild_ms:.1f} ms")
    calendar_module._cache["CN"] = (cal, float("inf"))  # the cached fast path, no database

    rng = random.Random(7)
    signed = [date(2025, 1, 1) + timedelta(days=rng.randrange(700)) for _ in range(1000)]
    last_days = [(d + timedelta(days=7),) for d in signed]
    starts = [
        (datetime(2025, 1, 1, tzinfo=SH) + timedelta(minutes=rng.randrange(700 * 24 * 60)),)
        for _ in range(1000)
    ]
    pairs = [(s, s + timedelta(hours=rng.randrange(1, 24 * 20))) for (s,) in starts]

    print(f"\n{'call':<58} {'rate':>12}")
    rate("extend_past_rest(d)  (statutory_only)", cal.extend_past_rest, last_days, seconds)
    rate(
        "business_calendar().extend_past_rest(d)",
        lambda d: calendar_module.business_calendar().extend_past_rest(d),
        last_days,
        seconds,
    )
    rate("is_workday(d)", cal.is_workday, last_days, seconds)
    rate("add_working_days(d, 7)", lambda d: cal.add_working_days(d, 7), last_days, seconds)
    rate("add_working_hours(s, 24)", lambda s: cal.add_working_hours(s, 24), starts, seconds)
    rate(
        "add_working_hours(s, 4, workdays_only=False)",
        lambda s: cal.add_working_hours(s, 4, workdays_only=False),
        starts,
        seconds,
    )
    rate("working_time_between(a, b)", cal.working_time_between, pairs, seconds)


if __name__ == "__main__":
    main()
