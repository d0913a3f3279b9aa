"""Reads of cases, always scoped to the actor: another tenant's case does not exist for you."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet

from aftersales.accounts.actors import Actor
from aftersales.accounts.permissions import require
from aftersales.cases.models import Case, Deadline
from aftersales.core import clock
from aftersales.core.errors import NotFound


def cases_visible_to(actor: Actor) -> QuerySet[Case]:
    require(actor, "cases.view")
    cases = Case.objects.all()
    if actor.is_platform:
        return cases
    if actor.is_merchant_side:
        return cases.filter(merchant_id=actor.merchant_id)
    if actor.is_buyer and actor.buyer_id:
        return cases.filter(buyer_id=actor.buyer_id)
    return cases.none()


def case_for(actor: Actor, case_id: int) -> Case:
    try:
        return cases_visible_to(actor).select_related("merchant", "buyer", "order").get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"No case {case_id}.") from None


def filtered_cases(
    actor: Actor,
    *,
    state: str | None = None,
    type: str | None = None,
    merchant: str | None = None,
    buyer: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    overdue: bool | None = None,
) -> QuerySet[Case]:
    """The actor's cases narrowed by the list filters. `overdue`: a deadline has passed and the
    worker has not fired it yet (the desk's "late" view)."""
    cases = cases_visible_to(actor).select_related("merchant", "order")
    if state:
        cases = cases.filter(state=state)
    if type:
        cases = cases.filter(type=type)
    if merchant:
        cases = cases.filter(merchant__code=merchant)
    if buyer:
        cases = cases.filter(buyer__external_id=buyer)
    if created_from:
        cases = cases.filter(opened_at__gte=created_from)
    if created_to:
        cases = cases.filter(opened_at__lt=created_to)
    if overdue is not None:
        late = Deadline.objects.filter(
            case=OuterRef("pk"),
            fired_at__isnull=True,
            cancelled_at__isnull=True,
            reminder=False,
            due_at__lt=clock.now(),
        )
        cases = cases.filter(Exists(late)) if overdue else cases.exclude(Exists(late))
    return cases


def review_queue(actor: Actor) -> QuerySet[Deadline]:
    """Appeals waiting for the platform's ruling, soonest due first: the desk's queue. Rows are
    the cases' ruling deadlines, so the order is an index scan on due time."""
    require(actor, "cases.review")
    return Deadline.objects.filter(
        kind="platform_ruling",
        reminder=False,
        fired_at__isnull=True,
        cancelled_at__isnull=True,
        case__state="platform_review",
    ).select_related("case", "case__merchant", "case__order")


# Evidence meant for one side: the other side does not see even that it was added.
_HIDDEN_EVIDENCE = {
    "merchant": ["buyer_and_platform", "platform"],
    "buyer": ["merchant_and_platform", "platform"],
}


def events_visible_to(actor: Actor, case: Case) -> QuerySet:
    """The case's event log as the actor may read it (`case` from `case_for`)."""
    events = case.events.all()
    side = "merchant" if actor.is_merchant_side else "buyer" if actor.is_buyer else None
    if side:
        events = events.exclude(
            action="evidence_added", payload__visibility__in=_HIDDEN_EVIDENCE[side]
        )
    return events


def _states_awaiting(party: str) -> tuple[str, ...]:
    from aftersales.cases.flows import FLOWS

    found = {t.source for flow in FLOWS.values() for t in flow.transitions if party in t.by}
    return tuple(sorted(found))


# The states in which a merchant has a step to take (from the flows, not repeated here).
MERCHANT_STATES = _states_awaiting("merchant")


def merchant_queue(
    actor: Actor,
    *,
    state: str | None = None,
    type: str | None = None,
    overdue: bool = False,
) -> QuerySet[Deadline]:
    """The merchant's work, soonest due first: one row per case waiting on them — its open
    deadline of a merchant's duration (`merchant_review`, `merchant_confirm_receipt`, … : the
    policy names the merchant's durations so). Rows are deadlines, so the order is an index scan
    on due time."""
    require(actor, "cases.view")
    rows = Deadline.objects.filter(
        reminder=False,
        fired_at__isnull=True,
        cancelled_at__isnull=True,
        kind__startswith="merchant_",
    )
    if not actor.is_platform:
        if not actor.is_merchant_side:
            return rows.none()
        rows = rows.filter(merchant_id=actor.merchant_id)
    if state:
        rows = rows.filter(guard_state=state)
    if type:
        rows = rows.filter(case__type=type)
    if overdue:
        rows = rows.filter(due_at__lt=clock.now())
    return rows.select_related("case", "case__order").order_by("due_at", "id")
