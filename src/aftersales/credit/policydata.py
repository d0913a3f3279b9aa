"""The credit rules as versioned policy data: the document's schema, its validation (unknown
components, metrics, restrictions, penalty kinds or grades are refused at publish, naming the
field), publishing a numbered version, and reading the latest (cached a few seconds, as
policy/loading.py does)."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from django.db import IntegrityError, transaction
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aftersales.accounts.actors import Actor
from aftersales.accounts.permissions import require
from aftersales.core.audit import record
from aftersales.core.errors import Conflict, FieldError, InvalidInput, PolicyRefused
from aftersales.credit.models import CreditPolicyVersion
from aftersales.credit.rules import (
    BUYER_COMPONENTS,
    GRADES,
    MERCHANT_METRICS,
    PENALTY_KINDS,
    RESTRICTIONS,
    CreditRules,
    rules_from,
)

LATEST_CHECK_SECONDS = 5.0
_cache: dict[str, tuple[CreditRules | None, float]] = {}


class _Sourced(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = Field(min_length=1, description="RISK-SIGNALS.md row, or [I] for our own")


# Decimals as strings (never floats), e.g. "0.30".
Ratio = Annotated[str, Field(pattern=r"^\d+(\.\d+)?$")]


class BuyerComponent(_Sourced):
    threshold: Ratio
    points: int = Field(ge=0, le=100)
    min_count: int = Field(ge=0)
    window_days: int = Field(ge=1, le=730)


class MerchantMetric(_Sourced):
    points: int = Field(ge=0, le=100)
    bad_above: Ratio | None = None
    bad_below: Ratio | None = None
    peer_factor: Ratio | None = None
    min_count: int = Field(default=0, ge=0)


class MetricOverride(_Sourced):
    """A merchant metric's values for one main category: only those given change."""

    points: int | None = Field(default=None, ge=0, le=100)
    bad_above: Ratio | None = None
    bad_below: Ratio | None = None
    peer_factor: Ratio | None = None
    min_count: int | None = Field(default=None, ge=0)


class FastLane(_Sourced):
    min_score: int = Field(ge=0, le=100)
    min_orders: int = Field(ge=0)


class Penalty(_Sourced):
    below: int = Field(ge=0, le=100)
    kinds: list[str]


class Grades(_Sourced):
    A: int = Field(ge=0, le=100)
    B: int = Field(ge=0, le=100)
    C: int = Field(ge=0, le=100)
    D: int = Field(ge=0, le=100)


class Restriction(_Sourced):
    at_grade: str
    factor: Ratio | None = None  # larger_deposit: ≥ 1; shorter_review: above 0, at most 1
    durations: list[str] | None = None  # shorter_review: the policy durations it shortens


class AppealDecision(_Sourced):
    amount: int = Field(ge=1)
    unit: Literal["hours", "days", "working_days"]


class FlagReview(_Sourced):
    # Never fewer than two shops: one shop's flag alone would be a blacklist.
    min_shops: int = Field(ge=2)


class CreditDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_: Literal["aftersales-credit/1"] = Field(alias="schema")
    buyer: dict[str, BuyerComponent]
    merchant: dict[str, MerchantMetric]
    categories: dict[str, dict[str, MetricOverride]] = Field(default_factory=dict)
    fast_lane: FastLane
    penalty: Penalty
    grades: Grades
    restrictions: dict[str, Restriction]
    appeal_decision: AppealDecision
    flag_review: FlagReview


def _unknown(field: str, names, known) -> None:
    extra = sorted(set(names) - set(known))
    if extra:
        raise PolicyRefused.on_field(
            field, f"unknown {field} {extra}: the credit engine knows {sorted(known)}"
        )


def _check_terms(restrictions: dict[str, Any]) -> None:
    """What each restriction changes must make sense: a larger deposit is not smaller, a
    shorter review is not longer nor zero, and it shortens durations the policy knows."""
    from decimal import Decimal

    from aftersales.policy.document import DEFAULT_DURATIONS

    for kind, r in restrictions.items():
        factor = Decimal(r["factor"]) if "factor" in r else None
        if kind == "larger_deposit" and factor is not None and factor < 1:
            raise PolicyRefused.on_field(
                f"restrictions.{kind}.factor", "a larger deposit is at least 1× the requirement"
            )
        if kind == "shorter_review" and factor is not None and not 0 < factor <= 1:
            raise PolicyRefused.on_field(
                f"restrictions.{kind}.factor", "a shorter review is above 0× and at most 1×"
            )
        if kind != "shorter_review" and "durations" in r:
            raise PolicyRefused.on_field(
                f"restrictions.{kind}.durations", "only shorter_review shortens durations"
            )
        if kind == "manual_rejection_review" and factor is not None:
            raise PolicyRefused.on_field(
                f"restrictions.{kind}.factor", "manual review of rejections has no factor"
            )
        unknown = sorted(set(r.get("durations") or ()) - set(DEFAULT_DURATIONS))
        if unknown:
            raise PolicyRefused.on_field(
                f"restrictions.{kind}.durations", f"unknown policy durations {unknown}"
            )


