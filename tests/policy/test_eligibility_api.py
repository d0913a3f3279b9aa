"""POST /api/v1/eligibility: the same decision as `policy check`, scoped to the caller."""

import pytest

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.orders.services import upsert_order
from tests import factories
from tests.orders.factories import order_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    merchant = factories.merchant("m-apparel")
    upsert_order(actor=SYSTEM_ACTOR, data=order_json("TB-1", merchant="m-apparel"))
    return merchant


def question(**overrides):
    body = {
        "order": "TB-1",
        "line_id": "1",
        "quantity": 1,
        "type": "return_refund",
        "reason": "no_reason",
        "at": "2026-03-05T10:00:00+08:00",
    }
    body.update(overrides)
    return body


def test_the_merchant_gets_the_decision_with_its_policy_version(api, shop):
    response = api(factories.merchant_token(shop)).post("/eligibility", question())
    assert response.status_code == 200
    body = response.json()
    assert body["eligible"] is True
    assert body["policy_version"] == "cn-default@1"
    assert body["window_ends_at"] == "2026-03-08T23:59:59+08:00"
    assert body["refundable_amount"] == "60.00"
    assert "trace" not in body or body["trace"] is None


def test_an_ineligible_request_says_why_with_the_source_row(api, shop):
    body = (
        api(factories.merchant_token(shop))
        .post("/eligibility", question(at="2026-03-09T00:00:00+08:00"))
        .json()
    )
    assert body["eligible"] is False
    assert body["reasons"][0]["code"] == "window_expired"
    assert body["reasons"][0]["source"] == "NR-02"
    assert set(body["reasons"][0]["messages"]) == {"zh-Hans", "en"}


def test_explain_returns_the_trace(api, shop):
    body = api(factories.merchant_token(shop)).post("/eligibility", question(explain=True)).json()
    assert [step["rule"] for step in body["trace"]][:2] == ["reason_fits_type", "quantity"]


def test_the_message_follows_the_callers_language(api, shop):
    body = (
        api(factories.merchant_token(shop))
        .post(
            "/eligibility",
            question(at="2026-03-09T10:00:00+08:00"),
            headers={"Accept-Language": "en"},
        )
        .json()
    )
    assert body["reasons"][0]["message"].startswith("The 7-day no-reason return window")


def test_a_sku_may_name_the_line(api, shop):
    body = (
        api(factories.merchant_token(shop))
        .post("/eligibility", question(line_id=None, sku="SKU-1"))
        .json()
    )
    assert body["eligible"] is True


def test_the_buyer_of_the_order_may_ask(api, shop):
    from aftersales.accounts.models import Buyer

    token = factories.buyer_token(Buyer.objects.get(external_id="b-1001"))
    assert api(token).post("/eligibility", question()).status_code == 200


def test_another_merchants_order_is_not_found(api, shop):
    other = factories.merchant("m-other")
    response = api(factories.merchant_token(other)).post("/eligibility", question())
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"line_id": "9"}, "line_id"),
        ({"line_id": None, "sku": "NOPE"}, "sku"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 2}, "quantity"),
        ({"type": "teleport"}, "type"),
        ({"reason": "bored"}, "reason"),
        ({"condition": "sparkling"}, "condition"),
        ({"at": "2026-03-05T10:00:00"}, "at"),
        ({"at": "2026-02-01T10:00:00+08:00"}, "at"),
        ({"policy": "cn-default@99"}, "policy"),
        ({"policy": "latest"}, "policy"),
    ],
)
def test_bad_input_is_422_naming_the_field(api, shop, change, field):
    response = api(factories.merchant_token(shop)).post("/eligibility", question(**change))
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in {e["field"] for e in response.json()["errors"]}


def test_naming_no_line_at_all_is_422(api, shop):
    response = api(factories.merchant_token(shop)).post("/eligibility", question(line_id=None))
    assert response.status_code == 422
