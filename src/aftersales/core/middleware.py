"""Middleware that keeps /api speaking problem+json, whatever went wrong and wherever."""

from __future__ import annotations

import logging
import re
from io import BytesIO

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


def is_upload(request: HttpRequest) -> bool:
    return request.method == "POST" and UPLOAD_ROUTE.match(request.path) is not None


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
        if length > limit:
            return self._too_large(limit)
        # Otherwise the multipart parser streams the files to temporary files and reads no more
        # than Content-Length. With an Idempotency-Key the idempotency fingerprint needs the
        # whole body, which request.body would refuse past the 1 MB JSON limit: read it here,
        # bounded by the upload limit, and hand it on as Django's own request.body does.
        if request.headers.get("Idempotency-Key") is not None:
            body = request.read(limit + 1)
            if len(body) > limit:
                return self._too_large(limit)
            request._body = body
            request._stream = BytesIO(body)
        return self.get_response(request)

    def _too_large(self, limit: int) -> HttpResponse:
        return problem_response(
            413,
            slug="payload-too-large",
            title="Request body too large",
            detail=f"The request body is over the limit of {limit} bytes.",
            limit_bytes=limit,
        )
