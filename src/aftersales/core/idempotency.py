"""Idempotency-Key on every POST to /api: a retried request gets the first response back and
never causes a second effect (CONTRACT: same key + same body → first response; else 409)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from aftersales.core import clock
from aftersales.core.errors import FieldError
from aftersales.core.middleware import UPLOAD_CHUNK, is_api
from aftersales.core.models import IdempotencyRecord
from aftersales.core.pii import decrypt_bytes, encrypt_bytes
from aftersales.core.problems import problem_response

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Answers about the caller's credentials, not the request: nothing ran, and a retry with fixed
# credentials (or after the rate window) must run. Kept, a CSRF failure would replay forever.
NOT_KEPT = frozenset({401, 403, 429})
PRUNE_BATCH = 1000
# A pending record this old belongs to a process that died mid-request (no request runs this
# long: the server's worker timeout is far shorter); its key is free again.
ABANDONED_AFTER = timedelta(minutes=5)


class IdempotencyMiddleware:
    """Sits after authentication (it needs request.user) and outside the views, so the record
    is claimed before the view's own transaction and completed after it has committed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not is_api(request):
            return self.get_response(request)
        caller = caller_of(request)
        if caller is None:  # anonymous: the view answers 401, there is nothing to replay
            return self.get_response(request)
        if not key or len(key) > MAX_KEY_LENGTH:
            return problem_response(
                400,
                slug="invalid-idempotency-key",
                title="Invalid Idempotency-Key",
                detail=f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.",
                errors=[FieldError(HEADER, f"must be 1 to {MAX_KEY_LENGTH} characters")],
            )
        record, answer = _claim(caller, key, fingerprint(request))
        if answer is not None:
            return answer
        try:
            response = self.get_response(request)
        except BaseException:
            _release(record)  # not handled by the usual converter: let the client retry
            raise
        _complete(record, response)
        return response


def caller_of(request: HttpRequest) -> str | None:
    """Keys are per caller: the same key from two tokens names two different requests."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        # A hash, so the table never holds a usable credential.
        return "token:" + hashlib.sha256(token.strip().encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode()):
        digest.update(len(part).to_bytes(8, "big"))  # length-prefixed: no ambiguous joins
        digest.update(part)
    spooled = getattr(request, "spooled_body", None)  # an upload (RequestSizeLimitMiddleware)
    if spooled is None:
        digest.update(len(request.body).to_bytes(8, "big"))
        digest.update(request.body)
    else:  # the same digest, read in chunks, and the copy left at its start for the parser
        digest.update(spooled.size.to_bytes(8, "big"))
        while chunk := spooled.file.read(UPLOAD_CHUNK):
            digest.update(chunk)
        spooled.file.seek(0)
    return digest.hexdigest()


def _claim(
    caller: str, key: str, request_hash: str
) -> tuple[IdempotencyRecord | None, HttpResponse | None]:
    """Insert the pending record in its own short transaction: the unique (caller, key)
    constraint decides which of two racing requests runs. The loser answers from the winner's
    record. A few rounds cover a winner that released its record (5xx) or had expired."""
    for _ in range(3):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    caller=caller, key=key, request_hash=request_hash
                )
            return record, None
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
        if existing is None:
            continue
        if existing.created_at < retention_cutoff() or _abandoned(existing):
            # Past retention the key is free again, pruned or not.
            IdempotencyRecord.objects.filter(
                pk=existing.pk, created_at=existing.created_at
            ).delete()
            continue
        return None, _answer(existing, request_hash)
    return None, _in_flight()


def _abandoned(record: IdempotencyRecord) -> bool:
    return record.status_code is None and record.created_at < clock.now() - ABANDONED_AFTER


def _answer(existing: IdempotencyRecord, request_hash: str) -> HttpResponse:
    if existing.request_hash != request_hash:
        return problem_response(
            409,
            slug="idempotency-key-reused",
            title="Idempotency-Key reused",
            detail="This Idempotency-Key was already used with a different request; "
            "use a new key for a new request.",
        )
    if existing.status_code is None:
        return _in_flight()
    response = HttpResponse(
        decrypt_bytes(bytes(existing.body)),
        status=existing.status_code,
        content_type=existing.content_type or None,
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _in_flight() -> HttpResponse:
    response = problem_response(
        409,
        slug="idempotency-key-in-flight",
        title="Request in progress",
        detail="A request with this Idempotency-Key is still being processed; retry shortly.",
    )
    response["Retry-After"] = "1"
    return response


def _complete(record: IdempotencyRecord, response: HttpResponse) -> None:
    status = response.status_code
    if status >= 500 or status in NOT_KEPT or response.streaming:
        # A failure (or a stream we cannot keep): free the key so the client may retry.
        _release(record)
        return
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=status,
        content_type=response.get("Content-Type", ""),
        # Encrypted: responses echo personal data (buyers' names and phones).
        body=encrypt_bytes(response.content),
        completed_at=clock.now(),
    )


def _release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).delete()


def retention_cutoff(now: datetime | None = None) -> datetime:
    hours = settings.AFTERSALES_IDEMPOTENCY_RETENTION_HOURS
    return (now or clock.now()) - timedelta(hours=hours)


def prune_idempotency_records(now: datetime | None = None) -> int:
    """Delete records past retention, in batches so no statement holds a long lock; returns
    how many were deleted. Run periodically by the worker (core.tasks)."""
    cutoff = retention_cutoff(now)
    total = 0
    while True:
        batch = list(
            IdempotencyRecord.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
                :PRUNE_BATCH
            ]
        )
        if not batch:
            return total
        deleted, _ = IdempotencyRecord.objects.filter(pk__in=batch).delete()
        total += deleted
