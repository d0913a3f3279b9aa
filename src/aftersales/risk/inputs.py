"""What the signals read, gathered for a batch of cases in ONE statement: per case a row over
the buyer's history (cases, orders, refunds, inspections, freight claims), the accounts linked
to them (shared identifiers, the same phone) and, for a quality claim, the SKU's claims by
others — `UNION ALL` across the batch, so a batch costs one round trip whatever its size. The
row walks each set of rows once — the buyer's cases of 180 days, their orders of 180 days, the
linked accounts — as a one-row aggregate with a `FILTER` per count, on an index that leads with
the buyer (or the identifier's hash); see `_row_sql`. The merchant-wide quality rate RS-08 weighs
is a figure of the merchant and the day, not of the case: it is read only when the buyer's
refund-only count makes RS-08 possible, once per merchant and day, and kept
(`merchant_quality`). The facts of the case itself (its lines, the window, the carrier weight,
serial numbers) come from what the caller holds. A case scored as it opens is not written yet (its
score goes in with it): the read adds the case itself where a read after its rows counts it
(`Opening`)."""

# ruff: noqa: S608 - only our own constants and %s placeholders are formatted into the SQL
from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from difflib import SequenceMatcher
from itertools import combinations
from typing import Any

from django.db import connection
from django.utils import timezone

from aftersales.core import prepared
from aftersales.orders.models import Category
from aftersales.policy.vocabulary import FAULT_REASONS
from aftersales.refunds.models import COUNTING
from aftersales.risk.scoring import fires

RETURN_TYPES = ("return_refund", "exchange", "refund_only")
WORN_GRADES = ("fair", "damaged")
WORN_RESULTS = ("fail", "partial")


# The case id of a subject scored before its case is written (`Opening`): no row has id 0, so
# "this case apart" sets nothing apart and its own evidence is none.
UNWRITTEN = 0


@dataclass(frozen=True)
class Opening:
    """A case scored as it opens, before it is written (its score goes in with it, in the
    opening's one statement): what the reads would have counted of its own rows, from what the
    opening holds — so the inputs are those of a read after the case's rows."""

    order_id: int
    shipped: bool  # the order has a shipment (RS-08's refund only on a shipped order)
    signed: bool  # one of the order's shipments is signed for (RS-09)
    categories: frozenset[str]  # its lines' categories (RS-01, RS-08's claims)
    claimed: dict[str, int]  # quantity claimed per order line (`line_id`; RS-14)


@dataclass
class Subject:
    """One case to score, with the facts the caller already holds — or a dispute or
    compensation claim (`kind`, `subject_id`; risk/disputes.py), read through the case it is
    about (`case_id`; UNWRITTEN for an order's claim without one, an id no case has)."""

    case_id: int
    merchant_id: int
    buyer_id: int
    type: str
    reason: str
    at: datetime
    category: str
    sku: str
    claim_amount: Decimal
    window_position: float | None = None
    sizes_of_one_spu: int = 0
    expected_weight_g: float | None = None
    return_weight_g: float | None = None
    shipped_serials: list[str] = field(default_factory=list)
    returned_serials: list[str] = field(default_factory=list)
    signed: bool = False
    opening: Opening | None = None  # not written yet: case_id is UNWRITTEN
    kind: str = "case"  # case, dispute, claim (risk_assessment.subject_kind)
    subject_id: int | None = None  # the dispute's id; None: the case's


# The accounts linked to the buyer — sharing a device, payment account or address that is not an
# allowlisted shared one, or the phone — the buyer among them when they have such an identifier;
# every member with `linked` 1, and the buyer themself always, with 0 where nothing links them.
_MEMBERS = (
    "SELECT u.buyer_id, MAX(u.linked) AS linked FROM ("
    "SELECT {b} AS buyer_id, 0 AS linked"
    " UNION ALL SELECT i2.buyer_id, 1 FROM risk_identifier i1 JOIN risk_identifier i2"
    " ON i2.kind = i1.kind AND i2.value_hash = i1.value_hash"
    " WHERE i1.buyer_id = {b} AND i1.kind <> 'ip' AND i1.shared_type = ''"
    " AND i2.shared_type = ''"
    " UNION ALL SELECT b2.id, 1 FROM accounts_buyer b1 JOIN accounts_buyer b2"
    " ON b2.phone_hash = b1.phone_hash WHERE b1.id = {b} AND b1.phone_hash <> ''"
    ") u GROUP BY u.buyer_id"
)


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"  # our own constants only


_RETURNS = _in(RETURN_TYPES)


# The categories a line can have (orders.models.Category), in the row's order: RS-01's lines
# per category are counted in the row, one `FILTER` each (a line of a category not listed here
# is still in the row's count of every line: `gather` then leaves RS-01's read to `extend`).
CATEGORIES = tuple(sorted(Category.values))
# How many of the row's columns `gather` names (the case id apart), before the counts above.
_ROW_COLUMNS = 17


