"""The one clock: code asks `now()`; tests move it with time-machine."""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return timezone.now()


def local_zone() -> tzinfo:
    """The zone people read times in (AFTERSALES_TIME_ZONE, default Asia/Shanghai)."""
    return ZoneInfo(settings.TIME_ZONE)


def localtime(value: datetime | None = None) -> datetime:
    return (value or now()).astimezone(local_zone())


def require_aware(value: datetime, field: str) -> datetime:
    """Naive datetimes are ambiguous across zones; every input must carry its offset."""
    from aftersales.core.errors import InvalidInput

    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput.on_field(field, "must include a UTC offset, e.g. +08:00")
    return value
