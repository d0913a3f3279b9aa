"""Every state change of a complaint. Intake matches the contact to a customer and joins the
open complaint of its order (or opens one); messages move the SLA clocks; one executor (`act`)
applies a declared transition of flows.py — who may take it, what it requires, the guard,
its effect, the event, the SLA rows — in one transaction with the complaint row locked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum

from aftersales.accounts.actors import PLATFORM_INTEGRATION, SYSTEM_ACTOR, Actor
from aftersales.accounts.models import Buyer, Role
from aftersales.complaints import severity as grading
from aftersales.complaints import sla
from aftersales.complaints.flows import (
    ACTIONS,
    AUTO,
    LEVEL_ORDER,
    MANAGER,
    RANK,
    SPECIALIST,
    TERMINAL,
    T,
    candidates,
    party_of,
    transitions_from,
)
from aftersales.complaints.models import (
    CHANNELS,
    SEVERITIES,
    ApprovalRequest,
    Complaint,
    ComplaintEvent,
    ComplaintMessage,
    ContactIdentity,
    LinkedCase,
    SlaDeadline,
)
from aftersales.core import audit, clock
from aftersales.core.calendar import business_calendar
from aftersales.core.errors import Conflict, InvalidInput, NotAllowed, PermissionDenied
from aftersales.core.money import CENT
from aftersales.core.pii import lookup_hash
from aftersales.notify.outbox import publish

INTAKE_ROLES = frozenset(
    {PLATFORM_INTEGRATION, Role.AGENT, Role.SPECIALIST, Role.MANAGER, Role.ADMIN, Role.BUYER}
)
CASE_SOLUTIONS = frozenset({"refund_only", "return_refund", "exchange", "repair", "reissue"})
SOLUTION_KINDS = frozenset({"compensation", "apology", *CASE_SOLUTIONS})
COMPENSATION_FORMS = frozenset({"money", "coupon"})


# --- The customer ---------------------------------------------------------------------------


def match_customer(*, customer: str, phone: str = "", email: str = "") -> Buyer:
    """The buyer a contact belongs to: by buyer id, else by phone hash, else by email; a
    stranger gets a new buyer under the id they came with — their own, new timeline."""
    from aftersales.accounts.services import upsert_buyer

    buyer = Buyer.objects.filter(external_id=customer).first()
    if buyer is None and phone:
        hashed = lookup_hash(phone, kind="phone")
        buyer = Buyer.objects.filter(phone_hash=hashed).order_by("pk").first()
    if buyer is None and email:
        known = ContactIdentity.objects.filter(kind="email", value=email.strip().lower()).first()
        buyer = known.buyer if known else None
    if buyer is None:
        buyer = upsert_buyer(external_id=customer, phone=phone)
    if email:
        ContactIdentity.objects.get_or_create(
            kind="email", value=email.strip().lower(), defaults={"buyer": buyer}
        )
    return buyer


# --- Intake ---------------------------------------------------------------------------------


@transaction.atomic
def receive(
    *,
    actor: Actor,
    customer: str,
    channel: str,
    text: str,
    order: str | None = None,
    merchant: str | None = None,
    received_at: datetime | None = None,
    phone: str = "",
    email: str = "",
) -> tuple[Complaint, bool]:
    """A contact from any channel. About an order with an open complaint: it joins that one
    (False); otherwise a new complaint, graded and on the clock (True)."""
    from aftersales.orders.selectors import order_for

    if actor.role not in INTAKE_ROLES:
        raise PermissionDenied(f"{actor.role} may not file complaints.")
    if channel not in CHANNELS:
        raise InvalidInput.on_field("channel", f"one of {', '.join(CHANNELS)}")
    if not text.strip():
        raise InvalidInput.on_field("text", "say what the complaint is about")
    if received_at is not None:
        if actor.role != PLATFORM_INTEGRATION:
            raise PermissionDenied.on_field(
                "received_at", "only channel connectors (platform tokens) may set it"
            )
        clock.require_aware(received_at, "received_at")
    at = received_at or clock.now()
    order_row = order_for(actor, order, merchant, prefetch=()) if order else None
    if actor.is_buyer:
        own = Buyer.objects.filter(pk=actor.buyer_id).first()
        if own is None or own.external_id != customer:
            raise PermissionDenied.on_field("customer", "a buyer files complaints as themselves")
    if order_row is not None:
        buyer = order_row.buyer
        if customer != buyer.external_id and Buyer.objects.filter(external_id=customer).exists():
            raise InvalidInput.on_field("customer", "the order belongs to another customer")
        joined = _open_on(order_row)
        if joined is not None:
            add_message(actor=actor, complaint=joined, text=text, channel=channel, at=at)
            return _reload(joined), False
    else:
        buyer = match_customer(customer=customer, phone=phone, email=email)
    complaint = Complaint(
        merchant_id=order_row.merchant_id if order_row else None,
        buyer=buyer,
        order=order_row,
        channel=channel,
        description=text,
        received_at=at,
        updated_at=at,
    )
    try:
        with transaction.atomic():
            complaint.save(force_insert=True)
    except IntegrityError:
        # Another contact on the same order opened one a moment ago: join it.
        joined = _open_on(order_row)
        add_message(actor=actor, complaint=joined, text=text, channel=channel, at=at)
        return _reload(joined), False
    ComplaintMessage.objects.create(
        complaint=complaint,
        merchant_id=complaint.merchant_id,
        buyer=buyer,
        channel=channel,
        direction="inbound",
        text=text,
        author_label=actor.label,
        at=at,
    )
    _event(complaint, actor, "receive", "", "received", at=at, payload={"channel": channel})
    _grade(complaint, actor, at=at, first=True)
    _reschedule(complaint, at=at)
    _save(complaint)
    return complaint, True


def _open_on(order_row) -> Complaint | None:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .filter(order=order_row, is_open=True)
        .first()
    )


def _reload(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_related("merchant", "buyer", "order").get(pk=complaint.pk)


# --- Messages -------------------------------------------------------------------------------


def add_message(
    *,
    actor: Actor,
    complaint: Complaint,
    text: str,
    channel: str | None = None,
    internal: bool = False,
    at: datetime | None = None,
) -> ComplaintMessage:
    """The customer's message (inbound: from them or a connector) or the desk's (outbound
    reply, or an internal note). Moves the clocks as docs/sla.md says."""
    if not text.strip():
        raise InvalidInput.on_field("text", "must not be empty")
    if channel is not None and channel not in CHANNELS:
        raise InvalidInput.on_field("channel", f"one of {', '.join(CHANNELS)}")
    party = party_of(actor)
    inbound = actor.is_buyer or actor.role == PLATFORM_INTEGRATION
    if party is None and not inbound:
        raise PermissionDenied(f"{actor.role} may not write in a complaint.")
    if internal and inbound:
        raise PermissionDenied.on_field("internal", "only the desk writes internal notes")
    at = at or clock.now()
    with transaction.atomic():
        complaint = _lock(complaint)
        direction = "inbound" if inbound else ("note" if internal else "outbound")
        message = ComplaintMessage.objects.create(
            complaint=complaint,
            merchant_id=complaint.merchant_id,
            buyer_id=complaint.buyer_id,
            channel=channel or complaint.channel,
            direction=direction,
            text=text,
            author_label=actor.label,
            at=at,
        )
        if complaint.is_open and direction == "inbound":
            _customer_spoke(complaint, actor, at=at)
        elif complaint.is_open and direction == "outbound":
            _desk_responded(complaint, actor, at=at)
        complaint.updated_at = at
        _reschedule(complaint, at=at)
        _save(complaint)
    return message


def _customer_spoke(complaint: Complaint, actor: Actor, *, at: datetime) -> None:
    if complaint.paused_since is not None:
        _resume(complaint, actor, at=at, why="customer_replied")
    if complaint.first_responded_at is not None and complaint.awaiting_reply_since is None:
        complaint.awaiting_reply_since = at  # the next-response clock starts
    _grade(complaint, actor, at=at)


def _desk_responded(complaint: Complaint, actor: Actor, *, at: datetime) -> None:
    if complaint.first_responded_at is None:
        complaint.first_responded_at = at
        late = complaint.first_response_due_at is not None and at > complaint.first_response_due_at
        _event(
            complaint,
            actor,
            "first_response",
            complaint.state,
            complaint.state,
            at=at,
            payload={"late": late},
        )
    elif complaint.awaiting_reply_since is not None:
        late = complaint.next_response_due_at is not None and at > complaint.next_response_due_at
        _event(
            complaint,
            actor,
            "next_response",
            complaint.state,
            complaint.state,
            at=at,
            payload={"late": late},
        )
    complaint.awaiting_reply_since = None


def _resume(complaint: Complaint, actor: Actor, *, at: datetime, why: str) -> None:
    stood = sla.business_seconds(complaint.paused_since, at)
    complaint.paused_seconds += max(stood, 0)
    complaint.paused_since = None
    _event(
        complaint,
        actor,
        "resume_sla",
        complaint.state,
        complaint.state,
        at=at,
        payload={"why": why, "paused_business_seconds": stood},
    )


# --- Severity -------------------------------------------------------------------------------


def _grade(complaint: Complaint, actor: Actor, *, at: datetime, first: bool = False) -> None:
    """Grade everything the customer said; automatic grading only ever raises the severity,
    and leaves alone a severity an agent set."""
    since = at - timedelta(days=settings.AFTERSALES_COMPLAINT_REPEAT_WINDOW_DAYS)
    contacts = ComplaintMessage.objects.filter(
        buyer_id=complaint.buyer_id, direction="inbound", at__gte=since, at__lte=at
    ).count()
    texts = ComplaintMessage.objects.filter(complaint=complaint, direction="inbound").values_list(
        "text", flat=True
    )
    total = None
    if complaint.order_id:
        total = complaint.order.payments.aggregate(s=Sum("amount"))["s"]
    level, signals, emotion = grading.assess("\n".join(texts), contacts=contacts, order_total=total)
    complaint.signals, complaint.emotion = signals, emotion
    if complaint.severity_set_by_agent:
        return
    if first or grading.RANK[level] > grading.RANK[complaint.severity]:
        before = complaint.severity
        complaint.severity = level
        if not first:
            _event(
                complaint,
                actor,
                "severity_raised",
                complaint.state,
                complaint.state,
                at=at,
                payload={"from": before, "to": level, "signals": signals},
            )
        if (level == "crisis" and before != "crisis") or (first and level == "crisis"):
            _page_managers(complaint, at=at)


def _page_managers(complaint: Complaint, *, at: datetime) -> None:
    """危机: the managers on duty hear of it at once (an urgent inbox and email message)."""
    publish(
        "complaint.crisis",
        {
            "complaint_id": complaint.pk,
            "severity": complaint.severity,
            "signals": [s["signal"] for s in complaint.signals],
            "channel": complaint.channel,
            "at": at.isoformat(),
        },
        merchant_id=complaint.merchant_id,
        subject=f"complaint:{complaint.pk}",
        at=at,
    )


# --- The executor ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionBody:
    note: str = ""
    reason: str = ""
    severity: str = ""
    solution: dict | None = None
    responsibility: str = ""
    reason_codes: tuple[str, ...] = ()
    rating: int | None = None
    comment: str = ""
    # Investigation (complaints/investigation.py).
    department: str = ""
    question: str = ""
    due_hours: float | None = None
    skus: tuple[str, ...] = ()

    def has(self, name: str) -> bool:
        value = getattr(self, name)
        return value not in (None, "", (), {})


def _authority(party: str | None) -> Decimal:
    limits = settings.AFTERSALES_COMPENSATION_AUTHORITY
    return Decimal(limits[party]) if party in limits else Decimal(0)


def _amount(solution: dict | None) -> Decimal:
    if not solution or solution.get("kind") != "compensation":
        return Decimal(0)
    return Decimal(solution["amount"])


def required_role(amount: Decimal) -> str:
    """The lowest desk level whose authority covers the amount."""
    for level in LEVEL_ORDER:
        if amount <= _authority(level):
            return level
    return Role.ADMIN


def _pending_approval(complaint: Complaint) -> ApprovalRequest | None:
    return complaint.approvals.filter(state="pending").order_by("-pk").first()


def _reopen_deadline(complaint: Complaint):
    days = settings.AFTERSALES_COMPLAINT_REOPEN_WORKING_DAYS
    return business_calendar().add_working_days(complaint.resolved_at, days)


def reopen_deadline(complaint: Complaint):
    """The last day the complaint may be reopened; None when it is not resolved."""
    return _reopen_deadline(complaint) if complaint.resolved_at is not None else None


GUARDS: dict[str, Callable[[Complaint, str | None, datetime], bool]] = {
    "within_authority": lambda c, p, at: _amount(c.solution) <= _authority(p),
    "above_authority": lambda c, p, at: _amount(c.solution) > _authority(p),
    "may_grant": lambda c, p, at: (
        (pending := _pending_approval(c)) is not None and pending.amount <= _authority(p)
    ),
    "reopenable": lambda c, p, at: (
        c.resolved_at is not None and clock.localtime(at).date() <= _reopen_deadline(c)
    ),
    # One finding per investigation round: frozen once made (a reopen or dispute starts a new
    # round).
    "not_yet_found": lambda c, p, at: c.responsibility_found_at is None,
}


def _may(complaint: Complaint, t: T, party: str | None, at: datetime) -> bool:
    if party is None or party not in t.by:
        return False
    return not t.when or GUARDS[t.when](complaint, party, at)


def allowed_actions(complaint: Complaint, actor: Actor, *, at: datetime | None = None) -> list[str]:
    party, at = party_of(actor), at or clock.now()
    return sorted(
        {t.action for t in transitions_from(complaint.state) if _may(complaint, t, party, at)}
    )


def require_known_action(action: str) -> None:
    if action not in ACTIONS:
        raise InvalidInput.on_field(
            "action", f"unknown action {action!r}; one of {sorted(ACTIONS)}"
        )


def act(
    *,
    complaint: Complaint,
    actor: Actor,
    action: str,
    body: ActionBody | None = None,
    at: datetime | None = None,
    rule: str = "",
) -> Complaint:
    """Take `action` as `actor`. NotAllowed (409) names the actions allowed now; InvalidInput
    names the missing or wrong field."""
    require_known_action(action)
    body = body or ActionBody()
    at = at or clock.now()
    with transaction.atomic():
        complaint = _lock(complaint)
        party = party_of(actor)
        options = [t for t in candidates(complaint.state, action) if _may(complaint, t, party, at)]
        if not options:
            raise NotAllowed(
                f"'{action}' is not possible in state '{complaint.state}' for {actor.role}.",
                allowed_actions=allowed_actions(complaint, actor, at=at),
                state=complaint.state,
            )
        t = options[0]
        missing = [name for name in t.requires if not body.has(name)]
        if missing:
            raise InvalidInput.on_field(missing[0], f"required to {action}")
        before = complaint.state
        payload = EFFECTS.get(action, _nothing)(complaint, actor, body, at) or {}
        target = t.to or complaint.state
        if target != before and complaint.paused_since is not None:
            _resume(complaint, actor, at=at, why="desk_moved_on")
        complaint.state = target
        complaint.is_open = target not in TERMINAL
        if target in TERMINAL and before not in TERMINAL:
            complaint.closed_at = at
        complaint.version += 1
        complaint.updated_at = at
        _event(
            complaint,
            actor,
            action,
            before,
            target,
            at=at,
            note=body.note or body.reason,
            rule=rule,
            payload=payload,
        )
        _reschedule(complaint, at=at)
        try:
            with transaction.atomic():
                _save(complaint)
        except IntegrityError:
            raise Conflict(
                "Another complaint about this order is open; continue that one.",
                state=before,
            ) from None
    return complaint


def _nothing(complaint, actor, body, at):
    return None


def _acknowledge(complaint: Complaint, actor: Actor, body: ActionBody, at: datetime):
    if complaint.first_responded_at is None:
        _desk_responded(complaint, actor, at=at)


def _propose(complaint: Complaint, actor: Actor, body: ActionBody, at: datetime):
    solution = dict(body.solution or {})
    kind = solution.get("kind")
    if kind not in SOLUTION_KINDS:
        raise InvalidInput.on_field("solution.kind", f"one of {', '.join(sorted(SOLUTION_KINDS))}")
    if kind == "compensation":
        if solution.get("form", "money") not in COMPENSATION_FORMS:
            raise InvalidInput.on_field("solution.form", "money or coupon")
        try:
            amount = Decimal(str(solution.get("amount")))
        except (InvalidOperation, ValueError):
            raise InvalidInput.on_field(
                "solution.amount", 'a decimal string, e.g. "80.00"'
            ) from None
        if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
            raise InvalidInput.on_field("solution.amount", "more than 0, at most two places")
        solution.update(form=solution.get("form", "money"), amount=f"{amount:.2f}", currency="CNY")
    if kind in CASE_SOLUTIONS:
        if complaint.order_id is None:
            raise InvalidInput.on_field("solution.kind", "a case needs the complaint's order")
        if not solution.get("lines") or not solution.get("reason"):
            raise InvalidInput.on_field("solution.lines", "name the reason and the lines")
    from aftersales.complaints import investigation

    complaint.solution = solution
    if complaint.responsibility_found_at is not None:
        # Found by the investigation and frozen then: the proposal may only repeat it.
        if body.responsibility and body.responsibility != complaint.responsibility:
            raise InvalidInput.on_field(
                "responsibility",
                f"was found as {complaint.responsibility!r} and is frozen; a reopen or a "
                "dispute starts a new investigation",
            )
        return {"solution": solution, "responsibility": complaint.responsibility}
    if not body.responsibility:
        raise InvalidInput.on_field("responsibility", "required to propose_solution")
    # Frozen at decision time: the quality report reads these, not later edits.
    found = investigation.record_finding(complaint, actor, body, at)
    return {"solution": solution, **found}


def _execute(complaint: Complaint, actor: Actor, body: ActionBody, at: datetime):
    party = party_of(actor)
    amount = _amount(complaint.solution)
    if amount > _authority(party):
        approval = ApprovalRequest.objects.create(
            complaint=complaint,
            merchant_id=complaint.merchant_id,
            amount=amount,
            requested_by=actor.label,
            requested_role=party or actor.role,
            required_role=required_role(amount),
            created_at=at,
        )
        audit.record(
            actor=actor,
            action="complaint.approval_requested",
            subject=approval,
            merchant_id=complaint.merchant_id,
            payload={"amount": f"{amount:.2f}", "required_role": approval.required_role},
        )
        return {"approval_id": approval.pk, "required_role": approval.required_role}
    return _carry_out(complaint, actor, at=at)


def _approve(complaint: Complaint, actor: Actor, body: ActionBody, at: datetime):
    approval = _pending_approval(complaint)
    approval.state, approval.decided_by, approval.decided_at = "granted", actor.label, at
    approval.reason = body.note
    approval.save(update_fields=["state", "decided_by", "decided_at", "reason"])
    audit.record(
        actor=actor,
        action="complaint.approval_granted",
        subject=approval,
        merchant_id=complaint.merchant_id,
        payload={"amount": f"{approval.amount:.2f}"},
    )
    return {"approval_id": approval.pk, **(_carry_out(complaint, actor, at=at) or {})}


def _refuse(complaint: Complaint, actor: Actor, body: ActionBody, at: datetime):
    approval = _pending_approval(complaint)
    if approval is not None:
        approval.state, approval.decided_by, approval.decided_at = "refused", actor.label, at
        approval.reason = body.reason
        approval.save(update_fields=["state", "decided_by", "decided_at", "reason"])
        audit.record(
            actor=actor,
            action="complaint.approval_refused",
            subject=approval,
            merchant_id=complaint.merchant_id,
            payload={"reason": body.reason},
        )
    return {"approval_id": approval.pk if approval else None}


def _carry_out(complaint: Complaint, actor: Actor, *, at: datetime) -> dict[str, Any]:
    """The solution put in motion: a case through the case engine, or the compensation
    recorded (audited) for the payout."""
    from aftersales.cases.services import LineClaim, open_case

    solution = complaint.solution
    kind = solution.get("kind")
    if kind in CASE_SOLUTIONS:
        case = open_case(
            actor=actor,
            order=complaint.order.external_id,
            merchant=complaint.merchant.code if complaint.merchant_id else None,
            type=kind,
            reason=solution["reason"],
            description=complaint.description[:500],
            lines=[
                LineClaim(str(ln["line_id"]), int(ln.get("quantity", 1)))
                for ln in solution["lines"]
            ],
            at=at,
        )
        LinkedCase.objects.create(complaint=complaint, case=case, created_at=at)
        return {"case_id": case.pk}
    if kind == "compensation":
        audit.record(
            actor=actor,
            action="complaint.compensation_granted",
            subject=complaint,
            merchant_id=complaint.merchant_id,
            payload={k: solution[k] for k in ("form", "amount", "currency")},
        )
    return {}


def _complete(complaint: Complaint, actor: Actor, body: ActionBody, at: datetime):
    days = settings.AFTERSALES_COMPLAINT_AUTO_CONFIRM_WORKING_DAYS
    due = sla.due(at, days * sla.HOURS_PER_WORKING_DAY)
    SlaDeadline.objects.create(
        complaint=complaint,
        merchant_id=complaint.merchant_id,
        kind="confirm",
        action="confirm",
        due_at=due,
        created_at=at,
    )
    return {"auto_confirm_at": due.isoformat()}


def _confirm(complaint: Complaint, actor: Actor, body: ActionBody, at: datetime):
    complaint.resolved_at = at
    _cancel(complaint, kinds=("confirm",), at=at)
    return {"automatic": party_of(actor) == AUTO}


def _dispute(complaint: Complaint, actor: Actor, body: ActionBody, at: datetime):
    _cancel(complaint, kinds=("confirm",), at=at)
    complaint.responsibility_found_at = None  # a new investigation round


def _reopen(complaint: Complaint, actor: Actor, body: ActionBody, at: datetime):
    complaint.closed_at = None
    complaint.resolved_at = None
    complaint.rating = None
    complaint.responsibility_found_at = None  # a new investigation round


def _rate(complaint: Complaint, actor: Actor, body: ActionBody, at: datetime):
    if not isinstance(body.rating, int) or not 1 <= body.rating <= 5:
        raise InvalidInput.on_field("rating", "a whole number from 1 to 5")
    complaint.rating, complaint.rating_comment = body.rating, body.comment
    return {"rating": body.rating}


def _escalate(complaint: Complaint, actor: Actor, body: ActionBody, at: datetime):
    if RANK[complaint.level] >= RANK["manager"]:
        raise Conflict("The complaint is already with a manager.", state=complaint.state)
    before = complaint.level
    complaint.level = LEVEL_ORDER[RANK[before]]
    return {"from_level": before, "to_level": complaint.level}


def _change_severity(complaint: Complaint, actor: Actor, body: ActionBody, at: datetime):
    if body.severity not in SEVERITIES:
        raise InvalidInput.on_field("severity", f"one of {', '.join(SEVERITIES)}")
    before = complaint.severity
    complaint.severity = body.severity
    complaint.severity_set_by_agent = True
    if body.severity == "crisis" and before != "crisis":
        _page_managers(complaint, at=at)
    return {"from": before, "to": body.severity, "reason": body.reason}


def _await_customer(complaint: Complaint, actor: Actor, body: ActionBody, at: datetime):
    """The desk asks the customer something: the question is a response, and the resolution
    clock stands until they answer."""
    ComplaintMessage.objects.create(
        complaint=complaint,
        merchant_id=complaint.merchant_id,
        buyer_id=complaint.buyer_id,
        channel=complaint.channel,
        direction="outbound",
        text=body.note,
        author_label=actor.label,
        at=at,
    )
    _desk_responded(complaint, actor, at=at)
    if complaint.paused_since is None:
        complaint.paused_since = at
    return {"paused": True}


EFFECTS: dict[str, Callable[[Complaint, Actor, ActionBody, datetime], dict | None]] = {
    "acknowledge": _acknowledge,
    "propose_solution": _propose,
    "execute": _execute,
    "approve": _approve,
    "refuse": _refuse,
    "complete": _complete,
    "confirm": _confirm,
    "dispute": _dispute,
    "reopen": _reopen,
    "rate": _rate,
    "escalate": _escalate,
    "change_severity": _change_severity,
    "await_customer": _await_customer,
    "open_task": lambda c, a, b, at: _investigation().open_task_effect(c, a, b, at),
    "find_responsibility": lambda c, a, b, at: _investigation().record_finding(c, a, b, at),
}


def _investigation():
    from aftersales.complaints import investigation

    return investigation


# --- What the SLA worker does ---------------------------------------------------------------


def fire_sla_row(complaint: Complaint, row: SlaDeadline, *, at: datetime) -> None:
    """One due row, on a complaint this transaction holds locked."""
    if row.action == "confirm":
        act(complaint=complaint, actor=SYSTEM_ACTOR, action="confirm", at=at, rule="auto_confirm")
        return
    if row.action == "warn":
        _event(
            complaint,
            SYSTEM_ACTOR,
            "sla_warning",
            complaint.state,
            complaint.state,
            at=at,
            rule=f"sla:{row.kind}",
            payload={"kind": row.kind, "warned_at": row.due_at.isoformat()},
        )
        _save(complaint)
        return
    complaint.breaches = [
        *complaint.breaches,
        {"kind": row.kind, "due_at": row.due_at.isoformat(), "at": at.isoformat()},
    ]
    _event(
        complaint,
        SYSTEM_ACTOR,
        "sla_breached",
        complaint.state,
        complaint.state,
        at=at,
        rule=f"sla:{row.kind}",
        # Who held it when the target was missed: the breach report counts it against them.
        payload={
            "kind": row.kind,
            "due_at": row.due_at.isoformat(),
            "level": complaint.level,
            "assignee": complaint.assignee.username if complaint.assignee_id else "",
        },
    )
    before = complaint.level
    if RANK[before] < RANK["manager"]:
        complaint.level = LEVEL_ORDER[RANK[before]]
        _event(
            complaint,
            SYSTEM_ACTOR,
            "escalate",
            complaint.state,
            complaint.state,
            at=at,
            rule=f"sla:{row.kind}",
            payload={"from_level": before, "to_level": complaint.level},
        )
    publish(
        "complaint.sla_breached",
        {
            "complaint_id": complaint.pk,
            "target": row.kind,
            "due_at": row.due_at.isoformat(),
            "level": complaint.level,
            "severity": complaint.severity,
            "at": at.isoformat(),
        },
        merchant_id=complaint.merchant_id,
        subject=f"complaint:{complaint.pk}",
        at=at,
    )
    _save(complaint)


# --- Shared -----------------------------------------------------------------------------------


def _lock(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("merchant", "buyer", "order", "assignee")
        .get(pk=complaint.pk)
    )


def _event(
    complaint: Complaint,
    actor: Actor,
    action: str,
    from_state: str,
    to_state: str,
    *,
    at: datetime,
    note: str = "",
    rule: str = "",
    payload: dict | None = None,
) -> ComplaintEvent:
    complaint.last_event_seq += 1
    return ComplaintEvent.objects.create(
        complaint=complaint,
        merchant_id=complaint.merchant_id,
        seq=complaint.last_event_seq,
        at=at,
        actor_kind=actor.kind,
        actor_role=str(actor.role),
        actor_label=actor.label,
        actor_user_id=actor.user_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        rule=rule,
        payload=payload or {},
    )


def _cancel(complaint: Complaint, *, kinds: tuple[str, ...], at: datetime) -> None:
    SlaDeadline.objects.filter(
        complaint=complaint, kind__in=kinds, fired_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=at)


def _reschedule(complaint: Complaint, *, at: datetime) -> None:
    """Recompute the due times and replace the pending SLA rows with the ones the running
    clocks need (a row already due stays: the worker fires it)."""
    policy = sla.recompute(complaint)
    if complaint.pk is None:
        return
    wanted = sla.rows_wanted(complaint, policy, now=at) if complaint.is_open else []
    pending = list(
        SlaDeadline.objects.filter(
            complaint=complaint,
            kind__in=sla.TARGETS,
            fired_at__isnull=True,
            cancelled_at__isnull=True,
        )
    )
    keep = {(r.kind, r.action, r.due_at) for r in pending} & set(wanted)
    stale = [r.pk for r in pending if (r.kind, r.action, r.due_at) not in keep]
    if stale:
        SlaDeadline.objects.filter(pk__in=stale).update(cancelled_at=at)
    SlaDeadline.objects.bulk_create(
        SlaDeadline(
            complaint=complaint,
            merchant_id=complaint.merchant_id,
            kind=kind,
            action=action,
            due_at=due_at,
            created_at=at,
        )
        for kind, action, due_at in wanted
        if (kind, action, due_at) not in keep
    )


def _save(complaint: Complaint) -> None:
    complaint.save()


def sla_status(complaint: Complaint) -> dict:
    return sla.status(complaint, now=clock.now())


# --- The desk: who holds a complaint ---------------------------------------------------------

DESK_HOLDERS = frozenset({Role.AGENT, Role.SPECIALIST, Role.MANAGER})


def claim(*, actor: Actor, complaint: Complaint, at: datetime | None = None) -> Complaint:
    """A desk member takes an unassigned complaint (or one they already hold). Someone else's
    is a 409 naming its holder: only a specialist or manager reassigns (`assign`)."""
    if actor.role not in DESK_HOLDERS or actor.user_id is None:
        raise PermissionDenied("Only a desk agent, specialist or manager claims a complaint.")
    at = at or clock.now()
    with transaction.atomic():
        complaint = _lock(complaint)
        if complaint.assignee_id not in (None, actor.user_id):
            raise Conflict(
                "Someone else holds this complaint; ask a specialist or manager to reassign it.",
                assignee=complaint.assignee.username,
            )
        if complaint.assignee_id == actor.user_id:
            return complaint
        complaint.assignee_id = actor.user_id
        complaint.updated_at = at
        _event(
            complaint,
            actor,
            "claim",
            complaint.state,
            complaint.state,
            at=at,
            payload={"assignee": actor.label},
        )
        _save(complaint)
    return complaint


def assign(
    *, actor: Actor, complaint: Complaint, assignee_id: int | None, at: datetime | None = None
) -> Complaint:
    """A specialist or manager gives a complaint to a desk member (or back to the pool)."""
    from aftersales.accounts.models import User

    if party_of(actor) not in {SPECIALIST, MANAGER}:
        raise PermissionDenied("Only a specialist or manager assigns complaints.")
    holder = None
    if assignee_id is not None:
        holder = User.objects.filter(pk=assignee_id, role__in=DESK_HOLDERS, is_active=True).first()
        if holder is None:
            raise InvalidInput.on_field("assignee", "an active agent, specialist or manager")
    at = at or clock.now()
    with transaction.atomic():
        complaint = _lock(complaint)
        before = complaint.assignee.username if complaint.assignee_id else ""
        complaint.assignee = holder
        complaint.updated_at = at
        _event(
            complaint,
            actor,
            "assign",
            complaint.state,
            complaint.state,
            at=at,
            payload={"from": before, "to": holder.username if holder else ""},
        )
        _save(complaint)
    return complaint
