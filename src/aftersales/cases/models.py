"""The after-sales case (售后单): its lines, its append-only event log, its deadlines and its
evidence. State changes happen only in services.py, through a declared flow (flows.py)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from aftersales.core import clock
from aftersales.core.models import AppendOnlyModel


class Case(models.Model):
    # merchant and buyer: no index of their own, the composite indexes below start with them
    # (every step updates the case's indexed state: one index entry less per index, per step).
    merchant = models.ForeignKey(
        "accounts.Merchant", on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    buyer = models.ForeignKey(
        "accounts.Buyer", on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="cases")
    type = models.CharField(max_length=32)
    reason = models.CharField(max_length=32)
    description = models.TextField(blank=True, default="")
    state = models.CharField(max_length=32)
    # Bumped by every transition: two actions on one case cannot both win.
    version = models.PositiveIntegerField(default=1)
    # The seq of the case's last event: the next event takes +1 (under the case's row lock),
    # without reading the log. Steps that change no state (evidence, reminders) count too.
    last_event_seq = models.PositiveIntegerField(default=0)
    policy_version = models.CharField(max_length=80)
    decision = models.JSONField()
    # What the case engine remembers between steps (the rejection point, the ruling, counts).
    facts = models.JSONField(default=dict, blank=True)
    refund_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3)
    opened_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "state", "opened_at"]),
            models.Index(fields=["buyer", "opened_at"]),
            models.Index(fields=["state", "opened_at"]),
        ]

    def __str__(self) -> str:
        return f"case {self.pk} ({self.type}, {self.state})"


class CaseLine(models.Model):
    # Indexed by one_case_line_per_line (case, order_line).
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lines", db_index=False)
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.PROTECT, related_name="case_lines"
    )
    quantity = models.PositiveIntegerField()
    condition = models.CharField(max_length=32, default="unopened")
    decision = models.JSONField()
    refundable_amount = models.DecimalField(max_digits=14, decimal_places=2)
    # Whether this line still holds its quantity: open cases and cases that got their remedy do;
    # rejected, withdrawn and closed-without-remedy cases release it.
    holds_quantity = models.BooleanField(default=True)
    outcome = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(name="case_line_quantity_positive", condition=Q(quantity__gt=0)),
            models.UniqueConstraint(fields=["case", "order_line"], name="one_case_line_per_line"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × line {self.order_line_id} of case {self.case_id}"


class CaseEvent(AppendOnlyModel):
    """One step in a case's life: who, when, from, to, why. Never changed, never deleted."""

    # Indexed by one_event_per_case_seq (case, seq).
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", db_index=False)
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField(default=clock.now)
    actor_kind = models.CharField(max_length=16)  # user, token, system
    actor_role = models.CharField(max_length=32)
    actor_label = models.CharField(max_length=200)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=32, blank=True, default="")
    to_state = models.CharField(max_length=32)
    note = models.TextField(blank=True, default="")
    rule = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="the policy row or timer behind an automatic step",
    )
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["case", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="one_event_per_case_seq")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action} {self.from_state}→{self.to_state}"


class Deadline(models.Model):
    """A durable timer: when `due_at` passes and the case is still in `guard_state`, the worker
    takes `action` through the same service a person would use. Exactly once: the action and
    `fired_at` commit together."""

    # Indexed by the (case, guard_state) index below.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="deadlines", db_index=False
    )
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=64, help_text="the policy duration it counts")
    # The case's type, copied (a case never changes type): the merchant's queue filtered by
    # type walks one index in due order instead of joining every pending row to its case.
    case_type = models.CharField(max_length=32)
    due_at = models.DateTimeField()
    action = models.CharField(max_length=32, help_text="what happens when nobody acts")
    guard_state = models.CharField(max_length=32)
    rule = models.CharField(max_length=64, help_text="the source row of the duration")
    reminder = models.BooleanField(default=False, help_text="a warning before a deadline")
    created_at = models.DateTimeField(default=clock.now)
    fired_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # The worker's scan: pending rows by due time.
            models.Index(
                fields=["due_at"],
                name="deadline_pending_due",
                condition=Q(fired_at__isnull=True, cancelled_at__isnull=True),
            ),
            models.Index(fields=["case", "guard_state"]),
            # The merchant's queue (web/merchant.py): one tenant's pending deadlines by due
            # time, and the same within one case type.
            models.Index(
                fields=["merchant", "due_at"],
                name="deadline_queue_due",
                condition=Q(fired_at__isnull=True, cancelled_at__isnull=True, reminder=False),
            ),
            models.Index(
                fields=["merchant", "case_type", "due_at"],
                name="deadline_queue_type_due",
                condition=Q(fired_at__isnull=True, cancelled_at__isnull=True, reminder=False),
            ),
            # … and within one state (the queue's state filter: a state few cases are in
            # would otherwise walk the tenant's whole queue).
            models.Index(
                fields=["merchant", "guard_state", "due_at"],
                name="deadline_queue_state_due",
                condition=Q(fired_at__isnull=True, cancelled_at__isnull=True, reminder=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of case {self.case_id} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def pending(self) -> bool:
        return self.fired_at is None and self.cancelled_at is None


class Evidence(models.Model):
    """A photo, video or PDF attached to a case, stored through Django's storage."""

    class Visibility(models.TextChoices):
        ALL = "all", "buyer, merchant and platform"
        PLATFORM = "platform", "platform only"
        MERCHANT_AND_PLATFORM = "merchant_and_platform", "merchant and platform"
        BUYER_AND_PLATFORM = "buyer_and_platform", "buyer and platform"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    uploaded_by_role = models.CharField(max_length=32)
    uploaded_by_label = models.CharField(max_length=200)
    kind = models.CharField(max_length=16)  # image, video, pdf
    content_type = models.CharField(max_length=64)
    original_name = models.CharField(max_length=255, blank=True, default="")
    storage_key = models.CharField(max_length=512)
    thumbnail_key = models.CharField(max_length=512, blank=True, default="")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    visibility = models.CharField(max_length=32, choices=Visibility.choices, default=Visibility.ALL)
    note = models.TextField(blank=True, default="")
    uploaded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} for case {self.case_id}"
