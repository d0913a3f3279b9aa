"""Background entry points of core: each calls one function and returns what it reports."""

from __future__ import annotations

from django_tasks import task


@task()
def prune_idempotency_records_task() -> int:
    """Delete idempotency records past their retention; the number deleted."""
    from aftersales.core.idempotency import prune_idempotency_records

    return prune_idempotency_records()
