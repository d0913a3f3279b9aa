"""Email and SMS that fail are tried again with backoff — five attempts over about an hour —
each attempt recorded on the inbox row, and only the channel that failed is tried again."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from aftersales.cases import services
from aftersales.notify import channels, delivery
from aftersales.notify.channels import FakeSms
from aftersales.notify.models import InboxMessage
from tests import factories
from tests.cases import factories as case_factories
from tests.notify.helpers import work

pytestmark = pytest.mark.django_db
MORNING = datetime(2026, 3, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # outside quiet hours


@pytest.fixture
def email_down(monkeypatch):
    """The mail server refuses the next `n` emails (set `.failures`), then takes them."""

    class Down:
        failures = 10**6

    real = channels.send_email

    def send_email(*args):
        if Down.failures > 0:
            Down.failures -= 1
            raise ConnectionRefusedError("smtp down")
        real(*args)

    monkeypatch.setattr(channels, "send_email", send_email)
    return Down


def staff_with_email():
    merchant = factories.merchant()
    staff = factories.user("merchant_staff", merchant=merchant)
    staff.email = "staff@shop.example"
    staff.save()
    return merchant, staff


def test_a_failed_email_is_sent_on_a_later_attempt(email_down):
    email_down.failures = 1
    merchant, staff = staff_with_email()
    with time_machine.travel(MORNING, tick=False) as traveller:
        case_factories.opened_case(merchant=merchant)
        work()
        traveller.shift(timedelta(minutes=1))
        delivery.send_channels()
    row = InboxMessage.objects.get(user=staff)
    assert [m.to for m in mail.outbox] == [["staff@shop.example"]]
    assert (row.sent_channels, row.pending_channels, row.channel_attempts) == (["email"], [], 2)


def test_a_failed_attempt_is_recorded_with_its_error_and_next_time(email_down):
    merchant, staff = staff_with_email()
    with time_machine.travel(MORNING, tick=False):
        case_factories.opened_case(merchant=merchant)
        work()
    row = InboxMessage.objects.get(user=staff)
    assert row.channel_attempts == 1
    assert row.pending_channels == ["email"]
    assert row.send_after == MORNING + timedelta(minutes=1)
    assert "ConnectionRefusedError: smtp down" in row.channel_error


def test_only_the_channel_that_failed_is_tried_again(email_down):
    email_down.failures = 1
    case = case_factories.opened_case()
    login = factories.user("buyer", buyer=case.buyer)
    login.email = "buyer@example.com"
    login.save()
    with time_machine.travel(MORNING, tick=False) as traveller:
        services.act(case=case, actor=case_factories.actor_of(case, "merchant"), action="approve")
        work()
        traveller.shift(timedelta(minutes=1))
        delivery.send_channels()
    row = InboxMessage.objects.get(buyer=case.buyer, topic="case.state_changed")
    assert sorted(row.sent_channels) == ["email", "sms"]
    assert len(FakeSms.sent) == 1


def test_a_channel_failing_all_along_is_given_up_after_five_attempts_over_about_an_hour(
    email_down,
):
    merchant, staff = staff_with_email()
    tried_at = []
    with time_machine.travel(MORNING, tick=False) as traveller:
        case_factories.opened_case(merchant=merchant)
        delivery.drain_outbox()
        while (row := InboxMessage.objects.get(user=staff)).send_after is not None:
            traveller.move_to(row.send_after)
            tried_at.append(row.send_after)
            delivery.send_channels()
    row = InboxMessage.objects.get(user=staff)
    assert row.channel_attempts == 5
    assert tried_at[-1] - tried_at[0] == timedelta(minutes=61)
    assert row.pending_channels == [] and row.sent_channels == []
    assert row.channel_error.startswith("gave up after 5 attempts: email:")


def test_channel_retries_wait_longer_each_time():
    delays = [delivery.channel_retry_delay(n) for n in range(1, 5)]
    assert delays == sorted(delays) and len(set(delays)) == 4
    assert delivery.channel_retry_delay(5) is None


def test_rows_being_sent_are_leased_so_a_second_worker_leaves_them_alone(email_down, monkeypatch):
    email_down.failures = 1
    merchant, _staff = staff_with_email()
    failing_then_sending = channels.send_email
    taken_meanwhile = []

    def send_email(*args):
        # Mid-send, with no transaction of the first worker's open: another worker comes by.
        taken_meanwhile.append(delivery.send_channels())
        failing_then_sending(*args)

    with time_machine.travel(MORNING, tick=False) as traveller:
        case_factories.opened_case(merchant=merchant)
        work()  # the first attempt fails: the email is due again in a minute
        traveller.shift(timedelta(minutes=1))
        monkeypatch.setattr(channels, "send_email", send_email)
        delivery.send_channels()
    assert taken_meanwhile[-1] == 0
    assert [m.to for m in mail.outbox] == [["staff@shop.example"]]
