"""Merchant-side abuse signals (RISK-SIGNALS.md RS-16..RS-22), each a small declared function
over one month's data, for every merchant at once (grouped queries). A signal never restricts
by itself: it is shown with its reason code and inputs to a person (safeguard H) and stored in
the month's rating snapshot. Where the platform lacks the data a signal wants (outbound parcel
weights, staff addresses), the function says which proxy it uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncHour

from aftersales.credit.metrics import (
    DISPUTE_METRICS,
    Figures,
    Month,
    dispute_figures,
    dispute_refund_rate,
    intervention_rate,
    invalid_rejection_rate,
    main_categories,
)
from aftersales.credit.response import response_figures


@dataclass(frozen=True, slots=True)
class Hit:
    value: Decimal
    inputs: dict[str, object]


@dataclass(frozen=True, slots=True)
class Signal:
    id: str
    code: str
    compute: Callable[[Month], dict[int, Hit]]
    line: str  # when it fires, in words (the threshold is the function's)
    safeguard: str


def fake_tracking(m: Month) -> dict[int, Hit]:
    """RS-19: the merchant's replacement parcels with no carrier scan 72 h after they were
    said to ship (recheck at 72 h for carrier lag), or a tracking number reused on another
    case. Fires on any."""
    from aftersales.returns.models import Shipment, TrackingEvent

    sent = Shipment.objects.filter(
        direction="replacement", shipped_at__gte=m.start, shipped_at__lt=m.end
    )
    scans = TrackingEvent.objects.filter(shipment=OuterRef("pk"))
    unknown = sent.filter(shipped_at__lte=m.end - timedelta(hours=72)).exclude(Exists(scans))
    reused = sent.filter(
        Exists(
            Shipment.objects.filter(
                carrier=OuterRef("carrier"), tracking_no=OuterRef("tracking_no")
            ).exclude(case_id=OuterRef("case_id"))
        )
    )
    out: dict[int, Hit] = {}
    for row in unknown.values("merchant_id").annotate(n=Count("id")).order_by():
        out[row["merchant_id"]] = Hit(Decimal(row["n"]), {"unscanned_72h": row["n"]})
    for row in reused.values("merchant_id").annotate(n=Count("id")).order_by():
        hit = out.get(row["merchant_id"])
        inputs = {**(hit.inputs if hit else {}), "reused_numbers": row["n"]}
        out[row["merchant_id"]] = Hit((hit.value if hit else 0) + row["n"], inputs)
    return out


def empty_parcels(m: Month) -> dict[int, Hit]:
    """RS-18 (proxy: no outbound weights are held): signed-for orders whose buyer reported
    missing parts or nothing received, ÷ the merchant's signed orders; fires ≥ 0.3 with ≥ 5."""
    from aftersales.cases.models import Case
    from aftersales.orders.models import Shipment

    signed = Shipment.objects.filter(signed_at__gte=m.start, signed_at__lt=m.end)
    claims = Case.objects.filter(
        reason__in=("missing_parts", "not_received"),
        order__shipments__signed_at__gte=m.start,
        order__shipments__signed_at__lt=m.end,
    )
    dens = {
        r["merchant_id"]: r["n"]
        for r in signed.values("merchant_id")
        .annotate(n=Count("order_id", distinct=True))
        .order_by()
    }
    out = {}
    for r in claims.values("merchant_id").annotate(n=Count("order_id", distinct=True)).order_by():
        den = dens.get(r["merchant_id"], 0)
        if den >= 5 and Decimal(r["n"]) / den >= Decimal("0.3"):
            out[r["merchant_id"]] = Hit(
                (Decimal(r["n"]) / den).quantize(Decimal("0.0001")),
                {"claims": r["n"], "signed_orders": den},
            )
    return out


def invalid_rejections(m: Month) -> dict[int, Hit]:
    """RS-20: overturned ÷ rejections > 10 %, from 20 rejections."""
    out = {}
    for merchant_id, (num, den) in invalid_rejection_rate(m).items():
        if den >= 20 and num / den > Decimal("0.10"):
            out[merchant_id] = Hit(
                (num / den).quantize(Decimal("0.0001")), {"overturned": num, "rejections": den}
            )
    return out


def brushing(m: Month) -> dict[int, Hit]:
    """RS-16: shop-hours with ≥ 3 orders per unique buyer (and ≥ 6 orders); counts the hours."""
    from aftersales.orders.models import Order

    hours = (
        Order.objects.filter(placed_at__gte=m.start, placed_at__lt=m.end)
        .annotate(hour=TruncHour("placed_at"))
        .values("merchant_id", "hour")
        .annotate(orders=Count("id"), buyers=Count("buyer_id", distinct=True))
        .filter(Q(orders__gte=6) & Q(orders__gte=F("buyers") * 3))
        .order_by()
    )
    counts: dict[int, int] = {}
    for row in hours:
        counts[row["merchant_id"]] = counts.get(row["merchant_id"], 0) + 1
    return {mid: Hit(Decimal(n), {"hours": n}) for mid, n in counts.items()}


