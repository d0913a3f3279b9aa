"""`aftersales token create | list | revoke`: API tokens from the command line.

`create` prints the new token alone on stdout (so `TOKEN=$(aftersales token create …)` works)
and what it is on stderr; the token is never shown again. `list` never shows a token, only the
prefix that recognises it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.accounts.models import ApiToken, Buyer, Merchant, TokenScope, User
from aftersales.accounts.tokens import hash_token, issue_token, revoke_token
from aftersales.core import clock

BAD_INPUT = 2
PREFIX_LENGTH = 10  # as stored by accounts.tokens.issue_token


def subject_of(token: ApiToken) -> str:
    match token.scope:
        case TokenScope.MERCHANT:
            return f"merchant {token.merchant.code}"
        case TokenScope.BUYER:
            return f"buyer {token.buyer.external_id}"
        case TokenScope.USER:
            return f"user {token.user.username}"
    return "platform"


def _when(value) -> str:
    return clock.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "Create, list and revoke API tokens."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        create = actions.add_parser("create", help="Issue a token and print it once.")
        subject = create.add_mutually_exclusive_group(required=True)
        subject.add_argument("--merchant", metavar="CODE", help="A merchant integration's token.")
        subject.add_argument(
            "--platform", action="store_true", help="A platform integration's token."
        )
        subject.add_argument(
            "--buyer", metavar="EXTERNAL_ID", help="A buyer's token (the shop's buyer id)."
        )
        subject.add_argument("--user", metavar="USERNAME", help="A staff user's token.")
        create.add_argument("--name", default="", help="What the token is for.")

        listing = actions.add_parser("list", help="List tokens (never the tokens themselves).")
        listing.add_argument(
            "--active", action="store_true", help="Only tokens that are not revoked."
        )

        revoke = actions.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix", help="The prefix `token list` shows (or the whole token).")

    def handle(self, *args, action: str, **options):
        match action:
            case "create":
                self.create(**options)
            case "list":
                self.list_tokens(active=options["active"])
            case "revoke":
                self.revoke(options["prefix"])

    def create(
        self, *, merchant=None, platform=False, buyer=None, user=None, name="", **options
    ) -> None:
        if merchant is not None:
            found = Merchant.objects.filter(code=merchant).first()
            if found is None:
                raise CommandError(f"no merchant with code {merchant!r}.", returncode=BAD_INPUT)
            issued = issue_token(
                scope=TokenScope.MERCHANT, merchant=found, name=name, actor=SYSTEM_ACTOR
            )
        elif buyer is not None:
            found = Buyer.objects.filter(external_id=buyer).first()
            if found is None:
                raise CommandError(
                    f"no buyer with external id {buyer!r} (buyers arrive with their orders).",
                    returncode=BAD_INPUT,
                )
            issued = issue_token(scope=TokenScope.BUYER, buyer=found, name=name, actor=SYSTEM_ACTOR)
        elif user is not None:
            found = User.objects.filter(username=user).first()
            if found is None:
                raise CommandError(f"no user {user!r}.", returncode=BAD_INPUT)
            if not found.is_active:
                raise CommandError(f"user {user!r} is deactivated.", returncode=BAD_INPUT)
            issued = issue_token(scope=TokenScope.USER, user=found, name=name, actor=SYSTEM_ACTOR)
        else:
            assert platform  # argparse requires exactly one subject
            issued = issue_token(scope=TokenScope.PLATFORM, name=name, actor=SYSTEM_ACTOR)
        self.stderr.write(
            f"Token {issued.token.prefix}… for {subject_of(issued.token)} created. "
            "Copy it now: it is not shown again."
        )
        self.stdout.write(issued.raw)

    def list_tokens(self, *, active: bool) -> None:
        tokens = ApiToken.objects.select_related("merchant", "buyer", "user").order_by(
            "created_at", "pk"
        )
        if active:
            tokens = tokens.filter(revoked_at__isnull=True)
        rows = [("PREFIX", "SCOPE", "SUBJECT", "NAME", "CREATED", "LAST USED", "REVOKED")]
        rows += [
            (
                t.prefix,
                t.scope,
                subject_of(t),
                t.name or "-",
                _when(t.created_at),
                _when(t.last_used_at),
                _when(t.revoked_at),
            )
            for t in tokens
        ]
        if len(rows) == 1:
            self.stdout.write("No tokens.")
            return
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))

    def revoke(self, given: str) -> None:
        given = given.strip().rstrip("…")
        if len(given) > PREFIX_LENGTH:  # the whole token: find it exactly
            matches = list(ApiToken.objects.filter(token_hash=hash_token(given)))
        else:
            matches = list(ApiToken.objects.filter(prefix=given))
        if not matches:
            raise CommandError(f"no token with prefix {given!r}.", returncode=BAD_INPUT)
        if len(matches) > 1:
            raise CommandError(
                f"{len(matches)} tokens share the prefix {given!r}; revoke with the whole token.",
                returncode=BAD_INPUT,
            )
        token = matches[0]
        if not revoke_token(token, actor=SYSTEM_ACTOR):
            token.refresh_from_db(fields=["revoked_at"])
            self.stdout.write(
                f"Token {token.prefix}… was already revoked {_when(token.revoked_at)}."
            )
            return
        self.stdout.write(f"Revoked token {token.prefix}… ({subject_of(token)}).")
