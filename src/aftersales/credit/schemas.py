"""Request and response schemas of the /credit API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field


class ComponentOut(Schema):
    code: str
    source: str
    value: str
    numerator: str
    denominator: str
    threshold: str
    min_count: int
    window_days: int
    points: int


class StandingOut(Schema):
    buyer_id: int
    score: int
    components: list[ComponentOut]
    fast_lane_allowed: bool
    inspect_first: bool
    flags: list[str]
    orders: int
    policy_version: str
    computed_at: datetime | None


class PenaltyOut(Schema):
    id: int
    kind: str
    reason_code: str
    imposed_at: datetime
    suspended_at: datetime | None
    lifted_at: datetime | None
    lifted_reason: str
    active: bool


class AppealOut(Schema):
    id: int
    party: str
    penalty_id: int | None
    restriction_id: int | None
    reason: str
    state: str
    filed_at: datetime
    due_at: datetime
    escalated_at: datetime | None
    decided_at: datetime | None
    decided_by: str
    decision_note: str


class BuyerCreditOut(Schema):
    standing: StandingOut
    penalties: list[PenaltyOut]
    appeals: list[AppealOut]


class DecisionOut(Schema):
    at: str
    action: str
    by: str
    from_state: str
    to_state: str
    rule: str
    reason: str
    ruling: str


class ReportCaseOut(Schema):
    case_id: int
    merchant: str
    order: str
    type: str
    reason: str
    state: str
    opened_at: str
    decisions: list[DecisionOut]
    refunds: list[dict]
    inspections: list[dict]


class ActivityReportOut(Schema):
    buyer_id: int
    standing: StandingOut
    cases: list[ReportCaseOut]
    penalties: list[PenaltyOut]
    appeals: list[AppealOut]
    flagging_shops: int


class AppealIn(Schema):
    penalty_id: int | None = None
    restriction_id: int | None = None
    reason: str = Field(min_length=1, max_length=2000)


class AppealDecisionIn(Schema):
    outcome: Literal["upheld", "dismissed"]
    note: str = Field(min_length=1, max_length=2000)


class FlagIn(Schema):
    buyer: str = Field(min_length=1, max_length=128, description="the buyer's external_id")
    reason_code: str
    note: str = Field(default="", max_length=2000)
    case_id: int | None = None


class FlagOut(Schema):
    id: int
    buyer: str
    reason_code: str
    flagged_at: datetime
    review_opened: bool


class ReviewDecisionIn(Schema):
    outcome: Literal["clear", "penalise"]
    note: str = Field(min_length=1, max_length=2000)
    kinds: list[Literal["no_fast_lane", "inspect_first"]] = ["no_fast_lane", "inspect_first"]


class ReviewOut(Schema):
    id: int
    buyer: str
    state: str
    shops: int
    opened_at: datetime
    decided_at: datetime | None
    note: str


class MetricOut(Schema):
    month: date
    metric: str
    numerator: str
    denominator: str
    value: str | None
    category_mean: str | None
    category: str


class RatingOut(Schema):
    month: date
    partial: bool  # rated before the month ended: its figures to date
    category: str
    score: int
    grade: str
    reason_codes: list[str]
    signals: list[dict]
    policy_version: str


class RestrictionOut(Schema):
    id: int
    kind: str
    reason_code: str
    month: date
    imposed_at: datetime
    suspended_at: datetime | None
    lifted_at: datetime | None
    lifted_reason: str
    active: bool


class MerchantCreditOut(Schema):
    merchant: str
    ratings: list[RatingOut]
    metrics: list[MetricOut]
    restrictions: list[RestrictionOut]
    appeals: list[AppealOut]


class ComputeIn(Schema):
    month: str = Field(pattern=r"^\d{4}-\d{2}$")


class ComputeOut(Schema):
    month: str
    merchants: int
    metrics: int
    restricted: int
    lifted: int
    policy_version: str
