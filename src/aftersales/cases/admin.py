"""Operators see cases, their lines, deadlines and evidence; the event log is read-only, and
states change only through the services (the flows), never by editing a row here."""

from __future__ import annotations

from django.contrib import admin

from aftersales.cases.models import Case, CaseEvent, CaseLine, Deadline, Evidence
from aftersales.core.admin import ReadOnlyAdmin


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class CaseLineInline(ReadOnlyInline):
    model = CaseLine
    fields = (
        "order_line",
        "quantity",
        "condition",
        "refundable_amount",
        "holds_quantity",
        "outcome",
    )


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = (
        "seq",
        "at",
        "actor_label",
        "actor_role",
        "action",
        "from_state",
        "to_state",
        "rule",
        "note",
    )
    ordering = ("seq",)


class DeadlineInline(ReadOnlyInline):
    model = Deadline
    fields = (
        "kind",
        "due_at",
        "action",
        "guard_state",
        "rule",
        "reminder",
        "fired_at",
        "cancelled_at",
        "attempts",
    )


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("id", "merchant", "type", "reason", "state", "policy_version", "opened_at")
    list_filter = ("type", "state", "merchant")
    search_fields = ("=id", "order__external_id", "buyer__external_id")
    readonly_fields = [f.name for f in Case._meta.fields]
    inlines = [CaseLineInline, DeadlineInline, CaseEventInline]

    def has_add_permission(self, request) -> bool:
        return False  # cases are opened through the API or the pages, judged by the policy

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # kept as evidence (EC-03: at least three years)


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ("case", "seq", "at", "actor_label", "action", "from_state", "to_state", "rule")
    list_filter = ("action", "actor_kind")
    search_fields = ("=case__id",)


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = (
        "case",
        "kind",
        "due_at",
        "action",
        "guard_state",
        "fired_at",
        "cancelled_at",
        "attempts",
    )
    list_filter = ("kind", "action", "reminder")
    search_fields = ("=case__id",)
    readonly_fields = [f.name for f in Deadline._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = (
        "case",
        "kind",
        "content_type",
        "size",
        "visibility",
        "uploaded_by_role",
        "uploaded_at",
    )
    list_filter = ("kind", "visibility")
    search_fields = ("=case__id", "sha256")
    readonly_fields = [f.name for f in Evidence._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
