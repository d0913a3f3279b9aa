"""The guarantee fund through HTTP: the deposit and its ledger (cursor pages, scoped to the
merchant itself and the platform), top-ups, and contesting a pay-first; problem+json always."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from aftersales.accounts.models import Role
from aftersales.guarantee import services
from aftersales.guarantee.models import Source
from tests import factories
from tests.guarantee import builders as b

pytestmark = pytest.mark.django_db
D = Decimal
PROBLEM = "application/problem+json"


def deduct(merchant, amount, source_id=1):
    services.deduct(
        merchant_id=merchant.pk,
        amount=D(amount),
        source=Source.RULING,
        source_id=source_id,
        actor=b.SPECIALIST,
    )


def paid_first(merchant):
    return services.pay_first(
        case_id=b.case_of(merchant).pk,
        merchant_id=merchant.pk,
        amount=D("50.00"),
        reason="先行赔付",
        source=Source.RULING,
        source_id=5,
        actor=b.SPECIALIST,
    )


def test_the_merchant_reads_its_deposit_against_its_requirement(api):
    merchant = b.funded(deposit="1000.00", categories=["toys"])
    deduct(merchant, "200.00")
    body = api(factories.merchant_token(merchant)).get(f"/merchants/{merchant.code}/deposit").json()
    assert (body["balance"], body["requirement"]["amount"], body["shortfall"]) == (
        "800.00",
        "1000.00",
        "200.00",
    )
    assert body["below_requirement"] is True
    assert body["top_up_request"]["state"] == "open"
    assert [m["kind"] for m in body["entries"]] == ["deduct", "top_up"]
    assert body["entries"][0]["source"] == "ruling"


def test_the_ledger_is_read_in_cursor_pages(api):
    merchant = b.funded(deposit="1000.00")
    for i in range(1, 5):
        deduct(merchant, "1.00", source_id=i)
    client = api(factories.platform_token())
    first = client.get(f"/merchants/{merchant.code}/deposit", limit=3).json()
    second = client.get(
        f"/merchants/{merchant.code}/deposit", limit=3, cursor=first["next_cursor"]
    ).json()
    ids = [m["id"] for m in first["entries"] + second["entries"]]
    assert len(ids) == 5 == len(set(ids))
    assert second["next_cursor"] is None


def test_another_merchant_s_deposit_does_not_exist_for_you(api):
    merchant, other = b.funded(deposit="10.00"), factories.merchant()
    response = api(factories.merchant_token(other)).get(f"/merchants/{merchant.code}/deposit")
    assert (response.status_code, response["Content-Type"]) == (404, PROBLEM)


def test_buyers_do_not_read_deposits(api):
    merchant = b.funded(deposit="10.00")
    response = api(factories.buyer_token(factories.buyer())).get(
        f"/merchants/{merchant.code}/deposit"
    )
    assert (response.status_code, response["Content-Type"]) == (403, PROBLEM)


def test_a_top_up_is_recorded_and_shown(api):
    merchant = b.funded()
    admin = factories.user(Role.MERCHANT_ADMIN, merchant=merchant)
    response = api(factories.user_token(admin)).post(
        f"/merchants/{merchant.code}/deposit/top-ups", {"amount": "1000.00", "reference": "B-1"}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["balance"] == "1000.00"


def test_a_top_up_with_a_float_amount_is_422_naming_amount(api):
    merchant = b.funded()
    response = api(factories.merchant_token(merchant)).post(
        f"/merchants/{merchant.code}/deposit/top-ups", {"amount": 10.5, "reference": "B-1"}
    )
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)
    assert response.json()["errors"][0]["field"] == "amount"


def test_the_same_reference_twice_is_409(api):
    merchant = b.funded()
    client = api(factories.merchant_token(merchant))
    path = f"/merchants/{merchant.code}/deposit/top-ups"
    client.post(path, {"amount": "10.00", "reference": "B-1"})
    response = client.post(path, {"amount": "10.00", "reference": "B-1"})
    assert (response.status_code, response["Content-Type"]) == (409, PROBLEM)


def test_a_contest_through_the_api_and_its_decision(api):
    merchant = b.funded(settlement="100.00")
    record = paid_first(merchant)
    merchant_client = api(factories.merchant_token(merchant))
    listed = merchant_client.get(f"/merchants/{merchant.code}/pay-firsts").json()["items"]
    assert listed[0]["allowed_actions"] == ["contest"]
    contested = merchant_client.post(f"/pay-firsts/{record.pk}/contest", {"reason": "买家调包"})
    assert contested.json()["contest_state"] == "contested"
    specialist = api(factories.user_token(factories.user(Role.SPECIALIST)))
    decided = specialist.post(
        f"/pay-firsts/{record.pk}/decision", {"uphold": True, "note": "证据成立"}
    )
    assert decided.json()["contest_state"] == "upheld"
    assert decided.json()["claim_state"] == "written_off"
    deposit = merchant_client.get(f"/merchants/{merchant.code}/deposit").json()
    assert deposit["settlement"] == "100.00"


def test_a_contest_past_the_window_is_422_naming_its_end(api):
    merchant = b.funded(settlement="100.00")
    record = paid_first(merchant)
    with time_machine.travel(record.contest_due_at + timedelta(minutes=1), tick=False):
        response = api(factories.merchant_token(merchant)).post(
            f"/pay-firsts/{record.pk}/contest", {"reason": "买家调包"}
        )
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)
    assert response.json()["window_ends_at"]
    assert response.json()["errors"][0]["field"] == "contest"


def test_a_second_contest_is_409_naming_the_allowed_actions(api):
    merchant = b.funded(settlement="100.00")
    record = paid_first(merchant)
    client = api(factories.merchant_token(merchant))
    client.post(f"/pay-firsts/{record.pk}/contest", {"reason": "买家调包"})
    response = client.post(f"/pay-firsts/{record.pk}/contest", {"reason": "再次"})
    assert (response.status_code, response["Content-Type"]) == (409, PROBLEM)
    assert response.json()["allowed_actions"] == []


def test_the_settlement_feed_credits_an_order_and_pays_what_is_owed_first(api):
    merchant = b.funded()
    record = paid_first(merchant)  # nothing to recover from yet: all of it is owed
    order = record.order
    response = api(factories.platform_token()).post(
        f"/merchants/{merchant.code}/settlement/credits",
        {"order": order.external_id, "amount": "80.00"},
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["source"], response.json()["source_id"]) == ("order", order.pk)
    deposit = (
        api(factories.merchant_token(merchant)).get(f"/merchants/{merchant.code}/deposit").json()
    )
    assert (deposit["settlement"], deposit["owed"]) == ("30.00", "0.00")


def test_a_merchant_does_not_credit_its_own_settlement(api):
    merchant = b.funded()
    order = b.case_of(merchant).order
    response = api(factories.merchant_token(merchant)).post(
        f"/merchants/{merchant.code}/settlement/credits",
        {"order": order.external_id, "amount": "80.00"},
    )
    assert (response.status_code, response["Content-Type"]) == (403, PROBLEM)
