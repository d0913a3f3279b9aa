"""The refund ledger: refunds granted per case and payment, their lines per order line, the
append-only log of their state changes, and what the payment provider was asked. Price changes
and the claims made on them (价保), and 运费险 claims, live here too: they are money questions."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from aftersales.core import clock
from aftersales.core.models import AppendOnlyModel


def Money(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class RefundState(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", "awaiting a second person's approval"
    REQUESTED = "requested", "granted, not yet sent to the provider"
    SUBMITTED = "submitted", "sent to the provider (the send is recorded before the call)"
    SUCCEEDED = "succeeded", "the provider paid it"
    FAILED = "failed", "the provider refused it for good"


# States whose amount counts against what was paid: everything but a refund that failed.
COUNTING = (
    RefundState.AWAITING_APPROVAL,
    RefundState.REQUESTED,
    RefundState.SUBMITTED,
    RefundState.SUCCEEDED,
)


class Refund(models.Model):
    """Money granted back on one case through one payment (or, for return-shipping compensation,
    to the buyer's balance). The provider transactions that carry it out are `ProviderCall`s."""

    # Indexed by the (merchant, state, requested_at) index below.
    merchant = models.ForeignKey(
        "accounts.Merchant", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="refunds")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(
        "orders.Payment", on_delete=models.PROTECT, related_name="refunds", null=True, blank=True
    )
    purpose = models.CharField(max_length=24, default="refund")  # refund, compensation
    kind = models.CharField(max_length=24, default="goods")  # goods, price_protection
    amount = Money()
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=32)
    state = models.CharField(max_length=24, choices=RefundState.choices)
    idempotency_key = models.CharField(max_length=64, unique=True)
    provider = models.CharField(max_length=32)
    provider_ref = models.CharField(max_length=128, blank=True, default="")
    needs_approval = models.BooleanField(default=False)
    maker_label = models.CharField(max_length=200, blank=True, default="")
    maker_user_id = models.BigIntegerField(null=True, blank=True)
    approved_by_label = models.CharField(max_length=200, blank=True, default="")
    approved_by_user_id = models.BigIntegerField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(default=clock.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)  # the provider's first answer
    settled_at = models.DateTimeField(null=True, blank=True)
    expected_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=clock.now)
    last_error = models.TextField(blank=True, default="")
    event_seq = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.CheckConstraint(name="refund_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="refund_payment_unless_compensation",
                condition=Q(purpose="compensation", payment__isnull=True)
                | Q(purpose="refund", payment__isnull=False),
            ),
            models.CheckConstraint(
                name="refund_approved_by_another",
                condition=Q(approved_by_user_id__isnull=True)
                | Q(maker_user_id__isnull=True)
                | ~Q(approved_by_user_id=F("maker_user_id")),
            ),
        ]
        indexes = [
            # The submission sweep: granted refunds due for a (re)try.
            models.Index(
                fields=["next_attempt_at"],
                name="refund_due_submission",
                condition=Q(state="requested"),
            ),
            models.Index(
                fields=["submitted_at"], name="refund_in_flight", condition=Q(state="submitted")
            ),
            models.Index(fields=["merchant", "state", "requested_at"]),
        ]

    def __str__(self) -> str:
        return f"refund {self.pk} {self.amount} {self.currency} ({self.state})"


class RefundLine(models.Model):
    """What one refund pays back for: an order line's goods (after deductions), the order's
    shipping fee, or return-shipping compensation."""

    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, related_name="lines")
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    order_line = models.ForeignKey(
        "orders.OrderLine",
        on_delete=models.PROTECT,
        related_name="refund_lines",
        null=True,
        blank=True,
    )
    # goods, price_protection, shipping_fee, return_shipping, compensation (a dispute's ruling)
    kind = models.CharField(max_length=24)
    gross = Money()  # before deductions
    deducted = Money(default=0)
    amount = Money()  # gross − deducted: what is paid
    deduction_reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["refund", "id"]
        constraints = [
            models.CheckConstraint(
                name="refund_line_amount_not_negative", condition=Q(amount__gte=0)
            ),
            models.CheckConstraint(
                name="refund_line_deducted_not_negative", condition=Q(deducted__gte=0)
            ),
            models.CheckConstraint(
                name="refund_line_nets_its_deduction",
                condition=Q(amount=F("gross") - F("deducted")),
            ),
            models.CheckConstraint(
                name="refund_line_goods_name_the_line",
                condition=Q(kind__in=["goods", "price_protection"], order_line__isnull=False)
                | Q(
                    kind__in=["shipping_fee", "return_shipping", "compensation"],
                    order_line__isnull=True,
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} of refund {self.refund_id}"


class RefundEvent(AppendOnlyModel):
    """One state change of a refund: never changed, never deleted."""

    # Indexed by one_refund_event_per_seq (refund, seq).
    refund = models.ForeignKey(
        Refund, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField(default=clock.now)
    actor_label = models.CharField(max_length=200)
    actor_role = models.CharField(max_length=32)
    from_state = models.CharField(max_length=24, blank=True, default="")
    to_state = models.CharField(max_length=24)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["refund", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["refund", "seq"], name="one_refund_event_per_seq")
        ]

    def __str__(self) -> str:
        return f"refund {self.refund_id}#{self.seq} {self.from_state}→{self.to_state}"


class ProviderCall(AppendOnlyModel):
    """Every call made to a payment provider and its answer, for the audit and reconcile."""

    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, related_name="calls")
    provider = models.CharField(max_length=32)
    operation = models.CharField(max_length=16)  # refund, query, webhook
    at = models.DateTimeField(default=clock.now)
    outcome = models.CharField(max_length=24)  # succeeded, failed, pending, not_found, error
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.operation} of refund {self.refund_id}: {self.outcome}"


