"""The merchant figures each dispute feeds, per merchant per calendar month (local time), for
the risk and credit work and the merchant's own page (RISK-SIGNALS.md):

- 平台介入率 (JD, [P]): disputes the platform took up ÷ valid orders × 100 %. Disputed: the
  month's disputes on the merchant's orders, except those the platform did not accept (DS-04:
  no intervention). Valid orders: the merchant's orders paid in the month.
- 纠纷退款率 ([S]): refunds after platform intervention ruled for the buyer ÷ paid sub-orders
  × 100 %. Counted: disputes of the merchant whose ruling for the buyer (in full or in part)
  was executed in the month and still stands (an upheld appeal voids it and its money is
  reversed, so it stops counting). Paid sub-orders: the lines of the orders paid in the month.

Both are Decimal percentages to two places (half up); None when the denominator is zero."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Count, Sum

from aftersales.core import clock
from aftersales.core.money import round_money
from aftersales.disputes.flows import FOR_BUYER
from aftersales.disputes.models import Dispute, DisputeMoney
from aftersales.orders.models import Order, OrderLine

HUNDRED = Decimal(100)


def month_bounds(month: str | date) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in the local zone."""
    if isinstance(month, str):
        year, _, number = month.partition("-")
        first = date(int(year), int(number), 1)
    else:
        first = month.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    zone = clock.local_zone()
    return datetime.combine(first, time(), zone), datetime.combine(following, time(), zone)


def _rate(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return round_money(Decimal(numerator) * HUNDRED / Decimal(denominator))


def monthly(merchant_id: int, month: str | date) -> dict:
    """平台介入率 and 纠纷退款率 of one merchant for one month, with their counts."""
    start, end = month_bounds(month)
    paid = Order.objects.filter(merchant_id=merchant_id, paid_at__gte=start, paid_at__lt=end)
    valid_orders = paid.count()
    sub_orders = OrderLine.objects.filter(order__in=paid).count()
    disputed = (
        Dispute.objects.filter(merchant_id=merchant_id, opened_at__gte=start, opened_at__lt=end)
        .exclude(state="not_accepted")
        .count()
    )
    executed = Dispute.objects.filter(
        merchant_id=merchant_id,
        ruling__in=FOR_BUYER,
        ruling_void=False,
        executed_at__gte=start,
        executed_at__lt=end,
    ).values_list("pk", flat=True)
    # A ruling counts when money it moved to the buyer still stands (net of reversals).
    standing = (
        DisputeMoney.objects.filter(
            dispute_id__in=list(executed), kind__in=["refund", "compensation"]
        )
        .values("dispute_id")
        .annotate(net=Sum("amount"))
        .filter(net__gt=0)
    )
    refunded_disputes = len(standing)
    label = start.strftime("%Y-%m")
    return {
        "merchant_id": merchant_id,
        "month": label,
        "valid_orders": valid_orders,
        "disputed": disputed,
        "intervention_rate": _rate(disputed, valid_orders),
        "paid_sub_orders": sub_orders,
        "dispute_refunds": refunded_disputes,
        "dispute_refund_rate": _rate(refunded_disputes, sub_orders),
        "sources": {
            "intervention_rate": "RISK-SIGNALS 平台介入率 (JD): disputed ÷ valid orders × 100 %",
            "dispute_refund_rate": "RISK-SIGNALS 纠纷退款率: refunds ruled for buyer ÷ paid "
            "sub-orders × 100 %",
        },
    }


def numerators(start: datetime, end: datetime) -> dict[int, dict[str, int]]:
    """Both figures' numerators for every merchant with disputes in [start, end), in two
    grouped queries: `disputed` (distinct orders the platform took up) and `dispute_refunds`
    (disputes whose ruling for the buyer was executed in the period and still stands). The
    credit work divides them by its own denominators for all merchants at once."""
    out: dict[int, dict[str, int]] = {}
    disputed = (
        Dispute.objects.filter(opened_at__gte=start, opened_at__lt=end)
        .exclude(state="not_accepted")
        .values("merchant_id")
        .annotate(n=Count("order_id", distinct=True))
        .order_by()
    )
    for row in disputed:
        out.setdefault(row["merchant_id"], {"disputed": 0, "dispute_refunds": 0})
        out[row["merchant_id"]]["disputed"] = row["n"]
    standing = (
        DisputeMoney.objects.filter(
            dispute__ruling__in=FOR_BUYER,
            dispute__ruling_void=False,
            dispute__executed_at__gte=start,
            dispute__executed_at__lt=end,
            kind__in=["refund", "compensation"],
        )
        .values("dispute_id", "merchant_id")
        .annotate(net=Sum("amount"))
        .filter(net__gt=0)
        .order_by()
    )
    for row in standing:
        out.setdefault(row["merchant_id"], {"disputed": 0, "dispute_refunds": 0})
        out[row["merchant_id"]]["dispute_refunds"] += 1
    return out
