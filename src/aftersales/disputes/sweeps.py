"""The disputes context's periodic work in `aftersales worker`: firing due dispute deadlines."""

from __future__ import annotations

from aftersales.core.worker import register_sweep
from aftersales.disputes import timers

ROWS_PER_RUN = 1000


def fire_deadlines() -> int:
    return timers.fire_due(limit=ROWS_PER_RUN)


# Each batch commits in its own transaction (timers.py), so the sweep is not wrapped in one.
register_sweep("disputes.fire_deadlines", fire_deadlines, every=1, atomic=False)
