"""Any sequence of allowed actions, by whoever may take them, keeps a case in a declared state
of its flow, with an event log that tells its whole story and quantities held as the state
says."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales.accounts.actors import MERCHANT_INTEGRATION, SYSTEM_ACTOR, Actor
from aftersales.accounts.models import Role
from aftersales.cases import services
from aftersales.cases.flows import FLOWS
from aftersales.cases.models import Case
from aftersales.cases.services import ACTIONS, LineClaim
from tests.cases import builders as b

pytestmark = pytest.mark.django_db

MAX_STEPS = 10
FIELD_VALUES = {
    "reason": "理由",
    "note": "说明",
    "carrier": "sf",
    "tracking_no": "SF0000000009",
}


def price_drop(type_: str) -> Decimal | None:
    """A price-protection claim names the lowered price; other types name none."""
    return Decimal("49.00") if type_ == "price_protection" else None


def parties(case: Case) -> dict[str, Actor]:
    return {
        "buyer": Actor(kind="token", role=Role.BUYER, label="buyer", buyer_id=case.buyer_id),
        "merchant": Actor(
            kind="token",
            role=MERCHANT_INTEGRATION,
            label="merchant",
            merchant_id=case.merchant_id,
        ),
        "platform": Actor(kind="user", role=Role.AGENT, label="desk"),
        "system": SYSTEM_ACTOR,
    }


def new_case(type_: str, shop: b.Shop) -> Case:
    """A case the merchant must review, on a fresh order, opened by the system."""
    options, reason = b.OPENINGS[type_]
    data = b.order(shop, **options)
    case = services.open_case(
        actor=SYSTEM_ACTOR,
        order=data["external_id"],
        merchant=shop.code,
        type=type_,
        reason=reason,
        lines=[LineClaim("1", 1, new_unit_price=price_drop(type_))],
    )
    case.refresh_from_db()
    return case


def body_for(case: Case, action: str, data) -> services.ActionBody:
    """The fields the transition requires, and a drawn outcome where it has several."""
    t = FLOWS[case.type].transition(case.state, action)
    fields = {name: FIELD_VALUES[name] for name in t.requires if name in FIELD_VALUES}
    if t.outcomes:
        limit = services.refundable(case)
        # A partial outcome names an amount, which needs something refundable.
        values = [v for v, _ in t.outcomes if v != "partial" or limit > 0]
        value = data.draw(st.sampled_from(values), label=f"{action}.{t.outcome_field}")
        fields[t.outcome_field] = value
        if value == "partial":
            cents = data.draw(st.integers(1, int(limit * 100)), label="amount cents")
            fields["amount"] = Decimal(cents) / 100
        if action == "inspect" and value == "fail":  # a failed inspection needs a photo
            fields["extra"] = {"evidence_ids": [b.photo(case.pk)]}
    return services.ActionBody(**fields)


def check_invariants(case: Case) -> None:
    flow = FLOWS[case.type]
    assert case.state in flow.states
    events = list(case.events.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert (events[0].action, events[0].from_state, events[0].to_state) == ("open", "", "requested")
    for before, after in itertools.pairwise(events):
        assert after.from_state == before.to_state, (before, after)
    assert events[-1].to_state == case.state
    # The version counts the case's steps: 1 when opened, +1 for every action taken.
    assert case.version == 1 + sum(1 for e in events if e.action in ACTIONS)
    holds = case.state not in flow.terminal - flow.remedied
    assert all(line.holds_quantity == holds for line in case.lines.all())
    pending = case.deadlines.filter(fired_at__isnull=True, cancelled_at__isnull=True)
    if case.state in flow.terminal:
        assert case.closed_at is not None
        assert not pending.exists()
    else:
        assert case.closed_at is None
        assert set(pending.values_list("guard_state", flat=True)) <= {case.state}
    if case.refund_amount is not None:
        assert Decimal(0) <= case.refund_amount <= services.refundable(case)


@pytest.fixture
def shop():
    return b.shop()


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(type_=st.sampled_from(sorted(FLOWS)), data=st.data())
def test_any_sequence_of_allowed_actions_keeps_the_case_consistent(shop, type_, data):
    case = new_case(type_, shop)
    check_invariants(case)
    for _ in range(MAX_STEPS):
        who = parties(case)
        choices = [
            (party, action)
            for party, actor in who.items()
            for action in services.allowed_actions(case, actor)
        ]
        if not choices:
            assert case.state in FLOWS[type_].terminal, f"stuck in {case.state}"
            break
        party, action = data.draw(st.sampled_from(choices), label="step")
        case = services.act(
            case=case, actor=who[party], action=action, body=body_for(case, action, data)
        )
        case.refresh_from_db()
        check_invariants(case)
