"""The refunds' periodic work in `aftersales worker`: send granted refunds after their commit,
and settle the ones sent and not answered (asking the provider, never sending twice)."""

from __future__ import annotations

from aftersales.core.worker import register_sweep
from aftersales.refunds import submission


def submit_refunds() -> submission.SubmitResult:
    return submission.submit_due(limit=200)


def resolve_refunds() -> int:
    return submission.resolve_in_flight(limit=200)


# Each refund commits its own steps (claim, then the provider's answer): no outer transaction.
register_sweep("refunds.submit", submit_refunds, every=1, atomic=False)
register_sweep("refunds.resolve", resolve_refunds, every=5, atomic=False)
