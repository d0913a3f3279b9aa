"""The after-sales case's SLA clocks (docs/sla.md, "Cases"): first response (the merchant's
review), next response (the deadline of the state the merchant or platform must act in) and
resolution (CP-05, business hours), paused while the case waits on the buyer.

The clocks live in `case.facts["sla"]`, written by the step that moves them in the same UPDATE
as the state (`record_step`): no row or statement of their own, so the case engine's SQL per
request stays what it was. `status` derives the rest from the case and its open deadlines."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aftersales.cases.flows import AUTO, BUYER, Flow, flow_for
from aftersales.core import clock
from aftersales.core.calendar import CalendarUnknown, business_calendar
from aftersales.policy import sla as targets
from aftersales.policy.sla import FIRST, NEXT, RESOLUTION


def waits_on_buyer(flow: Flow, state: str) -> bool:
    """Only the buyer (or the clock acting for them) can move the case on: the return to ship,
    the replacement to confirm, a rejection to appeal. Derived from the flow, not listed;
    answered once per flow and state (a step asks it up to three times, a batch 1,000 steps)."""
    known = _WAITING.get(id(flow))
    if known is None or known[0] is not flow:
        known = _WAITING[id(flow)] = (flow, {})
    found = known[1].get(state)
    if found is None:
        found = known[1][state] = _waits_on_buyer(flow, state)
    return found


# id(flow) → (the flow, kept alive so its id is not reused; state → answer). Flows are data
# that never change once declared.
_WAITING: dict[int, tuple[Flow, dict[str, bool]]] = {}


def _waits_on_buyer(flow: Flow, state: str) -> bool:
    if state in flow.terminal:
        return False
    parties = [t.by for t in flow.transitions_from(state)]
    return (
        bool(parties)
        and all(by <= {BUYER, AUTO} for by in parties)
        and any(BUYER in by for by in parties)
    )


def _iso(value: datetime) -> str:
    """Stored in UTC: the same moment is the same text, whichever zone the step was given. A
    batch gives every step the same `at`: the last one converted is kept (by identity, with
    the object itself so that its id is not reused; one tuple, read and replaced whole, so
    threads cannot mix two)."""
    last = _LAST_ISO[0]
    if last is not None and last[0] is value:
        return last[1]
    text = value.astimezone(UTC).isoformat()
    _LAST_ISO[0] = (value, text)
    return text


_LAST_ISO: list[tuple[datetime, str] | None] = [None]


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _review_due(case) -> tuple[datetime, str] | None:
    from aftersales.cases.deadlines import due_after, duration_name, spec_for

    policy = targets.policy_for(case.type)
    if not isinstance(policy.first_response, str):
        return targets.due(case.opened_at, policy.first_response), policy.source
    name = duration_name(case, policy.first_response)
    spec = spec_for(case, name)
    return due_after(case.opened_at, spec), spec["source"]


def _resolution_due(case, clocks: dict) -> datetime | None:
    policy = targets.policy_for(case.type)
    paused = int(clocks.get("paused_seconds", 0))
    calendar = business_calendar()
    # The same case, target, pause and calendar: the same due time. A chain's steps (approve,
    # then the refund it starts) ask it once each on the one case object: counted once.
    known = getattr(case, "_resolution_due", None)
    if (
        known is not None
        and known[0] is calendar
        and known[1] == (case.opened_at, policy.resolution, paused)
    ):
        return known[2]
    due = targets.due(case.opened_at, policy.resolution, extra_seconds=paused)
    case._resolution_due = (calendar, (case.opened_at, policy.resolution, paused), due)
    return due


def _breach(clocks: dict, target: str, due_at: datetime, at: datetime) -> None:
    if any(b["kind"] == target and b["due_at"] == _iso(due_at) for b in clocks["breaches"]):
        return
    clocks["breaches"] = [
        *clocks["breaches"],
        {"kind": target, "due_at": _iso(due_at), "at": _iso(at)},
    ]


def record_step(
    case, flow: Flow, from_state: str, target: str, *, party: str | None, timer: Any, at: datetime
) -> None:
    """A transition moved the case: stop, start, pause and resume its clocks (in memory; the
    step's UPDATE writes them). A timer taking its default outcome is a missed target."""
    clocks = dict(case.facts.get("sla") or {})
    clocks.setdefault("breaches", [])
    if from_state == "requested" and "first_responded_at" not in clocks and party != BUYER:
        clocks["first_responded_at"] = _iso(at)
        if timer is not None:  # nobody reviewed it: the timeout decided (TB-01/TB-02/JD-02)
            _breach(clocks, FIRST, timer.due_at, at)
    elif timer is not None and from_state != "requested" and not waits_on_buyer(flow, from_state):
        _breach(clocks, NEXT, timer.due_at, at)  # the merchant's turn passed unanswered
    paused_since = _at(clocks.get("paused_since"))
    if paused_since is None and all(b["kind"] != RESOLUTION for b in clocks["breaches"]):
        # The resolution clock ran until now: passing its due time is a breach, recorded before
        # a pause (or the end) would hide it.
        resolution_due = _safe(lambda: _resolution_due(case, clocks))
        if resolution_due is not None and at > resolution_due:
            _breach(clocks, RESOLUTION, resolution_due, at)
    waits = waits_on_buyer(flow, target)
    if paused_since is not None and not waits:
        stood = targets.business_seconds(paused_since, at)
        clocks["paused_seconds"] = int(clocks.get("paused_seconds", 0)) + max(stood, 0)
        clocks["paused_since"] = None
    elif paused_since is None and waits:
        clocks["paused_since"] = _iso(at)
    clocks["turn_since"] = _iso(at)
    case.facts = {**case.facts, "sla": clocks}


def record_escalation(case, *, due_at: datetime, at: datetime) -> None:
    """A deadline whose default is an escalation (the platform's ruling, CP-06) passed."""
    clocks = dict(case.facts.get("sla") or {})
    clocks.setdefault("breaches", [])
    _breach(clocks, NEXT, due_at, at)
    case.facts = {**case.facts, "sla": clocks}


def _safe(compute):
    try:
        return compute()
    except CalendarUnknown:
        return None  # a year the calendar does not know: no due time rather than a wrong one


def status(case, open_deadlines: list, *, now: datetime | None = None) -> dict[str, Any]:
    """The case's SLA as the API and the pages show it."""
    now = now or clock.now()
    flow = flow_for(case.type)
    clocks = case.facts.get("sla") or {}
    breaches = clocks.get("breaches", [])
    missed = {b["kind"] for b in breaches}
    closed = case.state in flow.terminal
    paused_since = None if closed else _at(clocks.get("paused_since"))
    paused_seconds = int(clocks.get("paused_seconds", 0)) + (
        _safe(lambda: targets.business_seconds(paused_since, now)) or 0 if paused_since else 0
    )
    review = _safe(lambda: _review_due(case))
    first_due, source = review if review else (None, targets.policy_for(case.type).source)
    responded = _at(clocks.get("first_responded_at"))
    if responded is None and case.state != "requested":
        responded = case.closed_at or case.updated_at  # a case older than its clocks
    rows = []
    if first_due is not None:
        rows.append(
            {
                "due_at": first_due,
                "warn_at": targets.warning_between(case.opened_at, first_due),
                "met_at": responded,
                "breached": FIRST in missed,
            }
        )
    next_due = None
    if not closed and case.state != "requested" and not waits_on_buyer(flow, case.state):
        turn = [d for d in open_deadlines if d.guard_state == case.state]
        if turn:
            next_due = turn[0].due_at
            since = _at(clocks.get("turn_since")) or case.updated_at
            rows.append({"due_at": next_due, "warn_at": targets.warning_between(since, next_due)})
    resolution_due = None
    if paused_since is None:
        resolution_due = _safe(lambda: _resolution_due(case, clocks))
    if resolution_due is not None:
        policy = targets.policy_for(case.type)
        warn = _safe(
            lambda: targets.warning_at(
                case.opened_at,
                policy.resolution,
                extra_seconds=int(clocks.get("paused_seconds", 0)),
            )
        )
        rows.append(
            {
                "due_at": resolution_due,
                "warn_at": warn,
                "met_at": case.closed_at if closed else None,
                "breached": RESOLUTION in missed,
            }
        )
    if missed:  # a target missed for good, whether or not its clock still runs
        rows.append({"due_at": None, "breached": True})
    return {
        "status": targets.classify(rows, paused=paused_since is not None, now=now),
        "due_at": targets.earliest_due(rows),
        "first_response_due_at": clock.localtime(first_due) if first_due else None,
        "first_responded_at": clock.localtime(responded) if responded else None,
        "next_response_due_at": clock.localtime(next_due) if next_due else None,
        "resolution_due_at": clock.localtime(resolution_due) if resolution_due else None,
        "paused": paused_since is not None,
        "paused_since": clock.localtime(paused_since) if paused_since else None,
        "paused_business_seconds": paused_seconds,
        "breached": sorted(missed),
        "policy": source,
    }
