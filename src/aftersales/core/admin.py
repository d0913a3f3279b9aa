"""Operators' view of core: the audit trail and idempotency records, read only."""

from django.contrib import admin

from aftersales.core.models import AuditEvent, IdempotencyRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """History and machine records: operators look, nobody edits (the database refuses too)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "actor_role", "action", "subject_type", "subject_id"]
    list_filter = ["action", "subject_type"]
    # Exact match: uses the (subject_type, subject_id, at) index on a table that only grows.
    search_fields = ["=subject_id"]
    search_help_text = "Exact id of the record the event is about."
    show_full_result_count = False  # no COUNT(*) over years of events on every search


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "key", "caller", "status_code", "completed_at"]
    list_filter = ["status_code"]
    search_fields = ["=key"]
    # The body is encrypted (it may echo personal data); its size is all an operator needs.
    exclude = ["body"]
    readonly_fields = ["body_size"]
    show_full_result_count = False

    @admin.display(description="response bytes (encrypted)")
    def body_size(self, obj: IdempotencyRecord) -> int:
        return len(obj.body or b"")
