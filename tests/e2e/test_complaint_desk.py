"""An agent takes a complaint from intake to the customer's confirmation, in Chromium: the
queue by SLA due time, claim, a reply from a template, the flow's actions, a compensation
within authority, and the customer confirming and rating on their own
complaint page."""

from __future__ import annotations

import pytest

from aftersales.accounts.actors import PLATFORM_INTEGRATION, Actor
from aftersales.accounts.models import Buyer, Role
from aftersales.complaints import services
from aftersales.complaints.models import Complaint
from tests import factories
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)

CONNECTOR = Actor(kind="token", role=PLATFORM_INTEGRATION, label="chat connector")


def test_an_agent_takes_a_complaint_from_intake_to_the_customers_confirmation(open_page):
    complaint, _ = services.receive(
        actor=CONNECTOR,
        customer="cx-journey",
        channel="chat",
        text="耳机用了两天就没声音了，很失望",
    )
    agent_user = factories.user(Role.AGENT)
    agent = open_page(agent_user)

    agent.click("nav >> text=投诉队列")
    agent.wait_for_selector(f"text=#{complaint.pk}")
    assert "正常" in agent.inner_text("#complaint-rows")  # its SLA status
    screenshot(agent, "desk-complaint-queue")
    agent.click(f"#complaint-rows button:has-text('认领 #{complaint.pk}')")
    agent.wait_for_selector("text=这条投诉现在由您处理")
    agent.click(f"#complaint-rows a:has-text('#{complaint.pk}')")

    agent.wait_for_selector("#sla-status")
    agent.select_option("#template", "received")  # htmx fills the reply from the template
    agent.wait_for_function("document.querySelector('#reply-text').value.includes('抱歉')")
    agent.click("#reply-form button[type=submit]")
    agent.wait_for_selector("#conversation >> text=由我全程跟进")

    agent.click("#action-acknowledge button")
    agent.wait_for_selector("#complaint-state:has-text('已受理')")
    agent.click("#action-investigate button")
    agent.wait_for_selector("#complaint-state:has-text('调查中')")
    agent.fill("#note-text", "内部：同批次已有两起无声反馈")
    agent.click("#note-form button[type=submit]")
    agent.wait_for_selector("#conversation >> text=同批次已有两起无声反馈")

    agent.select_option("#solution-kind", "compensation")
    agent.fill("#solution-amount", "30.00")
    agent.select_option("#solution-responsibility", "product_quality")
    agent.click("#action-propose_solution button[type=submit]")
    agent.wait_for_selector("#complaint-state:has-text('已提出方案')")
    agent.click("#action-execute button")
    agent.wait_for_selector("#complaint-state:has-text('执行中')")
    agent.click("#action-complete button")
    agent.wait_for_selector("#complaint-state:has-text('待客户确认')")
    screenshot(agent, "desk-complaint")

    # The customer, on a phone: my complaints, the solution confirmed, then a rating.
    customer = open_page(
        factories.user(Role.BUYER, buyer=Buyer.objects.get(external_id="cx-journey")), phone=True
    )
    customer.click("nav >> text=我的投诉")
    customer.click(f"text=投诉 #{complaint.pk}")
    customer.wait_for_selector("#complaint-state:has-text('问题解决了吗')")
    assert "同批次已有两起无声反馈" not in customer.inner_text("main")  # the internal note
    assert "由我全程跟进" in customer.inner_text("#conversation")
    customer.click("#action-confirm button")
    customer.wait_for_selector("#complaint-state:has-text('已解决')")
    customer.check("#rating-5")
    customer.fill("#rate-comment", "处理得很快")
    customer.click("#action-rate button[type=submit]")
    customer.wait_for_selector("#my-rating:has-text('5 / 5')")
    screenshot(customer, "buyer-complaint")

    agent.reload()
    agent.wait_for_selector("#complaint-state:has-text('已解决')")
    assert "已达成" in agent.inner_text("#sla-status")
    screenshot(agent, "desk-complaint-resolved")
    done = Complaint.objects.get(pk=complaint.pk)
    assert done.state == "resolved" and done.assignee_id == agent_user.pk
    assert (done.rating, done.rating_comment) == (5, "处理得很快")
