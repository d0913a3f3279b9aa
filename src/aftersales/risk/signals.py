"""The signal catalogue (RISK-SIGNALS.md RS-01..22, those the platform holds data for): each
signal a small declared pure function of the inputs snapshot and its thresholds, returning what
it found (a Finding with the figures that made it fire) or None. Nothing here reads the
database or the clock; the same inputs and thresholds give the same answer (replay).

A signal that needs an input the snapshot does not hold raises `Missing`: the score cannot be
computed in full, and the request is allowed with review — never denied (scoring.py)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

# The action ladder, lowest first. There is nothing above review: no deny, no ban.
LEVELS = ("allow", "warn", "friction", "review")

# When a signal is evaluated: at opening, at the events that bring new facts, and when a
# dispute or compensation claim opens (risk/disputes.py: the buyer's history as of then).
OPEN, RETURN_SCAN, INSPECT, DISPUTE = "open", "return_scan", "inspect", "dispute"
ALL_TRIGGERS = frozenset({OPEN, RETURN_SCAN, INSPECT, DISPUTE})


class Missing(Exception):
    """An input the signal needs is not in the snapshot."""


@dataclass(frozen=True)
class Finding:
    detail: dict[str, Any]


@dataclass(frozen=True)
class Signal:
    code: str
    title: Any  # lazily translated
    explain: Any  # what the reviewer reads, with the detail's figures formatted in
    needs: tuple[str, ...]
    defaults: dict[str, float]  # thresholds, [I] defaults of RISK-SIGNALS.md; `points` is one
    compute: Callable[[Mapping[str, Any], Mapping[str, float]], Finding | None]
    # The highest level this signal alone may bring (RS-01: warn only; RS-05: never blocks),
    # and the least it brings when it fires (RS-06/07: held for a person).
    ceiling: str = "review"
    floor: str = "allow"
    triggers: frozenset[str] = ALL_TRIGGERS
    safeguards: tuple[str, ...] = field(default=("E", "A"))
    # What the reviewer reads after `explain` when the detail holds the key (what was set apart).
    notes: tuple[tuple[str, Any], ...] = ()

    def explained(self, detail: Mapping[str, Any]) -> str:
        text = str(self.explain) % detail
        return text + "".join(str(note) % detail for key, note in self.notes if key in detail)

    def run(self, inputs: Mapping[str, Any], thresholds: Mapping[str, float]) -> Finding | None:
        absent = [name for name in self.needs if name not in inputs]
        if absent:
            raise Missing(", ".join(absent))
        return self.compute(inputs, thresholds)


def _require(inputs: Mapping[str, Any], *names: str) -> None:
    """For inputs read only when the signal can fire (inputs.extend): absent when it could is
    missing data."""
    absent = [name for name in names if name not in inputs]
    if absent:
        raise Missing(", ".join(absent))


def _ratio(num: float, den: float) -> float:
    """num ÷ den; something over nothing is infinitely many (a ratio only falls as den grows)."""
    if den:
        return num / den
    return math.inf if num else 0.0


def _shown(value: float, places: int = 3) -> float | None:
    """A ratio as the reason shows it (JSON has no infinity: None)."""
    return None if math.isinf(value) else round(value, places)


# --- The buyer's own history --------------------------------------------------------------


def _set_apart_sizing(judge):
    """RS-01, RS-02 and RS-15 judged again without the buyer's bracket returns
    (inputs.bracket_returns: the sizes sent back of a product bought in several, one kept — the
    catalogue's "sizing", RS-05's "never blocks"), where they were read: that judgement stands
    only if the first one fired too, so setting sizing apart can clear a signal, never raise
    one. Snapshots taken before they were read hold none, and replay as they were scored."""

    def signal(i, t):
        found = judge(i, t, sizing=False)
        if found is None or "bracket_returns_180d" not in i:
            return found
        return judge(i, t, sizing=True)

    return signal


def _return_rate(i, t, *, sizing):
    baseline = i["category_baseline_return_rate"]
    if baseline is None:  # a category with no baseline in the policy: cannot be judged
        raise Missing("category_baseline_return_rate")
    apart = i["bracket_returns_180d_category"] if sizing else 0
    returns = i["returns_180d_category"] - apart
    bought = i["lines_180d_category"] - (i["bracket_lines_180d_category"] if sizing else 0)
    rate = _ratio(returns, bought)
    if returns >= t["min_returns"] and rate >= t["multiple"] * baseline:
        detail = {"returns": returns, "bought": bought, "rate": _shown(rate, 3),
                  "baseline": baseline}  # fmt: skip
        return Finding(_noting(detail, sizing_not_counted=apart))
    # Across the buyer's categories, each at its own baseline: a returner who spreads the
    # returns over apparel and electronics reaches five in neither. Absent from snapshots
    # taken before it was read, so those replay as they were scored.
    expected = i.get("expected_returns_180d")
    if sizing and expected is not None:
        sized = i["bracket_expected_returns_180d"]
        expected = None if sized is None else expected - sized
    apart = i["bracket_returns_180d"] if sizing else 0
    returns = i["returns_180d"] - apart
    if (expected is not None and returns >= t["min_returns"]
            and _ratio(returns, expected) >= t["multiple"]):  # fmt: skip
        lines = i["lines_180d"] - (i["bracket_lines_180d"] if sizing else 0)
        detail = {"returns": returns, "bought": lines, "rate": _shown(_ratio(returns, lines), 3),
                  "baseline": round(_ratio(expected, lines), 3),
                  "expected": round(expected, 2), "across": True}  # fmt: skip
        return Finding(_noting(detail, sizing_not_counted=apart))
    return None


def _value_ratio(i, t, *, sizing):
    # "One big defect" (the catalogue's FP risk for RS-02): a quality claim is judged on the
    # history before it, so a single expensive defect never makes the ratio; a second one does.
    # Absent from snapshots taken before, which counted the claim and replay as they were scored.
    counted = i.get("claim_counted_in_value_ratio", True)
    # Bracket returns are neither refunded nor bought: what came back of them comes off both.
    own = sizing and i["claim_is_bracket_return"]
    apart = (i["bracket_refunded_180d"] if sizing else 0) + (i["claim_amount"] if own else 0)
    claim = i["claim_amount"] if counted and not own else 0
    refunded = i["refunded_180d"] + claim - (i["bracket_refunded_180d"] if sizing else 0)
    bought = i["bought_180d"] - apart
    ratio = _ratio(refunded, bought)
    if ratio >= t["ratio"] and refunded >= t["min_amount"]:
        detail = {"refunded": round(refunded, 2), "bought": round(bought, 2),
                  "ratio": _shown(ratio, 3)}  # fmt: skip
        if not counted and i["claim_amount"]:
            detail["claim_not_counted"] = round(i["claim_amount"], 2)
        return Finding(_noting(detail, sizing_not_counted=round(apart, 2)))
    return None


def _noting(detail: dict[str, Any], **set_apart: float) -> dict[str, Any]:
    """The detail with what was set apart, where anything was."""
    detail.update({key: value for key, value in set_apart.items() if value})
    return detail


_rs01 = _set_apart_sizing(_return_rate)
_rs02 = _set_apart_sizing(_value_ratio)


def _rs03(i, t):
    """Velocity across accounts: one account's own week of returns is RS-01's to judge, so a
    heavy returner on a family's device is not a cluster until another account returns too (the
    catalogue's "families"). A snapshot taken before the others were counted holds no such
    input, and replays as it was scored."""
    linked, returns = i["cluster_accounts"], i["cluster_returns_7d"]
    others = i.get("cluster_others_returning_7d")
    if others is not None and others < t["others"]:
        return None
    if linked >= 2 and returns >= t["returns_7d"]:
        detail = {"accounts": linked, "returns_7d": returns}
        return Finding(detail if others is None else {**detail, "others": others})
    return None


def _rs04(i, t):
    position, worn = i["window_position"], i["worn_180d"]
    if position is None:  # not delivered yet: no window position
        return None
    if position >= t["position"] and worn >= t["worn"]:
        return Finding({"position": round(position, 2), "worn": worn})
    return None


def _rs05(i, t):
    sizes = i["sizes_of_one_spu"]
    if sizes >= t["sizes"]:
        return Finding({"sizes": sizes})
    return None


def _rs08(i, t):
    # Not counted: a not-received claim (nothing was kept: RS-09's, with its misdelivery
    # safeguard) and a quality claim on goods the shop declares perishable (refund-only by
    # nature). Read only from RS-08's minimum (inputs.extend); absent from snapshots taken
    # before, which replay as they were scored.
    not_received = i.get("refund_only_not_received_90d", 0)
    perishable = i.get("refund_only_perishable_90d", 0)
    count, orders = i["refund_only_90d"] - not_received - perishable, i["orders_90d"]
    ratio = _ratio(count, orders)
    # Weigh the merchant's quality refund rate: a bad merchant explains many 仅退款.
    excused = i["merchant_quality_rate"] >= t["merchant_quality_rate"]
    if count >= t["count"] and ratio >= t["ratio"] and not excused:
        detail = {"refund_only": count, "orders": orders, "ratio": _shown(ratio, 3)}
        if not_received or perishable:
            detail["not_counted"] = not_received + perishable
        return Finding(detail)
    return None


def _rs09(i, t):
    count = i["inr_despite_pod_90d"]
    if i["claim_is_inr_despite_pod"] and count >= t["count"]:
        return Finding({"count": count})
    return None


def _rs10(i, t):
    if not i["claim_is_quality"]:
        return None
    others, lines = i["sku_quality_claims_others_90d"], i["sku_lines_others_90d"]
    share = _ratio(others, lines)
    # Clears as soon as others report the same SKU (a real defective batch).
    if lines >= t["min_lines"] and share < t["share"]:
        return Finding({"others_quality_claims": others, "others_lines": lines,
                        "share": _shown(share, 4)})  # fmt: skip
    return None


def _rs11(i, t):
    reused = i["evidence_reused"]
    if reused >= t["count"]:
        return Finding({"reused": reused})
    return None


def _rs12(i, t):
    # Only on a statutory claim: that is where a pro claimant's template lands. A person
    # verifies the facts (floor review); the claim goes on through its own flow meanwhile.
    if not i["claim_is_quality"]:
        return None
    _require(i, "punitive_shops_90d", "punitive_multi_unit_90d", "punitive_text_similarity")
    shops, multi = i["punitive_shops_90d"], i["punitive_multi_unit_90d"]
    likeness = i["punitive_text_similarity"]
    if shops >= t["shops"] and multi >= t["multi_unit"] and likeness >= t["similarity"]:
        return Finding({"shops": shops, "multi_unit": multi, "similarity": likeness})
    return None


def _rs14(i, t):
    """Line by line: what is kept of the order after this return, against the shop's 满减 and
    包邮 thresholds. A shop that has not published them is not guessed for."""
    if not t["full_reduction_from"] and not t["free_shipping_from"]:
        return None
    _require(i, "order_lines", "order_discount", "free_shipping")
    lines = i["order_lines"]
    kept = sum(ln["unit_price"] * max(0, ln["quantity"] - ln["claimed"] - ln["returned_before"])
               for ln in lines)  # fmt: skip
    if kept <= 0:  # the whole order back: refunded in full, nothing to re-settle
        return None
    broken = []
    if i["order_discount"] > 0 and kept < t["full_reduction_from"]:
        broken.append("满减")
    if i["free_shipping"] and kept < t["free_shipping_from"]:
        broken.append("包邮")
    if not broken:
        return None
    return Finding({"broken": " + ".join(broken), "kept": round(kept, 2),
                    "discount": i["order_discount"], "lines": lines})  # fmt: skip


def _rs13(i, t):
    accounts, new = i["cluster_accounts"], i["cluster_new_accounts"]
    if accounts >= t["accounts"] and new >= t["new_accounts"]:
        return Finding({"accounts": accounts, "new_accounts": new})
    return None


def _freight_claims(i, t, *, sizing):
    # Bracket returns (see RS-01) insured for the way back are what 运费险 is for: set apart with
    # their claims. (RS-15's catalogue FP risk is the heavy returner.)
    claims = i["freight_claims_180d"] - (i["bracket_freight_claims_180d"] if sizing else 0)
    apart = i["bracket_returns_180d"] if sizing else 0
    returns = i["returns_180d"] - apart
    ratio = _ratio(claims, returns)
    if returns >= t["min_returns"] and ratio >= t["ratio"]:
        detail = {"claims": claims, "returns": returns, "ratio": _shown(ratio, 3)}
        return Finding(_noting(detail, sizing_not_counted=apart))
    return None


_rs15 = _set_apart_sizing(_freight_claims)


# --- Facts that arrive later --------------------------------------------------------------


def _rs06(i, t):
    weight, expected = i["return_weight_g"], i["expected_weight_g"]
    if weight is None or not expected:  # no carrier weight, or no catalogue weight
        return None
    ratio = weight / expected
    if ratio < t["ratio"]:
        return Finding({"weight_g": weight, "expected_g": expected, "ratio": _shown(ratio, 3)})
    return None


def _rs07(i, t):
    shipped, returned = set(i["shipped_serials"]), set(i["returned_serials"])
    if not shipped or not returned:
        return None
    foreign = sorted(returned - shipped)
    if len(foreign) >= t["count"]:
        return Finding({"returned_not_shipped": foreign})
    return None


SIGNALS: tuple[Signal, ...] = (
    Signal(
        "RS-01", _("Return rate"),
        _("%(returns)s returns of %(bought)s bought in 180 days (rate %(rate)s, baseline "
          "%(baseline)s for the categories bought)"),
        ("returns_180d_category", "lines_180d_category", "category_baseline_return_rate",
         "returns_180d"),
        {"multiple": 3, "min_returns": 5, "points": 15}, _rs01, ceiling="warn",
        notes=(("sizing_not_counted", _("; not counted: %(sizing_not_counted)s returns of the "
                                        "sizes that did not fit, one size of the product kept")),),
    ),
    Signal(
        "RS-02", _("Value ratio"),
        _("¥%(refunded)s refunded of ¥%(bought)s bought in 180 days (ratio %(ratio)s)"),
        ("refunded_180d", "bought_180d", "claim_amount"),
        {"ratio": 0.6, "min_amount": 2000, "points": 25}, _rs02,
        notes=(("sizing_not_counted", _("; not counted: ¥%(sizing_not_counted)s of the sizes "
                                        "that did not fit, one size of the product kept")),),
    ),
    Signal(
        "RS-03", _("Cluster velocity"),
        _("%(returns_7d)s returns in 7 days across %(accounts)s linked accounts"),
        ("cluster_accounts", "cluster_returns_7d"),
        {"returns_7d": 5, "others": 1, "points": 40}, _rs03,
        notes=(("others", _("; %(others)s of the other accounts returned")),),
    ),
    Signal(
        "RS-04", _("Wardrobing timing"),
        _("requested at %(position)s of the return window, %(worn)s earlier returns came back "
          "worn"),
        ("window_position", "worn_180d"),
        {"position": 0.85, "worn": 2, "points": 30}, _rs04, floor="friction",
        safeguards=("E", "A", "H"),
    ),
    Signal(
        "RS-05", _("Bracketing"),
        _("%(sizes)s sizes of one product in the order (information only)"),
        ("sizes_of_one_spu",),
        {"sizes": 2, "points": 0}, _rs05, ceiling="allow", safeguards=("E",),
    ),
    Signal(
        "RS-06", _("Weight mismatch"),
        _("the carrier weighed %(weight_g)s g, the goods weigh %(expected_g)s g "
          "(ratio %(ratio)s): hold for inspection"),
        ("return_weight_g", "expected_weight_g"),
        {"ratio": 0.5, "points": 40}, _rs06, floor="review",
        triggers=frozenset({RETURN_SCAN, INSPECT}), safeguards=("H", "A"),
    ),
    Signal(
        "RS-07", _("Swap"),
        _("serial numbers returned that were not shipped: %(returned_not_shipped)s"),
        ("shipped_serials", "returned_serials"),
        {"count": 1, "points": 60}, _rs07, floor="review",
        triggers=frozenset({INSPECT}), safeguards=("H", "A"),
    ),
    Signal(
        "RS-08", _("Refund-only ratio"),
        _("%(refund_only)s refunds without return of %(orders)s orders in 90 days "
          "(ratio %(ratio)s)"),
        ("refund_only_90d", "orders_90d", "merchant_quality_rate"),
        {"count": 3, "ratio": 0.2, "merchant_quality_rate": 0.15, "points": 40}, _rs08,
    ),
    Signal(
        "RS-09", _("Not received despite proof of delivery"),
        _("%(count)s not-received claims in 90 days on parcels the carrier shows signed"),
        ("inr_despite_pod_90d", "claim_is_inr_despite_pod"),
        {"count": 2, "points": 30}, _rs09, floor="friction", safeguards=("E", "A", "H"),
    ),
    Signal(
        "RS-10", _("Reason outlier"),
        _("a quality claim on a product others rarely report (%(others_quality_claims)s of "
          "%(others_lines)s)"),
        ("claim_is_quality", "sku_quality_claims_others_90d", "sku_lines_others_90d"),
        {"share": 0.02, "min_lines": 30, "points": 15}, _rs10, ceiling="friction",
        safeguards=("H",),
    ),
    Signal(
        "RS-11", _("Evidence reuse"),
        _("%(reused)s photos of this case were filed with another buyer's case"),
        ("evidence_reused",),
        {"count": 1, "points": 40}, _rs11, floor="review", safeguards=("H",),
    ),
    Signal(
        "RS-12", _("Pro claimant"),
        _("punitive claims at %(shops)s shops in 90 days, %(multi_unit)s on several units, "
          "texts %(similarity)s alike: verify the facts"),
        ("claim_is_quality",),
        {"shops": 3, "multi_unit": 1, "similarity": 0.9, "points": 40}, _rs12, floor="review",
        safeguards=("H",),
    ),
    Signal(
        "RS-13", _("Multi-account"),
        _("%(accounts)s linked accounts, %(new_accounts)s of them new"),
        ("cluster_accounts", "cluster_new_accounts"),
        {"accounts": 3, "new_accounts": 2, "points": 30}, _rs13,
    ),
    Signal(
        "RS-14", _("Subsidy clawback"),
        _("the lines kept (¥%(kept)s) no longer reach the shop's promotion (%(broken)s): "
          "re-settle the refund line by line"),
        (),
        {"full_reduction_from": 0, "free_shipping_from": 0, "points": 0}, _rs14,
        ceiling="warn", triggers=frozenset({OPEN}), safeguards=("E",),
    ),
    Signal(
        "RS-15", _("Freight insurance claims"),
        _("%(claims)s freight-insurance claims on %(returns)s returns (ratio %(ratio)s)"),
        ("freight_claims_180d", "returns_180d"),
        {"ratio": 0.8, "min_returns": 5, "points": 40}, _rs15,
        notes=(("sizing_not_counted", _("; not counted: %(sizing_not_counted)s returns of the "
                                        "sizes that did not fit, one size of the product kept")),),
    ),
)  # fmt: skip
BY_CODE: dict[str, Signal] = {s.code: s for s in SIGNALS}

# Catalogue rows that are the merchant's, not the request's: credit/signals.py.
NOT_COMPUTED = ("RS-16", "RS-17", "RS-18", "RS-19", "RS-20", "RS-21", "RS-22")
