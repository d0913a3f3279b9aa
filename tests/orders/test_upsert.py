"""POST /orders: the upsert, the discount allocation and what is stored."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.core.models import AuditEvent
from aftersales.orders.models import Order, OrderLine, Payment, Shipment
from tests.orders.factories import contract_example, line_json, order_json

pytestmark = pytest.mark.django_db


def test_posting_a_new_order_creates_it_with_201(shop, shop_merchant):
    response = shop.post("/orders", order_json("TB1"))
    assert response.status_code == 201
    assert response.json()["external_id"] == "TB1"
    assert response.json()["merchant"] == "m-apparel"
    order = Order.objects.get()
    assert (order.merchant, order.external_id) == (shop_merchant, "TB1")


def test_posting_the_same_order_again_updates_it_with_200_and_no_duplicate(shop):
    shop.post("/orders", order_json("TB1"))
    again = order_json("TB1", lines=[line_json("1", title="纯棉T恤 蓝 M")])
    response = shop.post("/orders", again)
    assert response.status_code == 200
    assert Order.objects.count() == 1
    assert OrderLine.objects.count() == 1
    assert OrderLine.objects.get().title == "纯棉T恤 蓝 M"


def test_update_keeps_the_row_ids_of_lines_payments_and_shipments(shop):
    shop.post("/orders", order_json("TB1"))
    ids = (OrderLine.objects.get().pk, Payment.objects.get().pk, Shipment.objects.get().pk)
    shop.post("/orders", order_json("TB1"))
    assert (OrderLine.objects.get().pk, Payment.objects.get().pk, Shipment.objects.get().pk) == ids


def test_update_removes_lines_payments_and_shipments_no_longer_sent(shop):
    two_lines = order_json(
        "TB1",
        lines=[line_json("1"), line_json("2")],
        payments=[
            {"method": "card", "amount": "60.00"},
            {"method": "coupon", "amount": "60.00"},
        ],
    )
    shop.post("/orders", two_lines)
    response = shop.post("/orders", order_json("TB1", payments=[], shipments=[]))
    assert response.status_code == 200
    assert list(OrderLine.objects.values_list("line_id", flat=True)) == ["1"]
    assert Payment.objects.count() == 0
    assert Shipment.objects.count() == 0


def test_lines_come_back_in_the_order_they_were_sent(shop):
    first = order_json("TB1", lines=[line_json("a"), line_json("b")], shipments=[])
    shop.post("/orders", first)
    response = shop.post("/orders", {**first, "lines": [line_json("b"), line_json("a")]})
    assert [line["line_id"] for line in response.json()["lines"]] == ["b", "a"]


def test_the_contract_example_with_a_consistent_payment_round_trips(shop):
    body = contract_example()
    body["payments"][0]["amount"] = "40.00"  # 60.00 − 20.00; the contract's 80.00 overpays
    created = shop.post("/orders", body).json()
    fetched = shop.get("/orders/TB20260301001").json()
    assert created == fetched
    assert fetched["placed_at"] == "2026-02-27T20:15:00+08:00"
    assert fetched["lines"][0]["gifts"] == [{"title": "袜子", "marked_price": "5.00"}]
    assert fetched["shipments"][0]["line_ids"] == ["1"]


def test_order_discount_shares_sum_exactly_to_the_discount(shop):
    lines = [
        line_json(str(i), unit_price=price) for i, price in enumerate(["10.00", "20.00", "3.33"])
    ]
    body = order_json("TB1", discount="10.00", lines=lines, payments=[])
    response = shop.post("/orders", body)
    shares = [Decimal(line["allocated_discount"]) for line in response.json()["lines"]]
    assert sum(shares) == Decimal("10.00")


def test_order_discount_is_allocated_pro_rata_to_line_totals_after_line_discounts(shop):
    lines = [
        line_json("1", quantity=2, unit_price="50.00", discount="20.00"),  # net 80
        line_json("2", unit_price="20.00"),  # net 20
    ]
    response = shop.post("/orders", order_json("TB1", discount="10.00", lines=lines, payments=[]))
    shares = {line["line_id"]: line["allocated_discount"] for line in response.json()["lines"]}
    assert shares == {"1": "8.00", "2": "2.00"}


def test_the_fen_left_over_from_the_discount_go_to_the_largest_line(shop):
    lines = [line_json("1", unit_price="10.00"), line_json("2", unit_price="20.00")]
    response = shop.post("/orders", order_json("TB1", discount="0.10", lines=lines, payments=[]))
    shares = {line["line_id"]: line["allocated_discount"] for line in response.json()["lines"]}
    # 0.10 × 1/3 = 0.0333 → 0.03; 0.10 × 2/3 = 0.0666 → 0.06; the one fen left → line 2.
    assert shares == {"1": "0.03", "2": "0.07"}


def test_line_paid_amount_is_total_less_line_discount_less_its_share(shop):
    lines = [line_json("1", quantity=3, unit_price="19.99", discount="1.97")]
    response = shop.post("/orders", order_json("TB1", discount="8.00", lines=lines, payments=[]))
    line = response.json()["lines"][0]
    assert line["paid_amount"] == "50.00"  # 59.97 − 1.97 − 8.00
    stored = OrderLine.objects.get()
    assert stored.paid_amount == Decimal("50.00")
    assert stored.allocated_discount == Decimal("8.00")


def test_a_changed_discount_reallocates_the_shares(shop):
    lines = [line_json("1", unit_price="30.00"), line_json("2", unit_price="10.00")]
    shop.post("/orders", order_json("TB1", discount="4.00", lines=lines, payments=[]))
    shop.post("/orders", order_json("TB1", discount="0.00", lines=lines, payments=[]))
    assert set(OrderLine.objects.values_list("allocated_discount", flat=True)) == {Decimal(0)}


def test_paying_exactly_the_price_with_shipping_is_accepted(shop):
    body = order_json(
        "TB1",
        shipping_fee="8.00",
        free_shipping=False,
        payments=[{"method": "card", "amount": "68.00"}],
    )
    assert shop.post("/orders", body).status_code == 201


def test_creating_an_order_writes_an_order_created_audit_event(shop):
    shop.post("/orders", order_json("TB1"))
    event = AuditEvent.objects.get(subject_type="orders.order")
    assert event.action == "order.created"
    assert event.subject_type == "orders.order"
    assert event.merchant_id == Order.objects.get().merchant_id


def test_updating_an_order_writes_an_order_updated_audit_event(shop):
    shop.post("/orders", order_json("TB1"))
    shop.post("/orders", order_json("TB1", discount="5.00", payments=[]))
    latest = AuditEvent.objects.filter(subject_type="orders.order").order_by("-id").first()
    assert latest.action == "order.updated"
    assert "order" in latest.payload["changed"]


def test_the_buyer_is_upserted_by_external_id_across_orders(shop):
    from aftersales.accounts.models import Buyer

    shop.post("/orders", order_json("TB1"))
    moved = order_json("TB2")
    moved["buyer"]["address"] = "上海市浦东新区世纪大道 100 号"
    shop.post("/orders", moved)
    buyer = Buyer.objects.get()
    assert buyer.address == "上海市浦东新区世纪大道 100 号"
    assert Order.objects.get(external_id="TB1").ship_to_address == "浙江省杭州市西湖区文三路 1 号"


def test_a_buyer_block_without_phone_keeps_the_phone_known_from_earlier_orders(shop):
    from aftersales.accounts.models import Buyer

    shop.post("/orders", order_json("TB1"))
    quiet = order_json("TB2")
    quiet["buyer"] = {"external_id": "b-1001"}
    shop.post("/orders", quiet)
    assert Buyer.objects.get().phone == "13812345678"


def test_a_platform_token_upserts_for_the_merchant_named_in_the_body(platform, shop_merchant):
    response = platform.post("/orders", order_json("TB1", merchant="m-apparel"))
    assert response.status_code == 201
    assert Order.objects.get().merchant == shop_merchant


def test_a_merchant_token_may_name_its_own_merchant(shop):
    assert shop.post("/orders", order_json("TB1", merchant="m-apparel")).status_code == 201


def test_a_new_order_costs_a_bounded_number_of_queries(shop, django_assert_max_num_queries):
    shop.post("/orders", order_json("TB0"))  # warm the token's last_used_at
    with django_assert_max_num_queries(12):
        response = shop.post(
            "/orders", order_json("TB1", lines=[line_json(str(i)) for i in range(20)], payments=[])
        )
    assert response.status_code == 201


def test_an_unchanged_resend_costs_a_bounded_number_of_queries(shop, django_assert_max_num_queries):
    body = order_json("TB1", lines=[line_json(str(i)) for i in range(20)], payments=[])
    shop.post("/orders", body)
    with django_assert_max_num_queries(12):
        response = shop.post("/orders", body)
    assert response.status_code == 200


def test_the_service_takes_the_order_json_as_decoded_and_checks_it(shop_merchant):
    from aftersales.accounts.actors import SYSTEM_ACTOR
    from aftersales.core.errors import InvalidInput
    from aftersales.orders.services import upsert_order

    order, created = upsert_order(actor=SYSTEM_ACTOR, data=order_json("TB1", merchant="m-apparel"))
    assert created
    assert order.lines.get().paid_amount == Decimal("60.00")
    with pytest.raises(InvalidInput) as exc:
        upsert_order(
            actor=SYSTEM_ACTOR, data=order_json("TB2", merchant="m-apparel", discount="61")
        )
    assert [e.field for e in exc.value.errors] == ["discount"]
