"""Reads of the credit context. `buyer_standing` is the interface other contexts (risk, the
fast lane, case opening) use: a stable signature, an explainable answer, never a refusal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum

from aftersales.core import clock
from aftersales.credit.models import BuyerFlag, BuyerPenalty, BuyerReview, PenaltyKind
from aftersales.credit.rules import BuyerRule, CreditRules, current_rules

ZERO = Decimal("0")
# The case types that send goods back or ask money for them (price protection is a price
# question, not a return).
RETURN_TYPES = ("return_refund", "refund_only", "exchange", "repair", "reissue")


@dataclass(frozen=True, slots=True)
class Component:
    """One part of the score and why: the figure, what it was computed from, the line it is
    held against, and the points it cost (0 when under the line or too few to count)."""

    code: str
    source: str
    value: Decimal
    numerator: Decimal
    denominator: Decimal
    threshold: Decimal
    min_count: int
    window_days: int
    points: int

    @property
    def counted(self) -> bool:
        return self.points > 0

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "source": self.source,
            "value": str(self.value),
            "numerator": str(self.numerator),
            "denominator": str(self.denominator),
            "threshold": str(self.threshold),
            "min_count": self.min_count,
            "window_days": self.window_days,
            "points": self.points,
        }


@dataclass(frozen=True, slots=True)
class Standing:
    """A buyer's credit as the platform holds it now.

    - `score`: 0–100, 100 less the points of every component past its line.
    - `components`: each component with its figure, inputs, line and points (explainable).
    - `fast_lane_allowed`: the buyer may get 极速退款 (score at or over the fast-lane line,
      enough history, no penalty in force, no open review).
    - `inspect_first`: refunds wait for inspection (an active inspect-first penalty).
    - `flags`: reason codes behind the two booleans, e.g. `penalty.no_fast_lane`,
      `penalty.inspect_first`, `review.open`, `score.below_fast_lane`, `history.too_short`.

    Unknown buyers and buyers with no history get a standing too (no history: no fast lane,
    nothing else): a standing never refuses a request.
    """

    score: int
    components: tuple[Component, ...]
    fast_lane_allowed: bool
    inspect_first: bool
    flags: tuple[str, ...]
    buyer_id: int = 0
    orders: int = 0
    policy_version: str = ""
    computed_at: datetime | None = None
    penalties: tuple[int, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        return {
            "buyer_id": self.buyer_id,
            "score": self.score,
            "components": [c.as_dict() for c in self.components],
            "fast_lane_allowed": self.fast_lane_allowed,
            "inspect_first": self.inspect_first,
            "flags": list(self.flags),
            "orders": self.orders,
            "policy_version": self.policy_version,
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
        }


def _component(
    rule: BuyerRule, numerator: Decimal, denominator: Decimal, *, count: Decimal
) -> Component:
    """`count` is what `min_count` is held against (orders, refunded ¥, events)."""
    numerator, denominator = Decimal(numerator or 0), Decimal(denominator or 0)
    value = (numerator / denominator).quantize(Decimal("0.0001")) if denominator else ZERO
    enough = Decimal(count or 0) >= rule.min_count
    points = rule.points if enough and value >= rule.threshold else 0
    return Component(
        code=rule.code,
        source=rule.source,
        value=value,
        numerator=numerator,
        denominator=denominator,
        threshold=rule.threshold,
        min_count=rule.min_count,
        window_days=rule.window_days,
        points=points,
    )


def _since(now: datetime, rule: BuyerRule) -> datetime:
    # A look-back window of calendar days, not a business deadline.
    return now - timedelta(days=rule.window_days)


def buyer_components(
    buyer_id: int, *, rules: CreditRules, now: datetime
) -> tuple[tuple[Component, ...], int]:
    """Every component of the buyer's score, from the history the platform holds; and the
    number of orders in the longest window."""
    from aftersales.cases.models import Case, CaseEvent
    from aftersales.orders.models import Order, OrderLine
    from aftersales.refunds.models import COUNTING, Refund
    from aftersales.returns.models import Inspection

    r = {rule.code: rule for rule in rules.buyer}
    out: list[Component] = []
    orders_window = max(rule.window_days for rule in rules.buyer)
    orders_total = Order.objects.filter(
        buyer_id=buyer_id, placed_at__gte=now - timedelta(days=orders_window)
    ).count()

    if rule := r.get("return_rate"):
        since = _since(now, rule)
        orders = Order.objects.filter(buyer_id=buyer_id, placed_at__gte=since).count()
        returns = Case.objects.filter(
            buyer_id=buyer_id, opened_at__gte=since, type__in=RETURN_TYPES
        ).count()
        out.append(_component(rule, returns, orders, count=orders))
    if rule := r.get("value_ratio"):
        since = _since(now, rule)
        refunded = (
            Refund.objects.filter(
                case__buyer_id=buyer_id,
                purpose="refund",
                state__in=COUNTING,
                requested_at__gte=since,
            ).aggregate(s=Sum("amount"))["s"]
            or ZERO
        )
        bought = (
            OrderLine.objects.filter(
                order__buyer_id=buyer_id, order__placed_at__gte=since
            ).aggregate(s=Sum("paid_amount"))["s"]
            or ZERO
        )
        out.append(_component(rule, refunded, bought, count=refunded))
    if rule := r.get("refund_only_ratio"):
        since = _since(now, rule)
        orders = Order.objects.filter(buyer_id=buyer_id, placed_at__gte=since).count()
        refund_only = Case.objects.filter(
            buyer_id=buyer_id, opened_at__gte=since, type="refund_only"
        ).count()
        out.append(_component(rule, refund_only, orders, count=refund_only))
    if rule := r.get("failed_inspections"):
        failed = Inspection.objects.filter(
            case__buyer_id=buyer_id, result="fail", inspected_at__gte=_since(now, rule)
        ).count()
        out.append(_component(rule, failed, 1, count=failed))
    if rule := r.get("rulings_against"):
        against = CaseEvent.objects.filter(
            case__buyer_id=buyer_id,
            action="rule",
            payload__ruling="for_merchant",
            at__gte=_since(now, rule),
        ).count()
        out.append(_component(rule, against, 1, count=against))
    if rule := r.get("shop_flags"):
        shops = BuyerFlag.objects.filter(
            buyer_id=buyer_id, flagged_at__gte=_since(now, rule), cleared_at__isnull=True
        ).aggregate(n=Count("merchant_id", distinct=True))["n"]
        out.append(_component(rule, shops, 1, count=shops))
    return tuple(out), orders_total


def active_penalties(buyer_id: int) -> list[BuyerPenalty]:
    """Penalties in force (not lifted, not suspended while an appeal is late)."""
    return list(
        BuyerPenalty.objects.filter(
            buyer_id=buyer_id, lifted_at__isnull=True, suspended_at__isnull=True
        )
    )


def buyer_standing(buyer_id: int, *, now: datetime | None = None) -> Standing:
    """The buyer's standing now: score, its components, and whether the fast lane is open and
    refunds wait for inspection, with the reason codes for both. Read-only; never raises for
    an unknown buyer."""
    rules = current_rules()
    now = now or clock.now()
    components, orders = buyer_components(buyer_id, rules=rules, now=now)
    score = max(0, 100 - sum(c.points for c in components))
    penalties = active_penalties(buyer_id)
    kinds = {p.kind for p in penalties}
    flags: list[str] = [f"penalty.{kind}" for kind in sorted(kinds)]
    if BuyerReview.objects.filter(buyer_id=buyer_id, state=BuyerReview.State.OPEN).exists():
        flags.append("review.open")
    if score < rules.fast_lane_min_score:
        flags.append("score.below_fast_lane")
    if orders < rules.fast_lane_min_orders:
        flags.append("history.too_short")
    # Inspection first means the refund waits for the inspection: no fast lane either.
    blocked = {
        "penalty.no_fast_lane",
        "penalty.inspect_first",
        "review.open",
        "score.below_fast_lane",
        "history.too_short",
    }
    return Standing(
        score=score,
        components=components,
        fast_lane_allowed=not blocked.intersection(flags),
        inspect_first=PenaltyKind.INSPECT_FIRST in kinds,
        flags=tuple(flags),
        buyer_id=buyer_id,
        orders=orders,
        policy_version=rules.version,
        computed_at=now,
        penalties=tuple(p.pk for p in penalties),
    )


def merchant_flags_on(buyer_id: int, *, since: datetime | None = None) -> int:
    """How many distinct shops have an open flag on the buyer."""
    q = Q(buyer_id=buyer_id, review__isnull=True)
    if since:
        q &= Q(flagged_at__gte=since)
    return BuyerFlag.objects.filter(q).aggregate(n=Count("merchant_id", distinct=True))["n"]


# --- Scoped reads for the API and pages ---------------------------------------------------


def _require_buyer_access(actor, buyer_id: int) -> None:
    """A buyer reads only their own credit; the desk reads anyone's; nobody else any."""
    from aftersales.accounts.permissions import has_permission
    from aftersales.core.errors import NotFound

    if actor.is_buyer and actor.buyer_id == buyer_id:
        return
    if has_permission(actor, "credit.view_all"):
        return
    raise NotFound("No such buyer.")


