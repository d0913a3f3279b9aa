"""The queues cost a fixed number of statements however many cases they list (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases import builders as b
from tests.web.pages import desk_client, merchant_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("periodic_checks_held")]

# Session, user, the unread count in the navigation; the queue's deadlines joined to their
# cases and orders.
MERCHANT_QUEUE_STATEMENTS = 4
# Session, user, unread count; the appeals' ruling deadlines joined to cases, merchants, orders.
DESK_QUEUE_STATEMENTS = 4
# Session, user, unread count; the messages with their merchants and outbox rows, preferences.
INBOX_STATEMENTS = 5
# The case page with its return: the case, lines, events, deadlines, evidence, allowed actions,
# and return_view's settings, parcels with their scans, inspections, interceptions.
CASE_WITH_RETURN_STATEMENTS = 13


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


def test_merchant_queue_search_adds_one_statement_however_many_cases():
    s = b.shop()
    opened = [b.open_case(s) for _ in range(3)]
    path = f"/merchant/?q={opened[0].order['external_id']}"
    assert _statements(merchant_client(s), path) == MERCHANT_QUEUE_STATEMENTS + 1


def test_desk_queue_statements_do_not_grow_with_the_appeals():
    s = b.shop()
    client = desk_client()
    _appealed(s)
    one = _statements(client, "/desk/")
    for _ in range(3):
        _appealed(s)
    assert _statements(client, "/desk/") == one == DESK_QUEUE_STATEMENTS


def _inbox_statements(count: int) -> int:
    from tests.notify.helpers import work
    from tests.web.pages import buyer_client

    opened = b.open_case(type="return_refund")
    for _ in range(count - 1):
        b.open_case(b.shop(), "return_refund", order_options={"buyer": opened.buyer})
    work()
    return _statements(buyer_client(opened.buyer), "/inbox/")


def test_inbox_page_statements_do_not_grow_with_the_messages():
    assert _inbox_statements(1) == _inbox_statements(4) == INBOX_STATEMENTS


def _return_case_statements(scans: int) -> int:
    from tests.returns import builders as rb
    from tests.web.pages import buyer_client

    c, number = rb.shipped()
    rb.post_scans([rb.scan(number, "in_transit") for _ in range(scans)])
    return _statements(buyer_client(c.buyer), f"/buyer/cases/{c.id}/")


def test_case_page_with_a_return_does_not_grow_with_its_scans():
    assert _return_case_statements(1) == _return_case_statements(5) == CASE_WITH_RETURN_STATEMENTS


def _inspected_case_statements(lines: int) -> int:
    from tests.returns import builders as rb

    s = rb.shop_with_address()
    ids = [str(i) for i in range(1, lines + 1)]
    c = b.open_case(
        s,
        "return_refund",
        order_options={"lines": [b.line_json(i) for i in ids]},
        lines=[{"line_id": i, "quantity": 1} for i in ids],
    )
    c.act("merchant", "approve")
    c.act("buyer", "ship_return", carrier="fake", tracking_no=rb.fake_no())
    c.act("merchant", "confirm_receipt")
    items = [
        {"line_id": str(i), "result": "pass", "grade": "as_new", "disposition": "restock"}
        for i in ids
    ]
    c.act("merchant", "inspect", result="pass", inspections=items)
    return _statements(merchant_client(s), f"/merchant/cases/{c.id}/")


def test_case_page_with_an_inspection_does_not_grow_with_its_lines():
    assert (
        _inspected_case_statements(1)
        == _inspected_case_statements(3)
        == CASE_WITH_RETURN_STATEMENTS
    )
