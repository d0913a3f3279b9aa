"""The complaint (投诉): its messages on every channel, its append-only event log, its SLA due
rows, the approvals its compensation needs and the cases it opened. State changes happen only in
services.py, through the declared flow (flows.py)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from aftersales.core import clock
from aftersales.core.models import AppendOnlyModel

CHANNELS = ("chat", "hotline", "app", "email", "social")
SEVERITIES = ("general", "important", "major", "crisis")  # 一般 / 重要 / 重大 / 危机
LEVELS = ("agent", "specialist", "manager")  # who holds it: escalation raises it


class Complaint(models.Model):
    # The order's merchant when the complaint names an order (the shop sees it, like a case);
    # null for a complaint about the platform itself or with no order: platform desk only.
    merchant = models.ForeignKey(
        "accounts.Merchant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    buyer = models.ForeignKey("accounts.Buyer", on_delete=models.PROTECT, related_name="complaints")
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    channel = models.CharField(max_length=16)
    category = models.CharField(max_length=32, blank=True, default="")
    description = models.TextField()
    demand = models.TextField(blank=True, default="")  # 诉求: what the customer asks for
    state = models.CharField(max_length=32, default="received")
    # Whether the complaint is open: one open complaint per order (the constraint below).
    is_open = models.BooleanField(default=True)
    severity = models.CharField(max_length=16, default="general")
    signals = models.JSONField(default=list, blank=True)
    severity_set_by_agent = models.BooleanField(default=False)
    emotion = models.SmallIntegerField(default=0)  # lexicon score, 0 calm
    level = models.CharField(max_length=16, default="agent")
    version = models.PositiveIntegerField(default=1)
    last_event_seq = models.PositiveIntegerField(default=0)
    facts = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    # SLA clocks (docs/sla.md). Due times are derived from these and the policy.
    first_responded_at = models.DateTimeField(null=True, blank=True)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    awaiting_reply_since = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    paused_since = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)  # business time the clock stood
    breaches = models.JSONField(default=list, blank=True)  # the targets missed, kept for good
    # The earliest running target's due time: the desk queue's order (null when none runs).
    sla_due_at = models.DateTimeField(null=True, blank=True)
    # Who on the desk holds it (claimed or assigned); null: the unassigned pool.
    assignee = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Closing the loop.
    solution = models.JSONField(default=dict, blank=True)
    responsibility = models.CharField(max_length=32, blank=True, default="")
    reason_codes = models.JSONField(default=list, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True, default="")
    resolved_at = models.DateTimeField(null=True, blank=True)
    # When this investigation round found the responsibility (frozen from then); a reopen or
    # a dispute starts a new round.
    responsibility_found_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "state", "received_at"]),
            models.Index(fields=["buyer", "received_at"]),
            models.Index(fields=["state", "received_at"]),
            # The desk queue: open complaints, soonest due first (all, or one agent's).
            models.Index(
                fields=["sla_due_at", "id"],
                name="complaint_queue_by_due",
                condition=Q(is_open=True),
            ),
            models.Index(
                fields=["assignee", "sla_due_at", "id"],
                name="complaint_mine_by_due",
                condition=Q(is_open=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(is_open=True, order__isnull=False),
                name="one_open_complaint_per_order",
            ),
            models.CheckConstraint(
                name="complaint_rating_1_to_5",
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
            ),
        ]

    def __str__(self) -> str:
        return f"complaint {self.pk} ({self.severity}, {self.state})"


class ComplaintMessage(models.Model):
    """One message of the customer's timeline: inbound from them, outbound from the desk, or an
    internal note. Kept on the complaint it joined."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="messages")
    merchant = models.ForeignKey(
        "accounts.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    buyer = models.ForeignKey("accounts.Buyer", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=16)
    direction = models.CharField(max_length=16)  # inbound, outbound, note
    text = models.TextField()
    author_label = models.CharField(max_length=200, blank=True, default="")
    at = models.DateTimeField(default=clock.now)
    # The email's Message-ID (without <>), so a reply naming it in In-Reply-To or References
    # joins this complaint.
    email_message_id = models.CharField(max_length=255, blank=True, default="", db_index=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["buyer", "at"])]

    def __str__(self) -> str:
        return f"{self.direction} message of complaint {self.complaint_id}"


class ContactIdentity(models.Model):
    """A way a customer is known on a channel (an email address, a phone hash), pointing at
    the buyer whose timeline it joins."""

    kind = models.CharField(max_length=16)  # email, phone_hash
    value = models.CharField(max_length=255)
    buyer = models.ForeignKey("accounts.Buyer", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="one_buyer_per_identity")
        ]

    def __str__(self) -> str:
        return f"{self.kind} of buyer {self.buyer_id}"


