"""/disputes: open, list, get; the flow's actions; evidence requests and the evidence given to
them. Errors are problem+json; an action out of turn is 409 naming the allowed actions."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from aftersales.core.pagination import PageQuery, page_schema, paginate
from aftersales.disputes import selectors, services
from aftersales.disputes.schemas import (
    ActionIn,
    DisputeIn,
    DisputeOut,
    DisputeSummaryOut,
    EvidenceOut,
    EvidenceRequestIn,
    EvidenceRequestOut,
    EvidenceSubmissionIn,
)
from aftersales.disputes.serializers import dispute_out, evidence_out, request_out, summary

router = Router(tags=["disputes"])


class DisputeFilters(Schema):
    state: str | None = None
    merchant: str | None = None


@router.post("/disputes", response={201: DisputeOut})
def open_dispute(request: HttpRequest, payload: DisputeIn):
    """The buyer asks the platform to step in: on a rejected case (`case_id`, inside the DS-02
    window) or on an order's claim (not received, counterfeit)."""
    data = payload.model_dump()
    dispute = services.open_dispute(
        actor=request.auth,
        order=data["order"],
        type=data["type"],
        claim=data["claim"],
        merchant=data["merchant"],
        case_id=data["case_id"],
        evidence=data["evidence"],
    )
    return Status(201, dispute_out(selectors.dispute_for(request.auth, dispute.pk), request.auth))


@router.get("/disputes", response=page_schema(DisputeSummaryOut))
def list_disputes(request: HttpRequest, filters: Query[DisputeFilters], page: Query[PageQuery]):
    found = selectors.filtered(request.auth, **filters.model_dump())
    result = paginate(found, order_by=("-opened_at", "-id"), limit=page.limit, cursor=page.cursor)
    return {"items": [summary(d) for d in result.items], "next_cursor": result.next_cursor}


@router.get("/disputes/{dispute_id}", response=DisputeOut)
def get_dispute(request: HttpRequest, dispute_id: int):
    return dispute_out(selectors.dispute_for(request.auth, dispute_id), request.auth)


@router.post("/disputes/{dispute_id}/actions/{action}", response=DisputeOut)
def take_action(request: HttpRequest, dispute_id: int, action: str, payload: ActionIn):
    dispute = selectors.dispute_for(request.auth, dispute_id)
    services.act(
        dispute=dispute,
        actor=request.auth,
        action=action,
        body=services.Body.of(payload.model_dump()),
    )
    return dispute_out(selectors.dispute_for(request.auth, dispute_id), request.auth)


@router.get("/disputes/{dispute_id}/evidence-requests", response=list[EvidenceRequestOut])
def list_requests(request: HttpRequest, dispute_id: int):
    dispute = selectors.dispute_for(request.auth, dispute_id)
    return [request_out(dispute, r) for r in selectors.requests_of(dispute)]


@router.post("/disputes/{dispute_id}/evidence-requests", response={201: EvidenceRequestOut})
def ask_for_evidence(request: HttpRequest, dispute_id: int, payload: EvidenceRequestIn):
    """The desk asks a named side for named evidence, due on the DS-06 clock."""
    dispute = selectors.dispute_for(request.auth, dispute_id)
    dispute = services.act(
        dispute=dispute,
        actor=request.auth,
        action="request_evidence",
        body=services.Body(party=payload.party, items=payload.items, note=payload.note),
    )
    asked = selectors.requests_of(dispute)[-1]
    return Status(201, request_out(dispute, asked))


@router.post(
    "/disputes/{dispute_id}/evidence-requests/{request_id}/evidence",
    response={201: list[EvidenceOut]},
)
def give_evidence(
    request: HttpRequest, dispute_id: int, request_id: int, payload: EvidenceSubmissionIn
):
    """The side asked gives its evidence; after the deadline it is kept, marked late, and not
    counted (DS-06)."""
    dispute = selectors.dispute_for(request.auth, dispute_id)
    rows = services.submit_evidence(
        dispute=dispute,
        request_id=request_id,
        actor=request.auth,
        items=[i.model_dump() for i in payload.items],
    )
    return Status(201, [evidence_out(r) for r in rows])
