"""The policy document: every rule the engine applies, as data, each with the POLICY-FACTS row
it comes from and the date that row was verified. Versions store this document whole.

Layers, most specific last: the platform's `rules` and `durations`, then `categories[cat]`,
then `merchants[code]`. Category and merchant layers are sparse overrides and may only be
*more generous to the buyer* than the law (and than the platform's own timeouts); anything
else is refused with the reason and the row (see `check_override`)."""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aftersales.core.errors import FieldError, PolicyRefused
from aftersales.policy.vocabulary import (
    CATEGORIES,
    CONDITIONS,
    CONFIRMABLE_EXCLUSIONS,
    HOLIDAY_EXTENSION_MODES,
    REASONS,
    REQUEST_TYPES,
    STATUTORY_EXCLUSIONS,
)

SCHEMA_ID = "aftersales-policy/1"
VERIFIED = "2026-11-01"  # the date POLICY-FACTS rows were read for this default set


def _r(source: str, **values: Any) -> dict[str, Any]:
    return {**values, "source": source, "verified_at": VERIFIED}


DEFAULT_RULES: dict[str, dict[str, Any]] = {
    # 七日无理由: day 1 is the day after 签收; ends 24:00 of day 7 (L2§10, 民法典§201).
    "no_reason_window": _r("NR-02", days=7, holiday_extension="statutory_only"),
    "statutory_exclusions": _r("NR-03", kinds=list(STATUTORY_EXCLUSIONS)),
    "confirmable_exclusions": _r("NR-04", kinds=list(CONFIRMABLE_EXCLUSIONS)),
    # What breaks 完好 by category (NR-07); opening to inspect does not (NR-06).
    "not_intact_conditions": _r(
        "NR-07",
        default=["used", "damaged"],
        by_category={
            "food": ["seal_broken", "used", "damaged"],
            "fresh": ["seal_broken", "used", "damaged"],
            "cosmetics": ["seal_broken", "used", "damaged"],
            "electronics": ["used", "damaged"],
            "appliances": ["used", "damaged"],
            "digital": ["seal_broken", "used", "damaged"],
            "apparel": ["tags_removed", "used", "damaged"],
            "shoes_bags": ["tags_removed", "used", "damaged"],
            "toys": ["tags_removed", "used", "damaged"],
            "home": ["tags_removed", "used", "damaged"],
        },
    ),
    "quality_return": _r("Q-01", days=7),
    "quality_exchange": _r("3B-01", days=15),
    # Which clock quality windows and warranties run on (ambiguity 3): the later of delivery
    # and installation completion.
    "quality_clock": _r("Q-04", start="later_of_delivery_and_installation"),
    "warranty": _r("3B-02", default_months={"electronics": 12, "appliances": 12}),
    "repeated_repairs": _r("3B-03", failed_repairs_before_exchange=2),
    # A repair that took longer than this through the repairer's fault: exchange or return.
    "long_repair": _r("3B-04", days=30),
    "refund_before_shipment": _r("TB-01", approval="automatic"),
    "refund_in_transit": _r("TB-02", approval="merchant"),
    # 仅退款 after delivery without sending goods back: no source for a general right (PDD-01),
    # so only where the goods are unfit to return (fresh goods with a seller fault).
    "refund_without_return": _r("PDD-01", enabled=False, when_unfit_to_return=True),
    "price_protection": _r("JD-04", days=7, start="placed"),
    "no_reason_auto_approval": _r("merchant", enabled=False),
    "return_shipping": _r(
        "NR-10", no_reason="buyer", seller_fault="merchant", no_reason_exchange="buyer"
    ),
    "gifts": _r("NR-11", charge="marked_price"),
    "required_evidence": _r(
        "platform",
        by_reason={
            "quality_issue": ["photos"],
            "not_as_described": ["photos"],
            "damaged_in_transit": ["photos", "package_photos"],
            "wrong_item": ["photos"],
            "missing_parts": ["photos"],
            "counterfeit": ["photos", "authenticity_proof"],
            "price_drop": ["price_screenshot"],
        },
    ),
    # The guarantee fund's deposit (保证金) a merchant keeps per category it sells in: fund terms
    # are the platform's to agree with the seller (EC-06); the highest of its categories counts.
    "guarantee_deposit": _r(
        "EC-06",
        currency="CNY",
        default="1000.00",
        by_category={
            "electronics": "10000.00",
            "appliances": "10000.00",
            "digital": "5000.00",
            "cosmetics": "5000.00",
            "food": "3000.00",
            "fresh": "3000.00",
            "apparel": "2000.00",
            "shoes_bags": "2000.00",
        },
    ),
}


