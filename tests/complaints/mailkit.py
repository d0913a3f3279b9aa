"""Building raw RFC 822 messages for the email intake tests, and posting them as providers do."""

from __future__ import annotations

import io
from email.message import EmailMessage
from email.utils import format_datetime

from PIL import Image

from tests.complaints.conftest import at


def png(size=(40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def message(
    *,
    sender: str = "李雷 <li.lei@example.com>",
    subject: str = "耳机坏了",
    text: str | None = "左耳没有声音，希望尽快处理。",
    html: str | None = None,
    message_id: str | None = "<m1@mail.example.com>",
    in_reply_to: str | None = None,
    references: str | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
) -> bytes:
    msg = EmailMessage()
    if sender:
        msg["From"] = sender
    msg["To"] = "kefu@aftersales.example"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(at(2026, 3, 9, 10, 0))
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    if text is not None:
        msg.set_content(text)
    if html is not None:
        if text is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    for name, mime, data in attachments:
        maintype, subtype = mime.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def post(client, raw: bytes):
    """POST the raw bytes as a mail provider's webhook does (message/rfc822)."""
    return client.client.post(
        "/api/v1/inbound/email",
        raw,
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=f"Bearer {client.token}",
    )
