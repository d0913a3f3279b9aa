"""Where risk meets the case engine: a score for every case as it opens, written with it
(`cases.opening.WRITTEN_WITH_CASE`), again when the carrier weighs the return
(`logistics.RETURN_SCAN_HOOKS`) and when the merchant inspects it (`after_step("inspect")`,
serial numbers), and the fast lane at the return's first scan — or at approval for a small
amount (`fast_lane_at_approval`, the return flow's follow-up). Each hook reads in bulk, writes
its own rows (or hands them to the opening's write), and never moves a case against the buyer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.cases import logistics, opening
from aftersales.cases import services as cases
from aftersales.cases.models import Case, CaseLine
from aftersales.core import clock
from aftersales.returns.carriers import DELIVERED, IN_TRANSIT, PICKED_UP
from aftersales.risk import linking, services
from aftersales.risk.inputs import UNWRITTEN, Opening, Subject
from aftersales.risk.models import Assessment
from aftersales.risk.signals import INSPECT, OPEN, RETURN_SCAN
from aftersales.risk.trust import FAST_LANE_APPROVAL_RULE, FAST_LANE_RULE, fast_lane_trust

# Facts of the case itself that a later score carries over from the opening's snapshot.
CARRIED = (
    "window_position",
    "sizes_of_one_spu",
    "expected_weight_g",
    "shipped_serials",
    "return_weight_g",
)


def _window_position(case: Case, signed_at: datetime | None) -> float | None:
    ends = case.decision.get("window_ends_at")
    if not ends or signed_at is None:
        return None
    end = datetime.fromisoformat(ends)
    span = (end - signed_at).total_seconds()
    if span <= 0:
        return None
    return max(0.0, min(1.0, (case.opened_at - signed_at).total_seconds() / span))


def _sizes_of_one_spu(order_lines) -> int:
    sizes: dict[str, set[str]] = {}
    for line in order_lines:
        spu, size = line.attributes.get("spu"), line.attributes.get("size")
        if spu and size:
            sizes.setdefault(str(spu), set()).add(str(size))
    return max((len(s) for s in sizes.values()), default=0)


def _claimed_facts(lines: Sequence[CaseLine]) -> dict[str, Any]:
    weights = [ln.order_line.attributes.get("weight_g") for ln in lines]
    expected = (
        sum(float(w) * ln.quantity for w, ln in zip(weights, lines, strict=True))
        if all(isinstance(w, int | float) and w > 0 for w in weights)
        else None
    )
    serials = [str(s) for ln in lines for s in ln.order_line.attributes.get("serials") or []]
    return {"expected_weight_g": expected, "shipped_serials": serials}


def score_opened(case: Case, *, order_lines, shipments, client: dict[str, str]) -> list:
    """Scored as it opens, from what opening holds (the order's lines and shipments), before the
    case is written: the client's identifiers, if sent, then one read of the buyer's history
    (counting the case as a read after its rows would: `inputs.Opening`); the score is the row
    the opening writes with the case (`WrittenWithCase`: its id filled in by that statement)."""
    if client:
        linking.record(case.buyer_id, client, at=case.opened_at)
    subject = opening_subject(case, order_lines=order_lines, shipments=shipments)
    # Read by fast_lane_at_approval later in the transaction (level, needs_review: no id).
    case.risk = services.scored([subject], trigger=OPEN)[UNWRITTEN]
    return [case.risk]


def opening_subject(case: Case, *, order_lines, shipments) -> Subject:
    """The subject of a case as it opens, not written yet (`case.written_lines` its lines)."""
    lines = case.written_lines
    main = max(lines, key=lambda ln: ln.refundable_amount)
    claimed = {ln.order_line_id for ln in lines}
    line_ids = {ln.line_id for ln in order_lines if ln.pk in claimed}
    mine = [s for s in shipments if not s.line_ids or line_ids & set(s.line_ids)]
    signed = [s.signed_at for s in mine if s.signed_at]
    signed_at = max(signed) if signed and len(signed) == len(mine) else None
    return Subject(
        case_id=UNWRITTEN,
        merchant_id=case.merchant_id,
        buyer_id=case.buyer_id,
        type=case.type,
        reason=case.reason,
        at=case.opened_at,
        category=main.order_line.category,
        sku=main.order_line.sku,
        claim_amount=sum((ln.refundable_amount for ln in lines), Decimal("0.00")),
        window_position=_window_position(case, signed_at),
        sizes_of_one_spu=_sizes_of_one_spu(order_lines),
        signed=bool(signed),
        **_claimed_facts(lines),
        opening=Opening(
            order_id=case.order_id,
            shipped=bool(shipments),
            signed=any(s.signed_at for s in shipments),
            categories=frozenset(ln.order_line.category for ln in lines),
            claimed={ln.order_line.line_id: ln.quantity for ln in lines},
        ),
    )


# Every field of the score but its id and the two that name the case (the statement's new id).
SCORE_CASE_FIELDS = ("subject_id", "case")
SCORE_FIELDS = tuple(
    f.name
    for f in Assessment._meta.concrete_fields
    if not f.primary_key and f.name not in SCORE_CASE_FIELDS
)
opening.WRITTEN_WITH_CASE.append(
    opening.WrittenWithCase(
        model=Assessment, fields=SCORE_FIELDS, case_fields=SCORE_CASE_FIELDS, rows=score_opened
    )
)


def latest_assessments(case_ids: list[int]) -> dict[int, Assessment]:
    """The newest score of each case (one query)."""
    out: dict[int, Assessment] = {}
    rows = Assessment.objects.filter(subject_kind="case", subject_id__in=case_ids).order_by(
        "subject_id", "-at", "-id"
    )
    for row in rows:
        out.setdefault(row.subject_id, row)
    return out


def rescore(cases_with_facts: list[tuple[Case, dict[str, Any]]], *, trigger: str) -> dict:
    """Score cases again with new facts (carrier weight, serials): the history read fresh, the
    case's own facts carried over from its last score, the new ones on top."""
    return services.assess(subjects_of(cases_with_facts, at=clock.now()), trigger=trigger)


def subjects_of(cases_with_facts: list[tuple[Case, dict[str, Any]]], *, at) -> list[Subject]:
    """The cases as subjects at `at` (a case's own opening at the latest): its lines read, its
    facts carried over from its last score, the new ones on top."""
    if not cases_with_facts:
        return []
    ids = [case.pk for case, _ in cases_with_facts]
    previous = latest_assessments(ids)
    lines: dict[int, list[CaseLine]] = {}
    for ln in CaseLine.objects.filter(case_id__in=ids).select_related("order_line"):
        lines.setdefault(ln.case_id, []).append(ln)
    subjects = []
    for case, facts in cases_with_facts:
        mine = lines.get(case.pk, [])
        if not mine:
            continue
        before = previous.get(case.pk)
        carried = {}
        if before is not None:
            old = before.snapshot.get("inputs", {})
            carried = {k: old[k] for k in CARRIED if k in old}
        else:
            carried = _claimed_facts(mine)
        main = max(mine, key=lambda ln: ln.refundable_amount)
        merged = {**carried, **facts}
        subjects.append(
            Subject(
                case_id=case.pk,
                merchant_id=case.merchant_id,
                buyer_id=case.buyer_id,
                type=case.type,
                reason=case.reason,
                at=max(at, case.opened_at),
                category=main.order_line.category,
                sku=main.order_line.sku,
                claim_amount=sum((ln.refundable_amount for ln in mine), Decimal("0.00")),
                signed=bool(before and before.snapshot["inputs"].get("claim_is_inr_despite_pod")),
                window_position=merged.get("window_position"),
                sizes_of_one_spu=merged.get("sizes_of_one_spu") or 0,
                expected_weight_g=merged.get("expected_weight_g"),
                return_weight_g=merged.get("return_weight_g"),
                shipped_serials=merged.get("shipped_serials") or [],
                returned_serials=merged.get("returned_serials") or [],
            )
        )
    return subjects


@cases.after_step("inspect")
def score_inspected(steps) -> None:
    """The serial numbers the merchant read off the returned goods (RS-07)."""
    batch = []
    for case, body, _event in steps:
        items = body.extra.get("inspections") or []
        serials = [str(s) for item in items for s in item.get("serials") or []]
        serials += [str(s) for s in body.extra.get("serials") or []]
        batch.append((case, {"returned_serials": serials}))
    rescore(batch, trigger=INSPECT)


def _weight(items: list[dict[str, Any]], scan) -> float | None:
    for item in items:
        if str(item.get("event_id", ""))[:128] == scan.event.event_id:
            value = item.get("weight_g")
            if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
                return float(value)
    return None


FIRST_SCANS = frozenset({PICKED_UP, IN_TRANSIT, DELIVERED})
FAST_LANE_STATES = frozenset({"return_shipped", "return_delivered"})


def on_return_scans(scans: list[tuple[Case, Any]], items: list[dict[str, Any]]) -> None:
    """RS-06 when the carrier reports the parcel's weight; then the fast lane."""
    weighed = {}
    for case, scan in scans:
        weight = _weight(items, scan)
        if weight is not None:
            weighed[case.pk] = (case, {"return_weight_g": weight})
    rescore(list(weighed.values()), trigger=RETURN_SCAN)
    fast_lane([case for case, scan in scans if scan.status in FIRST_SCANS])


logistics.RETURN_SCAN_HOOKS.append(on_return_scans)


def fast_lane(candidates: list[Case]) -> list[Case]:
    """极速退款: a trusted buyer's return is refunded at the carrier's first scan, before the
    goods arrive — when the latest score allows it (allow or warn, nothing left for a person),
    the amount is within the policy's limit and the buyer is trusted (trust.py). The refund is
    the case engine's own `refund` step by the system, granted through the refund ledger, with
    the rule `risk:fast_lane` on its event; the case then waits for the goods to arrive and be
    inspected (`refunded_return_shipped`/`_delivered`, cases/flows.py). Returns the cases
    refunded."""
    unique = {c.pk: c for c in candidates if c.type == "return_refund"}
    waiting = [c for c in unique.values() if c.state in FAST_LANE_STATES]
    if not waiting:
        return []
    latest = latest_assessments([c.pk for c in waiting])
    at = clock.now()
    refunded = []
    by_merchant: dict[int, list[Case]] = {}
    for case in waiting:
        by_merchant.setdefault(case.merchant_id, []).append(case)
    for merchant_id, group in by_merchant.items():
        limits = services.policy_for_merchant(merchant_id).fast_lane
        if not limits["enabled"]:
            continue
        trust = fast_lane_trust([c.buyer_id for c in group], at=at, limits=limits)
        for case in group:
            if not _lane_open(latest.get(case.pk)):
                continue
            if cases.refundable(case) > Decimal(str(limits["max_amount"])):
                continue
            if not trust[case.buyer_id].allowed:
                continue
            # Under the fast lane's rule the refund leads on to the return's inspection (the
            # flow's divert, below).
            refunded.append(
                cases.act(
                    case=case,
                    actor=SYSTEM_ACTOR,
                    action="refund",
                    body=cases.ActionBody(note="极速退款 fast lane"),
                    rule=FAST_LANE_RULE,
                    locked=True,
                )
            )
    return refunded


@cases.divert_check("refund_before_return")
def _refunded_by_the_fast_lane(case: Case, rule: str) -> str:
    """The fast lane's refund, and only it, is made before the goods are inspected: the case
    waits for them in `refunded_return_*` (the merchant silent past TB-04 still ends it)."""
    return rule if rule == FAST_LANE_RULE else ""


def _lane_open(assessment: Assessment | None) -> bool:
    """The latest score lets the fast lane through: allow or warn, nothing left for a person."""
    return (
        assessment is not None
        and not assessment.needs_review
        and assessment.level in ("allow", "warn")
    )


@cases.follow_up_check("fast_lane_at_approval")
def fast_lane_at_approval(case: Case) -> str:
    """极速退款 at approval: a trusted buyer's return whose refund is at or below the policy's
    `approval_max_amount` (within `max_amount`) is refunded as it is approved, without waiting
    for the parcel's first scan — the same score, trust and monthly limit as the scan lane; the
    case then waits for the buyer to ship (`refunded_awaiting_return`, cases/flows.py). Answers
    the rule for the system's refund step, or "". Reads only for small refunds."""
    if case.type != "return_refund":
        return ""
    limits = services.policy_for_merchant(case.merchant_id).fast_lane
    if not limits["enabled"]:
        return ""
    small = min(Decimal(str(limits["approval_max_amount"])), Decimal(str(limits["max_amount"])))
    # The amount the opening decided (on the case: no read); the lines' sum when it is not there.
    decided = (case.decision or {}).get("refundable_amount")
    amount = Decimal(decided) if decided is not None else cases.refundable(case)
    if amount > small:
        return ""
    assessment = getattr(case, "risk", None) or latest_assessments([case.pk]).get(case.pk)
    if not _lane_open(assessment):
        return ""
    trust = fast_lane_trust([case.buyer_id], at=clock.now(), limits=limits)[case.buyer_id]
    return FAST_LANE_APPROVAL_RULE if trust.allowed else ""
