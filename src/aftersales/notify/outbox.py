"""The public write API of notify: every context announces what others must hear about here,
inside the transaction of the change, so the message commits with it or not at all.

    publish("refund.succeeded", {...}, merchant_id=case.merchant_id, subject=f"case:{case.pk}")
    publish_many([Message(...), ...])      # one INSERT for a whole batch

The worker fans each row out after commit (inbox, email, SMS, webhooks), at least once; its
`message_id` is stable and is the `webhook-id` every delivery and retry of it carries."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aftersales.core import bulksql, clock
from aftersales.notify.catalogue import topic as topic_named
from aftersales.notify.models import OutboxMessage


@dataclass(frozen=True)
class Message:
    topic: str
    payload: dict[str, Any]
    merchant_id: int | None
    subject: str = ""
    buyer_id: int | None = None
    at: datetime | None = None
    message_id: str = field(default="")


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def _row(message: Message) -> OutboxMessage:
    t = topic_named(message.topic)  # an unknown topic is a programming error: ValueError
    return OutboxMessage(
        message_id=message.message_id or new_message_id(),
        topic=t.name,
        version=t.version,
        payload=message.payload,
        merchant_id=message.merchant_id,
        subject=message.subject,
        buyer_id=message.buyer_id,
        created_at=message.at or clock.now(),
    )


def publish(
    topic: str,
    payload: dict[str, Any],
    *,
    merchant_id: int | None,
    subject: str = "",
    buyer_id: int | None = None,
    at: datetime | None = None,
) -> OutboxMessage:
    """Write one outbox row in the caller's transaction. `merchant_id`: whose webhooks hear it
    (None: platform endpoints only). `subject`: what it is about (`case:42`); `buyer_id`: the
    buyer told in their inbox (never on the wire)."""
    row = _row(Message(topic, payload, merchant_id, subject, buyer_id, at))
    row.save(force_insert=True)
    return row


def publish_many(messages: Iterable[Message]) -> int:
    """Many rows in one INSERT (the batch deadline worker's hundreds of events at once), written
    as plain values (no model instance per message). Returns how many were written."""
    return bulksql.insert_values(OutboxMessage, rows_of(messages))


def rows_of(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """The outbox rows of `messages` as plain {attname: value} dicts, for a caller that writes
    them within a statement of its own (opening a case: in its one INSERT)."""
    rows = []
    for m in messages:
        t = topic_named(m.topic)  # an unknown topic is a programming error: ValueError
        rows.append(
            {
                "message_id": m.message_id or new_message_id(),
                "topic": t.name,
                "version": t.version,
                "payload": m.payload,
                "merchant_id": m.merchant_id,
                "subject": m.subject,
                "buyer_id": m.buyer_id,
                "created_at": m.at or clock.now(),
            }
        )
    return rows