class ComplaintEvent(AppendOnlyModel):
    """One step in a complaint's life. Never changed, never deleted."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")
    merchant = models.ForeignKey(
        "accounts.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seq = models.PositiveIntegerField()
    at = models.DateTimeField(default=clock.now)
    actor_kind = models.CharField(max_length=16)
    actor_role = models.CharField(max_length=32)
    actor_label = models.CharField(max_length=200)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=32, blank=True, default="")
    to_state = models.CharField(max_length=32)
    note = models.TextField(blank=True, default="")
    rule = models.CharField(max_length=64, blank=True, default="")
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["complaint", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "seq"], name="one_event_per_complaint_seq")
        ]


class SlaDeadline(models.Model):
    """A durable SLA timer (modelled on cases.Deadline): at `due_at` the worker warns of, or
    records the breach of, the target `kind`, or takes `action` (auto-confirm). Exactly once:
    the effect and `fired_at` commit together."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="deadlines")
    merchant = models.ForeignKey(
        "accounts.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=32)  # first_response, next_response, resolution, confirm
    action = models.CharField(max_length=16)  # warn, breach, confirm
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=clock.now)
    fired_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="complaint_sla_pending_due",
                condition=Q(fired_at__isnull=True, cancelled_at__isnull=True),
            ),
            models.Index(fields=["complaint", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.action} of complaint {self.complaint_id} at {self.due_at}"


class ApprovalRequest(models.Model):
    """A compensation above its proposer's authority, waiting for someone who may grant it."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="approvals")
    merchant = models.ForeignKey(
        "accounts.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")
    requested_by = models.CharField(max_length=200)
    requested_role = models.CharField(max_length=32)
    required_role = models.CharField(max_length=32)
    state = models.CharField(max_length=16, default="pending")  # pending, granted, refused
    decided_by = models.CharField(max_length=200, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"approval of {self.amount} for complaint {self.complaint_id} ({self.state})"


class LinkedCase(models.Model):
    """An after-sales case a complaint's solution opened (refund, exchange, repair, reissue)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="cases")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"case {self.case_id} of complaint {self.complaint_id}"


class InboundEmail(models.Model):
    """One email as it arrived (the inbound endpoint or `aftersales mail fetch`), its raw bytes
    kept whatever became of it: `accepted` (it joined a complaint's timeline) or `unparsed`
    (it could not be read or matched; an agent sees it in the unparsed list, `dismissed` once
    they dealt with it). `dedupe_key` (the Message-ID, else the raw bytes' hash) makes a
    second delivery of the same mail a no-op."""

    dedupe_key = models.CharField(max_length=255, unique=True)
    message_id = models.CharField(max_length=255, blank=True, default="")
    source = models.CharField(max_length=16)  # endpoint, imap
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=clock.now)
    state = models.CharField(max_length=16)  # accepted, unparsed, dismissed
    error = models.TextField(blank=True, default="")
    from_address = models.CharField(max_length=254, blank=True, default="")
    subject = models.CharField(max_length=500, blank=True, default="")
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="emails"
    )
    timeline_message = models.ForeignKey(
        ComplaintMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    threaded = models.BooleanField(default=False)  # joined by In-Reply-To/References
    # [{name, content_type, size, accepted, reason, evidence_id}]
    attachments = models.JSONField(default=list, blank=True)
    handled_by = models.CharField(max_length=200, blank=True, default="")
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["state", "received_at"])]

    def __str__(self) -> str:
        return f"email {self.pk} ({self.state})"


class ComplaintEvidence(models.Model):
    """A photo, video or PDF on a complaint (or one of its investigation tasks): an email's
    accepted attachment or an upload. Judged by its content like case evidence
    (cases/evidence.py), stored through Django's storage."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="evidence")
    task = models.ForeignKey(
        "complaints.InvestigationTask",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    merchant = models.ForeignKey(
        "accounts.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=16)  # email, upload
    uploaded_by_label = models.CharField(max_length=200)
    kind = models.CharField(max_length=16)  # image, video, pdf
    content_type = models.CharField(max_length=64)
    original_name = models.CharField(max_length=255, blank=True, default="")
    storage_key = models.CharField(max_length=512)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    note = models.TextField(blank=True, default="")
    uploaded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} for complaint {self.complaint_id}"


class InvestigationTask(models.Model):
    """A question the investigation put to a department (quality, logistics, warehouse,
    supplier, merchant), due in business hours on the business calendar, and its answer.
    Overdue is a query (`state=open, due_at < now`), not a timer: nothing fires at the due
    time, the desk's overdue list reads it."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="tasks")
    merchant = models.ForeignKey(
        "accounts.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.CharField(max_length=16)
    question = models.TextField()
    state = models.CharField(max_length=16, default="open")  # open, answered
    opened_by = models.CharField(max_length=200)
    opened_at = models.DateTimeField(default=clock.now)
    due_at = models.DateTimeField()
    answer = models.TextField(blank=True, default="")
    answered_by = models.CharField(max_length=200, blank=True, default="")
    answered_role = models.CharField(max_length=32, blank=True, default="")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="complaint_task_open_due",
                condition=Q(state="open"),
            ),
            models.Index(fields=["complaint", "opened_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.department} task of complaint {self.complaint_id} ({self.state})"


class RootCause(models.Model):
    """The responsibility found for a complaint, frozen at decision time: one row per SKU the
    complaint is about and reason code, with the merchant and SKU as they were then, so the
    quality report groups rows and never re-reads orders. A later finding (after a reopen or
    a dispute) supersedes them (`current=False`); their content never changes."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="root_causes")
    finding_seq = models.PositiveIntegerField()  # the event that decided it
    decided_at = models.DateTimeField()
    merchant = models.ForeignKey(
        "accounts.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    merchant_code = models.CharField(max_length=64, blank=True, default="")
    sku = models.CharField(max_length=128, blank=True, default="")
    responsibility = models.CharField(max_length=32)
    reason_code = models.CharField(max_length=64, blank=True, default="")
    current = models.BooleanField(default=True)

    class Meta:
        ordering = ["decided_at", "id"]
        indexes = [
            models.Index(fields=["decided_at", "merchant", "sku"], name="complaint_rootcause_rep"),
            models.Index(fields=["complaint", "current"]),
        ]

    def __str__(self) -> str:
        return f"{self.responsibility}/{self.reason_code} of complaint {self.complaint_id}"
