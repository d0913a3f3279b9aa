"""Request and response schemas of /complaints and /customers/{customer}/timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from aftersales.cases.schemas import SlaOut

Channel = Literal["chat", "hotline", "app", "email", "social"]
Severity = Literal["general", "important", "major", "crisis"]


class ComplaintIn(Schema):
    customer: str = Field(..., min_length=1, max_length=128, description="buyer external_id")
    channel: Channel
    text: str = Field(..., min_length=1, max_length=20000)
    order: str | None = Field(None, description="the order's external_id")
    merchant: str | None = Field(None, description="when several merchants used the order id")
    received_at: datetime | None = Field(None, description="platform tokens (connectors) only")
    phone: str | None = Field(None, max_length=32, description="matches an unknown customer")
    email: str | None = Field(None, max_length=254, description="matches an unknown customer")


class MessageIn(Schema):
    text: str = Field(..., min_length=1, max_length=20000)
    channel: Channel | None = None
    internal: bool = Field(False, description="an internal note of the desk")


class ActionIn(Schema):
    note: str = ""
    reason: str = ""
    severity: Severity | None = None
    solution: dict | None = Field(
        None,
        description='e.g. {"kind": "compensation", "form": "money", "amount": "80.00"} or '
        '{"kind": "refund_only", "reason": "quality_issue", "lines": [{"line_id": "1"}]}',
    )
    responsibility: str = ""
    reason_codes: list[str] = []
    rating: int | None = None
    comment: str = ""
    # open_task (also POST /complaints/{id}/tasks); find_responsibility: the SKUs it is about
    # (default: every SKU of the complaint's order).
    department: str = ""
    question: str = ""
    due_hours: float | None = None
    skus: list[str] = []


class MessageOut(Schema):
    id: int
    channel: str
    direction: str
    text: str
    author: str
    at: datetime


class ComplaintOut(Schema):
    id: int
    state: str
    severity: Severity
    signals: list[dict]
    emotion: int
    level: str
    customer: str
    merchant: str | None
    order: str | None
    channel: str
    description: str
    sla: SlaOut
    solution: dict
    responsibility: str
    reason_codes: list[str]
    rating: int | None
    rating_comment: str
    cases: list[int]
    received_at: datetime
    assignee: str | None
    next_actions: list[str]


class ComplaintSummaryOut(Schema):
    id: int
    state: str
    severity: Severity
    level: str
    customer: str
    merchant: str | None
    order: str | None
    channel: str
    received_at: datetime
    assignee: str | None
    sla: SlaOut


class ComplaintFilters(Schema):
    state: str | None = None
    severity: Severity | None = None
    channel: Channel | None = None
    customer: str | None = None
    merchant: str | None = None
    open: bool | None = None


class EventOut(Schema):
    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    from_state: str
    to_state: str
    note: str
    rule: str
    payload: dict


class TimelineItemOut(Schema):
    kind: Literal["message", "complaint", "case"]
    id: int
    at: datetime
    summary: str
    state: str | None = None
    direction: str | None = None
    channel: str | None = None
    complaint_id: int | None = None
    merchant: str | None = None


class AssignIn(Schema):
    assignee: int | None = Field(None, description="the desk user's id; null: back to the pool")


class BreachFilters(Schema):
    start: datetime | None = Field(None, alias="from", description="breaches at or after")
    end: datetime | None = Field(None, alias="to", description="breaches before")
    team: str = Field("", max_length=64, description="a merchant's code, or 'platform'")
    agent: str = Field("", max_length=150, description="the desk user's username")


class BreachRowOut(Schema):
    team: str
    agent: str = Field(description="who held it; '' for the unassigned pool and for cases")
    subject: Literal["complaint", "case"]
    target: str
    breaches: int


class BreachReportOut(Schema):
    items: list[BreachRowOut]
    total: int
