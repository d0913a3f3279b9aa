"""Every state change of a case. One executor (`act`) applies a declared transition: it checks
who may act, validates what the transition requires, moves the state, appends the event,
reschedules the deadlines — in the caller's one transaction, with the case row locked, so two
conflicting actions cannot both win. Each action also has its own named function
(`approve_case`, `reject_case`, …) for code that calls one action.

The executor is two halves: `plan_action` decides a step on the locked in-memory case (the
transition, the party, the requirements, the step effects, an `on_enter` follow-up, the
events, the deadlines to cancel and schedule, the lines' outcome) and writes nothing;
`apply_plans` writes any number of plans in a fixed number of statements. `act` is the plan of
one action applied as a batch of one; the deadline worker (timers.py) plans a whole batch and
applies it once. There is no other copy of the flow's logic.

Batch effects of other contexts (`after_step`). A context that must write its own rows when a
step is taken (the refund ledger on `refund`, return logistics on `ship_return`,
`confirm_receipt`, `inspect`, `ship_replacement`) registers a hook:

    @services.after_step("refund")
    def grant_refunds(taken: list[tuple[Case, ActionBody, CaseEvent]]) -> None: ...

The contract: `apply_plans` calls each hook ONCE per apply with every (case, body, event) that
took that action in it — a list of one for a single `act`, up to a batch for the worker — in the
caller's transaction, before the case engine's own rows are written: the cases are as the plans
left them in memory, and what a hook still sets of their `CASE_FIELDS` (a fact, the refund
amount) is written with them; the events are built but not yet inserted (no ids). A hook reads
and writes in bulk (a statement per call, not per case) and sends nothing itself (after commit
or the outbox). A hook may refuse (a 422 naming the field): that rolls back the whole action,
or the whole batch, which the worker then retries row by row, so the refused row backs off
alone. Register from the context's `AppConfig.ready()`, so that every process (web, worker,
`aftersales deadlines run`) has the hooks; there are none by default."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor
from aftersales.cases import deadlines
from aftersales.cases import sla as case_sla
from aftersales.cases.events import build_event, write_events
from aftersales.cases.flows import FLOWS, REFUNDED_BEFORE_RETURN, Flow, T, flow_for, party_of
from aftersales.cases.models import Case, CaseEvent, CaseLine, Deadline
from aftersales.cases.opening import LineClaim, open_case  # noqa: F401 - its home: opening.py
from aftersales.core import bulksql, clock
from aftersales.core.errors import Conflict, FieldError, InvalidInput, NotAllowed
from aftersales.core.money import CENT
from aftersales.policy import loading

ACTIONS = frozenset(t.action for flow in FLOWS.values() for t in flow.transitions)


# --- Acting on a case -----------------------------------------------------------------------


@dataclass
class ActionBody:
    note: str = ""
    reason: str = ""
    carrier: str = ""
    tracking_no: str = ""
    amount: Decimal | None = None
    result: str = ""
    ruling: str = ""
    expected_version: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return getattr(self, name, None) or self.extra.get(name)

    @classmethod
    def of(cls, data: dict[str, Any]) -> ActionBody:
        """From the API's fields: the ones named here, the rest (a context's own: pickup,
        inspections, variant …) into `extra` when given."""
        known = {f.name for f in fields(cls)} - {"extra"}
        return cls(
            **{k: v for k, v in data.items() if k in known},
            extra={k: v for k, v in data.items() if k not in known and v not in (None, "", [], {})},
        )

    def as_payload(self) -> dict[str, Any]:
        out = {
            k: v
            for k, v in (
                ("reason", self.reason),
                ("carrier", self.carrier),
                ("tracking_no", self.tracking_no),
                ("result", self.result),
                ("ruling", self.ruling),
            )
            if v
        }
        if self.amount is not None:
            out["amount"] = f"{self.amount:.2f}"
        return out


def _repeated_repair_failures(case: Case) -> bool:
    category = case.lines.select_related("order_line").first().order_line.category
    threshold = (
        loading.compiled(case.policy_version)
        .rules_for(case.merchant.code, category)
        .failed_repairs_before_exchange
    )
    return case.facts.get("failed_repairs", 0) >= threshold


GUARDS: dict[str, Callable[[Case], bool]] = {
    "repeated_repair_failures": _repeated_repair_failures,
}

# The checks a flow's `Divert` names: each is given the case and the step's own rule (what the
# caller acts under, e.g. the fast lane's) and answers the rule that diverts the step, or "".
# The contexts above cases register theirs from AppConfig.ready() (credit: a merchant whose
# rejections the platform reviews first); with none registered, nothing is diverted. Cheap by
# contract: no statement per call.
DivertCheck = Callable[[Case, str], str]
DIVERTS: dict[str, list[DivertCheck]] = {
    "platform_checks_rejections": [],
    "refund_before_return": [],  # risk: the fast lane's refund at the first scan
}


def divert_check(name: str) -> Callable[[DivertCheck], DivertCheck]:
    """Register a check of the flows' divert `name`."""
    if name not in DIVERTS:
        raise ValueError(f"unknown divert {name!r}; one of {sorted(DIVERTS)}")

    def register(check: DivertCheck) -> DivertCheck:
        DIVERTS[name].append(check)
        return check

    return register


