"""`aftersales demo` leaves the risk desk something to look at: flagged returns with their
reasons (an empty box by the carrier's scale, a swap by the serial number), made through the
real services; a demo buyer with a penalty they see and can appeal; merchants' credit with the
category mean beside it. Running it again adds nothing."""

import pytest
from django.core.management import call_command

from aftersales.accounts.actors import SYSTEM_ACTOR, actor_for_user
from aftersales.accounts.models import Role, User
from aftersales.credit import selectors as credit_selectors
from aftersales.credit import services as credit_services
from aftersales.credit.models import MerchantMetric
from aftersales.returns import services as returns_services
from aftersales.risk import demo
from aftersales.risk.models import Assessment
from aftersales.risk.selectors import explained, flagged_queue
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def electronics_shop():
    shop = factories.merchant(demo.MERCHANT)
    returns_services.set_return_settings(
        actor=SYSTEM_ACTOR,
        merchant_id=shop.pk,
        contact_name="售后维修中心",
        contact_phone="13600001002",
        address="广东省深圳市龙华区民治街道维修中心 8 楼",
        pickup_carrier="fake",
    )
    return shop


def analyst():
    return actor_for_user(factories.user(Role.RISK))


def test_the_demo_puts_an_empty_box_and_a_swap_on_the_risk_desk(electronics_shop):
    demo.seed()
    queue = flagged_queue(analyst())
    codes = {row.case.order.external_id: [r["code"] for r in row.reasons] for row in queue}
    assert codes == {"DEMO-RISK-EMPTY-BOX": ["RS-06"], "DEMO-RISK-SWAP": ["RS-07"]}


def test_each_flagged_demo_return_explains_its_signal_in_words(electronics_shop):
    demo.seed()
    for row in flagged_queue(analyst()):
        signals = explained(row)
        assert signals and all(s["text"] for s in signals), signals


def test_the_risk_demo_is_idempotent(electronics_shop):
    demo.seed()
    scores = Assessment.objects.count()
    assert demo.seed() == "risk: 0 flagged demo returns"
    assert Assessment.objects.count() == scores


def test_after_the_demo_the_risk_desk_is_not_empty():
    call_command("demo", "--orders", "150", "--buyers", "12")
    assert len(flagged_queue(analyst())) >= 2


def test_after_the_demo_a_buyer_sees_a_penalty_and_can_appeal_it():
    call_command("demo", "--orders", "150", "--buyers", "12")
    buyer = User.objects.get(username="buyer1")
    me = actor_for_user(buyer)
    penalties = credit_selectors.buyer_credit(me, buyer.buyer_id)["penalties"]
    assert penalties and penalties[0].active
    appeal = credit_services.file_appeal(
        actor=me, penalty_id=penalties[0].pk, reason="那次退货是商品本身的问题"
    )
    assert appeal.state == "pending"


def test_after_the_demo_merchants_see_their_credit_beside_the_category_mean():
    call_command("demo", "--orders", "150", "--buyers", "12")
    shown = MerchantMetric.objects.filter(merchant__code="m-apparel", category_mean__isnull=False)
    assert shown.exists()
