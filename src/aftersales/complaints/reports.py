"""The quality report: complaints' root causes (the responsibility found and its reason codes,
frozen at decision time as RootCause rows) rolled up per SKU and per merchant over a period,
for the quality / supply-chain role. Set-based: each roll-up is one GROUP BY query counting
distinct complaints (a complaint about two SKUs counts once per SKU, once per merchant)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, QuerySet

from aftersales.accounts.actors import Actor
from aftersales.accounts.permissions import require
from aftersales.complaints.models import RootCause
from aftersales.core import clock
from aftersales.core.errors import InvalidInput

MAX_DAYS = 366


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Local days `start`..`end`, both included, as [from, to) instants."""
    if end < start:
        raise InvalidInput.on_field("to", "is before from")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput.on_field("to", f"a report covers at most {MAX_DAYS} days")
    tz = clock.local_zone()
    return (
        datetime.combine(start, time(0), tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz),
    )


def root_causes(
    start: date, end: date, *, merchant: str | None = None, sku: str | None = None
) -> QuerySet[RootCause]:
    lo, hi = _bounds(start, end)
    rows = RootCause.objects.filter(current=True, decided_at__gte=lo, decided_at__lt=hi)
    if merchant:
        rows = rows.filter(merchant_code=merchant)
    if sku:
        rows = rows.filter(sku=sku)
    return rows


def _rollup(rows: QuerySet[RootCause], *keys: str) -> list[dict]:
    return list(
        rows.values(*keys)
        .annotate(complaints=Count("complaint", distinct=True))
        .order_by("-complaints", *keys)
    )


def quality_report(
    actor: Actor,
    *,
    start: date,
    end: date,
    merchant: str | None = None,
    sku: str | None = None,
) -> dict:
    require(actor, "complaints.quality_report")
    rows = root_causes(start, end, merchant=merchant, sku=sku)
    cause = ("responsibility", "reason_code")
    return {
        "from": start,
        "to": end,
        "merchant": merchant,
        "sku": sku,
        "complaints": rows.aggregate(n=Count("complaint", distinct=True))["n"],
        "by_sku": _rollup(rows, "merchant_code", "sku", *cause),
        "by_merchant": _rollup(rows, "merchant_code", *cause),
        "sku_totals": _rollup(rows, "merchant_code", "sku"),
        "merchant_totals": _rollup(rows, "merchant_code"),
    }
