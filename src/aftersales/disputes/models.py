"""The dispute (平台介入): its append-only event log, its durable deadlines (evidence requests
on the 09:00–18:00 clock among them), the evidence asked for and given, third-party outcomes,
the money it moved (for reversal and the merchant figures) and each shop's own terms. State
changes happen only in services.py, through the declared flow (flows.py)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from aftersales.core import clock
from aftersales.core.models import AppendOnlyModel


class Dispute(models.Model):
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey("accounts.Buyer", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="disputes")
    # The case whose rejection was appealed; null for an order's claim (not received,
    # counterfeit) opened without one.
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="disputes"
    )
    type = models.CharField(max_length=32)  # burden.TYPES
    state = models.CharField(max_length=32, default="requested")
    version = models.PositiveIntegerField(default=1)
    last_event_seq = models.PositiveIntegerField(default=0)
    opened_by = models.CharField(max_length=16)  # buyer, merchant, platform, system
    claim = models.TextField(blank=True, default="")
    policy_version = models.CharField(max_length=80)
    currency = models.CharField(max_length=3, default="CNY")
    refundable = models.DecimalField(max_digits=14, decimal_places=2)  # the ruling's ceiling
    level = models.CharField(max_length=16, default="specialist")  # who must rule now
    facts = models.JSONField(default=dict, blank=True)
    # The ruling (kept when voided by an appeal: `ruling_void`).
    ruling = models.CharField(max_length=16, blank=True, default="")
    ruling_reason = models.TextField(blank=True, default="")
    decided_by = models.CharField(max_length=64, blank=True, default="")  # the burden rule id
    ruling_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    compensation = models.JSONField(default=dict, blank=True)
    test_cost_payer = models.CharField(max_length=16, blank=True, default="")
    ruled_by = models.CharField(max_length=200, blank=True, default="")
    ruled_at = models.DateTimeField(null=True, blank=True)
    ruling_void = models.BooleanField(default=False)
    executed_by = models.CharField(max_length=16, blank=True, default="")  # merchant, platform
    executed_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    appeal_ends_at = models.DateTimeField(null=True, blank=True)  # DS-20, set on closing
    appealed = models.BooleanField(default=False)  # one level only

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "opened_at"]),
            models.Index(fields=["state", "opened_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                # One open dispute per case; a closed one (its DS-20 window may still run)
                # does not stop a later rejection of the same case having its own.
                condition=Q(case__isnull=False)
                & ~Q(state__in=["not_accepted", "settled", "closed"]),
                name="one_open_dispute_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"dispute {self.pk} ({self.type}, {self.state})"


class DisputeEvent(AppendOnlyModel):
    """One step in a dispute's life, with who took it and the rule behind it."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="events")
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
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
        ordering = ["dispute", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "seq"], name="one_event_per_dispute_seq")
        ]


class DisputeDeadline(models.Model):
    """A durable timer: at `due_at`, while the dispute is still in `guard_state`, the worker
    takes `action`. Frozen while the dispute is suspended (`paused_at`, with the time left in
    `remaining_seconds`, counted the way `spec` counts) and resumed with that time."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="deadlines")
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(
        "EvidenceRequest", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=48)  # the policy duration's name
    action = models.CharField(max_length=32)
    guard_state = models.CharField(max_length=32)
    rule = models.CharField(max_length=32)
    spec = models.JSONField(default=dict)  # the duration as applied (unit, window)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=clock.now)
    paused_at = models.DateTimeField(null=True, blank=True)
    remaining_seconds = models.BigIntegerField(null=True, blank=True)
    fired_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="dispute_deadline_pending_due",
                condition=Q(
                    fired_at__isnull=True, cancelled_at__isnull=True, paused_at__isnull=True
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.action} of dispute {self.dispute_id} at {self.due_at}"


class EvidenceRequest(models.Model):
    """A named side asked for named evidence (DS-06), due on the evidence clock."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="requests")
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    party = models.CharField(max_length=16)  # buyer, merchant
    items = models.JSONField(default=list)  # evidence kinds asked for
    note = models.TextField(blank=True, default="")
    asked_by = models.CharField(max_length=200)
    asked_at = models.DateTimeField(default=clock.now)
    due_at = models.DateTimeField()
    rule = models.CharField(max_length=32, default="DS-06")
    state = models.CharField(max_length=16, default="open")  # open, answered, missed
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]

    def __str__(self) -> str:
        return f"evidence request {self.pk} to the {self.party} ({self.state})"


class DisputeEvidence(AppendOnlyModel):
    """Evidence a side gave: kept whenever it came; counted only when on time (`late`)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="evidence")
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(
        EvidenceRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="answers"
    )
    party = models.CharField(max_length=16)
    kind = models.CharField(max_length=32)
    note = models.TextField(blank=True, default="")
    finding = models.CharField(max_length=16, blank=True, default="")  # a report's outcome
    case_evidence_ids = models.JSONField(default=list, blank=True)  # files on the case
    submitted_by = models.CharField(max_length=200)
    submitted_at = models.DateTimeField(default=clock.now)
    late = models.BooleanField(default=False)

    class Meta:
        ordering = ["submitted_at", "id"]


class ThirdPartyOutcome(AppendOnlyModel):
    """Mediation or arbitration outside the platform: who, their reference, the outcome and
    its documents. The outcome is carried out like a ruling."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="third_party")
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16)  # mediation, arbitration, court
    body = models.CharField(max_length=200)
    reference = models.CharField(max_length=100)
    outcome = models.CharField(max_length=16)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    documents = models.JSONField(default=list, blank=True)
    recorded_by = models.CharField(max_length=200)
    recorded_at = models.DateTimeField(default=clock.now)


class DisputeMoney(AppendOnlyModel):
    """Money a dispute moved, signed: refunds and compensation granted to the buyer, what the
    platform recovered from the merchant, and their reversals when an appeal voids the
    ruling. The figures and the reversal read these; the ledgers hold the money itself."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="money")
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24)  # refund, compensation, recovery, restitution
    amount = models.DecimalField(max_digits=14, decimal_places=2)  # negative: a reversal
    refund_ids = models.JSONField(default=list, blank=True)
    reference = models.CharField(max_length=100, blank=True, default="")  # the guarantee's
    at = models.DateTimeField(default=clock.now)
    note = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["merchant", "at"])]


class ShopTerms(models.Model):
    """A shop's own dispute terms: its counterfeit multiple (假一赔N, never below the statutory
    3 of GF-06) and the compensation it promises per dispute type (GF-09)."""

    merchant = models.OneToOneField(
        "accounts.Merchant", on_delete=models.CASCADE, related_name="dispute_terms"
    )
    counterfeit_multiple = models.PositiveSmallIntegerField(default=3)
    promises = models.JSONField(default=dict, blank=True)  # dispute type → amount "50.00"

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="counterfeit_multiple_at_least_3", condition=Q(counterfeit_multiple__gte=3)
            )
        ]

    def __str__(self) -> str:
        return f"dispute terms of merchant {self.merchant_id}"