class WebhookReceipt(models.Model):
    """A provider's result notification, kept by its id: a replay is seen and changes nothing."""

    provider = models.CharField(max_length=32)
    notification_id = models.CharField(max_length=128)
    received_at = models.DateTimeField(default=clock.now)
    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, related_name="+", null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "notification_id"], name="one_webhook_per_notification"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} notification {self.notification_id}"


class FreightInsuranceClaim(models.Model):
    """运费险: the order was insured, the buyer's return shipping is the insurer's to pay."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="freight_insurance_claim"
    )
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=16, default="filed")
    filed_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"运费险 claim of case {self.case_id} ({self.state})"


class PriceChangeKind(models.TextChoices):
    REGULAR = "regular", "a regular price drop"
    # JD-04: drops of these kinds are not protected.
    SUBSIDY = "subsidy", "a platform subsidy"
    LIVE_STREAM = "live_stream", "a live-stream price"
    COUPON = "coupon", "a coupon price"
    TRADE_IN = "trade_in", "a trade-in price"


EXCLUDED_PRICE_CHANGES = frozenset({"subsidy", "live_stream", "coupon", "trade_in"})


class PriceChange(models.Model):
    """A SKU's new price from a moment on, as the shop sent it."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=128)
    price = Money()
    kind = models.CharField(max_length=16, choices=PriceChangeKind.choices, default="regular")
    effective_at = models.DateTimeField()
    source = models.CharField(max_length=16, default="api")  # api, import
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["merchant", "sku", "effective_at"]
        constraints = [
            models.CheckConstraint(name="price_change_not_negative", condition=Q(price__gte=0)),
            models.UniqueConstraint(
                fields=["merchant", "sku", "effective_at", "kind"],
                name="one_price_change_per_moment",
            ),
        ]
        indexes = [models.Index(fields=["merchant", "sku", "effective_at"])]

    def __str__(self) -> str:
        return f"{self.sku} at {self.price} from {self.effective_at:%Y-%m-%d %H:%M}"


class PriceProtectionClaim(models.Model):
    """One drop claimed on one order line: the same drop cannot be claimed twice."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    price_change = models.ForeignKey(PriceChange, on_delete=models.PROTECT, related_name="claims")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    refund_line = models.OneToOneField(RefundLine, on_delete=models.PROTECT, related_name="+")
    claimed_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["price_change", "order_line"], name="one_claim_per_drop_and_line"
            )
        ]

    def __str__(self) -> str:
        return f"claim on drop {self.price_change_id} for line {self.order_line_id}"


class FakeProviderRefund(models.Model):
    """The fake payment provider's own books (demo and tests): one row per idempotency key."""

    idempotency_key = models.CharField(max_length=64, unique=True)
    reference = models.CharField(max_length=64, unique=True)
    amount = Money()
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=32)
    state = models.CharField(max_length=16)  # succeeded, failed
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"fake refund {self.idempotency_key} ({self.state})"


class FakeProviderCall(models.Model):
    """Every call the fake provider received, committed as it arrives (its own connection's
    autocommit): tests count them across processes."""

    operation = models.CharField(max_length=16)  # refund, query
    idempotency_key = models.CharField(max_length=64, db_index=True)
    outcome = models.CharField(max_length=24)
    at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"fake {self.operation} {self.idempotency_key}: {self.outcome}"