def buyer_credit(actor, buyer_id: int) -> dict[str, object]:
    """The buyer's standing, the penalties on them (in force, suspended, lifted) and their
    appeals: what the buyer's credit page and GET /credit/me show."""
    _require_buyer_access(actor, buyer_id)
    from aftersales.credit.models import CreditAppeal

    return {
        "standing": buyer_standing(buyer_id),
        "penalties": list(BuyerPenalty.objects.filter(buyer_id=buyer_id)[:50]),
        "appeals": list(CreditAppeal.objects.filter(buyer_id=buyer_id).order_by("-filed_at")[:50]),
    }


def activity_report(actor, buyer_id: int, *, limit: int = 500) -> dict[str, object]:
    """Everything the platform holds that the buyer's credit reads: every return (case) with
    every decision on it and its reason code, the refunds, inspections, penalties, appeals, and
    how many shops flagged them (never which: a flag is not the buyer's to contest shop by
    shop, and naming shops invites retaliation)."""
    _require_buyer_access(actor, buyer_id)
    from aftersales.cases.models import Case, CaseEvent
    from aftersales.credit.models import CreditAppeal
    from aftersales.refunds.models import Refund
    from aftersales.returns.models import Inspection

    cases = list(
        Case.objects.filter(buyer_id=buyer_id)
        .select_related("merchant", "order")
        .order_by("-opened_at")[:limit]
    )
    ids = [c.pk for c in cases]
    events: dict[int, list] = {}
    for e in CaseEvent.objects.filter(case_id__in=ids).order_by("case_id", "seq"):
        events.setdefault(e.case_id, []).append(
            {
                "at": e.at.isoformat(),
                "action": e.action,
                "by": e.actor_role,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "rule": e.rule,
                "reason": e.payload.get("reason", "") if isinstance(e.payload, dict) else "",
                "ruling": e.payload.get("ruling", "") if isinstance(e.payload, dict) else "",
            }
        )
    refunds: dict[int, list] = {}
    for r in Refund.objects.filter(case_id__in=ids).order_by("requested_at"):
        refunds.setdefault(r.case_id, []).append(
            {"amount": str(r.amount), "state": r.state, "at": r.requested_at.isoformat()}
        )
    inspections: dict[int, list] = {}
    for i in Inspection.objects.filter(case_id__in=ids).order_by("inspected_at"):
        inspections.setdefault(i.case_id, []).append(
            {"result": i.result, "reason": i.reason, "at": i.inspected_at.isoformat()}
        )
    return {
        "buyer_id": buyer_id,
        "standing": buyer_standing(buyer_id),
        "cases": [
            {
                "case_id": c.pk,
                "merchant": c.merchant.name,
                "order": c.order.external_id,
                "type": c.type,
                "reason": c.reason,
                "state": c.state,
                "opened_at": c.opened_at.isoformat(),
                "decisions": events.get(c.pk, []),
                "refunds": refunds.get(c.pk, []),
                "inspections": inspections.get(c.pk, []),
            }
            for c in cases
        ],
        "penalties": list(BuyerPenalty.objects.filter(buyer_id=buyer_id)),
        "appeals": list(CreditAppeal.objects.filter(buyer_id=buyer_id).order_by("-filed_at")),
        "flagging_shops": merchant_flags_on(buyer_id),
    }


