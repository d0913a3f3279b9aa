"""`aftersales credit compute --month YYYY-MM | standing BUYER | policy --print|--publish FILE`."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.accounts.models import Buyer
from aftersales.core.errors import DomainError


class Command(BaseCommand):
    help = "Credit: rate a month of merchants, show a buyer's standing, print/publish the rules."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        compute = sub.add_parser("compute", help="compute, rate and restrict a month")
        compute.add_argument("--month", required=True, help="YYYY-MM")
        standing = sub.add_parser("standing", help="a buyer's standing and why (JSON)")
        standing.add_argument("buyer", help="the buyer's external_id")
        policy = sub.add_parser("policy", help="the credit rules")
        group = policy.add_mutually_exclusive_group(required=True)
        group.add_argument("--print", action="store_true", help="print the current rules")
        group.add_argument("--publish", metavar="FILE", help="validate and publish a document")

    def handle(self, *args, what: str, **options):
        try:
            getattr(self, f"_{what}")(**options)
        except DomainError as exc:
            fields = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
            raise CommandError(f"{exc.detail} {fields}".strip()) from None

    def _compute(self, month: str, **_):
        from aftersales.credit.metrics import Month
        from aftersales.credit.rating import compute_month

        result = compute_month(month=Month.parse(month))
        self.stdout.write(
            f"{result.month}: {result.merchants} merchants, {result.metrics} metric rows, "
            f"{result.restricted} restrictions placed, {result.lifted} lifted "
            f"({result.policy_version})"
        )

    def _standing(self, buyer: str, **_):
        from aftersales.credit.selectors import buyer_standing

        found = Buyer.objects.filter(external_id=buyer).first()
        if found is None:
            raise CommandError(f"no buyer {buyer!r}")
        self.stdout.write(
            json.dumps(buyer_standing(found.pk).as_dict(), ensure_ascii=False, indent=2)
        )

    def _policy(self, print: bool, publish: str | None, **_):
        from aftersales.credit import policydata
        from aftersales.credit.rules import current_rules

        if print:
            rules = current_rules()
            self.stdout.write(
                json.dumps(
                    {"version": rules.version, **rules.document}, ensure_ascii=False, indent=2
                )
            )
            return
        path = Path(publish)
        if not path.exists():
            raise CommandError(f"no file {path}")
        version = policydata.publish_rules(
            actor=SYSTEM_ACTOR, document=json.loads(path.read_text(encoding="utf-8"))
        )
        self.stdout.write(f"published {version.label}")
