"""Payment-provider adapters: the interface every provider implements (refund, query, verify a
result webhook) and the fake provider for the demo and the tests."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction

from aftersales.core import clock


class TransientProviderError(Exception):
    """The provider could not be reached or answered 5xx: try again later (with backoff)."""


@dataclass(frozen=True)
class ProviderResult:
    """What the provider says about one refund (by our idempotency key)."""

    status: str  # succeeded, failed, pending, not_found
    reference: str = ""
    reason: str = ""


@dataclass(frozen=True)
class RefundOrder:
    idempotency_key: str
    amount: Decimal
    currency: str
    method: str


@dataclass(frozen=True)
class Notification:
    """A verified result webhook."""

    id: str
    idempotency_key: str
    status: str
    reference: str
    reason: str = ""


class PaymentProvider(Protocol):
    name: str

    def refund(self, order: RefundOrder) -> ProviderResult:
        """Ask for the refund; the provider deduplicates by `order.idempotency_key`."""

    def query(self, idempotency_key: str) -> ProviderResult:
        """What the provider knows of the refund sent under this key (`not_found` if nothing)."""

    def parse_webhook(self, body: bytes, headers: dict[str, str]) -> Notification:
        """Verify the signature and parse; raises InvalidSignature."""


class InvalidSignature(Exception):
    pass


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class FakeProvider:
    """A provider that keeps its books in two tables of this database, committed as calls
    arrive (so a test in another process can count them). `delay` seconds pass between taking
    the refund and answering (a crash then leaves a refund the provider holds and we do not
    know about); `failure_rate` of refunds fail for good, `transient_rate` of calls fail before
    anything is recorded. `outcomes`, for tests: a script of "ok", "fail", "transient"."""

    name = "fake"

    def __init__(
        self,
        *,
        delay: float | None = None,
        failure_rate: float | None = None,
        transient_rate: float | None = None,
        outcomes: list[str] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.delay = settings.AFTERSALES_FAKE_PROVIDER_DELAY if delay is None else delay
        self.failure_rate = (
            settings.AFTERSALES_FAKE_PROVIDER_FAILURE_RATE if failure_rate is None else failure_rate
        )
        self.transient_rate = (
            settings.AFTERSALES_FAKE_PROVIDER_TRANSIENT_RATE
            if transient_rate is None
            else transient_rate
        )
        self.outcomes = outcomes
        self.rng = rng or random.Random()  # noqa: S311 - a simulation, not a secret

    def _next(self) -> str:
        if self.outcomes is not None:
            return self.outcomes.pop(0) if self.outcomes else "ok"
        roll = self.rng.random()
        if roll < self.transient_rate:
            return "transient"
        return "fail" if roll < self.transient_rate + self.failure_rate else "ok"

    def _log(self, operation: str, key: str, outcome: str) -> None:
        from aftersales.refunds.models import FakeProviderCall

        FakeProviderCall.objects.create(operation=operation, idempotency_key=key, outcome=outcome)

    def refund(self, order: RefundOrder) -> ProviderResult:
        from aftersales.refunds.models import FakeProviderRefund

        outcome = self._next()
        self._log("refund", order.idempotency_key, outcome)
        if outcome == "transient":
            raise TransientProviderError("fake provider: 503 Service Unavailable")
        known = FakeProviderRefund.objects.filter(idempotency_key=order.idempotency_key).first()
        if known is None:
            try:
                with transaction.atomic():
                    known = FakeProviderRefund.objects.create(
                        idempotency_key=order.idempotency_key,
                        reference=f"FAKE-{order.idempotency_key[:24]}",
                        amount=order.amount,
                        currency=order.currency,
                        method=order.method,
                        state="failed" if outcome == "fail" else "succeeded",
                    )
            except IntegrityError:  # the same key twice at once: the first one's books hold
                known = FakeProviderRefund.objects.get(idempotency_key=order.idempotency_key)
        if self.delay:
            time.sleep(self.delay)  # taken, not yet answered
        return self._result(known)

    def query(self, idempotency_key: str) -> ProviderResult:
        from aftersales.refunds.models import FakeProviderRefund

        known = FakeProviderRefund.objects.filter(idempotency_key=idempotency_key).first()
        self._log("query", idempotency_key, known.state if known else "not_found")
        return self._result(known) if known else ProviderResult("not_found")

    @staticmethod
    def _result(known) -> ProviderResult:
        return ProviderResult(
            known.state,
            reference=known.reference,
            reason="card issuer declined" if known.state == "failed" else "",
        )

    def parse_webhook(self, body: bytes, headers: dict[str, str]) -> Notification:
        secret = webhook_secret(self.name)
        given = headers.get("x-provider-signature", "")
        if not secret or not hmac.compare_digest(sign(secret, body), given):
            raise InvalidSignature("signature does not match")
        data = json.loads(body)
        try:
            return Notification(
                id=str(data["id"]),
                idempotency_key=str(data["idempotency_key"]),
                status=str(data["status"]),
                reference=str(data.get("reference", "")),
                reason=str(data.get("reason", "")),
            )
        except KeyError as exc:
            raise InvalidSignature(f"missing {exc}") from None

    def notification(self, key: str, status: str, *, reference: str = "", id: str = "") -> bytes:
        """A result webhook as this provider would send it (demo and tests)."""
        body = {
            "id": id or f"n-{key}-{status}",
            "idempotency_key": key,
            "status": status,
            "reference": reference,
            "at": clock.now().isoformat(),
        }
        return json.dumps(body).encode()


def webhook_secret(provider: str) -> str:
    return settings.AFTERSALES_REFUND_PROVIDER_SECRETS.get(provider, "")


_override: dict[str, PaymentProvider] = {}


def provider(name: str) -> PaymentProvider:
    """The adapter by name. Tests install a scripted one with `use(...)`."""
    if name in _override:
        return _override[name]
    if name == "fake":
        return FakeProvider()
    raise LookupError(f"no payment provider {name!r}")


def use(adapter: PaymentProvider | None, name: str = "fake") -> None:
    if adapter is None:
        _override.pop(name, None)
    else:
        _override[name] = adapter
