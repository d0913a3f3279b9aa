"""The eligibility decision: a pure function of its inputs (the order line's facts, the request,
a compiled policy version and the business calendar). No database, no clock: the same inputs
always give the same decision, which is what lets a case be judged by its version to the end.

Each request type declares the checks it runs, in order (`CHECKS`). A check looks at the
context, may add a reason (code + source row) and a trace line, and may stop the checks that
depend on it (a line not yet delivered has no return window to judge)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from operator import attrgetter
from typing import Any

from aftersales.core.calendar import BusinessCalendar, CalendarUnknown
from aftersales.core.money import CENT
from aftersales.policy.compiled import CompiledPolicy, Effective
from aftersales.policy.vocabulary import (
    CONDITION_NAMES,
    EXCLUSION_NAMES,
    FAULT_REASONS,
    MESSAGES,
    REQUEST_TYPES,
    TYPE_NAMES,
    WINDOW_NAMES,
)

ZERO = Decimal("0.00")

# Which reasons each type answers. Outside these the type is simply not the remedy.
TYPE_REASONS: dict[str, frozenset[str]] = {
    "refund_only": frozenset({"no_reason", "not_received", *FAULT_REASONS}),
    "return_refund": frozenset({"no_reason", *FAULT_REASONS}),
    "exchange": frozenset({"no_reason", *FAULT_REASONS}),
    "repair": frozenset({"quality_issue"}),
    "reissue": frozenset({"missing_parts", "not_received", "damaged_in_transit", "wrong_item"}),
    "price_protection": frozenset({"price_drop"}),
}


# --- Inputs and output -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineFacts:
    """What the platform knows of one order line, taken from the order as the shop sent it."""

    merchant: str
    line_id: str
    sku: str
    category: str
    quantity: int
    unit_price: Decimal
    paid_amount: Decimal  # the line's share after line and order discounts
    currency: str
    placed_at: datetime
    paid_at: datetime
    customized: bool = False
    fresh_perishable: bool = False
    digital: bool = False
    periodical: bool = False
    warranty_months: int = 0
    confirmed_exclusions: tuple[tuple[str, datetime], ...] = ()
    gifts_marked_price: Decimal = ZERO
    freight_insurance: bool = False
    shipped_at: datetime | None = None
    signed_at: datetime | None = None
    installed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class History:
    """What earlier cases on this line did; the case engine fills it, zero for a new line."""

    claimed_quantity: int = 0  # under open cases or already returned
    refunded_amount: Decimal = ZERO
    failed_repairs: int = 0
    warranty_restarted_at: datetime | None = None  # an exchange restarts it
    repair_days: int = 0  # time in repair does not count against the warranty
    longest_repair_days: int = 0  # one repair over the limit opens exchange or return (3B-04)


NO_HISTORY = History()


@dataclass(frozen=True, slots=True)
class EligibilityRequest:
    line: LineFacts
    type: str
    reason: str
    quantity: int
    at: datetime
    condition: str = "unopened"
    history: History = NO_HISTORY
    gifts_kept: bool = False
    new_unit_price: Decimal | None = None  # price protection: the lowered price


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    source: str
    params: tuple[tuple[str, Any], ...] = ()

    def message(self, language: str = "zh-hans") -> str:
        zh, en = MESSAGES[self.code]
        params = {
            k: v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, datetime) else v
            for k, v in self.params
        }
        return (en if language.startswith("en") else zh).format(**params)

    def as_json(self, language: str = "zh-hans") -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message(language),
            "messages": {"zh-Hans": self.message("zh-hans"), "en": self.message("en")},
            "source": self.source,
        }


@dataclass(slots=True)
class Decision:
    eligible: bool
    reasons: list[Reason]
    window_ends_at: datetime | None
    allowed_types: list[str]
    refundable_amount: Decimal
    currency: str
    return_shipping_paid_by: str
    required_evidence: list[str]
    policy_version: str
    approval: str
    trace: list[dict[str, str]] | None = None

    def as_json(self, language: str = "zh-hans") -> dict[str, Any]:
        out: dict[str, Any] = {
            "eligible": self.eligible,
            "reasons": [r.as_json(language) for r in self.reasons],
            "window_ends_at": self.window_ends_at.isoformat() if self.window_ends_at else None,
            "allowed_types": self.allowed_types,
            "refundable_amount": f"{self.refundable_amount:.2f}",
            "currency": self.currency,
            "return_shipping_paid_by": self.return_shipping_paid_by,
            "required_evidence": self.required_evidence,
            "policy_version": self.policy_version,
            "approval": self.approval,
        }
        if self.trace is not None:
            out["trace"] = self.trace
        return out


# --- The calendar the decision needs ---------------------------------------------------------


@lru_cache(maxsize=65536)
def _window_end(
    start: date, days: int, mode: str, calendar: BusinessCalendar, zone: tzinfo
) -> datetime:
    """Day 1 is the day after `start`; the window ends 24:00 of day `days` (NR-02, 民法典§201),
    moved past a statutory rest block per `mode` (民法典§203; ambiguity 2). Returned as the
    last second, 23:59:59 local: a request strictly before the next midnight is inside."""
    last_day = start + timedelta(days=days)
    if mode != "off":
        last_day = calendar.extend_past_rest(last_day, mode=mode)  # CalendarUnknown: fail closed
    return datetime.combine(last_day, time(23, 59, 59), tzinfo=zone)


def _inside(at: datetime, ends: datetime) -> bool:
    return at < ends + timedelta(seconds=1)


# --- The context checks read ----------------------------------------------------------------


class Context:
    """One run of a type's checks. `type` and `reason` are what is being judged: the request's
    own, or an alternative the decision tries for `allowed_types`."""

    __slots__ = (
        "approval",
        "calendar",
        "explain",
        "fault",
        "reason",
        "reasons",
        "request",
        "rules",
        "stopped",
        "trace",
        "type",
        "window_ends_at",
        "zone",
    )

    def __init__(
        self,
        request: EligibilityRequest,
        rules: Effective,
        calendar: Any,
        zone: tzinfo,
        explain: bool,
        type_: str,
        reason: str,
    ) -> None:
        self.request = request
        self.rules = rules
        self.calendar = calendar
        self.zone = zone
        self.explain = explain
        self.type = type_
        self.reason = reason
        self.fault = reason in FAULT_REASONS
        self.reasons: list[Reason] = []
        self.trace: list[dict[str, str]] = []
        self.window_ends_at: datetime | None = None
        self.approval = "merchant"
        self.stopped = False

    def fail(self, code: str, source: str, **params: Any) -> None:
        self.reasons.append(Reason(code, source, tuple(params.items())))
        if self.explain:
            self.trace.append(
                {
                    "rule": code,
                    "source": source,
                    "outcome": "fail",
                    "detail": Reason(code, source, tuple(params.items())).message("en"),
                }
            )

    def note(self, rule: str, source: str, outcome: str, detail: str, **values: Any) -> None:
        """A trace line; `detail` is a format string filled only when explaining (the hot path
        never pays for text nobody reads)."""
        if self.explain:
            self.trace.append(
                {
                    "rule": rule,
                    "source": source,
                    "outcome": outcome,
                    "detail": detail.format(**values) if values else detail,
                }
            )

    def source(self, rule: str) -> str:
        return self.rules.sources[rule]

    def local(self, value: datetime) -> date:
        return value.astimezone(self.zone).date()


Check = Callable[[Context], None]


def _type_names(type_: str) -> dict[str, str]:
    zh, en = TYPE_NAMES[type_]
    return {"type_zh": zh, "type_en": en}


def check_reason_fits_type(ctx: Context) -> None:
    if ctx.reason not in TYPE_REASONS[ctx.type]:
        ctx.fail("type_not_allowed", "platform", **_type_names(ctx.type))
        ctx.stopped = True
    else:
        ctx.note(
            "reason_fits_type",
            "platform",
            "pass",
            "{reason} is answered by {type}",
            reason=ctx.reason,
            type=ctx.type,
        )


def check_quantity(ctx: Context) -> None:
    req = ctx.request
    remaining = req.line.quantity - req.history.claimed_quantity
    if req.quantity > remaining:
        ctx.fail("quantity_exceeded", "order", remaining=max(remaining, 0))
    else:
        ctx.note(
            "quantity",
            "order",
            "pass",
            "{asked} of {remaining} still claimable",
            asked=req.quantity,
            remaining=remaining,
        )


def check_delivered(ctx: Context) -> None:
    """Goods must be in the buyer's hands (签收, EC-02) before they can go back or be fixed."""
    line = ctx.request.line
    if line.signed_at is None:
        ctx.fail("not_delivered", "EC-02", **_type_names(ctx.type))
        ctx.stopped = True
    else:
        ctx.note("delivered", "EC-02", "pass", "signed for {at}", at=line.signed_at)


