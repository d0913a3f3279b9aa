"""notify's periodic work in `aftersales worker`: fan the outbox out, send webhooks, then the
email and SMS whose time has come. Each commits in its own short transactions."""

from __future__ import annotations

from aftersales.core.worker import register_sweep
from aftersales.notify import delivery, webhooks

register_sweep("notify.drain_outbox", delivery.drain_outbox, every=1, atomic=False)
register_sweep("notify.send_webhooks", webhooks.send_due, every=1, atomic=False)
register_sweep("notify.send_channels", delivery.send_channels, every=5, atomic=False)
