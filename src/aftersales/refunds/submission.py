"""Carrying a granted refund out at the payment provider, never twice.

The send is recorded first, in its own committed transaction (`requested → submitted`), and
only then is the provider called, outside any transaction, with the refund's idempotency key.
A worker that dies mid-call leaves the refund `submitted` with no answer; once
AFTERSALES_REFUND_SUBMIT_TIMEOUT_SECONDS have passed, `resolve_in_flight` asks the provider
what it knows under that key — and adopts the answer — instead of sending again. Only a
provider that says it never saw the key gets the refund sent again (back to `requested`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from aftersales.accounts.actors import Actor
from aftersales.core import clock
from aftersales.core.errors import NotFound, Unauthenticated
from aftersales.refunds import providers
from aftersales.refunds.models import ProviderCall, Refund, RefundState, WebhookReceipt
from aftersales.refunds.providers import ProviderResult, RefundOrder, TransientProviderError
from aftersales.refunds.services import _record, expected_arrival

logger = logging.getLogger("aftersales.refunds")

MAX_ATTEMPTS = 8
PROVIDER_ACTOR = Actor(kind="system", role="system", label="payment provider")
WORKER_ACTOR = Actor(kind="system", role="system", label="refund worker")


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … up to an hour between tries."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 3600))


@dataclass
class SubmitResult:
    submitted: int = 0
    succeeded: int = 0
    failed: int = 0
    pending: int = 0
    retry: int = 0

    def __bool__(self) -> bool:
        return bool(self.submitted)


def submit_due(*, limit: int = 100, now: datetime | None = None) -> SubmitResult:
    """Send up to `limit` granted refunds that are due. Each is claimed and marked `submitted`
    in its own short transaction (SKIP LOCKED on PostgreSQL, so workers share the queue), then
    sent."""
    result = SubmitResult()
    for _ in range(limit):
        at = now or clock.now()
        refund = _claim(at)
        if refund is None:
            break
        result.submitted += 1
        outcome = send(refund)
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def _claim(at: datetime) -> Refund | None:
    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update(skip_locked=True)
            .filter(state=RefundState.REQUESTED, next_attempt_at__lte=at)
            .order_by("next_attempt_at", "id")
            .first()
        )
        if refund is None:
            return None
        refund.attempts += 1
        refund.submitted_at = at
        # Unanswered by then, the resolver asks the provider (a crash mid-call, a timeout).
        refund.next_attempt_at = at + timedelta(
            seconds=settings.AFTERSALES_REFUND_SUBMIT_TIMEOUT_SECONDS
        )
        _record(
            [refund],
            RefundState.SUBMITTED,
            actor=WORKER_ACTOR,
            action="submit",
            payload={"attempt": refund.attempts},
            at=at,
            fields=["attempts", "submitted_at", "next_attempt_at"],
        )
    return refund


def send(refund: Refund) -> str:
    """Call the provider for a refund this process has just marked `submitted`."""
    adapter = providers.provider(refund.provider)
    order = RefundOrder(refund.idempotency_key, refund.amount, refund.currency, refund.method)
    try:
        answer = adapter.refund(order)
    except TransientProviderError as exc:
        _transient(refund, "refund", str(exc))
        return "retry"
    return apply_answer(refund.pk, answer, operation="refund")


def _transient(refund: Refund, operation: str, error: str) -> None:
    """The provider may or may not have the refund: ask it later, with backoff."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        ProviderCall.objects.create(
            refund=refund,
            provider=refund.provider,
            operation=operation,
            outcome="error",
            detail={"error": error[:500]},
        )
        if refund.state != RefundState.SUBMITTED:
            return
        refund.last_error = error[:2000]
        refund.next_attempt_at = clock.now() + backoff(refund.attempts)
        refund.save(update_fields=["last_error", "next_attempt_at"])
    logger.warning(
        "refund %s: provider %s failed (%s); asking again later", refund.pk, operation, error
    )


