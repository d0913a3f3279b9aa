"""Firing due deadlines: the worker claims rows whose time has come and takes their default
action through the same executor a person's action uses — exactly once, however many workers
run.

A batch (up to BATCH rows, by due time) is one durable transaction:
- Claim: one statement locks the cases of the due rows (`FOR UPDATE OF case SKIP LOCKED`,
  ordered by the rows' due time, LIMIT the batch), then one locks those cases' due rows and
  re-checks them pending and due under the lock. Cases first, then deadlines: the order every
  action takes (`services.act` locks the case, then cancels the case's deadlines); whoever
  writes a deadline holds its case, so nobody else holds these rows now.
- Plan: each row, in due order, on the locked in-memory case: a row whose guard no longer
  holds is cancelled; a reminder or a notice becomes an event; an action is planned by
  `services.plan_action`, the code `act` runs. A refusal (a domain error) is caught for that row
  alone — nothing of it was planned into the batch — and it backs off in this transaction.
- Apply: `fired_at` and `cancelled_at` of the batch, then `services.apply_plans` (the cases, the
  events, the deadlines cancelled and scheduled, the lines, the other contexts' `after_step`
  effects), in a fixed number of statements; COMMIT.

How exactly once holds:
- A row's action and its `fired_at` commit together or not at all. A worker killed mid-batch
  leaves every row of the batch pending and every action undone (its locks go with its
  connection); the next worker fires them.
- On PostgreSQL the cases are locked with SKIP LOCKED: a case another worker (or a person acting
  on it) holds right now is passed over, never waited for, and the LIMIT counts only the rows
  this worker got — any number of workers share the table, each with its own batches, none
  blocking another. A worker never waits for a lock, so it can be in no deadlock.
- On SQLite there are no row locks; every transaction takes the database's write lock at BEGIN
  (IMMEDIATE, see settings), so batches still run one at a time and the re-check inside the
  transaction keeps them exactly once. One worker is the supported setup there (`aftersales
  run`'s embedded worker); a second only queues behind the first.

A row whose action fails with a domain error (the flow refuses it now, say) is not retried at
once: its `attempts` and `last_error` are recorded and its `due_at` pushed back (1 min, doubling,
at most an hour); after MAX_ATTEMPTS it is given up (cancelled, logged at ERROR). Anything
unexpected while a batch is written rolls the batch back, and its rows are then fired one by one
(each a batch of one in its own transaction), so a poison row never blocks the rows behind it."""

from __future__ import annotations

import gc
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import InterfaceError, OperationalError, connection, transaction

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.accounts.models import Merchant
from aftersales.cases import services
from aftersales.cases.flows import NOTICES
from aftersales.cases.models import Case, Deadline
from aftersales.core import clock
from aftersales.core.errors import DomainError

logger = logging.getLogger("aftersales.cases.timers")

MAX_ATTEMPTS = 10
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)

FIRED, SKIPPED, FAILED = "fired", "skipped", "failed"

# Rows claimed per batch: statements are per batch, so bigger batches cost less per row, up
# to the point where one batch holds its cases locked for too long (people wait on them).
BATCH = 500


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


