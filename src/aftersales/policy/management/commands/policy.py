"""`aftersales policy check | import | export | schema | versions`.

`check` judges one line of an order file offline (the order need not be in the database) and
prints the decision JSON: exit 0 eligible, 1 ineligible, 2 bad input."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.core.errors import DomainError
from aftersales.policy import loading
from aftersales.policy.vocabulary import CONDITIONS, REASONS, REQUEST_TYPES


class BadInput(CommandError):
    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=2)


def _problem(exc: DomainError) -> str:
    fields = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
    return fields or exc.detail


class Command(BaseCommand):
    help = "Check eligibility offline, and import, export or list policy versions."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="judge one order line from an Order JSON file")
        check.add_argument("--order", required=True, type=Path, help="Order JSON file")
        line = check.add_mutually_exclusive_group(required=True)
        line.add_argument("--line", dest="line_id")
        line.add_argument("--sku")
        check.add_argument("--type", required=True, choices=REQUEST_TYPES)
        check.add_argument("--reason", required=True, choices=REASONS)
        check.add_argument("--qty", type=int, default=1)
        check.add_argument("--condition", default="unopened", choices=CONDITIONS)
        check.add_argument("--at", help="ISO 8601 with offset (default: now)")
        check.add_argument("--policy", help="NAME@VERSION (default: the current cn-default)")
        check.add_argument("--new-price", help="price protection: the lowered unit price")
        check.add_argument("--explain", action="store_true", help="include the rule trace")
        check.add_argument("--lang", default="zh-hans", choices=["zh-hans", "en"])
        imp = sub.add_parser("import", help="validate a policy file and publish it")
        imp.add_argument("file", type=Path)
        imp.add_argument("--note", default="")
        exp = sub.add_parser("export", help="write a version (default: current) to a file")
        exp.add_argument("file", type=Path)
        exp.add_argument("--policy", help="NAME@VERSION")
        sub.add_parser("schema", help="print the policy file's JSON Schema")
        sub.add_parser("versions", help="list published versions")

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except DomainError as exc:
            raise BadInput(_problem(exc)) from None

    # --- check -------------------------------------------------------------------------------

    def _check(
        self,
        *,
        order: Path,
        line_id,
        sku,
        type,
        reason,
        qty,
        condition,
        at,
        policy,
        new_price,
        explain,
        lang,
        **_,
    ):
        from aftersales.orders.schemas import parse_order
        from aftersales.policy.facts import facts_from_parsed, find_line
        from aftersales.policy.services import EligibilityQuestion, judge_line

        try:
            raw = json.loads(order.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BadInput(f"{order}: no such file") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadInput(f"{order}: not a UTF-8 JSON order ({exc})") from None
        parsed = parse_order(raw)
        if parsed.merchant is None:
            raise BadInput(f"{order}: the order has no merchant code")
        when = None
        if at:
            try:
                when = datetime.fromisoformat(at)
            except ValueError:
                raise BadInput(f"--at {at!r} is not ISO 8601") from None
        question = EligibilityQuestion(
            order=parsed.external_id,
            line_id=line_id,
            sku=sku,
            quantity=qty,
            type=type,
            reason=reason,
            condition=condition,
            at=when,
            merchant=parsed.merchant,
            policy=policy,
            new_unit_price=Decimal(new_price) if new_price else None,
        )
        line = find_line(parsed.lines, line_id=line_id, sku=sku)
        compiled, calendar = self._policy_and_calendar(policy)
        decision = judge_line(
            facts_from_parsed(parsed, line, parsed.merchant),
            question,
            compiled,
            explain=explain,
            calendar=calendar,
        )
        self.stdout.write(json.dumps(decision.as_json(lang), ensure_ascii=False, indent=2))
        if not decision.eligible:
            sys.exit(1)

    def _policy_and_calendar(self, label: str | None):
        """The stored policy and calendar; with no database set up yet, the shipped default
        (what the first migration publishes as cn-default@1) and chinese-calendar's holidays,
        so a check works offline on a fresh checkout too."""
        from aftersales.core.calendar import business_calendar

        try:
            compiled = loading.compiled(label) if label else loading.current()
            return compiled, business_calendar()
        except DatabaseError:
            if label not in (None, "cn-default@1"):
                raise BadInput(
                    f"{label} needs the database: run `aftersales migrate` first"
                ) from None
        from aftersales.core.calendar_data import calendar_from_library
        from aftersales.policy.compiled import CompiledPolicy
        from aftersales.policy.document import DEFAULT_DOCUMENT, validate_document

        self.stderr.write("no database set up: judging by the shipped cn-default@1")
        return (
            CompiledPolicy("cn-default@1", validate_document(DEFAULT_DOCUMENT)),
            calendar_from_library(),
        )

    # --- import / export ------------------------------------------------------------------------

    def _import(self, *, file: Path, note: str, **_):
        from aftersales.policy.services import publish_policy

        try:
            document = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadInput(f"{file}: cannot read a JSON policy ({exc})") from None
        version = publish_policy(
            actor=SYSTEM_ACTOR, document=document, note=note or f"imported from {file.name}"
        )
        self.stdout.write(f"published {version.label}")

    def _export(self, *, file: Path, policy: str | None, **_):
        compiled = loading.compiled(policy) if policy else loading.current()
        file.write_text(
            json.dumps(compiled.document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        self.stdout.write(f"wrote {compiled.label} to {file}")

    def _schema(self, **_):
        from aftersales.policy.document import json_schema

        self.stdout.write(json.dumps(json_schema(), ensure_ascii=False, indent=2))

    def _versions(self, **_):
        from aftersales.policy.models import PolicyVersion

        for version in PolicyVersion.objects.order_by("name", "number"):
            self.stdout.write(
                f"{version.label:<20} {version.published_at:%Y-%m-%d %H:%M} "
                f"{version.published_by:<20} {version.note}"
            )
