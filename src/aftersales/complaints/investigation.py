"""The investigation of a complaint: tasks put to departments (quality, logistics, warehouse,
supplier, merchant) with due times in business hours and their answers; the responsibility
found with its reason codes, frozen at decision time as RootCause rows.

Opening a task and finding the responsibility are transitions of the declared flow
(flows.py: `open_task`, `find_responsibility`) run by services.act; answering is the
department's, outside the flow's parties, and is written into the complaint's event log too.

Overdue is a query, not a timer: a task is overdue while it is open past its due time
(`overdue_tasks`, on the partial index of open tasks by due time). Nothing has to happen at
that moment — no escalation, no message is promised — so a durable timer would only add a row
that can drift from the task; the desk's list and every task's `overdue` flag read the truth."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from aftersales.accounts.actors import PLATFORM_INTEGRATION, Actor
from aftersales.accounts.models import PLATFORM_ROLES, Role
from aftersales.complaints import services
from aftersales.complaints.flows import (
    ANSWERED_BY,
    DEPARTMENTS,
    MAX_TASK_HOURS,
    REASON_CODES,
    RESPONSIBILITIES,
)
from aftersales.complaints.models import Complaint, InvestigationTask, RootCause
from aftersales.core import clock
from aftersales.core.calendar import business_calendar
from aftersales.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied

DESK_ROLES = frozenset({Role.AGENT, Role.SPECIALIST, Role.MANAGER, Role.ADMIN})


def due_hours(department: str) -> float:
    overrides = settings.AFTERSALES_INVESTIGATION_DUE_HOURS or {}
    return float(overrides.get(department, DEPARTMENTS[department]))


# --- Tasks ------------------------------------------------------------------------------------


def open_task(
    *,
    complaint: Complaint,
    actor: Actor,
    department: str,
    question: str,
    due_hours: float | None = None,
    at: datetime | None = None,
) -> InvestigationTask:
    """Put a question to a department (the flow's `open_task`: it starts the investigation)."""
    body = services.ActionBody(department=department, question=question, due_hours=due_hours)
    with transaction.atomic():
        complaint = services.act(
            complaint=complaint, actor=actor, action="open_task", body=body, at=at
        )
        event = complaint.events.order_by("-seq").first()
        return InvestigationTask.objects.get(pk=event.payload["task_id"])


def open_task_effect(complaint: Complaint, actor: Actor, body, at: datetime) -> dict:
    if body.department not in DEPARTMENTS:
        raise InvalidInput.on_field("department", f"one of {', '.join(DEPARTMENTS)}")
    if body.department == "merchant" and complaint.merchant_id is None:
        raise InvalidInput.on_field(
            "department", "a complaint without an order has no merchant to ask"
        )
    hours = due_hours(body.department) if body.due_hours is None else body.due_hours
    if not 0 < hours <= MAX_TASK_HOURS:
        raise InvalidInput.on_field(
            "due_hours", f"more than 0 and at most {MAX_TASK_HOURS} business hours"
        )
    if len(body.question) > 5000:
        raise InvalidInput.on_field("question", "at most 5000 characters")
    due_at = business_calendar().add_working_hours(at, timedelta(hours=hours))
    task = InvestigationTask.objects.create(
        complaint=complaint,
        merchant_id=complaint.merchant_id,
        department=body.department,
        question=body.question,
        opened_by=actor.label,
        opened_at=at,
        due_at=due_at,
    )
    return {
        "task_id": task.pk,
        "department": task.department,
        "due_at": due_at.isoformat(),
        "business_hours": hours,
    }


def may_answer(actor: Actor, task: InvestigationTask) -> bool:
    if actor.role in DESK_ROLES or actor.role == PLATFORM_INTEGRATION:
        return True
    if actor.role not in ANSWERED_BY.get(task.department, frozenset()):
        return False
    if actor.is_merchant_side:
        return actor.merchant_id is not None and actor.merchant_id == task.merchant_id
    return True


def answer_task(
    *, task: InvestigationTask, actor: Actor, answer: str, at: datetime | None = None
) -> InvestigationTask:
    """The department's answer, once; written into the complaint's event log."""
    if not may_answer(actor, task):
        raise PermissionDenied(f"{actor.role} may not answer a {task.department} task.")
    if not answer.strip():
        raise InvalidInput.on_field("answer", "say what the department found")
    if len(answer) > 10000:
        raise InvalidInput.on_field("answer", "at most 10000 characters")
    at = at or clock.now()
    with transaction.atomic():
        complaint = services._lock(task.complaint)
        task = InvestigationTask.objects.select_for_update().get(pk=task.pk)
        if task.state != "open":
            raise Conflict(f"Task {task.pk} was answered already.", state=task.state)
        task.state, task.answer = "answered", answer
        task.answered_by, task.answered_role, task.answered_at = actor.label, str(actor.role), at
        task.save(update_fields=["state", "answer", "answered_by", "answered_role", "answered_at"])
        services._event(
            complaint,
            actor,
            "task_answered",
            complaint.state,
            complaint.state,
            at=at,
            payload={
                "task_id": task.pk,
                "department": task.department,
                "late": at > task.due_at,
            },
        )
        complaint.updated_at = at
        services._save(complaint)
    return task


def tasks_visible_to(actor: Actor, complaint: Complaint) -> QuerySet[InvestigationTask]:
    """The desk and quality see every task; the merchant side only those put to the merchant;
    buyers none (the investigation is internal)."""
    tasks = InvestigationTask.objects.filter(complaint=complaint)
    if actor.role in PLATFORM_ROLES or actor.role == PLATFORM_INTEGRATION:
        return tasks
    if actor.is_merchant_side:
        return tasks.filter(department="merchant", merchant_id=actor.merchant_id)
    return tasks.none()


def task_for(actor: Actor, complaint: Complaint, task_id: int) -> InvestigationTask:
    try:
        return tasks_visible_to(actor, complaint).select_related("complaint").get(pk=task_id)
    except (InvestigationTask.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"No task {task_id} on complaint {complaint.pk}.") from None


def overdue_tasks(
    actor: Actor, *, now: datetime | None = None, department: str | None = None
) -> QuerySet[InvestigationTask]:
    """Open tasks of open complaints past their due time, scoped like the tasks (a closed
    complaint's unanswered questions no longer wait on anyone)."""
    now = now or clock.now()
    found = InvestigationTask.objects.filter(
        state="open", due_at__lt=now, complaint__is_open=True
    ).select_related("complaint")
    if actor.is_merchant_side:
        found = found.filter(department="merchant", merchant_id=actor.merchant_id)
    elif not (actor.role in PLATFORM_ROLES or actor.role == PLATFORM_INTEGRATION):
        raise PermissionDenied("Only the service desk and departments read the task lists.")
    if department:
        found = found.filter(department=department)
    return found


# --- The responsibility found ------------------------------------------------------------------


def record_finding(complaint: Complaint, actor: Actor, body, at: datetime) -> dict:
    """Freeze the responsibility and reason codes, with the merchant and SKUs as they are now:
    one RootCause row per SKU × reason code; an earlier finding's rows stop being current."""
    if body.responsibility not in RESPONSIBILITIES:
        raise InvalidInput.on_field(
            "responsibility", f"one of {', '.join(sorted(RESPONSIBILITIES))}"
        )
    known = REASON_CODES[body.responsibility]
    codes = list(dict.fromkeys(body.reason_codes))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InvalidInput.on_field(
            "reason_codes",
            f"{unknown[0]!r} is not a reason of {body.responsibility}; one of {', '.join(known)}",
        )
    order_skus = (
        list(dict.fromkeys(complaint.order.lines.values_list("sku", flat=True)))
        if complaint.order_id
        else []
    )
    skus = list(dict.fromkeys(body.skus)) or order_skus
    stray = [s for s in skus if s not in order_skus]
    if stray:
        raise InvalidInput.on_field("skus", f"{stray[0]!r} is not on the complaint's order")
    seq = complaint.last_event_seq + 1  # the event act() writes for this decision
    RootCause.objects.filter(complaint=complaint, current=True).update(current=False)
    merchant_code = complaint.merchant.code if complaint.merchant_id else ""
    RootCause.objects.bulk_create(
        RootCause(
            complaint=complaint,
            finding_seq=seq,
            decided_at=at,
            merchant_id=complaint.merchant_id,
            merchant_code=merchant_code,
            sku=sku,
            responsibility=body.responsibility,
            reason_code=code,
        )
        for sku in (skus or [""])
        for code in (codes or [""])
    )
    complaint.responsibility = body.responsibility
    complaint.reason_codes = codes
    complaint.responsibility_found_at = at
    return {"responsibility": body.responsibility, "reason_codes": codes, "skus": skus}


def is_overdue(task: InvestigationTask, *, now: datetime | None = None) -> bool:
    return task.state == "open" and task.due_at < (now or clock.now())
