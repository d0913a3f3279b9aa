"""`aftersales refunds reconcile | send | import-price-changes FILE`."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.accounts.models import Merchant
from aftersales.core.errors import DomainError
from aftersales.refunds import prices, submission


class Command(BaseCommand):
    help = "Refunds: reconcile the ledger with the provider, send due refunds, import prices."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("reconcile", help="list mismatches between the ledger and the provider")
        sub.add_parser("send", help="send due refunds and settle unanswered ones, once")
        imp = sub.add_parser(
            "import-price-changes",
            help="JSON Lines or CSV: merchant, sku, price, effective_at, kind?",
        )
        imp.add_argument("file")

    def handle(self, *args, what: str, **options):
        if what == "reconcile":
            mismatches = submission.reconcile()
            for m in mismatches:
                self.stdout.write(
                    f"refund {m.refund_id} {m.idempotency_key}: ledger {m.ledger}, "
                    f"provider {m.provider} {m.detail}".rstrip()
                )
            self.stdout.write(f"{len(mismatches)} mismatches")
            if mismatches:
                raise SystemExit(1)
        elif what == "send":
            resolved = submission.resolve_in_flight()
            sent = submission.submit_due()
            self.stdout.write(f"sent {sent.submitted}, resolved {resolved}")
        else:
            self._import(Path(options["file"]))

    def _import(self, path: Path) -> None:
        if not path.exists():
            raise CommandError(f"no file {path}")
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".csv":
            rows = list(csv.DictReader(text.splitlines()))
        else:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        ok = failed = 0
        for n, row in enumerate(rows, start=1):
            try:
                merchant = Merchant.objects.get(code=row["merchant"])
                prices.record_price_changes(
                    actor=SYSTEM_ACTOR,
                    merchant_id=merchant.pk,
                    source="import",
                    changes=[
                        {
                            "sku": row["sku"],
                            "price": Decimal(str(row["price"])),
                            "effective_at": datetime.fromisoformat(row["effective_at"]),
                            "kind": row.get("kind") or "regular",
                        }
                    ],
                )
                ok += 1
            except (KeyError, ValueError, Merchant.DoesNotExist, DomainError) as exc:
                failed += 1
                self.stderr.write(f"row {n}: {exc}")
        self.stdout.write(f"imported {ok}, failed {failed}")