def _d(source: str, amount: int, unit: str, **extra: Any) -> dict[str, Any]:
    return {"amount": amount, "unit": unit, **extra, "source": source, "verified_at": VERIFIED}


# The platform timeouts the case engine, disputes and SLAs read by name.
DEFAULT_DURATIONS: dict[str, dict[str, Any]] = {
    "merchant_review_unshipped": _d("TB-01", 48, "hours"),
    "merchant_review": _d("TB-02", 5, "days"),
    "merchant_review_virtual": _d("TB-02", 3, "days"),
    "merchant_quality_review": _d("JD-02", 48, "hours"),
    "buyer_ship_return": _d("TB-03", 7, "days"),
    "merchant_confirm_receipt": _d("TB-04", 10, "days"),
    "merchant_refund_after_receipt": _d("NR-08", 7, "days"),
    "merchant_give_return_address": _d("NR-09", 15, "days"),
    "merchant_dispute_answer": _d("JD-01", 24, "hours"),
    "dispute_evidence": _d("DS-06", 4, "window_hours", window="09:00-18:00", every_day=True),
    "appeal_window": _d("DS-02", 15, "days"),
    "merchant_execute_ruling": _d("DS-19", 24, "hours"),
    # Disputes (docs/disputes.md): the merchant's answer, the approval after a quality ruling,
    # suspension's resume rules, the desk's own ruling target.
    "dispute_merchant_answer": _d("DS-05", 24, "hours"),
    "merchant_execute_quality_ruling": _d("DS-19", 48, "hours"),
    "dispute_suspension_settlement": _d("DS-21", 30, "days"),
    "dispute_suspension_receipt": _d("DS-21", 7, "working_days"),
    "dispute_suspension_police": _d("DS-21", 6, "months"),
    "dispute_ruling": _d("CP-06", 7, "working_days"),
    "ruling_appeal_window": _d("DS-20", 7, "days"),
    "merchant_contest_pay_first": _d("GF-03", 7, "days"),
    "buyer_confirm_replacement": _d("platform", 10, "days"),
    # The merchant ships a replacement, a reissue or a repaired item: no rule names a time, so
    # this is the platform's own, as long as NR-08 gives it to refund; past it the platform
    # steps in (JD-01: the merchant silent, the platform decides).
    "merchant_ship_replacement": _d("platform", 7, "days"),
    # The desk rules on an appeal within 7 working days (CP-06: the platform's own target); a
    # ruling needs a person, so passing it escalates rather than decides.
    "platform_ruling": _d("CP-06", 7, "working_days"),
}

DEFAULT_DOCUMENT: dict[str, Any] = {
    "schema": SCHEMA_ID,
    "name": "cn-default",
    "description": "China defaults: 消保法, 七日无理由退货暂行办法, 三包 and platform timeouts, "
    "each rule with its POLICY-FACTS row.",
    "rules": DEFAULT_RULES,
    "durations": DEFAULT_DURATIONS,
    "categories": {},
    "merchants": {},
}


# --- The schema (pydantic: validates imports and emits the JSON Schema) ----------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Sourced(_Strict):
    source: str = Field(min_length=1, description="POLICY-FACTS row id, or 'merchant'/'platform'")
    verified_at: str | None = None


