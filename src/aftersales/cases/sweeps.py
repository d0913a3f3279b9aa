"""The case engine's periodic work in `aftersales worker`: firing due deadlines."""

from __future__ import annotations

from aftersales.cases import timers
from aftersales.core.worker import register_sweep

# Rows handled per run (two batches) before the loop gives the other sweeps a turn; a backlog is
# worked off in runs of this size back to back (the loop starts a job again once its interval
# has passed).
ROWS_PER_RUN = 1000


def fire_deadlines() -> timers.FireResult:
    return timers.fire_due(limit=ROWS_PER_RUN)


# Each batch commits in its own transaction (timers.py), so the sweep is not wrapped in one.
register_sweep("cases.fire_deadlines", fire_deadlines, every=1, atomic=False)
