"""Reads of notify, always scoped to the actor: a merchant sees its own endpoints and deliveries,
the platform every one; each person reads only their own inbox."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from aftersales.accounts.actors import Actor
from aftersales.accounts.permissions import has_permission, require
from aftersales.core.errors import NotFound
from aftersales.notify.models import InboxMessage, Preference, WebhookDelivery, WebhookEndpoint


def endpoints_visible_to(actor: Actor) -> QuerySet[WebhookEndpoint]:
    require(actor, "webhooks.manage")
    endpoints = WebhookEndpoint.objects.select_related("merchant")
    if actor.is_platform:
        return endpoints
    if actor.is_merchant_side:
        return endpoints.filter(merchant_id=actor.merchant_id)
    return endpoints.none()


def endpoint_for(actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    try:
        return endpoints_visible_to(actor).get(pk=endpoint_id)
    except (WebhookEndpoint.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"No webhook endpoint {endpoint_id}.") from None


def deliveries_of(actor: Actor, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    endpoint = endpoint_for(actor, endpoint.pk)
    return WebhookDelivery.objects.filter(endpoint=endpoint).select_related("message")


def delivery_for(actor: Actor, endpoint_id: int, delivery_id: int) -> WebhookDelivery:
    endpoint = endpoint_for(actor, endpoint_id)
    try:
        return deliveries_of(actor, endpoint).get(pk=delivery_id)
    except (WebhookDelivery.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"No delivery {delivery_id} of webhook endpoint {endpoint_id}.") from None


def recipient_key(actor: Actor) -> str | None:
    """Whose inbox the actor reads: a buyer's by who they are, staff by their login."""
    if actor.is_buyer and actor.buyer_id:
        return f"b:{actor.buyer_id}"
    if actor.user_id:
        return f"u:{actor.user_id}"
    return None  # integrations have no inbox


def inbox_of(actor: Actor, *, unread: bool = False) -> QuerySet[InboxMessage]:
    require(actor, "inbox.read")
    key = recipient_key(actor)
    if key is None:
        return InboxMessage.objects.none()
    rows = InboxMessage.objects.filter(
        Q(buyer_id=actor.buyer_id) if key.startswith("b:") else Q(user_id=actor.user_id)
    ).select_related("merchant", "message")
    return rows.filter(read_at__isnull=True) if unread else rows


def inbox_page(actor: Actor) -> QuerySet[InboxMessage]:
    """The inbox as a person reads it: unread first, then newest first."""
    read = ExpressionWrapper(Q(read_at__isnull=False), output_field=BooleanField())
    return inbox_of(actor).order_by(read.asc(), "-created_at", "-id")


def unread_count(actor: Actor) -> int:
    """How many messages wait unread (the portal's navigation shows it); 0 without an inbox."""
    if recipient_key(actor) is None or not has_permission(actor, "inbox.read"):
        return 0
    return inbox_of(actor, unread=True).count()


def inbox_message_for(actor: Actor, message_id: int) -> InboxMessage:
    try:
        return inbox_of(actor).get(pk=message_id)
    except (InboxMessage.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"No message {message_id} in your inbox.") from None


def preferences_of(actor: Actor) -> Preference | None:
    key = recipient_key(actor)
    return Preference.objects.filter(recipient=key).first() if key else None
