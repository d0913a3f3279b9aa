"""`aftersales pii rotate`: re-encrypt every stored personal-data column under the newest key.

Key rotation, step by step: put the new key first in AFTERSALES_PII_KEYS (keep the old ones
after it, so everything stays readable), restart, run `aftersales pii rotate`, then remove the
old keys. Safe to run again or while the platform serves: rows already under the newest key are
skipped, and a row changed meanwhile is not overwritten.

Stored idempotent responses (core.IdempotencyRecord) are encrypted too but not rotated: they
expire instead, so keep an old key for AFTERSALES_IDEMPOTENCY_RETENTION_HOURS after rotating.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from aftersales.core.pii_rotation import DEFAULT_BATCH, encrypted_columns, rotate_column


class Command(BaseCommand):
    help = "Personal data at rest: rotate encryption keys."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        rotate = actions.add_parser(
            "rotate", help="Re-encrypt every encrypted column under the newest key."
        )
        rotate.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)

    def handle(self, *args, action: str, batch_size: int = DEFAULT_BATCH, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        rotated = current = 0
        for model, field in encrypted_columns():
            try:
                report = rotate_column(model, field, batch_size=batch_size)
            except ValueError as exc:  # a value no configured key can read
                raise CommandError(f"{model._meta.label}.{field.name}: {exc}") from exc
            self.stdout.write(
                f"{report.label}: {report.rotated} re-encrypted, {report.current} already current"
            )
            rotated, current = rotated + report.rotated, current + report.current
        self.stdout.write(f"total: {rotated} re-encrypted, {current} already current")
