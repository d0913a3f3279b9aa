"""Rulings and what carries them out: the ruling's checks (a reason, a deciding rule, no more
than refundable, compensation exact to the fen), the second level above the configured amount,
crowd review, a third party's outcome recorded as a ruling, settlement by agreement, the
execution of a ruling (DS-19, execution.py moves the money) and a desk ruling taken on the case
itself closing the dispute."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from aftersales.accounts.actors import PLATFORM_INTEGRATION, Actor
from aftersales.accounts.models import Role
from aftersales.core.errors import FieldError, InvalidInput, PermissionDenied
from aftersales.core.money import CENT
from aftersales.disputes import burden, compensation, deadlines, execution, steps
from aftersales.disputes.flows import RULINGS
from aftersales.disputes.models import Dispute, ShopTerms, ThirdPartyOutcome
from aftersales.disputes.steps import Body
from aftersales.orders.models import OrderLine

ZERO = Decimal("0.00")
RULERS = frozenset({Role.SPECIALIST, Role.MANAGER, Role.ADMIN, PLATFORM_INTEGRATION})
SECOND_LEVEL = frozenset({Role.MANAGER, Role.ADMIN, PLATFORM_INTEGRATION})
# Decided-by ids a ruling may name besides the burden rules of its type.
OTHER_GROUNDS = {
    "DS-05:merchant_silent": "the merchant did not answer within 24 h: ruled on the evidence in",
    "DS-13:listing_unclear": "the listing was unclear or contradictory",
}


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
    steps.desk_role(actor, RULERS, "A ruling")
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
    steps.desk_role(actor, SECOND_LEVEL, "The second level")
    if actor.label == dispute.ruled_by:
        raise PermissionDenied("The second level is another person than the one who ruled.")
    dispute.level = "specialist"
    return _ruled(dispute, target, at, {"confirmed_by": actor.label})


def _send_back(dispute, actor, body, at, target):
    steps.desk_role(actor, SECOND_LEVEL, "The second level")
    clear_ruling(dispute)
    dispute.level = "specialist"
    return None


def clear_ruling(dispute):
    dispute.ruling, dispute.ruling_reason, dispute.decided_by = "", "", ""
    dispute.ruling_amount, dispute.compensation, dispute.test_cost_payer = None, {}, ""


def _execute(by: str):
    def run(dispute, actor, body, at, target):
        execution.carry_out(dispute, by=by, at=at)
        dispute.executed_by, dispute.executed_at = by, at
        return target, "DS-19", {"executed_by": by}

    return run


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
    if body.ruling != "for_merchant":
        # A referred case (the merchant never shipped) ends with the ruling: its money.
        execution.pay_referred_ruling(dispute, amount=body.amount, at=event.at)
    steps.move(
        dispute,
        actor,
        "ruled_on_case",
        "closed",
        Body(note=body.reason),
        rule="",
        payload={"case_event": event.seq},
        at=event.at,
    )


def _crowd_verdict(dispute, actor, body, at, target):
    dispute.facts.setdefault("crowd_verdicts", []).append(
        {"verdict": body.verdict, "at": at.isoformat()}
    )
    return None


EFFECTS = {
    "crowd_verdict": _crowd_verdict,
    "rule": _rule,
    "confirm_ruling": _confirm_ruling,
    "send_back": _send_back,
    "execute": _execute("merchant"),
    "platform_execute": _execute("platform"),
    "record_third_party": _record_third_party,
    "settle": _settle,
}
