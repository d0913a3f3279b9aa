"""Reads of cases, always scoped to the actor: another tenant's case does not exist for you."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate

from aftersales.accounts.actors import MERCHANT_INTEGRATION, Actor
from aftersales.accounts.models import MERCHANT_ROLE_ORDER
from aftersales.accounts.permissions import require
from aftersales.cases.models import Case, CaseEvent, Deadline
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


# Appeals, restricted merchants' rejections, merchants' claims after a fast-lane refund.
PLATFORM_STATES = ("platform_review", "rejection_review", "recovery_review")


def review_queue(actor: Actor) -> QuerySet[Deadline]:
    """Appeals waiting for the platform's ruling, restricted merchants' rejections waiting
    for its look (`rejection_review`) and merchants' claims after a fast-lane refund
    (`recovery_review`), soonest due first: the desk's queue. Rows are the cases'
    ruling deadlines, so the order is an index scan on due time."""
    require(actor, "cases.review")
    return Deadline.objects.filter(
        kind="platform_ruling",
        reminder=False,
        fired_at__isnull=True,
        cancelled_at__isnull=True,
        case__state__in=PLATFORM_STATES,
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
    search: str = "",
) -> QuerySet[Deadline]:
    """The merchant's work, soonest due first: one row per case waiting on them — its open
    deadline of a merchant's duration (`merchant_review`, `merchant_confirm_receipt`, … : the
    policy names the merchant's durations so). Rows are deadlines, so the order is an index scan
    on due time. `search` is a case number (`123` or `#123`) or the shop's order number, exact
    (a case number also matches an order so numbered)."""
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
        rows = rows.filter(case_type=type)
    if overdue:
        rows = rows.filter(due_at__lt=clock.now())
    search = search.strip()
    if search:
        rows = rows.filter(case_id__in=_searched_cases(search))
    return rows.select_related("case", "case__order").order_by("due_at", "id")


def _searched_cases(search: str) -> list[int]:
    """The cases a queue search names, as one statement of two index look-ups (a UNION: an OR
    across the join would make PostgreSQL read the tenant's whole queue). The queue's own
    tenant filter still applies to what this finds."""
    found = Case.objects.filter(order__external_id=search).order_by().values_list("pk", flat=True)
    number = search.removeprefix("#")
    if number.isdigit() and len(number) < 19:
        found = found.union(
            Case.objects.filter(pk=int(number)).order_by().values_list("pk", flat=True)
        )
    return list(found[:PAGE_SEARCH_LIMIT])


PAGE_SEARCH_LIMIT = 200  # an order has a handful of cases; a runaway match stops here


# --- The merchant's figures ------------------------------------------------------------------


@dataclass(frozen=True)
class MerchantMetrics:
    """A shop's last `days` days: cases opened per local day and type, how approvals were made,
    how fast the shop first acted, what is overdue now and what was refunded."""

    days: list[date]
    opened: dict[str, list[int]]  # type → count per day, in `days` order
    approvals: int
    automatic_approvals: int
    median_first_action: timedelta | None
    overdue: int
    refunded: list[tuple[str, Decimal]]  # (currency, total)

    @property
    def automatic_share(self) -> float | None:
        return self.automatic_approvals / self.approvals if self.approvals else None


def merchant_metrics(actor: Actor, *, days: int = 30) -> MerchantMetrics:
    """Five aggregate statements whatever the number of cases (the median is taken over one
    column of the window's cases: SQLite has no percentile aggregate)."""
    zone = clock.local_zone()
    today = clock.localtime(clock.now()).date()
    first_day = today - timedelta(days=days - 1)
    start = datetime.combine(first_day, time.min, tzinfo=zone)
    cases = cases_visible_to(actor).filter(opened_at__gte=start)
    per_day = (
        cases.annotate(day=TruncDate("opened_at", tzinfo=zone))
        .values("day", "type")
        .annotate(n=Count("id"))
        .order_by()
    )
    calendar = [first_day + timedelta(days=i) for i in range(days)]
    opened: dict[str, list[int]] = {}
    for row in per_day:
        opened.setdefault(row["type"], [0] * days)[(row["day"] - first_day).days] += row["n"]

    events = CaseEvent.objects.filter(action="approve", at__gte=start)
    if not actor.is_platform:
        events = events.filter(merchant_id=actor.merchant_id)
    approvals = events.aggregate(
        total=Count("id"), automatic=Count("id", filter=Q(actor_kind="system"))
    )

    merchant_side = [*MERCHANT_ROLE_ORDER, MERCHANT_INTEGRATION]
    first_action = CaseEvent.objects.filter(
        case=OuterRef("pk"), actor_role__in=merchant_side
    ).order_by("seq")
    waits = sorted(
        first - opened_at
        for opened_at, first in cases.annotate(first=Subquery(first_action.values("at")[:1]))
        .filter(first__isnull=False)
        .values_list("opened_at", "first")
    )
    median = None
    if waits:
        middle = len(waits) // 2
        median = waits[middle] if len(waits) % 2 else (waits[middle - 1] + waits[middle]) / 2

    refunded = (
        cases.filter(refund_amount__isnull=False)
        .values("currency")
        .annotate(total=Sum("refund_amount"))
        .order_by("currency")
    )
    return MerchantMetrics(
        days=calendar,
        opened=dict(sorted(opened.items())),
        approvals=approvals["total"],
        automatic_approvals=approvals["automatic"],
        median_first_action=median,
        overdue=merchant_queue(actor, overdue=True).count(),
        refunded=[(r["currency"], r["total"]) for r in refunded],
    )
