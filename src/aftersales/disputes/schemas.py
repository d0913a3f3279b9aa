"""Request and response schemas of /disputes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema


class EvidenceItemIn(Schema):
    kind: str = Field(description="what it is: photos, lab_report, signed_proof, …")
    note: str = ""
    finding: str = Field("", description="a decisive report's outcome: for_buyer or for_merchant")
    case_evidence_ids: list[int] = Field(
        [], description="files uploaded to the dispute's case (/cases/{id}/evidence)"
    )


class DisputeIn(Schema):
    order: str
    type: str = Field(description="the burden of proof it falls under (docs/disputes.md)")
    claim: str
    merchant: str | None = None
    case_id: int | None = Field(None, description="the rejected case the buyer appeals")
    evidence: list[EvidenceItemIn] = []


class ActionIn(Schema):
    note: str = ""
    reason: str = ""
    reason_code: str = ""
    ruling: str = ""
    amount: Decimal | None = None
    decided_by: str = ""
    compensation: dict | None = Field(
        None,
        description='e.g. {"kind": "listing_unclear"} or {"kind": "counterfeit", '
        '"appraisal_fee": "80.00"}',
    )
    party: str = ""
    items: list[str] = []
    ground: str = ""
    reference: str = ""
    outcome: str = ""
    body: str = ""
    kind: str = ""
    documents: list[str] = []
    verdict: str = ""
    evidence: list[EvidenceItemIn] = []
    expected_version: int | None = None


class EvidenceRequestIn(Schema):
    party: str
    items: list[str]
    note: str = ""


class EvidenceSubmissionIn(Schema):
    items: list[EvidenceItemIn]


class EvidenceOut(Schema):
    id: int
    request_id: int | None
    party: str
    kind: str
    note: str
    finding: str
    case_evidence_ids: list[int]
    submitted_at: datetime
    late: bool
    counted: bool


class EvidenceRequestOut(Schema):
    id: int
    party: str
    items: list[str]
    note: str
    asked_at: datetime
    due_at: datetime
    rule: str
    state: str
    seconds_left: int | None = Field(description="evidence-clock time left (09:00–18:00 only)")


class EventOut(Schema):
    seq: int
    at: datetime
    action: str
    from_state: str
    to_state: str
    actor_role: str
    actor_label: str
    note: str
    rule: str
    payload: dict


class RulingOut(Schema):
    ruling: str
    reason: str
    decided_by: str
    decided_by_text: str
    amount: Decimal | None
    compensation: dict
    test_cost_payer: str
    ruled_at: datetime | None
    void: bool


class DisputeOut(Schema):
    id: int
    type: str
    state: str
    version: int
    merchant: str
    order: str
    case_id: int | None
    opened_by: str
    claim: str
    refundable: Decimal
    currency: str
    level: str
    opened_at: datetime
    closed_at: datetime | None
    appeal_ends_at: datetime | None
    next_due_at: datetime | None
    allowed_actions: list[str]
    ruling: RulingOut | None
    burden: dict
    requests: list[EvidenceRequestOut]
    evidence: list[EvidenceOut]
    events: list[EventOut]
    facts: dict


class DisputeSummaryOut(Schema):
    id: int
    type: str
    state: str
    merchant: str
    order: str
    case_id: int | None
    opened_at: datetime
    next_due_at: datetime | None
