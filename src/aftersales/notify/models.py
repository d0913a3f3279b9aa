"""The way out of the process: the outbox, each recipient's inbox, webhook endpoints and their
deliveries, and who wants to hear what in which language."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from aftersales.core import clock
from aftersales.core.pii import EncryptedTextField


class OutboxMessage(models.Model):
    """One event others must hear about, written in the transaction of the change it describes.
    The worker fans it out after commit; `message_id` is stable and becomes the `webhook-id`."""

    message_id = models.CharField(max_length=40, unique=True)
    topic = models.CharField(max_length=64)
    version = models.PositiveSmallIntegerField(default=1)
    payload = models.JSONField()
    # The tenant whose webhooks hear it (None: a platform event only platform endpoints hear).
    merchant = models.ForeignKey(
        "accounts.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(max_length=64, blank=True, default="", help_text="e.g. case:42")
    # The buyer the event concerns (told in their inbox); never sent on the wire.
    buyer_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    # Fanned out (inbox rows written, deliveries queued); the fan-out and this commit together.
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], name="outbox_unsent", condition=Q(sent_at__isnull=True)),
            models.Index(fields=["subject", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.topic}"


class InboxMessage(models.Model):
    """A message as one recipient reads it, in their language; also the record of the email and
    SMS sent for it (held until `send_after` in quiet hours)."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="inbox")
    merchant = models.ForeignKey(
        "accounts.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Exactly one of user / buyer: staff read by their login, buyers by who they are (a buyer
    # may follow their cases with a buyer token and no login).
    user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    buyer = models.ForeignKey(
        "accounts.Buyer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    recipient = models.CharField(max_length=32, help_text="u:<user id> or b:<buyer id>")
    audience = models.CharField(max_length=16)  # buyer, merchant, desk
    topic = models.CharField(max_length=64)
    subject = models.CharField(max_length=64, blank=True, default="")
    language = models.CharField(max_length=16)
    title = models.CharField(max_length=200)
    body = models.TextField()
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Channels still to send beyond the inbox ("email", "sms"), and not before when.
    pending_channels = models.JSONField(default=list, blank=True)
    send_after = models.DateTimeField(null=True, blank=True)
    sent_channels = models.JSONField(default=list, blank=True)
    # Attempts at the channels so far; a failed one is retried at `send_after` (delivery.py).
    channel_attempts = models.PositiveSmallIntegerField(default=0)
    channel_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "recipient"], name="one_inbox_row_each"),
            models.CheckConstraint(
                name="inbox_user_or_buyer",
                condition=Q(user__isnull=False, buyer__isnull=True)
                | Q(user__isnull=True, buyer__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["buyer", "created_at"]),
            models.Index(
                fields=["send_after"],
                name="inbox_channels_pending",
                condition=Q(send_after__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.topic}"


class Preference(models.Model):
    """How one recipient wants to hear: language, channels beyond the inbox, quiet hours."""

    recipient = models.CharField(max_length=32, unique=True)
    language = models.CharField(max_length=16, blank=True, default="")
    email = models.BooleanField(default=True)
    sms = models.BooleanField(default=True)
    quiet_hours = models.BooleanField(default=True, help_text="hold non-urgent 22:00–08:00")
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"preferences of {self.recipient}"


class WebhookEndpoint(models.Model):
    """A receiver of signed events: a merchant's (its events only) or, with merchant None, the
    platform's (every merchant's events)."""

    merchant = models.ForeignKey(
        "accounts.Merchant",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    url = models.URLField(max_length=2000)
    event_types = models.JSONField(default=list, blank=True, help_text="empty: every type")
    secret = EncryptedTextField()
    # During a rotation the previous secret signs too, until it expires.
    previous_secret = EncryptedTextField(blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=clock.now)
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "disabled_at"])]

    def __str__(self) -> str:
        return f"webhook {self.pk} → {self.url}"

    def hears(self, topic: str) -> bool:
        return not self.event_types or topic in self.event_types


class WebhookDelivery(models.Model):
    """One message to one endpoint, with its own retries. Claimed by setting `next_attempt_at`
    past the send's time limit (a lease): a worker killed mid-send leaves it to be sent again,
    with the same `webhook-id`."""

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed (gave up)"

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    merchant = models.ForeignKey(
        "accounts.Merchant", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    topic = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=clock.now)
    created_at = models.DateTimeField(default=clock.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True, default="", help_text="the first bytes")
    last_error = models.CharField(max_length=500, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "endpoint"], name="one_delivery_each")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_pending_due",
                condition=Q(state="pending"),
            ),
            models.Index(fields=["endpoint", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} of {self.message_id} to {self.endpoint_id}"