def _quality_clock_start(ctx: Context) -> datetime:
    """The later of delivery and installation (Q-04; ambiguity 3), or as the policy says."""
    line = ctx.request.line
    mode = ctx.rules.quality_clock
    if mode == "delivery" or line.installed_at is None:
        return line.signed_at
    if mode == "installation":
        return line.installed_at
    return max(line.signed_at, line.installed_at)


def _judge_window(
    ctx: Context, *, start: datetime, days: int, rule: str, window: str, extend: bool = True
) -> bool:
    mode = ctx.rules.holiday_extension if extend else "off"
    try:
        ends = _window_end(ctx.local(start), days, mode, ctx.calendar, ctx.zone)
    except CalendarUnknown as exc:
        ctx.fail("calendar_unknown", "CAL-01", year=exc.year)
        ctx.stopped = True
        return False
    ctx.window_ends_at = ends
    zh, en = WINDOW_NAMES[window]
    if _inside(ctx.request.at, ends):
        ctx.note(
            rule,
            ctx.source(rule),
            "pass",
            "{window} window open until {ends}",
            window=en,
            ends=ends,
        )
        return True
    ctx.fail(
        "window_expired",
        ctx.source(rule),
        window=zh,
        window_en=en,
        ends=ends,
    )
    return False


def _repeated_repairs(ctx: Context) -> bool:
    """三包: repairs that failed repeatedly (3B-03) or one that took too long (3B-04) open
    exchange and return whatever their windows say."""
    history = ctx.request.history
    if history.failed_repairs >= ctx.rules.failed_repairs_before_exchange:
        ctx.note(
            "repeated_repairs",
            ctx.source("repeated_repairs"),
            "pass",
            "{failed} failed repairs: exchange or return regardless of the window",
            failed=history.failed_repairs,
        )
        return True
    if history.longest_repair_days > ctx.rules.long_repair_days:
        ctx.note(
            "long_repair",
            ctx.source("long_repair"),
            "pass",
            "a repair took {days} days: exchange or return regardless of the window",
            days=history.longest_repair_days,
        )
        return True
    return False


