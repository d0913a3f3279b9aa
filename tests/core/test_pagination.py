import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from ninja import Query, Router, Schema
from ninja.testing import TestClient

from aftersales.accounts.models import Merchant
from aftersales.core.errors import InvalidInput
from aftersales.core.models import AuditEvent
from aftersales.core.pagination import (
    MAX_LIMIT,
    PageQuery,
    _decode,
    _encode,
    _key,
    page_schema,
    paginate,
)
from tests import factories

pytestmark = pytest.mark.django_db

NEWEST_FIRST = ("-at", "-id")
T0 = datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)


def _event(at: datetime, n: int = 0) -> AuditEvent:
    return AuditEvent.objects.create(
        at=at,
        actor_kind="system",
        actor_role="system",
        actor_label="system",
        subject_type="test.thing",
        subject_id=str(n),
        action="thing.happened",
    )


def _walk(queryset, *, limit, between_pages=lambda: None, order_by=NEWEST_FIRST):
    seen, cursor = [], None
    while True:
        page = paginate(queryset, order_by=order_by, limit=limit, cursor=cursor)
        seen.extend(page.items)
        if page.next_cursor is None:
            return seen
        between_pages()
        cursor = page.next_cursor


def test_walking_every_page_yields_every_row_once_in_order_despite_timestamp_ties():
    # Three rows share each timestamp, so pages break in the middle of ties.
    events = [_event(T0 + timedelta(seconds=i // 3), i) for i in range(20)]
    expected = sorted(events, key=lambda e: (e.at, e.id), reverse=True)

    seen = _walk(AuditEvent.objects.all(), limit=4)

    assert [e.id for e in seen] == [e.id for e in expected]


def test_rows_inserted_while_walking_neither_repeat_nor_hide_others():
    originals = [_event(T0 + timedelta(seconds=i % 5), i) for i in range(15)]
    expected_order = [e.id for e in sorted(originals, key=lambda e: (e.at, e.id), reverse=True)]
    counter = iter(range(100, 200))

    def insert_newer_and_tied():
        _event(T0 + timedelta(hours=1), next(counter))  # lands on a page already read
        _event(T0, next(counter))  # ties the oldest timestamp with a larger id

    seen = _walk(AuditEvent.objects.all(), limit=4, between_pages=insert_newer_and_tied)
    seen_ids = [e.id for e in seen]

    assert len(seen_ids) == len(set(seen_ids))  # no row twice
    assert [i for i in seen_ids if i in set(expected_order)] == expected_order


def test_ascending_order_and_the_default_created_at_ordering():
    merchants = [factories.merchant() for _ in range(5)]
    assert _walk(Merchant.objects.all(), limit=2, order_by=("created_at", "id")) == merchants
    assert (
        _walk(Merchant.objects.all(), limit=2, order_by=("-created_at", "-id")) == merchants[::-1]
    )
    assert paginate(Merchant.objects.all(), limit=2).items == merchants[::-1][:2]


def test_last_page_has_no_next_cursor():
    _event(T0)
    page = paginate(AuditEvent.objects.all(), order_by=NEWEST_FIRST, limit=1)
    assert page.next_cursor is None
    assert paginate(AuditEvent.objects.none(), order_by=NEWEST_FIRST).items == []


def test_limit_defaults_to_50_and_is_bounded():
    for i in range(51):
        _event(T0, i)
    assert len(paginate(AuditEvent.objects.all(), order_by=NEWEST_FIRST).items) == 50
    for bad in (0, -1, MAX_LIMIT + 1, "10"):
        with pytest.raises(InvalidInput) as caught:
            paginate(AuditEvent.objects.all(), order_by=NEWEST_FIRST, limit=bad)
        assert caught.value.errors[0].field == "limit"


def test_cursor_round_trips_datetimes_and_decimals_exactly():
    from decimal import Decimal

    from django.db import models

    keys = [_key(AuditEvent, "-at"), _key(AuditEvent, "-id")]
    cursor = _encode([T0, 7], NEWEST_FIRST)
    assert _decode(cursor, keys, NEWEST_FIRST) == [T0, 7]
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    price = type(
        "K", (), {"name": "p", "field": models.DecimalField(max_digits=9, decimal_places=2)}
    )
    assert _decode(_encode([Decimal("99.90")], ("p",)), [price], ("p",)) == [Decimal("99.90")]


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        "e30",  # {}
        base64.urlsafe_b64encode(b"[1,2]").decode(),
        base64.urlsafe_b64encode(
            json.dumps({"o": ["-at", "-id"], "k": [["dt", "yesterday"], ["i", 1]]}).encode()
        ).decode(),
        base64.urlsafe_b64encode(
            json.dumps({"o": ["-at", "-id"], "k": [["s", "x"], ["i", 1]]}).encode()
        ).decode(),
        base64.urlsafe_b64encode(
            json.dumps({"o": ["-at", "-id"], "k": [["i", 1]]}).encode()
        ).decode(),
        _encode([T0, 1], ("at", "id")),  # a cursor of another ordering
    ],
)
def test_malformed_cursor_is_invalid_input_on_cursor(cursor):
    with pytest.raises(InvalidInput) as caught:
        paginate(AuditEvent.objects.all(), order_by=NEWEST_FIRST, cursor=cursor)
    assert caught.value.errors[0].field == "cursor"


def test_ordering_must_end_on_a_unique_field():
    with pytest.raises(ValueError, match="unique"):
        paginate(AuditEvent.objects.all(), order_by=("-at",))


class EventOut(Schema):
    id: int
    action: str


def test_page_schema_serialises_a_page_through_ninja():
    router = Router()

    @router.get("/events", response=page_schema(EventOut))
    def events(request, page: Query[PageQuery]):
        return paginate(
            AuditEvent.objects.all(), order_by=NEWEST_FIRST, limit=page.limit, cursor=page.cursor
        )

    for i in range(3):
        _event(T0, i)
    client = TestClient(router)

    first = client.get("/events?limit=2").json()
    rest = client.get(f"/events?limit=2&cursor={first['next_cursor']}").json()

    assert [set(item) for item in first["items"]] == [{"id", "action"}] * 2
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None
    assert page_schema(EventOut) is page_schema(EventOut)
    assert page_schema(EventOut).__name__ == "EventOutPage"
    assert client.get("/events?limit=500").status_code == 422
