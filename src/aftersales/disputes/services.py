"""Every state change of a dispute. One executor (`act`) applies a declared transition (flows.py):
it checks who may act, what the transition requires, the action's own rules (a ruling's
reason and ceiling, the appeal window, the second level), moves the state, appends the event
and reschedules the clocks — in one transaction, with the dispute row locked. Opening a
dispute (`open_dispute`, or a case's appeal through hooks.py) and giving evidence
(`submit_evidence`) are the two other doors. Side effects leave after commit."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from aftersales.accounts.actors import PLATFORM_INTEGRATION, SYSTEM_ACTOR, Actor
from aftersales.accounts.models import Role
from aftersales.cases.deadlines import due_after
from aftersales.cases.flows import AUTO, BUYER, MERCHANT, PLATFORM, party_of
from aftersales.core import clock
from aftersales.core.errors import (
    Conflict,
    FieldError,
    InvalidInput,
    NotAllowed,
    NotFound,
    PermissionDenied,
)
from aftersales.core.money import CENT
from aftersales.disputes import burden, compensation, deadlines, execution
from aftersales.disputes.flows import (
    DISPUTE,
    NOT_ACCEPTED_REASONS,
    RULINGS,
    SUSPENSION_GROUNDS,
)
from aftersales.disputes.models import (
    Dispute,
    DisputeEvent,
    DisputeEvidence,
    EvidenceRequest,
    ShopTerms,
    ThirdPartyOutcome,
)
from aftersales.orders.models import Order, OrderLine
from aftersales.policy import loading

ZERO = Decimal("0.00")
ACTIONS = frozenset(t.action for t in DISPUTE.transitions)
RULERS = frozenset({Role.SPECIALIST, Role.MANAGER, Role.ADMIN, PLATFORM_INTEGRATION})
SECOND_LEVEL = frozenset({Role.MANAGER, Role.ADMIN, PLATFORM_INTEGRATION})
# Decided-by ids a ruling may name besides the burden rules of its type.
OTHER_GROUNDS = {
    "DS-05:merchant_silent": "the merchant did not answer within 24 h: ruled on the evidence in",
    "DS-13:listing_unclear": "the listing was unclear or contradictory",
}
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


# --- Opening ------------------------------------------------------------------------------


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


def opened(disputes: list[Dispute], *, actor: Actor, at: datetime) -> None:
    """Write the opening event of just-created disputes."""
    DisputeEvent.objects.bulk_create(
        [
            _event(d, actor, "open", seq=1, from_state="", to_state=d.state, note=d.claim, at=at)
            for d in disputes
        ]
    )
    for d in disputes:
        d.last_event_seq = 1
    Dispute.objects.bulk_update(disputes, ["last_event_seq"])


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
        if dispute.state == "awaiting_merchant":
            deadlines.schedule(dispute, dispute.state, now=at)
            dispute.facts["settlement_hold"] = execution.hold_settlement(dispute)
            dispute.save(update_fields=["facts"])
    if evidence:
        _add_evidence(dispute, actor, evidence, request=None, at=at)
    return dispute


# --- Acting -------------------------------------------------------------------------------


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
        return _act_locked(dispute, actor, action, body, at=at or clock.now(), timer=timer)


def _act_locked(dispute, actor, action, body, *, at, timer) -> Dispute:
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
    return _move(dispute, actor, action, target, body, rule=rule, payload=payload, at=at)


def _move(dispute, actor, action, target, body, *, rule, payload, at) -> Dispute:
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
    _event(
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
    ).save()
    _announce(dispute, actor, action, from_state, target, rule=rule, at=at)
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
    return dispute


def _announce(dispute, actor, action, from_state, target, *, rule, at) -> None:
    """The step's outbox row, in this transaction: webhooks hear it after commit."""
    from aftersales.notify.outbox import publish

    order = Order.objects.filter(pk=dispute.order_id).values_list("external_id", flat=True)
    publish(
        "dispute.state_changed",
        {
            "dispute_id": dispute.pk,
            "case_id": dispute.case_id,
            "merchant": dispute.merchant.code,
            "order": order.first(),
            "type": dispute.type,
            "action": action,
            "from_state": from_state,
            "to_state": target,
            "actor": party_of(actor) or "",
            "rule": rule,
            "seq": dispute.last_event_seq,
            "at": at.isoformat(),
        },
        merchant_id=dispute.merchant_id,
        subject=f"dispute:{dispute.pk}",
        buyer_id=dispute.buyer_id,
    )


