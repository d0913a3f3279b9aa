"""SLA policies and clocks: first response, next response and resolution targets in business
hours on the business calendar (core.calendar: the 09:00–18:00 window, statutory holidays,
调休 working days). The semantics — pause, next response, a reply after a breach — are written
in docs/sla.md; this module is their one implementation.

A target's due time is derived, never stored alone: `add_working_hours(start, target + paused)`
where `paused` is the business time the clock stood while the desk waited on the customer."""

from __future__ import annotations

from datetime import datetime

from aftersales.policy.sla import (  # noqa: F401  (re-exported: the complaint clocks' vocabulary)
    DEFAULT_POLICIES,
    FIRST,
    HOURS_PER_WORKING_DAY,
    NEXT,
    RESOLUTION,
    TARGETS,
    Policy,
    business_seconds,
    classify,
    due,
    earliest_due,
    policy_for,
    warning_at,
)


def recompute(complaint) -> Policy:
    """Set the complaint's due times from its clocks and its current policy (in memory)."""
    policy = policy_for("complaint", complaint.channel, complaint.severity)
    open_ = complaint.is_open
    complaint.first_response_due_at = (
        due(complaint.received_at, policy.first_response)
        if open_ and complaint.first_responded_at is None
        else complaint.first_response_due_at
    )
    if open_ and complaint.first_responded_at is not None and complaint.awaiting_reply_since:
        complaint.next_response_due_at = due(complaint.awaiting_reply_since, policy.next_response)
    else:
        complaint.next_response_due_at = None
    if open_ and complaint.paused_since is None:
        complaint.resolution_due_at = due(
            complaint.received_at, policy.resolution, extra_seconds=complaint.paused_seconds
        )
    elif open_:
        complaint.resolution_due_at = None  # paused: no due time while the clock stands
    running = [
        complaint.first_response_due_at if complaint.first_responded_at is None else None,
        complaint.next_response_due_at,
        complaint.resolution_due_at,
    ]
    running = [d for d in running if d is not None]
    complaint.sla_due_at = min(running) if open_ and running else None
    return policy


def rows_wanted(complaint, policy: Policy, *, now: datetime) -> list[tuple[str, str, datetime]]:
    """(kind, action, due_at) of the SLA rows the complaint's running clocks need."""
    wanted = []
    clocks = []
    if complaint.first_responded_at is None and complaint.first_response_due_at:
        clocks.append((FIRST, complaint.received_at, policy.first_response, 0))
    if complaint.next_response_due_at:
        clocks.append((NEXT, complaint.awaiting_reply_since, policy.next_response, 0))
    if complaint.resolution_due_at:
        clocks.append(
            (RESOLUTION, complaint.received_at, policy.resolution, complaint.paused_seconds)
        )
    for kind, start, hours, extra in clocks:
        breach_at = due(start, hours, extra_seconds=extra)
        if any(
            b["kind"] == kind and b["due_at"] == breach_at.isoformat() for b in complaint.breaches
        ):
            continue  # this very target was already missed and recorded
        warn = warning_at(start, hours, extra_seconds=extra)
        if warn > now and warn < breach_at:
            wanted.append((kind, "warn", warn))
        wanted.append((kind, "breach", breach_at))
    return wanted


def status(complaint, *, now: datetime) -> dict:
    """The SLA as the API shows it: each due time, the paused time, and one status
    (on_track, warning, breached, paused, met)."""
    policy = policy_for("complaint", complaint.channel, complaint.severity)
    breached = {b["kind"] for b in complaint.breaches}
    clocks = []
    if complaint.first_response_due_at:
        clocks.append(
            {
                "due_at": complaint.first_response_due_at,
                "warn_at": warning_at(complaint.received_at, policy.first_response),
                "met_at": complaint.first_responded_at or (None if complaint.is_open else now),
                "breached": FIRST in breached,
            }
        )
    if complaint.next_response_due_at:
        clocks.append(
            {
                "due_at": complaint.next_response_due_at,
                "warn_at": warning_at(complaint.awaiting_reply_since, policy.next_response),
                "breached": False,
            }
        )
    if complaint.resolution_due_at:
        clocks.append(
            {
                "due_at": complaint.resolution_due_at,
                "warn_at": warning_at(
                    complaint.received_at,
                    policy.resolution,
                    extra_seconds=complaint.paused_seconds,
                ),
                "met_at": None if complaint.is_open else (complaint.closed_at or now),
                "breached": RESOLUTION in breached,
            }
        )
    if NEXT in breached:
        clocks.append({"due_at": None, "breached": True})
    paused = complaint.paused_since is not None
    paused_seconds = complaint.paused_seconds + (
        business_seconds(complaint.paused_since, now) if paused else 0
    )
    return {
        "first_response_due_at": complaint.first_response_due_at,
        "first_responded_at": complaint.first_responded_at,
        "next_response_due_at": complaint.next_response_due_at,
        "resolution_due_at": complaint.resolution_due_at,
        "paused": paused,
        "paused_since": complaint.paused_since,
        "paused_business_seconds": paused_seconds,
        "breached": sorted(breached),
        "status": classify(clocks, paused=paused, now=now),
        "due_at": earliest_due(clocks),
        "policy": policy.source,
    }
