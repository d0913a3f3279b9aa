"""A case event → the outbox message others hear (webhooks, the buyer's and the merchant's
inbox). One place for the mapping: `record_event` calls `announce` for each event it writes;
a path that writes events in bulk calls `announce_many` (one outbox INSERT for all)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aftersales.cases.flows import AUTO, flow_for
from aftersales.cases.models import Case, CaseEvent
from aftersales.notify.outbox import Message, publish_many

# Event payload fields worth passing on (the action's body: why, and how it was shipped).
PASSED_ON = ("reason", "carrier", "tracking_no", "result", "ruling", "amount")
# Steps a party may take without being the one a deadline waits for.
NOT_WAITED_FOR = frozenset({"withdraw"})


def _refs(cases: Iterable[Case]) -> None:
    """The merchant's code and the order's external_id of each case, read once for the cases
    whose relations are not already loaded (the services usually have them)."""
    missing = {
        c.pk: c
        for c in cases
        if not hasattr(c, "_announce_refs")
        and not (Case.merchant.is_cached(c) and Case.order.is_cached(c))
    }
    for c in cases:
        if c.pk not in missing and not hasattr(c, "_announce_refs"):
            c._announce_refs = (c.merchant.code, c.order.external_id)
    if missing:
        rows = Case.objects.filter(pk__in_ids=missing).values_list(
            "pk", "merchant__code", "order__external_id"
        )
        for pk, code, order in rows:
            missing[pk]._announce_refs = (code, order)


def _must_act(case: Case, state: str) -> list[str]:
    parties = {
        party
        for t in flow_for(case.type).transitions_from(state)
        if t.action not in NOT_WAITED_FOR
        for party in t.by
    }
    return sorted(parties - {AUTO})


def message_for(case: Case, event: CaseEvent) -> Message | None:
    """The outbox message of one event, or None for steps nobody outside needs to hear."""
    code, order = case._announce_refs
    base: dict[str, Any] = {
        "case_id": case.pk,
        "merchant": code,
        "order": order,
        "type": case.type,
        "state": event.to_state,
        "at": event.at.isoformat(),
    }
    action, payload = event.action, event.payload or {}
    if action == "open":
        topic = "case.created"
        base.update(reason=case.reason, policy_version=case.policy_version)
    elif event.from_state != event.to_state:
        topic = "case.state_changed"
        base.update(
            action=action,
            from_state=event.from_state,
            to_state=event.to_state,
            actor=_party(event),
            rule=event.rule,
            seq=event.seq,
            refund_amount=None if case.refund_amount is None else f"{case.refund_amount:.2f}",
            currency=case.currency,
            **{k: payload[k] for k in PASSED_ON if k in payload},
        )
    elif action == "remind":
        topic = "case.reminder"
        base.update(
            deadline=payload.get("kind", ""),
            due_at=payload.get("due_at", ""),
            then=payload.get("action", ""),
            must_act=_must_act(case, event.to_state),
        )
    elif action == "escalate":
        topic = "case.escalated"
        base.update(deadline=payload.get("kind", ""), due_at=payload.get("due_at", ""))
    elif action == "evidence_added" and payload.get("visibility") == "all":
        topic = "case.evidence_added"
        base.update(kinds=payload.get("kinds", []), count=len(payload.get("evidence_ids", [])))
    else:
        return None
    return Message(
        topic=topic,
        payload=base,
        merchant_id=case.merchant_id,
        subject=f"case:{case.pk}",
        buyer_id=case.buyer_id,
        at=event.at,
    )


def _party(event: CaseEvent) -> str:
    role = event.actor_role
    if role == "system":
        return "system"
    if role == "buyer":
        return "buyer"
    if role in {"merchant_staff", "merchant_admin", "merchant_integration"}:
        return "merchant"
    return "platform"


def announce(case: Case, event: CaseEvent) -> None:
    announce_many([(case, event)])


def announce_many(pairs: list[tuple[Case, CaseEvent]]) -> None:
    """The outbox messages of many events, in one INSERT."""
    _refs([case for case, _ in pairs])
    messages = [m for case, event in pairs if (m := message_for(case, event)) is not None]
    publish_many(messages)
