"""The six lifecycles as data: states, transitions (who may take them, what they require, where
they lead), and deadlines (which policy duration, and what happens when nobody acts).

Pages, the API, the worker and the docs read these; none of them repeat them. Parties, not
roles, appear here: `buyer`, `merchant`, `platform` (the service desk) and `system` (the
deadline worker and automatic rules); `party_of` maps an actor to its party."""

from __future__ import annotations

from dataclasses import dataclass, field

from aftersales.accounts.actors import PLATFORM_INTEGRATION, SYSTEM, Actor
from aftersales.accounts.models import Role

BUYER, MERCHANT, PLATFORM, AUTO = "buyer", "merchant", "platform", "system"

# The platform's desk rules on appeals; which desk roles may take a platform step.
DESK_ROLES = frozenset({Role.AGENT, Role.SPECIALIST, Role.MANAGER, Role.ADMIN})


def party_of(actor: Actor) -> str | None:
    if actor.role == SYSTEM:
        return AUTO
    if actor.is_buyer:
        return BUYER
    if actor.is_merchant_side:
        return MERCHANT
    if actor.role in DESK_ROLES or actor.role == PLATFORM_INTEGRATION:
        return PLATFORM
    return None


@dataclass(frozen=True)
class Divert:
    """When the named check (DIVERTS in services) answers with a rule, a step that would lead
    to `into` leads to `to` instead, that rule on its event."""

    check: str
    into: str
    to: str


# A restricted merchant's rejection (credit: manual review of rejections) waits for the
# platform's look before it takes effect: the desk confirms it or overturns it.
REJECTION_CHECKED = Divert("platform_checks_rejections", "rejected", "rejection_review")


@dataclass(frozen=True)
class T:
    """A transition. `to` is a state, or `outcomes` picks the state from a field of the body
    (inspect's `result`, rule's `ruling`); `to="@resume"` continues where a rejection
    interrupted the case (see Flow.resume)."""

    source: str
    action: str
    to: str = ""
    by: frozenset[str] = frozenset()
    requires: tuple[str, ...] = ()
    outcomes: tuple[tuple[str, str], ...] = ()  # (value of the `outcome_field`, target state)
    outcome_field: str = ""
    when: str = ""  # a named guard (GUARDS in services), e.g. "repeated_repair_failures"
    diverts: tuple[Divert, ...] = ()

    def target(self, body: dict, resume: dict[str, str], rejected_from: str) -> str:
        to = dict(self.outcomes)[body[self.outcome_field]] if self.outcomes else self.to
        return resume[rejected_from] if to == "@resume" else to


# Deadline outcomes that are notices, not steps: the case stays where it is and whoever must
# act hears about it (a reminder before a deadline; an escalation when the desk is late).
NOTICES = frozenset({"remind", "escalate"})


@dataclass(frozen=True)
class Deadline:
    """In `state`, after the policy duration `duration`, the system takes `then` (an action
    of the flow from `state`, or a notice from NOTICES)."""

    state: str
    duration: str  # a name in the policy's `durations`
    then: str
    remind_before_hours: int = 0  # warn whoever must act this long before


@dataclass(frozen=True)
class Flow:
    name: str
    states: tuple[str, ...]
    terminal: frozenset[str]
    transitions: tuple[T, ...]
    deadlines: tuple[Deadline, ...] = ()
    # Where a successful appeal (or ruling for the buyer) continues, by the state the case was
    # rejected from.
    resume: dict[str, str] = field(default_factory=dict)
    # States in which the case has given the buyer their remedy (its line quantities stay
    # claimed); leaving the flow any other way releases them.
    remedied: frozenset[str] = frozenset()
    # Steps the system takes the moment a state is entered, with the rule behind them.
    on_enter: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Steps the system may take the moment a state is entered: (action, check) — taken when the
    # named check (FOLLOW_UPS in services) answers with a rule, which goes on its event.
    follow_ups: dict[str, tuple[str, str]] = field(default_factory=dict)

    def transitions_from(self, state: str) -> list[T]:
        return [t for t in self.transitions if t.source == state]

    def transition(self, state: str, action: str) -> T | None:
        for t in self.transitions:
            if t.source == state and t.action == action:
                return t
        return None

    def deadlines_in(self, state: str) -> list[Deadline]:
        return [d for d in self.deadlines if d.state == state]


