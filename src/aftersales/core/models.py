"""Tables every context shares: the append-only audit log and idempotency records."""

from __future__ import annotations

from django.db import models

from aftersales.core import clock


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a row of an append-only log."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} is append-only: rows are never updated")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} is append-only: rows are never deleted")


class AppendOnlyModel(models.Model):
    """A log row: inserted once, never updated or deleted. The database refuses it too (a
    trigger, see the migration), so raw SQL cannot rewrite history either."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} is append-only: rows are never updated")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} is append-only: rows are never deleted")


class AuditEvent(AppendOnlyModel):
    """Who did what to which record, when: the platform's audit trail (kept ≥3 years, EC-03)."""

    at = models.DateTimeField(default=clock.now, db_index=True)
    actor_kind = models.CharField(max_length=16)
    actor_role = models.CharField(max_length=32)
    actor_label = models.CharField(max_length=200)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_token_id = models.BigIntegerField(null=True, blank=True)
    merchant_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    action = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.subject_type}"


class IdempotencyRecord(models.Model):
    """The first response to a POST with an Idempotency-Key, replayed for retries."""

    caller = models.CharField(max_length=128)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=128, blank=True, default="")
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="one_record_per_caller_and_key")
        ]

    def __str__(self) -> str:
        return f"{self.caller} {self.key}"


# --- Business calendar (core.calendar does the arithmetic; core.calendar_data writes) ---------


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", "statutory holiday rest day (法定节假日, incl. 调休 rest days)"
    ADJUSTED_WORKDAY = "adjusted_workday", "weekend day worked (调休上班)"


class CalendarDay(models.Model):
    """An exception to the weekday rule (Mon–Fri work, Sat–Sun rest) in a known year."""

    region = models.CharField(max_length=8, default="CN")
    date = models.DateField()
    kind = models.CharField(max_length=20, choices=CalendarDayKind.choices)
    name = models.CharField(max_length=64, blank=True, default="", help_text="e.g. 春节")
    in_lieu = models.BooleanField(
        default=False, help_text="a weekday made a rest day to complete the block (调休休息)"
    )
    source = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["region", "date"]
        constraints = [
            models.UniqueConstraint(fields=["region", "date"], name="one_calendar_day_per_date"),
            models.CheckConstraint(
                condition=models.Q(kind__in=CalendarDayKind.values),
                name="calendar_day_kind_known",
            ),
            models.CheckConstraint(
                condition=models.Q(in_lieu=False) | models.Q(kind=CalendarDayKind.HOLIDAY),
                name="calendar_day_in_lieu_is_a_holiday",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.date} {self.kind} {self.name}"


class CalendarYear(models.Model):
    """A year whose exceptions are complete. Years not listed are unknown: arithmetic refuses."""

    region = models.CharField(max_length=8, default="CN")
    year = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=200)
    imported_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["region", "year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="one_calendar_year_per_region")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}"


class CalendarRevision(models.Model):
    """A counter bumped by every calendar write, so each process knows to rebuild its cache."""

    region = models.CharField(max_length=8, unique=True)
    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.region} v{self.version}"
