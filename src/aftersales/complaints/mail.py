"""Email intake: raw RFC 822 messages (the inbound endpoint, `aftersales mail fetch`) read with
the stdlib `email` package (policy.default), matched to the customer and joined to a timeline.

- **Kept, whatever happens.** The raw bytes are stored first-class (InboundEmail). A message
  that cannot be read (no headers, no sender address, nothing to read), or that fails on its
  way in, is kept as `unparsed` with the reason, for an agent's unparsed-mail list: never
  dropped.
- **Once.** The Message-ID (else the raw bytes' hash) is the dedupe key: the same mail
  delivered twice, posted again by the provider or fetched again from IMAP, is a no-op.
- **Threading.** A message whose In-Reply-To or References names the Message-ID of a message
  already in a complaint joins that complaint.
- **The customer.** Else the sender's address (an email identity an earlier contact left),
  and order numbers found in the subject and body: a known order of that customer (or, from a
  stranger, any order: the order's buyer is the customer — their address is then *not*
  remembered, so naming someone's order number does not take over their timeline). A
  stranger with no order gets a new timeline under a buyer id derived from their address.
- **Text.** text/plain is preferred; HTML is turned into text; in a reply the quoted part
  (`>` lines, "On … wrote:") is left out of the timeline (the raw mail keeps it).
- **Attachments.** Each is judged like case evidence (type from its bytes, the size limit of
  its kind, photos cleaned, PDFs with JavaScript refused); a refused one is listed on the
  email with its reason and the message goes on without it."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser

from django.db import IntegrityError, transaction

from aftersales.accounts.actors import PLATFORM_INTEGRATION, Actor
from aftersales.accounts.models import Buyer
from aftersales.complaints import evidence, services
from aftersales.complaints.models import (
    Complaint,
    ComplaintMessage,
    ContactIdentity,
    InboundEmail,
)
from aftersales.core import audit, clock
from aftersales.core.errors import DomainError, NotFound, PermissionDenied
from aftersales.core.pii import lookup_hash

logger = logging.getLogger("aftersales.complaints.mail")

MAX_TEXT = 20000  # what a timeline message holds (schemas.MessageIn)
MAX_ORDER_CANDIDATES = 200
_ANGLE_ID = re.compile(r"<([^<>\s]+)>")
# Order numbers as shops send them: letters, digits, - and _, with at least one digit.
_ORDER_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])([A-Za-z0-9][A-Za-z0-9_-]{2,63})(?![A-Za-z0-9_-])")
_REPLY_HEADER = re.compile(
    r"^\s*(On .{0,300} wrote:|在.{0,300}写道[:：]?|-{2,}\s*Original Message\s*-{2,})\s*$", re.I
)


class Unparseable(Exception):
    """The reason a message cannot be read."""


@dataclass
class Parsed:
    message_id: str
    thread_ids: list[str]  # In-Reply-To first, then References newest first
    from_address: str
    from_name: str
    subject: str
    text: str
    attachments: list[tuple[str, bytes]] = field(default_factory=list)

    @property
    def timeline_text(self) -> str:
        body = self.text.strip()
        text = f"{self.subject}\n\n{body}" if self.subject and body else (self.subject or body)
        return text[:MAX_TEXT]


# --- Reading ----------------------------------------------------------------------------------


class _TextOfHtml(HTMLParser):
    BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote"}
    )
    SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _ids(value: str | None) -> list[str]:
    return _ANGLE_ID.findall(str(value or ""))


def _message_id(msg: EmailMessage) -> str:
    try:
        found = _ids(msg.get("Message-ID"))
    except Exception:  # a header too broken to read has no usable id
        return ""
    return found[0] if found else ""


def _content(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError):
        # An unknown or wrong charset: the bytes, read leniently.
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def _without_quote(text: str) -> str:
    kept = []
    for line in text.splitlines():
        if _REPLY_HEADER.match(line):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(kept).strip()


def parse(raw: bytes) -> Parsed:
    """Read one message; Unparseable says why not."""
    if not raw.strip():
        raise Unparseable("the message is empty")
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; anything it raises is fatal
        raise Unparseable(f"the message could not be read ({type(exc).__name__})") from None
    if not msg.keys():
        raise Unparseable("no headers: this is not an RFC 822 message")
    try:
        senders = [a for a in msg["From"].addresses if "@" in a.addr_spec] if msg["From"] else []
        subject = " ".join(str(msg.get("Subject", "") or "").split())[:500]
    except Exception:  # malformed headers surface lazily, as any exception
        raise Unparseable("the From or Subject header cannot be read") from None
    if not senders:
        raise Unparseable("no sender address in From")
    sender = senders[0]
    thread_ids = _ids(msg.get("In-Reply-To")) + list(reversed(_ids(msg.get("References"))))
    body_part = msg.get_body(preferencelist=("plain", "html"))
    text = ""
    if body_part is not None:
        text = _content(body_part)
        if body_part.get_content_subtype() == "html":
            text = html_to_text(text)
    if thread_ids:
        text = _without_quote(text)
    attachments = []
    for part in msg.walk():
        if part is body_part or part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        name = part.get_filename() or ""
        if part.get_content_maintype() == "text" and disposition != "attachment" and not name:
            continue  # the other alternative of the body
        attachments.append((name, part.get_payload(decode=True) or b""))
    if not text.strip() and not subject and not attachments:
        raise Unparseable("nothing to read: no subject, no text, no attachment")
    return Parsed(
        message_id=_message_id(msg)[:255],
        thread_ids=[i[:255] for i in thread_ids],
        from_address=sender.addr_spec.strip().lower()[:254],
        from_name=sender.display_name or "",
        subject=subject,
        text=text,
        attachments=attachments,
    )


def dedupe_key(raw: bytes) -> tuple[str, str]:
    """(key, message_id): the Message-ID when the mail has one, else the bytes' hash."""
    try:
        mid = _message_id(BytesParser(policy=policy.default).parsebytes(raw, headersonly=True))
    except Exception:  # unreadable headers: the bytes identify it
        mid = ""
    if mid and len(mid) <= 250:
        return f"mid:{mid}", mid
    if mid:
        return f"mid#{hashlib.sha256(mid.encode()).hexdigest()}", mid[:255]
    return f"raw#{hashlib.sha256(raw).hexdigest()}", ""