def _by(*parties: str) -> frozenset[str]:
    return frozenset(parties)


M, B, P, S = _by(MERCHANT), _by(BUYER), _by(PLATFORM), _by(AUTO)
MS, PS, BS = _by(MERCHANT, AUTO), _by(PLATFORM, AUTO), _by(BUYER, AUTO)
RULINGS = "ruling"


def _common(review_state: str = "requested") -> tuple[T, ...]:
    """Every type: reject with a reason (checked by the platform first for a restricted
    merchant), withdraw, appeal a rejection to the platform, the platform's ruling, and
    closing a rejection nobody appealed."""
    return (
        T(
            review_state,
            "reject",
            "rejected",
            by=M,
            requires=("reason",),
            diverts=(REJECTION_CHECKED,),
        ),
        T(review_state, "withdraw", "withdrawn", by=B),
        # The platform's look at a rejection before it takes effect (REJECTION_CHECKED):
        # confirmed, it is the merchant's rejection as any other (the buyer may appeal it);
        # overturned, the case goes on where it was rejected from.
        T("rejection_review", "confirm_rejection", "rejected", by=P, requires=("reason",)),
        T("rejection_review", "overturn_rejection", "@resume", by=P, requires=("reason",)),
        T("rejection_review", "withdraw", "withdrawn", by=B),
        T("rejected", "appeal", "platform_review", by=B, requires=("reason",)),
        T("rejected", "close", "closed", by=BS),
        T(
            "platform_review",
            "rule",
            by=P,
            requires=("ruling", "reason"),
            outcome_field=RULINGS,
            outcomes=(("for_buyer", "@resume"), ("partial", "@resume"), ("for_merchant", "closed")),
        ),
    )


REVIEW = (
    Deadline("requested", "merchant_review", then="approve", remind_before_hours=24),
    Deadline("rejected", "appeal_window", then="close"),
    # The desk's queue is ordered by this; late rulings are escalated to a manager.
    Deadline("platform_review", "platform_ruling", then="escalate", remind_before_hours=24),
    # The desk's look at a restricted merchant's rejection: in the same queue, the same target.
    Deadline("rejection_review", "platform_ruling", then="escalate", remind_before_hours=24),
)


def _money_back(name: str, rule: str) -> Flow:
    """Refund only and price protection: nothing goes back, money comes back. Agreeing to the
    request is agreeing to pay it, so the refund follows the approval at once (`rule`)."""
    return Flow(
        name=name,
        states=(
            "requested",
            "approved",
            "refunded",
            "rejected",
            "rejection_review",
            "platform_review",
            "withdrawn",
            "closed",
        ),
        terminal=frozenset({"refunded", "withdrawn", "closed"}),
        transitions=(
            T("requested", "approve", "approved", by=MS),
            # No withdraw from `approved`: the refund follows the approval at once (on_enter).
            T("approved", "refund", "refunded", by=MS),
            *_common(),
        ),
        deadlines=(
            *REVIEW,
            # Should the automatic refund not go through, the system retries it: the merchant
            # pays promptly once approved (NR-08 counts 7 days).
            Deadline("approved", "merchant_refund_after_receipt", then="refund"),
        ),
        resume={"requested": "approved"},
        remedied=frozenset({"approved", "refunded"}),
        on_enter={"approved": ("refund", rule)},
    )


REFUND_ONLY = _money_back("refund_only", "TB-01")

RETURN_STEPS = (
    T("requested", "approve", "approved", by=MS),
    T("approved", "ship_return", "return_shipped", by=B, requires=("carrier", "tracking_no")),
    T("approved", "withdraw", "withdrawn", by=B),
    T("approved", "close", "closed", by=S),  # the buyer never shipped (TB-03)
    # The carrier's delivery scan (the tracking webhook, as the system): the receipt deadline
    # counts from here. The merchant may confirm receipt before any scan arrives.
    T("return_shipped", "deliver_return", "return_delivered", by=S),
    T("return_shipped", "confirm_receipt", "return_received", by=MS),
    T("return_delivered", "confirm_receipt", "return_received", by=MS),
)


