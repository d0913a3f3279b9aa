"""`aftersales mail fetch [--limit N]`: take the unseen mail of the complaint mailbox (IMAP,
AFTERSALES_IMAP_*) into the complaint timelines, mark it seen, print what came of it."""

from __future__ import annotations

import imaplib

from django.core.management.base import BaseCommand, CommandError

from aftersales.complaints import imap


class Command(BaseCommand):
    help = "Complaint mail: `fetch` takes the unseen messages of the IMAP mailbox."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        fetch = sub.add_parser("fetch", help="take unseen IMAP mail into the timelines")
        fetch.add_argument("--limit", type=int, default=None, help="at most this many messages")

    def handle(self, *args, action: str, limit: int | None, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1", returncode=2)
        try:
            result = imap.fetch(limit=limit)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise CommandError(f"mail fetch: {exc}") from None
        self.stdout.write(str(result))
