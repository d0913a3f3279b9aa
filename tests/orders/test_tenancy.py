"""Who sees and writes which orders: merchants their own, buyers theirs, the platform all."""

from __future__ import annotations

import pytest

from aftersales.accounts.models import Role
from aftersales.orders.models import Order
from tests import factories
from tests.orders.conftest import assert_problem
from tests.orders.factories import order_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def rival(api):
    return api(factories.merchant_token(factories.merchant("m-rival")))


def test_a_merchant_cannot_read_another_merchants_order(shop, rival):
    shop.post("/orders", order_json("TB1"))
    response = rival.get("/orders/TB1")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_merchant_cannot_read_another_merchants_order_by_naming_it(shop, rival):
    shop.post("/orders", order_json("TB1"))
    assert rival.get("/orders/TB1", merchant="m-apparel").status_code == 404


def test_a_merchant_cannot_write_into_another_merchant_by_naming_it(shop, rival, nothing_written):
    response = rival.post("/orders", order_json("TB1", merchant="m-apparel"))
    assert response.status_code == 404
    nothing_written()


def test_the_same_external_id_at_two_merchants_is_two_orders(shop, rival):
    shop.post("/orders", order_json("TB1"))
    assert rival.post("/orders", order_json("TB1")).status_code == 201
    assert Order.objects.count() == 2
    assert shop.get("/orders/TB1").json()["merchant"] == "m-apparel"
    assert rival.get("/orders/TB1").json()["merchant"] == "m-rival"


def test_a_platform_token_reads_any_merchants_order(shop, platform):
    shop.post("/orders", order_json("TB1"))
    assert platform.get("/orders/TB1").json()["merchant"] == "m-apparel"


def test_a_platform_read_of_an_id_used_by_two_merchants_asks_for_the_merchant(
    shop, rival, platform
):
    shop.post("/orders", order_json("TB1"))
    rival.post("/orders", order_json("TB1"))
    assert_problem(platform.get("/orders/TB1"), 422, "merchant")
    assert platform.get("/orders/TB1", merchant="m-rival").json()["merchant"] == "m-rival"


def test_an_unknown_order_is_404(shop):
    assert shop.get("/orders/TB404").status_code == 404


def test_a_buyer_reads_their_own_order(shop, api):
    shop.post("/orders", order_json("TB1"))
    from aftersales.accounts.models import Buyer

    buyer = Buyer.objects.get(external_id="b-1001")
    response = api(factories.buyer_token(buyer)).get("/orders/TB1")
    assert response.status_code == 200


def test_a_buyer_cannot_read_another_buyers_order(shop, api):
    shop.post("/orders", order_json("TB1"))
    stranger = factories.buyer("b-2002")
    assert api(factories.buyer_token(stranger)).get("/orders/TB1").status_code == 404


def test_merchant_staff_read_their_merchants_orders(shop, api, shop_merchant):
    shop.post("/orders", order_json("TB1"))
    staff = factories.user(Role.MERCHANT_STAFF, merchant=shop_merchant)
    assert api(factories.user_token(staff)).get("/orders/TB1").status_code == 200