# The receipt deadline starts at delivery; a return no carrier ever reports delivered keeps
# the count from shipment (what it was before tracking), so nobody waits for ever.
def _receipt_deadlines(then: str) -> tuple[Deadline, ...]:
    return (
        Deadline("return_shipped", "merchant_confirm_receipt", then=then, remind_before_hours=24),
        Deadline("return_delivered", "merchant_confirm_receipt", then=then, remind_before_hours=24),
    )


# The merchant owes a step only it can take (shipping a replacement, a reissue, a repaired
# item): no automatic step can stand in for it, so past its deadline the system hands the case
# to the platform (`refer`), which opens a dispute (disputes/hooks.py; JD-01: the merchant
# silent, the platform decides). The platform's ruling ends the case: its remedy is money.
def _refer(state: str) -> T:
    return T(state, "refer", "platform_review", by=S)


def _refer_deadline(state: str) -> Deadline:
    return Deadline(state, "merchant_ship_replacement", then="refer", remind_before_hours=24)


# 极速退款 (the fast lane, risk/hooks.py): a trusted buyer's money goes back before the goods
# arrive, but the return still travels to the merchant, who confirms receipt and inspects. The
# case is not `refunded` (terminal: nothing more will happen) until the goods are graded; these
# states say "the money is back, the return is awaited" at each leg of the parcel's journey.
REFUNDED_BEFORE_RETURN = (
    "refunded_awaiting_return",  # refunded at approval; the buyer has still to ship
    "refunded_return_shipped",
    "refunded_return_delivered",
    "refunded_return_received",
)

# The fast lane at the carrier's first scan: the system's `refund` from a shipped or delivered
# return leads on to inspection when risk's check names the fast lane's rule (the merchant
# silent on a delivered return, TB-04, still ends the case `refunded`).
FAST_LANE_FROM_SHIPPED = Divert("refund_before_return", "refunded", "refunded_return_shipped")
FAST_LANE_FROM_DELIVERED = Divert("refund_before_return", "refunded", "refunded_return_delivered")

# After a fast-lane refund the goods come back as in any return; passed, the case ends refunded;
# failed or partly failed, the merchant's claim against the buyer (empty box, swap, worn goods)
# goes to the platform (`recovery_review`), as does a return the buyer never shipped. The
# merchant's silence completes the case as passed: the buyer is not punished for it.
REFUNDED_FIRST_STEPS = (
    T("approved", "refund", "refunded_awaiting_return", by=S),
    T(
        "refunded_awaiting_return",
        "ship_return",
        "refunded_return_shipped",
        by=B,
        requires=("carrier", "tracking_no"),
    ),
    # The money is out and no parcel came (TB-03's time passed): the platform decides whether
    # the refund is recovered from the buyer.
    T("refunded_awaiting_return", "recover", "recovery_review", by=S),
    T("refunded_return_shipped", "deliver_return", "refunded_return_delivered", by=S),
    T("refunded_return_shipped", "confirm_receipt", "refunded_return_received", by=MS),
    T("refunded_return_delivered", "confirm_receipt", "refunded_return_received", by=MS),
    T(
        "refunded_return_received",
        "inspect",
        by=M,
        requires=("result",),
        outcome_field="result",
        outcomes=(
            ("pass", "refunded"),
            ("partial", "recovery_review"),
            ("fail", "recovery_review"),
        ),
    ),
    T("refunded_return_shipped", "complete", "refunded", by=S),
    T("refunded_return_delivered", "complete", "refunded", by=S),
    T("refunded_return_received", "complete", "refunded", by=S),
    # The platform's ruling on the merchant's claim (a person: confirmed abuse ends the buyer's
    # fast lane, risk/trust.py): for the buyer, the refund stands; partly, the buyer keeps the
    # amount ruled; for the merchant, the refund is to be recovered and the case closes.
    T(
        "recovery_review",
        "rule",
        by=P,
        requires=("ruling", "reason"),
        outcome_field=RULINGS,
        outcomes=(("for_buyer", "refunded"), ("partial", "refunded"), ("for_merchant", "closed")),
    ),
)

