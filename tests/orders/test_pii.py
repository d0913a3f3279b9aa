"""The buyer block of an order is personal data: encrypted at rest, masked on the way out."""

from __future__ import annotations

import pytest
from django.db import connection

from aftersales.orders.models import Order
from tests.orders.factories import order_json

pytestmark = pytest.mark.django_db


def _raw(sql: str, *params) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def test_the_ship_to_block_is_stored_encrypted(shop):
    shop.post("/orders", order_json("TB1"))
    row = _raw(
        "SELECT ship_to_name, ship_to_phone, ship_to_address FROM orders_order"
        " WHERE external_id = %s",
        "TB1",
    )
    assert all(value.startswith("fernet:") for value in row)
    assert "13812345678" not in "".join(row)


def test_the_buyer_created_from_an_order_is_stored_encrypted(shop):
    shop.post("/orders", order_json("TB1"))
    name, phone = _raw("SELECT name, phone FROM accounts_buyer WHERE external_id = %s", "b-1001")
    assert name.startswith("fernet:")
    assert phone.startswith("fernet:")


def test_the_ship_to_block_reads_back_in_clear_in_python(shop):
    shop.post("/orders", order_json("TB1"))
    assert Order.objects.get().ship_to_phone == "13812345678"


def test_the_response_masks_the_buyers_name_phone_and_address(shop):
    buyer = shop.post("/orders", order_json("TB1")).json()["buyer"]
    assert buyer == {
        "external_id": "b-1001",
        "name": "张*",
        "phone": "138****5678",
        "address": "浙江省杭州市****",
    }


def test_the_response_of_a_read_masks_the_buyer_too(shop):
    shop.post("/orders", order_json("TB1"))
    body = shop.get("/orders/TB1").content.decode()
    assert "13812345678" not in body
    assert "张三" not in body
    assert "文三路" not in body
