"""Buyer and merchant after-sales credit: buyer penalties and the flags shops raise, merchant
monthly metrics and ratings, the restrictions they bring, and the appeals against either with
their durable SLA deadline. Rows point at other contexts by string foreign keys."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from aftersales.core import clock


class PenaltyKind(models.TextChoices):
    NO_FAST_LANE = "no_fast_lane", "no fast lane (极速退款)"
    INSPECT_FIRST = "inspect_first", "inspection before refund"


class BuyerPenalty(models.Model):
    """A friction placed on a buyer (never a ban), with the reason code and the standing it was
    decided on. Active while `lifted_at` is empty; an upheld appeal lifts it."""

    buyer = models.ForeignKey("accounts.Buyer", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=PenaltyKind.choices)
    reason_code = models.CharField(max_length=64)
    snapshot = models.JSONField(default=dict, blank=True)
    policy_version = models.CharField(max_length=80, blank=True, default="")
    # The flag review it came from, when it came from shops' flags.
    review = models.ForeignKey(
        "BuyerReview", null=True, blank=True, on_delete=models.PROTECT, related_name="penalties"
    )
    imposed_by = models.CharField(max_length=200)
    imposed_at = models.DateTimeField(default=clock.now)
    # Suspended while the platform is late on an appeal: the buyer does not bear its delay.
    suspended_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-imposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "kind"],
                condition=Q(lifted_at__isnull=True),
                name="one_active_penalty_per_buyer_and_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on buyer {self.buyer_id} ({self.reason_code})"

    @property
    def active(self) -> bool:
        return self.lifted_at is None and self.suspended_at is None


class BuyerFlag(models.Model):
    """A shop's report on a buyer. A flag alone changes nothing: flags from two or more distinct
    shops open a review a person decides (one shop's list would become retaliation)."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey("accounts.Buyer", on_delete=models.PROTECT, related_name="+")
    reason_code = models.CharField(max_length=64)
    note = models.TextField(blank=True, default="")
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    flagged_by = models.CharField(max_length=200)
    flagged_at = models.DateTimeField(default=clock.now)
    review = models.ForeignKey(
        "BuyerReview", null=True, blank=True, on_delete=models.PROTECT, related_name="flags"
    )
    # A review that cleared the buyer, or an upheld appeal, clears the flags behind it: they
    # no longer count in the buyer's score.
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-flagged_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "buyer"],
                condition=Q(review__isnull=True),
                name="one_open_flag_per_shop_and_buyer",
            )
        ]
        indexes = [models.Index(fields=["buyer", "flagged_at"])]

    def __str__(self) -> str:
        return f"flag by merchant {self.merchant_id} on buyer {self.buyer_id}"


class BuyerReview(models.Model):
    """A person's look at a buyer that two or more shops flagged."""

    class State(models.TextChoices):
        OPEN = "open", "open"
        CLEARED = "cleared", "cleared, no penalty"
        PENALISED = "penalised", "penalty imposed"

    buyer = models.ForeignKey("accounts.Buyer", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    shops = models.PositiveSmallIntegerField()
    opened_at = models.DateTimeField(default=clock.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=200, blank=True, default="")
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["buyer"], condition=Q(state="open"), name="one_open_review_per_buyer"
            )
        ]

    def __str__(self) -> str:
        return f"review of buyer {self.buyer_id} ({self.state})"


class MerchantMetric(models.Model):
    """One metric of one merchant for one month, with the category mean beside it and the
    numerator and denominator it was computed from (explain and replay)."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text="the first day of the month")
    category = models.CharField(max_length=32)
    metric = models.CharField(max_length=48)
    numerator = models.DecimalField(max_digits=18, decimal_places=4)
    denominator = models.DecimalField(max_digits=18, decimal_places=4)
    value = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    category_mean = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    source = models.CharField(max_length=32, default="cases")
    computed_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["merchant", "month", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "month", "metric"], name="one_metric_per_merchant_month"
            )
        ]
        indexes = [models.Index(fields=["month", "category", "metric"])]

    def __str__(self) -> str:
        return f"{self.metric} of merchant {self.merchant_id} in {self.month:%Y-%m}"


class MerchantRating(models.Model):
    """The merchant's after-sales credit for a month: a score, a grade and the reason codes,
    with the metric snapshot and the policy version it was rated under."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    category = models.CharField(max_length=32)
    score = models.PositiveSmallIntegerField()
    grade = models.CharField(max_length=8)
    reason_codes = models.JSONField(default=list, blank=True)
    snapshot = models.JSONField(default=dict, blank=True)
    policy_version = models.CharField(max_length=80)
    computed_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["merchant", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "month"], name="one_rating_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.grade} for merchant {self.merchant_id} in {self.month:%Y-%m}"

    @property
    def partial(self) -> bool:
        """Rated before its month ended: the figures are the month to date."""
        from aftersales.credit.metrics import Month

        return self.computed_at < Month(self.month).end