# The checks a flow's `follow_ups` name: each answers the rule of the step the system takes on
# entering the state, or "". Registered like DIVERTS (risk: the fast lane at approval).
FOLLOW_UPS: dict[str, list[Callable[[Case], str]]] = {"fast_lane_at_approval": []}


def follow_up_check(name: str) -> Callable[[Callable[[Case], str]], Callable[[Case], str]]:
    """Register a check of the flows' follow-up `name`."""
    if name not in FOLLOW_UPS:
        raise ValueError(f"unknown follow-up {name!r}; one of {sorted(FOLLOW_UPS)}")

    def register(check: Callable[[Case], str]) -> Callable[[Case], str]:
        FOLLOW_UPS[name].append(check)
        return check

    return register


def _checked_follow_up(case: Case, flow: Flow, state: str) -> tuple[str, str] | None:
    declared = flow.follow_ups.get(state)
    if declared is None:
        return None
    action, name = declared
    for check in FOLLOW_UPS[name]:
        rule = check(case)
        if rule:
            return action, rule
    return None


def _diverted(case: Case, transition: T, target: str, rule: str) -> tuple[str, str]:
    """(the state the step leads to, the rule that diverted it there or ""); `rule`: the step's
    own."""
    for divert in transition.diverts:
        if divert.into != target:
            continue
        for check in DIVERTS[divert.check]:
            diverted_by = check(case, rule)
            if diverted_by:
                return divert.to, diverted_by
    return target, ""


def _may(case: Case, transition: T, party: str | None) -> bool:
    if party not in transition.by:
        return False
    return not transition.when or GUARDS[transition.when](case)


def allowed_actions(case: Case, actor: Actor) -> list[str]:
    """What `actor` may do to the case now: the one answer for the API, the pages (which
    buttons to show) and the server check."""
    flow, party = flow_for(case.type), party_of(actor)
    return sorted({t.action for t in flow.transitions_from(case.state) if _may(case, t, party)})


def may(case: Case, actor: Actor, action: str) -> bool:
    """Whether `action` is among `allowed_actions(case, actor)`, deciding that one transition
    alone (a queue asks it of 50 rows; another transition's guard may read the database)."""
    transition = flow_for(case.type).transition(case.state, action)
    return transition is not None and _may(case, transition, party_of(actor))


def require_known_action(action: str) -> None:
    if action not in ACTIONS:
        raise InvalidInput.on_field(
            "action", f"unknown action {action!r}; one of {sorted(ACTIONS)}"
        )


def refundable(case: Case) -> Decimal:
    # `open_case` leaves the lines it has just written on the case, a batch the rows it read
    # for all its cases (`read_refundable`): a line's amount never changes.
    lines = getattr(case, "line_rows", None)
    if lines is None:
        lines = getattr(case, "written_lines", None)
    if lines is None:
        lines = case.lines.all()
    return sum((ln.refundable_amount for ln in lines), Decimal("0.00"))


