"""Request and response schemas of the guarantee fund's API."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from aftersales.orders.schemas import Amount


class RequirementOut(Schema):
    amount: str
    currency: str
    category: str = Field(description="the category that sets it, empty for the default")
    categories: list[str]
    rule: str = Field(description="the policy row (EC-06)")
    policy: str


class TopUpRequestOut(Schema):
    id: int
    requirement: str
    balance_at_request: str
    shortfall: str
    rule: str
    state: str
    requested_at: datetime
    met_at: datetime | None


class EntryOut(Schema):
    account: str
    amount: str = Field(description="signed, debit positive")


class MovementOut(Schema):
    id: int
    kind: str
    amount: str
    currency: str
    source: str
    source_id: int
    pay_first: int | None
    claim: int | None
    reverses: int | None
    note: str
    actor: str
    at: datetime
    entries: list[EntryOut]


class DepositOut(Schema):
    merchant: str
    currency: str
    balance: str = Field(description="the deposit (保证金) now")
    requirement: RequirementOut
    below_requirement: bool
    shortfall: str
    settlement: str
    held_settlement: str
    owed: str = Field(description="pay-first and ruling claims not yet recovered")
    top_up_request: TopUpRequestOut | None
    entries: list[MovementOut]
    next_cursor: str | None


class TopUpIn(Schema):
    amount: Amount
    reference: str = Field(min_length=1, max_length=128, description="the transfer's reference")


class TopUpOut(Schema):
    id: int
    merchant: str
    amount: str
    currency: str
    reference: str
    recorded_at: datetime
    balance: str
    top_up_request: TopUpRequestOut | None


class PayFirstOut(Schema):
    id: int
    # "pay_first" (先行赔付, GF-02) or "execution" (a ruling the platform executed, DS-19).
    kind: str
    merchant: str
    case: int | None
    order: int | None
    amount: str
    currency: str
    reason: str
    source: str
    source_id: int
    refunds: list[int]
    recovered: str
    outstanding: str
    claim_state: str
    created_at: datetime
    contest_due_at: datetime
    contest_rule: str
    contest_state: str
    contest_reason: str
    contested_at: datetime | None
    decided_at: datetime | None
    decision_note: str
    allowed_actions: list[str]


class ContestIn(Schema):
    reason: str = Field(min_length=1, max_length=1000)


class DecisionIn(Schema):
    uphold: bool
    note: str = Field(min_length=1, max_length=1000)


class SettlementCreditIn(Schema):
    order: str = Field(min_length=1, max_length=128, description="the order's external_id")
    amount: Amount = Field(description="what the order settles to the merchant, less refunds")
    note: str = Field("", max_length=500)
