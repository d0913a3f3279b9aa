"""`aftersales deadlines run [--now ISO8601]`: fire every deadline due now (or at `--now`) and
print how many fired, were skipped and failed (and the disputes' deadlines handled, when there
were any). The worker does the same continuously."""

from __future__ import annotations

import os
from datetime import datetime

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from aftersales.cases import timers

CLOCK_OVERRIDE = "AFTERSALES_ALLOW_CLOCK_OVERRIDE"


class BadInput(CommandError):
    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=2)


def clock_override_allowed() -> bool:
    return os.environ.get(CLOCK_OVERRIDE, "").strip().lower() in {"1", "true", "yes", "on"}


def parse_now(text: str) -> datetime:
    if not clock_override_allowed():
        raise BadInput(
            f"--now moves the clock deadlines are judged by; refused unless {CLOCK_OVERRIDE}=1"
            " (test and staging installations only)"
        )
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(f"--now {text!r} is not ISO 8601, e.g. 2026-03-09T10:00:00+08:00") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise BadInput(f"--now {text!r} has no UTC offset, e.g. 2026-03-09T10:00:00+08:00")
    return value


class Command(BaseCommand):
    help = "Fire due deadlines once: the default action of every deadline that has passed."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="fire every deadline due now and print how many")
        run.add_argument(
            "--now",
            help=f"ISO 8601 with offset: fire what is due then (needs {CLOCK_OVERRIDE}=1)",
        )
        run.add_argument("--batch", type=int, default=timers.BATCH, help="rows claimed per batch")

    def handle(self, *args, action: str, now: str | None, batch: int, **options):
        at = parse_now(now) if now else None
        if batch < 1:
            raise BadInput("--batch must be at least 1")
        result = timers.fire_due(now=at, batch=batch)
        self.stdout.write(str(result))
        # The other contexts' durable deadlines, fired the same way (disputes: DS-05/06/19/21).
        if apps.is_installed("aftersales.disputes"):
            from aftersales.disputes import timers as dispute_timers

            handled = dispute_timers.fire_due(now=at, batch=batch)
            if handled:
                self.stdout.write(f"disputes: {handled} deadlines handled")
