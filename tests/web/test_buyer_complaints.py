"""The buyer's complaint pages: my complaints, the complaint's conversation without the desk's
internal notes, its state in plain words and what happens next, and the customer's own actions
(exactly the flow's allowed actions): reply, confirm, rate, reopen; tenancy and CSRF."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import PLATFORM_INTEGRATION, Actor, actor_for_user
from aftersales.accounts.models import Role
from aftersales.complaints import services
from aftersales.complaints.models import Complaint, ComplaintMessage
from tests import factories
from tests.complaints import conftest as complaint_fixtures
from tests.complaints.conftest import at
from tests.web.pages import buyer_client

pytestmark = pytest.mark.django_db

travel = complaint_fixtures.travel

# Session, user, unread count; the buyer's complaints with their orders and merchants.
LIST_STATEMENTS = 4
CONNECTOR = Actor(kind="token", role=PLATFORM_INTEGRATION, label="connector")


def _file(customer="c1", text="耳机坏了"):
    complaint, _ = services.receive(actor=CONNECTOR, customer=customer, channel="app", text=text)
    return complaint


def _agent():
    return actor_for_user(factories.user(Role.AGENT))


def _to_confirmation(complaint):
    agent = _agent()
    services.act(complaint=complaint, actor=agent, action="acknowledge")
    services.act(complaint=complaint, actor=agent, action="investigate")
    services.act(
        complaint=complaint,
        actor=agent,
        action="propose_solution",
        body=services.ActionBody(solution={"kind": "apology"}, responsibility="service"),
    )
    services.act(complaint=complaint, actor=agent, action="execute")
    services.act(complaint=complaint, actor=agent, action="complete")
    return Complaint.objects.get(pk=complaint.pk)


def _resolved(complaint):
    _to_confirmation(complaint)
    buyer = actor_for_user(factories.user(Role.BUYER, buyer=complaint.buyer))
    services.act(complaint=complaint, actor=buyer, action="confirm")
    return Complaint.objects.get(pk=complaint.pk)


@pytest.fixture
def monday(travel):
    travel(at(2026, 3, 9, 9, 0))


@pytest.fixture
def calendar_cached(monkeypatch):
    from aftersales.core import calendar as calendar_module

    monkeypatch.setattr(calendar_module, "_monotonic", lambda: 0.0)


def _statements(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


def test_my_complaints_lists_only_my_own(monday):
    mine, theirs = _file("c1"), _file("c2")
    page = buyer_client("c1").get("/buyer/complaints/").content.decode()
    assert f"#{mine.pk}<" in page and f"#{theirs.pk}<" not in page


def test_the_buyer_nav_links_to_my_complaints(monday):
    _file("c1")
    assert 'href="/buyer/complaints/"' in buyer_client("c1").get("/buyer/").content.decode()


def test_another_buyers_complaint_is_the_404_page(monday):
    _file("c1")
    theirs = _file("c2")
    assert buyer_client("c1").get(f"/buyer/complaints/{theirs.pk}/").status_code == 404


def test_another_buyer_cannot_act_on_my_complaint(monday):
    complaint = _to_confirmation(_file("c1"))
    _file("c2")
    response = buyer_client("c2").post(f"/buyer/complaints/{complaint.pk}/actions/confirm/")
    assert response.status_code == 404
    assert Complaint.objects.get(pk=complaint.pk).state == "awaiting_confirmation"


def test_the_complaint_page_never_shows_internal_notes(monday):
    complaint = _file("c1")
    services.add_message(actor=_agent(), complaint=complaint, text="内部：批次问题", internal=True)
    services.add_message(actor=_agent(), complaint=complaint, text="您好，我们在处理")
    page = buyer_client("c1").get(f"/buyer/complaints/{complaint.pk}/").content.decode()
    assert "您好，我们在处理" in page and "批次问题" not in page


def test_the_state_is_said_in_plain_words_with_what_happens_next(monday):
    complaint = _to_confirmation(_file("c1"))
    page = buyer_client("c1").get(f"/buyer/complaints/{complaint.pk}/").content.decode()
    assert "Did this solve it? Please tell us" in page
    assert "counts as confirmed after 3 working days" in page


def test_the_page_speaks_chinese_to_a_chinese_buyer(monday):
    complaint = _to_confirmation(_file("c1"))
    page = buyer_client("c1", "zh-hans").get(f"/buyer/complaints/{complaint.pk}/").content
    assert "问题解决了吗" in page.decode()


def test_the_buttons_are_exactly_the_customers_allowed_actions(monday):
    complaint = _to_confirmation(_file("c1"))
    page = buyer_client("c1").get(f"/buyer/complaints/{complaint.pk}/").content.decode()
    assert 'id="action-confirm"' in page and 'id="action-dispute"' in page
    assert 'id="action-rate"' not in page and 'id="action-reopen"' not in page


def test_a_reply_joins_the_timeline_and_resumes_the_paused_sla(monday):
    complaint = _file("c1")
    agent = _agent()
    services.act(complaint=complaint, actor=agent, action="acknowledge")
    services.act(
        complaint=complaint,
        actor=agent,
        action="await_customer",
        body=services.ActionBody(note="请提供订单号"),
    )
    assert Complaint.objects.get(pk=complaint.pk).paused_since is not None
    response = buyer_client("c1").post(
        f"/buyer/complaints/{complaint.pk}/reply/", {"text": "订单号是 O-1"}
    )
    assert response.status_code == 302
    assert ComplaintMessage.objects.filter(complaint=complaint, text="订单号是 O-1").exists()
    assert Complaint.objects.get(pk=complaint.pk).paused_since is None


def test_an_empty_reply_is_refused_on_the_page_and_nothing_is_written(monday):
    complaint = _file("c1")
    response = buyer_client("c1").post(f"/buyer/complaints/{complaint.pk}/reply/", {"text": " "})
    assert response.status_code == 422
    assert ComplaintMessage.objects.filter(complaint=complaint, direction="inbound").count() == 1


def test_confirming_the_solution_resolves_the_complaint(monday):
    complaint = _to_confirmation(_file("c1"))
    buyer_client("c1").post(f"/buyer/complaints/{complaint.pk}/actions/confirm/")
    assert Complaint.objects.get(pk=complaint.pk).state == "resolved"


def test_a_rating_of_one_to_five_is_kept_with_its_comment(monday):
    complaint = _resolved(_file("c1"))
    buyer_client("c1").post(
        f"/buyer/complaints/{complaint.pk}/actions/rate/", {"rating": "4", "comment": "挺快的"}
    )
    rated = Complaint.objects.get(pk=complaint.pk)
    assert (rated.rating, rated.rating_comment) == (4, "挺快的")


def test_a_rating_outside_one_to_five_is_refused_and_nothing_is_kept(monday):
    complaint = _resolved(_file("c1"))
    response = buyer_client("c1").post(
        f"/buyer/complaints/{complaint.pk}/actions/rate/", {"rating": "9"}
    )
    assert response.status_code == 422
    assert Complaint.objects.get(pk=complaint.pk).rating is None


def test_the_customer_reopens_within_the_period(monday):
    complaint = _resolved(_file("c1"))
    buyer_client("c1").post(f"/buyer/complaints/{complaint.pk}/actions/reopen/", {"note": "又坏了"})
    assert Complaint.objects.get(pk=complaint.pk).state == "investigating"


def test_reopening_after_the_period_is_a_409_and_nothing_changes(monday, travel):
    complaint = _resolved(_file("c1"))
    travel(at(2026, 4, 9, 9, 0))
    response = buyer_client("c1").post(f"/buyer/complaints/{complaint.pk}/actions/reopen/")
    assert response.status_code == 409
    assert Complaint.objects.get(pk=complaint.pk).state == "resolved"


def test_a_post_without_the_csrf_token_is_refused(monday):
    complaint = _to_confirmation(_file("c1"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(factories.user(Role.BUYER, buyer=complaint.buyer))
    response = client.post(f"/buyer/complaints/{complaint.pk}/actions/confirm/")
    assert response.status_code == 403
    assert Complaint.objects.get(pk=complaint.pk).state == "awaiting_confirmation"


def test_my_complaints_costs_the_same_statements_however_many_complaints(monday, calendar_cached):
    _file("c1")
    client = buyer_client("c1")
    one = _statements(client, "/buyer/complaints/")
    for n in range(4):
        services.receive(actor=CONNECTOR, customer="c1", channel="chat", text=f"第{n}次投诉")
    assert _statements(client, "/buyer/complaints/") == one == LIST_STATEMENTS


def test_the_complaint_page_costs_the_same_statements_however_long_the_conversation(
    monday, calendar_cached
):
    complaint = _file("c1")
    client = buyer_client("c1")
    path = f"/buyer/complaints/{complaint.pk}/"
    one = _statements(client, path)
    for n in range(4):
        services.add_message(actor=_agent(), complaint=complaint, text=f"回复{n}")
    assert _statements(client, path) == one
