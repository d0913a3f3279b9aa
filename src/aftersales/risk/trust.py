"""Whether a buyer is trusted with the fast lane: the one function the fast lane asks. The buyer's
credit decides first (`credit.selectors.buyer_standing`: score, history, penalties, open
reviews); then risk's own conditions — an account that is not brand new, no abuse confirmed by
a person (the risk desk's review, or the platform ruling for the merchant on its claim after a
fast-lane refund: an empty box, a swap, worn goods, a return never shipped), and fewer fast-lane
refunds this month than the policy's limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q

from aftersales.cases.models import CaseEvent
from aftersales.credit.selectors import buyer_standing
from aftersales.orders.models import Order
from aftersales.risk.models import Review

FAST_LANE_RULE = "risk:fast_lane"
FAST_LANE_APPROVAL_RULE = "risk:fast_lane:approval"
# Both lanes count against the same monthly limit.
FAST_LANE_RULES = (FAST_LANE_RULE, FAST_LANE_APPROVAL_RULE)
# The platform upholding the merchant's claim after a fast-lane refund (cases/flows.py): the
# ruling `for_merchant` closes the case from `recovery_review`: the desk rules there, no timer.
CLAIM_UPHELD = {"action": "rule", "from_state": "recovery_review", "to_state": "closed"}


@dataclass(frozen=True)
class Trust:
    allowed: bool
    why: str  # the first condition that failed, or "trusted"


def fast_lane_trust(buyer_ids: list[int], *, at: datetime, limits: dict) -> dict[int, Trust]:
    """{buyer: Trust} for a batch, in four grouped reads."""
    ids = sorted(set(buyer_ids))
    if not ids:
        return {}
    orders = {
        row["buyer_id"]: row
        for row in Order.objects.filter(buyer_id__in=ids)
        .values("buyer_id")
        .annotate(
            recent=Count("id", filter=Q(placed_at__gte=at - timedelta(days=180))),
            first=Min("placed_at"),
        )
    }
    confirmed = set(
        Review.objects.filter(buyer_id__in=ids, decision=Review.Decision.CONFIRM).values_list(
            "buyer_id", flat=True
        )
    ) | set(
        CaseEvent.objects.filter(case__buyer_id__in=ids, **CLAIM_UPHELD).values_list(
            "case__buyer_id", flat=True
        )
    )
    used = dict(
        CaseEvent.objects.filter(
            rule__in=FAST_LANE_RULES, case__buyer_id__in=ids, at__gte=at - timedelta(days=30)
        )
        .values("case__buyer_id")
        .annotate(n=Count("id"))
        .values_list("case__buyer_id", "n")
    )
    out = {}
    for buyer_id in ids:
        row = orders.get(buyer_id, {"recent": 0, "first": None})
        standing = buyer_standing(buyer_id, now=at)
        if not standing.fast_lane_allowed:
            out[buyer_id] = Trust(False, "credit:" + ",".join(standing.flags))
        elif buyer_id in confirmed:
            out[buyer_id] = Trust(False, "confirmed_abuse")
        elif row["recent"] < limits["min_orders_180d"]:
            out[buyer_id] = Trust(False, "too_few_orders")
        elif row["first"] is None or row["first"] > at - timedelta(days=limits["min_account_days"]):
            out[buyer_id] = Trust(False, "new_account")
        elif used.get(buyer_id, 0) >= limits["max_per_30d"]:
            out[buyer_id] = Trust(False, "monthly_limit")
        else:
            out[buyer_id] = Trust(True, "trusted")
    return out
