from __future__ import annotations

import pytest

from aftersales.accounts.models import Buyer
from aftersales.core.models import AuditEvent
from aftersales.orders.models import Order, OrderLine, Payment, Shipment
from tests import factories


@pytest.fixture
def shop_merchant():
    return factories.merchant("m-apparel")


@pytest.fixture
def shop(api, shop_merchant):
    """The merchant's integration, speaking to the API with its merchant token."""
    return api(factories.merchant_token(shop_merchant))


@pytest.fixture
def platform(api):
    return api(factories.platform_token())


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Order, OrderLine, Payment, Shipment, Buyer, AuditEvent)
    }


@pytest.fixture
def nothing_written():
    """Call it after the request: asserts no table of the order changed size."""
    before = row_counts()

    def check() -> None:
        assert row_counts() == before

    return check


def assert_problem(response, status: int, field: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    fields = [e["field"] for e in body.get("errors", [])]
    assert field in fields, body
    return body
