"""Middleware that keeps /api speaking problem+json, whatever went wrong and wherever."""

from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from aftersales.core.problems import CONTENT_TYPE, problem_response

logger = logging.getLogger("aftersales.api")
API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


class ApiProblemMiddleware:
    """Any /api response that is an error but not yet problem+json becomes one (404 from the
    URL resolver, 405 from ninja, CSRF 403, a crash's 500): never an HTML error page on /api."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api(request) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith(CONTENT_TYPE):
            return response
        converted = problem_response(response.status_code, detail=_plain_detail(response))
        if response.status_code == 405 and response.has_header("Allow"):
            converted["Allow"] = response["Allow"]
        return converted

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api(request):
            return None
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(500, detail="An unexpected error occurred; it has been logged.")


def _plain_detail(response: HttpResponse) -> str:
    if response.status_code == 405:
        return f"Method not allowed here; allowed: {response.get('Allow', '')}"
    if response.status_code == 404:
        return "No such resource."
    if response.status_code == 403:
        return "Forbidden."
    return ""


# The one route that takes large bodies: multipart evidence uploads (cases/evidence_api.py).
UPLOAD_ROUTE = re.compile(r"^/api/v1/cases/[^/]+/evidence/?$")
# Raw inbound email (complaints.mail_api): a whole message with its attachments in the body.
EMAIL_ROUTE = re.compile(r"^/api/v1/inbound/email/?$")


UPLOAD_CHUNK = 64 * 1024


@dataclass(frozen=True)
class SpooledBody:
    """An upload's body, copied off the socket: `file` at offset 0, `size` bytes."""

    file: IO[bytes]
    size: int


def is_upload(request: HttpRequest) -> bool:
    return request.method == "POST" and (
        UPLOAD_ROUTE.match(request.path) is not None or EMAIL_ROUTE.match(request.path) is not None
    )


class RequestSizeLimitMiddleware:
    """Refuse /api bodies over AFTERSALES_MAX_REQUEST_BYTES with 413 before reading them; the
    evidence upload route alone is held to AFTERSALES_MAX_UPLOAD_BYTES instead."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.limit = settings.AFTERSALES_MAX_REQUEST_BYTES

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api(request):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return problem_response(400, detail="Content-Length is not a number.")
            if is_upload(request):
                return self._upload(request, length)
            if length > self.limit:
                return self._too_large(self.limit)
            if request.method in {"POST", "PUT", "PATCH"}:
                try:
                    request.body  # noqa: B018 - read once under Django's own size guard
                except RequestDataTooBig:
                    return self._too_large(self.limit)
        return self.get_response(request)

    def _upload(self, request: HttpRequest, length: int) -> HttpResponse:
        limit = settings.AFTERSALES_MAX_UPLOAD_BYTES
        if EMAIL_ROUTE.match(request.path):
            limit = settings.AFTERSALES_INBOUND_EMAIL_MAX_BYTES
        if length > limit:
            return self._too_large(limit)
        # Otherwise the multipart parser streams the files to temporary files and reads no more
        # than Content-Length. With an Idempotency-Key the idempotency fingerprint needs the
        # whole body: copy it, bounded by the upload limit, in chunks to a spooled temporary
        # file (on disk past FILE_UPLOAD_MAX_MEMORY_SIZE, never all in memory), which the
        # fingerprint hashes and the multipart parser then reads in place of the socket.
        if request.headers.get("Idempotency-Key") is None:
            return self.get_response(request)
        spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115 - closed below
        try:
            size = 0
            while chunk := request.read(min(UPLOAD_CHUNK, limit + 1 - size)):
                size += len(chunk)
                if size > limit:
                    return self._too_large(limit)
                spool.write(chunk)
            spool.seek(0)
            request._stream = spool
            request._read_started = False  # the parser reads the copy from its start
            request.spooled_body = SpooledBody(spool, size)
            return self.get_response(request)
        finally:
            spool.close()

    def _too_large(self, limit: int) -> HttpResponse:
        return problem_response(
            413,
            slug="payload-too-large",
            title="Request body too large",
            detail=f"The request body is over the limit of {limit} bytes.",
            limit_bytes=limit,
        )