REFUNDED_FIRST_DEADLINES = (
    Deadline(
        "refunded_awaiting_return", "buyer_ship_return", then="recover", remind_before_hours=24
    ),
    *(
        Deadline(state, "merchant_confirm_receipt", then="complete", remind_before_hours=24)
        for state in ("refunded_return_shipped", "refunded_return_delivered")
    ),
    # NR-08's days to refund after receipt are, after a refund already made, the days to inspect.
    Deadline("refunded_return_received", "merchant_refund_after_receipt", then="complete"),
    Deadline("recovery_review", "platform_ruling", then="escalate", remind_before_hours=24),
)

RETURN_REFUND = Flow(
    name="return_refund",
    states=(
        "requested",
        "approved",
        "return_shipped",
        "return_delivered",
        "return_received",
        "inspected",
        *REFUNDED_BEFORE_RETURN,
        "recovery_review",
        "refunded",
        "rejected",
        "rejection_review",
        "platform_review",
        "withdrawn",
        "closed",
    ),
    terminal=frozenset({"refunded", "withdrawn", "closed"}),
    transitions=(
        *RETURN_STEPS,
        # The merchant silent on a delivered return: refunded without inspection (TB-04) — or,
        # diverted, the fast lane at the first scan (risk's check), which still inspects.
        T("return_shipped", "refund", "refunded", by=S, diverts=(FAST_LANE_FROM_SHIPPED,)),
        T("return_delivered", "refund", "refunded", by=S, diverts=(FAST_LANE_FROM_DELIVERED,)),
        T(
            "return_received",
            "inspect",
            by=M,
            requires=("result",),
            outcome_field="result",
            outcomes=(("pass", "inspected"), ("partial", "inspected"), ("fail", "rejected")),
            diverts=(REJECTION_CHECKED,),
        ),
        T("return_received", "refund", "refunded", by=MS),
        T("inspected", "refund", "refunded", by=MS),
        # 极速退款 at approval (the follow-up below, risk's check) and at the first scan.
        *REFUNDED_FIRST_STEPS,
        *_common(),
    ),
    deadlines=(
        *REVIEW,
        Deadline("approved", "buyer_ship_return", then="close", remind_before_hours=24),
        *_receipt_deadlines("refund"),
        Deadline("return_received", "merchant_refund_after_receipt", then="refund"),
        Deadline("inspected", "merchant_refund_after_receipt", then="refund"),
        *REFUNDED_FIRST_DEADLINES,
    ),
    resume={"requested": "approved", "return_received": "inspected"},
    remedied=frozenset(
        {
            "approved",
            "return_shipped",
            "return_delivered",
            "return_received",
            "inspected",
            *REFUNDED_BEFORE_RETURN,
            "recovery_review",
            "refunded",
        }
    ),
    follow_ups={"approved": ("refund", "fast_lane_at_approval")},
)

EXCHANGE = Flow(
    name="exchange",
    states=(
        "requested",
        "approved",
        "return_shipped",
        "return_delivered",
        "return_received",
        "inspected",
        "replacement_shipped",
        "completed",
        "rejected",
        "rejection_review",
        "platform_review",
        "withdrawn",
        "closed",
    ),
    terminal=frozenset({"completed", "withdrawn", "closed"}),
    transitions=(
        *RETURN_STEPS,
        T(
            "return_received",
            "inspect",
            by=M,
            requires=("result",),
            outcome_field="result",
            outcomes=(("pass", "inspected"), ("partial", "inspected"), ("fail", "rejected")),
            diverts=(REJECTION_CHECKED,),
        ),
        T(
            "inspected",
            "ship_replacement",
            "replacement_shipped",
            by=M,
            requires=("carrier", "tracking_no"),
        ),
        _refer("inspected"),
        T("replacement_shipped", "confirm_replacement", "completed", by=BS),
        *_common(),
    ),
    deadlines=(
        *REVIEW,
        Deadline("approved", "buyer_ship_return", then="close", remind_before_hours=24),
        *_receipt_deadlines("confirm_receipt"),
        _refer_deadline("inspected"),
        Deadline("replacement_shipped", "buyer_confirm_replacement", then="confirm_replacement"),
    ),
    resume={"requested": "approved", "return_received": "inspected", "inspected": "closed"},
    remedied=frozenset(
        {
            "approved",
            "return_shipped",
            "return_delivered",
            "return_received",
            "inspected",
            "replacement_shipped",
            "completed",
        }
    ),
)

