"""The credit context's periodic work in `aftersales worker`: firing due appeal SLA rows,
reviewing the standing of buyers whose cases just moved, and rating last month's merchants once
the month has ended."""

from __future__ import annotations

from aftersales.core.worker import register_sweep
from aftersales.credit import rating, services, timers


def fire_appeal_deadlines() -> int:
    return timers.fire_due()


def rate_last_month() -> object:
    return rating.compute_previous_month_once()


def review_recent_buyers() -> int:
    return services.review_recent_buyers(minutes=10)


register_sweep("credit.review_recent_buyers", review_recent_buyers, every=300, atomic=False)
register_sweep("credit.fire_appeal_deadlines", fire_appeal_deadlines, every=5, atomic=False)
# Hourly: the first run after a month ends rates it; later runs find it rated and do nothing.
register_sweep("credit.rate_last_month", rate_last_month, every=3600)
