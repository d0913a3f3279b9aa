"""GF-03: the merchant may contest a pay-first within 7 days; upheld, it is made whole (the
platform bears the payout), rejected, the claim stands; past the window, 422 naming its end."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from aftersales.core import clock
from aftersales.core.errors import InvalidInput, NotAllowed, NotFound, PermissionDenied
from aftersales.guarantee import services
from aftersales.guarantee.models import AccountKind as A
from aftersales.guarantee.models import ClaimState, ContestState, Source
from aftersales.refunds.models import Refund
from tests import factories
from tests.guarantee import builders as b

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def paid():
    merchant = b.funded(settlement="20.00", deposit="1000.00")
    record = services.pay_first(
        case_id=b.case_of(merchant).pk,
        merchant_id=merchant.pk,
        amount=D("50.00"),
        reason="假货投诉成立",
        source=Source.RULING,
        source_id=3,
        actor=b.SPECIALIST,
    )
    return merchant, record


def contest(record, merchant, reason="买家调包，附开箱视频"):
    return services.contest_pay_first(record.pk, reason=reason, actor=b.merchant_admin(merchant))


def test_a_contest_inside_the_window_waits_for_the_platform(paid):
    merchant, record = paid
    with time_machine.travel(record.created_at + timedelta(days=6, hours=23), tick=False):
        contested = contest(record, merchant)
    assert contested.contest_state == ContestState.CONTESTED


def test_a_contest_past_the_window_is_refused_naming_its_end(paid):
    merchant, record = paid
    late = record.contest_due_at + timedelta(seconds=1)
    with time_machine.travel(late, tick=False), pytest.raises(InvalidInput) as exc:
        contest(record, merchant)
    end = clock.localtime(record.contest_due_at).isoformat()
    assert exc.value.extensions["window_ends_at"] == end
    assert end in exc.value.detail
    record.refresh_from_db()
    assert record.contest_state == ContestState.NONE


def test_a_pay_first_is_contested_once(paid):
    merchant, record = paid
    contest(record, merchant)
    with pytest.raises(NotAllowed):
        contest(record, merchant)


def test_another_merchant_cannot_see_the_pay_first(paid):
    _, record = paid
    other = factories.merchant()
    with pytest.raises(NotFound):
        contest(record, other)


def test_merchant_staff_do_not_contest(paid):
    merchant, record = paid
    from aftersales.accounts.actors import Actor
    from aftersales.accounts.models import Role

    staff = Actor(kind="user", role=Role.MERCHANT_STAFF, label="s", merchant_id=merchant.pk)
    with pytest.raises(PermissionDenied):
        services.contest_pay_first(record.pk, reason="x", actor=staff)


def test_an_upheld_contest_makes_the_merchant_whole(paid):
    merchant, record = paid
    contest(record, merchant)
    services.decide_pay_first_contest(record.pk, uphold=True, note="证据成立", actor=b.MANAGER)
    assert b.balance(merchant, A.SETTLEMENT) == D("20.00")
    assert b.balance(merchant, A.DEPOSIT) == D("1000.00")
    assert b.balance(merchant, A.RECEIVABLE) == 0
    assert b.balance(merchant, A.PLATFORM_LOSS) == D("50.00")
    record.claim.refresh_from_db()
    assert record.claim.state == ClaimState.WRITTEN_OFF


def test_an_upheld_contest_leaves_the_buyer_paid(paid):
    merchant, record = paid
    contest(record, merchant)
    services.decide_pay_first_contest(record.pk, uphold=True, note="证据成立", actor=b.MANAGER)
    assert Refund.objects.filter(pk__in=record.refund_ids).count() == len(record.refund_ids)
    assert b.balance(merchant, A.BUYER_PAYOUT) == D("50.00")


def test_a_rejected_contest_leaves_the_claim_standing(paid):
    merchant, record = paid
    contest(record, merchant)
    decided = services.decide_pay_first_contest(
        record.pk, uphold=False, note="证据不足", actor=b.SPECIALIST
    )
    assert decided.contest_state == ContestState.REJECTED
    assert b.balance(merchant, A.DEPOSIT) == D("970.00")


def test_a_decision_needs_a_contest_first(paid):
    _, record = paid
    with pytest.raises(NotAllowed) as exc:
        services.decide_pay_first_contest(record.pk, uphold=True, note="x", actor=b.MANAGER)
    assert exc.value.extensions["allowed_actions"] == []


def test_the_merchant_does_not_decide_its_own_contest(paid):
    merchant, record = paid
    contest(record, merchant)
    with pytest.raises(PermissionDenied):
        services.decide_pay_first_contest(
            record.pk, uphold=True, note="x", actor=b.merchant_admin(merchant)
        )


def test_a_pay_first_whose_ruling_was_reversed_is_no_longer_contested(paid):
    merchant, record = paid
    services.reverse(source=Source.RULING, source_id=3, actor=b.MANAGER)
    record.refresh_from_db()
    assert services.contest_actions(record, b.merchant_admin(merchant)) == []
    assert b.balance(merchant, A.DEPOSIT) == D("1000.00")


def test_the_contest_flow_reaches_every_state_and_ends_in_its_terminal_ones():
    from aftersales.guarantee.flows import CONTEST

    reached, frontier = {"none"}, ["none"]
    while frontier:
        state = frontier.pop()
        for step in CONTEST.steps:
            if step.source == state and step.to not in reached:
                reached.add(step.to)
                frontier.append(step.to)
    assert reached == set(CONTEST.states) == set(ContestState.values)
    assert not [s for s in CONTEST.steps if s.source in CONTEST.terminal]
    assert all(s.requires for s in CONTEST.steps)


def test_the_contest_and_its_decision_are_in_the_audit_log(paid):
    from aftersales.core.models import AuditEvent

    merchant, record = paid
    contest(record, merchant)
    services.decide_pay_first_contest(record.pk, uphold=False, note="证据不足", actor=b.MANAGER)
    actions = list(
        AuditEvent.objects.filter(subject_id=str(record.pk), subject_type="guarantee.payfirst")
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == ["guarantee.pay_first", "guarantee.contest", "guarantee.reject"]