def _event(
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
    _event(
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


# --- What each action checks and remembers --------------------------------------------------
# An effect returns None (target as declared) or (target, rule, payload).


def _desk_role(actor: Actor, roles: frozenset[str], what: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"{what} needs one of the roles {sorted(str(r) for r in roles)}.")


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
        _add_evidence(dispute, actor, body.evidence, request=None, at=at)
    return target, "DS-05", {}


def _merchant_silent(dispute, actor, body, at, target):
    dispute.facts["merchant_silent"] = True
    return target, "DS-05", {"suggested": "for_buyer", "decided_by": "DS-05:merchant_silent"}


def _request_evidence(dispute, actor, body, at, target):
    if body.party not in {BUYER, MERCHANT}:
        raise InvalidInput.on_field("party", "buyer or merchant: the side asked")
    items = [str(i).strip() for i in body.items if str(i).strip()]
    if not items:
        raise InvalidInput.on_field("items", "name the evidence asked for")
    spec = deadlines.duration(dispute, "dispute_evidence")
    request = EvidenceRequest.objects.create(
        dispute=dispute,
        merchant_id=dispute.merchant_id,
        party=body.party,
        items=items,
        note=body.note,
        asked_by=actor.label,
        asked_at=at,
        due_at=due_after(at, spec),
        rule=spec["source"],
    )
    deadlines.schedule_request(dispute, request, spec)
    return (
        target,
        spec["source"],
        {
            "request": request.pk,
            "party": body.party,
            "items": items,
            "due_at": request.due_at.isoformat(),
        },
    )


def _close_evidence(dispute, actor, body, at, target):
    missed = EvidenceRequest.objects.filter(dispute=dispute, state="open")
    ids = list(missed.values_list("pk", flat=True))
    missed.update(state="missed", closed_at=at)
    return target, "DS-06", {"missed_requests": ids}


def _crowd_verdict(dispute, actor, body, at, target):
    dispute.facts.setdefault("crowd_verdicts", []).append(
        {"verdict": body.verdict, "at": at.isoformat()}
    )
    return None


def _check_ruling(dispute: Dispute, body: Body) -> tuple[Decimal | None, compensation.Compensation]:
    errors: list[FieldError] = []
    if body.ruling not in RULINGS:
        errors.append(FieldError("ruling", f"one of {list(RULINGS)}"))
    if not body.reason.strip():
        errors.append(FieldError("reason", "a ruling gives its reasoning; both sides read it"))
    grounds = (*burden.BURDENS[dispute.type].rule_ids(), *OTHER_GROUNDS, "third_party")
    if body.decided_by not in grounds:
        errors.append(FieldError("decided_by", f"the rule that decides: one of {list(grounds)}"))
    amount: Decimal | None = None
    if body.ruling == "for_buyer":
        amount = body.amount if body.amount is not None else dispute.refundable
    elif body.ruling == "partial":
        if body.amount is None:
            errors.append(FieldError("amount", "a partial ruling names the amount refunded"))
        amount = body.amount
    if amount is not None:
        if amount <= 0 or amount != amount.quantize(CENT):
            errors.append(FieldError("amount", "a positive amount with at most two places"))
        elif amount > dispute.refundable:
            errors.append(
                FieldError("amount", f"at most {dispute.refundable:.2f}, what is refundable")
            )
        elif body.ruling == "partial" and dispute.case_id is None:
            errors.append(
                FieldError("ruling", "a dispute without a case is ruled for one side in full")
            )
    comp = compensation.Compensation()
    if body.compensation and body.ruling != "for_merchant":
        try:
            comp = _compensation(dispute, body.compensation, amount or ZERO)
        except InvalidInput as exc:
            errors += exc.errors
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return amount, comp


def _compensation(dispute: Dispute, spec: dict, refunded: Decimal) -> compensation.Compensation:
    terms = ShopTerms.objects.filter(merchant_id=dispute.merchant_id).first()
    paid = dispute.refundable
    promised = None
    if terms and dispute.type in terms.promises:
        promised = Decimal(str(terms.promises[dispute.type]))
    gifts = ZERO
    if spec.get("kind") == "missing_gifts":
        for line in OrderLine.objects.filter(order_id=dispute.order_id):
            gifts += sum((Decimal(str(g.get("marked_price", "0"))) for g in line.gifts), ZERO)
    try:
        fee = Decimal(str(spec.get("appraisal_fee") or "0"))
    except ArithmeticError:
        raise InvalidInput.on_field(
            "compensation.appraisal_fee", "an amount such as 80.00"
        ) from None
    return compensation.compute(
        spec.get("kind", ""),
        paid=paid,
        multiple=terms.counterfeit_multiple if terms else None,
        appraisal_fee=fee,
        gifts_marked_price=gifts,
        promised=promised,
        claimant_at_fault=bool(spec.get("claimant_at_fault")),
    )


def _second_level_above() -> Decimal:
    return Decimal(str(settings.AFTERSALES_DISPUTE_SECOND_LEVEL_ABOVE))


def _rule(dispute, actor, body, at, target):
    _desk_role(actor, RULERS, "A ruling")
    amount, comp = _check_ruling(dispute, body)
    dispute.ruling, dispute.ruling_reason = body.ruling, body.reason
    dispute.decided_by, dispute.ruling_amount = body.decided_by, amount
    dispute.compensation = comp.as_dict() if comp.parts else {}
    dispute.test_cost_payer = burden.who_pays_tests(body.ruling)
    dispute.ruled_by, dispute.ruled_at = actor.label, at
    dispute.ruling_void = False
    total = (amount or ZERO) + comp.amount
    payload = {
        "ruling": body.ruling,
        "amount": f"{amount:.2f}" if amount is not None else None,
        "decided_by": body.decided_by,
        "compensation": dispute.compensation,
        "test_cost_payer": dispute.test_cost_payer,
    }
    if total > _second_level_above() and actor.role not in {Role.MANAGER, Role.ADMIN}:
        dispute.level = "manager"
        return "ruled", "second-level", payload
    return _ruled(dispute, target, at, payload)


def _ruled(dispute, target, at, payload):
    if target == "closed" and dispute.case_id:
        # For the merchant: the case closes on the merchant's rejection.
        execution.rule_on_case(dispute, at=at)
    return target, dispute.decided_by, payload


def _confirm_ruling(dispute, actor, body, at, target):
    _desk_role(actor, SECOND_LEVEL, "The second level")
    if actor.label == dispute.ruled_by:
        raise PermissionDenied("The second level is another person than the one who ruled.")
    dispute.level = "specialist"
    return _ruled(dispute, target, at, {"confirmed_by": actor.label})


def _send_back(dispute, actor, body, at, target):
    _desk_role(actor, SECOND_LEVEL, "The second level")
    _clear_ruling(dispute)
    dispute.level = "specialist"
    return None


def _clear_ruling(dispute):
    dispute.ruling, dispute.ruling_reason, dispute.decided_by = "", "", ""
    dispute.ruling_amount, dispute.compensation, dispute.test_cost_payer = None, {}, ""


def _execute(by: str):
    def run(dispute, actor, body, at, target):
        execution.carry_out(dispute, by=by, at=at)
        dispute.executed_by, dispute.executed_at = by, at
        return target, "DS-19", {"executed_by": by}

    return run


def _appeal(dispute, actor, body, at, target):
    if dispute.appealed:
        raise NotAllowed(
            "One appeal level (DS-20): this dispute was appealed already.",
            allowed_actions=[],
            state=dispute.state,
        )
    if dispute.appeal_ends_at is None or at > dispute.appeal_ends_at:
        ends = clock.localtime(dispute.appeal_ends_at) if dispute.appeal_ends_at else None
        when = f"{ends:%Y-%m-%d %H:%M} ({ends.tzinfo})" if ends else "with its closing"
        raise InvalidInput.on_field(
            "appeal",
            f"the appeal window (DS-20: 7 days after the dispute closed) ended {when}",
            window_ends_at=dispute.appeal_ends_at.isoformat() if dispute.appeal_ends_at else None,
        )
    dispute.appealed = True
    dispute.facts["appeal"] = {"by": party_of(actor), "reason": body.reason, "at": at.isoformat()}
    return target, "DS-20", {"by": party_of(actor)}


def _decide_appeal(dispute, actor, body, at, target):
    _desk_role(actor, SECOND_LEVEL, "Deciding an appeal")
    if body.outcome == "upheld":
        reversed_total = execution.reverse(dispute, at=at, note=body.reason)
        dispute.facts.setdefault("voided_rulings", []).append(
            {
                "ruling": dispute.ruling,
                "amount": f"{dispute.ruling_amount:.2f}" if dispute.ruling_amount else None,
                "decided_by": dispute.decided_by,
                "reason": dispute.ruling_reason,
                "voided_at": at.isoformat(),
            }
        )
        dispute.ruling_void = True
        _clear_ruling(dispute)
        dispute.executed_by, dispute.executed_at, dispute.closed_at = "", None, None
        dispute.appeal_ends_at = None
        return target, "DS-20", {"outcome": "upheld", "reversed": f"{-reversed_total:.2f}"}
    return target, "DS-20", {"outcome": "dismissed"}


def _suspend(dispute, actor, body, at, target):
    if body.ground not in SUSPENSION_GROUNDS:
        raise InvalidInput.on_field("ground", f"one of {list(SUSPENSION_GROUNDS)}")
    party = party_of(actor)
    if body.ground == "joint_request" and party != PLATFORM:
        asks = set(dispute.facts.get("suspension_asks", [])) | {party}
        dispute.facts["suspension_asks"] = sorted(asks)
        if asks < {BUYER, MERCHANT}:
            # One side asked: the dispute goes on until the other side asks too.
            return (
                dispute.state,
                "DS-21",
                {"asked_by": party, "waiting_for": sorted({BUYER, MERCHANT} - asks)},
            )
    dispute.facts["suspended_from"] = dispute.state
    dispute.facts["suspension"] = {
        "ground": body.ground,
        "reference": body.reference,
        "receipt": False,
        "at": at.isoformat(),
    }
    dispute.facts.pop("suspension_asks", None)
    return target, "DS-21", {"ground": body.ground}


def _file_receipt(dispute, actor, body, at, target):
    suspension = dict(dispute.facts.get("suspension") or {})
    suspension["receipt"] = body.reference
    dispute.facts["suspension"] = suspension
    return target, "DS-21", {"receipt": body.reference}


def _resume(dispute, actor, body, at, target):
    dispute.facts.pop("suspension", None)
    dispute.facts.pop("suspended_from", None)
    return target, "DS-21", {}


def _record_third_party(dispute, actor, body, at, target):
    kind = body.kind or "mediation"
    if kind not in {"mediation", "arbitration", "court"}:
        raise InvalidInput.on_field("kind", "mediation, arbitration or court")
    if dispute.state == "suspended":
        deadlines.pending(dispute).update(cancelled_at=at)
    amount, comp = _check_ruling(dispute, Body(**{**body.__dict__, "decided_by": "third_party"}))
    ThirdPartyOutcome.objects.create(
        dispute=dispute,
        merchant_id=dispute.merchant_id,
        kind=kind,
        body=body.body,
        reference=body.reference,
        outcome=body.ruling,
        amount=amount,
        documents=list(body.documents),
        recorded_by=actor.label,
        recorded_at=at,
    )
    dispute.ruling, dispute.ruling_reason = (
        body.ruling,
        f"{body.body} {body.reference}: {body.reason}",
    )
    dispute.decided_by, dispute.ruling_amount = "third_party", amount
    dispute.compensation = comp.as_dict() if comp.parts else {}
    dispute.test_cost_payer = burden.who_pays_tests(body.ruling)
    dispute.ruled_by, dispute.ruled_at = actor.label, at
    dispute.facts.pop("suspension", None)
    dispute.facts.pop("suspended_from", None)
    return _ruled(
        dispute,
        target,
        at,
        {"third_party": {"kind": kind, "body": body.body, "reference": body.reference}},
    )


def _settle(dispute, actor, body, at, target):
    deadlines.pending(dispute).update(cancelled_at=at)
    dispute.facts["settlement"] = {"terms": body.note, "at": at.isoformat()}
    return target, "", {}


EFFECTS = {
    "accept": _accept,
    "not_accept": _not_accept,
    "answer": _answer,
    "merchant_silent": _merchant_silent,
    "request_evidence": _request_evidence,
    "close_evidence": _close_evidence,
    "evidence_in": lambda d, a, b, at, t: (t, "DS-06", {}),
    "crowd_verdict": _crowd_verdict,
    "rule": _rule,
    "confirm_ruling": _confirm_ruling,
    "send_back": _send_back,
    "execute": _execute("merchant"),
    "platform_execute": _execute("platform"),
    "appeal": _appeal,
    "decide_appeal": _decide_appeal,
    "suspend": _suspend,
    "file_receipt": _file_receipt,
    "resume": _resume,
    "record_third_party": _record_third_party,
    "settle": _settle,
}


# --- Evidence -----------------------------------------------------------------------------


def _add_evidence(dispute, actor, items, *, request, at, late: bool = False) -> list:
    party = party_of(actor)
    rows = []
    for i, item in enumerate(items):
        kind = str(item.get("kind") or "").strip()
        if not kind:
            raise InvalidInput.on_field(f"evidence[{i}].kind", "what this evidence is")
        finding = item.get("finding") or ""
        if finding and finding not in {"for_buyer", "for_merchant"}:
            raise InvalidInput.on_field(f"evidence[{i}].finding", "for_buyer or for_merchant")
        rows.append(
            DisputeEvidence(
                dispute=dispute,
                merchant_id=dispute.merchant_id,
                request=request,
                party=party if party in {BUYER, MERCHANT} else PLATFORM,
                kind=kind,
                note=str(item.get("note") or "")[:2000],
                finding=finding,
                case_evidence_ids=[int(x) for x in item.get("case_evidence_ids") or []],
                submitted_by=actor.label,
                submitted_at=at,
                late=late,
            )
        )
    _check_case_evidence(dispute, rows)
    return DisputeEvidence.objects.bulk_create(rows)


def _check_case_evidence(dispute: Dispute, rows: list[DisputeEvidence]) -> None:
    """Files are uploaded to the case (cases/evidence.py sniffs and limits them); evidence
    here may only point at the dispute's own case's files."""
    from aftersales.cases.models import Evidence

    wanted = {pk for r in rows for pk in r.case_evidence_ids}
    if not wanted:
        return
    found = set(
        Evidence.objects.filter(pk__in=wanted, case_id=dispute.case_id).values_list("pk", flat=True)
    )
    if wanted - found:
        raise InvalidInput.on_field(
            "case_evidence_ids", f"no such files on the dispute's case: {sorted(wanted - found)}"
        )


@transaction.atomic
def submit_evidence(
    *,
    dispute: Dispute,
    request_id: int,
    actor: Actor,
    items: list[dict],
    at: datetime | None = None,
) -> list[DisputeEvidence]:
    """The side asked gives the evidence. After the request's deadline (or once it was closed)
    the evidence is kept but marked late, and does not count (DS-06)."""
    at = at or clock.now()
    dispute = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("merchant")
        .get(pk=dispute.pk)
    )
    request = EvidenceRequest.objects.filter(dispute=dispute, pk=request_id).first()
    if request is None:
        raise NotFound(f"No evidence request {request_id} on dispute {dispute.pk}.")
    if party_of(actor) != request.party:
        raise PermissionDenied(f"This request asks the {request.party} for evidence.")
    if not items:
        raise InvalidInput.on_field("items", "give at least one piece of evidence")
    late = request.state != "open" or at > request.due_at
    rows = _add_evidence(dispute, actor, items, request=request, at=at, late=late)
    dispute.last_event_seq += 1
    dispute.save(update_fields=["last_event_seq"])
    _event(
        dispute,
        actor,
        "submit_evidence",
        seq=dispute.last_event_seq,
        from_state=dispute.state,
        to_state=dispute.state,
        rule="DS-06",
        payload={"request": request.pk, "late": late, "kinds": [r.kind for r in rows]},
        at=at,
    ).save()
    if not late:
        request.state, request.closed_at = "answered", at
        request.save(update_fields=["state", "closed_at"])
        deadlines.pending(dispute).filter(request=request).update(cancelled_at=at)
        still_open = EvidenceRequest.objects.filter(dispute=dispute, state="open").exists()
        if dispute.state == "evidence" and not still_open:
            _act_locked(dispute, SYSTEM_ACTOR, "evidence_in", Body(), at=at, timer=None)
    return rows


def evidence_due(dispute: Dispute, row, *, at: datetime) -> None:
    """A request's clock ran out (the worker, dispute locked): the request is missed; the
    review goes on with what is in once no request is open (DS-06)."""
    request = EvidenceRequest.objects.get(pk=row.request_id)
    if request.state != "open":
        return
    request.state, request.closed_at = "missed", at
    request.save(update_fields=["state", "closed_at"])
    if EvidenceRequest.objects.filter(dispute=dispute, state="open").exists():
        record_notice(
            dispute,
            "evidence_missed",
            note=f"request {request.pk}: the {request.party} gave no evidence in time",
            rule="DS-06",
            at=at,
        )
        return
    _act_locked(dispute, SYSTEM_ACTOR, "close_evidence", Body(), at=at, timer=row)


def close_on_case_ruling(dispute: Dispute, *, body, event) -> None:
    """The desk ruled on the case itself: the dispute closes with that ruling (its money went
    through the case's own steps)."""
    dispute = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("merchant")
        .get(pk=dispute.pk)
    )
    actor = Actor(
        kind=event.actor_kind,
        role=event.actor_role,
        label=event.actor_label,
        user_id=event.actor_user_id,
    )
    deadlines.cancel_pending(dispute, now=event.at)
    dispute.ruling, dispute.ruling_reason = body.ruling, body.reason
    dispute.ruling_amount = body.amount
    dispute.decided_by, dispute.ruled_by, dispute.ruled_at = "case", actor.label, event.at
    dispute.executed_by, dispute.executed_at = "case", event.at
    _move(
        dispute,
        actor,
        "ruled_on_case",
        "closed",
        Body(note=body.reason),
        rule="",
        payload={"case_event": event.seq},
        at=event.at,
    )


def counted_evidence(dispute: Dispute) -> list[dict]:
    return [
        {"party": e.party, "kind": e.kind, "finding": e.finding}
        for e in DisputeEvidence.objects.filter(dispute=dispute, late=False)
    ]


def assessment(dispute: Dispute) -> burden.Assessment:
    found = burden.assess(dispute.type, counted_evidence(dispute))
    # DS-05: the merchant's silence rules for the buyer (return and refund at its freight).
    if dispute.facts.get("merchant_silent"):
        return burden.Assessment(
            "DS-05:merchant_silent",
            "for_buyer",
            OTHER_GROUNDS["DS-05:merchant_silent"],
            found.checklist,
        )
    return found
