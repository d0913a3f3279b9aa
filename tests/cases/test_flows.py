"""Every flow walked through the API, each step by the party the flow names (buyer, merchant,
a platform desk agent; the system's own steps through the service), and the flows' shape
checked as data: every state reachable, no dead end, every declared transition taken."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import transaction

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.cases import services
from aftersales.cases.flows import AUTO, FLOWS, NOTICES, Flow
from aftersales.cases.models import Case, CaseLine
from aftersales.risk.trust import FAST_LANE_RULE
from tests.cases import builders as b
from tests.cases.builders import SHIPPED, Opened

pytestmark = pytest.mark.django_db

REPLACEMENT = {"carrier": "sf", "tracking_no": "SF0000000002"}
REJECTION = {"reason": "商品已使用，影响二次销售"}
APPEAL = {"reason": "商品未使用，吊牌完好"}


def system(c: Opened, action: str, **body) -> Case:
    """A step only the system takes (a deadline fired, an automatic rule)."""
    case = services.act(
        case=Case.objects.get(pk=c.id),
        actor=SYSTEM_ACTOR,
        action=action,
        body=services.ActionBody(**body),
        rule="test",
    )
    c.case = c.shop.merchant_api.get(f"/cases/{c.id}").json()
    return case


def rule(c: Opened, ruling: str, **body) -> dict:
    return c.act("platform", "rule", ruling=ruling, reason="证据支持买家", **body)


def reject_and_appeal(c: Opened) -> None:
    c.act("merchant", "reject", **REJECTION)
    assert c.case["state"] == "rejected"
    c.act("buyer", "appeal", **APPEAL)
    assert c.case["state"] == "platform_review"


def back_through_return(c: Opened) -> None:
    c.act("buyer", "ship_return", **SHIPPED)
    c.act("merchant", "confirm_receipt")
    assert c.case["state"] == "return_received"


# --- The main path of each flow ----------------------------------------------------------------


def walk_refund_only() -> list[Opened]:
    c = b.open_case(type="refund_only")
    c.act("merchant", "approve")
    assert c.case["state"] == "refunded"
    assert c.case["refund_amount"] == "60.00"
    return [c]


def walk_return_refund() -> list[Opened]:
    c = b.open_case(type="return_refund")
    c.act("merchant", "approve")
    back_through_return(c)
    c.act("merchant", "inspect", result="pass")
    assert c.case["state"] == "inspected"
    c.act("merchant", "refund")
    assert c.case["state"] == "refunded"
    assert c.case["refund_amount"] == "60.00"
    return [c]


def walk_exchange() -> list[Opened]:
    c = b.open_case(type="exchange")
    c.act("merchant", "approve")
    back_through_return(c)
    c.act("merchant", "inspect", result="pass")
    c.act("merchant", "ship_replacement", **REPLACEMENT)
    assert c.case["state"] == "replacement_shipped"
    c.act("buyer", "confirm_replacement")
    assert c.case["state"] == "completed"
    return [c]


def walk_repair() -> list[Opened]:
    c = b.open_case(type="repair")
    c.act("merchant", "approve")
    back_through_return(c)
    c.act("merchant", "diagnose", note="主板虚焊")
    c.act("merchant", "repair", result="repaired")
    assert c.case["state"] == "repaired"
    c.act("merchant", "ship_replacement", **REPLACEMENT)
    c.act("buyer", "confirm_replacement")
    assert c.case["state"] == "completed"
    return [c]


def walk_reissue() -> list[Opened]:
    c = b.open_case(type="reissue")
    c.act("merchant", "approve")
    c.act("merchant", "ship_replacement", **REPLACEMENT)
    c.act("buyer", "confirm_replacement")
    assert c.case["state"] == "completed"
    return [c]


def walk_price_protection() -> list[Opened]:
    c = b.open_case(
        type="price_protection",
        lines=[{"line_id": "1", "quantity": 1, "new_unit_price": "49.00"}],
    )
    c.act("merchant", "approve")
    assert c.case["state"] == "refunded"
    return [c]


MAIN_PATHS: dict[str, Callable[[], list[Opened]]] = {
    "refund_only": walk_refund_only,
    "return_refund": walk_return_refund,
    "exchange": walk_exchange,
    "repair": walk_repair,
    "reissue": walk_reissue,
    "price_protection": walk_price_protection,
}


@pytest.mark.parametrize("type_", sorted(MAIN_PATHS))
def test_main_path_ends_in_the_flows_success_state(type_):
    (c,) = MAIN_PATHS[type_]()
    flow = FLOWS[type_]
    assert c.case["state"] in flow.terminal & flow.remedied
    assert c.case["next_actions"] == []
    assert c.case["deadlines"] == []
    assert c.case["closed_at"] is not None


def test_each_step_of_a_walk_is_recorded_with_the_party_that_took_it():
    (c,) = walk_return_refund()
    steps = [(e["action"], e["actor"]["role"], e["from_state"], e["to_state"]) for e in c.events()]
    assert steps == [
        ("open", "buyer", "", "requested"),
        ("approve", "merchant_integration", "requested", "approved"),
        ("ship_return", "buyer", "approved", "return_shipped"),
        ("confirm_receipt", "merchant_integration", "return_shipped", "return_received"),
        ("inspect", "merchant_integration", "return_received", "inspected"),
        ("refund", "merchant_integration", "inspected", "refunded"),
    ]


def test_merchant_approval_of_refund_only_is_followed_by_the_systems_refund():
    (c,) = walk_refund_only()
    last = c.events()[-1]
    assert (last["action"], last["actor"]["kind"], last["rule"]) == ("refund", "system", "TB-01")


# --- Rejection, appeal and the platform's ruling -------------------------------------------


def walk_rulings_for_buyer() -> list[Opened]:
    """Every type: rejected with a reason, appealed, ruled for the buyer: the case resumes
    where the flow says."""
    out = []
    for type_ in sorted(FLOWS):
        c = b.open_case(type=type_)
        reject_and_appeal(c)
        rule(c, "for_buyer")
        out.append(c)
    return out


@pytest.mark.parametrize("type_", sorted(FLOWS))
def test_ruling_for_the_buyer_resumes_where_the_rejection_interrupted(type_):
    c = b.open_case(type=type_)
    reject_and_appeal(c)
    rule(c, "for_buyer")
    flow = FLOWS[type_]
    resumed = flow.resume["requested"]
    follow_up = flow.on_enter.get(resumed)
    # Where entering the resumed state triggers a system step, the case is already past it.
    assert c.case["state"] == (flow.transition(resumed, follow_up[0]).to if follow_up else resumed)


def test_rejection_stores_its_reason_on_the_event():
    c = b.open_case(type="return_refund")
    c.act("merchant", "reject", **REJECTION)
    event = c.events()[-1]
    assert event["payload"]["reason"] == REJECTION["reason"]
    assert event["to_state"] == "rejected"


def walk_ruling_for_merchant() -> list[Opened]:
    c = b.open_case(type="return_refund")
    reject_and_appeal(c)
    rule(c, "for_merchant")
    assert c.case["state"] == "closed"
    return [c]


def test_ruling_for_the_merchant_closes_the_case_and_frees_the_quantity():
    (c,) = walk_ruling_for_merchant()
    assert c.case["next_actions"] == []
    assert not CaseLine.objects.get(case_id=c.id).holds_quantity


def walk_partial_ruling() -> list[Opened]:
    c = b.open_case(type="return_refund")
    reject_and_appeal(c)
    rule(c, "partial", amount="25.00")
    assert c.case["state"] == "approved"
    back_through_return(c)
    c.act("merchant", "refund")
    assert c.case["state"] == "refunded"
    return [c]


def test_partial_ruling_resumes_and_the_refund_is_the_amount_ruled():
    (c,) = walk_partial_ruling()
    assert c.case["refund_amount"] == "25.00"


def test_partial_ruling_on_refund_only_refunds_the_amount_ruled_at_once():
    c = b.open_case(type="refund_only")
    reject_and_appeal(c)
    rule(c, "partial", amount="10.00")
    assert (c.case["state"], c.case["refund_amount"]) == ("refunded", "10.00")


def test_partial_ruling_without_amount_is_refused_naming_amount():
    c = b.open_case(type="return_refund")
    reject_and_appeal(c)
    response = c.try_act("platform", "rule", ruling="partial", reason="各担一半")
    b.assert_problem(response, 422, "amount")


def test_only_the_platform_desk_rules_on_an_appeal():
    c = b.open_case(type="return_refund")
    reject_and_appeal(c)
    for party in ("merchant", "buyer"):
        response = c.try_act(party, "rule", ruling="for_buyer", reason="我说了算")
        assert b.assert_problem(response, 409)["allowed_actions"] == []


def walk_inspection_fail() -> list[Opened]:
    """Return and exchange: the inspection fails → rejected → appealed → ruled for the buyer:
    the case continues as if the inspection had passed."""
    out = []
    for type_, then in (("return_refund", "refund"), ("exchange", "ship_replacement")):
        c = b.open_case(type=type_)
        c.act("merchant", "approve")
        back_through_return(c)
        c.act(
            "merchant",
            "inspect",
            result="fail",
            note="有明显使用痕迹",
            evidence_ids=[b.photo(c.id)],
        )
        assert c.case["state"] == "rejected"
        reject_event = c.events()[-1]
        assert reject_event["payload"]["result"] == "fail"
        c.act("buyer", "appeal", **APPEAL)
        rule(c, "for_buyer")
        assert c.case["state"] == "inspected"
        c.act("merchant", then, **(REPLACEMENT if then == "ship_replacement" else {}))
        out.append(c)
    return out


def test_failed_inspection_rejects_and_a_won_appeal_continues_from_inspected():
    refunded, replaced = walk_inspection_fail()
    assert refunded.case["state"] == "refunded"
    assert replaced.case["state"] == "replacement_shipped"


def test_partial_inspection_fixes_the_refund_amount():
    c = b.open_case(type="return_refund")
    c.act("merchant", "approve")
    back_through_return(c)
    c.act("merchant", "inspect", result="partial", amount="40.00", note="吊牌已剪")
    c.act("merchant", "refund")
    assert (c.case["state"], c.case["refund_amount"]) == ("refunded", "40.00")


def walk_rejection_accepted() -> list[Opened]:
    """Every type: the buyer accepts a rejection (closes it)."""
    out = []
    for type_ in sorted(FLOWS):
        c = b.open_case(type=type_)
        c.act("merchant", "reject", **REJECTION)
        c.act("buyer", "close")
        assert c.case["state"] == "closed"
        out.append(c)
    return out


def test_closed_rejection_frees_the_quantity():
    c = walk_rejection_accepted()[0]
    assert not CaseLine.objects.get(case_id=c.id).holds_quantity


# --- Repairs ---------------------------------------------------------------------------------


def repaired_twice_in_vain() -> Opened:
    c = b.open_case(type="repair")
    c.act("merchant", "approve")
    back_through_return(c)
    c.act("merchant", "diagnose", note="无法开机")
    c.act("merchant", "repair", result="failed")
    assert c.case["state"] == "diagnosed"
    c.act("merchant", "repair", result="failed")
    return c


def test_replacement_after_diagnosis_is_not_allowed_before_repeated_failures():
    c = b.open_case(type="repair")
    c.act("merchant", "approve")
    back_through_return(c)
    c.act("merchant", "diagnose", note="无法开机")
    c.act("merchant", "repair", result="failed")
    response = c.try_act("merchant", "ship_replacement", **REPLACEMENT)
    assert b.assert_problem(response, 409)["allowed_actions"] == ["repair"]
    assert "ship_replacement" not in c.case["next_actions"]
    assert "refund" not in c.case["next_actions"]


def test_two_failed_repairs_allow_a_replacement():
    c = repaired_twice_in_vain()
    assert {"ship_replacement", "refund"} <= set(c.case["next_actions"])
    c.act("merchant", "ship_replacement", **REPLACEMENT)
    c.act("buyer", "confirm_replacement")
    assert c.case["state"] == "completed"


def walk_repair_failures() -> list[Opened]:
    replaced = repaired_twice_in_vain()
    replaced.act("merchant", "ship_replacement", **REPLACEMENT)
    refunded = repaired_twice_in_vain()
    refunded.act("merchant", "refund")
    assert refunded.case["state"] == "refunded"
    return [replaced, refunded]


def test_two_failed_repairs_allow_a_refund_instead():
    c = repaired_twice_in_vain()
    c.act("merchant", "refund")
    assert c.case["state"] == "refunded"


def test_refund_after_failed_repairs_returns_what_was_paid():
    c = repaired_twice_in_vain()
    c.act("merchant", "refund")
    assert Decimal(c.case["refund_amount"]) == Decimal("60.00")


def test_approved_price_protection_refunds_more_than_nothing():
    (c,) = walk_price_protection()
    assert Decimal(c.case["refund_amount"]) > 0


# --- Withdrawing, and the system's own steps -----------------------------------------------


def walk_withdrawals() -> list[Opened]:
    out = []
    for type_ in sorted(FLOWS):
        c = b.open_case(type=type_)
        c.act("buyer", "withdraw", note="不想退了")
        assert c.case["state"] == "withdrawn"
        out.append(c)
    for type_ in ("return_refund", "exchange", "repair"):
        c = b.open_case(type=type_)
        c.act("merchant", "approve")
        c.act("buyer", "withdraw")
        assert c.case["state"] == "withdrawn"
        out.append(c)
    return out


def test_buyer_withdraws_a_request_and_the_quantity_is_free():
    c = b.open_case(type="return_refund")
    c.act("buyer", "withdraw")
    assert c.case["state"] == "withdrawn"
    assert not CaseLine.objects.get(case_id=c.id).holds_quantity


def test_merchant_cannot_withdraw_the_buyers_request():
    c = b.open_case(type="return_refund")
    response = c.try_act("merchant", "withdraw")
    assert b.assert_problem(response, 409)["allowed_actions"] == ["approve", "reject"]


def walk_rejection_reviews() -> list[Opened]:
    """A merchant under manual review of rejections (credit): every type's rejection waits in
    `rejection_review`; the desk confirms or overturns it, or the buyer withdraws meanwhile."""
    from tests.credit.restrict import restrict

    s = b.shop()
    restrict(s.merchant, "manual_rejection_review")
    out = []
    for type_ in sorted(FLOWS):
        for then in ("confirm_rejection", "overturn_rejection", "withdraw"):
            extra = {"lines": [{"line_id": "1", "quantity": 1, "new_unit_price": "49.00"}]}
            c = b.open_case(s, type_, **(extra if type_ == "price_protection" else {}))
            c.act("merchant", "reject", **REJECTION)
            assert c.case["state"] == "rejection_review"
            party = "buyer" if then == "withdraw" else "platform"
            c.act(party, then, **({} if then == "withdraw" else {"reason": "看过证据"}))
            out.append(c)
    return out


def walk_system_steps() -> list[Opened]:
    """What the deadlines do when nobody acts: approve, close an unappealed rejection, close a
    return never shipped, refund a delivered return, confirm receipt and replacement."""
    out = []
    silent = b.open_case(type="return_refund")
    system(silent, "approve")
    system(silent, "close")  # the buyer never shipped (TB-03)
    assert silent.case["state"] == "closed"
    out.append(silent)
    small = b.open_case(type="return_refund")
    system(small, "approve")
    system(small, "refund")  # the fast lane at approval (risk's follow-up takes this step)
    assert small.case["state"] == "refunded_awaiting_return"
    out.append(small)
    unappealed = b.open_case(type="reissue")
    unappealed.act("merchant", "reject", **REJECTION)
    system(unappealed, "close")
    out.append(unappealed)
    delivered = b.open_case(type="return_refund")
    delivered.act("merchant", "approve")
    delivered.act("buyer", "ship_return", **SHIPPED)
    system(delivered, "refund")  # TB-04
    assert delivered.case["state"] == "refunded"
    out.append(delivered)
    unchecked = b.open_case(type="return_refund")
    unchecked.act("merchant", "approve")
    back_through_return(unchecked)
    unchecked.act("merchant", "refund")  # refunded without inspection
    out.append(unchecked)
    for type_ in ("exchange", "repair"):
        c = b.open_case(type=type_)
        c.act("merchant", "approve")
        c.act("buyer", "ship_return", **SHIPPED)
        system(c, "confirm_receipt")
        out.append(c)
        never_shipped = b.open_case(type=type_)
        never_shipped.act("merchant", "approve")
        system(never_shipped, "close")
        out.append(never_shipped)
    c = b.open_case(type="reissue")
    c.act("merchant", "approve")
    c.act("merchant", "ship_replacement", **REPLACEMENT)
    system(c, "confirm_replacement")
    assert c.case["state"] == "completed"
    out.append(c)
    out += walk_referrals()
    return out


def walk_referrals() -> list[Opened]:
    """The merchant never ships what it owes (a reissue, an exchange's replacement, a repaired
    item): the system hands the case to the platform (`refer`)."""
    out = []
    reissue = b.open_case(type="reissue")
    reissue.act("merchant", "approve")
    exchange = b.open_case(type="exchange")
    exchange.act("merchant", "approve")
    back_through_return(exchange)
    exchange.act("merchant", "inspect", result="pass")
    repair = b.open_case(type="repair")
    repair.act("merchant", "approve")
    back_through_return(repair)
    repair.act("merchant", "diagnose", note="主板虚焊")
    repair.act("merchant", "repair", result="repaired")
    for c in (reissue, exchange, repair):
        system(c, "refer")
        assert c.case["state"] == "platform_review"
        out.append(c)
    return out


def walk_delivery_scans() -> list[Opened]:
    """The carrier reports the return delivered (the webhook acts as the system: see
    tests/returns for the webhook itself); the merchant confirms, or stays silent and the
    receipt deadline, counted from delivery, refunds."""
    out = []
    for type_ in ("return_refund", "exchange", "repair"):
        c = b.open_case(type=type_)
        c.act("merchant", "approve")
        c.act("buyer", "ship_return", **SHIPPED)
        system(c, "deliver_return")
        assert c.case["state"] == "return_delivered"
        c.act("merchant", "confirm_receipt")
        assert c.case["state"] == "return_received"
        out.append(c)
    silent = b.open_case(type="return_refund")
    silent.act("merchant", "approve")
    silent.act("buyer", "ship_return", **SHIPPED)
    system(silent, "deliver_return")
    system(silent, "refund")  # TB-04, counted from delivery
    assert silent.case["state"] == "refunded"
    out.append(silent)
    return out


def fast_lane_refund(c: Opened) -> Case:
    """The fast lane's refund at the first scan: the system's refund under the fast lane's rule,
    which the flow's divert leads on to the return's inspection (risk/hooks.py)."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=c.id)
        case = services.act(
            case=case, actor=SYSTEM_ACTOR, action="refund", rule=FAST_LANE_RULE, locked=True
        )
    c.case = c.shop.merchant_api.get(f"/cases/{c.id}").json()
    return case


