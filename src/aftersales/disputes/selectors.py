"""Reads of disputes, always scoped to the actor: the buyer sees their own, a merchant its
shop's, the platform all; another tenant's dispute does not exist for you."""

from __future__ import annotations

from django.db.models import Min, Q, QuerySet

from aftersales.accounts.actors import Actor
from aftersales.accounts.permissions import require
from aftersales.core.errors import NotFound
from aftersales.disputes.models import Dispute, DisputeEvidence, EvidenceRequest


def disputes_visible_to(actor: Actor) -> QuerySet[Dispute]:
    require(actor, "cases.view")
    disputes = Dispute.objects.all()
    if actor.is_platform:
        return disputes
    if actor.is_merchant_side:
        return disputes.filter(merchant_id=actor.merchant_id)
    if actor.is_buyer and actor.buyer_id:
        return disputes.filter(buyer_id=actor.buyer_id)
    return disputes.none()


def dispute_for(actor: Actor, dispute_id: int) -> Dispute:
    try:
        return (
            disputes_visible_to(actor)
            .select_related("merchant", "buyer", "order", "case")
            .get(pk=dispute_id)
        )
    except (Dispute.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"No dispute {dispute_id}.") from None


def with_next_due(disputes: QuerySet[Dispute]) -> QuerySet[Dispute]:
    """Each dispute's soonest running deadline as `next_due_at` (frozen ones do not run)."""
    running = Q(
        deadlines__fired_at__isnull=True,
        deadlines__cancelled_at__isnull=True,
        deadlines__paused_at__isnull=True,
    )
    return disputes.annotate(next_due_at=Min("deadlines__due_at", filter=running))


def filtered(actor: Actor, *, state: str | None = None, merchant: str | None = None):
    found = with_next_due(disputes_visible_to(actor).select_related("merchant", "order"))
    if state:
        found = found.filter(state=state)
    if merchant:
        found = found.filter(merchant__code=merchant)
    return found


def desk_queue(actor: Actor) -> QuerySet[Dispute]:
    """Open disputes for the desk, soonest due first (those with no clock running last)."""
    require(actor, "cases.review")
    from django.db.models import F

    return (
        with_next_due(Dispute.objects.exclude(state__in=["not_accepted", "settled", "closed"]))
        .select_related("merchant", "order")
        .order_by(F("next_due_at").asc(nulls_last=True), "opened_at", "id")
    )


def requests_of(dispute: Dispute) -> list[EvidenceRequest]:
    return list(EvidenceRequest.objects.filter(dispute=dispute).order_by("asked_at", "id"))


def asked_of(actor: Actor, dispute: Dispute) -> list[EvidenceRequest]:
    """The open requests the actor's side must answer."""
    from aftersales.cases.flows import party_of

    return [r for r in requests_of(dispute) if r.state == "open" and r.party == party_of(actor)]


def evidence_of(dispute: Dispute) -> list[DisputeEvidence]:
    return list(DisputeEvidence.objects.filter(dispute=dispute).order_by("submitted_at", "id"))


def execution_of(dispute: Dispute) -> dict | None:
    """What each side sees of the ruling's execution (on a dispute it may already see): who
    executed it, the money it moved (and reversals), and — when the platform executed it past
    DS-19 — the recovery from the merchant and the merchant's contest (GF-03) with its
    outcome. None before the ruling moved any money."""
    from aftersales.disputes.execution import recovery_of
    from aftersales.disputes.models import DisputeMoney

    money = list(DisputeMoney.objects.filter(dispute=dispute).order_by("at", "id"))
    if not dispute.executed_by and not money:
        return None
    record = recovery_of(dispute) if dispute.executed_by == "platform" or money else None
    recovery = None
    if record is not None:
        claim = record.claim
        recovery = {
            "id": record.pk,
            "amount": record.amount,
            "recovered": claim.recovered,
            "outstanding": claim.outstanding,
            "claim_state": claim.state,
            "contest_due_at": record.contest_due_at,
            "contest_rule": record.contest_rule,
            "contest_state": record.contest_state,
            "contest_reason": record.contest_reason,
            "contested_at": record.contested_at,
            "decided_at": record.decided_at,
            "decision_note": record.decision_note,
        }
    return {
        "executed_by": dispute.executed_by,
        "executed_at": dispute.executed_at,
        "money": money,
        "recovery": recovery,
    }