def _row_sql(quality: bool) -> str:
    """One case's row; `%(name)s` marks stand for its parameters (named, then flattened).

    The buyer's cases over 180 days are walked once (`h`), their orders with the lines once
    (`o`), the linked accounts once (`k`): each a one-row aggregate whose counts are `FILTER`s
    over the same rows, so PostgreSQL plans four scans instead of eighteen sub-selects. What a
    count needs of another table (a line in the category, a shipment, a refund, an inspection,
    a freight claim) is a lookup by the case's or the order's key."""
    b = "%(buyer)s"
    sku = (
        # (a case's lines are lines of its merchant's order: naming the line's merchant lets
        # the SKU's lines, not the merchant's quarter of cases, lead)
        "(SELECT COUNT(DISTINCT c.id) FROM cases_case c"
        " JOIN cases_caseline cl ON cl.case_id = c.id"
        " JOIN orders_orderline ol ON ol.id = cl.order_line_id"
        " WHERE c.merchant_id = %(merchant)s AND c.opened_at >= %(t90)s AND ol.sku = %(sku)s"
        " AND ol.merchant_id = %(merchant)s"
        f" AND c.buyer_id <> {b} AND c.reason IN {_in(sorted(FAULT_REASONS))}),"
        # the SKU's lines by (merchant, sku), each line's order by its key: as a join PostgreSQL
        # hashed a scan of the quarter's orders, 8 ms with 12,000 orders
        " (SELECT COUNT(*) FROM orders_orderline ol"
        " WHERE ol.merchant_id = %(merchant)s AND ol.sku = %(sku)s AND (SELECT"
        f" o.placed_at >= %(t90)s AND o.buyer_id <> {b} FROM orders_order o"
        " WHERE o.id = ol.order_id))"
        if quality
        else "0, 0"
    )
    cases_180d = (
        # RS-01: the buyer's returns with a line in the claim's category
        f"SELECT COUNT(*) FILTER (WHERE c.type IN {_RETURNS} AND EXISTS (SELECT 1"
        " FROM cases_caseline cl JOIN orders_orderline ol ON ol.id = cl.order_line_id"
        " WHERE cl.case_id = c.id AND ol.category = %(category)s)) AS returns_cat,"
        # RS-02: every refund that did not fail, this case's claim apart
        " SUM((SELECT SUM(r.amount) FROM refunds_refund r WHERE r.case_id = c.id"
        f" AND r.state IN {_in(COUNTING)})) FILTER (WHERE c.id <> %(case)s) AS refunded,"
        # RS-08: refund only on a shipped order, 90 d
        " COUNT(*) FILTER (WHERE c.opened_at >= %(t90)s AND c.type = 'refund_only'"
        " AND EXISTS (SELECT 1 FROM orders_shipment s WHERE s.order_id = c.order_id)) AS ro90,"
        # RS-09: not received although the carrier shows the parcel signed, 90 d
        " COUNT(*) FILTER (WHERE c.opened_at >= %(t90)s AND c.reason = 'not_received'"
        " AND EXISTS (SELECT 1 FROM orders_shipment s WHERE s.order_id = c.order_id"
        " AND s.signed_at IS NOT NULL)) AS inr90,"
        # RS-04: earlier returns' inspections that found them worn (each inspection counts)
        " COALESCE(SUM((SELECT COUNT(*) FROM returns_inspection i WHERE i.case_id = c.id"
        f" AND (i.grade IN {_in(WORN_GRADES)} OR i.result IN {_in(WORN_RESULTS)})))"
        " FILTER (WHERE c.id <> %(case)s), 0) AS worn,"
        # RS-15: freight-insurance claims (at most one a case) / returns
        " COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM refunds_freightinsuranceclaim f"
        " WHERE f.case_id = c.id)) AS claims,"
        f" COUNT(*) FILTER (WHERE c.type IN {_RETURNS}) AS returns"
        f" FROM cases_case c WHERE c.buyer_id = {b} AND c.opened_at >= %(t180)s"
    )
    orders_180d = (
        # RS-01 lines in the category, RS-02 bought, RS-08 orders in 90 d (an order with no
        # line still counts: hence the outer join); RS-01's lines per category (`extend`) and
        # every line, on the same rows: no second walk of them where RS-01 can fire
        "SELECT COUNT(ol.id) FILTER (WHERE ol.category = %(category)s) AS lines_cat,"
        " SUM(ol.paid_amount) AS bought,"
        " COUNT(DISTINCT o.id) FILTER (WHERE o.placed_at >= %(t90)s) AS orders90,"
        + "".join(
            f" COUNT(ol.id) FILTER (WHERE ol.category = '{c}') AS lines_{n},"
            for n, c in enumerate(CATEGORIES)
        )
        + " COUNT(ol.id) AS lines"
        " FROM orders_order o LEFT JOIN orders_orderline ol ON ol.order_id = o.id"
        f" WHERE o.buyer_id = {b} AND o.placed_at >= %(t180)s"
    )
    cluster = (
        # RS-03 / RS-13: the linked accounts, the returns in 7 d of the buyer and of them, how
        # many accounts besides the buyer returned in those 7 d (RS-03 is velocity *across*
        # accounts), the linked accounts whose first order is in the last 30 d — each by the
        # member's key, each member's returns counted once
        "SELECT COUNT(*) FILTER (WHERE m.linked = 1) AS linked,"
        " SUM(m.returns_7d) AS cluster_returns,"
        f" COUNT(*) FILTER (WHERE m.buyer_id <> {b} AND m.returns_7d > 0) AS cluster_others,"
        " COUNT(*) FILTER (WHERE m.linked = 1 AND m.first_order >= %(t30)s) AS cluster_new"
        " FROM (SELECT u.buyer_id, u.linked,"
        " (SELECT COUNT(*) FROM cases_case c WHERE c.buyer_id = u.buyer_id"
        f" AND c.opened_at >= %(t7)s AND c.type IN {_RETURNS}) AS returns_7d,"
        " CASE WHEN u.linked = 1 THEN (SELECT MIN(o.placed_at) FROM orders_order o"
        " WHERE o.buyer_id = u.buyer_id) END AS first_order"
        f" FROM ({_MEMBERS.format(b=b)}) u) m"
    )
    return (
        "SELECT %(case)s, h.returns_cat, o.lines_cat, o.bought, h.refunded, h.ro90,"
        " o.orders90, h.inr90, h.worn, h.claims, h.returns,"
        " k.linked, k.cluster_returns, k.cluster_new, k.cluster_others,"
        # RS-10: the SKU's quality claims by others / lines others bought, 90 d
        f" {sku},"
        # RS-11: photos of this case also filed with another buyer's case
        " (SELECT COUNT(*) FROM cases_evidence e WHERE e.case_id = %(case)s AND EXISTS"
        " (SELECT 1 FROM cases_evidence e2 JOIN cases_case c2 ON c2.id = e2.case_id"
        f" WHERE e2.sha256 = e.sha256 AND c2.buyer_id <> {b})),"
        # last, after the columns `gather` names (`_ROW_COLUMNS`): RS-01's lines per category
        + "".join(f" o.lines_{n}," for n in range(len(CATEGORIES)))
        + " o.lines"
        f" FROM ({cases_180d}) h, ({orders_180d}) o, ({cluster}) k"
    )


