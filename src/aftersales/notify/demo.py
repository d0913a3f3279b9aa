"""The demo's webhook endpoint: one demo merchant's events, signed with a fixed, printed secret,
sent to http://127.0.0.1:8765/ where `aftersales webhooks listen` shows them."""

from __future__ import annotations

DEMO_WEBHOOK_PORT = 8765
DEMO_WEBHOOK_URL = f"http://127.0.0.1:{DEMO_WEBHOOK_PORT}/"
# Public on purpose (printed by `aftersales demo`): demo data only, refused in production.
DEMO_WEBHOOK_SECRET = "whsec_ZGVtby1hZnRlcnNhbGVzLXdlYmhvb2stc2VjcmV0"  # noqa: S105
