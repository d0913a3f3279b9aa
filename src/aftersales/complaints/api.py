"""/complaints: intake from every channel, the flow's actions, messages; and the customer
timeline across channels, complaints and cases."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from aftersales.complaints import breaches, selectors, services
from aftersales.complaints.schemas import (
    ActionIn,
    AssignIn,
    BreachFilters,
    BreachReportOut,
    ComplaintFilters,
    ComplaintIn,
    ComplaintOut,
    ComplaintSummaryOut,
    EventOut,
    MessageIn,
    MessageOut,
    TimelineItemOut,
)
from aftersales.complaints.serializers import (
    complaint_out,
    complaint_summary,
    event_out,
    message_out,
    timeline_item,
)
from aftersales.core.pagination import PageQuery, page_schema, paginate

router = Router(tags=["complaints"])


@router.post("/complaints", response={200: ComplaintOut, 201: ComplaintOut})
def file_complaint(request: HttpRequest, payload: ComplaintIn):
    """A contact from any channel: 201 with a new complaint, graded and on the SLA clock; 200
    with the open complaint of the same order, which it joined."""
    complaint, created = services.receive(
        actor=request.auth,
        customer=payload.customer,
        channel=payload.channel,
        text=payload.text,
        order=payload.order,
        merchant=payload.merchant,
        received_at=payload.received_at,
        phone=payload.phone or "",
        email=payload.email or "",
    )
    return Status(201 if created else 200, complaint_out(complaint, request.auth))


@router.get("/complaints", response=page_schema(ComplaintSummaryOut))
def list_complaints(request: HttpRequest, filters: Query[ComplaintFilters], page: Query[PageQuery]):
    found = selectors.filtered_complaints(request.auth, **filters.model_dump())
    result = paginate(found, order_by=("-received_at", "-id"), limit=page.limit, cursor=page.cursor)
    return {
        "items": [complaint_summary(c) for c in result.items],
        "next_cursor": result.next_cursor,
    }


@router.get("/complaints/{complaint_id}", response=ComplaintOut)
def get_complaint(request: HttpRequest, complaint_id: int):
    return complaint_out(selectors.complaint_for(request.auth, complaint_id), request.auth)


@router.post("/complaints/{complaint_id}/actions/{action}", response=ComplaintOut)
def take_action(request: HttpRequest, complaint_id: int, action: str, payload: ActionIn):
    """One of the flow's actions; 409 names the actions allowed now when this one is not."""
    complaint = selectors.complaint_for(request.auth, complaint_id)
    data = payload.model_dump()
    body = services.ActionBody(
        **{
            **data,
            "severity": data["severity"] or "",
            "reason_codes": tuple(data["reason_codes"]),
            "skus": tuple(data["skus"]),
        }
    )
    complaint = services.act(complaint=complaint, actor=request.auth, action=action, body=body)
    return complaint_out(selectors.complaint_for(request.auth, complaint.pk), request.auth)


@router.post("/complaints/{complaint_id}/claim", response=ComplaintOut)
def claim_complaint(request: HttpRequest, complaint_id: int):
    """The caller (a desk member) takes the complaint; 409 when someone else holds it."""
    complaint = selectors.complaint_for(request.auth, complaint_id)
    services.claim(actor=request.auth, complaint=complaint)
    return complaint_out(selectors.complaint_for(request.auth, complaint_id), request.auth)


@router.post("/complaints/{complaint_id}/assign", response=ComplaintOut)
def assign_complaint(request: HttpRequest, complaint_id: int, payload: AssignIn):
    """A specialist or manager gives the complaint to a desk member, or back to the pool."""
    complaint = selectors.complaint_for(request.auth, complaint_id)
    services.assign(actor=request.auth, complaint=complaint, assignee_id=payload.assignee)
    return complaint_out(selectors.complaint_for(request.auth, complaint_id), request.auth)


@router.post("/complaints/{complaint_id}/messages", response={201: MessageOut})
def post_message(request: HttpRequest, complaint_id: int, payload: MessageIn):
    complaint = selectors.complaint_for(request.auth, complaint_id)
    message = services.add_message(
        actor=request.auth,
        complaint=complaint,
        text=payload.text,
        channel=payload.channel,
        internal=payload.internal,
    )
    return Status(201, message_out(message))


@router.get("/complaints/{complaint_id}/messages", response=page_schema(MessageOut))
def list_messages(request: HttpRequest, complaint_id: int, page: Query[PageQuery]):
    complaint = selectors.complaint_for(request.auth, complaint_id)
    rows = complaint.messages.all()
    if request.auth.is_buyer or request.auth.is_merchant_side:
        rows = rows.exclude(direction="note")
    result = paginate(rows, order_by=("at", "id"), limit=page.limit, cursor=page.cursor)
    return {"items": [message_out(m) for m in result.items], "next_cursor": result.next_cursor}


@router.get("/complaints/{complaint_id}/events", response=page_schema(EventOut))
def list_events(request: HttpRequest, complaint_id: int, page: Query[PageQuery]):
    complaint = selectors.complaint_for(request.auth, complaint_id)
    result = paginate(
        selectors.events_of(complaint), order_by=("seq", "id"), limit=page.limit, cursor=page.cursor
    )
    return {"items": [event_out(e) for e in result.items], "next_cursor": result.next_cursor}


@router.get("/customers/{customer}/timeline", response=page_schema(TimelineItemOut))
def customer_timeline(request: HttpRequest, customer: str, page: Query[PageQuery]):
    """Every message, case and complaint of the customer (buyer external_id), newest first."""
    buyer = selectors.timeline_buyer(request.auth, customer)
    items, next_cursor = selectors.timeline(
        request.auth, buyer, limit=page.limit, cursor=page.cursor
    )
    return {"items": [timeline_item(*i) for i in items], "next_cursor": next_cursor}


@router.get("/reports/sla/breaches", response=BreachReportOut, tags=["reports"])
def sla_breaches(request: HttpRequest, filters: Query[BreachFilters]):
    """Missed SLA targets per team and agent in a period (`from` ≤ breach < `to`), complaints
    and cases alike; a merchant sees its own team only."""
    items = breaches.breaches(request.auth, **filters.model_dump())
    return {"items": items, "total": sum(r["breaches"] for r in items)}
