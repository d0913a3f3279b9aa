"""`aftersales merchant create CODE --name NAME`: a new tenant, created by the system actor."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.accounts.services import create_merchant
from aftersales.core.errors import Conflict

BAD_INPUT = 2


class Command(BaseCommand):
    help = "Manage merchants (the tenants)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="Create a merchant.")
        create.add_argument("code", help="Its unique code: letters, digits, - and _ (m-apparel).")
        create.add_argument("--name", required=True, help="Its display name.")

    def handle(self, *args, action: str, **options):
        if action == "create":
            self.create(code=options["code"], name=options["name"])

    def create(self, *, code: str, name: str) -> None:
        try:
            validate_slug(code)
        except ValidationError:
            raise CommandError(
                f"{code!r} is not a valid merchant code: use letters, digits, - and _.",
                returncode=BAD_INPUT,
            ) from None
        if len(code) > 64 or not name.strip() or len(name) > 200:
            raise CommandError(
                "the code must be at most 64 characters and the name 1 to 200.",
                returncode=BAD_INPUT,
            )
        try:
            merchant = create_merchant(actor=SYSTEM_ACTOR, code=code, name=name.strip())
        except Conflict as exc:
            raise CommandError(exc.detail) from None
        self.stdout.write(f"Created merchant {merchant.code}: {merchant.name} (id {merchant.pk}).")
