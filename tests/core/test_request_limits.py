import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from django.core.handlers.asgi import ASGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from tests import factories


def _asgi_post(
    path: str, body: bytes, headers: list[tuple[bytes, bytes]]
) -> tuple[int, dict, bytes]:
    """Drive the real ASGI handler: the body arrives in chunks, with no Content-Length, as a
    client sending Transfer-Encoding: chunked does."""
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)] or [b""]
    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    sent: list[dict] = []

    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.Event().wait()  # the client stays connected until the response is sent

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    # As Django's own test client does: no connection housekeeping around the request.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        async_to_sync(ASGIHandler())(scope, receive, send)
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, content


def test_chunked_body_over_the_limit_without_content_length_is_413(settings):
    body = (
        b'{"code": "m-big", "name": "' + b"x" * (settings.AFTERSALES_MAX_REQUEST_BYTES + 1) + b'"}'
    )
    status, headers, content = _asgi_post(
        "/api/v1/merchants",
        body,
        [
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
            (b"host", b"testserver"),
        ],
    )
    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(content)["type"] == "/problems/payload-too-large"


@pytest.mark.django_db
def test_wrong_method_keeps_the_allow_header(api):
    response = api(factories.platform_token()).delete("/merchants")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert "POST" in response["Allow"]


def test_non_numeric_content_length_is_400(client):
    response = client.generic("POST", "/api/v1/merchants", b"{}", CONTENT_LENGTH="lots")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