_SQL_CACHE: dict[bool, tuple[str, list[str]]] = {}


def _compiled(quality: bool) -> tuple[str, list[str]]:
    """The row's SQL with positional marks, and the parameter names in their order."""
    found = _SQL_CACHE.get(quality)
    if found is None:
        sql, names = _row_sql(quality), []

        class Recorder(dict):
            def __missing__(self, key):
                names.append(key)
                return "%s"

        found = (sql % Recorder(), names)
        _SQL_CACHE[quality] = found
    return found


# --- the merchant's quality rate (RS-08) ------------------------------------------------------

# {(merchant id, day): (quality-reason cases, orders) over the 90 whole days before the day}.
# A past day's figure does not move (save orders imported late: hence the hour), so a merchant
# with a million orders costs one count a day per process, not one per claim.
_MERCHANT_QUALITY: dict[tuple[int, date], tuple[float, int, int]] = {}
MERCHANT_QUALITY_KEEP_SECONDS = 3600.0
_MERCHANT_QUALITY_MAX = 10_000


def forget_merchant_quality() -> None:
    _MERCHANT_QUALITY.clear()


def _window(day: date) -> tuple[datetime, datetime]:
    end = timezone.make_aware(datetime.combine(day, clock_time.min))
    return end - timedelta(days=90), end


def merchant_quality(keys: Iterable[tuple[int, date]]) -> dict[tuple[int, date], float]:
    """{(merchant, day): quality-reason cases ÷ orders over the 90 days before the day}, from
    what is kept, the rest in one statement."""
    keys, now = set(keys), time.monotonic()
    kept = {
        k: v
        for k in keys
        if (v := _MERCHANT_QUALITY.get(k)) and now - v[0] < MERCHANT_QUALITY_KEEP_SECONDS
    }
    missing = sorted(keys - kept.keys())
    if missing:
        adapt = connection.ops.adapt_datetimefield_value
        parts, params = [], []
        for merchant_id, day in missing:
            start, end = (adapt(t) for t in _window(day))
            parts.append(
                "SELECT (SELECT COUNT(*) FROM cases_case c WHERE c.merchant_id = %s"
                " AND c.opened_at >= %s AND c.opened_at < %s"
                f" AND c.reason IN {_in(sorted(FAULT_REASONS))}),"
                " (SELECT COUNT(*) FROM orders_order o WHERE o.merchant_id = %s"
                " AND o.placed_at >= %s AND o.placed_at < %s)"
            )
            params += [merchant_id, start, end, merchant_id, start, end]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            counted = cursor.fetchall()
        if len(_MERCHANT_QUALITY) > _MERCHANT_QUALITY_MAX:
            _MERCHANT_QUALITY.clear()
        for key, (quality, orders) in zip(missing, counted, strict=True):
            kept[key] = _MERCHANT_QUALITY[key] = (now, int(quality), int(orders))
    return {k: (q / o if o else 0.0) for k, (_, q, o) in kept.items()}


