"""/inbound/email: raw RFC 822 messages as mail providers post them, and the desk's list of
inbound mail (the unparsed ones above all), each with its raw bytes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from aftersales.complaints import mail
from aftersales.complaints.models import InboundEmail
from aftersales.core.errors import InvalidInput, PayloadTooLarge
from aftersales.core.pagination import PageQuery, page_schema, paginate

router = Router(tags=["inbound email"])

RAW_BODY = {
    "requestBody": {
        "required": True,
        "description": "The raw message, exactly as received (RFC 822 / RFC 5322 bytes).",
        "content": {
            "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


class AttachmentOut(Schema):
    name: str
    size: int
    content_type: str
    accepted: bool
    reason: str
    evidence_id: int | None


class EmailOut(Schema):
    id: int
    state: Literal["accepted", "unparsed", "dismissed"]
    duplicate: bool = False
    message_id: str
    source: str
    from_address: str
    subject: str
    received_at: datetime
    size: int
    error: str
    complaint_id: int | None
    customer: str | None
    threaded: bool
    attachments: list[AttachmentOut]
    handled_by: str
    handled_note: str


class EmailFilters(Schema):
    state: Literal["accepted", "unparsed", "dismissed"] | None = None


class DismissIn(Schema):
    note: str


def email_out(row: InboundEmail, *, duplicate: bool = False) -> dict:
    complaint = row.complaint if row.complaint_id else None
    return {
        "id": row.pk,
        "state": row.state,
        "duplicate": duplicate,
        "message_id": row.message_id,
        "source": row.source,
        "from_address": row.from_address,
        "subject": row.subject,
        "received_at": row.received_at,
        "size": row.size,
        "error": row.error,
        "complaint_id": row.complaint_id,
        "customer": complaint.buyer.external_id if complaint else None,
        "threaded": row.threaded,
        "attachments": row.attachments,
        "handled_by": row.handled_by,
        "handled_note": row.handled_note,
    }


def _raw_body(request: HttpRequest) -> bytes:
    """The body, read from the stream up to the email limit (the request-size middleware let
    this route past the API's 1 MB limit; see core.middleware)."""
    limit = settings.AFTERSALES_INBOUND_EMAIL_MAX_BYTES
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge(
            f"The message is over {limit} bytes; refused whole.", limit_bytes=limit
        )
    return raw


@router.post("/inbound/email", response={200: EmailOut, 202: EmailOut}, openapi_extra=RAW_BODY)
def inbound_email(request: HttpRequest):
    """A mail provider (or relay) posts one raw message with a platform token. 202: it was
    taken — into a timeline (`accepted`), or kept for an agent (`unparsed`, with `error`); a
    refused attachment is listed with its reason. 200: the same Message-ID came before
    (`duplicate`), nothing done. Never a 4xx for the message's content: a provider would
    drop or bounce it."""
    raw = _raw_body(request)
    if not raw:
        raise InvalidInput.on_field("body", "post the raw message as the request body")
    row, created = mail.ingest(raw, actor=request.auth, source="endpoint")
    row = InboundEmail.objects.defer("raw").select_related("complaint__buyer").get(pk=row.pk)
    return Status(202 if created else 200, email_out(row, duplicate=not created))


@router.get("/inbound/email", response=page_schema(EmailOut))
def list_emails(request: HttpRequest, filters: Query[EmailFilters], page: Query[PageQuery]):
    """Inbound mail, newest first; `state=unparsed` is the agent's list of mail to read by
    hand."""
    rows = mail.emails_visible_to(request.auth).select_related("complaint__buyer")
    if filters.state:
        rows = rows.filter(state=filters.state)
    result = paginate(rows, order_by=("-received_at", "-id"), limit=page.limit, cursor=page.cursor)
    return {"items": [email_out(r) for r in result.items], "next_cursor": result.next_cursor}


@router.get("/inbound/email/{email_id}", response=EmailOut)
def get_email(request: HttpRequest, email_id: int):
    return email_out(mail.email_for(request.auth, email_id))


@router.get(
    "/inbound/email/{email_id}/raw",
    openapi_extra={
        "responses": {
            200: {
                "description": "The message as it arrived.",
                "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def raw_email(request: HttpRequest, email_id: int):
    row = mail.email_for(request.auth, email_id)
    raw = InboundEmail.objects.values_list("raw", flat=True).get(pk=row.pk)
    response = HttpResponse(bytes(raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="email-{row.pk}.eml"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@router.post("/inbound/email/{email_id}/dismiss", response=EmailOut)
def dismiss_email(request: HttpRequest, email_id: int, payload: DismissIn):
    """An agent dealt with an unparsed mail by hand; `note` says how."""
    row = mail.dismiss(
        actor=request.auth, email=mail.email_for(request.auth, email_id), note=payload.note
    )
    return email_out(row)
