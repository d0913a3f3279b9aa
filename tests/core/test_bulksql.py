"""The batch writes' jsonb rows: every value as the column reads it."""

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest

from aftersales.core import bulksql


def _dumped(**values):
    fields = [SimpleNamespace(attname=name) for name in values]
    row = SimpleNamespace(**values)
    return json.loads(bulksql._as_json(fields, [row, row]))


def test_equal_times_in_other_offsets_keep_their_own_offset():
    at = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
    shanghai = at.astimezone(timezone(timedelta(hours=8)))
    rows = _dumped(at=at, local=shanghai, again=at)
    assert (
        rows[0]
        == rows[1]
        == {
            "at": "2026-12-02T04:00:00+00:00",
            "local": "2026-12-02T12:00:00+08:00",
            "again": "2026-12-02T04:00:00+00:00",
        }
    )


def test_money_keeps_its_two_places():
    assert _dumped(amount=Decimal("12.50"))[1] == {"amount": "12.50"}


def test_a_value_no_column_takes_is_refused():
    with pytest.raises(TypeError):
        _dumped(what=object())