def _day(at: datetime) -> date:
    return timezone.localtime(at).date()


def _cursor_for(subjects: list[Subject]):
    return prepared.cursor() if len(subjects) == 1 else connection.cursor()


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    return float(value)


def gather(
    subjects: Iterable[Subject], policy_for, lines_by_category: dict | None = None
) -> dict[int, dict[str, Any]]:
    """{case_id: inputs} for every subject, in one statement. `policy_for(subject)` gives the
    RiskPolicy that will score it (its category baseline and RS-08 minimum go in). Given
    `lines_by_category`, it gets what `bought_by_category` would read, from the same row, for
    every subject whose lines all have a listed category (for `extend`: not an input itself)."""
    subjects = list(subjects)
    if not subjects:
        return {}
    parts, params = [], []
    adapt = connection.ops.adapt_datetimefield_value
    for s in subjects:
        sql, names = _compiled(s.reason in FAULT_REASONS)
        values = {
            "case": s.case_id,
            "buyer": s.buyer_id,
            "merchant": s.merchant_id,
            "category": s.category,
            "sku": s.sku,
            **{f"t{d}": adapt(s.at - timedelta(days=d)) for d in (7, 30, 90, 180)},
        }
        parts.append(sql)
        params += [values[n] for n in names]
    # A case as it opens is a batch of one: two texts (quality claim or not), prepared on
    # PostgreSQL with a generic plan (core/prepared.py: planning was most of this read's time).
    # A larger batch's text depends on its size and mix: not worth a prepared statement each.
    with _cursor_for(subjects) as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
    for s in subjects:
        if s.opening is not None:
            rows[s.case_id] = _counting_itself(rows[s.case_id], s)
    # RS-08 weighs the merchant's quality rate only where the buyer's refund-only count reaches
    # its minimum; the row's fifth column is that count.
    rates = merchant_quality(
        (s.merchant_id, _day(s.at))
        for s in subjects
        if int(rows[s.case_id][4]) >= int(policy_for(s).thresholds("RS-08", s.category)["count"])
    )
    # Most subjects are below RS-08's minimum: no rate read, and no local day to work out.
    quality_rate = (lambda s: rates.get((s.merchant_id, _day(s.at)), 0.0)) if rates else None
    out = {}
    for s in subjects:
        row = rows[s.case_id]
        (returns_cat, lines_cat, bought, refunded, ro90, orders90, inr90, worn, claims, returns,
         linked, cluster_returns, cluster_new, cluster_others, sku_claims, sku_lines,
         reused) = row[:_ROW_COLUMNS]  # fmt: skip
        if lines_by_category is not None:
            per, every = row[_ROW_COLUMNS:-1], int(row[-1] or 0)
            counts = {c: int(n) for c, n in zip(CATEGORIES, per, strict=True) if n}
            if sum(counts.values()) == every:  # else a line of an unlisted category
                lines_by_category[s.case_id] = counts
        policy = policy_for(s)
        out[s.case_id] = {
            "category": s.category,
            "type": s.type,
            "reason": s.reason,
            "claim_amount": f"{s.claim_amount:.2f}",  # money: a Decimal string, never a float
            "category_baseline_return_rate": policy.baseline(s.category),
            "returns_180d_category": int(returns_cat),
            "lines_180d_category": int(lines_cat),
            "bought_180d": round(_number(bought), 2),
            "refunded_180d": round(_number(refunded), 2),
            "refund_only_90d": int(ro90),
            "orders_90d": int(orders90),
            "merchant_quality_rate": quality_rate(s) if quality_rate else 0.0,
            "inr_despite_pod_90d": int(inr90),
            "claim_is_inr_despite_pod": s.reason == "not_received" and s.signed,
            "claim_is_quality": s.reason in FAULT_REASONS,
            # RS-02's "one big defect": a quality claim's own amount is not in its value ratio.
            "claim_counted_in_value_ratio": s.reason not in FAULT_REASONS,
            "worn_180d": int(worn),
            "freight_claims_180d": int(claims),
            "returns_180d": int(returns),
            # The buyer counts as one account of their cluster even with nothing linked.
            "cluster_accounts": max(1, int(linked)),
            "cluster_returns_7d": int(cluster_returns),
            "cluster_others_returning_7d": int(cluster_others),
            "cluster_new_accounts": int(cluster_new),
            "sku_quality_claims_others_90d": int(sku_claims),
            "sku_lines_others_90d": int(sku_lines),
            "evidence_reused": int(reused),
            "window_position": s.window_position,
            "sizes_of_one_spu": s.sizes_of_one_spu,
            "expected_weight_g": s.expected_weight_g,
            "return_weight_g": s.return_weight_g,
            "shipped_serials": list(s.shipped_serials),
            "returned_serials": list(s.returned_serials),
        }
    return out


