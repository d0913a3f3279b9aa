"""SLA policies: first response, next response and resolution targets by kind (a complaint, or
an after-sales case type), channel and severity, each row with the POLICY-FACTS row behind it.
The semantics — what starts, stops and pauses each clock — are written in docs/sla.md; the
complaint clocks are in complaints/sla.py, the case clocks in cases/sla.py, and both read their
targets and classify their status here.

A target is either business hours on the business calendar (core.calendar: the 09:00–18:00
window, statutory holidays, 调休 working days) or the name of a case-engine policy duration
(`policy/document.py` DEFAULT_DURATIONS), counted as that duration says: where the platform's
timeout *is* the SLA (the merchant's review, TB-01/TB-02/JD-02), there is one number, not two."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from aftersales.core.calendar import business_calendar

HOURS_PER_WORKING_DAY = 9  # the default window, 09:00–18:00

FIRST, NEXT, RESOLUTION = "first_response", "next_response", "resolution"
TARGETS = (FIRST, NEXT, RESOLUTION)

# What a case's "next response" target means: the deadline the case engine set for the state
# the merchant or the platform must act in (TB-04, NR-08, NR-09, CP-06 …): its own due time.
STATE_DEADLINE = "state_deadline"

# The status every complaint and case shows.
ON_TRACK, WARNING, BREACHED, PAUSED, MET = "on_track", "warning", "breached", "paused", "met"


@dataclass(frozen=True)
class Policy:
    """Targets: business hours (a number), or a policy duration's name (a string).
    `source` names the rule behind them."""

    first_response: float | str
    next_response: float | str
    resolution: float | str
    source: str


D = HOURS_PER_WORKING_DAY
# CP-05: a 12315 ODR company settles with the consumer within 10 工作日; an after-sales case is
# that settlement, so it is every case type's resolution target (stricter than CP-01's 7 工作日
# to *accept*, which the merchant's review meets long before).
CASE_RESOLUTION = 10 * D


def _case(source: str) -> Policy:
    return Policy("merchant_review", STATE_DEADLINE, CASE_RESOLUTION, source)


# (kind, channel, severity) → targets; "*" matches anything, the most specific row wins.
DEFAULT_POLICIES: dict[tuple[str, str, str], Policy] = {
    # CP-06 (internal): first response ≤ 1 工作日, decision ≤ 7 工作日; graver complaints faster.
    ("complaint", "*", "general"): Policy(1 * D, 1 * D, 7 * D, "CP-06"),
    ("complaint", "*", "important"): Policy(4, 4, 5 * D, "CP-06/important"),
    ("complaint", "*", "major"): Policy(2, 2, 3 * D, "CP-06/major"),
    ("complaint", "*", "crisis"): Policy(1, 1, 1 * D, "CP-06/crisis"),
    # Chat is a live channel: the customer is waiting on the other end.
    ("complaint", "chat", "general"): Policy(2, 4, 7 * D, "CP-06/chat"),
    # After-sales cases: the merchant's review is the first response (TB-01 48 h before
    # shipment, JD-02 48 h for a fault, TB-02 5 days otherwise); the state's own deadline is the
    # next; CP-05's 10 工作日 the resolution.
    ("refund_only", "*", "*"): _case("TB-01/TB-02/JD-02; CP-05"),
    ("return_refund", "*", "*"): _case("TB-02/JD-02; TB-04, NR-08; CP-05"),
    ("exchange", "*", "*"): _case("TB-02/JD-02; TB-04; CP-05"),
    ("repair", "*", "*"): _case("TB-02/JD-02; TB-04; CP-05"),
    ("reissue", "*", "*"): _case("TB-02/JD-02; CP-05"),
    ("price_protection", "*", "*"): _case("TB-02 (JD-04 window); CP-05"),
}


def _target(value) -> float | str:
    return value if isinstance(value, str) else float(value)


def _policies() -> dict[tuple[str, str, str], Policy]:
    """The defaults, overridden by AFTERSALES_SLA_POLICIES
    (`{"complaint/hotline/general": {"first_response": 4, ...}}`)."""
    merged = dict(DEFAULT_POLICIES)
    for key, targets in (settings.AFTERSALES_SLA_POLICIES or {}).items():
        kind, channel, severity = key.split("/")
        base = policy_for(kind, channel, severity, policies=merged, default=None)
        merged[(kind, channel, severity)] = Policy(
            _target(targets.get("first_response", base and base.first_response)),
            _target(targets.get("next_response", base and base.next_response)),
            _target(targets.get("resolution", base and base.resolution)),
            targets.get("source", f"setting:{key}"),
        )
    return merged


_MISSING = object()


def policy_for(
    kind: str, channel: str = "*", severity: str = "*", *, policies=None, default=_MISSING
):
    policies = _policies() if policies is None else policies
    for key in (
        (kind, channel, severity),
        (kind, "*", severity),
        (kind, channel, "*"),
        (kind, "*", "*"),
    ):
        if key in policies:
            return policies[key]
    if default is not _MISSING:
        return default
    raise LookupError(f"no SLA policy for {kind}/{channel}/{severity}")


def due(start: datetime, hours: float, *, extra_seconds: int = 0) -> datetime:
    return business_calendar().add_working_hours(
        start, timedelta(hours=hours, seconds=extra_seconds)
    )


def warning_share() -> float:
    return settings.AFTERSALES_SLA_WARNING_SHARE


def warning_at(start: datetime, hours: float, *, extra_seconds: int = 0) -> datetime:
    """Where the warning share of the target is used up."""
    return due(start, hours * warning_share(), extra_seconds=extra_seconds)


def warning_between(start: datetime, due_at: datetime) -> datetime:
    """The warning point of a target given as a due time (a calendar duration): the share of
    the wall-clock span from start to due."""
    return start + (due_at - start) * warning_share()


def business_seconds(a: datetime, b: datetime) -> int:
    return int(business_calendar().working_time_between(a, b).total_seconds())


def classify(clocks: list[dict], *, paused: bool, now: datetime) -> str:
    """One status for a subject from its running clocks (`due_at`, `warn_at`, `met_at`,
    `breached`): breached if any target was missed (for good, even if met late); paused when
    its clocks stand; warning when a running target passed its warning share; met when nothing
    runs any more; otherwise on track."""
    if any(
        c.get("breached") or (c["due_at"] and c["due_at"] <= now and not c.get("met_at"))
        for c in clocks
    ):
        return BREACHED
    running = [c for c in clocks if c["due_at"] and not c.get("met_at")]
    if paused:
        return PAUSED
    if any(c.get("warn_at") and c["warn_at"] <= now for c in running):
        return WARNING
    if not running:
        return MET
    return ON_TRACK


def earliest_due(clocks: list[dict]):
    dues = [c["due_at"] for c in clocks if c["due_at"] and not c.get("met_at")]
    return min(dues) if dues else None
