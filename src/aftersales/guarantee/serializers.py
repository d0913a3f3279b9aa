"""Rows of the guarantee fund as the API shows them."""

from __future__ import annotations

from aftersales.accounts.actors import Actor
from aftersales.guarantee.models import Movement, PayFirst, TopUpRequest
from aftersales.guarantee.services import contest_actions


def _m(value) -> str:
    return f"{value:.2f}"


def top_up_request_out(request: TopUpRequest | None) -> dict | None:
    if request is None:
        return None
    return {
        "id": request.pk,
        "requirement": _m(request.requirement),
        "balance_at_request": _m(request.balance_at_request),
        "shortfall": _m(request.shortfall),
        "rule": request.rule,
        "state": request.state,
        "requested_at": request.requested_at,
        "met_at": request.met_at,
    }


def movement_out(movement: Movement) -> dict:
    return {
        "id": movement.pk,
        "kind": movement.kind,
        "amount": _m(movement.amount),
        "currency": movement.currency,
        "source": movement.source,
        "source_id": movement.source_id,
        "pay_first": movement.pay_first_id,
        "claim": movement.claim_id,
        "reverses": movement.reverses_id,
        "note": movement.note,
        "actor": movement.actor_label,
        "at": movement.at,
        "entries": [
            {"account": e.account.kind, "amount": f"{e.amount:+.2f}"}
            for e in movement.entries.all()
        ],
    }


def deposit_out(deposit, page) -> dict:
    r = deposit.requirement
    b = deposit.balances
    return {
        "merchant": deposit.merchant.code,
        "currency": r.currency,
        "balance": _m(b["deposit"]),
        "requirement": {
            "amount": _m(r.amount),
            "currency": r.currency,
            "category": r.category,
            "categories": list(r.categories),
            "rule": r.rule,
            "policy": r.policy,
        },
        "below_requirement": deposit.below_requirement,
        "shortfall": _m(deposit.shortfall),
        "settlement": _m(b["settlement"]),
        "held_settlement": _m(b["held"]),
        "owed": _m(b["receivable"]),
        "top_up_request": top_up_request_out(deposit.top_up_request),
        "entries": [movement_out(m) for m in page.items],
        "next_cursor": page.next_cursor,
    }


def pay_first_out(record: PayFirst, actor: Actor) -> dict:
    claim = record.claim
    return {
        "id": record.pk,
        "kind": record.kind,
        "merchant": record.merchant.code,
        "case": record.case_id,
        "order": record.order_id,
        "amount": _m(record.amount),
        "currency": record.currency,
        "reason": record.reason,
        "source": record.source,
        "source_id": record.source_id,
        "refunds": list(record.refund_ids),
        "recovered": _m(claim.recovered),
        "outstanding": _m(claim.outstanding),
        "claim_state": claim.state,
        "created_at": record.created_at,
        "contest_due_at": record.contest_due_at,
        "contest_rule": record.contest_rule,
        "contest_state": record.contest_state,
        "contest_reason": record.contest_reason,
        "contested_at": record.contested_at,
        "decided_at": record.decided_at,
        "decision_note": record.decision_note,
        "allowed_actions": contest_actions(record, actor),
    }
