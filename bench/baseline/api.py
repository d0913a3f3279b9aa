"""POST /api/bench/baseline: authenticate like /api/v1, parse the JSON body, insert one row, 201.

It sits under /api/ so the /api-only middleware (problem+json, request size limit) runs for it
exactly as for /api/v1, and it uses the API's own auth, so a benchmark that sends the same
bearer token and the same body to both measures only what the real endpoint does on top."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Body, NinjaAPI

from aftersales.accounts.auth import api_auth
from bench.baseline.models import BaselineRow

api = NinjaAPI(
    title="Aftersales benchmark baseline",
    version="bench",
    auth=api_auth,
    urls_namespace="bench_baseline",
    docs_url=None,
    openapi_url=None,
)


@api.post("/baseline", response={201: dict})
def baseline(request: HttpRequest, payload: dict[str, Any] = Body(...)):  # noqa: B008
    row = BaselineRow.objects.create(
        external_id=str(payload.get("external_id", "")), payload=payload
    )
    return 201, {"id": row.pk, "external_id": row.external_id}