def read_refundable(cases: list[Case]) -> None:
    """The lines of many cases in one query, for a batch whose steps may refund: what
    `refundable` sums and what the refund ledger's requests are made of (refunding.py), as
    plain rows (`case_id`, `order_line_id`, `quantity`, `refundable_amount`), by line id —
    a batch reads hundreds, and neither needs model instances."""
    for case in cases:
        case.line_rows = []
    by_pk = {case.pk: case for case in cases}
    rows = (
        CaseLine.objects.filter(case_id__in_ids=list(by_pk))
        .order_by("pk")
        .values_list("case_id", "order_line_id", "quantity", "refundable_amount", named=True)
    )
    for row in rows:
        by_pk[row.case_id].line_rows.append(row)


def act(
    *,
    case: Case,
    actor: Actor,
    action: str,
    body: ActionBody | None = None,
    rule: str = "",
    timer: Any = None,
    at: datetime | None = None,
    locked: bool = False,
) -> Case:
    """Apply `action` to the case as `actor`. Raises NotAllowed (409, naming the allowed
    actions) when the flow has no such step now or not for this actor; InvalidInput naming the
    missing or wrong field; Conflict when `expected_version` is stale.

    `locked=True`: the caller holds the case row locked in its open transaction and read `case`
    after taking the lock; it is used as it is — no re-select, no savepoint: an error rolls back
    the caller's transaction."""
    body = body or ActionBody()
    if locked:
        return _act_locked(case, actor, action, body, rule=rule, timer=timer, at=at or clock.now())
    with transaction.atomic():
        # Lock the case row only (of="self"): locking the joined merchant too would queue every
        # action on every case of that merchant behind one another.
        given = case
        case = (
            Case.objects.select_for_update(of=("self",)).select_related("merchant").get(pk=case.pk)
        )
        _keep_cached(given, case, ("buyer", "order"))
        return _act_locked(case, actor, action, body, rule=rule, timer=timer, at=at or clock.now())


def _keep_cached(source: Case, target: Case, names: tuple[str, ...]) -> None:
    """A case's buyer and order never change: what the caller already read need not be read
    again for the response."""
    if source is target:
        return
    for name in names:
        descriptor = Case._meta.get_field(name)
        if descriptor.is_cached(source) and not descriptor.is_cached(target):
            descriptor.set_cached_value(target, descriptor.get_cached_value(source))


def _act_locked(
    case: Case,
    actor: Actor,
    action: str,
    body: ActionBody,
    *,
    rule: str,
    timer: Any,
    at: datetime,
    seq: int | None = None,
    has_pending: bool = True,
) -> Case:
    """The body of `act`, on a case row this transaction holds locked: the plan of one action,
    applied as a batch of one. `seq`: the event's number when the caller knows it;
    `has_pending`: False when the case can have no pending deadline (just opened, none
    scheduled)."""
    plan = plan_action(
        case, actor, action, body, rule=rule, timer=timer, at=at, seq=seq, has_pending=has_pending
    )
    apply_plans([plan])
    return plan.case


@dataclass
class Step:
    """One transition a plan takes: what the `after_step` hooks of its action receive."""

    action: str
    body: ActionBody
    event: CaseEvent


@dataclass
class Plan:
    """What acting on one case does, decided in memory (`plan_action`); `apply_plans` writes it.
    An automatic follow-up (`on_enter`) adds its step to the same plan. A plan with events and
    no steps is a notice: the case only counts the event."""

    case: Case
    at: datetime
    steps: list[Step] = field(default_factory=list)
    events: list[CaseEvent] = field(default_factory=list)
    cancel_pending: bool = False
    schedule: list[Deadline] = field(default_factory=list)
    # (release the lines' quantity, their outcome) when the case ends.
    lines: tuple[bool, str] | None = None

    @property
    def moved(self) -> bool:
        return bool(self.steps)


# What a step may change on the case (the step effects write facts and refund_amount).
CASE_FIELDS = (
    "state",
    "version",
    "updated_at",
    "closed_at",
    "facts",
    "refund_amount",
    "last_event_seq",
)