def walk_fast_lane() -> list[Opened]:
    """极速退款: refunded at approval or at the first scan, the goods still come back and are
    inspected; a failed inspection or a return never shipped goes to the platform's ruling; the
    merchant's silence completes the case as passed."""
    out = []
    at_approval = b.open_case(type="return_refund")
    system(at_approval, "approve")
    system(at_approval, "refund")
    at_approval.act("buyer", "ship_return", **SHIPPED)
    system(at_approval, "deliver_return")
    at_approval.act("merchant", "confirm_receipt")
    assert at_approval.case["state"] == "refunded_return_received"
    at_approval.act("merchant", "inspect", result="pass")
    assert at_approval.case["state"] == "refunded"
    out.append(at_approval)
    never_shipped = b.open_case(type="return_refund")
    system(never_shipped, "approve")
    system(never_shipped, "refund")
    system(never_shipped, "recover")  # TB-03's days passed with no parcel
    assert never_shipped.case["state"] == "recovery_review"
    rule(never_shipped, "for_merchant")
    assert never_shipped.case["state"] == "closed"
    out.append(never_shipped)
    at_scan, silent_in_transit, silent_delivered = (
        b.open_case(type="return_refund") for _ in range(3)
    )
    for c in (at_scan, silent_in_transit, silent_delivered):
        c.act("merchant", "approve")
        c.act("buyer", "ship_return", **SHIPPED)
    system(silent_delivered, "deliver_return")
    for c in (at_scan, silent_in_transit, silent_delivered):
        fast_lane_refund(c)
    assert silent_delivered.case["state"] == "refunded_return_delivered"
    at_scan.act("merchant", "confirm_receipt")
    system(at_scan, "complete")  # the merchant never inspected (NR-08's days)
    for c in (silent_in_transit, silent_delivered):
        system(c, "complete")  # nobody confirmed receipt (TB-04's days)
    for c in (at_scan, silent_in_transit, silent_delivered):
        assert c.case["state"] == "refunded"
        out.append(c)
    for result, ruling, amounts in (
        ("fail", "for_buyer", {}),
        ("partial", "partial", {"amount": "40.00"}),
    ):
        c = b.open_case(type="return_refund")
        c.act("merchant", "approve")
        c.act("buyer", "ship_return", **SHIPPED)
        fast_lane_refund(c)
        c.act("merchant", "confirm_receipt")
        c.act("merchant", "inspect", result=result, evidence_ids=[b.photo(c.id)], **amounts)
        assert c.case["state"] == "recovery_review"
        rule(c, ruling, **amounts)
        assert c.case["state"] == "refunded"
        out.append(c)
    return out


