"""Every state change of the credit context, one function per action: it checks who may act,
changes the rows, writes the audit event and the notice (outbox) in the same transaction.

Buyer side: `review_buyer_standing` (the rules' friction step, with notice), `impose_penalty`,
`flag_buyer` (two or more distinct shops open a review), `decide_review`. Appeals (buyer
penalties and merchant restrictions alike): `file_appeal`, `decide_appeal` (a person only),
`fire_appeal_deadline` (the SLA passed: suspend the penalty, tell the managers)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db import IntegrityError, transaction

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor
from aftersales.accounts.models import Buyer, Role
from aftersales.accounts.permissions import require
from aftersales.core import clock
from aftersales.core.audit import record
from aftersales.core.errors import Conflict, InvalidInput, NotAllowed, NotFound, PermissionDenied
from aftersales.credit import enforce, selectors
from aftersales.credit.models import (
    AppealDeadline,
    BuyerFlag,
    BuyerPenalty,
    BuyerReview,
    CreditAppeal,
    MerchantRestriction,
)
from aftersales.credit.rules import PENALTY_KINDS, current_rules
from aftersales.notify.outbox import publish

REASON_LOW_SCORE = "score.below_penalty_line"
REASON_SHOP_FLAGS = "review.shop_flags"
FLAG_REASONS = (
    "empty_return",
    "swapped_item",
    "worn_and_returned",
    "false_not_received",
    "abusive_claims",
    "other",
)


def _iso(at: datetime) -> str:
    return at.isoformat()


def _person(actor: Actor, permission: str) -> None:
    """A decision a person must make: the role may, and it is a person (no token, no timer)."""
    require(actor, permission)
    if actor.user_id is None:  # a person's own login or their personal (user-scoped) token
        raise PermissionDenied("A person decides this, not an integration or the system.")


# --- Penalties -------------------------------------------------------------------------------


def _impose(
    *,
    buyer_id: int,
    kind: str,
    reason_code: str,
    actor: Actor,
    standing: selectors.Standing,
    review: BuyerReview | None = None,
) -> BuyerPenalty | None:
    """One penalty with its notice, unless one of that kind is already in force."""
    if BuyerPenalty.objects.filter(buyer_id=buyer_id, kind=kind, lifted_at__isnull=True).exists():
        return None
    now = clock.now()
    try:
        with transaction.atomic():
            penalty = BuyerPenalty.objects.create(
                buyer_id=buyer_id,
                kind=kind,
                reason_code=reason_code,
                snapshot=standing.as_dict(),
                policy_version=standing.policy_version,
                review=review,
                imposed_by=actor.label,
                imposed_at=now,
            )
    except IntegrityError:  # the same penalty placed at the same moment elsewhere
        return None
    record(
        actor=actor,
        action="credit.penalty_imposed",
        subject=penalty,
        payload={
            "buyer_id": buyer_id,
            "kind": kind,
            "reason_code": reason_code,
            "score": standing.score,
        },
    )
    publish(
        "credit.buyer_penalised",
        {
            "penalty_id": penalty.pk,
            "kind": kind,
            "reason_code": reason_code,
            "score": standing.score,
            "at": _iso(now),
        },
        merchant_id=None,
        subject=f"buyer:{buyer_id}",
        buyer_id=buyer_id,
    )
    return penalty


@transaction.atomic
def impose_penalty(*, actor: Actor, buyer_id: int, kind: str, reason_code: str) -> BuyerPenalty:
    """The desk (or the system's rules) places one friction on a buyer, with notice."""
    require(actor, "credit.penalise")
    if kind not in PENALTY_KINDS:
        raise InvalidInput.on_field("kind", f"one of {list(PENALTY_KINDS)}")
    if not Buyer.objects.filter(pk=buyer_id).exists():
        raise NotFound("No such buyer.")
    penalty = _impose(
        buyer_id=buyer_id,
        kind=kind,
        reason_code=reason_code,
        actor=actor,
        standing=selectors.buyer_standing(buyer_id),
    )
    if penalty is None:
        raise Conflict(f"A {kind} penalty is already in force on this buyer.")
    return penalty


def _appeal_upheld_since_last_facts(buyer_id: int, kind: str) -> bool:
    """A penalty an appeal removed is not placed again on the same facts: only a case the
    buyer opened after it was lifted brings it back into question."""
    from aftersales.cases.models import Case

    lifted = (
        BuyerPenalty.objects.filter(buyer_id=buyer_id, kind=kind, lifted_reason="appeal.upheld")
        .order_by("-lifted_at")
        .values_list("lifted_at", flat=True)
        .first()
    )
    if lifted is None:
        return False
    return not Case.objects.filter(buyer_id=buyer_id, opened_at__gt=lifted).exists()


@transaction.atomic
def review_buyer_standing(*, buyer_id: int, actor: Actor = SYSTEM_ACTOR) -> list[BuyerPenalty]:
    """The friction step of the action ladder: a buyer whose score fell under the penalty line
    gets the policy's penalties (no fast lane, inspection first), each with its notice. Never
    a ban; nothing happens to a buyer over the line."""
    require(actor, "credit.penalise")
    rules = current_rules()
    standing = selectors.buyer_standing(buyer_id)
    if standing.score >= rules.penalty_below:
        return []
    placed = []
    for kind in rules.penalty_kinds:
        if _appeal_upheld_since_last_facts(buyer_id, kind):
            continue
        penalty = _impose(
            buyer_id=buyer_id,
            kind=kind,
            reason_code=REASON_LOW_SCORE,
            actor=actor,
            standing=standing,
        )
        if penalty:
            placed.append(penalty)
    return placed


def _lift(penalty: BuyerPenalty, *, reason: str, actor: Actor, at: datetime) -> None:
    penalty.lifted_at, penalty.lifted_reason = at, reason
    penalty.save(update_fields=["lifted_at", "lifted_reason"])
    record(
        actor=actor,
        action="credit.penalty_lifted",
        subject=penalty,
        payload={"buyer_id": penalty.buyer_id, "kind": penalty.kind, "reason": reason},
    )


# --- Flags from shops and the review they open ------------------------------------------------


@transaction.atomic
def flag_buyer(
    *, actor: Actor, buyer_id: int, reason_code: str, note: str = "", case_id: int | None = None
) -> BuyerFlag:
    """A shop reports a buyer it has sold to. A flag alone changes nothing for the buyer; once
    open flags come from `flag_review.min_shops` (≥2) distinct shops, a review opens for a
    person to decide."""
    require(actor, "credit.flag")
    from aftersales.cases.models import Case
    from aftersales.orders.models import Order

    if reason_code not in FLAG_REASONS:
        raise InvalidInput.on_field("reason_code", f"one of {list(FLAG_REASONS)}")
    merchant_id = actor.merchant_id
    # A shop may flag only its own buyers; anyone else does not exist for it.
    if not Order.objects.filter(merchant_id=merchant_id, buyer_id=buyer_id).exists():
        raise NotFound("No such buyer.")
    if (
        case_id is not None
        and not Case.objects.filter(pk=case_id, merchant_id=merchant_id, buyer_id=buyer_id).exists()
    ):
        raise NotFound.on_field("case_id", "No such case.")
    Buyer.objects.select_for_update().filter(pk=buyer_id).first()  # one review per buyer
    if BuyerFlag.objects.filter(
        merchant_id=merchant_id, buyer_id=buyer_id, review__isnull=True, cleared_at__isnull=True
    ).exists():
        raise Conflict("Your shop already has an open flag on this buyer.")
    flag = BuyerFlag.objects.create(
        merchant_id=merchant_id,
        buyer_id=buyer_id,
        reason_code=reason_code,
        note=note,
        case_id=case_id,
        flagged_by=actor.label,
    )
    record(
        actor=actor,
        action="credit.buyer_flagged",
        subject=flag,
        merchant_id=merchant_id,
        payload={"buyer_id": buyer_id, "reason_code": reason_code},
    )
    _open_review_if_enough_shops(buyer_id, actor=actor)
    return flag


def _open_review_if_enough_shops(buyer_id: int, *, actor: Actor) -> BuyerReview | None:
    pending = BuyerFlag.objects.filter(
        buyer_id=buyer_id, review__isnull=True, cleared_at__isnull=True
    )
    shops = pending.values("merchant_id").distinct().count()
    review = BuyerReview.objects.filter(buyer_id=buyer_id, state=BuyerReview.State.OPEN).first()
    if review is None and shops < current_rules().flag_review_min_shops:
        return None
    if review is None:
        review = BuyerReview.objects.create(buyer_id=buyer_id, shops=shops)
        record(
            actor=actor,
            action="credit.review_opened",
            subject=review,
            payload={"buyer_id": buyer_id, "shops": shops},
        )
        publish(
            "credit.buyer_review_opened",
            {"review_id": review.pk, "shops": shops, "at": _iso(review.opened_at)},
            merchant_id=None,
            subject=f"buyer:{buyer_id}",
        )
    pending.update(review=review)
    review.shops = BuyerFlag.objects.filter(review=review).values("merchant_id").distinct().count()
    review.save(update_fields=["shops"])
    return review


@transaction.atomic
def decide_review(
    *,
    actor: Actor,
    review_id: int,
    outcome: Literal["clear", "penalise"],
    note: str,
    kinds: tuple[str, ...] = PENALTY_KINDS,
) -> BuyerReview:
    """A person decides a flag review: clear the buyer (the flags stop counting) or place
    penalties, each with its notice and open to appeal."""
    _person(actor, "credit.decide")
    if not note.strip():
        raise InvalidInput.on_field("note", "say why: the buyer reads it")
    review = BuyerReview.objects.select_for_update().filter(pk=review_id).first()
    if review is None:
        raise NotFound("No such review.")
    if review.state != BuyerReview.State.OPEN:
        raise NotAllowed("The review is already decided.", allowed_actions=[])
    now = clock.now()
    if outcome == "clear":
        review.state = BuyerReview.State.CLEARED
        BuyerFlag.objects.filter(review=review).update(cleared_at=now)
    elif outcome == "penalise":
        unknown = set(kinds) - set(PENALTY_KINDS)
        if unknown or not kinds:
            raise InvalidInput.on_field("kinds", f"some of {list(PENALTY_KINDS)}")
        review.state = BuyerReview.State.PENALISED
        standing = selectors.buyer_standing(review.buyer_id)
        for kind in kinds:
            _impose(
                buyer_id=review.buyer_id,
                kind=kind,
                reason_code=REASON_SHOP_FLAGS,
                actor=actor,
                standing=standing,
                review=review,
            )
    else:
        raise InvalidInput.on_field("outcome", "clear or penalise")
    review.decided_at, review.decided_by, review.note = now, actor.label, note
    review.save(update_fields=["state", "decided_at", "decided_by", "note"])
    record(
        actor=actor,
        action="credit.review_decided",
        subject=review,
        payload={"buyer_id": review.buyer_id, "outcome": outcome, "note": note},
    )
    return review


# --- Appeals -------------------------------------------------------------------------------


def _party(appeal: CreditAppeal) -> str:
    return "buyer" if appeal.penalty_id else "merchant"


def _subject_kind(appeal: CreditAppeal) -> str:
    return appeal.penalty.kind if appeal.penalty_id else appeal.restriction.kind


@transaction.atomic
def file_appeal(
    *,
    actor: Actor,
    reason: str,
    penalty_id: int | None = None,
    restriction_id: int | None = None,
) -> CreditAppeal:
    """A buyer appeals their own penalty, or a merchant its own restriction. A person decides
    within the policy's SLA (a durable deadline); past it, the penalty is suspended."""
    from aftersales.cases.deadlines import due_after

    if not reason.strip():
        raise InvalidInput.on_field("reason", "say why the penalty is wrong")
    if (penalty_id is None) == (restriction_id is None):
        raise InvalidInput.on_field("penalty_id", "appeal one penalty or one restriction")
    now = clock.now()
    rules = current_rules()
    if penalty_id is not None:
        penalty = BuyerPenalty.objects.select_for_update().filter(pk=penalty_id).first()
        # Only the buyer it concerns may appeal it; to anyone else it does not exist.
        if penalty is None or not actor.is_buyer or penalty.buyer_id != actor.buyer_id:
            raise NotFound("No such penalty.")
        if penalty.lifted_at:
            raise NotAllowed("This penalty was already removed.", allowed_actions=[])
        fields = {"penalty": penalty, "buyer_id": penalty.buyer_id}
        pending = CreditAppeal.objects.filter(penalty=penalty, state="pending")
    else:
        restriction = (
            MerchantRestriction.objects.select_for_update().filter(pk=restriction_id).first()
        )
        if (
            restriction is None
            or not actor.is_merchant_side
            or restriction.merchant_id != actor.merchant_id
        ):
            raise NotFound("No such restriction.")
        if actor.role not in {Role.MERCHANT_ADMIN, "merchant_integration"}:
            raise PermissionDenied("The shop's administrator appeals a restriction.")
        if restriction.lifted_at:
            raise NotAllowed("This restriction was already lifted.", allowed_actions=[])
        fields = {"restriction": restriction, "merchant_id": restriction.merchant_id}
        pending = CreditAppeal.objects.filter(restriction=restriction, state="pending")
    if pending.exists():
        raise Conflict("An appeal of this is already waiting for a decision.")
    due = due_after(now, rules.appeal_decision)
    appeal = CreditAppeal.objects.create(
        **fields, reason=reason, filed_by=actor.label, filed_at=now, due_at=due
    )
    AppealDeadline.objects.create(
        appeal=appeal, rule=rules.appeal_decision["source"], due_at=due, created_at=now
    )
    record(
        actor=actor,
        action="credit.appeal_filed",
        subject=appeal,
        merchant_id=appeal.merchant_id,
        payload={
            "party": _party(appeal),
            "kind": _subject_kind(appeal),
            "reason": reason,
            "due_at": _iso(due),
        },
    )
    publish(
        "credit.appeal_filed",
        {
            "appeal_id": appeal.pk,
            "party": _party(appeal),
            "kind": _subject_kind(appeal),
            "due_at": _iso(due),
            "at": _iso(now),
        },
        merchant_id=None,
        subject=f"credit_appeal:{appeal.pk}",
    )
    return appeal


@transaction.atomic
def decide_appeal(
    *, actor: Actor, appeal_id: int, outcome: Literal["upheld", "dismissed"], note: str
) -> CreditAppeal:
    """A person decides: upheld removes the penalty (and the shop flags behind it), dismissed
    keeps it (and ends a suspension the SLA brought). The appellant is told either way."""
    _person(actor, "credit.decide")
    if outcome not in ("upheld", "dismissed"):
        raise InvalidInput.on_field("outcome", "upheld or dismissed")
    if not note.strip():
        raise InvalidInput.on_field("note", "say why: the appellant reads it")
    appeal = CreditAppeal.objects.select_for_update().filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFound("No such appeal.")
    if appeal.state != CreditAppeal.State.PENDING:
        raise NotAllowed(
            f"The appeal is already {appeal.state}.", allowed_actions=[], state=appeal.state
        )
    now = clock.now()
    subject = appeal.penalty if appeal.penalty_id else appeal.restriction
    if outcome == "upheld":
        if appeal.penalty_id:
            _lift(appeal.penalty, reason="appeal.upheld", actor=actor, at=now)
            if appeal.penalty.review_id:
                BuyerFlag.objects.filter(review_id=appeal.penalty.review_id).update(cleared_at=now)
        else:
            subject.lifted_at, subject.lifted_reason = now, "appeal.upheld"
            subject.save(update_fields=["lifted_at", "lifted_reason"])
            enforce.restriction_changed(merchant_id=subject.merchant_id, kind=subject.kind)
    elif subject.suspended_at:
        subject.suspended_at = None
        subject.save(update_fields=["suspended_at"])
        if appeal.restriction_id:
            enforce.restriction_changed(merchant_id=subject.merchant_id, kind=subject.kind)
    appeal.state = outcome
    appeal.decided_at, appeal.decided_by, appeal.decision_note = now, actor.label, note
    appeal.decided_by_user_id = actor.user_id
    appeal.save(
        update_fields=["state", "decided_at", "decided_by", "decided_by_user_id", "decision_note"]
    )
    AppealDeadline.objects.filter(appeal=appeal, fired_at__isnull=True).update(cancelled_at=now)
    record(
        actor=actor,
        action="credit.appeal_decided",
        subject=appeal,
        merchant_id=appeal.merchant_id,
        payload={"party": _party(appeal), "outcome": outcome, "note": note},
    )
    publish(
        "credit.appeal_decided",
        {
            "appeal_id": appeal.pk,
            "party": _party(appeal),
            "kind": _subject_kind(appeal),
            "outcome": outcome,
            "note": note,
            "at": _iso(now),
        },
        merchant_id=appeal.merchant_id,
        subject=f"credit_appeal:{appeal.pk}",
        buyer_id=appeal.buyer_id,
    )
    return appeal


def fire_appeal_deadline(row: AppealDeadline, *, at: datetime) -> None:
    """The SLA passed with the appeal undecided: the appellant does not bear the platform's
    delay (the penalty is suspended) and the managers are told. A person still decides."""
    appeal = CreditAppeal.objects.select_for_update().get(pk=row.appeal_id)
    if appeal.state != CreditAppeal.State.PENDING:
        return
    subject = appeal.penalty if appeal.penalty_id else appeal.restriction
    if subject.lifted_at is None and subject.suspended_at is None:
        subject.suspended_at = at
        subject.save(update_fields=["suspended_at"])
        if appeal.restriction_id:
            enforce.restriction_changed(merchant_id=subject.merchant_id, kind=subject.kind)
    appeal.escalated_at = at
    appeal.save(update_fields=["escalated_at"])
    record(
        actor=SYSTEM_ACTOR,
        action="credit.appeal_overdue",
        subject=appeal,
        merchant_id=appeal.merchant_id,
        payload={"due_at": _iso(appeal.due_at), "rule": row.rule},
    )
    publish(
        "credit.appeal_overdue",
        {
            "appeal_id": appeal.pk,
            "party": _party(appeal),
            "due_at": _iso(appeal.due_at),
            "at": _iso(at),
        },
        merchant_id=None,
        subject=f"credit_appeal:{appeal.pk}",
    )


def request_activity_report(*, actor: Actor, buyer_id: int) -> dict:
    """The buyer's activity report (every return, decision and reason code), recorded as
    requested: who read whose history is itself audited."""
    report = selectors.activity_report(actor, buyer_id)
    with transaction.atomic():
        buyer = Buyer.objects.get(pk=buyer_id)
        record(
            actor=actor,
            action="credit.report_requested",
            subject=buyer,
            payload={"cases": len(report["cases"])},
        )
    return report


def review_recent_buyers(*, minutes: int = 10, limit: int = 500) -> int:
    """The friction step for every buyer whose cases moved in the last `minutes` (a new case,
    an inspection, a ruling): each reviewed in its own transaction. Overlapping runs are
    harmless (a penalty in force is not placed twice). Returns how many were reviewed."""
    from datetime import timedelta

    from aftersales.cases.models import CaseEvent

    since = clock.now() - timedelta(minutes=minutes)
    buyer_ids = list(
        CaseEvent.objects.filter(at__gte=since)
        .values_list("case__buyer_id", flat=True)
        .distinct()[:limit]
    )
    for buyer_id in buyer_ids:
        review_buyer_standing(buyer_id=buyer_id)
    return len(buyer_ids)
