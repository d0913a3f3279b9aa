"""risk_assessment as the migrations leave it: the indexes a score's write pays for, and the
append-only guard still on the table after the buyer index was dropped (0003), and the
snapshot compressed with lz4 on PostgreSQL (0004)."""

import pytest
from django.db import DatabaseError, connection, transaction

from aftersales.risk.models import Assessment
from tests.cases import builders as b

pytestmark = pytest.mark.django_db


def _indexes() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "risk_assessment")
    return {name: c["columns"] for name, c in found.items() if c["index"] and not c["primary_key"]}


def test_a_score_is_indexed_by_buyer_once_as_buyer_and_time():
    by_columns = sorted(_indexes().values())
    assert ["buyer_id", "at"] in by_columns
    assert ["buyer_id"] not in by_columns


def test_scores_stay_append_only_after_the_index_is_dropped():
    b.open_case()  # scored as it opens
    assert Assessment.objects.exists()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM risk_assessment")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compression is PostgreSQL's")
def test_a_scores_snapshot_is_compressed_with_lz4_on_postgresql():
    b.open_case()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_column_compression(snapshot) FROM risk_assessment")
        assert {row[0] for row in cursor.fetchall()} == {"lz4"}
