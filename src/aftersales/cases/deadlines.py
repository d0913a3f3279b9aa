"""Scheduling deadlines: when a case enters a state, the flow's deadlines for that state become
rows; when it leaves, the pending ones are cancelled. (Firing them is the worker's job:
cases/timers.py.)"""

from __future__ import annotations

import calendar as calendar_module
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from aftersales.cases.flows import Flow, merchant_review_duration
from aftersales.cases.models import Case, Deadline
from aftersales.core import clock
from aftersales.core.calendar import business_calendar
from aftersales.policy import loading
from aftersales.policy.document import DEFAULT_DURATIONS

# Called with (case, duration name, the policy's spec) for every deadline a case is given;
# each returns the spec to count (the same, or one of its own whose `source` says why). The
# contexts above cases register here from their AppConfig.ready() (credit shortens a
# restricted merchant's review deadlines). Cheap by contract: no statement per call (a batch
# of the worker schedules hundreds).
DURATION_HOOKS: list[Callable[[Case, str, dict[str, Any]], dict[str, Any]]] = []


def _window(spec: dict[str, Any]) -> tuple[time, time]:
    start, _, end = (spec.get("window") or "09:00-18:00").partition("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def due_after(start: datetime, spec: dict[str, Any]) -> datetime:
    """`start` plus a policy duration. Hours and days are calendar time (seller deadlines never
    stretch over holidays); working days and window hours come from the business calendar,
    which fails closed on a year it does not know."""
    amount, unit = spec["amount"], spec["unit"]
    if unit == "hours":
        return start + timedelta(hours=amount)
    if unit == "days":
        return start + timedelta(days=amount)
    if unit == "months":  # the same local day `amount` months on, or that month's last (DS-21)
        local = clock.localtime(start)
        month = local.month - 1 + amount
        year, month = local.year + month // 12, month % 12 + 1
        day = min(local.day, calendar_module.monthrange(year, month)[1])
        return local.replace(year=year, month=month, day=day)
    calendar = business_calendar()
    if unit == "working_days":
        local = clock.localtime(start)
        day = calendar.add_working_days(local.date(), amount)
        return datetime.combine(day, local.timetz())
    if unit in {"working_hours", "window_hours"}:
        return calendar.add_working_hours(
            start,
            amount,
            window=_window(spec),
            workdays_only=unit == "working_hours" or not spec.get("every_day"),
        )
    raise ValueError(f"unknown duration unit {unit!r}")


def duration_name(case: Case, name: str) -> str:
    if name != "merchant_review":
        return name
    return merchant_review_duration(
        case.type, shipped=bool(case.facts.get("shipped")), fault=bool(case.facts.get("fault"))
    )


def _duration(policy, name: str, merchant: str) -> dict[str, Any]:
    """A version published before a duration existed reads the shipped default of that name
    (the same source row): a case entering a state never fails on an older version."""
    if name in policy.durations:
        return policy.duration(name, merchant)
    return dict(DEFAULT_DURATIONS[name])


def spec_for(case: Case, name: str, policy=None) -> dict[str, Any]:
    """The policy duration `name` as it counts for this case: the merchant's overrides, then
    the DURATION_HOOKS (a restricted merchant's shorter review)."""
    policy = policy or loading.compiled(case.policy_version)
    spec = _duration(policy, name, case.merchant.code)
    for hook in DURATION_HOOKS:
        spec = hook(case, name, spec)
    return spec


def schedule(case: Case, flow: Flow, state: str, *, now: datetime | None = None) -> list[Deadline]:
    """Create the rows for `state`'s deadlines (and their reminders), due from `now`."""
    return Deadline.objects.bulk_create(build(case, flow, state, now=now))


def build(case: Case, flow: Flow, state: str, *, now: datetime | None = None) -> list[Deadline]:
    """The rows `schedule` writes, not yet written (a batch writes many cases' at once)."""
    now = now or clock.now()
    policy = loading.compiled(case.policy_version)
    rows = []
    for deadline in flow.deadlines_in(state):
        name = duration_name(case, deadline.duration)
        spec = spec_for(case, name, policy)
        due = due_after(now, spec)
        rows.append(
            Deadline(
                case=case,
                merchant_id=case.merchant_id,
                case_type=case.type,
                kind=name,
                due_at=due,
                action=deadline.then,
                guard_state=state,
                rule=spec["source"],
            )
        )
        if deadline.remind_before_hours:
            remind_at = due - timedelta(hours=deadline.remind_before_hours)
            if remind_at > now:
                rows.append(
                    Deadline(
                        case=case,
                        merchant_id=case.merchant_id,
                        case_type=case.type,
                        kind=name,
                        due_at=remind_at,
                        action="remind",
                        guard_state=state,
                        rule=spec["source"],
                        reminder=True,
                    )
                )
    return rows


def cancel_pending(case: Case, *, now: datetime | None = None) -> int:
    """The case left the state these were guarding: they will never fire."""
    return cancel_pending_of([case.pk], now=now)


def cancel_pending_of(case_ids: list[int], *, now: datetime | None = None) -> int:
    """`cancel_pending` for many cases in one statement."""
    return Deadline.objects.filter(
        case_id__in_ids=case_ids, fired_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=now or clock.now())


def open_deadlines(case: Case) -> list[Deadline]:
    return list(
        case.deadlines.filter(
            fired_at__isnull=True, cancelled_at__isnull=True, reminder=False
        ).order_by("due_at")
    )
