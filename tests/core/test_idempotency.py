import json
import os
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory

from aftersales.accounts.models import Merchant
from aftersales.core import clock
from aftersales.core.idempotency import (
    IdempotencyMiddleware,
    caller_of,
    fingerprint,
    prune_idempotency_records,
)
from aftersales.core.middleware import RequestSizeLimitMiddleware
from aftersales.core.models import AuditEvent, IdempotencyRecord
from tests import factories

pytestmark = pytest.mark.django_db


def _create(client, code="m-idem", name="幂等商家", key="key-1"):
    return client.post("/merchants", {"code": code, "name": name}, headers={"Idempotency-Key": key})


def test_retry_with_the_same_key_replays_the_first_response_and_writes_nothing(api):
    client = api(factories.platform_token())
    first = _create(client)
    rows = (Merchant.objects.count(), AuditEvent.objects.count())

    again = _create(client)

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert (Merchant.objects.count(), AuditEvent.objects.count()) == rows


def test_a_kept_error_is_replayed_too(api):
    client = api(factories.platform_token())
    factories.merchant("m-taken")
    first = _create(client, code="m-taken")
    assert first.status_code == 409
    assert _create(client, code="m-taken").content == first.content


def test_same_key_with_a_different_body_is_409(api):
    client = api(factories.platform_token())
    _create(client, name="第一")

    response = _create(client, name="第二")

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/idempotency-key-reused"
    assert Merchant.objects.get(code="m-idem").name == "第一"


def test_same_key_to_another_path_is_409(api):
    client = api(factories.platform_token())
    _create(client)
    response = client.post(
        "/orders", {"code": "m-idem", "name": "幂等商家"}, headers={"Idempotency-Key": "key-1"}
    )
    assert response.json()["type"] == "/problems/idempotency-key-reused"


def test_separate_callers_with_the_same_key_are_independent(api):
    first = _create(api(factories.platform_token()), code="m-a")
    second = _create(api(factories.platform_token()), code="m-b")

    assert first.status_code == second.status_code == 201
    assert not second.has_header("Idempotent-Replayed")
    assert set(Merchant.objects.values_list("code", flat=True)) == {"m-a", "m-b"}
    assert IdempotencyRecord.objects.count() == 2


