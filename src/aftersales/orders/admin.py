"""Orders in the Django admin, for operators: read-only (orders come from the shops, through
`upsert_order`), the buyer's personal data masked."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales.core.pii import mask_address, mask_name, mask_phone
from aftersales.orders.models import Order, OrderLine, Payment, Shipment


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(_ReadOnlyInline):
    model = OrderLine
    fields = [
        "line_id",
        "sku",
        "title",
        "category",
        "quantity",
        "unit_price",
        "discount",
        "allocated_discount",
        "paid_amount",
        "attributes",
        "confirmed_exclusions",
        "gifts",
    ]
    readonly_fields = fields


class PaymentInline(_ReadOnlyInline):
    model = Payment
    fields = readonly_fields = ["seq", "method", "amount", "paid_at"]


class ShipmentInline(_ReadOnlyInline):
    model = Shipment
    fields = readonly_fields = [
        "seq",
        "carrier",
        "tracking_no",
        "line_ids",
        "shipped_at",
        "signed_at",
        "installed_at",
    ]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "external_id",
        "merchant",
        "buyer_external_id",
        "ship_to_name_masked",
        "ship_to_phone_masked",
        "currency",
        "discount",
        "placed_at",
    ]
    list_filter = ["merchant", "currency"]
    list_select_related = ["merchant", "buyer"]
    search_fields = ["=external_id", "=buyer__external_id"]
    date_hierarchy = "placed_at"
    ordering = ["-placed_at"]
    # The raw ship_to_* columns are left out: only their masks are shown.
    fields = readonly_fields = [
        "merchant",
        "external_id",
        "buyer_external_id",
        "ship_to_name_masked",
        "ship_to_phone_masked",
        "ship_to_address_masked",
        "currency",
        "placed_at",
        "paid_at",
        "discount",
        "shipping_fee",
        "free_shipping",
        "freight_insurance",
        "created_at",
        "updated_at",
    ]
    inlines = [OrderLineInline, PaymentInline, ShipmentInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Buyer"), ordering="buyer__external_id")
    def buyer_external_id(self, order: Order) -> str:
        return order.buyer.external_id

    @admin.display(description=_("Name"))
    def ship_to_name_masked(self, order: Order) -> str:
        return mask_name(order.ship_to_name)

    @admin.display(description=_("Phone"))
    def ship_to_phone_masked(self, order: Order) -> str:
        return mask_phone(order.ship_to_phone)

    @admin.display(description=_("Address"))
    def ship_to_address_masked(self, order: Order) -> str:
        return mask_address(order.ship_to_address)
