"""Appending to a case's event log. Called inside the service's transaction, with the case row
locked, so `seq` is gap-free and the event commits with the change it describes.

Every event of the case engine reaches the table through `write_events` — one action's, a chain's
or a whole deadline batch's — so whatever must be written beside events (the notifications
outbox) is added in that one place, in bulk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aftersales.accounts.actors import Actor
from aftersales.cases.announce import announce_many
from aftersales.cases.models import Case, CaseEvent
from aftersales.core import bulksql, clock


def build_event(
    case: Case,
    actor: Actor,
    action: str,
    *,
    seq: int,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str = "",
    rule: str = "",
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> CaseEvent:
    """The event row, not yet written (see `write_events`). Built from positional values, the
    model's own fast path (as rows read from the database are): the keyword path costs twice as
    much, and a deadline batch builds two events per deadline."""
    if not _ORDER_CHECKED:
        _check_order()
    event = CaseEvent(
        None,
        case.pk,
        case.merchant_id,
        seq,
        at or clock.now(),
        actor.kind,
        str(actor.role),
        actor.label,
        actor.user_id,
        action,
        case.state if from_state is None else from_state,
        case.state if to_state is None else to_state,
        note,
        rule,
        payload or {},
    )
    CaseEvent.case.field.set_cached_value(event, case)
    return event


# The order `build_event` passes the values in: the model's fields.
_ORDER = (
    "id",
    "case_id",
    "merchant_id",
    "seq",
    "at",
    "actor_kind",
    "actor_role",
    "actor_label",
    "actor_user_id",
    "action",
    "from_state",
    "to_state",
    "note",
    "rule",
    "payload",
)
_ORDER_CHECKED: list[bool] = []


def _check_order() -> None:
    """A field added to or moved in the model must not shift the values into the wrong
    columns: checked once per process, before the first event is built."""
    fields = tuple(f.attname for f in CaseEvent._meta.concrete_fields)
    if fields != _ORDER:
        raise RuntimeError(f"CaseEvent's fields are {fields}; build_event passes {_ORDER}")
    _ORDER_CHECKED.append(True)


def write_events(events: list[CaseEvent]) -> list[CaseEvent]:
    """Insert built events in one statement, and their outbox messages (announce.py) in one
    more, in the same transaction. The one door to the event table."""
    written = bulksql.insert_rows(CaseEvent, events)
    announce_many([(event.case, event) for event in written])
    return written


def record_event(
    case: Case,
    actor: Actor,
    action: str,
    *,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str = "",
    rule: str = "",
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
    seq: int | None = None,
    counted: bool = False,
) -> CaseEvent:
    """Append one event. Without from/to it records a step that changes no state (evidence
    added, a reminder sent). `at` is when the step happened (the action's time, which the
    deadline worker may set). `case` must have been read under its row lock: its
    `last_event_seq` gives the event's seq (or `seq` is given, 1 for the opening event).
    `counted`: the caller saves the case's `last_event_seq` itself (the service's transition
    writes it with the rest of the case); otherwise it is written here. The outbox message of
    the event (announce.py) is written in the same transaction."""
    if seq is None:
        seq = case.last_event_seq + 1
    if case.last_event_seq != seq:
        case.last_event_seq = seq
        if not counted:
            Case.objects.filter(pk=case.pk).update(last_event_seq=seq)
    event = build_event(
        case,
        actor,
        action,
        seq=seq,
        from_state=from_state,
        to_state=to_state,
        note=note,
        rule=rule,
        payload=payload,
        at=at,
    )
    return write_events([event])[0]
