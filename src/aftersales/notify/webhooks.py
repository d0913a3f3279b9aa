"""Signed webhook deliveries (Standard Webhooks): destination safety, the signed request, the
sender that works off due deliveries in a small thread pool, retries with exponential backoff and
jitter over about three days, and disabling an endpoint that keeps failing.

How a delivery is sent at least once, and never blocks the others:
- A due delivery is claimed in a short transaction (SKIP LOCKED on PostgreSQL) by moving its
  `next_attempt_at` past the send's time limit (a lease) and counting the attempt; the request
  is made after that commit, outside any transaction. A worker killed mid-send leaves the lease
  to run out and the next worker sends it again — with the same `webhook-id`.
- Requests run in a pool of AFTERSALES_WEBHOOK_CONCURRENCY threads, each bounded by
  AFTERSALES_WEBHOOK_TIMEOUT_SECONDS overall and AFTERSALES_WEBHOOK_MAX_RESPONSE_BYTES read, so a
  receiver that hangs or answers 5xx holds one thread for at most the timeout; its outcome is
  recorded as soon as it is known. Threads make HTTP requests only; the database is written by
  the sweep's own thread."""

from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import logging
import random
import secrets
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from standardwebhooks.webhooks import Webhook

from aftersales.core import clock
from aftersales.core.errors import InvalidInput
from aftersales.notify.delivery import locked
from aftersales.notify.models import OutboxMessage, WebhookDelivery, WebhookEndpoint
from aftersales.notify.outbox import publish

logger = logging.getLogger("aftersales.notify.webhooks")

# Retries: 30 s, 1 min, 2 min … doubling to 12 h, then every 12 h; 17 attempts span ≈ 3.2 days,
# and never less than 77 h, so an endpoint that fails every attempt outlasts the 72 h disable
# window (and is disabled) before its delivery is given up.
RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=12)
MAX_ATTEMPTS = 17
JITTER = 0.2  # up to this share added to each delay, so retries of one outage do not arrive in
# step; only added, because a shorter schedule could give up before the endpoint is disabled
SNIPPET_CHARS = 500
USER_AGENT = "Aftersales-Webhooks/1"
FLUSH_SECONDS = 0.1  # outcomes are written in batches at most this far apart


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def retry_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """The wait after the `attempts`-th failed attempt (jittered, never shorter than designed)."""
    base = min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_MAX)
    factor = 1 + (rng or random).uniform(0, JITTER)
    return base * factor


# --- destination safety -----------------------------------------------------------------------