def _goods_window(quality_rule: str) -> Check:
    """The window of a return or an exchange: the no-reason window (NR-02; a no-reason exchange
    runs on it too, TB-05), or for a seller's fault the quality window from the quality clock
    (Q-01 for returns, 3B-01 for exchanges) — open regardless after repeated or long repairs."""
    quality_days = attrgetter(f"{quality_rule}_days")

    def check(ctx: Context) -> None:
        if not ctx.fault:
            _judge_window(
                ctx,
                start=ctx.request.line.signed_at,
                days=ctx.rules.no_reason_days,
                rule="no_reason_window",
                window="no_reason",
            )
        elif not _repeated_repairs(ctx):
            _judge_window(
                ctx,
                start=_quality_clock_start(ctx),
                days=quality_days(ctx.rules),
                rule=quality_rule,
                window=quality_rule,
            )

    check.__name__ = f"check_{quality_rule}_window"
    return check


check_return_window = _goods_window("quality_return")
check_exchange_window = _goods_window("quality_exchange")


def check_statutory_exclusions(ctx: Context) -> None:
    """NR-03: excluded by law, no confirmation needed. Only for no-reason requests: a seller's
    fault is answered whatever the goods are."""
    if ctx.fault:
        return
    line, excluded = ctx.request.line, ctx.rules.statutory_exclusions
    source = ctx.source("statutory_exclusions")
    hits = []
    if "customized" in excluded and (line.customized or line.category == "customized"):
        hits.append("customized")
    if "fresh_perishable" in excluded and (line.fresh_perishable or line.category == "fresh"):
        hits.append("fresh_perishable")
    if (
        "digital_opened_or_downloaded" in excluded
        and (line.digital or line.category == "digital")
        and ctx.request.condition != "unopened"
    ):
        hits.append("digital_opened_or_downloaded")
    if "newspaper_periodical" in excluded and line.periodical:
        hits.append("newspaper_periodical")
    for code in hits:
        ctx.fail(code, source)
    if not hits:
        ctx.note("statutory_exclusions", source, "pass", "no statutory exclusion applies")


