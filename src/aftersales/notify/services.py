"""Every state change of notify an actor makes: endpoints registered, deleted and their secret
rotated; deliveries retried by hand; messages marked read; preferences set."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import Merchant
from aftersales.accounts.permissions import require
from aftersales.core import audit, clock
from aftersales.core.errors import FieldError, InvalidInput, NotFound, PermissionDenied
from aftersales.notify import selectors, webhooks
from aftersales.notify.catalogue import WEBHOOK_TOPICS
from aftersales.notify.models import InboxMessage, Preference, WebhookDelivery, WebhookEndpoint

LANGUAGES = {code for code, _ in settings.LANGUAGES}


def _merchant_for(actor: Actor, code: str | None) -> Merchant | None:
    """The merchant an endpoint belongs to: the actor's own, or for the platform the one named
    (none named: a platform-wide endpoint). Another tenant's code is 404."""
    if actor.is_merchant_side:
        merchant = Merchant.objects.filter(pk=actor.merchant_id).first()
        if merchant is None or (code is not None and code != merchant.code):
            raise NotFound(f"No merchant {code!r}.")
        return merchant
    if not actor.is_platform:
        raise PermissionDenied(f"{actor.role} may not manage webhooks.")
    if code is None:
        return None
    merchant = Merchant.objects.filter(code=code).first()
    if merchant is None:
        raise NotFound(f"No merchant {code!r}.")
    return merchant


def _checked_types(event_types: list[str] | None) -> list[str]:
    types = list(dict.fromkeys(event_types or []))
    errors = [
        FieldError(f"event_types[{i}]", f"unknown event type {t!r}; see docs/api.md")
        for i, t in enumerate(types)
        if t not in WEBHOOK_TOPICS
    ]
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return sorted(types)


@transaction.atomic
def register_endpoint(
    *,
    actor: Actor,
    url: str,
    event_types: list[str] | None = None,
    merchant: str | None = None,
    secret: str | None = None,
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret (returned once; stored encrypted). `secret` is for the demo
    only, whose secret is printed; everyone else gets a fresh random one."""
    require(actor, "webhooks.manage")
    owner = _merchant_for(actor, merchant)  # tenancy before anything is resolved or stored
    types = _checked_types(event_types)
    webhooks.check_destination(url)
    secret = secret or webhooks.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        merchant=owner,
        url=url,
        event_types=types,
        secret=secret,
        created_by=actor.label,
        created_at=clock.now(),
    )
    audit.record(
        actor=actor,
        action="webhook.register",
        subject=endpoint,
        merchant_id=endpoint.merchant_id,
        payload={"url": url, "event_types": types},
    )
    return endpoint, secret


@transaction.atomic
def delete_endpoint(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    endpoint = selectors.endpoint_for(actor, endpoint.pk)
    audit.record(
        actor=actor,
        action="webhook.delete",
        subject=endpoint,
        merchant_id=endpoint.merchant_id,
        payload={"url": endpoint.url},
    )
    endpoint.delete()


@transaction.atomic
def rotate_secret(*, actor: Actor, endpoint: WebhookEndpoint) -> tuple[WebhookEndpoint, str]:
    """A new secret; the old one keeps signing (beside it) for the overlap period, so receivers
    can switch without losing a delivery."""
    endpoint = selectors.endpoint_for(actor, endpoint.pk)
    now = clock.now()
    secret = webhooks.new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + timedelta(
        hours=settings.AFTERSALES_WEBHOOK_SECRET_OVERLAP_HOURS
    )
    endpoint.secret = secret
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    audit.record(
        actor=actor,
        action="webhook.rotate_secret",
        subject=endpoint,
        merchant_id=endpoint.merchant_id,
    )
    return endpoint, secret


def retry_delivery(*, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send one delivery again now (outside a transaction: the request may take the timeout)."""
    delivery = selectors.delivery_for(actor, delivery.endpoint_id, delivery.pk)
    return webhooks.send_now(delivery)


def mark_read(*, actor: Actor, message: InboxMessage) -> InboxMessage:
    message = selectors.inbox_message_for(actor, message.pk)
    if message.read_at is None:
        message.read_at = clock.now()
        message.save(update_fields=["read_at"])
    return message


@transaction.atomic
def set_preferences(
    *,
    actor: Actor,
    language: str | None = None,
    email: bool | None = None,
    sms: bool | None = None,
    quiet_hours: bool | None = None,
) -> Preference:
    require(actor, "inbox.read")
    key = selectors.recipient_key(actor)
    if key is None:
        raise InvalidInput.on_field("recipient", "integration tokens have no inbox")
    if language is not None and language not in LANGUAGES:
        raise InvalidInput.on_field("language", f"must be one of {', '.join(sorted(LANGUAGES))}")
    pref, _ = Preference.objects.select_for_update().get_or_create(recipient=key)
    for name, value in (
        ("language", language),
        ("email", email),
        ("sms", sms),
        ("quiet_hours", quiet_hours),
    ):
        if value is not None:
            setattr(pref, name, value)
    pref.updated_at = clock.now()
    pref.save()
    return pref