def plan_action(
    case: Case,
    actor: Actor,
    action: str,
    body: ActionBody,
    *,
    rule: str,
    timer: Any,
    at: datetime,
    seq: int | None = None,
    has_pending: bool = True,
) -> Plan:
    """Decide `action` on a case this transaction holds locked: every check of the flow, the
    step effects on the in-memory case, the events, the deadlines to cancel and schedule, the
    lines' outcome — nothing written. Raises the domain error a person would get, and then
    leaves the in-memory case as it found it (a batch goes on planning its other rows)."""
    before = {name: getattr(case, name) for name in CASE_FIELDS}
    before["facts"] = dict(case.facts)  # step effects only set top-level keys
    plan = Plan(case=case, at=at)
    try:
        _plan_step(
            plan, actor, action, body, rule=rule, timer=timer, seq=seq, has_pending=has_pending
        )
    except BaseException:
        for name, value in before.items():
            setattr(case, name, value)
        raise
    return plan


def plan_notice(
    case: Case,
    action: str,
    *,
    note: str,
    rule: str,
    payload: dict[str, Any],
    at: datetime,
) -> Plan:
    """A step that changes no state (a reminder, an escalation): only an event, by `system`,
    counted on the locked case."""
    seq = case.last_event_seq + 1
    case.last_event_seq = seq
    if action == "escalate" and payload.get("due_at"):
        case_sla.record_escalation(case, due_at=datetime.fromisoformat(payload["due_at"]), at=at)
    event = build_event(
        case, SYSTEM_ACTOR, action, seq=seq, note=note, rule=rule, payload=payload, at=at
    )
    return Plan(case=case, at=at, events=[event])


def _plan_step(
    plan: Plan,
    actor: Actor,
    action: str,
    body: ActionBody,
    *,
    rule: str,
    timer: Any,
    seq: int | None,
    has_pending: bool,
) -> None:
    case = plan.case
    if body.expected_version is not None and body.expected_version != case.version:
        raise Conflict.on_field(
            "expected_version",
            f"the case is at version {case.version}; reload it",
            version=case.version,
        )
    flow = flow_for(case.type)
    transition = flow.transition(case.state, action)
    party = party_of(actor)
    if transition is None or not _may(case, transition, party):
        raise NotAllowed(
            f"'{action}' is not possible in state '{case.state}' for {actor.role}.",
            allowed_actions=allowed_actions(case, actor),
            state=case.state,
        )
    _check_requirements(case, transition, body)
    target = transition.target(
        {"result": body.result, "ruling": body.ruling},
        flow.resume,
        case.facts.get("rejected_from", "requested"),
    )
    target, diverted_by = _diverted(case, transition, target, rule)
    STEP_EFFECTS.get(action, _no_effect)(case, body)
    _move(
        plan,
        flow,
        actor,
        action,
        target,
        body,
        rule=diverted_by or rule,
        timer=timer,
        seq=seq,
        has_pending=has_pending,
    )


def _check_requirements(case: Case, transition: T, body: ActionBody) -> None:
    errors = [
        FieldError(name, "required for this action")
        for name in transition.requires
        if not body.get(name)
    ]
    if transition.outcomes and body.get(transition.outcome_field):
        allowed = [value for value, _ in transition.outcomes]
        if body.get(transition.outcome_field) not in allowed:
            errors.append(FieldError(transition.outcome_field, f"one of {allowed}"))
    if body.amount is not None:
        limit = refundable(case)
        if body.amount <= 0 or body.amount != body.amount.quantize(CENT):
            errors.append(FieldError("amount", "a positive amount with at most two places"))
        elif body.amount > limit:
            errors.append(FieldError("amount", f"at most {limit:.2f}, what is refundable"))
    needs_amount = (transition.action == "inspect" and body.result == "partial") or (
        transition.action == "rule" and body.ruling == "partial"
    )
    if needs_amount and body.amount is None:
        errors.append(FieldError("amount", "a partial outcome names the amount refunded"))
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


