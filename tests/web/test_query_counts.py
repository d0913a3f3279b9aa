"""The queues cost a fixed number of statements however many cases they list (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases import builders as b
from tests.web.pages import desk_client, merchant_client

pytestmark = pytest.mark.django_db

# Session, user, the unread count in the navigation; the queue's deadlines joined to their
# cases and orders.
MERCHANT_QUEUE_STATEMENTS = 4
# Session, user, unread count; the appeals' ruling deadlines joined to cases, merchants, orders.
DESK_QUEUE_STATEMENTS = 4


def _statements(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def _appealed(s: b.Shop) -> None:
    opened = b.open_case(s)
    opened.act("merchant", "reject", reason="used")
    opened.act("buyer", "appeal", reason="new")


def test_merchant_queue_statements_do_not_grow_with_the_cases():
    s = b.shop()
    client = merchant_client(s)
    b.open_case(s)
    one = _statements(client, "/merchant/")
    for _ in range(4):
        b.open_case(s)
    assert _statements(client, "/merchant/") == one == MERCHANT_QUEUE_STATEMENTS


def test_merchant_queue_with_filters_keeps_the_same_statements():
    s = b.shop()
    for _ in range(3):
        b.open_case(s)
    path = "/merchant/?state=requested&type=return_refund&overdue="
    assert _statements(merchant_client(s), path) == MERCHANT_QUEUE_STATEMENTS


def test_desk_queue_statements_do_not_grow_with_the_appeals():
    s = b.shop()
    client = desk_client()
    _appealed(s)
    one = _statements(client, "/desk/")
    for _ in range(3):
        _appealed(s)
    assert _statements(client, "/desk/") == one == DESK_QUEUE_STATEMENTS