Condition = Literal[CONDITIONS]  # type: ignore[valid-type]
Category = Literal[CATEGORIES]  # type: ignore[valid-type]


class NoReasonWindow(Sourced):
    days: int = Field(ge=1, le=365)
    holiday_extension: Literal[HOLIDAY_EXTENSION_MODES]  # type: ignore[valid-type]


class Kinds(Sourced):
    kinds: list[str]


class NotIntact(Sourced):
    default: list[Condition]
    by_category: dict[Category, list[Condition]] = {}


class Days(Sourced):
    days: int = Field(ge=0, le=3650)


class QualityClock(Sourced):
    start: Literal["delivery", "installation", "later_of_delivery_and_installation"]


class Warranty(Sourced):
    default_months: dict[Category, int] = {}


class RepeatedRepairs(Sourced):
    failed_repairs_before_exchange: int = Field(ge=1, le=10)


class Approval(Sourced):
    approval: Literal["automatic", "merchant"]


class RefundWithoutReturn(Sourced):
    enabled: bool
    when_unfit_to_return: bool = True


class PriceProtection(Sourced):
    days: int = Field(ge=0, le=365)
    start: Literal["placed", "signed"]


class Toggle(Sourced):
    enabled: bool


class ReturnShipping(Sourced):
    no_reason: Literal["buyer", "merchant"]
    seller_fault: Literal["merchant"]
    no_reason_exchange: Literal["buyer", "merchant"]


class Gifts(Sourced):
    charge: Literal["marked_price"]


class Evidence(Sourced):
    by_reason: dict[Literal[REASONS], list[str]]  # type: ignore[valid-type]


DepositAmount = Annotated[str, Field(pattern=r"^\d{1,10}\.\d\d$")]


class GuaranteeDeposit(Sourced):
    currency: Literal["CNY"] = "CNY"
    default: DepositAmount
    by_category: dict[Category, DepositAmount] = {}


def _default_deposit() -> GuaranteeDeposit:
    return GuaranteeDeposit(**DEFAULT_RULES["guarantee_deposit"])


class Rules(_Strict):
    no_reason_window: NoReasonWindow
    statutory_exclusions: Kinds
    confirmable_exclusions: Kinds
    not_intact_conditions: NotIntact
    quality_return: Days
    quality_exchange: Days
    quality_clock: QualityClock
    warranty: Warranty
    repeated_repairs: RepeatedRepairs
    long_repair: Days
    refund_before_shipment: Approval
    refund_in_transit: Approval
    refund_without_return: RefundWithoutReturn
    price_protection: PriceProtection
    no_reason_auto_approval: Toggle
    return_shipping: ReturnShipping
    gifts: Gifts
    required_evidence: Evidence
    # Documents published before the guarantee fund get its default requirement.
    guarantee_deposit: GuaranteeDeposit = Field(default_factory=_default_deposit)


class Duration(Sourced):
    amount: int = Field(ge=0)
    unit: Literal["hours", "days", "months", "working_days", "working_hours", "window_hours"]
    window: str | None = Field(default=None, pattern=r"^\d\d:\d\d-\d\d:\d\d$")
    every_day: bool = False


class PolicyDocument(_Strict):
    """A whole rule set as stored in a version and exchanged as a file."""

    schema_: Literal["aftersales-policy/1"] = Field(alias="schema")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    description: str = ""
    rules: Rules
    durations: dict[str, Duration]
    categories: dict[Category, dict[str, Any]] = {}
    merchants: dict[str, dict[str, Any]] = {}


def json_schema() -> dict[str, Any]:
    schema = PolicyDocument.model_json_schema(by_alias=True)
    schema["$id"] = SCHEMA_ID
    return schema


# --- Overrides: more generous than the law, never less --------------------------------------

