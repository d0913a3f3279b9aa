"""The complaint lifecycle as data: states, transitions (which desk level or party may take
them, what they require, where they lead) — the one executor in services.py applies it; the
API, the docs and the tests read it.

Parties: `customer` (the buyer), `agent`, `specialist`, `manager` (the desk, each level also
allowed what the levels below it may do) and `system` (the SLA worker). `to=""` keeps the
state (escalate, pause for the customer, rate)."""

from __future__ import annotations

from dataclasses import dataclass

from aftersales.accounts.actors import PLATFORM_INTEGRATION, SYSTEM, Actor
from aftersales.accounts.models import Role

CUSTOMER, AGENT, SPECIALIST, MANAGER, AUTO = "customer", "agent", "specialist", "manager", "system"
DESK_LEVEL = {Role.AGENT: AGENT, Role.SPECIALIST: SPECIALIST, Role.MANAGER: MANAGER}
RANK = {AGENT: 1, SPECIALIST: 2, MANAGER: 3}
# Level order: LEVEL_ORDER[RANK[level]] is the level above `level`.
LEVEL_ORDER = (AGENT, SPECIALIST, MANAGER)


def party_of(actor: Actor) -> str | None:
    """The flow's party for an actor; administrators and platform integrations act as
    managers (they hold every authority the desk has)."""
    if actor.role == SYSTEM:
        return AUTO
    if actor.is_buyer:
        return CUSTOMER
    if actor.role in DESK_LEVEL:
        return DESK_LEVEL[actor.role]
    if actor.role in {Role.ADMIN, PLATFORM_INTEGRATION}:
        return MANAGER
    return None


@dataclass(frozen=True)
class T:
    source: str
    action: str
    to: str = ""  # "" keeps the state
    by: frozenset[str] = frozenset()
    requires: tuple[str, ...] = ()
    when: str = ""  # a named guard in services.GUARDS


DESK = frozenset({AGENT, SPECIALIST, MANAGER})
SENIOR = frozenset({SPECIALIST, MANAGER})
OPEN = (
    "received",
    "acknowledged",
    "investigating",
    "solution_proposed",
    "awaiting_approval",
    "executing",
    "awaiting_confirmation",
)
STATES = (*OPEN, "resolved", "closed")
TERMINAL = frozenset({"resolved", "closed"})
# States in which the SLA may wait on the customer (the desk asked them something).
PAUSABLE = frozenset({"acknowledged", "investigating", "solution_proposed"})


def _every_open(action: str, to: str = "", **kw) -> tuple[T, ...]:
    return tuple(T(s, action, to, **kw) for s in OPEN)


TRANSITIONS: tuple[T, ...] = (
    T("received", "acknowledge", "acknowledged", by=DESK),
    T("acknowledged", "investigate", "investigating", by=DESK),
    T("received", "investigate", "investigating", by=DESK),
    # The solution names what is offered and the responsibility found (frozen at this point).
    T(
        "investigating",
        "propose_solution",
        "solution_proposed",
        by=DESK,
        requires=("solution", "responsibility"),
    ),
    # Within the actor's authority the solution is carried out; above it, an approval request.
    T("solution_proposed", "execute", "executing", by=DESK, when="within_authority"),
    T("solution_proposed", "execute", "awaiting_approval", by=DESK, when="above_authority"),
    T("awaiting_approval", "approve", "executing", by=SENIOR, when="may_grant"),
    T("awaiting_approval", "refuse", "solution_proposed", by=SENIOR, requires=("reason",)),
    T("executing", "complete", "awaiting_confirmation", by=DESK),
    T("awaiting_confirmation", "confirm", "resolved", by=frozenset({CUSTOMER, AUTO, *DESK})),
    T("awaiting_confirmation", "dispute", "investigating", by=frozenset({CUSTOMER, *DESK})),
    T("resolved", "reopen", "investigating", by=frozenset({CUSTOMER, *DESK}), when="reopenable"),
    T("resolved", "rate", "", by=frozenset({CUSTOMER}), requires=("rating",)),
    T("closed", "rate", "", by=frozenset({CUSTOMER}), requires=("rating",)),
    *_every_open("escalate", by=frozenset({AGENT, SPECIALIST, AUTO}), requires=("reason",)),
    *_every_open("change_severity", by=DESK, requires=("severity", "reason")),
    *_every_open("close_without_remedy", "closed", by=DESK, requires=("reason",)),
    *(T(s, "await_customer", "", by=DESK, requires=("note",)) for s in sorted(PAUSABLE)),
)

ACTIONS = frozenset(t.action for t in TRANSITIONS)


def transitions_from(state: str) -> list[T]:
    return [t for t in TRANSITIONS if t.source == state]


def candidates(state: str, action: str) -> list[T]:
    return [t for t in TRANSITIONS if t.source == state and t.action == action]
