"""/cases/{id}/evidence: upload photos, videos and PDFs to a case, list them, download them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile

from aftersales.cases import evidence as services
from aftersales.cases.models import Evidence
from aftersales.cases.selectors import case_for
from aftersales.core.pagination import PageQuery, page_schema, paginate

router = Router(tags=["evidence"])

Visibility = Literal["all", "buyer_and_platform", "merchant_and_platform", "platform"]
BINARY = {
    "responses": {
        200: {
            "description": "The stored bytes, with their Content-Type.",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class EvidenceOut(Schema):
    id: int
    kind: str
    content_type: str
    size: int
    sha256: str
    visibility: str
    note: str
    uploaded_by_role: str
    uploaded_at: datetime
    url: str
    thumbnail_url: str | None


class EvidenceAdded(Schema):
    items: list[EvidenceOut]


def evidence_out(item: Evidence) -> EvidenceOut:
    args = {"case_id": item.case_id, "evidence_id": item.pk}
    return EvidenceOut(
        id=item.pk,
        kind=item.kind,
        content_type=item.content_type,
        size=item.size,
        sha256=item.sha256,
        visibility=item.visibility,
        note=item.note,
        uploaded_by_role=item.uploaded_by_role,
        uploaded_at=item.uploaded_at,
        url=reverse("api:case_evidence_file", kwargs=args),
        thumbnail_url=reverse("api:case_evidence_thumbnail", kwargs=args)
        if item.thumbnail_key
        else None,
    )


@router.post("/cases/{case_id}/evidence", response={201: EvidenceAdded})
def add_evidence(
    request: HttpRequest,
    case_id: int,
    files: File[list[UploadedFile]],
    note: Form[str] = "",
    visibility: Form[Visibility] = "all",
):
    """Multipart: one or more `files` (photos JPEG/PNG/WebP up to 10 MB, videos MP4/QuickTime/
    WebM up to 100 MB, PDFs up to 20 MB; at most 9), an optional `note`, and `visibility`:
    `all` (default), `buyer_and_platform` (buyers), `merchant_and_platform` (merchants),
    `platform` (platform staff). Types are judged by content; photos lose their EXIF."""
    case = case_for(request.auth, case_id)
    items = services.add_evidence(
        case=case, actor=request.auth, files=files, note=note, visibility=visibility
    )
    return Status(201, EvidenceAdded(items=[evidence_out(i) for i in items]))


@router.get("/cases/{case_id}/evidence", response=page_schema(EvidenceOut))
def list_evidence(request: HttpRequest, case_id: int, page: Query[PageQuery]):
    """The case's evidence the caller may see, oldest first."""
    case = case_for(request.auth, case_id)
    result = paginate(
        services.evidence_visible_to(request.auth, case),
        order_by=("uploaded_at", "id"),
        limit=page.limit,
        cursor=page.cursor,
    )
    return {"items": [evidence_out(i) for i in result.items], "next_cursor": result.next_cursor}


@router.get(
    "/cases/{case_id}/evidence/{evidence_id}/file",
    url_name="case_evidence_file",
    openapi_extra=BINARY,
)
def evidence_file(request: HttpRequest, case_id: int, evidence_id: int):
    item = services.evidence_for(request.auth, case_id, evidence_id)
    return _stream(item, thumbnail=False)


@router.get(
    "/cases/{case_id}/evidence/{evidence_id}/thumbnail",
    url_name="case_evidence_thumbnail",
    openapi_extra=BINARY,
)
def evidence_thumbnail(request: HttpRequest, case_id: int, evidence_id: int):
    """A JPEG of at most 320 px; photos only (404 for videos and PDFs)."""
    item = services.evidence_for(request.auth, case_id, evidence_id)
    return _stream(item, thumbnail=True)


def _stream(item: Evidence, *, thumbnail: bool) -> FileResponse:
    stored = services.open_stored(item, thumbnail=thumbnail)
    ext = item.storage_key.rsplit(".", 1)[-1]
    response = FileResponse(
        stored,
        content_type="image/jpeg" if thumbnail else item.content_type,
        # PDFs are downloaded, not opened in the API's origin; pictures and videos show inline.
        as_attachment=item.kind == "pdf" and not thumbnail,
        filename=f"evidence-{item.pk}{'-thumbnail.jpg' if thumbnail else '.' + ext}",
    )
    response["Cache-Control"] = "private, max-age=3600"
    # Whatever a file turns out to be, it runs nothing in the API's origin.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