# Which buyer conditions make each confirmed exclusion bite (NR-04).
_CONFIRMED_BITES = {
    "hygiene_seal": frozenset({"seal_broken", "used", "damaged"}),
    "activation": frozenset({"used"}),
    "near_expiry_or_flawed": None,  # disclosed at sale: applies whatever the condition
}


def check_confirmed_exclusions(ctx: Context) -> None:
    """NR-04/05: only with a confirmation recorded at purchase (at or before payment)."""
    if ctx.fault:
        return
    req = ctx.request
    for kind, confirmed_at in req.line.confirmed_exclusions:
        if kind not in ctx.rules.confirmable_exclusions:
            continue
        if confirmed_at > req.line.paid_at:
            ctx.note(
                "confirmed_exclusion",
                "NR-05",
                "skip",
                "{kind} confirmed after purchase: it does not count",
                kind=kind,
            )
            continue
        bites = _CONFIRMED_BITES[kind]
        if bites is None or req.condition in bites:
            zh, en = EXCLUSION_NAMES[kind]
            ctx.fail(
                "confirmed_exclusion", ctx.source("confirmable_exclusions"), kind_zh=zh, kind_en=en
            )
        else:
            ctx.note(
                "confirmed_exclusion",
                "NR-04",
                "pass",
                "{kind} confirmed, but the item is {condition}",
                kind=kind,
                condition=req.condition,
            )


def check_condition(ctx: Context) -> None:
    """NR-06/07: no-reason returns need the goods 完好; opening to inspect keeps them so."""
    if ctx.fault:
        return
    condition = ctx.request.condition
    if condition in ctx.rules.not_intact:
        zh, en = CONDITION_NAMES[condition]
        ctx.fail(
            "not_intact", ctx.source("not_intact_conditions"), condition_zh=zh, condition_en=en
        )
    else:
        ctx.note(
            "condition",
            "NR-06",
            "pass",
            "{condition} keeps the item in good condition",
            condition=condition,
        )


def check_refund_only_stage(ctx: Context) -> None:
    """Before shipment: refunded automatically (TB-01). In transit: the merchant decides, by
    intercepting the parcel (TB-02). Delivered: refund without return only where policy allows
    (PDD-01) or nothing was received."""
    line, rules = ctx.request.line, ctx.rules
    if line.shipped_at is None:
        ctx.approval = rules.refund_before_shipment
        ctx.note(
            "refund_before_shipment",
            ctx.source("refund_before_shipment"),
            "pass",
            "not shipped: refunded without a return",
        )
        return
    if line.signed_at is None:
        ctx.approval = rules.refund_in_transit
        ctx.note(
            "refund_in_transit",
            ctx.source("refund_in_transit"),
            "pass",
            "in transit: the merchant may intercept the parcel",
        )
        return
    if ctx.reason == "not_received":
        ctx.note(
            "refund_not_received",
            "EC-01",
            "pass",
            "signed for but not received: the merchant must prove delivery",
        )
        return
    unfit = line.fresh_perishable or line.category == "fresh"
    if rules.refund_without_return or (
        ctx.fault and unfit and rules.refund_without_return_when_unfit
    ):
        ctx.note(
            "refund_without_return",
            ctx.source("refund_without_return"),
            "pass",
            "refund without sending the goods back",
        )
        return
    ctx.fail("type_not_allowed", ctx.source("refund_without_return"), **_type_names(ctx.type))


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    last = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    return date(year, month, min(day.day, last))


