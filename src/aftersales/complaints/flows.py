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
    # Investigation: questions to departments (opening one starts the investigation), then
    # the responsibility found, frozen at this decision (RootCause rows, the quality report).
    *(
        T(s, "open_task", "investigating", by=DESK, requires=("department", "question"))
        for s in ("received", "acknowledged", "investigating")
    ),
    T(
        "investigating",
        "find_responsibility",
        by=DESK,
        requires=("responsibility",),
        when="not_yet_found",
    ),
    # The solution names what is offered; it also decides the responsibility when the
    # investigation has not found it yet (then `responsibility` is required).
    T("investigating", "propose_solution", "solution_proposed", by=DESK, requires=("solution",)),
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

# --- Investigation ----------------------------------------------------------------------------

# Department → default due time in business hours (the 09:00–18:00 calendar: 9 a working day),
# overridable by AFTERSALES_INVESTIGATION_DUE_HOURS. Derived from CP-06 (a decision within 7
# working days): the departments answer well inside it.
DEPARTMENTS: dict[str, float] = {
    "quality": 18,  # 2 working days: a lab look at the goods
    "logistics": 9,  # 1 working day: the carrier's trace
    "warehouse": 9,  # 1 working day: the packing record
    "supplier": 27,  # 3 working days: an outside party
    "merchant": 9,  # 1 working day: the shop's own statement
}
# Who answers a department's task besides the desk (which relays answers given by phone) and
# platform integrations (the carrier's, warehouse's or supplier's systems): the quality role
# its own; the merchant side of the complaint's merchant the merchant's.
ANSWERED_BY: dict[str, frozenset[str]] = {
    "quality": frozenset({Role.QUALITY}),
    "merchant": frozenset({Role.MERCHANT_ADMIN, Role.MERCHANT_STAFF, "merchant_integration"}),
}
# The most a task may be given, in business hours (CP-06: the whole decision in 7 days).
MAX_TASK_HOURS = 7 * 9

# Responsibility → its reason codes: what the quality report rolls up.
REASON_CODES: dict[str, tuple[str, ...]] = {
    "product_quality": (
        "defect",
        "material",
        "workmanship",
        "design",
        "not_as_described",
        "counterfeit",
        "safety",
        "expired",
    ),
    "logistics": ("damaged_in_transit", "lost", "late_delivery", "wrong_address", "rough_handling"),
    "service": ("slow_response", "wrong_information", "attitude", "broken_promise"),
    "merchant": (
        "wrong_item",
        "missing_parts",
        "shipped_late",
        "refused_valid_claim",
        "misleading_listing",
        "packing",
    ),
    "buyer_misunderstanding": ("usage", "policy", "expectation"),
    "misuse": ("improper_use", "accidental_damage", "unauthorised_repair"),
}
RESPONSIBILITIES = frozenset(REASON_CODES)


def transitions_from(state: str) -> list[T]:
    return [t for t in TRANSITIONS if t.source == state]


def candidates(state: str, action: str) -> list[T]:
    return [t for t in TRANSITIONS if t.source == state and t.action == action]
