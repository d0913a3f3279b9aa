from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from aftersales.orders.schemas import Amount, Instant
from aftersales.policy.vocabulary import CONDITIONS, REASONS, REQUEST_TYPES


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class LineClaimIn(_Strict):
    line_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(default=1, strict=True, ge=1)
    condition: Literal[CONDITIONS] = "unopened"  # type: ignore[valid-type]
    new_unit_price: Amount | None = Field(
        default=None, description="price protection: the lowered price the claim is about"
    )


class CaseIn(_Strict):
    order: str = Field(min_length=1, max_length=128, description="the order's external_id")
    merchant: str | None = Field(default=None, description="with a platform token")
    type: Literal[REQUEST_TYPES]  # type: ignore[valid-type]
    reason: Literal[REASONS]  # type: ignore[valid-type]
    description: str = Field(default="", max_length=2000)
    lines: list[LineClaimIn] = Field(min_length=1, max_length=100)


class PickupIn(_Strict):
    slot_start: Instant
    slot_end: Instant
    address: str = Field(default="", max_length=500, description="default: the buyer's")
    phone: str = Field(default="", max_length=32, description="default: the buyer's")


class InspectionLineIn(_Strict):
    line_id: str = Field(min_length=1, max_length=64)
    result: Literal["pass", "partial", "fail"]
    grade: Literal["as_new", "good", "fair", "damaged"]
    disposition: Literal["restock", "refurbish", "scrap", "return_to_buyer"]
    deduction: Amount | None = Field(default=None, description="partial: deducted from refund")
    reason: str = Field(default="", max_length=500, description="required for partial and fail")
    evidence_ids: list[int] = Field(default_factory=list, max_length=50)
    serials: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=100, description="serial numbers / IMEIs returned"
    )


class VariantIn(_Strict):
    line_id: str = Field(default="", max_length=64, description="default: the case's first")
    sku: str = Field(min_length=1, max_length=128)
    title: str = Field(default="", max_length=500)
    unit_price: Amount


class ActionIn(_Strict):
    note: str = Field(default="", max_length=2000)
    reason: str = Field(default="", max_length=500, description="required to reject or appeal")
    carrier: str = Field(default="", max_length=32)
    tracking_no: str = Field(default="", max_length=64)
    amount: Amount | None = Field(default=None, description="refund or partial outcome amount")
    result: str = Field(
        default="",
        max_length=16,
        description="inspect: pass, partial, fail; repair: repaired, failed",
    )
    ruling: Literal["", "for_buyer", "for_merchant", "partial"] = ""
    expected_version: int | None = Field(default=None, description="refuse if the case moved")
    # Return logistics (docs/returns.md).
    method: Literal["", "self_ship", "pickup"] = Field(
        default="", description="ship_return: self_ship (default) or a pickup booked elsewhere"
    )
    pickup: PickupIn | None = Field(default=None, description="ship_return by pickup: the slot")
    inspections: list[InspectionLineIn] | None = Field(
        default=None, max_length=100, description="inspect: the result of each returned line"
    )
    evidence_ids: list[int] | None = Field(
        default=None, max_length=50, description="inspect: photos (the case's evidence ids)"
    )
    variant: VariantIn | None = Field(
        default=None, description="ship_replacement of an exchange: the variant sent"
    )


class DeadlineOut(Schema):
    kind: str
    due_at: datetime
    then: str
    rule: str


class CaseLineOut(Schema):
    line_id: str
    sku: str
    title: str
    quantity: int
    condition: str
    refundable_amount: str


class SlaOut(Schema):
    """A complaint's or a case's SLA (docs/sla.md): one status, the due times, the paused time."""

    status: Literal["on_track", "warning", "breached", "paused", "met"]
    due_at: datetime | None = Field(description="the earliest running target")
    first_response_due_at: datetime | None
    first_responded_at: datetime | None
    next_response_due_at: datetime | None
    resolution_due_at: datetime | None
    paused: bool
    paused_since: datetime | None
    paused_business_seconds: int
    breached: list[str]
    policy: str = Field(description="the POLICY-FACTS rows behind the targets")


class CaseOut(Schema):
    id: int
    merchant: str
    order: str
    buyer: str
    type: str
    reason: str
    description: str
    state: str
    version: int
    policy_version: str
    decision: dict[str, Any]
    refund_amount: str | None
    currency: str
    lines: list[CaseLineOut]
    deadlines: list[DeadlineOut]
    sla: SlaOut
    next_actions: list[str]
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class CaseSummaryOut(Schema):
    id: int
    merchant: str
    order: str
    type: str
    reason: str
    state: str
    refund_amount: str | None
    currency: str
    opened_at: datetime
    updated_at: datetime


class EventOut(Schema):
    seq: int
    at: datetime
    actor: dict[str, Any]
    action: str
    from_state: str
    to_state: str
    note: str
    rule: str
    payload: dict[str, Any]


class CaseFilters(Schema):
    state: str | None = None
    type: Literal[REQUEST_TYPES] | None = None  # type: ignore[valid-type]
    merchant: str | None = Field(default=None, description="merchant code (platform callers)")
    buyer: str | None = Field(default=None, description="buyer external_id")
    created_from: Instant | None = None
    created_to: Instant | None = None
    overdue: bool | None = Field(default=None, description="a deadline has passed unfired")


class QueueItemOut(Schema):
    case: CaseSummaryOut
    due_at: datetime
    appeal_reason: str
    rejection_reason: str
