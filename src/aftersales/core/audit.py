"""Append an audit event. Call it inside the service's transaction, so it commits with the
change it describes or not at all."""

from __future__ import annotations

from typing import Any

from django.db import models

from aftersales.core.models import AuditEvent


def record(
    *,
    actor: Any,
    action: str,
    subject: models.Model,
    merchant_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """`actor` is an accounts Actor (core does not import accounts; it reads the attributes)."""
    return AuditEvent.objects.create(
        actor_kind=actor.kind,
        actor_role=str(actor.role),
        actor_label=actor.label,
        actor_user_id=getattr(actor, "user_id", None),
        actor_token_id=getattr(actor, "token_id", None),
        merchant_id=merchant_id,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        action=action,
        payload=payload or {},
    )