_collector_lock = threading.Lock()
_collector = {"holders": 0, "was_enabled": True}


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a batch runs. A batch builds thousands of
    objects that live until it ends (its cases, events, refunds, the rows it reads); each one
    surviving is scanned again by the collector's young and old generations — about a fifth of
    the worker's CPU per deadline, for cycles a batch hardly makes (reference counting frees
    its objects when it ends; the next automatic collection takes any cycle). Bounded by the
    batch's size; the collector is global, so threads (the embedded worker beside the web
    server) share one count and the last to leave turns it back on, if it was on."""
    with _collector_lock:
        if _collector["holders"] == 0:
            _collector["was_enabled"] = gc.isenabled()
            gc.disable()
        _collector["holders"] += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector["holders"] -= 1
            if _collector["holders"] == 0 and _collector["was_enabled"]:
                gc.enable()


def fire_due(
    *,
    now: datetime | None = None,
    batch: int = BATCH,
    worker: str | None = None,
    limit: int | None = None,
) -> FireResult:
    """Fire every deadline due at `now` (default: the clock, read again each round), in batches
    of up to `batch` rows ordered by due time, until none is left, a round finds only rows that
    others hold, or about `limit` rows were handled (a claimed case's other due rows come along).
    With `now` given, actions are taken at `now` (the command's `--now`); otherwise at the moment
    each batch fires."""
    if now is not None:
        clock.require_aware(now, "now")
    worker = worker or worker_name()
    result = FireResult()
    while limit is None or result.handled < limit:
        cutoff = now or clock.now()
        size = batch if limit is None else min(batch, limit - result.handled)
        claim = _Claim()
        try:
            with _collector_paused():
                done = _fire_batch(claim, size=size, cutoff=cutoff, at=now, worker=worker)
        except (OperationalError, InterfaceError):
            raise  # the database is unwell, not a row: the sweep logs it and runs again
        except Exception:
            # Something unexpected while writing the batch (a bug, a hook of another context):
            # the batch rolled back; its rows go one by one, so one bad row cannot stall the rest.
            logger.exception(
                "a batch of %s deadlines raised; firing them one by one", len(claim.rows)
            )
            done = FireResult()
            for deadline_id, case_id in claim.rows:
                outcome = _fire_one(deadline_id, case_id, cutoff=cutoff, at=now, worker=worker)
                if outcome is not None:
                    setattr(done, outcome, getattr(done, outcome) + 1)
        result.fired += done.fired
        result.skipped += done.skipped
        result.failed += done.failed
        # A short round was the last one due: rows others hold are passed over by the scan, so
        # they make a round short too (the next sweep comes back for them). A full round that
        # fired nothing goes on: its scan read rows another worker fired and committed just
        # before this one locked their cases (the lock re-checks the case row, not the
        # deadline's), and the next scan sees past them.
        if claim.cases < size:
            break
    return result


@dataclass
class _Claim:
    """What a batch claimed: the case rows its scan locked, and its due (deadline, case) rows —
    for the one-by-one retry when the batch rolls back."""

    cases: int = 0
    rows: list[tuple[int, int]] = field(default_factory=list)


def _locked(queryset):
    """The rows, locked for this transaction; on PostgreSQL one that someone else holds is
    skipped rather than waited for. (SQLite has no row locks: its write lock serialises.)"""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def _fire_batch(
    claim: _Claim,
    *,
    size: int,
    cutoff: datetime,
    at: datetime | None,
    worker: str,
    only: int | None = None,
) -> FireResult:
    """Claim up to `size` due rows with their cases, plan each through the case executor and
    write them all in one transaction. `only`: just that deadline (the one-by-one path)."""
    result = FireResult()
    pending = {"fired_at__isnull": True, "cancelled_at__isnull": True, "due_at__lte": cutoff}
    with transaction.atomic(durable=True):
        # The cases first, then their deadlines: the order every action locks them in. One
        # scan, by due time, locks the cases of the due rows; SKIP LOCKED passes over a case
        # another worker or a person holds, and the LIMIT counts only what this worker got.
        joined = {f"deadlines__{k}": v for k, v in pending.items()}
        if only is not None:
            joined["deadlines__pk"] = only
        scan = Case.objects.filter(**joined)  # one filter(): one join to the deadlines
        rows = list(_locked(scan.order_by("deadlines__due_at", "deadlines__id"))[:size])
        claim.cases = len(rows)
        if not rows:
            return result
        cases: dict[int, Case] = {}
        for case in rows:  # a case with two due rows comes twice: one object, one lock
            cases.setdefault(case.pk, case)
        # Their merchants (the steps read the code): one object per merchant, not per case.
        merchants = Merchant.objects.in_bulk({case.merchant_id for case in cases.values()})
        for case in cases.values():
            Case.merchant.field.set_cached_value(case, merchants[case.merchant_id])
        # Only the cases this transaction holds: their rows nobody else touches now (whoever
        # writes a deadline holds its case). Re-checked pending and due under the lock.
        due = Deadline.objects.filter(case_id__in_ids=list(cases), **pending)
        if only is not None:
            due = due.filter(pk=only)
        due = list(_locked(due.order_by("due_at", "id")))
        claim.rows = [(row.pk, row.case_id) for row in due]
        at = at or clock.now()
        # What the steps read: the lines (the refundable amount), and the deadline each
        # reminder warns of — once for the batch, not per row.
        acting = [cases[r.case_id] for r in due if not r.reminder and r.action not in NOTICES]
        services.read_refundable(list({c.pk: c for c in acting}.values()))
        warned = _warned_deadlines([r for r in due if r.reminder])

        plans, fired, cancelled, failures, moved = [], [], [], [], set()
        for row in due:
            case = cases[row.case_id]
            if case.pk in moved:
                # An earlier row moved the case: its step cancels this row with the case's
                # other pending ones, as a person's step would.
                continue
            if case.state != row.guard_state:
                # The case moved on and the transition forgot to cancel this row: it never fires.
                cancelled.append(row)
                continue
            if row.reminder:
                target = warned.get((row.case_id, row.kind, row.guard_state))
                if target is None or target[0] <= at:
                    # Nothing left to warn about, or the deadline itself is due too (the worker
                    # was down): a warning after the fact would only mislead.
                    cancelled.append(row)
                    continue
                due_at, action = target
                plans.append(
                    services.plan_notice(
                        case,
                        "remind",
                        note=f"{row.kind} ends {clock.localtime(due_at):%Y-%m-%d %H:%M}; "
                        f"then: {action}",
                        rule=row.rule,
                        payload={"kind": row.kind, "due_at": due_at.isoformat(), "action": action},
                        at=at,
                    )
                )
            elif row.action in NOTICES:
                # A notice, not a step (the desk late on a ruling: escalate): the case stays.
                plans.append(
                    services.plan_notice(
                        case,
                        row.action,
                        note=f"{row.kind} passed at {clock.localtime(row.due_at):%Y-%m-%d %H:%M}",
                        rule=row.rule,
                        payload={"kind": row.kind, "due_at": row.due_at.isoformat()},
                        at=at,
                    )
                )
            else:
                try:
                    plan = services.plan_action(
                        case,
                        SYSTEM_ACTOR,
                        row.action,
                        services.ActionBody(),
                        rule="",
                        timer=row,
                        at=at,
                    )
                except DomainError as exc:
                    # Refused now (nothing of it was written): this row backs off, the batch
                    # goes on.
                    failures.append((row, exc))
                    continue
                plans.append(plan)
                moved.add(case.pk)
            fired.append(row)

        # Marked before the steps are written: a step cancels its case's pending deadlines, and
        # these are not pending any more. All of it commits together or not at all.
        if fired:
            Deadline.objects.filter(pk__in_ids=[r.pk for r in fired]).update(fired_at=at)
        if cancelled:
            Deadline.objects.filter(pk__in_ids=[r.pk for r in cancelled]).update(cancelled_at=at)
        for row, exc in failures:
            _back_off_row(row, exc, at=at, worker=worker, unexpected=False)
        if plans:
            services.apply_plans(plans)
    for row in fired:
        logger.debug("%s fired deadline %s (%s) of case %s", worker, row.pk, row.kind, row.case_id)
    result.fired, result.skipped, result.failed = len(fired), len(cancelled), len(failures)
    return result


def _warned_deadlines(reminders: list[Deadline]) -> dict[tuple[int, str, str], tuple]:
    """For each reminder's (case, kind, state): the due time and action of the pending deadline
    it warns of, the soonest first."""
    if not reminders:
        return {}
    found: dict[tuple[int, str, str], tuple] = {}
    rows = (
        Deadline.objects.filter(
            case_id__in_ids={r.case_id for r in reminders},
            reminder=False,
            fired_at__isnull=True,
            cancelled_at__isnull=True,
        )
        .order_by("due_at", "id")
        .values_list("case_id", "kind", "guard_state", "due_at", "action")
    )
    for case_id, kind, state, due_at, action in rows:
        found.setdefault((case_id, kind, state), (due_at, action))
    return found


def _fire_one(
    deadline_id: int, case_id: int, *, cutoff: datetime, at: datetime | None, worker: str
) -> str | None:
    """Fire one row in its own transaction: a batch of one. None when it is not ours to fire
    now: another worker or a person holds its case, or it was fired, cancelled or rescheduled
    meanwhile."""
    try:
        done = _fire_batch(_Claim(), size=1, cutoff=cutoff, at=at, worker=worker, only=deadline_id)
    except (OperationalError, InterfaceError):
        raise
    except DomainError as exc:
        _back_off(deadline_id, exc, at=at or clock.now(), worker=worker, unexpected=False)
        return FAILED
    except Exception as exc:
        # A bug in an action must not stall every deadline behind this row: the traceback goes
        # to the log at ERROR, and the row backs off like any other failure.
        logger.exception("deadline %s of case %s: the action raised", deadline_id, case_id)
        _back_off(deadline_id, exc, at=at or clock.now(), worker=worker, unexpected=True)
        return FAILED
    for outcome in (FIRED, SKIPPED, FAILED):
        if getattr(done, outcome):
            return outcome
    return None


def _back_off(
    deadline_id: int, exc: Exception, *, at: datetime, worker: str, unexpected: bool
) -> None:
    """Record the failure and push the row back, in its own transaction (the action's was rolled
    back)."""
    with transaction.atomic(durable=True):
        row = (
            Deadline.objects.select_for_update()
            .filter(pk=deadline_id, fired_at__isnull=True, cancelled_at__isnull=True)
            .first()
        )
        if row is not None:
            _back_off_row(row, exc, at=at, worker=worker, unexpected=unexpected)


def _back_off_row(row: Deadline, exc: Exception, *, at: datetime, worker: str, unexpected: bool):
    """Record the failure on a row this transaction holds and push it back; give up after
    MAX_ATTEMPTS."""
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
