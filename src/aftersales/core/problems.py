"""application/problem+json responses (RFC 9457): the API's one error format."""

from __future__ import annotations

import json
from http import HTTPStatus

from django.http import HttpResponse

from aftersales.core.errors import DomainError, FieldError

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "/problems/"


def problem_response(
    status: int,
    *,
    slug: str | None = None,
    title: str | None = None,
    detail: str = "",
    errors: list[FieldError] | None = None,
    **extensions: object,
) -> HttpResponse:
    phrase = HTTPStatus(status).phrase
    body: dict[str, object] = {
        "type": TYPE_PREFIX + (slug or phrase.lower().replace(" ", "-")),
        "title": title or phrase,
        "status": status,
        "detail": detail or title or phrase,
    }
    if errors:
        body["errors"] = [e.as_dict() for e in errors]
    body.update(extensions)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str), status=status, content_type=CONTENT_TYPE
    )


def from_domain_error(exc: DomainError) -> HttpResponse:
    return problem_response(
        exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        **exc.extensions,
    )


def field_name(loc: list | tuple) -> str:
    """('body', 'payload', 'lines', 0, 'sku') → 'lines[0].sku' (the client's own field path)."""
    parts = list(loc)
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"}:
        parts = parts[1:]
        # ninja nests a single body schema under its parameter name; the client never sees it.
        if parts and isinstance(parts[0], str) and parts[0] in {"payload", "body", "data"}:
            parts = parts[1:]
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out or "body"
