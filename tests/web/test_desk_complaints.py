"""The desk's complaint pages: the queue by SLA due time with its filters, claim and assign,
the complaint page (the customer's timeline, replies from templates, internal notes, the
flow's actions, a compensation above authority), tenancy and CSRF."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import PLATFORM_INTEGRATION, SYSTEM_ACTOR, Actor
from aftersales.accounts.models import Role
from aftersales.complaints import services
from aftersales.complaints.models import ApprovalRequest, Complaint, ComplaintMessage
from aftersales.orders.services import upsert_order
from tests import factories
from tests.complaints import conftest as complaint_fixtures
from tests.complaints.conftest import at, order_json
from tests.web.pages import client_for

pytestmark = pytest.mark.django_db

travel = complaint_fixtures.travel  # the clock and the shop, as the complaint tests have them
shop = complaint_fixtures.shop

# Session, user, unread count; the open complaints with their merchants, buyers, orders and
# holders (one join).
QUEUE_STATEMENTS = 4
# Session, user, unread count; the complaint (joined), the customer's messages, complaints and
# cases (the timeline), the conversation, the approvals.
COMPLAINT_PAGE_STATEMENTS = 9


def _file(text="耳机坏了", customer="c1", channel="hotline", **kw):
    complaint, _ = services.receive(
        actor=Actor(kind="token", role=PLATFORM_INTEGRATION, label="connector"),
        customer=customer,
        channel=channel,
        text=text,
        **kw,
    )
    return complaint


def _desk(role=Role.AGENT, language="en"):
    user = factories.user(role)
    return user, client_for(user, language)


@pytest.fixture
def calendar_cached(monkeypatch):
    """The business calendar re-reads its revision every CHECK_INTERVAL_SECONDS: on a slow
    machine that one small query could land between two counts. Hold the clock it reads."""
    from aftersales.core import calendar as calendar_module

    monkeypatch.setattr(calendar_module, "_monotonic", lambda: 0.0)


def _statements(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


@pytest.fixture
def monday(travel):
    travel(at(2026, 3, 9, 9, 0))


def test_the_queue_lists_the_soonest_due_complaint_first(monday):
    calm = _file("耳机坏了", customer="c1")
    crisis = _file("耳机起火了，我要找记者曝光", customer="c2")  # crisis: due in 1 h
    _, client = _desk()
    page = client.get("/desk/complaints/").content.decode()
    assert page.index(f"#{crisis.pk}<") < page.index(f"#{calm.pk}<")


def test_the_queue_filters_by_severity(monday):
    _file("耳机坏了", customer="c1")
    crisis = _file("耳机起火了，我要找记者曝光", customer="c2")
    _, client = _desk()
    page = client.get("/desk/complaints/?severity=crisis").content.decode()
    assert f"#{crisis.pk}<" in page and page.count('<tr class="sla-') == 1


def test_the_queue_shows_only_mine_or_only_the_unassigned(monday):
    mine, other = _file(customer="c1"), _file(customer="c2")
    user, client = _desk()
    services.claim(actor=_actor(user), complaint=mine)
    assert f"#{other.pk}<" not in client.get("/desk/complaints/?holder=mine").content.decode()
    unassigned = client.get("/desk/complaints/?holder=unassigned").content.decode()
    assert f"#{mine.pk}<" not in unassigned and f"#{other.pk}<" in unassigned


def test_the_queue_shows_only_the_overdue(monday, travel):
    late = _file(customer="c1")
    travel(at(2026, 3, 9, 18, 30))
    fresh = _file(customer="c2")
    _, client = _desk()
    page = client.get("/desk/complaints/?overdue=1").content.decode()
    assert f"#{late.pk}<" in page and f"#{fresh.pk}<" not in page


def test_the_queue_costs_the_same_statements_however_many_complaints(monday, calendar_cached):
    _, client = _desk()
    _file(customer="c1")
    one = _statements(client, "/desk/complaints/")
    for n in range(4):
        _file(customer=f"c{n + 2}")
    assert _statements(client, "/desk/complaints/?severity=general") == one == QUEUE_STATEMENTS


def test_claiming_from_the_queue_makes_the_agent_the_holder(monday):
    complaint = _file()
    user, client = _desk()
    client.post(f"/desk/complaints/{complaint.pk}/claim/", {"from": "queue"})
    assert Complaint.objects.get(pk=complaint.pk).assignee_id == user.pk


def test_a_manager_assigns_from_the_complaint_page(monday):
    complaint = _file()
    agent = factories.user(Role.AGENT)
    _, manager = _desk(Role.MANAGER)
    manager.post(f"/desk/complaints/{complaint.pk}/assign/", {"assignee": agent.pk})
    assert Complaint.objects.get(pk=complaint.pk).assignee_id == agent.pk


def test_the_complaint_page_shows_every_case_complaint_and_message_of_the_customer(monday, shop):
    upsert_order(actor=SYSTEM_ACTOR, data=order_json(shop.code, "O-7", buyer="c1"))
    earlier = _file("上次的问题", customer="c1")
    services.act(
        complaint=earlier,
        actor=_actor(factories.user(Role.MANAGER)),
        action="close_without_remedy",
        body=services.ActionBody(reason="重复"),
    )
    complaint = _file("耳机又坏了", customer="c1", order="O-7")
    _, client = _desk()
    page = client.get(f"/desk/complaints/{complaint.pk}/").content.decode()
    timeline = page[page.index('id="customer-timeline"') :]
    assert "上次的问题" in timeline and "耳机又坏了" in timeline
    assert f'href="/desk/complaints/{earlier.pk}/"' in timeline


def test_the_complaint_page_costs_the_same_statements_however_long_the_conversation(
    monday, calendar_cached
):
    complaint = _file()
    user, client = _desk()
    one = _statements(client, f"/desk/complaints/{complaint.pk}/")
    for n in range(4):
        services.add_message(actor=_actor(user), complaint=complaint, text=f"回复 {n}")
    assert _statements(client, f"/desk/complaints/{complaint.pk}/") == one
    assert one == COMPLAINT_PAGE_STATEMENTS


def test_the_action_buttons_are_exactly_the_allowed_actions(monday):
    complaint = _file()
    user, client = _desk()
    page = client.get(f"/desk/complaints/{complaint.pk}/").content.decode()
    shown = {a for a in services.ACTIONS if f'id="action-{a}"' in page}
    assert shown == set(services.allowed_actions(complaint, _actor(user)))


def test_a_template_fills_the_reply_in_the_agents_language(monday):
    complaint = _file()
    _, client = _desk(language="zh-hans")
    page = client.get(f"/desk/complaints/{complaint.pk}/?template=received").content.decode()
    assert "真的很抱歉" in page and f"编号 {complaint.pk}" in page


def test_a_template_in_english_says_what_happens_next_and_when(monday):
    complaint = _file()
    _, client = _desk(language="en")
    page = client.get(f"/desk/complaints/{complaint.pk}/?template=received").content.decode()
    assert "I understand how frustrating" in page and "2026-03-09 18:00" in page


def test_a_reply_from_the_page_is_the_first_response(monday):
    complaint = _file()
    _, client = _desk()
    response = client.post(f"/desk/complaints/{complaint.pk}/reply/", {"text": "您好，在处理"})
    assert response.status_code == 302
    assert Complaint.objects.get(pk=complaint.pk).first_responded_at is not None


def test_an_internal_note_is_never_shown_to_the_customer(monday, api):
    complaint = _file()
    _, client = _desk()
    client.post(
        f"/desk/complaints/{complaint.pk}/reply/", {"text": "内部：疑似批次问题", "internal": "1"}
    )
    assert ComplaintMessage.objects.get(complaint=complaint, direction="note")
    buyer = api(factories.buyer_token(complaint.buyer))
    texts = [m["text"] for m in buyer.get(f"/complaints/{complaint.pk}/messages").json()["items"]]
    assert "内部：疑似批次问题" not in texts


def test_an_empty_reply_is_refused_on_the_page_and_nothing_is_written(monday):
    complaint = _file()
    _, client = _desk()
    response = client.post(f"/desk/complaints/{complaint.pk}/reply/", {"text": "  "})
    assert response.status_code == 422
    assert not ComplaintMessage.objects.filter(complaint=complaint, direction="outbound").exists()


def _to_solution(complaint, user):
    actor = _actor(user)
    services.act(complaint=complaint, actor=actor, action="acknowledge")
    services.act(complaint=complaint, actor=actor, action="investigate")


def test_a_compensation_above_the_agents_authority_waits_for_approval(monday):
    complaint = _file()
    user, client = _desk()
    _to_solution(complaint, user)
    client.post(
        f"/desk/complaints/{complaint.pk}/actions/propose_solution/",
        {
            "solution_kind": "compensation",
            "solution_form": "money",
            "solution_amount": "80.00",
            "responsibility": "product_quality",
        },
    )
    client.post(f"/desk/complaints/{complaint.pk}/actions/execute/", {})
    assert Complaint.objects.get(pk=complaint.pk).state == "awaiting_approval"
    assert ApprovalRequest.objects.get(complaint=complaint).required_role == "specialist"


def test_an_action_out_of_turn_is_a_409_page_naming_nothing_written(monday):
    complaint = _file()
    _, client = _desk()
    response = client.post(f"/desk/complaints/{complaint.pk}/actions/complete/", {})
    assert response.status_code == 409
    assert Complaint.objects.get(pk=complaint.pk).state == "received"


def test_a_complaint_that_is_not_there_is_the_404_page(monday):
    _, client = _desk()
    assert client.get("/desk/complaints/999999/").status_code == 404


def test_a_merchant_cannot_open_the_desk_complaint_pages(monday, shop):
    upsert_order(actor=SYSTEM_ACTOR, data=order_json(shop.code, "O-8", buyer="c1"))
    complaint = _file(customer="c1", order="O-8")
    client = client_for(factories.user(Role.MERCHANT_STAFF, merchant=shop))
    assert client.get(f"/desk/complaints/{complaint.pk}/").status_code == 403
    assert client.get("/desk/complaints/").status_code == 403


def test_a_post_without_the_csrf_token_is_refused(monday):
    complaint = _file()
    client = Client(enforce_csrf_checks=True)
    client.force_login(factories.user(Role.AGENT))
    response = client.post(f"/desk/complaints/{complaint.pk}/reply/", {"text": "您好"})
    assert response.status_code == 403
    assert not ComplaintMessage.objects.filter(complaint=complaint, direction="outbound").exists()


def _actor(user):
    from aftersales.accounts.actors import actor_for_user

    return actor_for_user(user)


def test_the_breach_report_page_lists_missed_targets_per_agent(monday, travel):
    from aftersales.complaints import timers

    user, client = _desk()
    complaint = _file()
    services.claim(actor=_actor(user), complaint=complaint)
    travel(at(2026, 3, 9, 18, 1))
    timers.fire_due()
    page = client.get("/desk/reports/sla/?from=2026-03-09&to=2026-03-10").content.decode()
    assert f"<td>{user.username}</td>" in page and "First response" in page


def test_the_queue_speaks_chinese_to_a_chinese_desk(monday):
    _file()
    _, client = _desk(language="zh-hans")
    page = client.get("/desk/complaints/").content.decode()
    assert "投诉队列" in page and "正常" in page  # the title, the SLA status
