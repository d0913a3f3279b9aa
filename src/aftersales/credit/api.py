"""/credit: a buyer's own credit, activity report and appeals; a merchant's own credit and
its flags on buyers; the desk's appeal and review decisions. Handlers parse, call one service
or selector, serialize."""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpRequest
from ninja import Router, Status

from aftersales.accounts.models import Buyer, Merchant
from aftersales.core.errors import NotFound, PermissionDenied
from aftersales.credit import selectors, services
from aftersales.credit.metrics import Month
from aftersales.credit.rating import compute_month
from aftersales.credit.schemas import (
    ActivityReportOut,
    AppealDecisionIn,
    AppealIn,
    AppealOut,
    BuyerCreditOut,
    ComputeIn,
    ComputeOut,
    FlagIn,
    FlagOut,
    MerchantCreditOut,
    ReviewDecisionIn,
    ReviewOut,
    StandingOut,
)

router = Router(tags=["credit"])


def penalty_out(p) -> dict:
    return {
        "id": p.pk,
        "kind": p.kind,
        "reason_code": p.reason_code,
        "imposed_at": p.imposed_at,
        "suspended_at": p.suspended_at,
        "lifted_at": p.lifted_at,
        "lifted_reason": p.lifted_reason,
        "active": p.active,
    }


def appeal_out(a) -> dict:
    return {
        "id": a.pk,
        "party": "buyer" if a.penalty_id else "merchant",
        "penalty_id": a.penalty_id,
        "restriction_id": a.restriction_id,
        "reason": a.reason,
        "state": a.state,
        "filed_at": a.filed_at,
        "due_at": a.due_at,
        "escalated_at": a.escalated_at,
        "decided_at": a.decided_at,
        "decided_by": a.decided_by,
        "decision_note": a.decision_note,
    }


def restriction_out(r) -> dict:
    return {
        "id": r.pk,
        "kind": r.kind,
        "reason_code": r.reason_code,
        "month": r.month,
        "imposed_at": r.imposed_at,
        "suspended_at": r.suspended_at,
        "lifted_at": r.lifted_at,
        "lifted_reason": r.lifted_reason,
        "active": r.active,
    }


def _own_buyer(actor) -> int:
    if not actor.is_buyer or not actor.buyer_id:
        raise PermissionDenied("Only a buyer has a buyer credit of their own.")
    return actor.buyer_id


def _own_merchant(actor) -> int:
    if not actor.is_merchant_side or not actor.merchant_id:
        raise PermissionDenied("Only a merchant has a merchant credit of its own.")
    return actor.merchant_id


@router.get("/credit/me", response=BuyerCreditOut)
def my_credit(request: HttpRequest):
    """The buyer's standing with every component and why, their penalties and appeals."""
    credit = selectors.buyer_credit(request.auth, _own_buyer(request.auth))
    return {
        "standing": credit["standing"].as_dict(),
        "penalties": [penalty_out(p) for p in credit["penalties"]],
        "appeals": [appeal_out(a) for a in credit["appeals"]],
    }


@router.get("/credit/me/report", response=ActivityReportOut)
def my_activity_report(request: HttpRequest):
    """Every return, every decision on it and its reason code (the request is audited)."""
    report = services.request_activity_report(actor=request.auth, buyer_id=_own_buyer(request.auth))
    return {
        **report,
        "standing": report["standing"].as_dict(),
        "penalties": [penalty_out(p) for p in report["penalties"]],
        "appeals": [appeal_out(a) for a in report["appeals"]],
    }


@router.post("/credit/appeals", response={201: AppealOut})
def file_appeal(request: HttpRequest, payload: AppealIn):
    """A buyer appeals their penalty, or a merchant's admin its restriction."""
    appeal = services.file_appeal(
        actor=request.auth,
        reason=payload.reason,
        penalty_id=payload.penalty_id,
        restriction_id=payload.restriction_id,
    )
    return Status(201, appeal_out(appeal))


@router.get("/credit/appeals", response=list[AppealOut])
def appeals_queue(request: HttpRequest, state: str = "pending"):
    """The desk's credit appeals, soonest due first."""
    return [appeal_out(a) for a in selectors.appeals_queue(request.auth, state=state)[:200]]