def collusion(m: Month) -> dict[int, Hit]:
    """RS-17 (proxy: no staff device or address data): buyers with ≥ 5 orders at the shop in
    the month who bought nowhere else, a dense buyer–shop block; fires from 3 such buyers."""
    from aftersales.orders.models import Order

    in_month = Order.objects.filter(placed_at__gte=m.start, placed_at__lt=m.end)
    pairs = in_month.values("merchant_id", "buyer_id").annotate(n=Count("id")).filter(n__gte=5)
    elsewhere = in_month.filter(buyer_id=OuterRef("buyer_id")).exclude(
        merchant_id=OuterRef("merchant_id")
    )
    loyal = pairs.annotate(other=Exists(elsewhere)).filter(other=False).order_by()
    counts: dict[int, int] = {}
    for row in loyal:
        counts[row["merchant_id"]] = counts.get(row["merchant_id"], 0) + 1
    return {mid: Hit(Decimal(n), {"dense_buyers": n}) for mid, n in counts.items() if n >= 3}


# RS-21: 平台介入率 or 纠纷退款率 above twice the category's mean (of the other merchants).
PEER_FACTOR = Decimal(2)
MIN_DISPUTES = 2  # one dispute is not a rate
MIN_ORDERS = 20


def above_peers(figures: dict[str, Figures], categories: dict[int, str]) -> dict[int, Hit]:
    """RS-21 on given figures: a merchant whose rate is > 2× the mean of the other merchants
    of its category, from 2 disputes and 20 orders. A campaign that lifts the whole category
    lifts the peers' mean with it; a category with no other merchant is not compared."""
    out: dict[int, Hit] = {}
    for code, by_merchant in sorted(figures.items()):
        rates = {m: num / den for m, (num, den) in by_merchant.items() if den}
        for merchant_id, (num, den) in by_merchant.items():
            if num < MIN_DISPUTES or den < MIN_ORDERS:
                continue
            cat = categories.get(merchant_id, "other")
            peers = [
                r
                for m, r in rates.items()
                if m != merchant_id and categories.get(m, "other") == cat
            ]
            if not peers:
                continue
            mean = sum(peers) / len(peers)
            rate = num / den
            if rate > PEER_FACTOR * mean:
                hit = out.get(merchant_id)
                inputs = {**(hit.inputs if hit else {}), code: rate.quantize(Decimal("0.0001")),
                          f"{code}_peers_mean": mean.quantize(Decimal("0.0001")),
                          f"{code}_peers": len(peers)}  # fmt: skip
                value = max(hit.value if hit else Decimal(0), rate.quantize(Decimal("0.0001")))
                out[merchant_id] = Hit(value, inputs)
    return out


def dispute_rates(m: Month) -> dict[int, Hit]:
    """RS-21: the month's 平台介入率 and 纠纷退款率 (from the disputes engine where it has them,
    as the rating reads them) against the category's peers."""
    figures = {
        "intervention_rate": intervention_rate(m),
        "dispute_refund_rate": dispute_refund_rate(m),
    }
    merchant_ids = sorted({mid for f in figures.values() for mid in f})
    replaced = dispute_figures(m, merchant_ids)
    if replaced:
        for code in DISPUTE_METRICS:
            figures[code] = {**figures[code], **replaced.get(code, {})}
    merchant_ids = sorted({mid for f in figures.values() for mid in f})
    return above_peers(figures, main_categories(m, merchant_ids))


# RS-22: requests the merchant did not handle in time ÷ requests (the rule: response.py).
LATE_SHARE = Decimal("0.10")
MIN_REQUESTS = 10  # a shop with three requests is not judged on one


def late_responses(m: Month) -> dict[int, Hit]:
    """RS-22: > 10 % of the month's requests (whose time has run out) without a merchant's own
    step in time, from 10 such requests — counted as the graded `late_response_rate` counts
    them. A year the calendar does not know counts its days as ordinary ones, and the inputs
    say how many requests that concerned."""
    out = {}
    for merchant_id, r in response_figures(m.start, m.end).items():
        if r.due >= MIN_REQUESTS and Decimal(r.late) / r.due > LATE_SHARE:
            inputs = {"late": r.late, "requests": r.due}
            if r.calendar_unknown:
                inputs["calendar_unknown"] = r.calendar_unknown
            out[merchant_id] = Hit((Decimal(r.late) / r.due).quantize(Decimal("0.0001")), inputs)
    return out


SIGNALS: tuple[Signal, ...] = (
    Signal("RS-16", "brushing", brushing, "≥3 orders per buyer in a shop-hour", "H"),
    Signal("RS-17", "collusion", collusion, "≥3 single-shop buyers with ≥5 orders", "H"),
    Signal("RS-18", "empty_parcels", empty_parcels, "≥30 % of signed orders claimed empty", "H, A"),
    Signal("RS-19", "fake_tracking", fake_tracking, "any unscanned at 72 h or reused", "E, A"),
    Signal("RS-20", "invalid_rejections", invalid_rejections, ">10 % overturned, ≥20", "E, A"),
    Signal("RS-21", "dispute_rates", dispute_rates, "介入率 or 纠纷退款率 >2× category mean", "A"),
    Signal(
        "RS-22",
        "late_responses",
        late_responses,
        ">10 % not handled in 48 h + rest days, ≥10",
        "E",
    ),
)


def merchant_signals(m: Month) -> dict[int, list[dict[str, object]]]:
    """merchant → the signals that fired this month, with their inputs."""
    out: dict[int, list[dict[str, object]]] = {}
    for signal in SIGNALS:
        for merchant_id, hit in signal.compute(m).items():
            out.setdefault(merchant_id, []).append(
                {
                    "id": signal.id,
                    "code": signal.code,
                    "value": str(hit.value),
                    "inputs": {k: str(v) for k, v in hit.inputs.items()},
                    "line": signal.line,
                    "safeguard": signal.safeguard,
                }
            )
    return out
