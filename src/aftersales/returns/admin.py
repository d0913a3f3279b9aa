"""Operators look at return logistics; nobody edits them here (the services and the carriers'
scans do). Addresses and phones appear masked."""

from __future__ import annotations

from django.contrib import admin

from aftersales.core.admin import ReadOnlyAdmin
from aftersales.core.pii import mask_address, mask_name, mask_phone
from aftersales.returns.models import (
    Inspection,
    Interception,
    ReturnSettings,
    Shipment,
    TrackingEvent,
)


@admin.register(ReturnSettings)
class ReturnSettingsAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "masked_contact", "masked_phone", "masked_address", "updated_at"]
    fields = ["merchant", "masked_contact", "masked_phone", "masked_address", "carriers"]
    readonly_fields = fields

    @admin.display(description="contact")
    def masked_contact(self, obj: ReturnSettings) -> str:
        return mask_name(obj.contact_name)

    @admin.display(description="phone")
    def masked_phone(self, obj: ReturnSettings) -> str:
        return mask_phone(obj.contact_phone)

    @admin.display(description="address")
    def masked_address(self, obj: ReturnSettings) -> str:
        return mask_address(obj.address)


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = ["case", "direction", "method", "carrier", "tracking_no", "status", "shipped_at"]
    list_filter = ["direction", "method", "status", "carrier"]
    search_fields = ["tracking_no"]
    exclude = ["to_name", "to_phone", "to_address", "pickup_address"]


@admin.register(TrackingEvent)
class TrackingEventAdmin(ReadOnlyAdmin):
    list_display = ["carrier", "event_id", "shipment", "status", "at", "location", "received_at"]
    list_filter = ["carrier", "status"]
    search_fields = ["event_id"]


@admin.register(Interception)
class InterceptionAdmin(ReadOnlyAdmin):
    list_display = ["case", "carrier", "tracking_no", "status", "requested_at", "outcome_at"]
    list_filter = ["status", "carrier"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["case", "case_line", "result", "deduction", "grade", "disposition"]
    list_filter = ["result", "grade", "disposition"]