def check_warranty(ctx: Context) -> None:
    """三包 repair: the warranty runs from delivery or installation (Q-04), restarts after an
    exchange, and does not count the days in repair."""
    req = ctx.request
    months = req.line.warranty_months or ctx.rules.warranty_months
    source = ctx.source("warranty")
    if months <= 0:
        ctx.fail("type_not_allowed", source, **_type_names(ctx.type))
        return
    start = req.history.warranty_restarted_at or _quality_clock_start(ctx)
    last_day = _add_months(ctx.local(start), months) + timedelta(days=req.history.repair_days)
    ends = datetime.combine(last_day, time(23, 59, 59), tzinfo=ctx.zone)
    ctx.window_ends_at = ends
    if _inside(req.at, ends):
        ctx.note(
            "warranty",
            source,
            "pass",
            "{months}-month warranty until {ends}",
            months=months,
            ends=ends,
        )
    else:
        ctx.fail("warranty_expired", source, ends=ends)


def check_shipped(ctx: Context) -> None:
    """A reissue replaces what was shipped; nothing shipped is a refund instead."""
    if ctx.request.line.shipped_at is None:
        ctx.fail("type_not_allowed", "platform", **_type_names(ctx.type))
        ctx.stopped = True


def check_reissue_window(ctx: Context) -> None:
    if ctx.request.line.signed_at is None or ctx.reason == "not_received":
        return  # a lost parcel has no delivery to count from
    _judge_window(
        ctx,
        start=_quality_clock_start(ctx),
        days=ctx.rules.quality_exchange_days,
        rule="quality_exchange",
        window="quality_exchange",
    )


def check_price_protection(ctx: Context) -> None:
    """JD-04: the window runs from order submission, or from the day after 签收, per policy."""
    req, rules = ctx.request, ctx.rules
    source = ctx.source("price_protection")
    if rules.price_protection_days <= 0:
        ctx.fail("type_not_allowed", source, **_type_names(ctx.type))
        return
    if rules.price_protection_start == "signed":
        if req.line.signed_at is None:
            ctx.fail("not_delivered", source, **_type_names(ctx.type))
            return
        start = req.line.signed_at
    else:
        start = req.line.placed_at
        # Counted from the moment of submission, not from a whole day.
    _judge_window(
        ctx,
        start=start,
        days=rules.price_protection_days,
        rule="price_protection",
        window="price_protection",
        extend=False,
    )


CHECKS: dict[str, tuple[Check, ...]] = {
    "refund_only": (check_reason_fits_type, check_quantity, check_refund_only_stage),
    "return_refund": (
        check_reason_fits_type,
        check_quantity,
        check_delivered,
        check_return_window,
        check_statutory_exclusions,
        check_confirmed_exclusions,
        check_condition,
    ),
    "exchange": (
        check_reason_fits_type,
        check_quantity,
        check_delivered,
        check_exchange_window,
        check_statutory_exclusions,
        check_confirmed_exclusions,
        check_condition,
    ),
    "repair": (check_reason_fits_type, check_quantity, check_delivered, check_warranty),
    "reissue": (check_reason_fits_type, check_quantity, check_shipped, check_reissue_window),
    "price_protection": (check_reason_fits_type, check_quantity, check_price_protection),
}
assert set(CHECKS) == set(REQUEST_TYPES)


def _run(
    request: EligibilityRequest,
    rules: Effective,
    calendar: Any,
    zone: tzinfo,
    explain: bool,
    *,
    quick: bool = False,
    type_: str | None = None,
    reason: str | None = None,
) -> Context:
    """Run the type's checks in order. `quick` stops at the first reason: enough to know
    whether an alternative is open."""
    ctx = Context(
        request, rules, calendar, zone, explain, type_ or request.type, reason or request.reason
    )
    for check in CHECKS[ctx.type]:
        check(ctx)
        if ctx.stopped or (quick and ctx.reasons):
            break
    return ctx


