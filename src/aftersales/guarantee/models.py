"""The guarantee fund's books: one double-entry ledger per merchant (accounts, append-only
movements and their entries), the recovery claims the platform holds against a merchant, the
pay-firsts (先行赔付, GF-02) with their contest (GF-03), and top-up requests."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from aftersales.core import clock
from aftersales.core.models import AppendOnlyModel


def Money(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class AccountKind(models.TextChoices):
    DEPOSIT = "deposit", "merchant deposit (保证金)"
    SETTLEMENT = "settlement", "merchant settlement, available"
    HELD = "held", "merchant settlement, held while a dispute is open"
    RECEIVABLE = "receivable", "platform pay-first receivable from the merchant"
    BUYER_PAYOUT = "buyer_payout", "paid to buyers on the merchant's account"
    INFLOW = "inflow", "money received: deposit top-ups and settlement income"
    PLATFORM_LOSS = "platform_loss", "borne by the platform (upheld contests, reversals)"


# Entries are signed, debit positive; an account's balance is shown in its normal direction.
NORMAL_SIGN: dict[str, int] = {
    AccountKind.DEPOSIT: -1,
    AccountKind.SETTLEMENT: -1,
    AccountKind.HELD: -1,
    AccountKind.RECEIVABLE: 1,
    AccountKind.BUYER_PAYOUT: -1,
    AccountKind.INFLOW: 1,
    AccountKind.PLATFORM_LOSS: 1,
}
# Accounts that hold money and can never go below zero (the rest are running totals).
NEVER_NEGATIVE = (
    AccountKind.DEPOSIT,
    AccountKind.SETTLEMENT,
    AccountKind.HELD,
    AccountKind.RECEIVABLE,
)


class LedgerAccount(models.Model):
    """One account of one merchant. `balance` is the sum of its entries in its normal
    direction, kept under the row lock every movement takes; the entries are the truth."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    balance = Money(default=0)
    currency = models.CharField(max_length=3, default="CNY")

    class Meta:
        ordering = ["merchant", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "kind"], name="one_account_per_kind"),
            models.CheckConstraint(
                name="guarantee_money_accounts_never_negative",
                condition=~Q(kind__in=list(NEVER_NEGATIVE)) | Q(balance__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of merchant {self.merchant_id}: {self.balance}"


class MovementKind(models.TextChoices):
    TOP_UP = "top_up", "deposit topped up"
    SETTLEMENT_CREDIT = "settlement_credit", "settlement income"
    HOLD = "hold", "settlement held"
    RELEASE = "release", "held settlement released"
    DEDUCT = "deduct", "deducted for a buyer"
    CLAIM = "claim", "the platform paid a buyer and holds a claim on the merchant"
    COLLECT = "collect", "claim recovered from settlement or deposit"
    REVERSAL = "reversal", "a movement undone (appeal won, contest upheld)"
    RESTITUTION = "restitution", "paid back to the merchant: a ruling it carried out was voided"


class Source(models.TextChoices):
    RULING = "ruling", "a dispute ruling"
    DISPUTE = "dispute", "an open dispute"
    PAY_FIRST = "pay_first", "a pay-first"
    TOP_UP = "top_up", "a deposit top-up"
    ORDER = "order", "an order's payment"
    CASE = "case", "an after-sales case"
    OPERATOR = "operator", "the platform's operator"


class Movement(AppendOnlyModel):
    """One movement of money between a merchant's accounts: its entries sum to zero. Every
    movement names its source (`source`, `source_id`); a reversal points at what it undoes,
    and a movement is undone at most once (a unique key)."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=MovementKind.choices)
    amount = Money()
    currency = models.CharField(max_length=3, default="CNY")
    source = models.CharField(max_length=16, choices=Source.choices)
    source_id = models.BigIntegerField()
    pay_first = models.ForeignKey(
        "guarantee.PayFirst", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claim = models.ForeignKey(
        "guarantee.Claim", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    note = models.CharField(max_length=500, blank=True, default="")
    actor_label = models.CharField(max_length=200, default="system")
    actor_role = models.CharField(max_length=32, default="system")
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(name="movement_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="reversal_points_at_what_it_undoes",
                condition=Q(kind="reversal", reverses__isnull=False)
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
            ),
            # A voided ruling the merchant had carried out is paid back to them once (DS-20).
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=Q(kind="restitution"),
                name="one_restitution_per_source",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "at", "id"]),
            models.Index(fields=["source", "source_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.source} {self.source_id})"


class Entry(AppendOnlyModel):
    """One leg of a movement: a signed amount (debit positive) on one account."""

    movement = models.ForeignKey(Movement, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    amount = Money()

    class Meta:
        ordering = ["movement", "id"]
        constraints = [models.CheckConstraint(name="entry_amount_not_zero", condition=~Q(amount=0))]

    def __str__(self) -> str:
        return f"{self.amount:+} on account {self.account_id}"


class ClaimState(models.TextChoices):
    OPEN = "open", "not yet recovered in full"
    RECOVERED = "recovered", "recovered in full"
    WRITTEN_OFF = "written_off", "reversed: the platform bears it"


class Claim(models.Model):
    """What the platform paid for the merchant and recovers from them: from settlement first,
    then deposit; what is missing waits for the next settlement income or top-up."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=16, choices=Source.choices)
    source_id = models.BigIntegerField()
    amount = Money()
    recovered = Money(default=0)
    state = models.CharField(max_length=16, choices=ClaimState.choices, default=ClaimState.OPEN)
    opened_at = models.DateTimeField(default=clock.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        constraints = [
            models.CheckConstraint(name="claim_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="claim_recovered_within_amount",
                condition=Q(recovered__gte=0) & Q(recovered__lte=models.F("amount")),
            ),
            # A ruling (a case, a dispute) is paid for by the merchant once: a second pay-first
            # or execution of it would charge them twice.
            models.UniqueConstraint(fields=["source", "source_id"], name="one_claim_per_source"),
        ]
        indexes = [models.Index(fields=["merchant", "state", "opened_at"])]

    def __str__(self) -> str:
        return f"claim {self.pk} {self.recovered}/{self.amount} ({self.state})"

    @property
    def outstanding(self):
        return self.amount - self.recovered


class ContestState(models.TextChoices):
    NONE = "none", "not contested"
    CONTESTED = "contested", "contested, awaiting the platform's decision"
    UPHELD = "upheld", "contest upheld: the merchant was made whole"
    REJECTED = "rejected", "contest rejected"


class PayFirstKind(models.TextChoices):
    PAY_FIRST = "pay_first", "先行赔付: the platform paid the buyer (GF-02)"
    EXECUTION = "execution", "a ruling executed by the platform (DS-19), recovered (GF-02)"


class PayFirst(models.Model):
    """先行赔付 (GF-02): the platform paid the buyer at once through the refund ledger and holds
    a claim on the merchant; the merchant may contest within GF-03's window. A ruling the
    platform executed (DS-19, `recover`) is recorded here too, as kind `execution`: its buyer
    was paid by the caller (the dispute's ruling), so the record pays nobody, it only makes the
    recovery contestable the same way."""

    kind = models.CharField(
        max_length=16, choices=PayFirstKind.choices, default=PayFirstKind.PAY_FIRST
    )
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = Money()
    currency = models.CharField(max_length=3, default="CNY")
    reason = models.CharField(max_length=500)
    source = models.CharField(max_length=16, choices=Source.choices)
    source_id = models.BigIntegerField()
    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="pay_first")
    refund_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    created_by_label = models.CharField(max_length=200)
    created_by_role = models.CharField(max_length=32)
    contest_due_at = models.DateTimeField()
    contest_rule = models.CharField(max_length=32, default="GF-03")
    contest_state = models.CharField(
        max_length=16, choices=ContestState.choices, default=ContestState.NONE
    )
    contest_reason = models.CharField(max_length=1000, blank=True, default="")
    contested_at = models.DateTimeField(null=True, blank=True)
    contested_by_label = models.CharField(max_length=200, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by_label = models.CharField(max_length=200, blank=True, default="")
    decision_note = models.CharField(max_length=1000, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="pay_first_amount_positive", condition=Q(amount__gt=0)),
        ]
        indexes = [models.Index(fields=["merchant", "created_at", "id"])]

    def __str__(self) -> str:
        return f"pay-first {self.pk} {self.amount} on order {self.order_id}"


class TopUpRequestState(models.TextChoices):
    OPEN = "open", "the deposit is below its requirement"
    MET = "met", "topped up to the requirement"


class TopUpRequest(models.Model):
    """The platform asked the merchant to top up: the deposit fell below its requirement.
    One open request per merchant at a time (a partial unique key)."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    requirement = Money()
    balance_at_request = Money()
    shortfall = Money()
    rule = models.CharField(max_length=32)
    state = models.CharField(
        max_length=8, choices=TopUpRequestState.choices, default=TopUpRequestState.OPEN
    )
    requested_at = models.DateTimeField(default=clock.now)
    met_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant"], condition=Q(state="open"), name="one_open_top_up_request"
            )
        ]

    def __str__(self) -> str:
        return f"top-up request {self.pk} of merchant {self.merchant_id} ({self.state})"


class TopUp(models.Model):
    """Money the merchant paid into its deposit (the bank's or payment's reference)."""

    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    amount = Money()
    currency = models.CharField(max_length=3, default="CNY")
    reference = models.CharField(max_length=128)
    request = models.ForeignKey(
        TopUpRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="top_ups"
    )
    recorded_at = models.DateTimeField(default=clock.now)
    recorded_by_label = models.CharField(max_length=200)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(name="top_up_amount_positive", condition=Q(amount__gt=0)),
            models.UniqueConstraint(
                fields=["merchant", "reference"], name="one_top_up_per_reference"
            ),
        ]

    def __str__(self) -> str:
        return f"top-up {self.pk} {self.amount} ({self.reference})"
