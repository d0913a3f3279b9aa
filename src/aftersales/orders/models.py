"""Orders as the shop sent them: the order, its lines (with each line's paid share after the
order-level discount), payments and shipments. Every table carries the merchant (tenant) key."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Buyer, Merchant
from aftersales.core.pii import EncryptedTextField


def Money(**kwargs) -> models.DecimalField:
    """Every money column: up to 999,999,999,999.99, to the fen."""
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class Category(models.TextChoices):
    APPAREL = "apparel", _("Apparel")
    SHOES_BAGS = "shoes_bags", _("Shoes and bags")
    ELECTRONICS = "electronics", _("Electronics")
    APPLIANCES = "appliances", _("Appliances")
    FOOD = "food", _("Food")
    FRESH = "fresh", _("Fresh produce")
    COSMETICS = "cosmetics", _("Cosmetics")
    BOOKS = "books", _("Books")
    DIGITAL = "digital", _("Digital goods")
    HOME = "home", _("Home")
    TOYS = "toys", _("Toys")
    CUSTOMIZED = "customized", _("Customized")
    OTHER = "other", _("Other")


class ExclusionKind(models.TextChoices):
    """The checkout confirmations of POLICY-FACTS NR-04."""

    HYGIENE_SEAL = "hygiene_seal", _("Hygiene seal")
    ACTIVATION = "activation", _("Activation")
    NEAR_EXPIRY_OR_FLAWED = "near_expiry_or_flawed", _("Near expiry or flawed")


class Order(models.Model):
    # Both foreign keys are served by the composite indexes below (they lead with them).
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    external_id = models.CharField(max_length=128)
    buyer = models.ForeignKey(
        Buyer, on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    currency = models.CharField(max_length=3)
    placed_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    discount = Money(default=0)
    shipping_fee = Money(default=0)
    free_shipping = models.BooleanField(default=False)
    freight_insurance = models.BooleanField(default=False)
    # The buyer block as sent with this order: where this parcel went, whatever changes later.
    ship_to_name = EncryptedTextField(blank=True, default="")
    ship_to_phone = EncryptedTextField(blank=True, default="")
    ship_to_address = EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "external_id"], name="order_external_id_unique_per_merchant"
            ),
            models.CheckConstraint(
                name="order_discount_not_negative", condition=Q(discount__gte=0)
            ),
            models.CheckConstraint(
                name="order_shipping_fee_not_negative", condition=Q(shipping_fee__gte=0)
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "placed_at"], name="order_merchant_placed"),
            models.Index(fields=["buyer", "placed_at"], name="order_buyer_placed"),
            # A platform caller may ask by external_id alone (GET /orders/{id} without ?merchant).
            models.Index(fields=["external_id"], name="order_external_id"),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} ({self.currency})"


class OrderLine(models.Model):
    # (order, line_id) is unique and indexed, which serves lookups by order.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", db_index=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    line_id = models.CharField(max_length=64)
    sku = models.CharField(max_length=128)
    title = models.CharField(max_length=500)
    category = models.CharField(max_length=32, choices=Category.choices)
    quantity = models.PositiveIntegerField()
    unit_price = Money()
    discount = Money(default=0)
    allocated_discount = Money(default=0, help_text="This line's share of the order discount.")
    paid_amount = Money(help_text="quantity × unit_price − discount − allocated_discount")
    attributes = models.JSONField(default=dict, blank=True)
    confirmed_exclusions = models.JSONField(default=list, blank=True)
    gifts = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["order", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_id"], name="order_line_id_unique"),
            models.CheckConstraint(name="line_quantity_positive", condition=Q(quantity__gt=0)),
            models.CheckConstraint(
                name="line_unit_price_not_negative", condition=Q(unit_price__gte=0)
            ),
            models.CheckConstraint(name="line_discount_not_negative", condition=Q(discount__gte=0)),
            models.CheckConstraint(
                name="line_allocated_discount_not_negative", condition=Q(allocated_discount__gte=0)
            ),
            models.CheckConstraint(
                name="line_paid_amount_not_negative", condition=Q(paid_amount__gte=0)
            ),
        ]
        # A SKU's lines at a merchant: what risk's RS-10 counts for a quality claim (the lines
        # others bought and their fault-reason cases), without walking all the merchant's lines.
        indexes = [models.Index(fields=["merchant", "sku"], name="orderline_merchant_sku")]

    def __str__(self) -> str:
        return f"{self.line_id} {self.sku} × {self.quantity}"

    @property
    def line_total(self):
        return self.quantity * self.unit_price


class Payment(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="payments", db_index=False
    )
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveSmallIntegerField()
    method = models.CharField(max_length=32)
    amount = Money()
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seq"], name="payment_seq_unique"),
            models.CheckConstraint(name="payment_amount_not_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.amount}"


class Shipment(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="shipments", db_index=False
    )
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveSmallIntegerField()
    carrier = models.CharField(max_length=64)
    tracking_no = models.CharField(max_length=128)
    line_ids = models.JSONField(default=list)
    shipped_at = models.DateTimeField()
    signed_at = models.DateTimeField(null=True, blank=True)
    installed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seq"], name="shipment_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_no}"