class RestrictionKind(models.TextChoices):
    LARGER_DEPOSIT = "larger_deposit", "larger deposit"
    SHORTER_REVIEW = "shorter_review", "shorter review deadlines"
    MANUAL_REJECTION_REVIEW = "manual_rejection_review", "rejections reviewed by the platform"


class MerchantRestriction(models.Model):
    """A restriction a threshold brought on a merchant, with notice and appeal."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=RestrictionKind.choices)
    reason_code = models.CharField(max_length=64)
    month = models.DateField()
    snapshot = models.JSONField(default=dict, blank=True)
    policy_version = models.CharField(max_length=80, blank=True, default="")
    imposed_at = models.DateTimeField(default=clock.now)
    suspended_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-imposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "kind"],
                condition=Q(lifted_at__isnull=True),
                name="one_active_restriction_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on merchant {self.merchant_id} ({self.reason_code})"

    @property
    def active(self) -> bool:
        return self.lifted_at is None and self.suspended_at is None


class CreditAppeal(models.Model):
    """An appeal against a buyer penalty or a merchant restriction, decided by a person."""

    class State(models.TextChoices):
        PENDING = "pending", "waiting for a person"
        UPHELD = "upheld", "upheld: the penalty is removed"
        DISMISSED = "dismissed", "dismissed: the penalty stays"

    penalty = models.ForeignKey(
        BuyerPenalty, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals"
    )
    restriction = models.ForeignKey(
        MerchantRestriction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    buyer = models.ForeignKey(
        "accounts.Buyer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    merchant = models.ForeignKey(
        "accounts.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    filed_by = models.CharField(max_length=200)
    filed_at = models.DateTimeField(default=clock.now)
    due_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=200, blank=True, default="")
    decided_by_user_id = models.BigIntegerField(null=True, blank=True)
    decision_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="credit_appeal_one_subject",
                condition=Q(penalty__isnull=False, restriction__isnull=True, buyer__isnull=False)
                | Q(penalty__isnull=True, restriction__isnull=False, merchant__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["penalty"],
                condition=Q(state="pending"),
                name="one_pending_appeal_per_penalty",
            ),
            models.UniqueConstraint(
                fields=["restriction"],
                condition=Q(state="pending"),
                name="one_pending_appeal_per_restriction",
            ),
        ]

    def __str__(self) -> str:
        return f"credit appeal {self.pk} ({self.state})"


class AppealDeadline(models.Model):
    """The durable SLA timer of an appeal (modelled on cases.Deadline and complaints'
    SlaDeadline): when `due_at` passes and the appeal is still pending, the worker takes
    `action` (escalate: suspend the penalty and tell a manager). Exactly once."""

    appeal = models.ForeignKey(CreditAppeal, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(max_length=32, default="credit_appeal_decision")
    action = models.CharField(max_length=16, default="escalate")
    rule = models.CharField(max_length=64)
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
                name="credit_appeal_pending_due",
                condition=Q(fired_at__isnull=True, cancelled_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} of appeal {self.appeal_id} due {self.due_at}"


class CreditPolicyVersion(models.Model):
    """A published version of the credit rules (rules.py's document, validated): numbered,
    never changed; every score and rating names the version it was computed under."""

    number = models.PositiveIntegerField(unique=True)
    document = models.JSONField()
    published_by = models.CharField(max_length=200)
    published_at = models.DateTimeField(default=clock.now)
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"credit@{self.number}"
