"""Operators' admin for accounts: merchants, staff, buyers (masked in lists), API tokens."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from aftersales.accounts.actors import actor_for_user
from aftersales.accounts.models import ApiToken, Buyer, Merchant, User
from aftersales.accounts.tokens import revoke_token
from aftersales.core.pii import lookup_hash, normalise_phone


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "created_at"]
    search_fields = ["code", "name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "role", "merchant", "is_active", "is_staff", "last_login"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser"]
    list_select_related = ["merchant"]
    autocomplete_fields = ["merchant"]
    raw_id_fields = ["buyer"]  # buyers are many; a select of them all would be huge
    _role = ("Role", {"fields": ["role", "merchant", "buyer"]})
    fieldsets = [*DjangoUserAdmin.fieldsets, _role]
    add_fieldsets = [*DjangoUserAdmin.add_fieldsets, _role]


@admin.register(Buyer)
class BuyerAdmin(admin.ModelAdmin):
    """Lists show masked names and phones only; the change form edits the clear values, which
    are encrypted on save. Search by external id or by a whole phone number (its keyed hash)."""

    list_display = ["external_id", "masked_name", "masked_phone", "created_at"]
    search_fields = ["=external_id"]
    search_help_text = "External id, or a whole phone number."
    fields = ["external_id", "name", "phone", "address", "created_at", "updated_at"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description="name")
    def masked_name(self, obj: Buyer) -> str:
        return obj.masked_name

    @admin.display(description="phone")
    def masked_phone(self, obj: Buyer) -> str:
        return obj.masked_phone

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if len(normalise_phone(search_term)) == 11:  # the column is encrypted: match its hash
            results |= queryset.filter(phone_hash=lookup_hash(search_term, kind="phone"))
        return results, may_have_duplicates

    def save_model(self, request, obj, form, change):
        if "phone" in form.changed_data:
            obj.set_phone(obj.phone)  # keep the lookup hash in step with the phone
        super().save_model(request, obj, form, change)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by `aftersales token create`, which shows the token once; here only
    the prefix is shown (the table holds nothing more), and revoking is the one change."""

    list_display = ["prefix", "name", "scope", "subject", "last_used_at", "revoked_at"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["merchant", "buyer", "user"]
    search_fields = ["prefix", "name", "merchant__code", "user__username"]
    fields = ["prefix", "name", "scope", "subject", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    @admin.display(description="subject")
    def subject(self, obj: ApiToken) -> str:
        if obj.merchant_id:
            return f"merchant {obj.merchant.code}"
        if obj.buyer_id:
            return f"buyer {obj.buyer.external_id}"
        if obj.user_id:
            return f"user {obj.user.username}"
        return "platform"

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke(self, request, queryset):
        active = list(queryset.filter(revoked_at__isnull=True))
        for token in active:
            revoke_token(token, actor=actor_for_user(request.user))
        self.message_user(request, f"{len(active)} token(s) revoked.", messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke instead: the row is the record of who could call the API
