"""Firing due deadlines: the worker claims rows whose time has come and takes their default
action through the same service a person would use — exactly once, however many workers run.

How exactly once holds:
- Each row is fired in its own short, durable transaction that locks the case first, then the
  deadline row (the order every action takes: `services.act` locks the case, then cancels the
  case's deadlines), re-checks that the row is still pending and due, and commits the action
  together with `fired_at`. A worker killed mid-row leaves the row pending and the action
  undone; the next worker fires it.
- On PostgreSQL both locks are taken with SKIP LOCKED: a row another worker (or a person acting
  on the case) holds right now is left for the next round, never waited for, so any number of
  workers share the table without blocking each other.
- On SQLite there are no row locks; every transaction takes the database's write lock at BEGIN
  (IMMEDIATE, see settings), so rows are still fired one at a time and the re-check inside the
  transaction keeps them exactly once. One worker is the supported setup there (`aftersales
  run`'s embedded worker); a second only queues behind the first.

A row whose action fails with a domain error (the flow refuses it now, say) is not retried at
once: its `attempts` and `last_error` are recorded and its `due_at` pushed back (1 min, doubling,
at most an hour); after MAX_ATTEMPTS it is given up (cancelled, logged at ERROR). A poison row
never blocks the rows behind it."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import InterfaceError, OperationalError, connection, transaction

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.cases import services
from aftersales.cases.events import record_event
from aftersales.cases.flows import NOTICES
from aftersales.cases.models import Case, Deadline
from aftersales.core import clock
from aftersales.core.errors import DomainError

logger = logging.getLogger("aftersales.cases.timers")

MAX_ATTEMPTS = 10
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)

FIRED, SKIPPED, FAILED = "fired", "skipped", "failed"


@dataclass
class FireResult:
    """What one `fire_due` did. `fired`: actions taken and reminders recorded; `skipped`: rows
    cancelled because their case had already left the guarded state; `failed`: rows whose
    action raised (backed off or given up). Rows another worker took are not counted."""

    fired: int = 0
    skipped: int = 0
    failed: int = 0

    def __bool__(self) -> bool:
        return bool(self.fired or self.skipped or self.failed)

    def __str__(self) -> str:
        return f"fired {self.fired}, skipped {self.skipped}, failed {self.failed}"

    @property
    def handled(self) -> int:
        return self.fired + self.skipped + self.failed


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def backoff(attempts: int) -> timedelta:
    """How long a row that failed `attempts` times waits: 1, 2, 4 … minutes, at most an hour."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def fire_due(
    *,
    now: datetime | None = None,
    batch: int = 100,
    worker: str | None = None,
    limit: int | None = None,
) -> FireResult:
    """Fire every deadline due at `now` (default: the clock, read again each round), in rounds
    of up to `batch` rows ordered by due time, until none is left, a round finds only rows that
    others hold, or `limit` rows were handled. With `now` given, actions are taken at `now`
    (the command's `--now`); otherwise at the moment each row fires."""
    if now is not None:
        clock.require_aware(now, "now")
    worker = worker or worker_name()
    result = FireResult()
    while limit is None or result.handled < limit:
        cutoff = now or clock.now()
        size = batch if limit is None else min(batch, limit - result.handled)
        due = list(
            Deadline.objects.filter(
                fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=cutoff
            )
            .order_by("due_at", "id")
            .values_list("id", "case_id")[:size]
        )
        progress = False
        for deadline_id, case_id in due:
            outcome = _fire_one(deadline_id, case_id, cutoff=cutoff, at=now, worker=worker)
            if outcome is not None:
                progress = True
                setattr(result, outcome, getattr(result, outcome) + 1)
        # A short round was the last one due; a round of nothing but rows others hold ends this
        # call (the next sweep comes back for them).
        if len(due) < size or not progress:
            break
    return result