def test_silent_buyer_after_approval_lets_the_system_close_the_return():
    c = b.open_case(type="return_refund")
    c.act("merchant", "approve")
    system(c, "close")
    assert c.case["state"] == "closed"
    assert not CaseLine.objects.get(case_id=c.id).holds_quantity


def test_system_steps_are_recorded_as_the_systems():
    c = b.open_case(type="return_refund")
    system(c, "approve")
    event = c.events()[-1]
    assert (event["actor"]["kind"], event["action"], event["rule"]) == ("system", "approve", "test")


# --- Coverage: the walks together take every declared transition ---------------------------

WALKS = [
    *MAIN_PATHS.values(),
    walk_rulings_for_buyer,
    walk_ruling_for_merchant,
    walk_partial_ruling,
    walk_inspection_fail,
    walk_rejection_accepted,
    walk_repair_failures,
    walk_withdrawals,
    walk_rejection_reviews,
    walk_system_steps,
    walk_delivery_scans,
    walk_fast_lane,
]


def declared(flow: Flow) -> set[tuple[str, str, str]]:
    return {(flow.name, t.source, t.action) for t in flow.transitions}


def test_every_declared_transition_is_taken_by_some_walk():
    taken = set()
    for walk in WALKS:
        for c in walk():
            for e in c.events():
                if e["action"] != "open":
                    taken.add((c.case["type"], e["from_state"], e["action"]))
    every = set().union(*(declared(f) for f in FLOWS.values()))
    assert every - taken == set(), "declared but never taken"
    assert taken - every == set(), "taken but not declared"


