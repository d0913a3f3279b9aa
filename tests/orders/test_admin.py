"""The orders admin shows operators the order without the buyer's personal data in clear."""

from __future__ import annotations

import pytest
from django.test import Client

from aftersales.accounts.models import Role, User
from tests.orders.factories import order_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Client:
    user = User.objects.create_superuser(
        username="ops", password="correct-horse-battery", role=Role.ADMIN
    )
    client = Client()
    client.force_login(user)
    return client


def test_the_order_list_masks_the_buyers_name_and_phone(shop, operator):
    shop.post("/orders", order_json("TB1"))
    page = operator.get("/admin/orders/order/").content.decode()
    assert "TB1" in page
    assert "138****5678" in page
    assert "13812345678" not in page
    assert "张三" not in page


def test_the_order_list_finds_an_order_by_external_id(shop, operator):
    shop.post("/orders", order_json("TB1"))
    shop.post("/orders", order_json("TB2"))
    page = operator.get("/admin/orders/order/", {"q": "TB2"}).content.decode()
    assert "TB2" in page
    assert ">TB1<" not in page


def test_the_order_page_shows_lines_and_masks_the_address(shop, operator):
    shop.post("/orders", order_json("TB1"))
    from aftersales.orders.models import Order

    page = operator.get(f"/admin/orders/order/{Order.objects.get().pk}/change/").content.decode()
    assert "SKU-1" in page
    assert "浙江省杭州市****" in page
    assert "文三路" not in page