REPAIR = Flow(
    name="repair",
    states=(
        "requested",
        "approved",
        "return_shipped",
        "return_delivered",
        "return_received",
        "diagnosed",
        "repaired",
        "replacement_shipped",
        "completed",
        "refunded",
        "rejected",
        "rejection_review",
        "platform_review",
        "withdrawn",
        "closed",
    ),
    terminal=frozenset({"completed", "refunded", "withdrawn", "closed"}),
    transitions=(
        *RETURN_STEPS,
        T("return_received", "diagnose", "diagnosed", by=M, requires=("note",)),
        T(
            "diagnosed",
            "repair",
            by=M,
            requires=("result",),
            outcome_field="result",
            outcomes=(("repaired", "repaired"), ("failed", "diagnosed")),
        ),
        # The repaired item goes back to the buyer, who confirms it works.
        T(
            "repaired",
            "ship_replacement",
            "replacement_shipped",
            by=M,
            requires=("carrier", "tracking_no"),
        ),
        # After repeated failed repairs (3B-03): a new item, or the money back.
        T(
            "diagnosed",
            "ship_replacement",
            "replacement_shipped",
            by=M,
            requires=("carrier", "tracking_no"),
            when="repeated_repair_failures",
        ),
        T("diagnosed", "refund", "refunded", by=M, when="repeated_repair_failures"),
        _refer("repaired"),
        T("replacement_shipped", "confirm_replacement", "completed", by=BS),
        *_common(),
    ),
    deadlines=(
        *REVIEW,
        Deadline("approved", "buyer_ship_return", then="close", remind_before_hours=24),
        *_receipt_deadlines("confirm_receipt"),
        _refer_deadline("repaired"),
        Deadline("replacement_shipped", "buyer_confirm_replacement", then="confirm_replacement"),
    ),
    resume={"requested": "approved", "repaired": "closed"},
    remedied=frozenset(
        {
            "approved",
            "return_shipped",
            "return_delivered",
            "return_received",
            "diagnosed",
            "repaired",
            "replacement_shipped",
            "completed",
            "refunded",
        }
    ),
)

REISSUE = Flow(
    name="reissue",
    states=(
        "requested",
        "approved",
        "replacement_shipped",
        "completed",
        "rejected",
        "rejection_review",
        "platform_review",
        "withdrawn",
        "closed",
    ),
    terminal=frozenset({"completed", "withdrawn", "closed"}),
    transitions=(
        T("requested", "approve", "approved", by=MS),
        T(
            "approved",
            "ship_replacement",
            "replacement_shipped",
            by=M,
            requires=("carrier", "tracking_no"),
        ),
        _refer("approved"),
        T("replacement_shipped", "confirm_replacement", "completed", by=BS),
        *_common(),
    ),
    deadlines=(
        *REVIEW,
        _refer_deadline("approved"),
        Deadline("replacement_shipped", "buyer_confirm_replacement", then="confirm_replacement"),
    ),
    resume={"requested": "approved", "approved": "closed"},
    remedied=frozenset({"approved", "replacement_shipped", "completed"}),
)

PRICE_PROTECTION = _money_back("price_protection", "JD-04")

FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in (REFUND_ONLY, RETURN_REFUND, EXCHANGE, REPAIR, REISSUE, PRICE_PROTECTION)
}


def flow_for(case_type: str) -> Flow:
    return FLOWS[case_type]


def merchant_review_duration(case_type: str, *, shipped: bool, fault: bool) -> str:
    """Which review timeout applies: before shipment 48 h (TB-01), quality cases 48 h (JD-02),
    otherwise 5 days (TB-02)."""
    if case_type == "refund_only" and not shipped:
        return "merchant_review_unshipped"
    if fault:
        return "merchant_quality_review"
    return "merchant_review"
