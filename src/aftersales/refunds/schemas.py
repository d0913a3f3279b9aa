"""Request and response schemas of the refunds API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from aftersales.orders.schemas import Amount


class RefundLineOut(Schema):
    kind: str
    line_id: str | None
    sku: str | None
    gross: str
    deducted: str
    amount: str
    deduction_reason: str


class RefundOut(Schema):
    id: int
    case: int
    merchant: str
    purpose: str
    kind: str
    amount: str
    currency: str
    method: str
    payment: int | None
    state: str
    idempotency_key: str
    provider: str
    provider_ref: str
    needs_approval: bool
    approved_by: str
    requested_at: datetime
    submitted_at: datetime | None
    settled_at: datetime | None
    expected_at: datetime | None
    attempts: int
    last_error: str
    lines: list[RefundLineOut]


class CaseRefundsOut(Schema):
    items: list[RefundOut]
    total: str
    currency: str | None


class ApproveIn(Schema):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=2000)


class PriceChangeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    merchant: str | None = None
    sku: str = Field(min_length=1, max_length=128)
    price: Amount
    effective_at: datetime
    kind: Literal["regular", "subsidy", "live_stream", "coupon", "trade_in"] = "regular"


class PriceChangeOut(Schema):
    id: int
    merchant: str
    sku: str
    price: str
    kind: str
    effective_at: datetime


class WebhookOut(Schema):
    refund: int
    state: str
    replayed: bool
