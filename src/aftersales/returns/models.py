"""Return logistics: each merchant's return address, the parcels that travel for a case (the
buyer's return, the merchant's replacement), the carriers' scans of them, interceptions of
parcels already on their way to the buyer, and the inspection of each returned line.

Rows point at cases by string foreign keys: this context never imports `cases`."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from aftersales.core import clock
from aftersales.core.models import AppendOnlyModel
from aftersales.core.pii import EncryptedTextField


class ReturnSettings(models.Model):
    """Where a merchant's returns go and which carriers it takes. Personal data encrypted."""

    merchant = models.OneToOneField(
        "accounts.Merchant", on_delete=models.CASCADE, related_name="return_settings"
    )
    contact_name = EncryptedTextField(blank=True, default="")
    contact_phone = EncryptedTextField(blank=True, default="")
    address = EncryptedTextField(blank=True, default="")
    # Carrier codes the merchant accepts for self-shipped returns; empty: any we know.
    carriers = models.JSONField(default=list, blank=True)
    pickup_carrier = models.CharField(max_length=32, blank=True, default="")
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"return settings of merchant {self.merchant_id}"


class Shipment(models.Model):
    class Direction(models.TextChoices):
        RETURN = "return", "buyer to merchant"
        REPLACEMENT = "replacement", "merchant to buyer"

    class Method(models.TextChoices):
        SELF_SHIP = "self_ship", "shipped by the sender"
        PICKUP = "pickup", "collected by the carrier (上门取件)"

    class Status(models.TextChoices):
        BOOKED = "booked", "pickup booked"
        SHIPPED = "shipped", "handed over, no scan yet"
        IN_TRANSIT = "in_transit", "in transit"
        DELIVERED = "delivered", "delivered"
        EXCEPTION = "exception", "exception"
        RETURNED = "returned_to_sender", "returned to sender"
        CANCELLED = "cancelled", "cancelled"

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="shipments")
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=16, choices=Direction.choices)
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.SELF_SHIP)
    carrier = models.CharField(max_length=32)
    tracking_no = models.CharField(max_length=64)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.SHIPPED)
    # Where it goes, as it was when it left (the merchant may move later). Encrypted.
    to_name = EncryptedTextField(blank=True, default="")
    to_phone = EncryptedTextField(blank=True, default="")
    to_address = EncryptedTextField(blank=True, default="")
    pickup_address = EncryptedTextField(blank=True, default="")
    pickup_slot_start = models.DateTimeField(null=True, blank=True)
    pickup_slot_end = models.DateTimeField(null=True, blank=True)
    booking_ref = models.CharField(max_length=128, blank=True, default="")
    shipped_at = models.DateTimeField(default=clock.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["shipped_at", "id"]
        # Not unique: a number claimed by two cases is a risk signal for the desk, not an error
        # the buyer can read (it would tell them whose parcel it is). Scans reach every holder.
        indexes = [
            models.Index(fields=["carrier", "tracking_no"]),
            models.Index(fields=["case", "direction"]),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.carrier} {self.tracking_no} of case {self.case_id}"


class TrackingEvent(AppendOnlyModel):
    """One scan as the carrier reported it, on one of our shipments. A replayed event id is
    recognised (same carrier, same id) and changes nothing."""

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="events")
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    carrier = models.CharField(max_length=32)
    event_id = models.CharField(max_length=128)
    status = models.CharField(max_length=24)
    at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True, default="")
    description = models.CharField(max_length=500, blank=True, default="")
    body_sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["carrier", "event_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "event_id"], name="one_tracking_event_per_shipment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.event_id} {self.status}"


class Interception(models.Model):
    """拦截: the merchant asks the carrier to bring back a parcel already on its way to the
    buyer (refund only after shipment). The carrier's answer arrives as a scan."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "requested"
        SUCCEEDED = "succeeded", "parcel intercepted"
        FAILED = "failed", "interception failed"

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="interceptions")
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    carrier = models.CharField(max_length=32)
    tracking_no = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.CharField(max_length=200)
    requested_at = models.DateTimeField(default=clock.now)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_no"],
                condition=Q(status="requested"),
                name="one_open_interception_per_parcel",
            )
        ]

    def __str__(self) -> str:
        return f"interception of {self.carrier} {self.tracking_no} ({self.status})"


class Inspection(models.Model):
    """验货 of one returned line: the result, the deduction and why, the condition, what happens
    to the goods, and the photos (evidence ids of the case)."""

    class Result(models.TextChoices):
        PASS = "pass", "pass"
        PARTIAL = "partial", "partial (deduction)"
        FAIL = "fail", "fail"

    class Grade(models.TextChoices):
        AS_NEW = "as_new", "as new"
        GOOD = "good", "light signs of use"
        FAIR = "fair", "visible wear"
        DAMAGED = "damaged", "damaged"

    class Disposition(models.TextChoices):
        RESTOCK = "restock", "restock"
        REFURBISH = "refurbish", "refurbish"
        SCRAP = "scrap", "scrap"
        RETURN_TO_BUYER = "return_to_buyer", "return to buyer"

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="inspections")
    case_line = models.ForeignKey(
        "cases.CaseLine", on_delete=models.PROTECT, related_name="inspections"
    )
    merchant = models.ForeignKey("accounts.Merchant", on_delete=models.PROTECT, related_name="+")
    result = models.CharField(max_length=16, choices=Result.choices)
    deduction = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True, default="")
    grade = models.CharField(max_length=16, choices=Grade.choices)
    disposition = models.CharField(max_length=24, choices=Disposition.choices)
    evidence_ids = models.JSONField(default=list, blank=True)
    inspected_by = models.CharField(max_length=200)
    inspected_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["inspected_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="inspection_deduction_only_when_partial",
                condition=Q(result="partial", deduction__gt=0)
                | (~Q(result="partial") & Q(deduction__isnull=True)),
            ),
            models.UniqueConstraint(fields=["case_line"], name="one_inspection_per_case_line"),
        ]

    def __str__(self) -> str:
        return f"inspection of case line {self.case_line_id}: {self.result}"
