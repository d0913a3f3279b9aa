"""The demo's webhook endpoint: one demo merchant's events, signed with a fixed, printed secret,
sent to http://127.0.0.1:8765/ where `aftersales webhooks listen` shows them.

Until someone listens, each delivery fails quietly (no ERROR line; retried with backoff) and the
endpoint stays on: disabling needs 72 h of failures (AFTERSALES_WEBHOOK_DISABLE_AFTER_HOURS),
and running the demo again turns it back on."""

from __future__ import annotations

from django.db import transaction

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.notify import delivery, services
from aftersales.notify.models import WebhookEndpoint

DEMO_WEBHOOK_MERCHANT = "m-electronics"
DEMO_WEBHOOK_PORT = 8765
DEMO_WEBHOOK_URL = f"http://127.0.0.1:{DEMO_WEBHOOK_PORT}/"
# Public on purpose (printed by `aftersales demo`): demo data only, refused in production.
DEMO_WEBHOOK_SECRET = "whsec_ZGVtby1hZnRlcnNhbGVzLXdlYmhvb2stc2VjcmV0"  # noqa: S105
LISTEN_COMMAND = (
    f"aftersales webhooks listen --port {DEMO_WEBHOOK_PORT} --secret {DEMO_WEBHOOK_SECRET}"
)


def register_endpoint(merchant_code: str = DEMO_WEBHOOK_MERCHANT) -> str:
    """The demo merchant's endpoint, registered once and turned back on (with the demo secret) on
    every run; answers the lines `aftersales demo` prints about it."""
    # The seeded cases' events are fanned out first: the listener shows live steps, not a
    # backlog of demo history arriving on the retry schedule.
    delivery.drain_outbox()
    with transaction.atomic():
        endpoint = (
            WebhookEndpoint.objects.select_for_update()
            .filter(merchant__code=merchant_code, url=DEMO_WEBHOOK_URL)
            .first()
        )
        if endpoint is None:
            services.register_endpoint(
                actor=SYSTEM_ACTOR,
                url=DEMO_WEBHOOK_URL,
                merchant=merchant_code,
                secret=DEMO_WEBHOOK_SECRET,
            )
        else:
            endpoint.secret, endpoint.previous_secret = DEMO_WEBHOOK_SECRET, ""
            endpoint.previous_secret_expires_at = None
            endpoint.consecutive_failures, endpoint.failing_since = 0, None
            endpoint.disabled_at, endpoint.disabled_reason = None, ""
            endpoint.save()
    return "\n".join(
        [
            f"Demo webhooks: {merchant_code}'s events go to {DEMO_WEBHOOK_URL}",
            f"  secret  {DEMO_WEBHOOK_SECRET}",
            f"  watch   {LISTEN_COMMAND}",
            "",
        ]
    )