MORE = "higher is more generous"
LESS = "lower is more generous"
SUBSET = "may only shrink"
FREE = "any value"
_EXTENSION_ORDER = {mode: i for i, mode in enumerate(HOLIDAY_EXTENSION_MODES)}

# path → (how a value compares, the row that sets the floor). Paths not listed here are not
# overridable: the law or the platform fixes them.
KNOBS: dict[str, tuple[str, str]] = {
    "rules.no_reason_window.days": (MORE, "NR-02"),
    "rules.no_reason_window.holiday_extension": (MORE, "NR-02"),
    "rules.statutory_exclusions.kinds": (SUBSET, "NR-05"),
    "rules.confirmable_exclusions.kinds": (SUBSET, "NR-05"),
    "rules.not_intact_conditions.default": (SUBSET, "NR-06"),
    "rules.not_intact_conditions.by_category": (SUBSET, "NR-06"),
    "rules.quality_return.days": (MORE, "Q-01"),
    "rules.quality_exchange.days": (MORE, "3B-01"),
    "rules.warranty.default_months": (MORE, "3B-02"),
    "rules.repeated_repairs.failed_repairs_before_exchange": (LESS, "3B-03"),
    "rules.long_repair.days": (LESS, "3B-04"),
    "rules.refund_without_return.enabled": (MORE, "PDD-01"),
    "rules.price_protection.days": (FREE, "JD-04"),
    "rules.price_protection.start": (FREE, "JD-04"),
    "rules.no_reason_auto_approval.enabled": (FREE, "merchant"),
    "rules.return_shipping.no_reason": (FREE, "NR-10"),
    "rules.return_shipping.no_reason_exchange": (FREE, "TB-05"),
}
# Durations: the merchant's own deadlines may be shorter, the buyer's longer.
BUYER_DURATIONS = frozenset(
    {"buyer_ship_return", "appeal_window", "ruling_appeal_window", "buyer_confirm_replacement"}
)


def _flatten(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict) and not prefix.endswith(("by_category", "default_months")):
        out: list[tuple[str, Any]] = []
        for key, inner in value.items():
            out += _flatten(f"{prefix}.{key}" if prefix else key, inner)
        return out
    return [(prefix, value)]


def _lookup(document: dict[str, Any], path: str) -> Any:
    node: Any = document
    for part in path.split("."):
        node = node[part]
    return node


def _generous_enough(how: str, base: Any, value: Any) -> bool:
    if how == FREE:
        return True
    if isinstance(base, dict):  # per category: each entry compared with its own floor
        return isinstance(value, dict) and all(
            k in base and _generous_enough(how, base[k], v) for k, v in value.items()
        )
    if how == SUBSET:
        return isinstance(value, list) and set(value) <= set(base)
    if isinstance(base, bool):
        return isinstance(value, bool) and (value or not base)
    if isinstance(base, str):  # the holiday extension modes, in order of generosity
        return _EXTENSION_ORDER.get(value, -1) >= _EXTENSION_ORDER[base]
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    return value >= base if how == MORE else 0 < value <= base


def _refusal(how: str, floor: Any, row: str) -> str:
    """Why an override was refused, in words a merchant can act on."""
    if how == SUBSET:
        return (
            f"may only leave out entries of {floor} ({row}): the excluded list may not be widened"
        )
    if how == LESS:
        return f"must be at most {floor} ({row}): overrides may be more generous, never less"
    if isinstance(floor, str):
        order = ", ".join(HOLIDAY_EXTENSION_MODES[_EXTENSION_ORDER[floor] :])
        return f"must be one of {order} ({row}): overrides may be more generous, never less"
    return f"must be at least {floor} ({row}): overrides may be more generous, never less"


def _floor(base: dict[str, Any], path: str) -> Any:
    value = _lookup(base, path)
    if path == "rules.not_intact_conditions.by_category":
        # A category without its own list uses the default list: that is its floor.
        default = _lookup(base, "rules.not_intact_conditions.default")
        return {category: value.get(category, default) for category in CATEGORIES}
    if path == "rules.warranty.default_months":
        return {category: value.get(category, 0) for category in CATEGORIES}
    return value