# --- Matching ---------------------------------------------------------------------------------


def stranger_id(address: str) -> str:
    """The buyer id of an unknown sender: stable for the address, without spelling it out."""
    return f"mail-{lookup_hash(address, kind='email')[:24]}"


def _order_mentioned(parsed: Parsed, buyer: Buyer | None):
    """The first order number in the subject, then the body, that names an order (of the
    known buyer, when the sender is known)."""
    from aftersales.orders.models import Order

    tokens = []
    for match in _ORDER_TOKEN.finditer(f"{parsed.subject}\n{parsed.text}"):
        token = match.group(1)
        if any(ch.isdigit() for ch in token) and token not in tokens:
            tokens.append(token)
        if len(tokens) >= MAX_ORDER_CANDIDATES:
            break
    if not tokens:
        return None
    found = Order.objects.filter(external_id__in=tokens).select_related("merchant", "buyer")
    if buyer is not None:
        found = found.filter(buyer=buyer)
    by_id: dict[str, list] = {}
    for order in found:
        by_id.setdefault(order.external_id, []).append(order)
    for token in tokens:
        if len(by_id.get(token, ())) == 1:  # the same number at two shops: not a match
            return by_id[token][0]
    return None


def _known_buyer(address: str) -> Buyer | None:
    identity = ContactIdentity.objects.filter(kind="email", value=address).select_related("buyer")
    known = identity.first()
    if known is not None:
        return known.buyer
    return Buyer.objects.filter(external_id=stranger_id(address)).first()


def _thread(parsed: Parsed) -> Complaint | None:
    if not parsed.thread_ids:
        return None
    earlier = (
        ComplaintMessage.objects.filter(email_message_id__in=parsed.thread_ids)
        .select_related("complaint")
        .order_by("-at", "-pk")
        .first()
    )
    return earlier.complaint if earlier else None


def _join(parsed: Parsed, actor: Actor, *, at: datetime, dated: bool):
    """(complaint, the timeline message, threaded?) for a readable email."""
    text = parsed.timeline_text or "(no text; see the attachments)"
    complaint = _thread(parsed)
    if complaint is not None:
        message = services.add_message(
            actor=actor, complaint=complaint, text=text, channel="email", at=at
        )
        return complaint, message, True
    buyer = _known_buyer(parsed.from_address)
    order = _order_mentioned(parsed, buyer)
    if order is not None:
        complaint, _ = services.receive(
            actor=actor,
            customer=order.buyer.external_id,
            channel="email",
            text=text,
            order=order.external_id,
            merchant=order.merchant.code,
            received_at=at if dated else None,
        )
    else:
        complaint, _ = services.receive(
            actor=actor,
            customer=buyer.external_id if buyer else stranger_id(parsed.from_address),
            channel="email",
            text=text,
            received_at=at if dated else None,
            email=parsed.from_address,
        )
    message = complaint.messages.filter(direction="inbound").order_by("-at", "-pk").first()
    return complaint, message, False


# --- Intake -----------------------------------------------------------------------------------