@router.post("/credit/appeals/{appeal_id}/decision", response=AppealOut)
def decide_appeal(request: HttpRequest, appeal_id: int, payload: AppealDecisionIn):
    """A person decides: upheld removes the penalty, dismissed keeps it."""
    appeal = services.decide_appeal(
        actor=request.auth, appeal_id=appeal_id, outcome=payload.outcome, note=payload.note
    )
    return appeal_out(appeal)


@router.get("/credit/buyers/{buyer_id}/standing", response=StandingOut)
def buyer_standing(request: HttpRequest, buyer_id: int):
    """A buyer's standing (the desk; a buyer for themself)."""
    return selectors.buyer_credit(request.auth, buyer_id)["standing"].as_dict()


@router.post("/credit/flags", response={201: FlagOut})
def flag_buyer(request: HttpRequest, payload: FlagIn):
    """A shop flags a buyer it sold to; flags from two or more shops open a review."""
    buyer = Buyer.objects.filter(external_id=payload.buyer).first()
    if buyer is None:
        raise NotFound.on_field("buyer", "No such buyer.")
    flag = services.flag_buyer(
        actor=request.auth,
        buyer_id=buyer.pk,
        reason_code=payload.reason_code,
        note=payload.note,
        case_id=payload.case_id,
    )
    flag.refresh_from_db()
    return Status(
        201,
        {
            "id": flag.pk,
            "buyer": buyer.external_id,
            "reason_code": flag.reason_code,
            "flagged_at": flag.flagged_at,
            "review_opened": flag.review_id is not None,
        },
    )


def review_out(r) -> dict:
    return {
        "id": r.pk,
        "buyer": r.buyer.external_id,
        "state": r.state,
        "shops": r.shops,
        "opened_at": r.opened_at,
        "decided_at": r.decided_at,
        "note": r.note,
    }


@router.get("/credit/reviews", response=list[ReviewOut])
def reviews_queue(request: HttpRequest):
    return [review_out(r) for r in selectors.reviews_queue(request.auth)[:200]]


@router.post("/credit/reviews/{review_id}/decision", response=ReviewOut)
def decide_review(request: HttpRequest, review_id: int, payload: ReviewDecisionIn):
    review = services.decide_review(
        actor=request.auth,
        review_id=review_id,
        outcome=payload.outcome,
        note=payload.note,
        kinds=tuple(payload.kinds),
    )
    return review_out(review)


def _merchant_credit(actor, merchant: Merchant) -> dict:
    credit = selectors.merchant_credit(actor, merchant.pk)
    return {
        "merchant": merchant.code,
        "ratings": [
            {
                "month": r.month,
                "partial": r.partial,
                "category": r.category,
                "score": r.score,
                "grade": r.grade,
                "reason_codes": r.reason_codes,
                "signals": r.snapshot.get("signals", []),
                "policy_version": r.policy_version,
            }
            for r in credit["ratings"]
        ],
        "metrics": [
            {
                "month": m.month,
                "metric": m.metric,
                "numerator": str(m.numerator),
                "denominator": str(m.denominator),
                "value": None if m.value is None else str(m.value),
                "category_mean": None if m.category_mean is None else str(m.category_mean),
                "category": m.category,
            }
            for m in credit["metrics"]
        ],
        "restrictions": [restriction_out(r) for r in credit["restrictions"]],
        "appeals": [appeal_out(a) for a in credit["appeals"]],
    }


@router.get("/credit/merchant", response=MerchantCreditOut)
def my_merchant_credit(request: HttpRequest):
    """The caller's shop: its monthly ratings, metrics beside the category mean, restrictions."""
    merchant = Merchant.objects.get(pk=_own_merchant(request.auth))
    return _merchant_credit(request.auth, merchant)


@router.get("/credit/merchants/{code}", response=MerchantCreditOut)
def merchant_credit(request: HttpRequest, code: str):
    """One shop's credit: the platform for any, a merchant for its own (else 404)."""
    merchant = Merchant.objects.filter(code=code).first()
    if merchant is None:
        raise NotFound("No such merchant.")
    return _merchant_credit(request.auth, merchant)


@router.post("/credit/months", response=ComputeOut)
def compute(request: HttpRequest, payload: ComputeIn):
    """Compute, rate and restrict one month (risk analysts, managers)."""
    return asdict(compute_month(month=Month.parse(payload.month), actor=request.auth))
