"""Appending to a case's event log. Called inside the service's transaction, with the case row
locked, so `seq` is gap-free and the event commits with the change it describes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aftersales.accounts.actors import Actor
from aftersales.cases.models import Case, CaseEvent
from aftersales.core import clock


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
    writes it with the rest of the case); otherwise it is written here."""
    if seq is None:
        seq = case.last_event_seq + 1
    if case.last_event_seq != seq:
        case.last_event_seq = seq
        if not counted:
            Case.objects.filter(pk=case.pk).update(last_event_seq=seq)
    if action == "refund" and getattr(case, "granted_refunds", None):
        from aftersales.refunds.services import note_maker

        note_maker(case.granted_refunds, actor)  # the maker a second approver must differ from
    return CaseEvent.objects.create(
        case=case,
        merchant_id=case.merchant_id,
        seq=seq,
        at=at or clock.now(),
        actor_kind=actor.kind,
        actor_role=str(actor.role),
        actor_label=actor.label,
        actor_user_id=actor.user_id,
        action=action,
        from_state=case.state if from_state is None else from_state,
        to_state=case.state if to_state is None else to_state,
        note=note,
        rule=rule,
        payload=payload or {},
    )
