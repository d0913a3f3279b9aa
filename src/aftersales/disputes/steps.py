"""The dispute's one executor: `act` applies a declared transition (flows.py) — it checks who
may act and what the transition requires, runs the action's own effect (its rules: a ruling's
reason and ceiling, the appeal window, the second level), moves the state, appends the event,
writes the outbox row and reschedules the clocks, in one transaction with the dispute row
locked. The effects live with their subject (opening.py, evidence.py, rulings.py, appeals.py)
and are gathered into `EFFECTS` by services.py, the door the rest of the platform uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor
from aftersales.cases.deadlines import due_after
from aftersales.cases.flows import party_of
from aftersales.core import clock
from aftersales.core.errors import (
    Conflict,
    FieldError,
    InvalidInput,
    NotAllowed,
    PermissionDenied,
)
from aftersales.disputes import announce, deadlines, execution
from aftersales.disputes.flows import DISPUTE
from aftersales.disputes.models import Dispute, DisputeEvent

ZERO = Decimal("0.00")
ACTIONS = frozenset(t.action for t in DISPUTE.transitions)

# An effect checks and remembers what its action needs; it returns None (the target as
# declared) or (target, rule, payload) for the event.
Effect = Callable[..., "tuple[str, str, dict[str, Any]] | None"]
EFFECTS: dict[str, Effect] = {}  # filled by services.py from each module's EFFECTS


@dataclass
class Body:
    note: str = ""
    reason: str = ""
    reason_code: str = ""
    ruling: str = ""
    amount: Decimal | None = None
    decided_by: str = ""
    compensation: dict[str, Any] | None = None
    party: str = ""
    items: list[str] = field(default_factory=list)
    ground: str = ""
    reference: str = ""
    outcome: str = ""
    body: str = ""  # a third party's name
    kind: str = ""  # mediation, arbitration, court
    documents: list[str] = field(default_factory=list)
    verdict: str = ""
    evidence: list[dict[str, Any]] = field(default_factory=list)
    expected_version: int | None = None

    def get(self, name: str) -> Any:
        return getattr(self, name, None)

    @classmethod
    def of(cls, data: dict[str, Any]) -> Body:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known and v is not None})


def allowed_actions(dispute: Dispute, actor: Actor) -> list[str]:
    party = party_of(actor)
    return sorted(
        {
            t.action
            for t in DISPUTE.transitions_from(dispute.state)
            if party in t.by and (not t.when or GUARDS[t.when](dispute))
        }
    )


GUARDS = {"crowd_review_enabled": lambda d: bool(settings.AFTERSALES_DISPUTE_CROWD_REVIEW)}


def act(
    *,
    dispute: Dispute,
    actor: Actor,
    action: str,
    body: Body | None = None,
    at: datetime | None = None,
    timer=None,
) -> Dispute:
    """Take `action` on the dispute as `actor`. 409 naming the allowed actions when the flow
    has no such step now for this actor; 422 naming the field for bad input; nothing is
    written unless all of it is."""
    body = body or Body()
    if action not in ACTIONS:
        raise InvalidInput.on_field(
            "action", f"unknown action {action!r}; one of {sorted(ACTIONS)}"
        )
    with transaction.atomic():
        dispute = (
            Dispute.objects.select_for_update(of=("self",))
            .select_related("merchant")
            .get(pk=dispute.pk)
        )
        return act_locked(dispute, actor, action, body, at=at or clock.now(), timer=timer)


def act_locked(dispute, actor, action, body, *, at, timer) -> Dispute:
    if body.expected_version is not None and body.expected_version != dispute.version:
        raise Conflict.on_field(
            "expected_version", f"the dispute is at version {dispute.version}; reload it"
        )
    party = party_of(actor)
    transition = DISPUTE.transition(dispute.state, action)
    if (
        transition is None
        or party not in transition.by
        or (transition.when and not GUARDS[transition.when](dispute))
    ):
        raise NotAllowed(
            f"'{action}' is not possible in state '{dispute.state}' for {actor.role}.",
            allowed_actions=allowed_actions(dispute, actor),
            state=dispute.state,
        )
    missing = [
        FieldError(name, "required for this action")
        for name in transition.requires
        if not body.get(name)
    ]
    if missing:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in missing), errors=missing)
    if transition.outcomes:
        allowed = [value for value, _ in transition.outcomes]
        value = body.get(transition.outcome_field) or dispute.ruling
        if value not in allowed:
            raise InvalidInput.on_field(transition.outcome_field, f"one of {allowed}")
        target = dict(transition.outcomes)[value]
    elif transition.to == "@previous":
        target = dispute.facts.get("suspended_from", "under_review")
    else:
        target = transition.to
    effect = EFFECTS.get(action)
    rule, payload = "", {}
    if effect is not None:
        result = effect(dispute, actor, body, at, target)
        if result is not None:
            target, rule, payload = result
    if timer is not None:
        rule = rule or timer.rule
        payload["timer"] = {"kind": timer.kind, "due_at": timer.due_at.isoformat()}
    return move(dispute, actor, action, target, body, rule=rule, payload=payload, at=at)


def move(dispute, actor, action, target, body, *, rule, payload, at) -> Dispute:
    from_state = dispute.state
    moved = target != from_state
    dispute.state = target
    dispute.version += 1
    dispute.updated_at = at
    dispute.last_event_seq += 1
    if target == "closed" and from_state != "closed":
        dispute.closed_at = at
        spec = deadlines.duration(dispute, "ruling_appeal_window")
        dispute.appeal_ends_at = due_after(at, spec)
    if target in {"settled", "not_accepted", "closed"}:
        execution.release_settlement(dispute)
    dispute.save()
    event = new_event(
        dispute,
        actor,
        action,
        seq=dispute.last_event_seq,
        from_state=from_state,
        to_state=target,
        note=body.note or body.reason,
        rule=rule,
        payload=payload,
        at=at,
    )
    event.save()
    if moved:
        if action == "suspend":
            deadlines.pause(dispute, now=at)
        elif action == "resume":
            deadlines.resume(dispute, now=at)
            deadlines.pending(dispute).filter(guard_state="suspended").update(cancelled_at=at)
        else:
            deadlines.cancel_pending(dispute, now=at, keep_requests=target == "evidence")
        if action != "resume":
            deadlines.schedule(dispute, target, now=at)
    elif action == "file_receipt":
        deadlines.pending(dispute).filter(guard_state="suspended", paused_at__isnull=True).update(
            cancelled_at=at
        )
        deadlines.schedule(dispute, target, now=at)
    # After the clocks: the message names what the new state waits for and until when.
    announce.announce([(dispute, event)])
    return dispute


def new_event(
    dispute, actor, action, *, seq, from_state, to_state, note="", rule="", payload=None, at
) -> DisputeEvent:
    return DisputeEvent(
        dispute=dispute,
        merchant_id=dispute.merchant_id,
        seq=seq,
        at=at,
        actor_kind=actor.kind,
        actor_role=str(actor.role),
        actor_label=actor.label,
        actor_user_id=actor.user_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        rule=rule,
        payload=payload or {},
    )


def record_notice(dispute: Dispute, action: str, *, note: str, rule: str, at: datetime) -> None:
    """An event that moves nothing (an escalation, a request's clock running out)."""
    dispute.last_event_seq += 1
    dispute.save(update_fields=["last_event_seq"])
    new_event(
        dispute,
        SYSTEM_ACTOR,
        action,
        seq=dispute.last_event_seq,
        from_state=dispute.state,
        to_state=dispute.state,
        note=note,
        rule=rule,
        at=at,
    ).save()


def desk_role(actor: Actor, roles: frozenset[str], what: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"{what} needs one of the roles {sorted(str(r) for r in roles)}.")
