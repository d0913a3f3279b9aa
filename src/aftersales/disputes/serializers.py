"""Disputes as the API and the pages show them: both sides see the ruling's reasoning and the
burden checklist; time left on an evidence request counts the evidence clock."""

from __future__ import annotations

from aftersales.accounts.actors import Actor
from aftersales.core import clock
from aftersales.disputes import burden, deadlines, selectors, services
from aftersales.disputes.models import Dispute, DisputeEvent, EvidenceRequest


def seconds_left(dispute: Dispute, request: EvidenceRequest) -> int | None:
    if request.state != "open":
        return None
    row = deadlines.pending(dispute).filter(request=request).first()
    if row is None:
        return None
    if row.paused_at is not None:
        return row.remaining_seconds
    return int(deadlines.time_left(row.spec, clock.now(), row.due_at).total_seconds())


def ruling_text(dispute: Dispute) -> str:
    if dispute.decided_by in services.OTHER_GROUNDS:
        return services.OTHER_GROUNDS[dispute.decided_by]
    if dispute.decided_by == "third_party":
        return "the third party's outcome (mediation or arbitration)"
    b = burden.BURDENS.get(dispute.type)
    if b is None or ":" not in dispute.decided_by:
        return dispute.decided_by
    step = dispute.decided_by.split(":", 1)[1]
    return {
        "first_missing": f"{b.first.party} gave no evidence of {b.first.proves} ({b.source})",
        "not_rebutted": f"{b.rebuttal.party} did not rebut: {b.rebuttal.proves} ({b.source})",
        "decisive": f"decided by {b.decided_by_label} ({b.source})",
    }.get(step, dispute.decided_by)


def burden_out(dispute: Dispute) -> dict:
    found = services.assessment(dispute)
    b = burden.BURDENS[dispute.type]
    return {
        "type": dispute.type,
        "source": b.source,
        "test_cost": f"the losing side pays ({burden.TEST_COST_RULE})",
        "checklist": found.checklist,
        "suggested": found.suggested,
        "suggested_rule": found.rule,
        "reasoning": found.reasoning,
        "rule_ids": list(b.rule_ids()),
    }


def dispute_out(dispute: Dispute, actor: Actor) -> dict:
    next_due = getattr(dispute, "next_due_at", None) or deadlines.next_due(dispute)
    ruling = None
    if dispute.ruling or dispute.facts.get("voided_rulings"):
        ruling = {
            "ruling": dispute.ruling,
            "reason": dispute.ruling_reason,
            "decided_by": dispute.decided_by,
            "decided_by_text": ruling_text(dispute),
            "amount": dispute.ruling_amount,
            "compensation": dispute.compensation,
            "test_cost_payer": dispute.test_cost_payer,
            "ruled_at": dispute.ruled_at,
            "void": dispute.ruling_void,
        }
    return {
        "id": dispute.pk,
        "type": dispute.type,
        "state": dispute.state,
        "version": dispute.version,
        "merchant": dispute.merchant.code,
        "order": dispute.order.external_id,
        "case_id": dispute.case_id,
        "opened_by": dispute.opened_by,
        "claim": dispute.claim,
        "refundable": dispute.refundable,
        "currency": dispute.currency,
        "level": dispute.level,
        "opened_at": dispute.opened_at,
        "closed_at": dispute.closed_at,
        "appeal_ends_at": dispute.appeal_ends_at,
        "next_due_at": next_due,
        "allowed_actions": services.allowed_actions(dispute, actor),
        "ruling": ruling,
        "burden": burden_out(dispute),
        "requests": [request_out(dispute, r) for r in selectors.requests_of(dispute)],
        "evidence": [evidence_out(e) for e in selectors.evidence_of(dispute)],
        "events": [
            event_out(e) for e in DisputeEvent.objects.filter(dispute=dispute).order_by("seq")
        ],
        "facts": {k: v for k, v in dispute.facts.items() if k != "settlement_hold"},
    }


def request_out(dispute: Dispute, r: EvidenceRequest) -> dict:
    return {
        "id": r.pk,
        "party": r.party,
        "items": r.items,
        "note": r.note,
        "asked_at": r.asked_at,
        "due_at": r.due_at,
        "rule": r.rule,
        "state": r.state,
        "seconds_left": seconds_left(dispute, r),
    }


def evidence_out(e) -> dict:
    return {
        "id": e.pk,
        "request_id": e.request_id,
        "party": e.party,
        "kind": e.kind,
        "note": e.note,
        "finding": e.finding,
        "case_evidence_ids": e.case_evidence_ids,
        "submitted_at": e.submitted_at,
        "late": e.late,
        "counted": not e.late,
    }


def event_out(e) -> dict:
    return {
        "seq": e.seq,
        "at": e.at,
        "action": e.action,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "actor_role": e.actor_role,
        "actor_label": e.actor_label,
        "note": e.note,
        "rule": e.rule,
        "payload": e.payload,
    }


def summary(dispute: Dispute) -> dict:
    return {
        "id": dispute.pk,
        "type": dispute.type,
        "state": dispute.state,
        "merchant": dispute.merchant.code,
        "order": dispute.order.external_id,
        "case_id": dispute.case_id,
        "opened_at": dispute.opened_at,
        "next_due_at": getattr(dispute, "next_due_at", None),
    }
