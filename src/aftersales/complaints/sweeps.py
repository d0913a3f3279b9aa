"""The complaints context's periodic work in `aftersales worker`: firing due SLA rows."""

from __future__ import annotations

from aftersales.complaints import timers
from aftersales.core.worker import register_sweep

ROWS_PER_RUN = 1000


def fire_sla() -> int:
    return timers.fire_due(limit=ROWS_PER_RUN)


register_sweep("complaints.fire_sla", fire_sla, every=1, atomic=False)
