"""Reads of complaints and customer timelines, always scoped to the actor: another tenant's
complaint does not exist for you."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from django.db.models import Q, QuerySet

from aftersales.accounts.actors import PLATFORM_INTEGRATION, SYSTEM, Actor
from aftersales.accounts.models import PLATFORM_ROLES, Buyer
from aftersales.complaints.models import Complaint, ComplaintEvent, ComplaintMessage
from aftersales.core.errors import InvalidInput, NotFound, PermissionDenied
from aftersales.core.pagination import DEFAULT_LIMIT

DESK_SIDE = frozenset({*PLATFORM_ROLES, PLATFORM_INTEGRATION, SYSTEM})


def complaints_visible_to(actor: Actor) -> QuerySet[Complaint]:
    """The platform sees every complaint; a merchant those about its orders; a buyer theirs."""
    complaints = Complaint.objects.all()
    if actor.role in DESK_SIDE:
        return complaints
    if actor.is_merchant_side and actor.merchant_id:
        return complaints.filter(merchant_id=actor.merchant_id)
    if actor.is_buyer and actor.buyer_id:
        return complaints.filter(buyer_id=actor.buyer_id)
    return complaints.none()


def complaint_for(actor: Actor, complaint_id: int) -> Complaint:
    try:
        return (
            complaints_visible_to(actor)
            .select_related("merchant", "buyer", "order", "assignee")
            .get(pk=complaint_id)
        )
    except (Complaint.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"No complaint {complaint_id}.") from None


def filtered_complaints(
    actor: Actor,
    *,
    state: str | None = None,
    severity: str | None = None,
    channel: str | None = None,
    customer: str | None = None,
    merchant: str | None = None,
    open: bool | None = None,
) -> QuerySet[Complaint]:
    found = complaints_visible_to(actor).select_related("merchant", "buyer", "order", "assignee")
    if state:
        found = found.filter(state=state)
    if severity:
        found = found.filter(severity=severity)
    if channel:
        found = found.filter(channel=channel)
    if customer:
        found = found.filter(buyer__external_id=customer)
    if merchant:
        found = found.filter(merchant__code=merchant)
    if open is not None:
        found = found.filter(is_open=open)
    return found


def events_of(complaint: Complaint) -> QuerySet[ComplaintEvent]:
    return ComplaintEvent.objects.filter(complaint=complaint)


# --- The customer timeline: messages, cases and complaints, newest first --------------------

KIND_RANK = {"message": 3, "complaint": 2, "case": 1}


def timeline_buyer(actor: Actor, external_id: str) -> Buyer:
    """The desk reads any customer's timeline; a buyer only their own. Merchants see their
    complaints and cases in their own lists, not a customer's history across shops."""
    if actor.is_buyer:
        if (
            not actor.buyer_id
            or not Buyer.objects.filter(pk=actor.buyer_id, external_id=external_id).exists()
        ):
            raise NotFound(f"No customer {external_id!r}.")
    elif actor.role not in DESK_SIDE:
        raise PermissionDenied("Only the service desk reads a customer's timeline.")
    buyer = Buyer.objects.filter(external_id=external_id).first()
    if buyer is None:
        raise NotFound(f"No customer {external_id!r}.")
    return buyer


def _decode(cursor: str) -> tuple[datetime, int, int]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(raw[0]), int(raw[1]), int(raw[2])
    except (binascii.Error, ValueError, TypeError, IndexError, UnicodeDecodeError):
        raise InvalidInput.on_field(
            "cursor", "is not a cursor from this list; pass next_cursor as it was given"
        ) from None


def _encode(at: datetime, rank: int, pk: int) -> str:
    raw = json.dumps([at.isoformat(), rank, pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(field: str, rank: int, cursor) -> Q:
    """Rows after the cursor in (at desc, kind rank desc, id desc) order."""
    if cursor is None:
        return Q()
    at, c_rank, c_pk = cursor
    q = Q(**{f"{field}__lt": at})
    if rank < c_rank:
        q |= Q(**{field: at})
    elif rank == c_rank:
        q |= Q(**{field: at, "pk__lt": c_pk})
    return q


def timeline(
    actor: Actor, buyer: Buyer, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> tuple[list[tuple[str, datetime, object]], str | None]:
    """One page of the buyer's timeline: (kind, at, row), newest first; the next cursor."""
    from aftersales.cases.selectors import cases_visible_to

    after = _decode(cursor) if cursor else None
    sources = (
        (
            "message",
            "at",
            ComplaintMessage.objects.filter(buyer=buyer).exclude(direction="note")
            if actor.is_buyer
            else ComplaintMessage.objects.filter(buyer=buyer),
        ),
        ("complaint", "received_at", complaints_visible_to(actor).filter(buyer=buyer)),
        ("case", "opened_at", cases_visible_to(actor).filter(buyer=buyer).select_related("order")),
    )
    merged = []
    for kind, field, rows in sources:
        rank = KIND_RANK[kind]
        page = rows.filter(_after(field, rank, after)).order_by(f"-{field}", "-pk")[: limit + 1]
        merged += [(getattr(r, field), rank, r.pk, kind, r) for r in page]
    merged.sort(key=lambda item: (item[0], item[1], item[2]), reverse=True)
    items = merged[:limit]
    next_cursor = None
    if len(merged) > limit:
        at, rank, pk, _, _ = items[-1]
        next_cursor = _encode(at, rank, pk)
    return [(kind, at, row) for at, _, _, kind, row in items], next_cursor


# --- The desk queue -------------------------------------------------------------------------


def desk_queue(
    actor: Actor,
    *,
    now: datetime,
    severity: str = "",
    channel: str = "",
    state: str = "",
    overdue: bool = False,
    holder: str = "",
) -> QuerySet[Complaint]:
    """Open complaints the actor may see, soonest SLA due first (those with no running target
    last). `holder`: "mine" (the actor's), "unassigned" (the pool), or everyone's."""
    from django.db.models import F

    found = (
        complaints_visible_to(actor)
        .filter(is_open=True)
        .select_related("merchant", "buyer", "order", "assignee")
    )
    if severity:
        found = found.filter(severity=severity)
    if channel:
        found = found.filter(channel=channel)
    if state:
        found = found.filter(state=state)
    if overdue:
        found = found.filter(sla_due_at__lte=now)
    if holder == "mine":
        found = found.filter(assignee_id=actor.user_id)
    elif holder == "unassigned":
        found = found.filter(assignee__isnull=True)
    return found.order_by(F("sla_due_at").asc(nulls_last=True), "id")
