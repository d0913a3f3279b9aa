"""POST/GET/DELETE /webhooks, the delivery log and its retry, secret rotation: shapes, refusals
(422 naming the field), destination safety in production mode, tenancy (404)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests import factories
from tests.cases import builders as b
from tests.cases import factories as case_factories
from tests.notify.helpers import work

pytestmark = pytest.mark.django_db
PRODUCTION_RULES = {
    "AFTERSALES_WEBHOOK_REQUIRE_HTTPS": True,
    "AFTERSALES_WEBHOOK_ALLOW_LOOPBACK": False,
    "AFTERSALES_WEBHOOK_ALLOW_PRIVATE": False,
}


def merchant_api(api):
    m = factories.merchant()
    return m, api(factories.merchant_token(m))


def test_registering_answers_201_with_the_secret_shown_once(api, receiver):
    m, client = merchant_api(api)
    response = client.post("/webhooks", {"url": receiver.url(), "event_types": ["case.created"]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == ["case.created"] and body["merchant"] == m.code
    [listed] = client.get("/webhooks").json()["items"]
    assert listed["id"] == body["id"] and "secret" not in listed


def test_an_unknown_event_type_is_422_naming_the_field(api, receiver):
    _, client = merchant_api(api)
    response = client.post("/webhooks", {"url": receiver.url(), "event_types": ["case.exploded"]})
    b.assert_problem(response, 422, "event_types[0]")


@override_settings(**PRODUCTION_RULES)
def test_production_refuses_a_plain_http_destination(api):
    _, client = merchant_api(api)
    b.assert_problem(client.post("/webhooks", {"url": "http://203.0.113.7/hook"}), 422, "url")


@override_settings(**PRODUCTION_RULES)
@pytest.mark.parametrize(
    "url",
    [
        "https://10.1.2.3/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://localhost/hook",
    ],
)
def test_production_refuses_private_loopback_and_link_local_destinations(api, url):
    _, client = merchant_api(api)
    b.assert_problem(client.post("/webhooks", {"url": url}), 422, "url")


@override_settings(**PRODUCTION_RULES)
def test_production_accepts_a_public_https_destination(api):
    _, client = merchant_api(api)
    assert client.post("/webhooks", {"url": "https://1.1.1.1/hook"}).status_code == 201


def test_link_local_destinations_are_refused_even_in_development(api):
    _, client = merchant_api(api)
    response = client.post("/webhooks", {"url": "http://169.254.169.254/latest"})
    b.assert_problem(response, 422, "url")


def test_a_url_that_is_not_http_is_422(api):
    _, client = merchant_api(api)
    b.assert_problem(client.post("/webhooks", {"url": "ftp://example.com/x"}), 422, "url")


def test_merchant_staff_may_not_manage_webhooks(api, receiver):
    m = factories.merchant()
    staff = api(factories.user_token(factories.user("merchant_staff", merchant=m)))
    b.assert_problem(staff.post("/webhooks", {"url": receiver.url()}), 403)


def test_deleting_an_endpoint_stops_its_deliveries(api, receiver):
    m, client = merchant_api(api)
    created = client.post("/webhooks", {"url": receiver.url()}).json()
    assert client.delete(f"/webhooks/{created['id']}").status_code == 204
    case_factories.opened_case(merchant=m)
    work()
    assert receiver.received == []
    assert client.get("/webhooks").json()["items"] == []


def test_the_delivery_log_and_a_manual_retry_through_the_api(api, receiver):
    m, client = merchant_api(api)
    created = client.post("/webhooks", {"url": receiver.url()}).json()
    case_factories.opened_case(merchant=m)
    work()
    [d] = client.get(f"/webhooks/{created['id']}/deliveries").json()["items"]
    assert d["state"] == "succeeded" and d["last_status"] == 200 and d["attempts"] == 1
    assert d["event_type"] == "case.created" and d["last_response"] == "thanks"
    again = client.post(f"/webhooks/{created['id']}/deliveries/{d['id']}/retry")
    assert again.status_code == 200, again.content
    assert again.json()["attempts"] == 2 and again.json()["webhook_id"] == d["webhook_id"]
    assert [r.webhook_id for r in receiver.received] == [d["webhook_id"]] * 2


def test_rotating_answers_a_new_secret_and_the_old_ones_expiry(api, receiver):
    _, client = merchant_api(api)
    created = client.post("/webhooks", {"url": receiver.url()}).json()
    rotated = client.post(f"/webhooks/{created['id']}/rotate-secret").json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    assert rotated["previous_secret_expires_at"]


def test_another_merchants_endpoint_is_404(api, receiver):
    _, mine = merchant_api(api)
    _, theirs = merchant_api(api)
    created = theirs.post("/webhooks", {"url": receiver.url()}).json()
    b.assert_problem(mine.get(f"/webhooks/{created['id']}/deliveries"), 404)
    b.assert_problem(mine.delete(f"/webhooks/{created['id']}"), 404)


def test_a_merchant_token_cannot_register_for_another_merchant(api, receiver):
    other = factories.merchant()
    _, client = merchant_api(api)
    response = client.post("/webhooks", {"url": receiver.url(), "merchant": other.code})
    b.assert_problem(response, 404)


def test_a_platform_endpoint_hears_every_merchants_events(api, receiver):
    platform = api(factories.platform_token())
    created = platform.post("/webhooks", {"url": receiver.url()})
    assert created.status_code == 201 and created.json()["merchant"] is None
    case_factories.opened_case()
    case_factories.opened_case()
    work()
    assert len(receiver.received) == 2


def test_the_event_types_route_lists_every_webhook_type_with_its_version(api):
    from aftersales.notify.catalogue import WEBHOOK_TOPICS, topic

    _, client = merchant_api(api)
    response = client.get("/webhooks/event-types")
    assert response.status_code == 200, response.content
    listed = {t["name"]: t["version"] for t in response.json()["items"]}
    assert listed == {name: topic(name).version for name in WEBHOOK_TOPICS}


def test_the_event_types_route_lists_each_types_payload_fields(api):
    _, client = merchant_api(api)
    by_name = {t["name"]: t for t in client.get("/webhooks/event-types").json()["items"]}
    assert by_name["case.state_changed"]["fields"]["to_state"].startswith("string")


def test_internal_notices_are_not_offered_as_event_types(api):
    _, client = merchant_api(api)
    names = {t["name"] for t in client.get("/webhooks/event-types").json()["items"]}
    assert "webhook.endpoint_disabled" not in names