def merchant_credit(
    actor, merchant_id: int, *, months: int = 12, month: date | None = None
) -> dict[str, object]:
    """A merchant's ratings and metrics (with the category mean) for the last `months` rated
    months, the month to show (`chosen`), its restrictions and appeals. Another tenant's credit
    does not exist (404), nor does a month it has no rating for.

    `chosen`: the month asked for; else the last complete month (a month rated before it
    ended holds its figures to date only: `MerchantRating.partial`); else the latest rated."""
    from aftersales.accounts.permissions import require_merchant_access
    from aftersales.core.errors import NotFound
    from aftersales.credit.models import (
        CreditAppeal,
        MerchantMetric,
        MerchantRating,
        MerchantRestriction,
    )

    require_merchant_access(actor, merchant_id)
    ratings = list(
        MerchantRating.objects.filter(merchant_id=merchant_id).order_by("-month")[:months]
    )
    if month is not None:
        # A month older than the ones listed is still the merchant's to read.
        chosen = next((r for r in ratings if r.month == month), None) or (
            MerchantRating.objects.filter(merchant_id=merchant_id, month=month).first()
        )
        if chosen is None:
            raise NotFound("No rating for that month.")
    else:
        chosen = next((r for r in ratings if not r.partial), ratings[0] if ratings else None)
    month_list = [r.month for r in ratings]
    if chosen is not None and chosen not in ratings:
        month_list.append(chosen.month)
    metrics = list(
        MerchantMetric.objects.filter(merchant_id=merchant_id, month__in=month_list).order_by(
            "month", "metric"
        )
    )
    return {
        "ratings": ratings,
        "chosen": chosen,
        "metrics": metrics,
        "restrictions": list(MerchantRestriction.objects.filter(merchant_id=merchant_id)[:50]),
        "appeals": list(
            CreditAppeal.objects.filter(merchant_id=merchant_id).order_by("-filed_at")[:50]
        ),
    }


def appeals_queue(actor, *, state: str = "pending"):
    """The desk's credit appeals, soonest due first."""
    from aftersales.accounts.permissions import require
    from aftersales.credit.models import CreditAppeal

    require(actor, "credit.view_all")
    return (
        CreditAppeal.objects.filter(state=state)
        .select_related("penalty", "restriction", "buyer", "merchant")
        .order_by("due_at", "id")
    )


def reviews_queue(actor):
    from aftersales.accounts.permissions import require

    require(actor, "credit.view_all")
    return BuyerReview.objects.filter(state=BuyerReview.State.OPEN).select_related("buyer")


def active_restrictions(merchant_id: int) -> frozenset[str]:
    """The restrictions in force on a merchant (not lifted, not suspended during a late
    appeal). The case engine and the deposit ledger read the same rows through enforce.py's
    cached copy (their hooks may not query)."""
    from aftersales.credit.models import MerchantRestriction

    return frozenset(
        MerchantRestriction.objects.filter(
            merchant_id=merchant_id, lifted_at__isnull=True, suspended_at__isnull=True
        ).values_list("kind", flat=True)
    )
