"""A dispute event → the outbox message others hear: webhooks (`dispute.state_changed`) and,
through notify's templates, the buyer's, the merchant's and the desk's inbox — what is asked
of them (an answer, evidence, carrying out a ruling) with its due time, and each outcome. One
place for the mapping; the executor (steps.py) and the openings call it in their transaction."""

from __future__ import annotations

from typing import Any

from aftersales.disputes import deadlines
from aftersales.disputes.models import Dispute, DisputeEvent
from aftersales.notify.outbox import Message, publish_many

# Steps that set or confirm a ruling: their reason is the ruling's reasoning.
RULING_ACTIONS = frozenset({"rule", "confirm_ruling", "record_third_party"})


def _refs(disputes: list[Dispute]) -> dict[int, tuple[str, str]]:
    """(merchant code, order external_id) of each dispute, in one query."""
    rows = Dispute.objects.filter(pk__in=[d.pk for d in disputes]).values_list(
        "pk", "merchant__code", "order__external_id"
    )
    return {pk: (code, order) for pk, code, order in rows}


def _party(role: str) -> str:
    if role == "system":
        return "system"
    if role == "buyer":
        return "buyer"
    if role in {"merchant_staff", "merchant_admin", "merchant_integration"}:
        return "merchant"
    return "platform"


def message_for(dispute: Dispute, event: DisputeEvent, refs: tuple[str, str]) -> Message:
    payload: dict[str, Any] = event.payload or {}
    code, order = refs
    action = event.action
    reason = payload.get("reason") or ""
    if not reason and action in RULING_ACTIONS:
        reason = dispute.ruling_reason
    due = payload.get("due_at")
    if not due and event.from_state != event.to_state:
        # What the new state waits for, and until when (the merchant's answer, the execution).
        upcoming = deadlines.next_due(dispute)
        due = upcoming.isoformat() if upcoming else None
    suspension = dispute.facts.get("suspension") or {}
    body = {
        "dispute_id": dispute.pk,
        "case_id": dispute.case_id,
        "merchant": code,
        "order": order,
        "type": dispute.type,
        "action": action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "actor": _party(event.actor_role),
        "rule": event.rule,
        "seq": event.seq,
        "at": event.at.isoformat(),
        "opened_by": dispute.opened_by,
        "reason": reason or event.note,
        "reason_code": payload.get("reason_code") or "",
        "party": payload.get("party") or payload.get("by") or "",
        "items": list(payload.get("items") or []),
        "due_at": due,
        "ruling": dispute.ruling,
        "amount": f"{dispute.ruling_amount:.2f}" if dispute.ruling_amount is not None else None,
        "currency": dispute.currency,
        "executed_by": dispute.executed_by,
        "appeal_ends_at": dispute.appeal_ends_at.isoformat() if dispute.appeal_ends_at else None,
        "outcome": payload.get("outcome") or "",
        "ground": payload.get("ground") or suspension.get("ground", ""),
    }
    return Message(
        topic="dispute.state_changed",
        payload=body,
        merchant_id=dispute.merchant_id,
        subject=f"dispute:{dispute.pk}",
        buyer_id=dispute.buyer_id,
        at=event.at,
    )


def announce(pairs: list[tuple[Dispute, DisputeEvent]]) -> None:
    """The outbox rows of these events (one INSERT), in the caller's transaction."""
    if not pairs:
        return
    refs = _refs([d for d, _ in pairs])
    publish_many([message_for(d, e, refs[d.pk]) for d, e in pairs])
