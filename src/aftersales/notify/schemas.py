"""Request and response schemas of /webhooks and /inbox."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class WebhookIn(Schema):
    url: str = Field(..., max_length=2000, description="https URL the events are POSTed to")
    event_types: list[str] | None = Field(
        None, description="dotted event types to receive (docs/api.md); omitted: every type"
    )
    merchant: str | None = Field(
        None,
        description="platform tokens: the merchant whose events it hears; omitted: every "
        "merchant's (a platform-wide endpoint). Implied by a merchant token.",
    )


class EventTypeOut(Schema):
    name: str = Field(..., description="the dotted type, as in `event_types` and the body's `type`")
    version: int = Field(..., description="the payload version deliveries carry")
    summary: str
    fields: dict[str, str] = Field(..., description="payload field → its type and meaning")


class EventTypesOut(Schema):
    items: list[EventTypeOut]


class WebhookOut(Schema):
    id: int
    url: str
    event_types: list[str]
    merchant: str | None
    created_at: datetime
    disabled_at: datetime | None
    disabled_reason: str
    consecutive_failures: int
    previous_secret_expires_at: datetime | None


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(..., description="whsec_…: shown once, keep it to verify signatures")


class DeliveryOut(Schema):
    id: int
    webhook_id: str = Field(..., description="the webhook-id header: the same on every retry")
    event_type: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    last_attempt_at: datetime | None
    last_status: int | None
    last_latency_ms: int | None
    last_response: str = Field(..., description="the first bytes of the receiver's answer")
    last_error: str
    delivered_at: datetime | None


class InboxFilters(Schema):
    unread: bool = False


class InboxOut(Schema):
    id: int
    event_type: str
    subject: str
    merchant: str | None
    title: str
    body: str
    language: str
    urgent: bool
    created_at: datetime
    read_at: datetime | None


class PreferencesIn(Schema):
    language: str | None = None
    email: bool | None = None
    sms: bool | None = None
    quiet_hours: bool | None = Field(None, description="hold non-urgent email/SMS 22:00–08:00")


class PreferencesOut(Schema):
    language: str
    email: bool
    sms: bool
    quiet_hours: bool