def _move(
    plan: Plan,
    flow: Flow,
    actor: Actor,
    action: str,
    target: str,
    body: ActionBody,
    *,
    rule: str,
    timer: Any,
    seq: int | None,
    has_pending: bool,
) -> None:
    case, at = plan.case, plan.at
    from_state = case.state
    case.state = target
    case.version += 1
    case.updated_at = at
    case_sla.record_step(case, flow, from_state, target, party=party_of(actor), timer=timer, at=at)
    if target in flow.terminal:
        case.closed_at = at
    seq = seq or case.last_event_seq + 1  # the row is locked: nobody else appends now
    case.last_event_seq = seq
    if target in flow.terminal and target not in flow.remedied:
        plan.lines = (True, target)
    elif target in flow.remedied and target in flow.terminal:
        plan.lines = (False, target)
    payload = body.as_payload()
    if timer is not None:
        payload["timer"] = {"kind": timer.kind, "due_at": timer.due_at.isoformat()}
    event = build_event(
        case,
        actor,
        action,
        seq=seq,
        from_state=from_state,
        to_state=target,
        note=body.note,
        rule=rule or (timer.rule if timer is not None else ""),
        payload=payload,
        at=at,
    )
    plan.events.append(event)
    plan.steps.append(Step(action, body, event))
    follow_up = None
    if target != from_state:
        follow_up = flow.on_enter.get(target) or _checked_follow_up(case, flow, target)
    if follow_up:
        # The automatic next step, on the case this transaction already holds: its deadlines
        # are those of the state the case comes to rest in, so `target`'s are never scheduled
        # (the follow-up would only cancel them).
        next_action, next_rule = follow_up
        follows = len(plan.steps)
        _plan_step(
            plan,
            SYSTEM_ACTOR,
            next_action,
            ActionBody(),
            rule=next_rule,
            timer=None,
            seq=seq + 1,
            has_pending=has_pending,
        )
        # The step it follows from (a person's approval, say), for hooks that must know whose
        # decision an automatic step carries out (the refund's maker, for maker/checker).
        plan.steps[follows].event.caused_by = event
        return
    plan.cancel_pending = has_pending
    plan.schedule = (
        deadlines.build(case, flow, target, now=at) if target not in flow.terminal else []
    )


def apply_plans(plans: list[Plan]) -> None:
    """Write what `plans` decided, in the caller's transaction (each case locked by it), in a
    fixed number of statements however many plans: the `after_step` hooks once per action, then
    the cases, the events, the left states' pending deadlines cancelled, the new ones, the
    lines' outcomes (one per outcome). A case may appear in several plans (notices before the
    step that moves it); it is written once, as the last plan left it."""
    if not plans:
        return
    # The other contexts' rows first: a hook may still set a fact the case is written with.
    run_after_step(plans)
    cases = list({plan.case.pk: plan.case for plan in plans}.values())
    _write_cases(cases)
    write_events([event for plan in plans for event in plan.events])
    cancel: dict[datetime, list[int]] = {}
    for plan in plans:
        if plan.cancel_pending:
            cancel.setdefault(plan.at, []).append(plan.case.pk)
    for at, case_ids in cancel.items():  # one time per batch: one statement
        deadlines.cancel_pending_of(case_ids, now=at)
    # After the cancel, the pending deadlines are exactly the ones scheduled here.
    new = [row for plan in plans for row in plan.schedule]
    if new:
        bulksql.insert_rows(Deadline, new)
    outcomes: dict[tuple[bool, str], list[int]] = {}
    for plan in plans:
        if plan.moved:
            plan.case.scheduled_deadlines = plan.schedule
        if plan.lines:
            outcomes.setdefault(plan.lines, []).append(plan.case.pk)
    for (release, outcome), case_ids in outcomes.items():
        changes = {"holds_quantity": False, "outcome": outcome} if release else {"outcome": outcome}
        CaseLine.objects.filter(case_id__in_ids=case_ids).update(**changes)


def run_after_step(plans: list[Plan]) -> None:
    """The `after_step` hooks of the plans' steps, once per action with all its steps (the
    first thing `apply_plans` does; `open_case` calls it after its own write)."""
    taken: dict[str, list[tuple[Case, ActionBody, CaseEvent]]] = {}
    for plan in plans:
        for step in plan.steps:
            taken.setdefault(step.action, []).append((plan.case, step.body, step.event))
    for action, items in taken.items():
        for hook in AFTER_STEP.get(action, ()):
            hook(items)


def _write_cases(cases: list[Case]) -> None:
    if len(cases) == 1:
        cases[0].save(update_fields=CASE_FIELDS)
    else:
        bulksql.update_rows(Case, cases, CASE_FIELDS)


# --- What each step remembers ---------------------------------------------------------------


def _no_effect(case: Case, body: ActionBody) -> None:
    return None


def _on_reject(case: Case, body: ActionBody) -> None:
    case.facts["rejected_from"] = case.state
    case.facts["rejection_reason"] = body.reason


