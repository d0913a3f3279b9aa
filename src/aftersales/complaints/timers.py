"""The complaint SLA worker: claims due rows (FOR UPDATE SKIP LOCKED on PostgreSQL, modelled
on cases.timers), fires each through services.fire_sla_row and marks it fired in the same
transaction: exactly once. A row whose effect raises backs off alone."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction

from aftersales.complaints import services
from aftersales.complaints.models import Complaint, SlaDeadline
from aftersales.core import clock
from aftersales.core.errors import DomainError

logger = logging.getLogger("aftersales.complaints.timers")

BATCH = 200
MAX_ATTEMPTS = 10


def _locked(queryset):
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def fire_due(*, now: datetime | None = None, batch: int = BATCH, limit: int | None = None) -> int:
    """Fire every SLA row due at `now` (default: the clock); returns how many were handled."""
    handled = 0
    while limit is None or handled < limit:
        done, claimed = _fire_batch(now=now, size=batch)
        handled += done
        if claimed < batch:
            break
    return handled


def _fire_batch(*, now: datetime | None, size: int) -> tuple[int, int]:
    cutoff = now or clock.now()
    pending = {"fired_at__isnull": True, "cancelled_at__isnull": True, "due_at__lte": cutoff}
    handled = 0
    with transaction.atomic(durable=True):
        # The complaints first, then their rows: the order every action locks them in.
        scan = Complaint.objects.filter(**{f"deadlines__{k}": v for k, v in pending.items()})
        complaints = list(_locked(scan.order_by("deadlines__due_at", "deadlines__id"))[:size])
        claimed = len(complaints)
        ids = list(dict.fromkeys(c.pk for c in complaints))
        rows = list(
            _locked(SlaDeadline.objects.filter(complaint_id__in=ids, **pending)).order_by(
                "due_at", "id"
            )
        )
        for row in rows:
            row.refresh_from_db(fields=["fired_at", "cancelled_at"])
            if row.fired_at or row.cancelled_at:
                continue  # an earlier row of this batch replaced it (its step rescheduled)
            complaint = Complaint.objects.select_related("assignee").get(pk=row.complaint_id)
            at = now or clock.now()
            try:
                with transaction.atomic():
                    if complaint.is_open or row.action == "confirm":
                        services.fire_sla_row(complaint, row, at=at)
                    SlaDeadline.objects.filter(pk=row.pk).update(fired_at=at)
            except DomainError as exc:
                attempts = row.attempts + 1
                logger.warning(
                    "SLA row %s of complaint %s failed: %s", row.pk, row.complaint_id, exc
                )
                SlaDeadline.objects.filter(pk=row.pk).update(
                    attempts=attempts,
                    last_error=str(exc)[:2000],
                    cancelled_at=at if attempts >= MAX_ATTEMPTS else None,
                    due_at=at + timedelta(minutes=2**attempts),
                )
            handled += 1
    return handled, claimed
