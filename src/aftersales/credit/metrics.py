"""The merchant after-sales metrics of RISK-SIGNALS.md, each a declared formula over one month,
computed for every merchant at once: one grouped query per metric (set-based, no per-case
loop), returning merchant → (numerator, denominator). `value = numerator ÷ denominator`
(hours for `finish_hours`).

Dispute-based metrics (平台介入率, 纠纷退款率) belong to the disputes engine. Until it is wired,
they are computed from the case engine's appeals and platform rulings; `dispute_figures` is
the one seam the integrator replaces with `disputes.figures.monthly(merchant_id, month)`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum

from aftersales.core import clock
from aftersales.credit.response import response_figures

logger = logging.getLogger("aftersales.credit.metrics")

Figures = dict[int, tuple[Decimal, Decimal]]
# 品质退款: 描述不符, 质量问题 (spoiled, past date, broken), damaged in transit, counterfeit.
QUALITY_REASONS = ("quality_issue", "not_as_described", "damaged_in_transit", "counterfeit")
RULED_FOR_BUYER = ("for_buyer", "partial")


@dataclass(frozen=True, slots=True)
class Month:
    first: date

    @classmethod
    def parse(cls, text: str) -> Month:
        from aftersales.core.errors import InvalidInput

        try:
            year, month = text.split("-")
            return cls(date(int(year), int(month), 1))
        except ValueError:
            raise InvalidInput.on_field("month", f"{text!r} is not YYYY-MM") from None

    @classmethod
    def of(cls, moment: datetime) -> Month:
        local = clock.localtime(moment)
        return cls(date(local.year, local.month, 1))

    @property
    def label(self) -> str:
        return f"{self.first:%Y-%m}"

    @property
    def start(self) -> datetime:
        # Months are the shop's months: midnight in the local zone (Asia/Shanghai).
        return datetime.combine(self.first, datetime.min.time(), tzinfo=clock.local_zone())

    @property
    def end(self) -> datetime:
        nxt = (
            date(self.first.year + 1, 1, 1)
            if self.first.month == 12
            else date(self.first.year, self.first.month + 1, 1)
        )
        return datetime.combine(nxt, datetime.min.time(), tzinfo=clock.local_zone())

    def previous(self) -> Month:
        f = self.first
        return Month(date(f.year - 1, 12, 1) if f.month == 1 else date(f.year, f.month - 1, 1))


def _grouped(qs, key: str, **agg) -> dict[int, dict[str, Decimal]]:
    return {row[key]: row for row in qs.values(key).annotate(**agg).order_by()}


def _ratio(nums: dict, dens: dict, num_key: str = "n", den_key: str = "n") -> Figures:
    out: Figures = {}
    for merchant_id in set(nums) | set(dens):
        num = Decimal(nums.get(merchant_id, {}).get(num_key) or 0)
        den = Decimal(dens.get(merchant_id, {}).get(den_key) or 0)
        out[merchant_id] = (num, den)
    return out


def paid_sub_orders(m: Month) -> dict[int, dict]:
    from aftersales.orders.models import OrderLine

    return _grouped(
        OrderLine.objects.filter(order__paid_at__gte=m.start, order__paid_at__lt=m.end),
        "merchant_id",
        n=Count("id"),
    )


def valid_orders(m: Month) -> dict[int, dict]:
    from aftersales.orders.models import Order

    return _grouped(
        Order.objects.filter(paid_at__gte=m.start, paid_at__lt=m.end), "merchant_id", n=Count("id")
    )


def _events(m: Month, **filters):
    from aftersales.cases.models import CaseEvent

    return CaseEvent.objects.filter(at__gte=m.start, at__lt=m.end, **filters)


def dispute_refund_rate(m: Month) -> Figures:
    """纠纷退款率: sub-orders refunded after the platform ruled for the buyer ÷ paid sub-orders."""
    from aftersales.cases.models import CaseLine

    ruled = CaseLine.objects.filter(
        case__events__action="rule",
        case__events__payload__ruling__in=RULED_FOR_BUYER,
        case__events__at__gte=m.start,
        case__events__at__lt=m.end,
    )
    nums = _grouped(ruled, "merchant_id", n=Count("id", distinct=True))
    return _ratio(nums, paid_sub_orders(m))


def self_finish_rate(m: Month) -> Figures:
    """退款自主完结率: refunds finished with no platform intervention ÷ all finished refunds."""
    from aftersales.cases.models import CaseEvent

    finished = _events(m, to_state="refunded").exclude(from_state="refunded")
    intervened = CaseEvent.objects.filter(action__in=("appeal", "rule")).values("case_id")
    alone = finished.exclude(case_id__in=intervened)
    return _ratio(
        _grouped(alone, "merchant_id", n=Count("case_id", distinct=True)),
        _grouped(finished, "merchant_id", n=Count("case_id", distinct=True)),
    )


def finish_hours(m: Month) -> Figures:
    """退款完结时长: total hours from request to refund ÷ refunds finished."""
    finished = _events(m, to_state="refunded").exclude(from_state="refunded")
    took = ExpressionWrapper(F("at") - F("case__opened_at"), output_field=DurationField())
    rows = _grouped(finished, "merchant_id", total=Sum(took), n=Count("case_id", distinct=True))
    out: Figures = {}
    for merchant_id, row in rows.items():
        total = row["total"]
        hours = Decimal(total.total_seconds()) / Decimal(3600) if total else Decimal(0)
        out[merchant_id] = (hours.quantize(Decimal("0.0001")), Decimal(row["n"]))
    return out


def quality_refund_rate(m: Month) -> Figures:
    """品质退款率: sub-orders refunded for a quality reason ÷ paid sub-orders."""
    from aftersales.refunds.models import COUNTING, RefundLine

    lines = RefundLine.objects.filter(
        kind="goods",
        refund__state__in=COUNTING,
        refund__requested_at__gte=m.start,
        refund__requested_at__lt=m.end,
        refund__case__reason__in=QUALITY_REASONS,
    )
    nums = _grouped(lines, "merchant_id", n=Count("order_line_id", distinct=True))
    return _ratio(nums, paid_sub_orders(m))


def intervention_rate(m: Month) -> Figures:
    """平台介入率 (JD): orders the platform was asked into ÷ valid orders."""
    appealed = _events(m, action="appeal")
    nums = _grouped(appealed, "merchant_id", n=Count("case__order_id", distinct=True))
    return _ratio(nums, valid_orders(m))


def rejections(m: Month):
    """The merchant's rejections of the month: a `reject`, and an inspection that failed —
    both refuse the buyer, lead to `rejected` (or first to the desk's `rejection_review`) and
    are what the buyer may appeal."""
    return _events(m).filter(Q(action="reject") | Q(action="inspect", payload__result="fail"))


def overturned_rejections(m: Month):
    """The rejections the platform overturned in the month: the desk's `overturn_rejection`
    of a restricted merchant's rejection, or a ruling for the buyer (in full or in part) on
    the buyer's appeal. A ruling on a `refer` is left out: the merchant went silent on what it
    owed, it rejected nothing."""
    from aftersales.cases.models import CaseEvent

    brought_by = (
        CaseEvent.objects.filter(
            case_id=OuterRef("case_id"), seq__lt=OuterRef("seq"), action__in=("appeal", "refer")
        )
        .order_by("-seq")
        .values("action")[:1]
    )
    ruled = _events(m, action="rule", payload__ruling__in=RULED_FOR_BUYER).annotate(
        brought_by=Subquery(brought_by)
    )
    return _events(m).filter(
        Q(action="overturn_rejection") | Q(pk__in=ruled.filter(brought_by="appeal").values("pk"))
    )


def invalid_rejection_rate(m: Month) -> Figures:
    """RS-20: rejections the platform overturned ÷ the merchant's rejections, each counted in
    the month it happened (a rejection and its overturn may fall in different months)."""
    return _ratio(
        _grouped(overturned_rejections(m), "merchant_id", n=Count("id")),
        _grouped(rejections(m), "merchant_id", n=Count("id")),
    )


def late_response_rate(m: Month) -> Figures:
    """RS-22: requests opened this month whose time has run out (48 h, and a day more per
    statutory rest day they run into — `response.py`, the signal's rule) without a merchant's
    own step in time ÷ those requests."""
    return {
        merchant_id: (Decimal(r.late), Decimal(r.due))
        for merchant_id, r in response_figures(m.start, m.end).items()
    }


@dataclass(frozen=True, slots=True)
class MetricDef:
    code: str
    name_zh: str
    formula: str
    compute: Callable[[Month], Figures]
    source: str = "cases"  # where the figures come from now
    unit: str = "ratio"  # ratio, or hours


METRICS: tuple[MetricDef, ...] = (
    MetricDef(
        "dispute_refund_rate",
        "纠纷退款率",
        "ruled-for-buyer refunded sub-orders ÷ paid sub-orders",
        dispute_refund_rate,
    ),
    MetricDef(
        "self_finish_rate",
        "退款自主完结率",
        "refunds finished without the platform ÷ finished refunds",
        self_finish_rate,
    ),
    MetricDef(
        "finish_hours",
        "退款完结时长",
        "total hours request→refund ÷ refunds finished",
        finish_hours,
        unit="hours",
    ),
    MetricDef(
        "quality_refund_rate",
        "品质退款率",
        "quality-reason refunded sub-orders ÷ paid sub-orders",
        quality_refund_rate,
    ),
    MetricDef(
        "intervention_rate",
        "平台介入率",
        "orders appealed to the platform ÷ valid orders",
        intervention_rate,
    ),
    MetricDef(
        "invalid_rejection_rate",
        "无效驳回率",
        "rejections overturned ÷ rejections",
        invalid_rejection_rate,
    ),
    MetricDef(
        "late_response_rate",
        "超时响应率",
        "requests not handled in 48 h (+ statutory rest days) ÷ requests",
        late_response_rate,
    ),
)
DISPUTE_METRICS = ("intervention_rate", "dispute_refund_rate")


def dispute_figures(m: Month, merchant_ids: list[int]) -> dict[str, Figures] | None:
    """The dispute-based metrics from the disputes engine, for the merchants that had disputes
    in the month: 平台介入率 = orders the platform took up ÷ valid orders, 纠纷退款率 = executed
    rulings for the buyer that still stand ÷ paid sub-orders (`disputes.figures`). Every
    appeal opens a dispute, so a merchant with none keeps the case-engine figures (zero
    appeals, or appeals recorded before disputes existed). None when the month had none."""
    from aftersales.disputes import figures as dispute_counts

    counts = dispute_counts.numerators(m.start, m.end)
    if not counts:
        return None
    valid, paid = valid_orders(m), paid_sub_orders(m)
    intervention, refunds = {}, {}
    for merchant_id, row in counts.items():
        intervention[merchant_id] = (
            Decimal(row["disputed"]),
            Decimal(valid.get(merchant_id, {}).get("n") or 0),
        )
        refunds[merchant_id] = (
            Decimal(row["dispute_refunds"]),
            Decimal(paid.get(merchant_id, {}).get("n") or 0),
        )
    return {"intervention_rate": intervention, "dispute_refund_rate": refunds}


def compute_figures(m: Month) -> dict[str, Figures]:
    """Every metric's merchant → (numerator, denominator) for the month."""
    figures = {d.code: d.compute(m) for d in METRICS}
    merchant_ids = sorted({mid for f in figures.values() for mid in f})
    replaced = dispute_figures(m, merchant_ids)
    if replaced:
        for code in DISPUTE_METRICS:
            figures[code] = {**figures[code], **replaced.get(code, {})}
    return figures


def main_categories(m: Month, merchant_ids) -> dict[int, str]:
    """Each merchant's category: where most of its paid sub-orders of the month fall (else
    of all time; else `other`)."""
    from aftersales.orders.models import OrderLine

    def pick(qs) -> dict[int, str]:
        best: dict[int, tuple[int, str]] = {}
        rows = qs.values("merchant_id", "category").annotate(n=Count("id")).order_by()
        for row in rows:
            cur = best.get(row["merchant_id"])
            if cur is None or (row["n"], row["category"]) > cur:
                best[row["merchant_id"]] = (row["n"], row["category"])
        return {k: v[1] for k, v in best.items()}

    ids = list(merchant_ids)
    month = pick(
        OrderLine.objects.filter(
            merchant_id__in=ids, order__paid_at__gte=m.start, order__paid_at__lt=m.end
        )
    )
    missing = [i for i in ids if i not in month]
    ever = pick(OrderLine.objects.filter(merchant_id__in=missing)) if missing else {}
    return {i: month.get(i) or ever.get(i) or "other" for i in ids}


__all__ = ["METRICS", "Month", "Q", "compute_figures", "dispute_figures", "main_categories"]
