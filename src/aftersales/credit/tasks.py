"""Background entry points of credit: each calls one service and returns what it reports."""

from __future__ import annotations

from django_tasks import task


@task()
def compute_month_task(month: str) -> dict:
    """Rate one month (YYYY-MM) for every merchant with activity in it."""
    from dataclasses import asdict

    from aftersales.credit.metrics import Month
    from aftersales.credit.rating import compute_month

    return asdict(compute_month(month=Month.parse(month)))
