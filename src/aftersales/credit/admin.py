"""Django admin for operators: credit rows to look at. Changes go through the services (the
desk pages and API), so the admin is read-only."""

from django.contrib import admin

from aftersales.credit import models


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.BuyerPenalty)
class BuyerPenaltyAdmin(ReadOnly):
    list_display = ("buyer", "kind", "reason_code", "imposed_at", "suspended_at", "lifted_at")
    list_filter = ("kind", "reason_code")


@admin.register(models.CreditAppeal)
class CreditAppealAdmin(ReadOnly):
    list_display = ("pk", "state", "filed_at", "due_at", "escalated_at", "decided_by")
    list_filter = ("state",)


@admin.register(models.MerchantRating)
class MerchantRatingAdmin(ReadOnly):
    list_display = ("merchant", "month", "category", "score", "grade", "policy_version")
    list_filter = ("month", "grade", "category")


@admin.register(models.MerchantRestriction)
class MerchantRestrictionAdmin(ReadOnly):
    list_display = ("merchant", "kind", "month", "reason_code", "imposed_at", "lifted_at")


@admin.register(models.CreditPolicyVersion)
class CreditPolicyVersionAdmin(ReadOnly):
    list_display = ("label", "published_by", "published_at", "note")