# --- The flows' shape, as data ---------------------------------------------------------------


def targets(flow: Flow, t) -> set[str]:
    out = {to for _, to in t.outcomes} if t.outcomes else {t.to}
    out |= {d.to for d in t.diverts if d.into in out}
    if "@resume" in out:
        out = (out - {"@resume"}) | set(flow.resume.values())
    return out


def reachable(flow: Flow, start: str = "requested") -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        state = todo.pop()
        for t in flow.transitions_from(state):
            for to in targets(flow, t) - seen:
                seen.add(to)
                todo.append(to)
    return seen


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_every_state_of_the_flow_is_reachable_from_requested(name):
    flow = FLOWS[name]
    assert reachable(flow) == set(flow.states)


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_transitions_lead_only_to_declared_states(name):
    flow = FLOWS[name]
    for t in flow.transitions:
        assert t.source in flow.states, t
        assert targets(flow, t) <= set(flow.states), t
        assert t.by, f"{t} names nobody who may take it"
    assert set(flow.resume) <= set(flow.states)
    assert flow.terminal <= set(flow.states)
    assert flow.remedied <= set(flow.states)


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_no_non_terminal_state_is_a_dead_end(name):
    flow = FLOWS[name]
    for state in set(flow.states) - flow.terminal:
        assert flow.transitions_from(state), f"{name}: nothing leaves {state!r}"
        assert reachable(flow, state) & flow.terminal, f"{name}: {state!r} never ends"


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_nothing_leaves_a_terminal_state(name):
    flow = FLOWS[name]
    for state in flow.terminal:
        assert flow.transitions_from(state) == [], f"{name}: {state!r} is terminal"


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_every_deadline_and_automatic_step_is_one_the_system_may_take(name):
    flow = FLOWS[name]
    for d in flow.deadlines:
        if d.then in NOTICES:
            continue
        t = flow.transition(d.state, d.then)
        assert t is not None and AUTO in t.by and not t.requires, d
    for state, (action, _rule) in flow.on_enter.items():
        t = flow.transition(state, action)
        assert t is not None and AUTO in t.by and not t.requires, (state, action)


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_a_state_the_system_leaves_on_entry_offers_no_other_step(name):
    """Entering it runs the automatic step in the same transaction, so nobody ever finds the
    case there: any other transition out of it could never be taken."""
    flow = FLOWS[name]
    for state, (action, _rule) in flow.on_enter.items():
        assert [t.action for t in flow.transitions_from(state)] == [action], (name, state)


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_every_state_the_case_can_be_rejected_from_has_a_resume_point(name):
    flow = FLOWS[name]
    rejected_from = {
        t.source
        for t in flow.transitions
        if t.to == "rejected" or "rejected" in dict(t.outcomes).values()
    }
    # A rejection the platform checked first (rejection_review) keeps the state it came from.
    checked = {d.to for t in flow.transitions for d in t.diverts}
    assert rejected_from - checked <= set(flow.resume), rejected_from - set(flow.resume)
