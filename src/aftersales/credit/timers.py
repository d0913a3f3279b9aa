"""The credit appeal SLA worker (modelled on complaints/timers.py): claims due rows (FOR UPDATE
SKIP LOCKED on PostgreSQL), fires each through services.fire_appeal_deadline and marks it fired
in the same transaction: exactly once. A row whose effect raises backs off alone."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction

from aftersales.core import clock
from aftersales.core.errors import DomainError
from aftersales.credit import services
from aftersales.credit.models import AppealDeadline

logger = logging.getLogger("aftersales.credit.timers")

BATCH = 200
MAX_ATTEMPTS = 10


def _locked(queryset):
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def fire_due(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Fire every appeal deadline due at `now` (default: the clock); how many were handled."""
    cutoff = now or clock.now()
    handled = 0
    with transaction.atomic(durable=True):
        rows = list(
            _locked(
                AppealDeadline.objects.filter(
                    fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=cutoff
                ).order_by("due_at", "id")
            )[:batch]
        )
        for row in rows:
            at = now or clock.now()
            try:
                with transaction.atomic():
                    services.fire_appeal_deadline(row, at=at)
                    AppealDeadline.objects.filter(pk=row.pk).update(fired_at=at)
            except DomainError as exc:
                attempts = row.attempts + 1
                logger.warning("appeal deadline %s failed: %s", row.pk, exc)
                AppealDeadline.objects.filter(pk=row.pk).update(
                    attempts=attempts,
                    last_error=str(exc)[:2000],
                    cancelled_at=at if attempts >= MAX_ATTEMPTS else None,
                    due_at=at + timedelta(minutes=2**attempts),
                )
            handled += 1
    return handled
