"""The quality report: frozen root causes rolled up per SKU and per merchant over a period."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.orders.services import upsert_order
from tests import factories
from tests.complaints.conftest import at, file, order_json


def _do(client, cid, action, **body):
    response = client.post(f"/complaints/{cid}/actions/{action}", body)
    assert response.status_code == 200, response.json()
    return response


def _order(merchant: str, external_id: str, skus: tuple[str, ...]):
    data = order_json(merchant, external_id, buyer=f"b-{external_id}")
    line = data["lines"][0]
    data["lines"] = [{**line, "line_id": str(i), "sku": sku} for i, sku in enumerate(skus, 1)]
    data["shipments"][0]["line_ids"] = [str(i) for i in range(1, len(skus) + 1)]
    upsert_order(actor=SYSTEM_ACTOR, data=data)


@pytest.fixture
def decided(db, connector, desk, travel):
    """Four findings: three in March at two shops, one in April."""
    factories.merchant("shop-a")
    factories.merchant("shop-b")
    agent = desk()
    table = [
        ("shop-a", "A-1", ("SKU-X",), "product_quality", ["defect"], at(2026, 3, 2, 10)),
        ("shop-a", "A-2", ("SKU-X", "SKU-Y"), "product_quality", ["defect"], at(2026, 3, 3, 10)),
        ("shop-b", "B-1", ("SKU-Z",), "logistics", ["lost", "late_delivery"], at(2026, 3, 4, 10)),
        ("shop-a", "A-3", ("SKU-Y",), "misuse", [], at(2026, 4, 1, 10)),
    ]
    for merchant, order, skus, responsibility, codes, when in table:
        travel(when)
        _order(merchant, order, skus)
        cid = file(connector, customer=f"b-{order}", order=order).json()["id"]
        _do(agent, cid, "investigate")
        _do(agent, cid, "find_responsibility", responsibility=responsibility, reason_codes=codes)
    travel(at(2026, 4, 10, 10))


@pytest.fixture
def quality(api):
    return api(factories.user_token(factories.user("quality")))


def test_root_causes_roll_up_per_sku(decided, quality):
    body = quality.get("/reports/complaints/quality", **{"from": "2026-03-01", "to": "2026-03-31"})
    assert body.status_code == 200, body.json()
    rows = {
        (r["merchant_code"], r["sku"], r["responsibility"], r["reason_code"]): r["complaints"]
        for r in body.json()["by_sku"]
    }
    assert rows == {
        ("shop-a", "SKU-X", "product_quality", "defect"): 2,
        ("shop-a", "SKU-Y", "product_quality", "defect"): 1,
        ("shop-b", "SKU-Z", "logistics", "lost"): 1,
        ("shop-b", "SKU-Z", "logistics", "late_delivery"): 1,
    }


def test_root_causes_roll_up_per_merchant_counting_each_complaint_once(decided, quality):
    body = quality.get("/reports/complaints/quality", **{"from": "2026-03-01", "to": "2026-03-31"})
    by_merchant = {
        (r["merchant_code"], r["responsibility"], r["reason_code"]): r["complaints"]
        for r in body.json()["by_merchant"]
    }
    # A-2 is about two SKUs: one complaint for shop-a all the same.
    assert by_merchant[("shop-a", "product_quality", "defect")] == 2
    totals = {r["merchant_code"]: r["complaints"] for r in body.json()["merchant_totals"]}
    assert totals == {"shop-a": 2, "shop-b": 1}
    assert body.json()["complaints"] == 3


def test_the_period_bounds_the_decisions_counted(decided, quality):
    body = quality.get("/reports/complaints/quality", **{"from": "2026-04-01", "to": "2026-04-01"})
    assert [(r["sku"], r["responsibility"]) for r in body.json()["by_sku"]] == [("SKU-Y", "misuse")]


def test_the_report_filters_by_merchant_and_sku(decided, quality):
    body = quality.get(
        "/reports/complaints/quality",
        **{"from": "2026-03-01", "to": "2026-04-30", "merchant": "shop-a", "sku": "SKU-Y"},
    ).json()
    assert {(r["responsibility"], r["complaints"]) for r in body["by_sku"]} == {
        ("product_quality", 1),
        ("misuse", 1),
    }


def test_the_report_is_for_the_quality_role_not_agents(decided, desk):
    response = desk("agent").get(
        "/reports/complaints/quality", **{"from": "2026-03-01", "to": "2026-03-31"}
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_a_period_ending_before_it_starts_is_refused(db, quality):
    response = quality.get(
        "/reports/complaints/quality", **{"from": "2026-03-31", "to": "2026-03-01"}
    )
    assert response.status_code == 422


def test_the_report_is_grouped_in_the_database_not_looped_over(decided, quality):
    from aftersales.complaints import reports

    with CaptureQueriesContext(connection) as ctx:
        reports.quality_report(SYSTEM_ACTOR, start=date(2026, 3, 1), end=date(2026, 4, 30))
    assert len(ctx.captured_queries) == 5  # the total and four GROUP BY roll-ups
    assert all("GROUP BY" in q["sql"] for q in ctx.captured_queries[1:])
