"""Deliveries to a real local receiver: signed per Standard Webhooks, retried with backoff,
never held up by a receiver that hangs or fails, and an endpoint that keeps failing disabled."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings

from aftersales.core import clock
from aftersales.notify import delivery, webhooks
from aftersales.notify.models import InboxMessage, WebhookDelivery, WebhookEndpoint
from aftersales.notify.outbox import publish
from tests import factories
from tests.cases import factories as case_factories
from tests.notify.helpers import endpoint, work

pytestmark = pytest.mark.django_db


def test_a_case_event_reaches_the_receiver_signed_and_verifiable(receiver):
    merchant = factories.merchant()
    _, secret = endpoint(merchant, receiver.url("/ok"))
    case = case_factories.opened_case(merchant=merchant)
    work()
    [got] = receiver.at("/ok")
    payload = got.verified(secret)  # the standardwebhooks library's own check
    assert payload["type"] == "case.created"
    assert payload["version"] == 1
    assert payload["data"]["case_id"] == case.pk
    assert payload["data"]["merchant"] == merchant.code
    assert got.webhook_id.startswith("msg_")


def test_the_delivery_log_records_status_latency_and_a_snippet(receiver):
    merchant = factories.merchant()
    ep, _ = endpoint(merchant, receiver.url("/ok"))
    case_factories.opened_case(merchant=merchant)
    work()
    row = WebhookDelivery.objects.get(endpoint=ep)
    assert row.state == "succeeded"
    assert row.last_status == 200
    assert row.last_latency_ms is not None
    assert row.last_response == "thanks"


def test_an_endpoint_hears_only_the_event_types_it_asked_for(receiver):
    merchant = factories.merchant()
    _, secret = endpoint(merchant, receiver.url("/ok"), ["case.state_changed"])
    case = case_factories.opened_case(merchant=merchant)
    from aftersales.cases import services

    services.act(case=case, actor=case_factories.actor_of(case, "merchant"), action="approve")
    work()
    types = {r.verified(secret)["type"] for r in receiver.at("/ok")}
    assert types == {"case.state_changed"}


def test_a_merchants_endpoint_never_hears_another_merchants_events(receiver):
    mine, other = factories.merchant(), factories.merchant()
    endpoint(mine, receiver.url("/ok"))
    case_factories.opened_case(merchant=other)
    work()
    assert receiver.at("/ok") == []


def test_a_failed_delivery_is_retried_later_with_a_growing_delay(receiver):
    merchant = factories.merchant()
    ep, _ = endpoint(merchant, receiver.url("/fail"))
    case_factories.opened_case(merchant=merchant)
    delays = []
    with time_machine.travel(clock.now(), tick=False) as traveller:
        delivery.drain_outbox()
        for _ in range(4):
            webhooks.send_due()
            row = WebhookDelivery.objects.get(endpoint=ep)
            delays.append(row.next_attempt_at - clock.now())
            traveller.move_to(row.next_attempt_at)
    assert row.attempts == 4 and row.state == "pending"
    assert row.last_status == 503 and row.last_error == "HTTP 503"
    assert all(later > earlier for earlier, later in itertools.pairwise(delays))


def test_the_retry_schedule_spans_about_three_days():
    total = sum(
        (webhooks.retry_delay(n, rng=_Middle()) for n in range(1, webhooks.MAX_ATTEMPTS)),
        timedelta(),
    )
    assert timedelta(days=2.5) < total < timedelta(days=3.5)


def test_even_the_shortest_jittered_schedule_outlasts_the_disable_window():
    shortest = sum(
        (webhooks.retry_delay(n, rng=_Earliest()) for n in range(1, webhooks.MAX_ATTEMPTS)),
        timedelta(),
    )
    assert shortest > timedelta(hours=settings.AFTERSALES_WEBHOOK_DISABLE_AFTER_HOURS)


class _Middle:
    """No jitter: the schedule as designed."""

    def uniform(self, a, b):
        return 0.0


class _Earliest:
    """The jitter at its low bound: the shortest schedule retries can take."""

    def uniform(self, a, b):
        return a


def test_a_delivery_that_fails_every_attempt_is_given_up(receiver):
    merchant = factories.merchant()
    ep, _ = endpoint(merchant, receiver.url("/fail"))
    case_factories.opened_case(merchant=merchant)
    with (
        override_settings(AFTERSALES_WEBHOOK_DISABLE_AFTER_FAILURES=1000),
        time_machine.travel(clock.now(), tick=False) as traveller,
    ):
        delivery.drain_outbox()
        for _ in range(webhooks.MAX_ATTEMPTS):
            webhooks.send_due()
            traveller.move_to(WebhookDelivery.objects.get(endpoint=ep).next_attempt_at)
    row = WebhookDelivery.objects.get(endpoint=ep)
    assert row.state == "failed" and row.attempts == webhooks.MAX_ATTEMPTS
    assert len(receiver.at("/fail")) == webhooks.MAX_ATTEMPTS


def test_a_receiver_that_hangs_or_fails_does_not_hold_up_the_others(receiver):
    merchant = factories.merchant()
    hanging, _ = endpoint(merchant, receiver.url("/hang"))
    failing, _ = endpoint(merchant, receiver.url("/fail"))
    healthy, secret = endpoint(merchant, receiver.url("/ok"))
    case_factories.opened_case(merchant=merchant)
    with override_settings(AFTERSALES_WEBHOOK_TIMEOUT_SECONDS=0.5):
        delivery.drain_outbox()
        webhooks.send_due(rounds=1)
    assert WebhookDelivery.objects.get(endpoint=healthy).state == "succeeded"
    assert receiver.at("/ok")[0].verifies_with(secret)
    hung = WebhookDelivery.objects.get(endpoint=hanging)
    assert hung.state == "pending" and hung.last_error.startswith("timeout")
    assert WebhookDelivery.objects.get(endpoint=failing).last_status == 503


def test_an_endpoint_failing_for_three_days_is_disabled_and_its_owner_told(receiver):
    merchant = factories.merchant()
    admin = factories.user("merchant_admin", merchant=merchant)
    admin.email = "ops@shop.example"
    admin.save()
    ep, _ = endpoint(merchant, receiver.url("/fail"))
    case_factories.opened_case(merchant=merchant)
    with time_machine.travel(clock.now(), tick=False) as traveller:
        delivery.drain_outbox()
        for _ in range(webhooks.MAX_ATTEMPTS):  # bounded: a broken schedule fails, never hangs
            webhooks.send_due()
            if WebhookEndpoint.objects.get(pk=ep.pk).disabled_at is not None:
                break
            traveller.move_to(WebhookDelivery.objects.get(endpoint=ep).next_attempt_at)
        delivery.drain_outbox()
    ep.refresh_from_db()
    assert ep.disabled_reason == "kept failing"
    assert ep.disabled_at - ep.failing_since >= timedelta(hours=72)
    told = InboxMessage.objects.get(user=admin, topic="webhook.endpoint_disabled")
    assert ep.url in told.body
    assert told.pending_channels == ["email"]


def test_a_disabled_endpoint_gets_no_deliveries_until_a_manual_retry_succeeds(receiver):
    merchant = factories.merchant()
    ep, _ = endpoint(merchant, receiver.url("/ok"))
    case_factories.opened_case(merchant=merchant)
    delivery.drain_outbox()
    WebhookEndpoint.objects.filter(pk=ep.pk).update(disabled_at=clock.now())
    webhooks.send_due()
    assert receiver.at("/ok") == []
    row = WebhookDelivery.objects.get(endpoint=ep)
    webhooks.send_now(row)
    ep.refresh_from_db()
    assert ep.disabled_at is None
    assert len(receiver.at("/ok")) == 1


def test_a_manual_retry_carries_the_same_webhook_id(receiver):
    merchant = factories.merchant()
    ep, secret = endpoint(merchant, receiver.url("/ok"))
    case_factories.opened_case(merchant=merchant)
    work()
    row = WebhookDelivery.objects.get(endpoint=ep)
    webhooks.send_now(row)
    first, again = receiver.at("/ok")
    assert first.webhook_id == again.webhook_id == row.message.message_id
    assert first.body == again.body
    assert again.verifies_with(secret)


def test_during_a_rotation_both_the_old_and_the_new_secret_verify(receiver):
    from aftersales.notify import services

    merchant = factories.merchant()
    ep, old = endpoint(merchant, receiver.url("/ok"))
    ep, new = services.rotate_secret(actor=case_factories.merchant_actor(merchant), endpoint=ep)
    case_factories.opened_case(merchant=merchant)
    work()
    [got] = receiver.at("/ok")
    assert got.verifies_with(old) and got.verifies_with(new)


def test_after_the_overlap_only_the_new_secret_verifies(receiver):
    from aftersales.notify import services

    merchant = factories.merchant()
    ep, old = endpoint(merchant, receiver.url("/ok"))
    ep, new = services.rotate_secret(actor=case_factories.merchant_actor(merchant), endpoint=ep)
    with time_machine.travel(clock.now() + timedelta(hours=25), tick=False):
        publish("case.escalated", {"case_id": 1}, merchant_id=merchant.pk)
        work()
        [got] = receiver.at("/ok")
        assert got.verifies_with(new) and not got.verifies_with(old)