def test_session_user_is_a_caller_too():
    request = RequestFactory().post(
        "/api/v1/x", b"{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )
    request.user = factories.user()
    calls = []
    middleware = IdempotencyMiddleware(lambda r: calls.append(r) or HttpResponse("ok", status=201))

    middleware(request)
    replay = middleware(request)

    assert len(calls) == 1
    assert replay["Idempotent-Replayed"] == "true"
    assert IdempotencyRecord.objects.get().caller == f"user:{request.user.pk}"


def test_request_in_flight_is_409():
    request = RequestFactory().post(
        "/api/v1/x", b"{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )
    request.META["HTTP_AUTHORIZATION"] = "Bearer as_whatever"
    inner = {}

    def view(r):  # the same request arrives again while the first is still running
        inner["response"] = IdempotencyMiddleware(lambda r2: HttpResponse("no"))(r)
        return HttpResponse("done", status=201)

    IdempotencyMiddleware(view)(request)

    assert inner["response"].status_code == 409
    assert json.loads(inner["response"].content)["type"] == "/problems/idempotency-key-in-flight"
    assert inner["response"]["Retry-After"] == "1"


def test_server_error_is_not_kept_so_the_client_may_retry():
    request = RequestFactory().post(
        "/api/v1/x", b"{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )
    request.META["HTTP_AUTHORIZATION"] = "Bearer as_whatever"
    statuses = iter([503, 201])
    middleware = IdempotencyMiddleware(lambda r: HttpResponse("x", status=next(statuses)))

    assert middleware(request).status_code == 503
    assert IdempotencyRecord.objects.count() == 0
    retry = middleware(request)
    assert retry.status_code == 201
    assert not retry.has_header("Idempotent-Replayed")


def test_unauthenticated_requests_pass_through_unrecorded(api):
    response = _create(api())
    assert response.status_code == 401
    assert IdempotencyRecord.objects.count() == 0


def test_bad_token_is_not_kept(api):
    response = _create(api("as_not-a-real-token"))
    assert response.status_code == 401
    assert IdempotencyRecord.objects.count() == 0


def test_overlong_key_is_400_problem(api):
    response = _create(api(factories.platform_token()), key="k" * 256)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "Idempotency-Key", "message": "must be 1 to 255 characters"}
    ]
    assert Merchant.objects.count() == 0


def test_longest_allowed_key_is_accepted(api):
    assert _create(api(factories.platform_token()), key="k" * 255).status_code == 201


def test_stored_response_body_is_encrypted(api):
    _create(api(factories.platform_token()), name="张三的店")
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM core_idempotencyrecord")
        (body,) = cursor.fetchone()
    assert "张三".encode() not in bytes(body)


def test_a_request_abandoned_by_a_dead_process_frees_its_key():
    request = RequestFactory().post(
        "/api/v1/x", b"{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )
    request.META["HTTP_AUTHORIZATION"] = "Bearer as_whatever"
    # The first attempt's process died before it could complete or release its record.
    IdempotencyRecord.objects.create(
        caller=caller_of(request),
        key="k",
        request_hash="h",
        created_at=clock.now() - timedelta(minutes=6),
    )

    response = IdempotencyMiddleware(lambda r: HttpResponse("ran", status=201))(request)

    assert (response.status_code, response.content) == (201, b"ran")


def test_key_past_retention_is_free_again(api, settings, time_machine):
    client = api(factories.platform_token())
    _create(client, code="m-old")
    time_machine.move_to(
        clock.now() + timedelta(hours=settings.AFTERSALES_IDEMPOTENCY_RETENTION_HOURS + 1)
    )
    response = _create(client, code="m-new")
    assert response.status_code == 201


def test_prune_removes_only_records_past_retention(settings):
    now = clock.now()
    retention = timedelta(hours=settings.AFTERSALES_IDEMPOTENCY_RETENTION_HOURS)
    IdempotencyRecord.objects.create(
        caller="c", key="old", request_hash="h", created_at=now - retention - timedelta(seconds=1)
    )
    IdempotencyRecord.objects.create(
        caller="c", key="edge", request_hash="h", created_at=now - retention + timedelta(seconds=1)
    )
    IdempotencyRecord.objects.create(caller="c", key="new", request_hash="h", created_at=now)

    assert prune_idempotency_records(now=now) == 1
    assert set(IdempotencyRecord.objects.values_list("key", flat=True)) == {"edge", "new"}
    assert prune_idempotency_records(now=now) == 0


@pytest.mark.django_db(transaction=True)
def test_racing_requests_with_one_key_run_the_view_once():
    """Two connections, committed rows: the unique constraint, not luck, decides the race."""
    started, release = threading.Event(), threading.Event()
    calls, answers = [], {}

    def slow_view(request):
        calls.append(request)
        started.set()
        release.wait(10)
        return HttpResponse("created", status=201)

    middleware = IdempotencyMiddleware(slow_view)

    def send(name):
        request = RequestFactory().post(
            "/api/v1/x", b"{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
        )
        request.META["HTTP_AUTHORIZATION"] = "Bearer as_same"
        answers[name] = middleware(request)

    def send_from_thread(name):
        try:
            send(name)
        finally:
            connection.close()  # the thread's own connection

    first = threading.Thread(target=send_from_thread, args=("first",))
    first.start()
    assert started.wait(10)
    send("second")  # on this thread's own connection, while the first is in its view
    release.set()
    first.join(10)

    assert len(calls) == 1
    assert answers["first"].status_code == 201
    assert answers["second"].status_code == 409


def test_an_upload_is_fingerprinted_from_a_copy_on_disk_not_read_into_memory(settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = os.urandom(50_000)

    def upload():
        return RequestFactory().generic(
            "POST",
            "/api/v1/cases/1/evidence",
            body,
            content_type="application/octet-stream",
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )

    seen = {}

    def view(request):
        seen["fingerprint"] = fingerprint(request)
        seen["in_memory"] = hasattr(request, "_body")
        seen["on_disk"] = request.spooled_body.file._rolled
        seen["read"] = request.read()  # what the multipart parser gets
        return HttpResponse(status=201)

    RequestSizeLimitMiddleware(view)(upload())

    assert seen["fingerprint"] == fingerprint(upload())  # the same digest as from memory
    assert not seen["in_memory"] and seen["on_disk"]
    assert seen["read"] == body