def _counting_itself(row: tuple, s: Subject) -> tuple:
    """The row of a case not written yet as the read gives it once the case is: the case itself
    counted where `_row_sql` counts it — among the buyer's returns (in the claim's category, of
    the cluster's 7 days), refund-only claims on a shipped order, not-received claims on a
    signed parcel. (Refunds, inspections, freight claims and evidence of it there are none.)"""
    o, out = s.opening, list(row)
    returned = s.type in RETURN_TYPES
    out[0] = int(out[0] or 0) + (returned and s.category in o.categories)  # returns_cat
    out[4] = int(out[4] or 0) + (s.type == "refund_only" and o.shipped)  # ro90
    out[6] = int(out[6] or 0) + (s.reason == "not_received" and o.signed)  # inr90
    out[9] = int(out[9] or 0) + returned  # returns
    out[11] = int(out[11] or 0) + returned  # cluster_returns: the buyer is one of the members
    return tuple(out)


# --- Inputs read after the row (their own statements, so the row above stays one) ----------


def _per_subject(subjects: list[Subject], sql: str, values) -> list[tuple]:
    """`sql` (its first column the case id) once per subject, UNION ALL: one round trip."""
    params: list[Any] = []
    for s in subjects:
        params += values(s)
    with _cursor_for(subjects) as cursor:  # one subject: prepared, as gather's row
        cursor.execute(" UNION ALL ".join([sql] * len(subjects)), params)
        return cursor.fetchall()


def bought_by_category(subjects: list[Subject]) -> dict[int, dict[str, int]]:
    """{case: {category: lines bought in 180 d}} — RS-01 across the buyer's categories."""
    adapt = connection.ops.adapt_datetimefield_value
    rows = _per_subject(
        subjects,
        "SELECT * FROM (SELECT %s, ol.category, COUNT(*) FROM orders_orderline ol"
        " JOIN orders_order o ON o.id = ol.order_id WHERE o.buyer_id = %s"
        " AND o.placed_at >= %s GROUP BY ol.category) t",
        lambda s: [s.case_id, s.buyer_id, adapt(s.at - timedelta(days=180))],
    )
    out: dict[int, dict[str, int]] = {s.case_id: {} for s in subjects}
    for case_id, category, n in rows:
        out[case_id][category] = int(n)
    return out


def order_lines(subjects: list[Subject]) -> dict[int, dict[str, Any]]:
    """{case: the order's discount, 包邮 and every line — price, its share of the order
    discount, quantity, claimed by this case, held by the buyer's other returns} (RS-14)."""
    written = [s for s in subjects if s.opening is None]
    opening = [s for s in subjects if s.opening is not None]
    rows = (
        _per_subject(
            written,
            "SELECT c.id, o.discount, o.free_shipping, o.shipping_fee, ol.line_id, ol.quantity,"
            " ol.unit_price, ol.allocated_discount,"
            " (SELECT COALESCE(SUM(cl.quantity), 0) FROM cases_caseline cl"
            " WHERE cl.case_id = c.id AND cl.order_line_id = ol.id),"
            " (SELECT COALESCE(SUM(cl.quantity), 0) FROM cases_caseline cl"
            " JOIN cases_case c2 ON c2.id = cl.case_id WHERE cl.order_line_id = ol.id"
            f" AND cl.case_id <> c.id AND cl.holds_quantity AND c2.type IN {_RETURNS})"
            " FROM cases_case c JOIN orders_order o ON o.id = c.order_id"
            " JOIN orders_orderline ol ON ol.order_id = o.id WHERE c.id = %s",
            lambda s: [s.case_id],
        )
        if written
        else []
    )
    if opening:
        # The case not written yet: the order by its key, the case's own claims from the subject.
        claimed = {s.case_id: s.opening.claimed for s in opening}
        rows += [
            (*row[:8], claimed[row[0]].get(row[4], 0), row[9])
            for row in _per_subject(
                opening,
                "SELECT %s, o.discount, o.free_shipping, o.shipping_fee, ol.line_id, ol.quantity,"
                " ol.unit_price, ol.allocated_discount, 0,"
                " (SELECT COALESCE(SUM(cl.quantity), 0) FROM cases_caseline cl"
                " JOIN cases_case c2 ON c2.id = cl.case_id WHERE cl.order_line_id = ol.id"
                f" AND cl.holds_quantity AND c2.type IN {_RETURNS})"
                " FROM orders_order o JOIN orders_orderline ol ON ol.order_id = o.id"
                " WHERE o.id = %s",
                lambda s: [s.case_id, s.opening.order_id],
            )
        ]
    out: dict[int, dict[str, Any]] = {}
    for case_id, discount, free, fee, line_id, qty, price, share, claimed, before in rows:
        order = out.setdefault(
            case_id,
            {"order_discount": round(_number(discount), 2), "free_shipping": bool(free),
             "shipping_fee": round(_number(fee), 2), "order_lines": []},
        )  # fmt: skip
        order["order_lines"].append(
            {"line_id": line_id, "quantity": int(qty), "unit_price": round(_number(price), 2),
             "allocated_discount": round(_number(share), 2), "claimed": int(claimed),
             "returned_before": int(before)}
        )  # fmt: skip
    for order in out.values():
        order["order_lines"].sort(key=lambda line: line["line_id"])
    return out


