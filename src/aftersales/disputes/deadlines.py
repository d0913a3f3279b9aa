"""The dispute clocks: a state's declared deadlines become durable rows when the dispute
enters it (an evidence request's row when it is asked); leaving cancels them; a suspension
freezes them with the time they had left and the resume restarts them with exactly that time,
counted the way their duration counts (window hours inside 09:00–18:00 on every day for DS-06;
wall time for hours and days). The worker fires them (timers.py)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from aftersales.cases.deadlines import due_after
from aftersales.core.calendar import business_calendar
from aftersales.disputes.flows import DISPUTE, duration_name
from aftersales.disputes.models import Dispute, DisputeDeadline, EvidenceRequest
from aftersales.policy import loading
from aftersales.policy.document import DEFAULT_DURATIONS


def duration(dispute: Dispute, name: str) -> dict[str, Any]:
    """The policy duration `name` for the dispute's merchant, from the version the dispute runs
    under; a version published before the dispute durations existed falls back to the shipped
    default of that name (same row)."""
    policy = loading.compiled(dispute.policy_version)
    if name in policy.durations:
        return policy.duration(name, dispute.merchant.code)
    return dict(DEFAULT_DURATIONS[name])


def _window(spec: dict[str, Any]) -> tuple[time, time]:
    start, _, end = (spec.get("window") or "09:00-18:00").partition("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def _counts_window(spec: dict[str, Any]) -> bool:
    return spec["unit"] in {"window_hours", "working_hours"}


def _workdays_only(spec: dict[str, Any]) -> bool:
    return spec["unit"] == "working_hours" or not spec.get("every_day")


def time_left(spec: dict[str, Any], now: datetime, due: datetime) -> timedelta:
    """What a clock has left at `now`: window time for window hours (DS-06: the hours between
    18:00 and 09:00 are not the side's), wall time otherwise."""
    if _counts_window(spec):
        left = business_calendar().working_time_between(
            now, due, window=_window(spec), workdays_only=_workdays_only(spec)
        )
    else:
        left = due - now
    return max(left, timedelta(0))


def due_with(spec: dict[str, Any], start: datetime, left: timedelta) -> datetime:
    """`start` plus `left` of the clock's own time (the inverse of `time_left`)."""
    if _counts_window(spec):
        return business_calendar().add_working_hours(
            start, left, window=_window(spec), workdays_only=_workdays_only(spec)
        )
    return start + left


def schedule(dispute: Dispute, state: str, *, now: datetime) -> list[DisputeDeadline]:
    rows = []
    for declared in DISPUTE.deadlines_in(state):
        if declared.duration == "dispute_evidence":
            continue  # per request: `schedule_request`
        name = duration_name(declared.duration, dispute_type=dispute.type, facts=dispute.facts)
        if not name:
            continue  # e.g. a court's case: no timer, the court ends it
        spec = duration(dispute, name)
        rows.append(
            DisputeDeadline(
                dispute=dispute,
                merchant_id=dispute.merchant_id,
                kind=name,
                action=declared.then,
                guard_state=state,
                rule=spec["source"],
                spec=spec,
                due_at=due_after(now, spec),
            )
        )
    return DisputeDeadline.objects.bulk_create(rows)


def schedule_request(dispute: Dispute, request: EvidenceRequest, spec: dict[str, Any]):
    return DisputeDeadline.objects.create(
        dispute=dispute,
        merchant_id=dispute.merchant_id,
        request=request,
        kind="dispute_evidence",
        action="close_evidence",
        guard_state="evidence",
        rule=spec["source"],
        spec=spec,
        due_at=request.due_at,
    )


def pending(dispute: Dispute):
    return DisputeDeadline.objects.filter(
        dispute=dispute, fired_at__isnull=True, cancelled_at__isnull=True
    )


def cancel_pending(dispute: Dispute, *, now: datetime, keep_requests: bool = False) -> None:
    rows = pending(dispute)
    if keep_requests:
        rows = rows.filter(request__isnull=True)
    rows.update(cancelled_at=now)


def pause(dispute: Dispute, *, now: datetime) -> None:
    """Freeze every running clock with the time it has left (DS-21), evidence requests too."""
    for row in pending(dispute).filter(paused_at__isnull=True):
        left = time_left(row.spec, now, row.due_at)
        row.paused_at, row.remaining_seconds = now, int(left.total_seconds())
        row.save(update_fields=["paused_at", "remaining_seconds"])


def resume(dispute: Dispute, *, now: datetime) -> None:
    """Restart the frozen clocks with the time they had left, from `now`."""
    for row in pending(dispute).filter(paused_at__isnull=False):
        row.due_at = due_with(row.spec, now, timedelta(seconds=row.remaining_seconds or 0))
        row.paused_at, row.remaining_seconds = None, None
        row.save(update_fields=["due_at", "paused_at", "remaining_seconds"])
        if row.request_id:
            EvidenceRequest.objects.filter(pk=row.request_id).update(due_at=row.due_at)


def next_due(dispute: Dispute) -> datetime | None:
    row = pending(dispute).filter(paused_at__isnull=True).order_by("due_at").first()
    return row.due_at if row else None
