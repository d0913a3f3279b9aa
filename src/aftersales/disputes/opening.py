"""How a dispute starts and is taken up: from a case's appeal (built here, opened by the case
engine's `appeal` hook, hooks.py), from an order's claim (not received, counterfeit), by the
system when a merchant times out on a step only they can take (the case engine's `refer`,
hooks.py); then accepted or not (DS-04), and the merchant's answer or silence (DS-05)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor
from aftersales.cases.flows import AUTO, BUYER, PLATFORM, party_of
from aftersales.core import clock
from aftersales.core.errors import InvalidInput, NotFound, PermissionDenied
from aftersales.disputes import announce, burden, deadlines, execution, steps
from aftersales.disputes.evidence import add_evidence
from aftersales.disputes.flows import NOT_ACCEPTED_REASONS
from aftersales.disputes.models import Dispute, DisputeEvent
from aftersales.orders.models import Order, OrderLine
from aftersales.policy import loading

ZERO = Decimal("0.00")
# Which burden of proof a case's reason falls under when the buyer names none.
TYPE_OF_REASON = {
    "quality_issue": "visible_defect",
    "not_as_described": "not_as_described",
    "damaged_in_transit": "damaged_on_arrival",
    "wrong_item": "damaged_on_arrival",
    "missing_parts": "damaged_on_arrival",
    "counterfeit": "counterfeit",
    "not_received": "not_received",
}
ORDER_CLAIMS = frozenset({"not_received", "counterfeit"})
# Called with the disputes just opened (their opening events written), in the same transaction:
# risk scores each (risk/disputes.py registers; disputes never import risk). A hook reads and
# writes its own rows and never moves a dispute.
OPENED: list[Callable[[list[Dispute]], None]] = []


def _policy_label(order: Order) -> str:
    return loading.current(order.merchant.settings.get("policy", loading.DEFAULT_POLICY)).label


def _order_refundable(order: Order) -> Decimal:
    from aftersales.refunds.services import refunded_on_lines

    lines = list(OrderLine.objects.filter(order=order))
    refunded = refunded_on_lines([ln.pk for ln in lines])
    return sum((ln.paid_amount - refunded[ln.pk] for ln in lines), ZERO)


def build_for_case(case, *, reason: str, dispute_type: str = "", at: datetime) -> Dispute:
    """The dispute a case's appeal opens (hooks.py), not yet written: the buyer asked the
    platform to step in after the merchant's rejection, inside the DS-02 window the case's own
    `rejected` deadline keeps."""
    from aftersales.cases.services import refundable

    dispute_type = dispute_type or TYPE_OF_REASON.get(case.reason, "")
    if not dispute_type:
        rejected_from = case.facts.get("rejected_from", "")
        # Rejected before the merchant confirmed the return's receipt: it is about the return
        # arriving; otherwise about the goods' condition.
        dispute_type = (
            "return_not_received"
            if rejected_from in {"return_shipped", "return_delivered"}
            else "visible_defect"
        )
    if dispute_type not in burden.BURDENS:
        raise InvalidInput.on_field("dispute_type", f"one of {list(burden.TYPES)}")
    return Dispute(
        merchant_id=case.merchant_id,
        buyer_id=case.buyer_id,
        order_id=case.order_id,
        case=case,
        type=dispute_type,
        state="requested",
        opened_by=BUYER,
        claim=reason,
        policy_version=case.policy_version,
        currency=case.currency,
        refundable=refundable(case),
        facts={"rejection_reason": case.facts.get("rejection_reason", "")},
        opened_at=at,
        updated_at=at,
    )


def opened(
    disputes: list[Dispute],
    *,
    actor: Actor,
    at: datetime,
    details: list[tuple[str, dict]] | None = None,
) -> None:
    """Write the opening event of just-created disputes (`details`: each one's rule and
    payload, the timer behind an opening by the system) and announce them. A dispute opened
    already accepted has its clock and settlement hold first, so its message names the
    merchant's due time."""
    for d in disputes:
        if d.state == "awaiting_merchant":
            deadlines.schedule(d, d.state, now=at)
            d.facts["settlement_hold"] = execution.hold_settlement(d)
    details = details or [("", {})] * len(disputes)
    events = DisputeEvent.objects.bulk_create(
        [
            steps.new_event(
                d,
                actor,
                "open",
                seq=1,
                from_state="",
                to_state=d.state,
                note=d.claim,
                rule=rule,
                payload=payload,
                at=at,
            )
            for d, (rule, payload) in zip(disputes, details, strict=True)
        ]
    )
    for d in disputes:
        d.last_event_seq = 1
    Dispute.objects.bulk_update(disputes, ["last_event_seq", "facts"])
    announce.announce(list(zip(disputes, events, strict=True)))
    for hook in OPENED:
        hook(disputes)