def refund_only_claims(subjects: list[Subject]) -> dict[int, list[tuple[str, set[str]]]]:
    """{case: the buyer's refund-only claims on shipped orders in 90 d — the ones `gather`
    counts as `refund_only_90d`, this one included — each as (reason, its lines' categories)}
    (RS-08: which of them were not a refund without return of goods that could be sent back)."""
    adapt = connection.ops.adapt_datetimefield_value
    rows = _per_subject(
        subjects,
        "SELECT %s, c.id, c.reason, ol.category FROM cases_case c"
        " JOIN cases_caseline cl ON cl.case_id = c.id"
        " JOIN orders_orderline ol ON ol.id = cl.order_line_id"
        " WHERE c.buyer_id = %s AND c.opened_at >= %s AND c.type = 'refund_only'"
        " AND EXISTS (SELECT 1 FROM orders_shipment s WHERE s.order_id = c.order_id)",
        lambda s: [s.case_id, s.buyer_id, adapt(s.at - timedelta(days=90))],
    )
    claims: dict[int, dict[int, tuple[str, set[str]]]] = {s.case_id: {} for s in subjects}
    for case_id, claim_id, reason, category in rows:
        claims[case_id].setdefault(claim_id, (reason, set()))[1].add(category)
    for s in subjects:  # a case not written yet is one of its own claims, as the read counts it
        if s.opening is not None and s.type == "refund_only" and s.opening.shipped:
            claims[s.case_id][UNWRITTEN] = (s.reason, set(s.opening.categories))
    return {case_id: list(found.values()) for case_id, found in claims.items()}


def refund_only_not_counted(claims: list[tuple[str, set[str]]], policy) -> dict[str, int]:
    """Of the buyer's refund-only claims, those that are no sign of keeping goods for free: the
    not-received ones (RS-09's, with its own safeguard for a misdelivery) and the quality claims
    on perishable goods, which are refund-only by nature (policy `perishable_categories`)."""
    not_received = sum(1 for reason, _ in claims if reason == "not_received")
    perishable = sum(
        1
        for reason, categories in claims
        if reason in FAULT_REASONS and all(policy.perishable(c) for c in categories)
    )
    return {"refund_only_not_received_90d": not_received, "refund_only_perishable_90d": perishable}


# A punitive claim: damages beyond the refund (假一赔N, 退一赔三), the counterfeit dispute.
PUNITIVE_TYPES = ("counterfeit",)


def _similarity(texts: list[str]) -> float:
    """The highest likeness of two of the texts (0–1), whitespace and punctuation ignored."""
    cleaned = ["".join(ch for ch in t if ch.isalnum()) for t in texts if t.strip()][:20]
    best = 0.0
    for a, b in combinations(cleaned, 2):
        best = max(best, SequenceMatcher(None, a, b, autojunk=False).ratio())
    return round(best, 3)


def punitive_claims(subjects: list[Subject]) -> dict[int, dict[str, Any]]:
    """{case: the buyer's punitive claims in 90 d — the shops, how many on multi-unit lines,
    the likeness of their texts} (RS-12)."""
    adapt = connection.ops.adapt_datetimefield_value
    rows = _per_subject(
        subjects,
        "SELECT %s, d.merchant_id, d.claim, (SELECT MAX(ol.quantity) FROM orders_orderline ol"
        " WHERE ol.order_id = d.order_id) FROM disputes_dispute d WHERE d.buyer_id = %s"
        f" AND d.opened_at >= %s AND d.type IN {_in(PUNITIVE_TYPES)}",
        lambda s: [s.case_id, s.buyer_id, adapt(s.at - timedelta(days=90))],
    )
    found: dict[int, list[tuple]] = {s.case_id: [] for s in subjects}
    for case_id, merchant_id, claim, units in rows:
        found[case_id].append((merchant_id, claim or "", int(units or 0)))
    return {
        case_id: {
            "punitive_claims_90d": len(claims),
            "punitive_shops_90d": len({m for m, _, _ in claims}),
            "punitive_multi_unit_90d": sum(1 for _, _, units in claims if units >= 2),
            "punitive_text_similarity": _similarity([text for _, text, _ in claims]),
        }
        for case_id, claims in found.items()
    }


def not_received_order_claims(subjects: list[Subject]) -> dict[int, int]:
    """{case: the buyer's not-received claims in 90 d raised as an order's dispute (no case)
    on an order the carrier shows signed for} — RS-09's count beside its cases."""
    adapt = connection.ops.adapt_datetimefield_value
    rows = _per_subject(
        subjects,
        "SELECT %s, COUNT(*) FROM disputes_dispute d WHERE d.buyer_id = %s"
        " AND d.opened_at >= %s AND d.case_id IS NULL AND d.type = 'not_received'"
        " AND EXISTS (SELECT 1 FROM orders_shipment s WHERE s.order_id = d.order_id"
        " AND s.signed_at IS NOT NULL)",
        lambda s: [s.case_id, s.buyer_id, adapt(s.at - timedelta(days=90))],
    )
    return {case_id: int(n) for case_id, n in rows}