def apply_answer(refund_id: int, answer: ProviderResult, *, operation: str) -> str:
    """What the provider said about a refund, applied once: a refund already settled is not
    moved again (a late or replayed answer changes nothing)."""
    now = clock.now()
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        ProviderCall.objects.create(
            refund=refund,
            provider=refund.provider,
            operation=operation,
            outcome=answer.status,
            detail={"reference": answer.reference, "reason": answer.reason},
        )
        if refund.state != RefundState.SUBMITTED:
            return "pending" if refund.state == RefundState.REQUESTED else str(refund.state)
        refund.provider_ref = answer.reference or refund.provider_ref
        refund.answered_at = refund.answered_at or now
        fields = ["provider_ref", "answered_at"]
        if answer.status == "succeeded":
            refund.settled_at = now
            refund.expected_at = expected_arrival(refund.method, now)
            refund.last_error = ""
            _record(
                [refund],
                RefundState.SUCCEEDED,
                actor=PROVIDER_ACTOR,
                action=operation,
                payload={"reference": refund.provider_ref},
                at=now,
                fields=[*fields, "settled_at", "expected_at", "last_error"],
            )
            return "succeeded"
        if answer.status == "failed":
            refund.settled_at = now
            refund.last_error = answer.reason[:2000]
            _record(
                [refund],
                RefundState.FAILED,
                actor=PROVIDER_ACTOR,
                action=operation,
                payload={"reason": answer.reason},
                at=now,
                fields=[*fields, "settled_at", "last_error"],
            )
            return "failed"
        if answer.status == "not_found":
            # The provider never saw this key: sending it now is its first send.
            if refund.attempts >= MAX_ATTEMPTS:
                refund.last_error = f"gave up after {refund.attempts} attempts"
                _record(
                    [refund],
                    RefundState.FAILED,
                    actor=WORKER_ACTOR,
                    action="give_up",
                    at=now,
                    fields=[*fields, "last_error"],
                )
                return "failed"
            refund.next_attempt_at = now + backoff(refund.attempts)
            _record(
                [refund],
                RefundState.REQUESTED,
                actor=WORKER_ACTOR,
                action="resend",
                payload={"provider": "not_found"},
                at=now,
                fields=[*fields, "next_attempt_at"],
            )
            return "retry"
        # pending: the provider holds it; its webhook or a later query settles it.
        refund.next_attempt_at = now + backoff(refund.attempts)
        refund.save(update_fields=[*fields, "next_attempt_at"])
        return "pending"


def resolve_in_flight(*, limit: int = 100, now: datetime | None = None) -> int:
    """Ask the provider about refunds sent and not settled past their time (a worker killed
    mid-call, a timeout, a pending answer): adopt what it says; never send again blindly."""
    at = now or clock.now()
    unanswered_since = at - timedelta(seconds=settings.AFTERSALES_REFUND_SUBMIT_TIMEOUT_SECONDS)
    ids = list(
        Refund.objects.filter(state=RefundState.SUBMITTED)
        .filter(
            Q(next_attempt_at__lte=at)
            | Q(answered_at__isnull=True, submitted_at__lte=unanswered_since)
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        refund = Refund.objects.get(pk=pk)
        try:
            answer = providers.provider(refund.provider).query(refund.idempotency_key)
        except TransientProviderError as exc:
            _transient(refund, "query", str(exc))
            continue
        apply_answer(pk, answer, operation="query")
    return len(ids)


def receive_webhook(provider_name: str, body: bytes, headers: dict[str, str]) -> dict:
    """A provider's signed result notification. A bad signature is 401; a replay (same
    notification id) is answered as the first was and changes nothing."""
    try:
        adapter = providers.provider(provider_name)
    except LookupError:
        raise NotFound(f"No payment provider {provider_name!r}.") from None
    try:
        note = adapter.parse_webhook(body, headers)
    except (providers.InvalidSignature, ValueError) as exc:
        raise Unauthenticated(f"The notification's signature does not verify: {exc}") from None
    refund = Refund.objects.filter(
        provider=provider_name, idempotency_key=note.idempotency_key
    ).first()
    if refund is None:
        raise NotFound("No refund under that idempotency key.")
    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(
                provider=provider_name, notification_id=note.id, refund=refund
            )
    except IntegrityError:
        refund.refresh_from_db()
        return {"refund": refund.pk, "state": refund.state, "replayed": True}
    apply_answer(
        refund.pk,
        ProviderResult(note.status, reference=note.reference, reason=note.reason),
        operation="webhook",
    )
    refund.refresh_from_db()
    return {"refund": refund.pk, "state": refund.state, "replayed": False}


@dataclass(frozen=True)
class Mismatch:
    refund_id: int
    idempotency_key: str
    ledger: str
    provider: str
    detail: str = ""


def reconcile(*, limit: int | None = None) -> list[Mismatch]:
    """Every refund the ledger has sent (or settled) against what the provider says."""
    out = []
    refunds = Refund.objects.exclude(
        state__in=[RefundState.AWAITING_APPROVAL, RefundState.REQUESTED]
    ).order_by("id")
    if limit:
        refunds = refunds[:limit]
    for refund in refunds.iterator():
        answer = providers.provider(refund.provider).query(refund.idempotency_key)
        ledger = str(refund.state)
        agree = {
            "submitted": {"pending"},
            "succeeded": {"succeeded"},
            "failed": {"failed", "not_found"},
        }[ledger]
        if answer.status not in agree:
            out.append(Mismatch(refund.pk, refund.idempotency_key, ledger, answer.status))
        elif answer.reference and refund.provider_ref and answer.reference != refund.provider_ref:
            out.append(
                Mismatch(
                    refund.pk,
                    refund.idempotency_key,
                    ledger,
                    answer.status,
                    f"reference {refund.provider_ref} vs {answer.reference}",
                )
            )
    return out