def _check_categories(categories: dict[str, Any], merchant: dict[str, Any]) -> None:
    """Every category and metric named must exist, and an override changes a value without
    turning the metric's direction (a share that should stay high stays judged below a line)."""
    from aftersales.orders.models import Category

    _unknown("categories", categories, Category.values)
    for category, overrides in categories.items():
        _unknown(f"categories.{category}", overrides, MERCHANT_METRICS)
        for code, override in overrides.items():
            field = f"categories.{category}.{code}"
            if code not in merchant:
                raise PolicyRefused.on_field(field, f"{code} is not rated by this document")
            if set(override) == {"source"}:
                raise PolicyRefused.on_field(field, f"{field} names no value to change")
            direction = "bad_above" if "bad_above" in merchant[code] else "bad_below"
            turned = {"bad_above", "bad_below"} - {direction}
            if turned & set(override):
                raise PolicyRefused.on_field(
                    field,
                    f"{code} is judged by {direction}: a category moves its line, "
                    f"not its direction ({turned.pop()})",
                )


def validate_document(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate a credit document; returns it normalised. Raises InvalidInput (schema) or
    PolicyRefused (a name the engine does not know, or grades out of order), naming the field."""
    from aftersales.core.problems import field_name

    try:
        document = CreditDocument.model_validate(raw).model_dump(
            by_alias=True, mode="json", exclude_none=True
        )
    except ValidationError as exc:
        errors = [FieldError(field_name(e["loc"]) or "document", e["msg"]) for e in exc.errors()]
        raise InvalidInput(
            "The credit document does not match its schema.", errors=errors
        ) from None
    _unknown("buyer", document["buyer"], BUYER_COMPONENTS)
    _unknown("merchant", document["merchant"], MERCHANT_METRICS)
    _unknown("restrictions", document["restrictions"], RESTRICTIONS)
    _unknown("penalty.kinds", document["penalty"]["kinds"], PENALTY_KINDS)
    for kind, r in document["restrictions"].items():
        if r["at_grade"] not in GRADES:
            raise PolicyRefused.on_field(
                f"restrictions.{kind}.at_grade", f"unknown grade {r['at_grade']!r} ({GRADES})"
            )
    _check_terms(document["restrictions"])
    for code, m in document["merchant"].items():
        if ("bad_above" in m) == ("bad_below" in m):
            raise PolicyRefused.on_field(
                f"merchant.{code}", "give exactly one of bad_above and bad_below"
            )
    _check_categories(document["categories"], document["merchant"])
    g = document["grades"]
    if not g["A"] > g["B"] > g["C"] >= g["D"]:
        raise PolicyRefused.on_field("grades", "grades must fall from A to D")
    return document


def publish_rules(*, actor: Actor, document: dict[str, Any], note: str = "") -> CreditPolicyVersion:
    """Validate the whole document and publish it as the next credit version (audited)."""
    require(actor, "policy.publish")
    with transaction.atomic():
        document = validate_document(document)
        last = CreditPolicyVersion.objects.select_for_update().order_by("-number").first()
        try:
            with transaction.atomic():
                version = CreditPolicyVersion.objects.create(
                    number=(last.number + 1) if last else 1,
                    document=document,
                    published_by=actor.label,
                    note=note,
                )
        except IntegrityError:
            raise Conflict("Another credit version was published at the same moment.") from None
        record(
            actor=actor,
            action="credit.policy_published",
            subject=version,
            payload={"version": version.label, "note": note},
        )
        transaction.on_commit(forget)
    forget()
    return version


def forget() -> None:
    _cache.clear()


def published_rules() -> CreditRules | None:
    cached = _cache.get("latest")
    now = time.monotonic()
    if cached and now - cached[1] < LATEST_CHECK_SECONDS:
        return cached[0]
    version = CreditPolicyVersion.objects.order_by("-number").first()
    rules = rules_from(version.document, version=version.label) if version else None
    _cache["latest"] = (rules, now)
    return rules
