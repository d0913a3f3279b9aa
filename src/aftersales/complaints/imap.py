"""`aftersales mail fetch`: the complaint mailbox read over IMAP (stdlib imaplib), each unseen
message fed to the same intake as the inbound endpoint (mail.ingest), then marked \\Seen.

Idempotent: a message is marked seen only after its intake committed, and the intake ignores
a Message-ID it has taken before, so a fetch cut short (a crash between the commit and the
flag) takes nothing twice when it runs again — it just marks the message seen. The message's
IMAP INTERNALDATE (when the mail server received it) starts the SLA clock: mail that waited in
the mailbox over a weekend does not hide that time."""

from __future__ import annotations

import imaplib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from aftersales.accounts.actors import PLATFORM_INTEGRATION, Actor
from aftersales.complaints import mail

logger = logging.getLogger("aftersales.complaints.imap")

IMAP_ACTOR = Actor(kind="system", role=PLATFORM_INTEGRATION, label="mail fetch (imap)")


@dataclass
class Fetched:
    seen: int = 0  # unseen messages found
    new: int = 0  # taken into a timeline
    unparsed: int = 0  # kept for an agent
    duplicates: int = 0  # taken before (marked seen now)

    def __str__(self) -> str:
        return (
            f"{self.seen} fetched: {self.new} new, {self.unparsed} unparsed, "
            f"{self.duplicates} seen before"
        )


def connect() -> imaplib.IMAP4:
    """A logged-in connection with the folder selected, from the AFTERSALES_IMAP_* settings."""
    host, user = settings.AFTERSALES_IMAP_HOST, settings.AFTERSALES_IMAP_USER
    if not host or not user:
        raise ImproperlyConfigured(
            "AFTERSALES_IMAP_HOST and AFTERSALES_IMAP_USER (and AFTERSALES_IMAP_PASSWORD) are "
            "needed to fetch mail"
        )
    ssl = settings.AFTERSALES_IMAP_SSL
    port = settings.AFTERSALES_IMAP_PORT or (993 if ssl else 143)
    timeout = settings.AFTERSALES_IMAP_TIMEOUT_SECONDS
    conn = (
        imaplib.IMAP4_SSL(host, port, timeout=timeout)
        if ssl
        else imaplib.IMAP4(host, port, timeout=timeout)
    )
    conn.login(user, settings.AFTERSALES_IMAP_PASSWORD)
    return conn


def _check(result: tuple[str, list], what: str) -> list:
    status, data = result
    if status != "OK":
        raise imaplib.IMAP4.error(f"IMAP {what} failed: {data!r}")
    return data


def _internaldate(meta: bytes) -> datetime | None:
    """The INTERNALDATE of a FETCH response (imaplib gives it as a local time tuple)."""
    parsed = imaplib.Internaldate2tuple(meta)
    return None if parsed is None else datetime.fromtimestamp(time.mktime(parsed), tz=UTC)


def fetch(
    *, connection: Callable[[], imaplib.IMAP4] = connect, limit: int | None = None
) -> Fetched:
    """Take every unseen message of the folder (at most `limit`)."""
    result = Fetched()
    conn = connection()
    try:
        _check(conn.select(settings.AFTERSALES_IMAP_FOLDER), "SELECT")
        uids = _check(conn.uid("SEARCH", None, "UNSEEN"), "SEARCH")[0].split()
        for uid in uids[:limit] if limit else uids:
            data = _check(conn.uid("FETCH", uid, "(INTERNALDATE BODY.PEEK[])"), "FETCH")
            meta, raw = next((d for d in data if isinstance(d, tuple)), (b"", b""))
            result.seen += 1
            row, created = mail.ingest(
                raw, actor=IMAP_ACTOR, source="imap", received_at=_internaldate(meta)
            )
            if not created:
                result.duplicates += 1
            elif row.state == "unparsed":
                result.unparsed += 1
            else:
                result.new += 1
            _check(conn.uid("STORE", uid, "+FLAGS", "(\\Seen)"), "STORE")
    finally:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError):
            logger.warning("IMAP logout failed", exc_info=True)
    return result