def extend(
    inputs: dict[int, dict[str, Any]],
    subjects: Iterable[Subject],
    policy_for,
    lines_by_category: dict | None = None,
) -> None:
    """Add to `gather`'s inputs what its row does not read, each only where its signal can fire
    (as the merchant's quality rate): the lines bought per category, weighed by the policy's
    baselines, from RS-01's minimum of returns; the order's lines and promotions where the shop
    has published its 满减 / 包邮 thresholds (RS-14); the buyer's punitive claims on a quality
    claim (RS-12); which refund-only claims RS-08 does not count, from its minimum of them; on a
    not-received claim against a signed parcel, the same claims raised as an order's dispute
    (RS-09); the buyer's bracket returns where RS-01, RS-02 or RS-15 fires without them (they
    only ever lower those three). An ordinary case costs no statement more."""
    subjects = list(subjects)
    if not subjects:
        return

    def rs14_on(s: Subject) -> bool:
        t = policy_for(s).thresholds("RS-14", s.category)
        return bool(t["full_reduction_from"] or t["free_shipping_from"])

    many = [
        s
        for s in subjects
        if inputs[s.case_id]["returns_180d"]
        >= policy_for(s).thresholds("RS-01", s.category)["min_returns"]
    ]
    promoted = [s for s in subjects if rs14_on(s)]
    refund_only = [
        s
        for s in subjects
        if inputs[s.case_id]["refund_only_90d"]
        >= policy_for(s).thresholds("RS-08", s.category)["count"]
    ]
    quality = [s for s in subjects if inputs[s.case_id]["claim_is_quality"]]
    not_received = [s for s in subjects if inputs[s.case_id].get("claim_is_inr_despite_pod")]
    # RS-01's lines per category: from gather's row where it counted them, else read.
    counted = lines_by_category or {}
    unread = [s for s in many if s.case_id not in counted]
    bought = bought_by_category(unread) if unread else {}
    bought.update({s.case_id: counted[s.case_id] for s in many if s.case_id in counted})
    orders = order_lines(promoted) if promoted else {}
    punitive = punitive_claims(quality) if quality else {}
    claims = refund_only_claims(refund_only) if refund_only else {}
    disputed = not_received_order_claims(not_received) if not_received else {}
    for s in subjects:
        mine = inputs[s.case_id]
        if s.case_id in disputed:
            mine["inr_despite_pod_disputes_90d"] = disputed[s.case_id]
            mine["inr_despite_pod_90d"] += disputed[s.case_id]
        mine.update(orders.get(s.case_id, {}))
        mine.update(punitive.get(s.case_id, {}))
        if s.case_id in claims:
            mine.update(refund_only_not_counted(claims[s.case_id], policy_for(s)))
        if s.case_id not in bought:
            continue
        policy, lines = policy_for(s), bought[s.case_id]
        baselines = [policy.baseline(c) for c in lines]
        mine["lines_180d_by_category"] = lines
        mine["lines_180d"] = sum(lines.values())
        # A category with no baseline leaves the expectation unknown: judged in-category only.
        mine["expected_returns_180d"] = (
            round(sum(n * b for n, b in zip(lines.values(), baselines, strict=True)), 4)
            if all(b is not None for b in baselines)
            else None
        )
    # Bracketing only ever lowers RS-01, RS-02 and RS-15: read where one fires without it.
    sizing = [s for s in subjects if fires(inputs[s.case_id], policy_for(s), SIZING)]
    if sizing:
        for case_id, found in bracket_returns(sizing, policy_for).items():
            inputs[case_id].update(found)


# --- Bracketing: the sizes sent back of a product bought in several (RS-05) ------------------


# The signals whose false-positive risk is sizing or the heavy returner (RISK-SIGNALS.md).
SIZING = ("RS-01", "RS-02", "RS-15")


def _attributes(value: Any) -> dict[str, Any]:
    """A line's attributes as the cursor gives them: a dict (PostgreSQL's jsonb) or its text."""
    if isinstance(value, str):
        value = json.loads(value or "{}")
    return value if isinstance(value, dict) else {}