def check_override(base: dict[str, Any], override: dict[str, Any], *, where: str) -> None:
    """Refuse an override that is less generous than `base` (the platform layer, itself the
    law's floor) or that touches what is not overridable, naming the reason and the row."""
    errors: list[FieldError] = []
    rows: list[str] = []
    for path, value in _flatten("", override):
        field = f"{where}.{path}"
        if path.startswith("durations."):
            parts = path.split(".")
            if len(parts) != 3 or parts[1] not in base["durations"] or parts[2] != "amount":
                errors.append(FieldError(field, "only a known duration's amount may change"))
                continue
            name, base_value = parts[1], base["durations"][parts[1]]
            buyer_side = name in BUYER_DURATIONS
            ok = isinstance(value, int) and (
                value >= base_value["amount"] if buyer_side else 0 < value <= base_value["amount"]
            )
            if not ok:
                side = "at least" if buyer_side else "at most"
                errors.append(
                    FieldError(
                        field,
                        f"must be {side} {base_value['amount']} "
                        f"{base_value['unit']} ({base_value['source']})",
                    )
                )
                rows.append(base_value["source"])
            continue
        if path not in KNOBS:
            errors.append(FieldError(field, "not something a category or merchant may override"))
            continue
        how, row = KNOBS[path]
        base_value = _floor(base, path)
        ok = _generous_enough(how, base_value, value)
        if not ok:
            errors.append(FieldError(field, _refusal(how, _lookup(base, path), row)))
            rows.append(row)
    if errors:
        raise PolicyRefused(
            "The override is refused: " + "; ".join(f"{e.field}: {e.message}" for e in errors),
            errors=errors,
            sources=sorted(set(rows)),
        )


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge a sparse override onto a document layer (lists and leaf values replace)."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if (
            isinstance(value, dict)
            and isinstance(out.get(key), dict)
            and key not in {"by_category", "default_months"}
        ):
            out[key] = merge(out[key], value)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = copy.deepcopy(value)
    return out


def validate_document(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate a whole document (schema, then every override against the platform layer);
    returns it normalised. Raises InvalidInput / PolicyRefused naming the field."""
    from pydantic import ValidationError

    from aftersales.core.errors import InvalidInput
    from aftersales.core.problems import field_name

    try:
        document = PolicyDocument.model_validate(raw).model_dump(by_alias=True, mode="json")
    except ValidationError as exc:
        errors = [FieldError(field_name(e["loc"]) or "document", e["msg"]) for e in exc.errors()]
        raise InvalidInput(
            "The policy document does not match its schema.", errors=errors
        ) from None
    platform = {"rules": document["rules"], "durations": document["durations"]}
    for category, override in document["categories"].items():
        check_override(platform, override, where=f"categories.{category}")
    for code, override in document["merchants"].items():
        check_override(platform, override, where=f"merchants.{code}")
    for kinds, allowed in (
        ("statutory_exclusions", STATUTORY_EXCLUSIONS),
        ("confirmable_exclusions", CONFIRMABLE_EXCLUSIONS),
    ):
        unknown = set(document["rules"][kinds]["kinds"]) - set(allowed)
        if unknown:
            raise PolicyRefused.on_field(
                f"rules.{kinds}.kinds", f"unknown or widened exclusions {sorted(unknown)} (NR-05)"
            )
    for name in DEFAULT_DURATIONS:
        if name not in document["durations"]:
            raise InvalidInput.on_field(f"durations.{name}", "missing: the case engine needs it")
    return document


__all__ = [
    "DEFAULT_DOCUMENT",
    "REQUEST_TYPES",
    "check_override",
    "json_schema",
    "merge",
    "validate_document",
]
