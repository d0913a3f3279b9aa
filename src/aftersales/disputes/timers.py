"""Firing due dispute deadlines: the worker claims the disputes of due rows (FOR UPDATE SKIP
LOCKED on PostgreSQL, modelled on cases.timers), re-checks each row pending and due under the
lock, takes its action through `services` — the code a person's action runs — and marks it
fired in the same transaction: exactly once. Frozen rows (a suspended dispute) are not due. A
row whose action is refused backs off alone (1, 2, 4 … minutes; given up after MAX_ATTEMPTS)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.cases.flows import NOTICES
from aftersales.core import clock
from aftersales.core.errors import DomainError
from aftersales.disputes import services
from aftersales.disputes.models import Dispute, DisputeDeadline

logger = logging.getLogger("aftersales.disputes.timers")

BATCH = 200
MAX_ATTEMPTS = 10


def _locked(queryset):
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def _pending(cutoff: datetime) -> dict:
    return {
        "fired_at__isnull": True,
        "cancelled_at__isnull": True,
        "paused_at__isnull": True,
        "due_at__lte": cutoff,
    }


def fire_due(*, now: datetime | None = None, batch: int = BATCH, limit: int | None = None) -> int:
    """Fire every dispute deadline due at `now` (default: the clock); returns how many rows
    were handled."""
    handled = 0
    while limit is None or handled < limit:
        done, claimed = _fire_batch(now=now, size=batch)
        handled += done
        if claimed < batch or not done:
            break
    return handled


def _fire_batch(*, now: datetime | None, size: int) -> tuple[int, int]:
    cutoff = now or clock.now()
    pending = _pending(cutoff)
    handled = 0
    with transaction.atomic(durable=True):
        # The disputes first, then their rows: the order every action locks them in.
        scan = Dispute.objects.filter(**{f"deadlines__{k}": v for k, v in pending.items()})
        disputes = list(
            _locked(scan.order_by("deadlines__due_at", "deadlines__id").select_related("merchant"))[
                :size
            ]
        )
        claimed = len(disputes)
        ids = list(dict.fromkeys(d.pk for d in disputes))
        rows = list(
            _locked(DisputeDeadline.objects.filter(dispute_id__in=ids, **pending)).order_by(
                "due_at", "id"
            )
        )
        for row in rows:
            # An earlier row of this batch may have moved the dispute (and cancelled this one).
            if not DisputeDeadline.objects.filter(pk=row.pk, **pending).exists():
                continue
            dispute = Dispute.objects.select_related("merchant").get(pk=row.dispute_id)
            at = now or clock.now()
            try:
                with transaction.atomic():
                    fire_row(dispute, row, at=at)
                    DisputeDeadline.objects.filter(pk=row.pk).update(fired_at=at)
            except DomainError as exc:
                attempts = row.attempts + 1
                logger.warning("dispute deadline %s of %s failed: %s", row.pk, row.dispute_id, exc)
                DisputeDeadline.objects.filter(pk=row.pk).update(
                    attempts=attempts,
                    last_error=f"{type(exc).__name__}: {exc}"[:2000],
                    cancelled_at=at if attempts >= MAX_ATTEMPTS else None,
                    due_at=at + min(timedelta(minutes=2 ** (attempts - 1)), timedelta(hours=1)),
                )
            handled += 1
    return handled, claimed


def fire_row(dispute: Dispute, row: DisputeDeadline, *, at: datetime) -> None:
    """What a due row does, on a dispute this transaction holds."""
    if dispute.state != row.guard_state:
        return  # it moved on; the row never acts
    if row.request_id:
        services.evidence_due(dispute, row, at=at)
    elif row.action in NOTICES:
        services.record_notice(
            dispute,
            row.action,
            note=f"{row.kind} passed at {clock.localtime(row.due_at):%Y-%m-%d %H:%M}",
            rule=row.rule,
            at=at,
        )
    else:
        services.act_locked(dispute, SYSTEM_ACTOR, row.action, services.Body(), at=at, timer=row)
