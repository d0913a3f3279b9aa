"""SLA policies and clocks: first response, next response and resolution targets in business
hours on the business calendar (core.calendar: the 09:00–18:00 window, statutory holidays,
调休 working days). The semantics — pause, next response, a reply after a breach — are written
in docs/sla.md; this module is their one implementation.

A target's due time is derived, never stored alone: `add_working_hours(start, target + paused)`
where `paused` is the business time the clock stood while the desk waited on the customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from aftersales.core.calendar import business_calendar

HOURS_PER_WORKING_DAY = 9  # the default window, 09:00–18:00

FIRST, NEXT, RESOLUTION = "first_response", "next_response", "resolution"
TARGETS = (FIRST, NEXT, RESOLUTION)


@dataclass(frozen=True)
class Policy:
    """Targets in business hours; `source` names the rule behind them."""

    first_response: float
    next_response: float
    resolution: float
    source: str


D = HOURS_PER_WORKING_DAY
# (kind, channel, severity) → targets; "*" matches anything, the most specific row wins.
# CP-06 (internal): first response ≤ 1 工作日, decision ≤ 7 工作日; graver complaints faster.
DEFAULT_POLICIES: dict[tuple[str, str, str], Policy] = {
    ("complaint", "*", "general"): Policy(1 * D, 1 * D, 7 * D, "CP-06"),
    ("complaint", "*", "important"): Policy(4, 4, 5 * D, "CP-06/important"),
    ("complaint", "*", "major"): Policy(2, 2, 3 * D, "CP-06/major"),
    ("complaint", "*", "crisis"): Policy(1, 1, 1 * D, "CP-06/crisis"),
    # Chat is a live channel: the customer is waiting on the other end.
    ("complaint", "chat", "general"): Policy(2, 4, 7 * D, "CP-06/chat"),
}


def _policies() -> dict[tuple[str, str, str], Policy]:
    """The defaults, overridden by AFTERSALES_SLA_POLICIES
    (`{"complaint/hotline/general": {"first_response": 4, ...}}`)."""
    merged = dict(DEFAULT_POLICIES)
    for key, targets in (settings.AFTERSALES_SLA_POLICIES or {}).items():
        kind, channel, severity = key.split("/")
        merged[(kind, channel, severity)] = Policy(
            float(targets["first_response"]),
            float(targets["next_response"]),
            float(targets["resolution"]),
            targets.get("source", f"setting:{key}"),
        )
    return merged


def policy_for(kind: str, channel: str, severity: str) -> Policy:
    policies = _policies()
    for key in ((kind, channel, severity), (kind, "*", severity), (kind, "*", "*")):
        if key in policies:
            return policies[key]
    raise LookupError(f"no SLA policy for {kind}/{channel}/{severity}")


def due(start: datetime, hours: float, *, extra_seconds: int = 0) -> datetime:
    return business_calendar().add_working_hours(
        start, timedelta(hours=hours, seconds=extra_seconds)
    )


def warning_at(start: datetime, hours: float, *, extra_seconds: int = 0) -> datetime:
    """Where the warning share of the target is used up."""
    share = settings.AFTERSALES_SLA_WARNING_SHARE
    return due(start, hours * share, extra_seconds=extra_seconds)


def business_seconds(a: datetime, b: datetime) -> int:
    return int(business_calendar().working_time_between(a, b).total_seconds())


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
    """The SLA as the API shows it."""
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
        "breached": sorted({b["kind"] for b in complaint.breaches}),
    }
