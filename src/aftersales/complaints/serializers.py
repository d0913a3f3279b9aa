"""Complaints, messages, events and timeline items as the API shows them."""

from __future__ import annotations

from aftersales.accounts.actors import Actor
from aftersales.complaints import services
from aftersales.complaints.models import Complaint, ComplaintEvent, ComplaintMessage


def complaint_summary(c: Complaint) -> dict:
    return {
        "id": c.pk,
        "state": c.state,
        "severity": c.severity,
        "level": c.level,
        "customer": c.buyer.external_id,
        "merchant": c.merchant.code if c.merchant_id else None,
        "order": c.order.external_id if c.order_id else None,
        "channel": c.channel,
        "received_at": c.received_at,
        "assignee": c.assignee.username if c.assignee_id else None,
        "sla": services.sla_status(c),
    }


def complaint_out(c: Complaint, actor: Actor) -> dict:
    return {
        **complaint_summary(c),
        "signals": c.signals,
        "emotion": c.emotion,
        "description": c.description,
        "solution": c.solution,
        "responsibility": c.responsibility,
        "reason_codes": c.reason_codes,
        "rating": c.rating,
        "rating_comment": c.rating_comment,
        "cases": list(c.cases.values_list("case_id", flat=True)),
        "next_actions": services.allowed_actions(c, actor),
    }


def message_out(m: ComplaintMessage) -> dict:
    return {
        "id": m.pk,
        "channel": m.channel,
        "direction": m.direction,
        "text": m.text,
        "author": m.author_label,
        "at": m.at,
    }


def event_out(e: ComplaintEvent) -> dict:
    return {
        "seq": e.seq,
        "at": e.at,
        "actor": e.actor_label,
        "role": e.actor_role,
        "action": e.action,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "note": e.note,
        "rule": e.rule,
        "payload": e.payload,
    }


def timeline_item(kind: str, at, row) -> dict:
    if kind == "message":
        return {
            "kind": kind,
            "id": row.pk,
            "at": at,
            "summary": row.text[:200],
            "direction": row.direction,
            "channel": row.channel,
            "complaint_id": row.complaint_id,
        }
    if kind == "complaint":
        return {
            "kind": kind,
            "id": row.pk,
            "at": at,
            "summary": row.description[:200],
            "state": row.state,
            "channel": row.channel,
        }
    return {
        "kind": kind,
        "id": row.pk,
        "at": at,
        "summary": f"{row.type} ({row.reason})",
        "state": row.state,
    }
