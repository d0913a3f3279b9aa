"""Small steps the notify tests share."""

from __future__ import annotations

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.notify import delivery, services, webhooks
from aftersales.notify.models import WebhookEndpoint


def endpoint(
    merchant, url: str, event_types: list[str] | None = None
) -> tuple[WebhookEndpoint, str]:
    """An endpoint of `merchant` registered through the service, and its secret."""
    from tests.cases.factories import merchant_actor

    return services.register_endpoint(
        actor=merchant_actor(merchant) if merchant else SYSTEM_ACTOR,
        url=url,
        event_types=event_types,
    )


def work() -> None:
    """What the worker does after commit: fan out the outbox, send due webhooks and channels."""
    delivery.drain_outbox()
    webhooks.send_due()
    delivery.send_channels()
