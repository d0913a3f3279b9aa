"""/cases: open a case, act on it, read it and its event log."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from aftersales.cases import selectors, services
from aftersales.cases.schemas import (
    ActionIn,
    CaseFilters,
    CaseIn,
    CaseOut,
    CaseSummaryOut,
    EventOut,
    QueueItemOut,
)
from aftersales.cases.serializers import case_out, case_summary, event_out, queue_item
from aftersales.core.pagination import PageQuery, page_schema, paginate

router = Router(tags=["cases"])


@router.post("/cases", response={201: CaseOut})
def open_case(request: HttpRequest, payload: CaseIn):
    """Open a case on lines of an order: judged by the current policy, approved at once where
    policy says so, refused (422) with the decision's reasons when not eligible."""
    case = services.open_case(
        actor=request.auth,
        order=payload.order,
        merchant=payload.merchant,
        type=payload.type,
        reason=payload.reason,
        description=payload.description,
        lines=[
            services.LineClaim(ln.line_id, ln.quantity, ln.condition, ln.new_unit_price)
            for ln in payload.lines
        ],
        client=client_of(request),
    )
    return Status(201, case_out(case, request.auth))


def client_of(request: HttpRequest) -> dict[str, str]:
    """Where the request came from, for linking accounts (risk): the app's device fingerprint
    and payment account when it sends them (optional headers), and the client's address."""
    meta = request.META
    out = {
        "device": meta.get("HTTP_X_DEVICE_FINGERPRINT", ""),
        "payment": meta.get("HTTP_X_PAYMENT_ACCOUNT", ""),
        "ip": meta.get("REMOTE_ADDR", ""),
    }
    return {k: v[:200] for k, v in out.items() if v}


@router.get("/cases", response=page_schema(CaseSummaryOut))
def list_cases(request: HttpRequest, filters: Query[CaseFilters], page: Query[PageQuery]):
    cases = selectors.filtered_cases(request.auth, **filters.model_dump())
    result = paginate(cases, order_by=("-opened_at", "-id"), limit=page.limit, cursor=page.cursor)
    return {"items": [case_summary(c) for c in result.items], "next_cursor": result.next_cursor}


@router.get("/cases/{case_id}", response=CaseOut)
def get_case(request: HttpRequest, case_id: int):
    return case_out(selectors.case_for(request.auth, case_id), request.auth)


@router.post("/cases/{case_id}/actions/{action}", response=CaseOut)
def take_action(request: HttpRequest, case_id: int, action: str, payload: ActionIn):
    """Take one of the flow's actions; 409 names the actions allowed now when this one is not."""
    case = selectors.case_for(request.auth, case_id)
    services.require_known_action(action)
    body = services.ActionBody.of(payload.model_dump())
    case = services.act(case=case, actor=request.auth, action=action, body=body)
    return case_out(case, request.auth)


@router.get("/cases/{case_id}/events", response=page_schema(EventOut))
def case_events(request: HttpRequest, case_id: int, page: Query[PageQuery]):
    case = selectors.case_for(request.auth, case_id)
    result = paginate(
        selectors.events_visible_to(request.auth, case),
        order_by=("seq", "id"),
        limit=page.limit,
        cursor=page.cursor,
    )
    return {"items": [event_out(e) for e in result.items], "next_cursor": result.next_cursor}


@router.get("/review-queue", response=page_schema(QueueItemOut), tags=["platform review"])
def review_queue(request: HttpRequest, page: Query[PageQuery]):
    """Appeals awaiting the platform's ruling, soonest due first (agents and specialists)."""
    result = paginate(
        selectors.review_queue(request.auth),
        order_by=("due_at", "id"),
        limit=page.limit,
        cursor=page.cursor,
    )
    return {"items": [queue_item(d) for d in result.items], "next_cursor": result.next_cursor}
