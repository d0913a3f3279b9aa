"""`aftersales webhooks listen`: a real delivery from the worker's send path, verified by the
local receiver, one line printed per event."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from aftersales.notify import listen
from aftersales.notify.models import WebhookDelivery
from tests import factories
from tests.cases import factories as case_factories
from tests.notify.helpers import endpoint, work

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener():
    """Start the receiver on a free port with the given secret; yields (url, printed lines)."""
    servers = []

    def start(secret: str):
        lines: list[str] = []
        server = listen.receiver(secret, lines.append)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/", lines

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _registered(merchant, listener, *, listen_with: str | None = None):
    """An endpoint of `merchant` pointed at a listener verifying with its secret (or another)."""
    ep, secret = endpoint(merchant, "http://127.0.0.1:9/")
    ep.url, lines = listener(listen_with or secret)
    ep.save(update_fields=["url"])
    return ep, lines


def test_the_listener_verifies_a_real_delivery_and_prints_its_line(listener):
    merchant = factories.merchant()
    _, lines = _registered(merchant, listener)
    case = case_factories.opened_case(merchant=merchant)
    work()
    [line] = lines
    webhook_id = WebhookDelivery.objects.get().message.message_id
    assert line.split("  ") == [
        webhook_id,
        "case.created",
        f"case {case.pk}",
        case.state,
        "verified yes",
    ]


def test_the_listener_answers_204_to_a_valid_signature(listener):
    merchant = factories.merchant()
    ep, _ = _registered(merchant, listener)
    case_factories.opened_case(merchant=merchant)
    work()
    row = WebhookDelivery.objects.get(endpoint=ep)
    assert (row.state, row.last_status) == ("succeeded", 204)


def test_the_listener_answers_401_to_a_signature_of_another_secret(listener):
    merchant = factories.merchant()
    ep, lines = _registered(merchant, listener, listen_with="whsec_" + "QkJC" * 8)
    case_factories.opened_case(merchant=merchant)
    work()
    row = WebhookDelivery.objects.get(endpoint=ep)
    assert (row.state, row.last_status) == ("pending", 401)
    assert lines[0].endswith("verified no")


def test_the_listen_command_prints_a_line_per_event_it_receives():
    secret = "whsec_" + "Q0ND" * 8
    command = [sys.executable, "-m", "aftersales", "webhooks", "listen", "--port", "0"]
    with subprocess.Popen(
        [*command, "--secret", secret], stdout=subprocess.PIPE, text=True
    ) as process:
        try:
            port = int(process.stdout.readline().split(":")[2].split("/")[0])
            body = json.dumps(
                {"type": "case.created", "data": {"case_id": 7, "state": "requested"}}
            )
            at = datetime.now(UTC)
            headers = {
                "content-type": "application/json",
                "webhook-id": "msg_1",
                "webhook-timestamp": str(int(at.timestamp())),
                "webhook-signature": Webhook(secret).sign("msg_1", at, body),
            }
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", "/", body=body, headers=headers)
            assert conn.getresponse().status == 204
            assert process.stdout.readline().strip() == (
                "msg_1  case.created  case 7  requested  verified yes"
            )
        finally:
            process.terminate()
