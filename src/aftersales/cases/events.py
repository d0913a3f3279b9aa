"""Appending to a case's event log. Called inside the service's transaction, with the case row
locked, so `seq` is gap-free and the event commits with the change it describes."""

from __future__ import annotations

from typing import Any

from django.db.models import Max

from aftersales.accounts.actors import Actor
from aftersales.cases.models import Case, CaseEvent


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
) -> CaseEvent:
    """Append one event. Without from/to it records a step that changes no state (evidence
    added, a reminder sent)."""
    last = case.events.aggregate(last=Max("seq"))["last"] or 0
    return CaseEvent.objects.create(
        case=case,
        merchant_id=case.merchant_id,
        seq=last + 1,
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
