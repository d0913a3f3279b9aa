"""The demo's webhook endpoint: registered once with the printed secret, quiet and left on
while nobody listens, and its deliveries verify with the printed secret once someone does."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command

from aftersales.core import clock
from aftersales.notify import demo, listen, webhooks
from aftersales.notify.models import WebhookDelivery, WebhookEndpoint
from tests import factories
from tests.cases import factories as case_factories
from tests.notify.helpers import work

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_merchant():
    return factories.merchant(demo.DEMO_WEBHOOK_MERCHANT)


def _nobody_listening() -> None:
    """The demo endpoint, pointed at a port nothing listens on (8765 may be in use here)."""
    demo.register_endpoint()
    WebhookEndpoint.objects.update(url="http://127.0.0.1:9/")


def test_the_demo_registers_one_endpoint_for_its_merchant_however_often_it_runs(demo_merchant):
    demo.register_endpoint()
    demo.register_endpoint()
    [ep] = WebhookEndpoint.objects.all()
    assert (ep.merchant, ep.url, ep.secret) == (
        demo_merchant,
        "http://127.0.0.1:8765/",
        demo.DEMO_WEBHOOK_SECRET,
    )


def test_the_demo_prints_its_secret_and_the_command_to_watch_it(capsys):
    call_command("demo", "--orders", "10", "--buyers", "3")
    out = capsys.readouterr().out
    assert demo.DEMO_WEBHOOK_SECRET in out
    assert f"aftersales webhooks listen --port 8765 --secret {demo.DEMO_WEBHOOK_SECRET}" in out


def test_the_demos_seeded_history_is_not_queued_to_its_endpoint(demo_merchant):
    case_factories.opened_case(merchant=demo_merchant)
    demo.register_endpoint()
    work()
    assert WebhookDelivery.objects.count() == 0


def test_a_demo_delivery_nobody_listens_to_logs_nothing_at_error(demo_merchant, caplog):
    _nobody_listening()
    case_factories.opened_case(merchant=demo_merchant)
    with caplog.at_level(logging.INFO):
        work()
    assert WebhookDelivery.objects.get().last_error  # it failed: nothing listens
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_demo_session_without_a_listener_leaves_the_endpoint_on(demo_merchant):
    _nobody_listening()
    with time_machine.travel(clock.now(), tick=False) as traveller:
        for _ in range(30):  # a busy day: thirty events, each failing, over 24 hours
            case_factories.opened_case(merchant=demo_merchant)
            work()
            traveller.shift(timedelta(minutes=48))
            webhooks.send_due()
    ep = WebhookEndpoint.objects.get()
    assert ep.consecutive_failures >= 30
    assert ep.disabled_at is None


def test_running_the_demo_again_turns_a_disabled_demo_endpoint_back_on(demo_merchant):
    demo.register_endpoint()
    WebhookEndpoint.objects.update(disabled_at=clock.now(), consecutive_failures=99)
    demo.register_endpoint()
    ep = WebhookEndpoint.objects.get()
    assert (ep.disabled_at, ep.consecutive_failures) == (None, 0)


def test_a_listener_with_the_printed_secret_verifies_the_demo_deliveries(demo_merchant):
    demo.register_endpoint()
    lines: list[str] = []
    server = listen.receiver(demo.DEMO_WEBHOOK_SECRET, lines.append)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:  # the demo endpoint, pointed at this free port instead of 8765
        WebhookEndpoint.objects.update(url=f"http://127.0.0.1:{server.server_address[1]}/")
        case_factories.opened_case(merchant=demo_merchant)
        work()
    finally:
        server.shutdown()
        server.server_close()
    assert [line.rsplit("  ", 1)[1] for line in lines] == ["verified yes"]
