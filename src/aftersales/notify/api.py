"""/webhooks (endpoints, their deliveries, retries, secret rotation) and /inbox."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Status

from aftersales.core.pagination import PageQuery, page_schema, paginate
from aftersales.notify import selectors, services
from aftersales.notify.catalogue import TOPICS, WEBHOOK_TOPICS
from aftersales.notify.schemas import (
    DeliveryOut,
    EventTypesOut,
    InboxFilters,
    InboxOut,
    PreferencesIn,
    PreferencesOut,
    WebhookCreatedOut,
    WebhookIn,
    WebhookOut,
)

router = Router(tags=["webhooks"])
inbox_router = Router(tags=["inbox"])


def webhook_out(endpoint, secret: str | None = None) -> dict:
    out = {
        "id": endpoint.pk,
        "url": endpoint.url,
        "event_types": endpoint.event_types,
        "merchant": endpoint.merchant.code if endpoint.merchant_id else None,
        "created_at": endpoint.created_at,
        "disabled_at": endpoint.disabled_at,
        "disabled_reason": endpoint.disabled_reason,
        "consecutive_failures": endpoint.consecutive_failures,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
    }
    if secret is not None:
        out["secret"] = secret
    return out


def delivery_out(d) -> dict:
    pending = d.state == "pending"
    return {
        "id": d.pk,
        "webhook_id": d.message.message_id,
        "event_type": d.topic,
        "state": d.state,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at if pending else None,
        "created_at": d.created_at,
        "last_attempt_at": d.last_attempt_at,
        "last_status": d.last_status,
        "last_latency_ms": d.last_latency_ms,
        "last_response": d.last_response,
        "last_error": d.last_error,
        "delivered_at": d.delivered_at,
    }


def inbox_out(m) -> dict:
    return {
        "id": m.pk,
        "event_type": m.topic,
        "subject": m.subject,
        "merchant": m.merchant.code if m.merchant_id else None,
        "title": m.title,
        "body": m.body,
        "language": m.language,
        "urgent": m.urgent,
        "created_at": m.created_at,
        "read_at": m.read_at,
    }


@router.get("/webhooks/event-types", response=EventTypesOut)
def list_event_types(request: HttpRequest):
    """The event catalogue: every type an endpoint may ask for, with its payload version and
    fields (the same for every caller; docs/api.md lists it too). One page: `items` only."""
    return {
        "items": [
            {"name": t.name, "version": t.version, "summary": t.summary, "fields": t.fields}
            for name, t in sorted(TOPICS.items())
            if name in WEBHOOK_TOPICS
        ]
    }


@router.post("/webhooks", response={201: WebhookCreatedOut})
def register_webhook(request: HttpRequest, payload: WebhookIn):
    """Register an endpoint; the answer carries its `secret` (whsec_…), shown this once."""
    endpoint, secret = services.register_endpoint(
        actor=request.auth,
        url=payload.url,
        event_types=payload.event_types,
        merchant=payload.merchant,
    )
    return Status(201, webhook_out(endpoint, secret))


@router.get("/webhooks", response=page_schema(WebhookOut))
def list_webhooks(request: HttpRequest, page: Query[PageQuery]):
    result = paginate(
        selectors.endpoints_visible_to(request.auth), limit=page.limit, cursor=page.cursor
    )
    return {"items": [webhook_out(e) for e in result.items], "next_cursor": result.next_cursor}


@router.get("/webhooks/{webhook_id}", response=WebhookOut)
def get_webhook(request: HttpRequest, webhook_id: int):
    return webhook_out(selectors.endpoint_for(request.auth, webhook_id))


@router.delete("/webhooks/{webhook_id}", response={204: None})
def delete_webhook(request: HttpRequest, webhook_id: int):
    endpoint = selectors.endpoint_for(request.auth, webhook_id)
    services.delete_endpoint(actor=request.auth, endpoint=endpoint)
    return Status(204, None)


@router.post("/webhooks/{webhook_id}/rotate-secret", response=WebhookCreatedOut)
def rotate_webhook_secret(request: HttpRequest, webhook_id: int):
    """A new secret, shown once; the old one signs beside it for the overlap period
    (AFTERSALES_WEBHOOK_SECRET_OVERLAP_HOURS)."""
    endpoint = selectors.endpoint_for(request.auth, webhook_id)
    endpoint, secret = services.rotate_secret(actor=request.auth, endpoint=endpoint)
    return webhook_out(endpoint, secret)


@router.get("/webhooks/{webhook_id}/deliveries", response=page_schema(DeliveryOut))
def list_deliveries(request: HttpRequest, webhook_id: int, page: Query[PageQuery]):
    endpoint = selectors.endpoint_for(request.auth, webhook_id)
    result = paginate(
        selectors.deliveries_of(request.auth, endpoint), limit=page.limit, cursor=page.cursor
    )
    return {"items": [delivery_out(d) for d in result.items], "next_cursor": result.next_cursor}


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", response=DeliveryOut)
def retry_delivery(request: HttpRequest, webhook_id: int, delivery_id: int):
    """Send the delivery again now (same webhook-id) and answer with its outcome."""
    delivery = selectors.delivery_for(request.auth, webhook_id, delivery_id)
    return delivery_out(services.retry_delivery(actor=request.auth, delivery=delivery))


@inbox_router.get("/inbox", response=page_schema(InboxOut))
def list_inbox(request: HttpRequest, filters: Query[InboxFilters], page: Query[PageQuery]):
    """The caller's messages, newest first, in the language each was written for them."""
    result = paginate(
        selectors.inbox_of(request.auth, unread=filters.unread),
        limit=page.limit,
        cursor=page.cursor,
    )
    return {"items": [inbox_out(m) for m in result.items], "next_cursor": result.next_cursor}


@inbox_router.post("/inbox/{message_id}/read", response=InboxOut)
def mark_read(request: HttpRequest, message_id: int):
    message = selectors.inbox_message_for(request.auth, message_id)
    return inbox_out(services.mark_read(actor=request.auth, message=message))


@inbox_router.post("/inbox/preferences", response=PreferencesOut)
def set_preferences(request: HttpRequest, payload: PreferencesIn):
    """Set how you are told: language, email, SMS, quiet hours (fields left out stay as they
    are). Answers with the preferences now in force."""
    pref = services.set_preferences(actor=request.auth, **payload.model_dump())
    return {
        "language": pref.language or settings.LANGUAGE_CODE,
        "email": pref.email,
        "sms": pref.sms,
        "quiet_hours": pref.quiet_hours,
    }