def _unsafe_reason(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "" if settings.AFTERSALES_WEBHOOK_ALLOW_LOOPBACK else "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "a reserved address"
    if ip.is_private:
        return "" if settings.AFTERSALES_WEBHOOK_ALLOW_PRIVATE else "a private address"
    return ""


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def check_destination(url: str) -> None:
    """Refuse (422 on `url`) what a webhook must not be sent to."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidInput.on_field("url", "must be an absolute http(s) URL")
    if settings.AFTERSALES_WEBHOOK_REQUIRE_HTTPS and parts.scheme != "https":
        raise InvalidInput.on_field("url", "must use https")
    if parts.username or parts.password:
        raise InvalidInput.on_field("url", "must not carry credentials; the signature does that")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = _addresses(parts.hostname, port)
    except (OSError, ValueError):
        raise InvalidInput.on_field("url", f"host {parts.hostname!r} does not resolve") from None
    for ip in addresses:
        reason = _unsafe_reason(ip)
        if reason:
            raise InvalidInput.on_field("url", f"resolves to {reason} ({ip}), which is refused")


# --- the signed request -----------------------------------------------------------------------


def body_of(message: OutboxMessage) -> bytes:
    """The request body: the same bytes on every attempt of every delivery of the message."""
    envelope = {
        "type": message.topic,
        "version": message.version,
        "timestamp": message.created_at.isoformat(),
        "data": message.payload,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    keys = [endpoint.secret]
    if endpoint.previous_secret and (
        endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > now
    ):
        keys.append(endpoint.previous_secret)
    return keys


def headers_for(message_id: str, body: bytes, keys: list[str], at: datetime) -> dict[str, str]:
    text = body.decode()
    signature = " ".join(
        Webhook(key).sign(msg_id=message_id, timestamp=at, data=text) for key in keys
    )
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


@dataclass(frozen=True)
class Request:
    delivery_id: int
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    status: int | None
    latency_ms: int
    snippet: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(request: Request) -> Outcome:
    """POST one delivery; never raises. No redirects are followed (a 3xx is a failure)."""
    timeout = settings.AFTERSALES_WEBHOOK_TIMEOUT_SECONDS
    cap = settings.AFTERSALES_WEBHOOK_MAX_RESPONSE_BYTES
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    parts = urlsplit(request.url)
    try:
        check_destination(request.url)  # again: what a name resolves to may have changed
    except InvalidInput as exc:
        return Outcome(None, elapsed(), error=f"refused: {exc.errors[0].message}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("POST", path, body=request.body, headers=request.headers)
        response = conn.getresponse()
        chunks, size = [], 0
        while size < cap:
            left = timeout - (time.monotonic() - started)
            if left <= 0:
                break  # a receiver trickling its answer gets no more of our time
            if conn.sock is not None:
                conn.sock.settimeout(left)
            chunk = response.read1(min(65536, cap - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        snippet = b"".join(chunks).decode("utf-8", errors="replace")[:SNIPPET_CHARS]
        return Outcome(response.status, elapsed(), snippet=snippet)
    except (OSError, http.client.HTTPException) as exc:
        kind = "timeout" if isinstance(exc, TimeoutError | socket.timeout) else type(exc).__name__
        return Outcome(None, elapsed(), error=f"{kind}: {exc}"[:500])
    finally:
        conn.close()


# --- the sender -------------------------------------------------------------------------------


@dataclass
class SendResult:
    succeeded: int = 0
    failed: int = 0

    def __bool__(self) -> bool:
        return bool(self.succeeded or self.failed)

    def __str__(self) -> str:
        return f"delivered {self.succeeded}, failed {self.failed}"


def _lease() -> timedelta:
    return timedelta(
        seconds=settings.AFTERSALES_WEBHOOK_TIMEOUT_SECONDS
        + settings.AFTERSALES_WEBHOOK_LEASE_SECONDS
    )


def claim_due(*, batch: int, now: datetime) -> list[Request]:
    """Claim up to `batch` due deliveries (lease and attempt counted) and build their requests."""
    with transaction.atomic(durable=True):
        rows = list(
            locked(
                WebhookDelivery.objects.filter(
                    state=WebhookDelivery.State.PENDING,
                    next_attempt_at__lte=now,
                    endpoint__disabled_at__isnull=True,
                )
                .select_related("endpoint", "message")
                .order_by("next_attempt_at", "id")
            )[:batch]
        )
        lease_until = now + _lease()
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = lease_until
            row.last_attempt_at = now
        WebhookDelivery.objects.bulk_update(
            rows, ["attempts", "next_attempt_at", "last_attempt_at"]
        )
    return [_request(row, now) for row in rows]


def _request(row: WebhookDelivery, now: datetime) -> Request:
    body = body_of(row.message)
    keys = signing_secrets(row.endpoint, now)
    return Request(
        row.pk, row.endpoint.url, body, headers_for(row.message.message_id, body, keys, now)
    )


def send_due(*, rounds: int = 10) -> SendResult:
    """Send what is due, a pool's worth of claims per round, until none is due or `rounds` ran.
    Outcomes are written as they come in, a batch per transaction every FLUSH_SECONDS, so a
    receiver that hangs delays only its own record."""
    result = SendResult()
    size = settings.AFTERSALES_WEBHOOK_CONCURRENCY
    with ThreadPoolExecutor(max_workers=size, thread_name_prefix="webhook") as pool:
        for _ in range(rounds):
            requests = claim_due(batch=size * 4, now=clock.now())
            if not requests:
                break
            pending = {pool.submit(post, r): r for r in requests}
            while pending:
                done, _ = wait(pending, timeout=FLUSH_SECONDS)
                outcomes = [(pending.pop(f).delivery_id, f.result()) for f in done]
                if outcomes:
                    record_many(outcomes, now=clock.now())
                for _, outcome in outcomes:
                    if outcome.ok:
                        result.succeeded += 1
                    else:
                        result.failed += 1
    return result


def record(delivery_id: int, outcome: Outcome, *, now: datetime) -> WebhookDelivery | None:
    return record_many([(delivery_id, outcome)], now=now).get(delivery_id)


@transaction.atomic
def record_many(
    outcomes: list[tuple[int, Outcome]], *, now: datetime
) -> dict[int, WebhookDelivery]:
    """Write attempts' outcomes: delivered, retried later, or given up; the endpoints' streaks."""
    rows = {
        row.pk: row
        for row in WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("endpoint")
        .filter(pk__in=[pk for pk, _ in outcomes])
    }  # a row missing: its endpoint was deleted meanwhile
    healthy: set[int] = set()
    for pk, outcome in outcomes:
        row = rows.get(pk)
        if row is None:
            continue
        row.last_status = outcome.status
        row.last_latency_ms = outcome.latency_ms
        row.last_response = outcome.snippet
        row.last_error = outcome.error or ("" if outcome.ok else f"HTTP {outcome.status}")
        if outcome.ok:
            row.state = WebhookDelivery.State.SUCCEEDED
            row.delivered_at = now
            healthy.add(row.endpoint_id)
        else:
            if row.attempts >= MAX_ATTEMPTS:
                row.state = WebhookDelivery.State.FAILED
            else:
                row.next_attempt_at = now + retry_delay(row.attempts)
            _count_failure(row.endpoint, now)
    WebhookDelivery.objects.bulk_update(
        list(rows.values()),
        [
            "state",
            "delivered_at",
            "next_attempt_at",
            "last_status",
            "last_latency_ms",
            "last_response",
            "last_error",
        ],
    )
    if healthy:
        # A success ends a failing streak (and turns a disabled endpoint back on).
        WebhookEndpoint.objects.filter(pk__in=healthy).exclude(
            consecutive_failures=0, failing_since=None, disabled_at=None
        ).update(consecutive_failures=0, failing_since=None, disabled_at=None, disabled_reason="")
    return rows


def _count_failure(endpoint: WebhookEndpoint, now: datetime) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    cutoff = now - timedelta(hours=settings.AFTERSALES_WEBHOOK_DISABLE_AFTER_HOURS)
    failures = settings.AFTERSALES_WEBHOOK_DISABLE_AFTER_FAILURES
    disabled = WebhookEndpoint.objects.filter(
        pk=endpoint.pk,
        disabled_at__isnull=True,
        consecutive_failures__gte=failures,
        failing_since__lte=cutoff,
    ).update(disabled_at=now, disabled_reason="kept failing")
    if disabled:
        fresh = WebhookEndpoint.objects.get(pk=endpoint.pk)
        logger.warning("webhook endpoint %s disabled after %s failures", fresh.pk, failures)
        publish(
            "webhook.endpoint_disabled",
            {
                "endpoint_id": fresh.pk,
                "url": fresh.url,
                "failures": fresh.consecutive_failures,
                "failing_since": fresh.failing_since.isoformat(),
                "platform": fresh.merchant_id is None,
            },
            merchant_id=fresh.merchant_id,
            subject=f"webhook:{fresh.pk}",
            at=now,
        )


def send_now(delivery: WebhookDelivery) -> WebhookDelivery:
    """A manual retry: one attempt at once, whatever its schedule (also on a disabled endpoint:
    a success turns the endpoint back on)."""
    now = clock.now()
    with transaction.atomic():
        row = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint", "message")
            .get(pk=delivery.pk)
        )
        row.attempts += 1
        row.last_attempt_at = now
        row.state = WebhookDelivery.State.PENDING
        row.next_attempt_at = now + _lease()
        row.save(update_fields=["attempts", "last_attempt_at", "state", "next_attempt_at"])
        request = _request(row, now)
    outcome = post(request)
    return record(row.pk, outcome, now=clock.now()) or row
