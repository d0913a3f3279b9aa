"""Cases as the API shows them (buyer identity by external id only; no personal data)."""

from __future__ import annotations

from typing import Any

from aftersales.accounts.actors import Actor
from aftersales.cases import deadlines, services
from aftersales.cases import sla as case_sla
from aftersales.cases.models import Case, CaseEvent, Deadline
from aftersales.core.clock import localtime


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _local(value):
    """Times leave in the zone people read them in (+08:00), as the orders API does."""
    return None if value is None else localtime(value)


def case_summary(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "merchant": case.merchant.code,
        "order": case.order.external_id,
        "type": case.type,
        "reason": case.reason,
        "state": case.state,
        "refund_amount": _money(case.refund_amount),
        "currency": case.currency,
        "opened_at": case.opened_at,
        "updated_at": case.updated_at,
    }


def _lines(case: Case):
    # `open_case` leaves the lines it wrote on the case (with their order lines): no read back.
    written = getattr(case, "written_lines", None)
    return written if written is not None else case.lines.select_related("order_line")


def _open_deadlines(case: Case) -> list[Deadline]:
    # A step (or `open_case`) cancels every pending deadline and schedules the new state's, in
    # the transaction that returned this case: the ones it left on the case are the open ones.
    scheduled = getattr(case, "scheduled_deadlines", None)
    if scheduled is None:
        return deadlines.open_deadlines(case)
    return sorted((d for d in scheduled if not d.reminder), key=lambda d: d.due_at)


def case_out(case: Case, actor: Actor) -> dict[str, Any]:
    lines = _lines(case)
    open_deadlines = _open_deadlines(case)
    return {
        **case_summary(case),
        "buyer": case.buyer.external_id,
        "description": case.description,
        "version": case.version,
        "policy_version": case.policy_version,
        "decision": case.decision,
        "closed_at": _local(case.closed_at),
        "lines": [
            {
                "line_id": ln.order_line.line_id,
                "sku": ln.order_line.sku,
                "title": ln.order_line.title,
                "quantity": ln.quantity,
                "condition": ln.condition,
                "refundable_amount": _money(ln.refundable_amount),
            }
            for ln in lines
        ],
        "deadlines": [
            {"kind": d.kind, "due_at": _local(d.due_at), "then": d.action, "rule": d.rule}
            for d in open_deadlines
        ],
        "sla": case_sla.status(case, open_deadlines),
        "next_actions": services.allowed_actions(case, actor),
    }


def event_out(event: CaseEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at,
        "actor": {"kind": event.actor_kind, "role": event.actor_role, "label": event.actor_label},
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "note": event.note,
        "rule": event.rule,
        "payload": event.payload,
    }


def queue_item(deadline: Deadline) -> dict[str, Any]:
    case = deadline.case
    return {
        "case": case_summary(case),
        "due_at": _local(deadline.due_at),
        "appeal_reason": case.facts.get("appeal_reason", ""),
        "rejection_reason": case.facts.get("rejection_reason", ""),
    }
