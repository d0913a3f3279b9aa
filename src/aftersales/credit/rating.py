"""Rating a month: the merchant metrics computed set-based (metrics.py), the category mean
beside each, a score and grade from the published rules, the restrictions the grade brings
(with notice, open to appeal) and the merchant-side abuse signals. Recomputing a month replaces
its figures; it is the one writer of MerchantMetric, MerchantRating and restrictions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor
from aftersales.accounts.permissions import require
from aftersales.core import clock
from aftersales.core.audit import record
from aftersales.credit import enforce
from aftersales.credit.metrics import METRICS, Month, compute_figures, main_categories
from aftersales.credit.models import MerchantMetric, MerchantRating, MerchantRestriction
from aftersales.credit.rules import CreditRules, MerchantRule, current_rules
from aftersales.credit.signals import merchant_signals
from aftersales.notify.outbox import Message, publish_many

PLACES = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class MonthResult:
    month: str
    merchants: int
    metrics: int
    restricted: int
    lifted: int
    policy_version: str


def _value(num: Decimal, den: Decimal) -> Decimal | None:
    return (num / den).quantize(PLACES) if den else None


def judge(
    rule: MerchantRule, value: Decimal | None, den: Decimal, peers_mean: Decimal | None
) -> tuple[int, str]:
    """Points lost and the reason code for one metric (0, "" when fine or too few to say).
    `peers_mean`: the mean of the other merchants of the category (None: no peers)."""
    if value is None or den < rule.min_count:
        return 0, ""
    if rule.bad_below is not None and value < rule.bad_below:
        return rule.points, f"{rule.code}.below_line"
    if rule.bad_above is not None and value > rule.bad_above:
        # Against peers only where there are peers: a category-wide spike is not the merchant's.
        if rule.peer_factor is not None and peers_mean is not None:
            if value <= rule.peer_factor * peers_mean:
                return 0, ""
            return rule.points, f"{rule.code}.above_peers"
        return rule.points, f"{rule.code}.above_line"
    return 0, ""


@transaction.atomic
def compute_month(*, month: Month, actor: Actor = SYSTEM_ACTOR) -> MonthResult:
    """Compute, rate and restrict every merchant with activity in `month`. A month rated before
    it ends (its figures to date) is rated only: a restriction is placed or lifted on a whole
    month, never on part of one (the worker rates it again once it has ended)."""
    require(actor, "credit.compute")
    rules = current_rules()
    figures = compute_figures(month)
    merchant_ids = sorted({mid for f in figures.values() for mid in f})
    categories = main_categories(month, merchant_ids)
    values: dict[str, dict[int, Decimal | None]] = {
        code: {mid: _value(*pair) for mid, pair in f.items()} for code, f in figures.items()
    }
    means: dict[tuple[str, str], tuple[Decimal, int, Decimal]] = {}
    grouped: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for code, by_merchant in values.items():
        for mid, v in by_merchant.items():
            if v is not None:
                grouped[(code, categories[mid])].append(v)
    for key, vs in grouped.items():
        means[key] = ((sum(vs) / len(vs)).quantize(PLACES), len(vs), sum(vs))
    now = clock.now()
    MerchantMetric.objects.filter(month=month.first).delete()
    rows = []
    for code, by_merchant in figures.items():
        for mid, (num, den) in by_merchant.items():
            mean = means.get((code, categories[mid]), (None,))[0]
            rows.append(
                MerchantMetric(
                    merchant_id=mid,
                    month=month.first,
                    category=categories[mid],
                    metric=code,
                    numerator=num,
                    denominator=den,
                    value=values[code][mid],
                    category_mean=mean,
                    computed_at=now,
                )
            )
    MerchantMetric.objects.bulk_create(rows, batch_size=1000)
    signals = merchant_signals(month)
    restricted = lifted = 0
    notices: list[Message] = []
    for mid in merchant_ids:
        cat = categories[mid]
        rule_by_code = rules.merchant_rules(cat)
        score, reasons, snapshot = 100, [], {}
        for code, by_merchant in figures.items():
            if mid not in by_merchant:
                continue
            num, den = by_merchant[mid]
            mean, peers, total = means.get((code, cat), (None, 0, Decimal(0)))
            value = values[code][mid]
            others = peers - (value is not None)
            peers_mean = ((total - (value or 0)) / others).quantize(PLACES) if others > 0 else None
            lost, reason = (0, "")
            if code in rule_by_code:
                lost, reason = judge(rule_by_code[code], value, den, peers_mean)
            score -= lost
            if reason:
                reasons.append(reason)
            snapshot[code] = {
                "numerator": str(num),
                "denominator": str(den),
                "value": None if values[code][mid] is None else str(values[code][mid]),
                "category_mean": None if mean is None else str(mean),
                "peers_mean": None if peers_mean is None else str(peers_mean),
                "peers": peers,
                "points": lost,
                "rule_source": rule_by_code[code].source if code in rule_by_code else None,
            }
        score = max(score, 0)
        grade = rules.grade_for(score)
        MerchantRating.objects.update_or_create(
            merchant_id=mid,
            month=month.first,
            defaults={
                "category": cat,
                "score": score,
                "grade": grade,
                "reason_codes": reasons,
                "snapshot": {"metrics": snapshot, "signals": signals.get(mid, [])},
                "policy_version": rules.version,
                "computed_at": now,
            },
        )
        if now >= month.end:
            r, lft = _restrict(mid, month, grade, reasons, rules, actor, notices, now)
            restricted, lifted = restricted + r, lifted + lft
    publish_many(notices)
    first = MerchantRating.objects.filter(month=month.first).order_by("id").first()
    if first is not None:  # a month with no activity changed nothing to audit
        record(
            actor=actor,
            action="credit.month_computed",
            subject=first,
            payload={
                "month": month.label,
                "merchants": len(merchant_ids),
                "restricted": restricted,
                "lifted": lifted,
                "policy_version": rules.version,
            },
        )
    return MonthResult(month.label, len(merchant_ids), len(rows), restricted, lifted, rules.version)


def _restrict(
    mid: int,
    month: Month,
    grade: str,
    reasons: list[str],
    rules: CreditRules,
    actor: Actor,
    notices: list[Message],
    now,
) -> tuple[int, int]:
    wanted = set(rules.restrictions_for(grade))
    active = {
        r.kind: r
        for r in MerchantRestriction.objects.filter(merchant_id=mid, lifted_at__isnull=True)
    }
    restricted = lifted = 0
    for kind, restriction in active.items():
        if kind not in wanted:
            restriction.lifted_at, restriction.lifted_reason = now, "rating.improved"
            restriction.save(update_fields=["lifted_at", "lifted_reason"])
            enforce.restriction_changed(merchant_id=mid, kind=kind)
            record(
                actor=actor,
                action="credit.restriction_lifted",
                subject=restriction,
                merchant_id=mid,
                payload={"kind": kind, "grade": grade},
            )
            lifted += 1
    for kind in sorted(wanted - set(active)):
        # An appeal upheld against this month's restriction keeps it off for this month.
        if MerchantRestriction.objects.filter(
            merchant_id=mid, kind=kind, month=month.first, lifted_reason="appeal.upheld"
        ).exists():
            continue
        reason_code = f"grade.{grade}" + (f":{','.join(reasons)}" if reasons else "")
        restriction = MerchantRestriction.objects.create(
            merchant_id=mid,
            kind=kind,
            reason_code=reason_code[:64],
            month=month.first,
            snapshot={"grade": grade, "reasons": reasons},
            policy_version=rules.version,
            imposed_at=now,
        )
        enforce.restriction_changed(merchant_id=mid, kind=kind)
        record(
            actor=actor,
            action="credit.restriction_imposed",
            subject=restriction,
            merchant_id=mid,
            payload={"kind": kind, "grade": grade, "reasons": reasons},
        )
        notices.append(
            Message(
                "credit.merchant_restricted",
                {
                    "restriction_id": restriction.pk,
                    "kind": kind,
                    "reason_code": reason_code,
                    "grade": grade,
                    "month": month.label,
                    "at": now.isoformat(),
                },
                merchant_id=mid,
                subject=f"merchant:{mid}",
            )
        )
        restricted += 1
    return restricted, lifted


def compute_previous_month_once(*, now=None) -> MonthResult | None:
    """The worker's monthly run: rate last month once it has ended (idempotent: a month
    already rated after it ended is left alone; one rated while it ran — the month to date —
    is rated again, whole)."""
    month = Month.of(now or clock.now()).previous()
    rated = MerchantRating.objects.filter(month=month.first)
    if rated.exists() and not rated.filter(computed_at__lt=month.end).exists():
        return None
    return compute_month(month=month)


__all__ = ["METRICS", "MonthResult", "compute_month", "compute_previous_month_once", "judge"]