def open_on_merchant_timeout(taken) -> list[Dispute]:
    """The case engine handed cases to the platform because the merchant let a step only it
    can take run out (`refer`: the replacement, reissue or repaired item never shipped; the
    after_step hook in hooks.py): the system opens each a dispute already accepted, waiting for
    the merchant's answer (DS-05), its opening event naming the case's timer and rule. A case
    that has an open dispute already (one open per case) stays in the desk's case review."""
    had = set(
        Dispute.objects.filter(case_id__in=[case.pk for case, _b, _e in taken])
        .exclude(state__in=["not_accepted", "settled", "closed"])
        .values_list("case_id", flat=True)
    )
    disputes, details = [], []
    for case, _body, event in taken:
        if case.pk in had:
            continue
        timer = (event.payload or {}).get("timer") or {}
        state = event.from_state
        dispute = build_for_case(
            case,
            reason=(
                f"The merchant did not take the step only it can take in '{state}' before "
                f"{timer.get('kind', 'its deadline')} ran out: the platform steps in."
            ),
            at=event.at,
        )
        dispute.opened_by, dispute.state = AUTO, "awaiting_merchant"
        dispute.facts["referred"] = {"case_event": event.seq, "from": state, "timer": timer}
        disputes.append(dispute)
        details.append(
            (event.rule, {"timer": timer, "case_event": event.seq, "referred_from": state})
        )
    if not disputes:
        return []
    Dispute.objects.bulk_create(disputes)
    opened(disputes, actor=SYSTEM_ACTOR, at=taken[0][2].at, details=details)
    return disputes


@transaction.atomic
def open_dispute(
    *,
    actor: Actor,
    order: str,
    type: str,
    claim: str,
    merchant: str | None = None,
    case_id: int | None = None,
    evidence: list[dict] | None = None,
    at: datetime | None = None,
) -> Dispute:
    """Open a dispute. With `case_id`: the buyer appeals the case's rejection (the case engine's
    `appeal`, which opens the dispute: one path). Without: an order's claim the platform takes
    up directly — not received / lost, or counterfeit (DS-07..16). The system opens one
    already accepted (a merchant's timeout the flows hand to the platform)."""
    from aftersales.cases import services as case_services
    from aftersales.cases.selectors import case_for

    at = at or clock.now()
    party = party_of(actor)
    if party not in {BUYER, PLATFORM, AUTO}:
        raise PermissionDenied("Only the buyer, the platform or the system opens a dispute.")
    if case_id is not None:
        case = case_for(actor, case_id)
        case = case_services.act(
            case=case,
            actor=actor,
            action="appeal",
            body=case_services.ActionBody(reason=claim, extra={"dispute_type": type}),
            at=at,
        )
        dispute = Dispute.objects.get(case=case, state="requested")
    else:
        if type not in ORDER_CLAIMS:
            raise InvalidInput.on_field(
                "type",
                f"a dispute without a case is an order's claim: one of {sorted(ORDER_CLAIMS)}; "
                "other disputes start from the case's rejection (case_id)",
            )
        if not claim.strip():
            raise InvalidInput.on_field("claim", "say what happened")
        found = Order.objects.select_related("merchant").filter(external_id=order)
        if merchant:
            found = found.filter(merchant__code=merchant)
        if actor.is_buyer:
            found = found.filter(buyer_id=actor.buyer_id)
        row = found.first()
        if row is None:
            raise NotFound(f"No order {order}.")
        dispute = Dispute.objects.create(
            merchant_id=row.merchant_id,
            buyer_id=row.buyer_id,
            order=row,
            type=type,
            state="requested" if party != AUTO else "awaiting_merchant",
            opened_by=party,
            claim=claim,
            policy_version=_policy_label(row),
            currency=row.currency,
            refundable=_order_refundable(row),
            opened_at=at,
            updated_at=at,
        )
        opened([dispute], actor=actor, at=at)
    if evidence:
        add_evidence(dispute, actor, evidence, request=None, at=at)
    return dispute


def _accept(dispute, actor, body, at, target):
    dispute.facts["accepted_at"] = at.isoformat()
    dispute.facts["settlement_hold"] = execution.hold_settlement(dispute)
    return target, "DS-02", {}


def _not_accept(dispute, actor, body, at, target):
    if body.reason_code not in NOT_ACCEPTED_REASONS:
        raise InvalidInput.on_field("reason_code", f"one of {sorted(NOT_ACCEPTED_REASONS)}")
    shown = NOT_ACCEPTED_REASONS[body.reason_code]
    dispute.facts["not_accepted"] = {"code": body.reason_code, "reason": shown, "note": body.note}
    if dispute.case_id:
        # The platform does not step in: the merchant's rejection stands on the case.
        dispute.ruling, dispute.ruling_reason = "for_merchant", f"not accepted: {shown}"
        execution.rule_on_case(dispute, at=at)
        dispute.ruling, dispute.ruling_reason = "", ""
    return target, "DS-04", {"reason_code": body.reason_code, "reason": shown}


def _answer(dispute, actor, body, at, target):
    dispute.facts["merchant_answer"] = body.note
    if body.evidence:
        add_evidence(dispute, actor, body.evidence, request=None, at=at)
    return target, "DS-05", {}


def _merchant_silent(dispute, actor, body, at, target):
    dispute.facts["merchant_silent"] = True
    return target, "DS-05", {"suggested": "for_buyer", "decided_by": "DS-05:merchant_silent"}


EFFECTS = {
    "accept": _accept,
    "not_accept": _not_accept,
    "answer": _answer,
    "merchant_silent": _merchant_silent,
}
