from __future__ import annotations

from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict, model_validator

from aftersales.orders.schemas import Amount, Instant
from aftersales.policy.vocabulary import CONDITIONS, REASONS, REQUEST_TYPES


class EligibilityIn(Schema):
    model_config = ConfigDict(extra="forbid")

    order: str = Field(min_length=1, max_length=128, description="the order's external_id")
    merchant: str | None = Field(
        default=None,
        description="required with a platform token "
        "when several merchants used the same external_id",
    )
    line_id: str | None = Field(default=None, max_length=64)
    sku: str | None = Field(
        default=None, max_length=128, description="instead of line_id, when unique in the order"
    )
    quantity: int = Field(default=1, strict=True)
    type: Literal[REQUEST_TYPES]  # type: ignore[valid-type]
    reason: Literal[REASONS]  # type: ignore[valid-type]
    condition: Literal[CONDITIONS] = "unopened"  # type: ignore[valid-type]
    at: Instant | None = Field(default=None, description="when the request is made (default now)")
    policy: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9-]{1,62}@\d+$",
        description="NAME@VERSION; default the merchant's current one",
    )
    new_unit_price: Amount | None = Field(
        default=None, description="price protection: the lowered unit price"
    )
    gifts_kept: bool = False
    explain: bool = False

    @model_validator(mode="after")
    def _names_a_line(self) -> EligibilityIn:
        if self.line_id is None and self.sku is None:
            raise ValueError("name the line: line_id, or its sku")
        return self


class ReasonOut(Schema):
    code: str
    message: str
    messages: dict[str, str]
    source: str


class TraceOut(Schema):
    rule: str
    source: str
    outcome: str
    detail: str


class DecisionOut(Schema):
    eligible: bool
    reasons: list[ReasonOut]
    window_ends_at: str | None
    allowed_types: list[str]
    refundable_amount: str = Field(examples=["32.00"])
    currency: str
    return_shipping_paid_by: Literal["buyer", "merchant", "freight_insurance", "none"]
    required_evidence: list[str]
    policy_version: str = Field(examples=["cn-default@3"])
    approval: Literal["automatic", "merchant", "none"]
    trace: list[TraceOut] | None = None