def bracket_returns(subjects: list[Subject], policy_for) -> dict[int, dict[str, Any]]:
    """{case: the buyer's bracket returns of 180 d} — RS-01's and RS-02's "sizing" (RS-05),
    and RS-15's "heavy returners".

    A **bracket** is an order holding two or more sizes of one product (lines whose attributes
    name the same `spu` with different `size`s) of which the buyer keeps one: some line of the
    product is not taken back by a return that still holds it. A **bracket return** is a return
    whose every line is a size of such a bracket, on an order placed in the window: the sizes
    that did not fit, sent back — legitimate (RS-05 never blocks), so RS-01, RS-02 and RS-15
    judge the buyer as if those sizes had never been bought. Whether a size is kept is read
    now, not when the return opened: once the last size goes back too, every return of the
    order counts."""
    adapt = connection.ops.adapt_datetimefield_value
    rows = _per_subject(
        subjects,
        "SELECT %s, o.id, o.placed_at >= %s, ol.id, ol.line_id, ol.category, ol.quantity,"
        " ol.attributes, c.id, c.opened_at >= %s, cl.quantity, cl.holds_quantity,"
        " (SELECT SUM(r.amount) FROM refunds_refund r WHERE r.case_id = c.id"
        f" AND r.state IN {_in(COUNTING)}),"
        " EXISTS (SELECT 1 FROM refunds_freightinsuranceclaim f WHERE f.case_id = c.id)"
        " FROM orders_order o JOIN orders_orderline ol ON ol.order_id = o.id"
        " LEFT JOIN cases_caseline cl ON cl.order_line_id = ol.id AND EXISTS (SELECT 1"
        f" FROM cases_case c3 WHERE c3.id = cl.case_id AND c3.type IN {_RETURNS})"
        " LEFT JOIN cases_case c ON c.id = cl.case_id"
        " WHERE o.buyer_id = %s AND (o.id = %s OR o.id IN (SELECT c2.order_id FROM cases_case c2"
        f" WHERE c2.buyer_id = %s AND c2.opened_at >= %s AND c2.type IN {_RETURNS}))",
        lambda s: [
            s.case_id,
            t180 := adapt(s.at - timedelta(days=180)),
            t180,
            s.buyer_id,
            s.opening.order_id if s.opening is not None else 0,
            s.buyer_id,
            t180,
        ],
    )
    found: dict[int, list[tuple]] = {s.case_id: [] for s in subjects}
    for row in rows:
        found[row[0]].append(row[1:])
    return {s.case_id: _brackets_of(s, found[s.case_id], policy_for(s)) for s in subjects}


def _brackets_of(s: Subject, rows: list[tuple], policy) -> dict[str, Any]:
    """The bracket returns among one subject's rows (see `bracket_returns`), as inputs."""
    product: dict[int, tuple[int, str, str, str, int]] = {}  # line: order, category, spu, size, qty
    line_of: dict[tuple[int, str], int] = {}  # (order, line_id): line
    held: Counter[int] = Counter()  # line: quantity taken back by returns that still hold it
    claims: dict[int, set[int]] = {}  # return case: the lines it claims
    counted: set[int] = set()  # return cases opened in the window
    refunded: dict[int, float] = {}
    insured: set[int] = set()  # return cases with a freight-insurance claim
    windowed: set[int] = set()  # orders placed in the window
    for (order_id, in_window, line, line_id, category, quantity, attributes, case_id,
         case_in_window, claimed, holds, refund, freight_claim) in rows:  # fmt: skip
        attrs = _attributes(attributes)
        product[line] = (order_id, category, str(attrs.get("spu") or ""),
                         str(attrs.get("size") or ""), int(quantity))  # fmt: skip
        line_of[(order_id, line_id)] = line
        windowed.update([order_id] if in_window else [])
        if case_id is None:
            continue
        claims.setdefault(case_id, set()).add(line)
        counted.update([case_id] if case_in_window else [])
        held[line] += int(claimed) if holds else 0
        refunded[case_id] = _number(refund)
        insured.update([case_id] if freight_claim else [])
    if s.opening is not None:  # the case not written yet claims what the opening holds
        mine: dict[int, int] = {}
        for line_id, quantity in s.opening.claimed.items():
            if (line := line_of.get((s.opening.order_id, line_id))) is not None:
                mine[line] = quantity
        held.update(mine)
        claims[UNWRITTEN], refunded[UNWRITTEN] = set(mine), 0.0
        counted.add(UNWRITTEN)
    # The products of each order bought in several sizes, of which a size is kept.
    sizes: dict[tuple[int, str], set[str]] = {}
    kept: set[tuple[int, str]] = set()
    for line, (order_id, _, spu, size, quantity) in product.items():
        if spu and size:
            sizes.setdefault((order_id, spu), set()).add(size)
            if quantity > held[line]:
                kept.add((order_id, spu))
    bracketed = {key for key, found in sizes.items() if len(found) >= 2 and key in kept}
    returns = [
        case_id
        for case_id in sorted(counted)
        if claims[case_id]
        and all(product[line][0] in windowed for line in claims[case_id])
        and all((product[line][0], product[line][2]) in bracketed for line in claims[case_id])
    ]
    by_category: Counter[str] = Counter(
        product[line][1] for line in {line for c in returns for line in claims[c]}
    )
    baselines = {category: policy.baseline(category) for category in by_category}
    own = s.case_id if s.opening is None else UNWRITTEN
    return {
        "bracket_returns_180d": len(returns),
        "bracket_returns_180d_category": sum(
            1 for c in returns if any(product[line][1] == s.category for line in claims[c])
        ),
        "bracket_lines_180d": sum(by_category.values()),
        "bracket_lines_180d_category": by_category.get(s.category, 0),
        "bracket_expected_returns_180d": (
            round(sum(n * baselines[c] for c, n in by_category.items()), 4)
            if all(b is not None for b in baselines.values())
            else None
        ),
        "bracket_refunded_180d": round(sum(refunded[c] for c in returns if c != own), 2),
        "bracket_freight_claims_180d": sum(1 for c in returns if c in insured),
        "claim_is_bracket_return": own in returns,
    }