def _locked(queryset):
    """The rows, locked for this transaction; on PostgreSQL one that someone else holds is
    skipped rather than waited for. (SQLite has no row locks: its write lock serialises.)"""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def _fire_one(
    deadline_id: int, case_id: int, *, cutoff: datetime, at: datetime | None, worker: str
) -> str | None:
    """Fire one row in its own transaction. None when it is not ours to fire now: another
    worker or a person holds its case, or it was fired, cancelled or rescheduled meanwhile."""
    try:
        with transaction.atomic(durable=True):
            # The case first, then the deadline: the order every action locks them in.
            case = _locked(Case.objects.filter(pk=case_id).select_related("merchant")).first()
            if case is None:
                return None
            row = _locked(
                Deadline.objects.filter(
                    pk=deadline_id,
                    fired_at__isnull=True,
                    cancelled_at__isnull=True,
                    due_at__lte=cutoff,
                )
            ).first()
            if row is None:
                return None
            at = at or clock.now()
            if case.state != row.guard_state:
                # The case moved on and the transition forgot to cancel this row: it never fires.
                row.cancelled_at = at
                row.save(update_fields=["cancelled_at"])
                return SKIPPED
            if row.reminder:
                return _remind(case, row, at)
            if row.action in NOTICES:
                return _notice(case, row, at)
            # Marked before the action: the action cancels the case's pending deadlines, and
            # this one is not pending any more. Both commit together or not at all.
            row.fired_at = at
            row.save(update_fields=["fired_at"])
            # The case is locked (above) and read after the lock: no need to read it again.
            services.act(
                case=case, actor=SYSTEM_ACTOR, action=row.action, timer=row, at=at, locked=True
            )
            logger.debug("%s fired deadline %s (%s) of case %s", worker, row.pk, row.kind, case_id)
            return FIRED
    except (OperationalError, InterfaceError):
        raise  # the database is unwell, not the row: the sweep logs it and runs again
    except DomainError as exc:
        _back_off(deadline_id, exc, at=at or clock.now(), worker=worker, unexpected=False)
        return FAILED
    except Exception as exc:
        # A bug in an action must not stall every deadline behind this row: the traceback goes
        # to the log at ERROR, and the row backs off like any other failure.
        logger.exception("deadline %s of case %s: the action raised", deadline_id, case_id)
        _back_off(deadline_id, exc, at=at or clock.now(), worker=worker, unexpected=True)
        return FAILED


def _remind(case: Case, row: Deadline, at: datetime) -> str:
    """A warning before the real deadline: an event the notifications context will send; the
    case does not change."""
    target = (
        Deadline.objects.filter(
            case_id=case.pk,
            kind=row.kind,
            guard_state=row.guard_state,
            reminder=False,
            fired_at__isnull=True,
            cancelled_at__isnull=True,
        )
        .order_by("due_at")
        .values_list("due_at", "action")
        .first()
    )
    if target is None or target[0] <= at:
        # Nothing left to warn about, or the deadline itself is due too (the worker was down):
        # a warning after the fact would only mislead.
        row.cancelled_at = at
        row.save(update_fields=["cancelled_at"])
        return SKIPPED
    row.fired_at = at
    row.save(update_fields=["fired_at"])
    due_at, action = target
    record_event(
        case,
        SYSTEM_ACTOR,
        "remind",
        note=f"{row.kind} ends {clock.localtime(due_at):%Y-%m-%d %H:%M}; then: {action}",
        rule=row.rule,
        payload={"kind": row.kind, "due_at": due_at.isoformat(), "action": action},
        at=at,
    )
    return FIRED


def _notice(case: Case, row: Deadline, at: datetime) -> str:
    """A deadline whose outcome is a notice, not a step (the desk late on a ruling: escalate):
    an event for whoever must hear it; the case stays where it is."""
    row.fired_at = at
    row.save(update_fields=["fired_at"])
    record_event(
        case,
        SYSTEM_ACTOR,
        row.action,
        note=f"{row.kind} passed at {clock.localtime(row.due_at):%Y-%m-%d %H:%M}",
        rule=row.rule,
        payload={"kind": row.kind, "due_at": row.due_at.isoformat()},
        at=at,
    )
    return FIRED


def _back_off(
    deadline_id: int, exc: Exception, *, at: datetime, worker: str, unexpected: bool
) -> None:
    """Record the failure and push the row back, in its own transaction (the action's was rolled
    back); give up after MAX_ATTEMPTS."""
    with transaction.atomic(durable=True):
        row = (
            Deadline.objects.select_for_update()
            .filter(pk=deadline_id, fired_at__isnull=True, cancelled_at__isnull=True)
            .first()
        )
        if row is None:
            return
        row.attempts += 1
        row.last_error = f"{at.isoformat()} {worker}: {type(exc).__name__}: {exc}"[:2000]
        if row.attempts >= MAX_ATTEMPTS:
            row.cancelled_at = at
            row.last_error = f"gave up after {row.attempts} attempts; last: {row.last_error}"
            logger.error(
                "deadline %s (%s → %s) of case %s given up after %s attempts: %s",
                row.pk,
                row.kind,
                row.action,
                row.case_id,
                row.attempts,
                exc,
            )
        else:
            row.due_at = at + backoff(row.attempts)
            logger.log(
                logging.ERROR if unexpected else logging.WARNING,
                "deadline %s (%s → %s) of case %s failed (attempt %s), retry at %s: %s",
                row.pk,
                row.kind,
                row.action,
                row.case_id,
                row.attempts,
                row.due_at.isoformat(),
                exc,
            )
        row.save(update_fields=["attempts", "last_error", "due_at", "cancelled_at"])