def ingest(
    raw: bytes, *, actor: Actor, source: str, received_at: datetime | None = None
) -> tuple[InboundEmail, bool]:
    """Take one raw message. Returns (the email row, False if it had been taken before)."""
    if actor.role != PLATFORM_INTEGRATION:
        raise PermissionDenied("Only a mail connector (a platform token) posts raw email.")
    at = min(received_at or clock.now(), clock.now())
    key, message_id = dedupe_key(raw)
    existing = InboundEmail.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return existing, False
    base = {
        "dedupe_key": key,
        "message_id": message_id,
        "source": source,
        "raw": raw,
        "size": len(raw),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "received_at": at,
    }
    try:
        parsed = parse(raw)
    except Unparseable as exc:
        return _keep_unparsed(base, str(exc))
    judged = evidence.judge_bytes(parsed.attachments)
    keys: list[str | None] = []
    try:
        with transaction.atomic():
            row = InboundEmail.objects.create(
                **base,
                state="accepted",
                from_address=parsed.from_address,
                subject=parsed.subject,
            )
            complaint, message, threaded = _join(
                parsed, actor, at=at, dated=received_at is not None
            )
            if parsed.message_id:
                ComplaintMessage.objects.filter(pk=message.pk).update(
                    email_message_id=parsed.message_id
                )
            keys = evidence.write(complaint.merchant_id, complaint.pk, judged)
            stored = evidence.rows(complaint, actor, judged, keys, source="email")
            row.complaint, row.timeline_message, row.threaded = complaint, message, threaded
            row.attachments = [
                item.as_dict(kept.pk if kept else None)
                for item, kept in zip(judged, stored, strict=True)
            ]
            row.save(update_fields=["complaint", "timeline_message", "threaded", "attachments"])
            if any(stored) or any(not j.accepted for j in judged):
                locked = services._lock(complaint)
                services._event(
                    locked,
                    actor,
                    "email_attachments",
                    locked.state,
                    locked.state,
                    at=at,
                    payload={"email_id": row.pk, "attachments": row.attachments},
                )
                services._save(locked)
    except IntegrityError:
        evidence.discard(keys)
        again = InboundEmail.objects.filter(dedupe_key=key).first()
        if again is not None:  # the same mail, delivered twice at once
            return again, False
        raise
    except DomainError as exc:
        evidence.discard(keys)
        return _keep_unparsed(base, f"it could not join a timeline: {exc.detail}")
    except Exception as exc:
        evidence.discard(keys)
        logger.exception("inbound email %s failed; kept as unparsed", key)
        return _keep_unparsed(base, f"it failed on its way in ({type(exc).__name__}); see logs")
    return row, True


def _keep_unparsed(base: dict, reason: str) -> tuple[InboundEmail, bool]:
    headers = _loose_headers(base["raw"])
    try:
        with transaction.atomic():
            row = InboundEmail.objects.create(
                **base, state="unparsed", error=reason[:2000], **headers
            )
    except IntegrityError:
        return InboundEmail.objects.get(dedupe_key=base["dedupe_key"]), False
    logger.warning("inbound email %s kept unparsed: %s", row.pk, reason)
    return row, True


def _loose_headers(raw: bytes) -> dict:
    """What can be shown of an unparsed mail's From and Subject, best effort."""
    try:
        msg = BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)
        return {
            "from_address": str(msg.get("From", "") or "")[:254],
            "subject": str(msg.get("Subject", "") or "")[:500],
        }
    except Exception:  # nothing readable: nothing shown
        return {}


# --- The unparsed list ------------------------------------------------------------------------


def _require_desk(actor: Actor) -> None:
    from aftersales.complaints.selectors import DESK_SIDE

    if actor.role not in DESK_SIDE:
        raise PermissionDenied("Only the service desk reads inbound mail.")


def emails_visible_to(actor: Actor):
    _require_desk(actor)
    return InboundEmail.objects.defer("raw")


def email_for(actor: Actor, email_id: int) -> InboundEmail:
    try:
        return emails_visible_to(actor).get(pk=email_id)
    except (InboundEmail.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"No inbound email {email_id}.") from None


def dismiss(*, actor: Actor, email: InboundEmail, note: str) -> InboundEmail:
    """An agent dealt with an unparsed mail (answered it by hand, filed it, found it spam)."""
    from aftersales.core.errors import Conflict, InvalidInput

    _require_desk(actor)
    if not note.strip():
        raise InvalidInput.on_field("note", "say what was done with it")
    with transaction.atomic():
        email = InboundEmail.objects.select_for_update().defer("raw").get(pk=email.pk)
        if email.state != "unparsed":
            raise Conflict(f"Email {email.pk} is {email.state}, not unparsed.", state=email.state)
        email.state, email.handled_by = "dismissed", actor.label
        email.handled_at, email.handled_note = clock.now(), note[:2000]
        email.save(update_fields=["state", "handled_by", "handled_at", "handled_note"])
        audit.record(
            actor=actor,
            action="inbound_email.dismissed",
            subject=email,
            payload={"note": email.handled_note},
        )
    return email
