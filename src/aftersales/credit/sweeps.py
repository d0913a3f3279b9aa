"""The credit context's periodic work in `aftersales worker`: firing due appeal SLA rows, and
rating last month's merchants once the month has ended."""

from __future__ import annotations

from aftersales.core.worker import register_sweep
from aftersales.credit import rating, timers


def fire_appeal_deadlines() -> int:
    return timers.fire_due()


def rate_last_month() -> object:
    return rating.compute_previous_month_once()


register_sweep("credit.fire_appeal_deadlines", fire_appeal_deadlines, every=5, atomic=False)
# Hourly: the first run after a month ends rates it; later runs find it rated and do nothing.
register_sweep("credit.rate_last_month", rate_last_month, every=3600)