def _on_inspect(case: Case, body: ActionBody) -> None:
    case.facts["inspection"] = {"result": body.result, "note": body.note}
    if case.state in REFUNDED_BEFORE_RETURN:
        # 极速退款: the money went back already; a shortfall is the merchant's claim against the
        # buyer for the platform to rule on, not a smaller refund.
        if body.result != "pass":
            case.facts["merchant_claim"] = {
                "result": body.result,
                "reason": body.reason or body.note,
                "kept": f"{body.amount:.2f}" if body.amount is not None else None,
            }
        return
    if body.result == "fail":
        case.facts["rejected_from"] = case.state
        case.facts["rejection_reason"] = body.reason or body.note
    elif body.result == "partial":
        case.refund_amount = body.amount


def _on_rule(case: Case, body: ActionBody) -> None:
    case.facts["ruling"] = {
        "ruling": body.ruling,
        "reason": body.reason,
        "amount": f"{body.amount:.2f}" if body.amount else None,
    }
    # A partial ruling names the amount refunded — except after a refund already made (the fast
    # lane's, `recovery_review`): there it is what the buyer keeps of the money sent, which
    # stays as the ledger paid it (risk/recovery.py pays the merchant the rest).
    if body.ruling == "partial" and case.state != "recovery_review":
        case.refund_amount = body.amount


def _on_refund(case: Case, body: ActionBody) -> None:
    # The amount granted: what the merchant names, or what a partial outcome fixed, or all that
    # is refundable. (The money itself moves through the refund ledger.)
    case.refund_amount = body.amount or case.refund_amount or refundable(case)


def _on_ship(field_name: str) -> Callable[[Case, ActionBody], None]:
    def remember(case: Case, body: ActionBody) -> None:
        case.facts[field_name] = {"carrier": body.carrier, "tracking_no": body.tracking_no}

    return remember


def _on_repair(case: Case, body: ActionBody) -> None:
    if body.result == "failed":
        case.facts["failed_repairs"] = case.facts.get("failed_repairs", 0) + 1


def _on_appeal(case: Case, body: ActionBody) -> None:
    case.facts["appeal_reason"] = body.reason


def _on_refer(case: Case, body: ActionBody) -> None:
    # Where the platform's ruling continues from (Flow.resume), and that the merchant, not a
    # rejection, stopped the case.
    case.facts["rejected_from"] = case.state
    case.facts["referred_from"] = case.state


STEP_EFFECTS: dict[str, Callable[[Case, ActionBody], None]] = {
    "reject": _on_reject,
    "appeal": _on_appeal,
    "refer": _on_refer,
    "inspect": _on_inspect,
    "rule": _on_rule,
    "refund": _on_refund,
    "ship_return": _on_ship("return_shipment"),
    "ship_replacement": _on_ship("replacement_shipment"),
    "repair": _on_repair,
}


# --- What other contexts write after a step -------------------------------------------------

AfterStep = Callable[[list[tuple[Case, ActionBody, CaseEvent]]], None]
AFTER_STEP: dict[str, list[AfterStep]] = {}


def after_step(action: str) -> Callable[[AfterStep], AfterStep]:
    """Register a batch effect of `action` (see the module docstring for the contract)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")

    def register(hook: AfterStep) -> AfterStep:
        AFTER_STEP.setdefault(action, []).append(hook)
        return hook

    return register


# --- One named function per action ----------------------------------------------------------


def _named(action: str):
    def run(*, case: Case, actor: Actor, body: ActionBody | None = None, **kwargs) -> Case:
        return act(case=case, actor=actor, action=action, body=body, **kwargs)

    run.__name__ = run.__qualname__ = f"{action}_case"
    run.__doc__ = f"Take '{action}' on the case, as its flow declares it."
    return run


approve_case = _named("approve")
reject_case = _named("reject")
withdraw_case = _named("withdraw")
ship_return = _named("ship_return")
confirm_receipt = _named("confirm_receipt")
inspect_return = _named("inspect")
refund_case = _named("refund")
ship_replacement = _named("ship_replacement")
confirm_replacement = _named("confirm_replacement")
appeal_case = _named("appeal")
rule_on_case = _named("rule")
close_case = _named("close")
diagnose_repair = _named("diagnose")
record_repair = _named("repair")
