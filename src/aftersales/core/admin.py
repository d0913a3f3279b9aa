"""Operators' view of core: the audit trail and idempotency records, read only."""

from django import forms
from django.contrib import admin

from aftersales.core.models import (
    AuditEvent,
    CalendarDay,
    CalendarDayKind,
    CalendarYear,
    IdempotencyRecord,
)


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


# --- Business calendar: operators correct days; every write goes through core.calendar_data,
# which audits it and makes every process rebuild its cached calendar.


def _calendar_operator(request):
    from aftersales.core.calendar_data import Operator

    user = request.user
    return Operator(
        kind="user",
        role=str(getattr(user, "role", "") or "staff"),
        label=user.get_username(),
        user_id=user.pk,
    )


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["region", "date", "kind", "name", "in_lieu", "source"]

    def clean(self):
        data = super().clean()
        day, kind, region = data.get("date"), data.get("kind"), data.get("region")
        if day and kind == CalendarDayKind.ADJUSTED_WORKDAY and day.weekday() < 5:
            self.add_error("date", "An adjusted workday is a Saturday or Sunday worked (调休上班).")
        if data.get("in_lieu") and kind != CalendarDayKind.HOLIDAY:
            self.add_error("in_lieu", "Only a holiday rest day can be in lieu.")
        if day and region and not CalendarYear.objects.filter(region=region, year=day.year):
            self.add_error(
                "date",
                f"{region} {day.year} is not a known year: import its whole schedule with "
                "`aftersales calendar import` (a lone day would not make the year known).",
            )
        return data


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    form = CalendarDayForm
    list_display = ["date", "weekday", "kind", "name", "in_lieu", "region", "source"]
    list_filter = ["region", "kind", "in_lieu"]
    date_hierarchy = "date"
    search_fields = ["name", "=date"]
    search_help_text = "Holiday name (e.g. 春节) or an exact date (2026-10-01)."

    @admin.display(description="weekday")
    def weekday(self, obj: CalendarDay) -> str:
        return f"{obj.date:%a}"

    def save_model(self, request, obj, form, change):
        from aftersales.core.calendar_data import save_calendar_day

        save_calendar_day(obj, actor=_calendar_operator(request), changed=form.changed_data)

    def delete_model(self, request, obj):
        from aftersales.core.calendar_data import delete_calendar_days

        delete_calendar_days([obj], actor=_calendar_operator(request))

    def delete_queryset(self, request, queryset):
        from aftersales.core.calendar_data import delete_calendar_days

        delete_calendar_days(list(queryset), actor=_calendar_operator(request))


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Years are made known by importing their whole schedule, never by hand: a year marked
    known without its holidays would count Monday–Friday. Deleting makes a year unknown."""

    list_display = ["year", "region", "source", "imported_at"]
    list_filter = ["region"]
    search_fields = ["=year", "source"]
    readonly_fields = ["region", "year", "source", "imported_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_model(self, request, obj):
        from aftersales.core.calendar_data import forget_calendar_years

        forget_calendar_years([obj], actor=_calendar_operator(request))

    def delete_queryset(self, request, queryset):
        from aftersales.core.calendar_data import forget_calendar_years

        forget_calendar_years(list(queryset), actor=_calendar_operator(request))
