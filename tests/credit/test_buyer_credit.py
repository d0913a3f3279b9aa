"""Buyer credit: penalties with notice, flags from shops, appeals a person decides in an SLA."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.core import clock
from aftersales.core.errors import Conflict, NotFound, PermissionDenied
from aftersales.core.models import AuditEvent
from aftersales.credit import services, timers
from aftersales.credit.models import BuyerPenalty, BuyerReview, CreditAppeal
from aftersales.credit.selectors import buyer_standing
from aftersales.notify.models import OutboxMessage
from tests import factories
from tests.credit import history
from tests.credit.actors import buyer_of, desk, shop_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer():
    return factories.buyer()


def _abusive_history(buyer, shop=None):
    """Six orders, five returned, two failed inspections, two rulings for the merchant."""
    shop = shop or factories.merchant()
    orders = [history.order(shop, buyer) for _ in range(6)]
    cases = [history.case(o) for o in orders[:5]]
    for c in cases[:2]:
        history.inspection(c, "fail")
    for c in cases[2:4]:
        history.event(c, "rule", role="specialist", payload={"ruling": "for_merchant"})
    for _ in range(3):
        history.case(history.order(shop, buyer), type="refund_only")
    return shop


def _penalised(buyer):
    _abusive_history(buyer)
    return services.review_buyer_standing(buyer_id=buyer.pk)


def test_a_low_score_places_the_penalties_with_a_notice_to_the_buyer(buyer):
    placed = _penalised(buyer)
    assert {p.kind for p in placed} == {"no_fast_lane", "inspect_first"}
    notices = OutboxMessage.objects.filter(topic="credit.buyer_penalised", buyer_id=buyer.pk)
    assert notices.count() == 2
    assert notices.first().payload["reason_code"] == "score.below_penalty_line"
    standing = buyer_standing(buyer.pk)
    assert standing.inspect_first and not standing.fast_lane_allowed


def test_a_penalty_keeps_the_standing_it_was_decided_on_for_explanation(buyer):
    penalty = _penalised(buyer)[0]
    codes = {c["code"]: c["points"] for c in penalty.snapshot["components"]}
    assert codes["failed_inspections"] > 0 and codes["return_rate"] > 0
    assert penalty.snapshot["score"] < 40


def test_an_honest_buyer_is_never_penalised(buyer):
    shop = factories.merchant()
    for o in [history.order(shop, buyer) for _ in range(8)][:1]:
        history.case(o)
    assert services.review_buyer_standing(buyer_id=buyer.pk) == []
    assert not BuyerPenalty.objects.filter(buyer=buyer).exists()


def test_an_upheld_appeal_removes_the_penalty_and_the_buyer_is_told(buyer):
    penalty = next(p for p in _penalised(buyer) if p.kind == "inspect_first")
    appeal = services.file_appeal(
        actor=buyer_of(buyer),
        penalty_id=penalty.pk,
        reason="the failed inspections were the carrier's damage",
    )
    services.decide_appeal(
        actor=desk(), appeal_id=appeal.pk, outcome="upheld", note="carrier damage confirmed"
    )
    penalty.refresh_from_db()
    assert penalty.lifted_at is not None and penalty.lifted_reason == "appeal.upheld"
    assert not buyer_standing(buyer.pk).inspect_first
    told = OutboxMessage.objects.get(topic="credit.appeal_decided", buyer_id=buyer.pk)
    assert told.payload["outcome"] == "upheld"


def test_an_upheld_appeal_is_not_undone_by_the_next_review_on_the_same_facts(buyer):
    penalty = next(p for p in _penalised(buyer) if p.kind == "inspect_first")
    appeal = services.file_appeal(actor=buyer_of(buyer), penalty_id=penalty.pk, reason="wrong")
    services.decide_appeal(actor=desk(), appeal_id=appeal.pk, outcome="upheld", note="ok")
    services.review_buyer_standing(buyer_id=buyer.pk)
    assert not buyer_standing(buyer.pk).inspect_first


def test_a_dismissed_appeal_keeps_the_penalty(buyer):
    penalty = _penalised(buyer)[0]
    appeal = services.file_appeal(actor=buyer_of(buyer), penalty_id=penalty.pk, reason="no")
    services.decide_appeal(
        actor=desk(), appeal_id=appeal.pk, outcome="dismissed", note="the inspections stand"
    )
    penalty.refresh_from_db()
    assert penalty.active


def test_only_a_person_decides_an_appeal(buyer):
    penalty = _penalised(buyer)[0]
    appeal = services.file_appeal(actor=buyer_of(buyer), penalty_id=penalty.pk, reason="no")
    with pytest.raises(PermissionDenied):
        services.decide_appeal(
            actor=SYSTEM_ACTOR, appeal_id=appeal.pk, outcome="upheld", note="auto"
        )


def test_a_buyer_cannot_appeal_another_buyers_penalty(buyer):
    penalty = _penalised(buyer)[0]
    with pytest.raises(NotFound):
        services.file_appeal(
            actor=buyer_of(factories.buyer()), penalty_id=penalty.pk, reason="not mine"
        )


def test_an_appeal_past_its_sla_suspends_the_penalty_and_tells_the_managers(buyer):
    penalty = next(p for p in _penalised(buyer) if p.kind == "inspect_first")
    appeal = services.file_appeal(actor=buyer_of(buyer), penalty_id=penalty.pk, reason="no")
    assert timers.fire_due() == 0
    with time_machine.travel(appeal.due_at + timedelta(minutes=1)):
        assert timers.fire_due() == 1
        assert timers.fire_due() == 0  # exactly once
    penalty.refresh_from_db()
    appeal.refresh_from_db()
    assert penalty.suspended_at is not None and appeal.state == CreditAppeal.State.PENDING
    assert not buyer_standing(buyer.pk).inspect_first
    assert OutboxMessage.objects.filter(topic="credit.appeal_overdue").count() == 1


def test_the_appeal_sla_is_three_working_days_by_default(buyer):
    penalty = _penalised(buyer)[0]
    appeal = services.file_appeal(actor=buyer_of(buyer), penalty_id=penalty.pk, reason="no")
    assert appeal.due_at > clock.now() + timedelta(days=2)
    assert appeal.deadlines.get().rule.startswith("[I]")


def test_one_shops_flags_never_open_a_review(buyer):
    shop = factories.merchant()
    history.order(shop, buyer)
    services.flag_buyer(actor=shop_of(shop), buyer_id=buyer.pk, reason_code="empty_return")
    with pytest.raises(Conflict):
        services.flag_buyer(actor=shop_of(shop), buyer_id=buyer.pk, reason_code="other")
    assert not BuyerReview.objects.exists()
    assert buyer_standing(buyer.pk).score == 100


def test_flags_from_two_distinct_shops_open_a_review_for_the_desk(buyer):
    for _ in range(2):
        shop = factories.merchant()
        history.order(shop, buyer)
        services.flag_buyer(actor=shop_of(shop), buyer_id=buyer.pk, reason_code="empty_return")
    review = BuyerReview.objects.get(buyer=buyer)
    assert review.shops == 2 and review.state == "open"
    assert OutboxMessage.objects.filter(topic="credit.buyer_review_opened").count() == 1
    assert "review.open" in buyer_standing(buyer.pk).flags


def test_a_shop_cannot_flag_a_buyer_it_never_sold_to(buyer):
    with pytest.raises(NotFound):
        services.flag_buyer(
            actor=shop_of(factories.merchant()), buyer_id=buyer.pk, reason_code="other"
        )


def test_an_upheld_appeal_against_a_review_penalty_clears_the_shop_flags(buyer):
    for _ in range(2):
        shop = factories.merchant()
        history.order(shop, buyer)
        services.flag_buyer(actor=shop_of(shop), buyer_id=buyer.pk, reason_code="empty_return")
    review = BuyerReview.objects.get(buyer=buyer)
    services.decide_review(
        actor=desk(),
        review_id=review.pk,
        outcome="penalise",
        note="two shops, same pattern",
        kinds=("inspect_first",),
    )
    penalty = BuyerPenalty.objects.get(buyer=buyer)
    assert penalty.reason_code == "review.shop_flags"
    appeal = services.file_appeal(
        actor=buyer_of(buyer), penalty_id=penalty.pk, reason="the parcels were weighed at pickup"
    )
    services.decide_appeal(
        actor=desk(), appeal_id=appeal.pk, outcome="upheld", note="pickup weights match"
    )
    standing = buyer_standing(buyer.pk)
    assert not standing.inspect_first
    assert next(c for c in standing.components if c.code == "shop_flags").numerator == 0


def test_every_credit_decision_is_audited(buyer):
    penalty = _penalised(buyer)[0]
    appeal = services.file_appeal(actor=buyer_of(buyer), penalty_id=penalty.pk, reason="no")
    services.decide_appeal(actor=desk(), appeal_id=appeal.pk, outcome="upheld", note="ok")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "credit.penalty_imposed",
        "credit.appeal_filed",
        "credit.appeal_decided",
        "credit.penalty_lifted",
    } <= actions
