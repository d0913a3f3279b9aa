"""Platform review: appeals queue for the desk by due time; a ruling records its reason and
split, and executes through the same services."""

from datetime import timedelta
from decimal import Decimal

import pytest

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor, actor_for_user
from aftersales.cases.services import ActionBody, LineClaim, act, open_case
from aftersales.orders.services import upsert_order
from tests import factories
from tests.orders.factories import order_json

pytestmark = pytest.mark.django_db


def rejected_case(external_id: str, merchant_code: str = "m-shop"):
    from aftersales.accounts.models import Merchant

    merchant = Merchant.objects.filter(code=merchant_code).first() or factories.merchant(
        merchant_code
    )
    order, _ = upsert_order(
        actor=SYSTEM_ACTOR, data=order_json(external_id, merchant=merchant.code)
    )
    case = open_case(
        actor=SYSTEM_ACTOR,
        order=external_id,
        merchant=merchant.code,
        type="return_refund",
        reason="quality_issue",
        lines=[LineClaim("1", 1)],
        at=order.paid_at + timedelta(days=3),
    )
    merchant_actor = actor_for_user(factories.user("merchant_admin", merchant=merchant))
    return act(
        case=case,
        actor=merchant_actor,
        action="reject",
        body=ActionBody(reason="wear and tear, not a defect"),
    )


def appeal(case, at_offset_hours: int = 0):
    buyer = Actor(kind="token", role="buyer", label="buyer", buyer_id=case.buyer_id)
    return act(
        case=case,
        actor=buyer,
        action="appeal",
        body=ActionBody(reason="it broke on day two"),
        at=case.updated_at + timedelta(hours=at_offset_hours),
    )


def test_appeals_queue_for_the_desk_soonest_due_first(api):
    later = appeal(rejected_case("TB-Q1"), at_offset_hours=5)
    sooner = appeal(rejected_case("TB-Q2"))
    agent = factories.user_token(factories.user("agent"))
    body = api(agent).get("/review-queue").json()
    assert [item["case"]["id"] for item in body["items"]] == [sooner.pk, later.pk]
    assert body["items"][0]["appeal_reason"] == "it broke on day two"
    assert body["items"][0]["rejection_reason"] == "wear and tear, not a defect"


def test_merchants_and_buyers_have_no_review_queue(api):
    merchant = factories.merchant("m-q")
    assert api(factories.merchant_token(merchant)).get("/review-queue").status_code == 403


def test_a_ruling_for_the_buyer_resumes_the_return_where_it_was_rejected():
    case = appeal(rejected_case("TB-R1"))
    specialist = actor_for_user(factories.user("specialist"))
    case = act(
        case=case,
        actor=specialist,
        action="rule",
        body=ActionBody(ruling="for_buyer", reason="defect shown in the photos"),
    )
    assert case.state == "approved"
    assert case.facts["ruling"]["reason"] == "defect shown in the photos"
    assert case.deadlines.filter(kind="buyer_ship_return", fired_at__isnull=True).exists()


def test_a_partial_ruling_records_the_split_as_the_refund_amount():
    case = appeal(rejected_case("TB-R2"))
    specialist = actor_for_user(factories.user("specialist"))
    case = act(
        case=case,
        actor=specialist,
        action="rule",
        body=ActionBody(ruling="partial", reason="half the fault each", amount=Decimal("30.00")),
    )
    assert case.refund_amount == Decimal("30.00")
    assert case.facts["ruling"] == {
        "ruling": "partial",
        "reason": "half the fault each",
        "amount": "30.00",
    }


def test_a_ruling_for_the_merchant_closes_the_case_and_frees_the_quantity():
    case = appeal(rejected_case("TB-R3"))
    specialist = actor_for_user(factories.user("specialist"))
    case = act(
        case=case,
        actor=specialist,
        action="rule",
        body=ActionBody(ruling="for_merchant", reason="wear and tear"),
    )
    assert case.state == "closed"
    assert not case.lines.filter(holds_quantity=True).exists()


def test_a_ruling_needs_its_reason():
    from aftersales.core.errors import InvalidInput

    case = appeal(rejected_case("TB-R4"))
    specialist = actor_for_user(factories.user("specialist"))
    with pytest.raises(InvalidInput) as invalid:
        act(case=case, actor=specialist, action="rule", body=ActionBody(ruling="for_buyer"))
    assert [e.field for e in invalid.value.errors] == ["reason"]


def test_only_the_desk_rules():
    from aftersales.core.errors import NotAllowed

    case = appeal(rejected_case("TB-R5"))
    merchant = actor_for_user(factories.user("merchant_admin", merchant=case.merchant))
    with pytest.raises(NotAllowed):
        act(
            case=case,
            actor=merchant,
            action="rule",
            body=ActionBody(ruling="for_merchant", reason="mine"),
        )


def test_the_admin_shows_a_case_with_its_events_but_changes_nothing():
    from django.test import Client

    case = appeal(rejected_case("TB-ADM"))
    operator = factories.user("admin", username="ops-cases")
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client = Client()
    client.force_login(operator)
    page = client.get(f"/admin/cases/case/{case.pk}/change/")
    assert page.status_code == 200
    assert "platform_review" in page.content.decode()
    assert client.get("/admin/cases/case/add/").status_code == 403
    event = case.events.first()
    assert client.post(f"/admin/cases/caseevent/{event.pk}/delete/").status_code == 403