# --- Amounts and who pays the return --------------------------------------------------------


def refundable_amount(request: EligibilityRequest) -> Decimal:
    """The line's paid share for this quantity (NR-12), minus what was refunded already, minus
    gifts kept when the whole line goes back (NR-11); never more than was paid. For an exchange,
    repair or reissue it is what a refund could pay if the remedy turns into one (a ruling, or
    repeated failed repairs, 3B-03)."""
    line, history = request.line, request.history
    left = line.paid_amount - history.refunded_amount
    if left <= 0:
        return ZERO
    if request.type == "price_protection":
        if request.new_unit_price is None:
            return ZERO
        paid_unit = line.paid_amount / line.quantity
        drop = (paid_unit - request.new_unit_price) * request.quantity
        return min(max(drop, ZERO), left).quantize(CENT, rounding=ROUND_HALF_UP)
    remaining = line.quantity - history.claimed_quantity
    if request.quantity >= remaining:
        share = left  # the last units take what is left, so the fen add up exactly
    else:
        share = (line.paid_amount * request.quantity / line.quantity).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
    if request.gifts_kept and request.quantity >= remaining:
        share -= line.gifts_marked_price
    return min(max(share, ZERO), left)


def return_shipping_paid_by(request: EligibilityRequest, rules: Effective) -> str:
    if request.type in {"refund_only", "price_protection", "reissue"}:
        return "none"
    if request.type == "repair" or request.reason in FAULT_REASONS:
        return "merchant"  # the seller pays transport for non-conforming goods
    payer = (
        rules.shipping_no_reason_exchange
        if request.type == "exchange"
        else (rules.shipping_no_reason)
    )
    if payer == "buyer" and request.line.freight_insurance and request.type == "return_refund":
        return "freight_insurance"  # 运费险 pays the buyer's return shipping
    return payer


# --- The decision ---------------------------------------------------------------------------


def _alternatives(request: EligibilityRequest) -> list[tuple[str, tuple[str, ...]]]:
    """What else the buyer could ask for: each other type with this reason and — for the
    remedies of a faulty item (return, exchange, repair) — with a quality issue, so an expired
    no-reason window still shows the way to an exchange or a repair."""
    about_the_goods = request.reason == "no_reason" or request.reason in FAULT_REASONS
    out = []
    for other in REQUEST_TYPES:
        if other == request.type:
            continue
        reasons = []
        if request.reason in TYPE_REASONS[other]:
            reasons.append(request.reason)
        if (
            about_the_goods
            and other in {"return_refund", "exchange", "repair"}
            and request.reason != "quality_issue"
        ):
            reasons.append("quality_issue")
        if reasons:
            out.append((other, tuple(reasons)))
    return out


def decide(
    request: EligibilityRequest,
    policy: CompiledPolicy,
    calendar: Any,
    zone: tzinfo,
    *,
    explain: bool = False,
) -> Decision:
    rules = policy.rules_for(request.line.merchant, request.line.category)
    ctx = _run(request, rules, calendar, zone, explain)
    eligible = not ctx.reasons
    approval = ctx.approval
    if eligible and request.type in {"return_refund", "exchange"} and not ctx.fault:
        approval = "automatic" if rules.auto_approve_no_reason else "merchant"
    allowed = [request.type] if eligible else []
    for other, reasons in _alternatives(request):
        for reason in reasons:
            trial = _run(
                request, rules, calendar, zone, False, quick=True, type_=other, reason=reason
            )
            if not trial.reasons:
                allowed.append(other)
                break
    return Decision(
        eligible=eligible,
        reasons=ctx.reasons,
        window_ends_at=ctx.window_ends_at,
        allowed_types=allowed,
        refundable_amount=refundable_amount(request),
        currency=request.line.currency,
        return_shipping_paid_by=return_shipping_paid_by(request, rules),
        required_evidence=list(rules.evidence.get(request.reason, ())),
        policy_version=policy.label,
        approval=approval if eligible else "none",
        trace=ctx.trace if explain else None,
    )
