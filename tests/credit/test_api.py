"""The /credit API through HTTP: own credit only, problem+json, a person decides."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from aftersales.accounts.models import Role
from aftersales.credit import services
from aftersales.credit.metrics import Month
from aftersales.credit.rating import compute_month
from tests import factories
from tests.credit import history
from tests.credit.test_buyer_credit import _penalised

pytestmark = pytest.mark.django_db
AT = datetime(2026, 10, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _rated_shop():
    shop = factories.merchant()
    for o in [history.order(shop, factories.buyer(), at=AT) for _ in range(4)][:1]:
        history.event(history.case(o, at=AT), "appeal", role="buyer", at=AT)
    return shop


def test_a_buyer_reads_their_own_standing_with_its_components(api):
    buyer = factories.buyer()
    _penalised(buyer)
    r = api(factories.buyer_token(buyer)).get("/credit/me")
    assert r.status_code == 200
    body = r.json()
    assert body["standing"]["inspect_first"] is True
    assert {c["code"] for c in body["standing"]["components"]} >= {"return_rate", "value_ratio"}
    assert {p["kind"] for p in body["penalties"]} == {"no_fast_lane", "inspect_first"}


def test_a_buyer_appeals_through_the_api_and_the_desk_decides(api):
    buyer = factories.buyer()
    penalty = _penalised(buyer)[0]
    r = api(factories.buyer_token(buyer)).post(
        "/credit/appeals", {"penalty_id": penalty.pk, "reason": "wrong"}
    )
    assert r.status_code == 201, r.content
    desk = api(factories.user_token(factories.user(Role.SPECIALIST)))
    assert [a["id"] for a in desk.get("/credit/appeals").json()] == [r.json()["id"]]
    decided = desk.post(
        f"/credit/appeals/{r.json()['id']}/decision", {"outcome": "upheld", "note": "ok"}
    )
    assert decided.json()["state"] == "upheld"
    again = desk.post(
        f"/credit/appeals/{r.json()['id']}/decision", {"outcome": "dismissed", "note": "no"}
    )
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"


def test_an_integration_token_cannot_decide_an_appeal(api):
    buyer = factories.buyer()
    penalty = _penalised(buyer)[0]
    from tests.credit.actors import buyer_of

    appeal = services.file_appeal(actor=buyer_of(buyer), penalty_id=penalty.pk, reason="x")
    r = api(factories.platform_token()).post(
        f"/credit/appeals/{appeal.pk}/decision", {"outcome": "upheld", "note": "auto"}
    )
    assert r.status_code == 403


def test_the_activity_report_lists_every_return_and_decision(api):
    buyer = factories.buyer()
    _penalised(buyer)
    r = api(factories.buyer_token(buyer)).get("/credit/me/report")
    assert r.status_code == 200
    body = r.json()
    assert len(body["cases"]) == 8
    rulings = [d["ruling"] for c in body["cases"] for d in c["decisions"] if d["action"] == "rule"]
    assert rulings == ["for_merchant", "for_merchant"]


def test_a_buyer_cannot_read_another_buyers_standing(api):
    buyer, other = factories.buyer(), factories.buyer()
    r = api(factories.buyer_token(buyer)).get(f"/credit/buyers/{other.pk}/standing")
    assert r.status_code == 404


def test_a_merchant_reads_its_own_credit_beside_the_category_mean(api):
    shop = _rated_shop()
    _rated_shop()
    compute_month(month=Month.parse("2026-10"))
    r = api(factories.merchant_token(shop)).get("/credit/merchant")
    assert r.status_code == 200
    row = next(m for m in r.json()["metrics"] if m["metric"] == "intervention_rate")
    assert row["value"] == "0.250000" and row["category_mean"] == "0.250000"


def test_a_merchant_never_sees_another_merchants_credit(api):
    shop, other = _rated_shop(), _rated_shop()
    compute_month(month=Month.parse("2026-10"))
    r = api(factories.merchant_token(shop)).get(f"/credit/merchants/{other.code}")
    assert r.status_code == 404
    assert r["Content-Type"] == "application/problem+json"


def test_a_merchant_flags_a_buyer_and_a_second_shop_opens_the_review(api):
    buyer = factories.buyer()
    shops = [factories.merchant(), factories.merchant()]
    for s in shops:
        history.order(s, buyer)
    first = api(factories.merchant_token(shops[0])).post(
        "/credit/flags", {"buyer": buyer.external_id, "reason_code": "empty_return"}
    )
    assert first.status_code == 201 and first.json()["review_opened"] is False
    second = api(factories.merchant_token(shops[1])).post(
        "/credit/flags", {"buyer": buyer.external_id, "reason_code": "swapped_item"}
    )
    assert second.json()["review_opened"] is True


def test_an_unknown_flag_reason_is_a_clear_4xx(api):
    buyer = factories.buyer()
    shop = factories.merchant()
    history.order(shop, buyer)
    r = api(factories.merchant_token(shop)).post(
        "/credit/flags", {"buyer": buyer.external_id, "reason_code": "blacklist"}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "reason_code"
