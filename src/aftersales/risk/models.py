"""Risk: published threshold documents (versioned, per tenant or platform-wide), every score
with its reason codes and input snapshot (append-only, so it can be explained and replayed),
the desk's reviews (the labels a later model learns from) and the identifiers that link
accounts (device, IP, phone, address, payment account — hashed)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from aftersales.core import clock
from aftersales.core.models import AppendOnlyModel


class RiskPolicy(AppendOnlyModel):
    """One published version of the risk thresholds: platform-wide (merchant null) or one
    tenant's. Never changed: a new publish is a new number."""

    merchant = models.ForeignKey(
        "accounts.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField()
    document = models.JSONField()
    published_at = models.DateTimeField(default=clock.now)
    published_by = models.CharField(max_length=200)
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["merchant_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "number"],
                name="risk_policy_number_per_merchant",
                condition=Q(merchant__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["number"],
                name="risk_policy_number_platform",
                condition=Q(merchant__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        scope = f"m{self.merchant_id}" if self.merchant_id else "platform"
        return f"risk-{scope}@{self.number}"


class Level(models.TextChoices):
    """The action ladder: nothing above review; nothing is denied or banned automatically."""

    ALLOW = "allow", "allow"
    WARN = "warn", "warn"
    FRICTION = "friction", "friction (inspect first, no fast lane)"
    REVIEW = "review", "human review"


class Assessment(AppendOnlyModel):
    """One score of one subject (a case; a dispute or compensation claim later) at one moment:
    what triggered it, the signals that fired with their reasons, and every input they read."""

    subject_kind = models.CharField(max_length=16, default="case")  # case, dispute, claim
    subject_id = models.BigIntegerField()
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    # (buyer, at) below serves every look-up by buyer: a second index on buyer alone would be
    # one more insert with every score written, for nothing.
    buyer = models.ForeignKey(
        "accounts.Buyer", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    trigger = models.CharField(max_length=32)  # open, return_scan, inspect, …
    policy_label = models.CharField(max_length=80)
    score = models.PositiveIntegerField()
    level = models.CharField(max_length=16, choices=Level.choices)
    # A score that could not be computed in full: allowed, and a person looks (never denied).
    needs_review = models.BooleanField(default=False)
    reasons = models.JSONField(default=list)  # [{code, points, detail}]
    snapshot = models.JSONField(default=dict)  # {inputs, thresholds}: enough to replay
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["subject_kind", "subject_id", "at"]),
            models.Index(
                fields=["at"],
                name="risk_assessment_flagged",
                condition=Q(level="review") | Q(needs_review=True),
            ),
            models.Index(fields=["buyer", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.subject_kind} {self.subject_id}: {self.level} ({self.score})"


class Review(AppendOnlyModel):
    """A person's decision on a flagged subject: cleared (the signals were wrong) or confirmed
    (abuse). Saved as the label a later model learns from; audited."""

    class Decision(models.TextChoices):
        CLEAR = "clear", "cleared"
        CONFIRM = "confirm", "confirmed abuse"

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="reviews")
    subject_kind = models.CharField(max_length=16, default="case")
    subject_id = models.BigIntegerField()
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey("accounts.Buyer", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    # The signals the reviewer agrees with (confirm) or rejects (clear): per-signal labels.
    codes = models.JSONField(default=list)
    note = models.TextField()
    reviewer_label = models.CharField(max_length=200)
    reviewer_user_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["buyer", "decision"])]

    def __str__(self) -> str:
        return f"{self.decision} {self.subject_kind} {self.subject_id}"


class Identifier(models.Model):
    """One identifier seen with a buyer: a device fingerprint, an IP, a phone, a normalised
    address or a payment account, as a keyed hash. Accounts sharing one are linked — unless the
    value is of a shared kind (a dormitory, a parcel station, a carrier-grade NAT IP)."""

    class Kind(models.TextChoices):
        DEVICE = "device", "device fingerprint"
        IP = "ip", "IP address"
        PHONE = "phone", "phone"
        ADDRESS = "address", "address"
        PAYMENT = "payment", "payment account"

    buyer = models.ForeignKey("accounts.Buyer", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    value_hash = models.CharField(max_length=64)
    # "" or the allowlisted shared type (dormitory, parcel_station, office, …): never links.
    shared_type = models.CharField(max_length=32, blank=True, default="")
    first_seen_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "kind", "value_hash"], name="risk_identifier_once_per_buyer"
            )
        ]
        indexes = [models.Index(fields=["kind", "value_hash"])]

    def __str__(self) -> str:
        return f"{self.kind} of buyer {self.buyer_id}"


class SharedAddress(models.Model):
    """The allowlist: an address (hashed, normalised) known to be shared by many honest people —
    a dormitory, a parcel station (驿站), an office mail room. Accounts sharing it are not
    linked by it."""

    value_hash = models.CharField(max_length=64, unique=True)
    shared_type = models.CharField(max_length=32)
    label = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.shared_type} {self.label}"
