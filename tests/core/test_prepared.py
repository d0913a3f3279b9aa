"""Hot statements run prepared with a generic plan on PostgreSQL (core/prepared.py), seen by
Django's query capture like any other, and nothing else on the connection changes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from aftersales.core import prepared

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)

SQL = "SELECT COUNT(*) FROM cases_case WHERE buyer_id = %s"
# An immutable function of its argument: a custom plan folds the call once (the value is known
# when planning); a generic plan calls it for every row.
PROBE = "SELECT pg_temp.probe(%s) FROM generate_series(1, 3)"


def _run(cursor_of, sql: str, params) -> list[tuple]:
    with cursor_of() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _prepared_rows(text: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT parameter_types::text, generic_plans, custom_plans"
            " FROM pg_prepared_statements WHERE statement = %s",
            [text],
        )
        return cursor.fetchall()


def test_a_hot_statement_is_captured_and_wrapped_like_any_other():
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(wrapper):
        assert _run(prepared.cursor, SQL, [7]) == [(0,)]
        assert _run(prepared.cursor, SQL, [8]) == [(0,)]  # prepared by now
    assert seen == [SQL, SQL]
    assert len(queries) == 2
    assert all("FROM cases_case WHERE buyer_id = " in q["sql"] for q in queries)


@postgres_only
def test_one_text_is_one_prepared_statement_whatever_the_size_of_its_ids():
    for buyer_id in (7, 70_000, 7_000_000_000):
        assert _run(prepared.cursor, SQL, [buyer_id]) == [(0,)]
    # psycopg would send 7 as int2 and 70,000 as int4: three statements.
    assert _prepared_rows(SQL.replace("%s", "$1")) == [("{bigint}", 3, 0)]


@postgres_only
def test_only_the_hot_statements_take_the_generic_plan():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pg_temp.probe(bigint) RETURNS bigint IMMUTABLE LANGUAGE plpgsql"
            " AS $$ BEGIN RAISE NOTICE 'probe'; RETURN $1; END $$"
        )
    notices = []
    raw = connection.connection
    raw.add_notice_handler(notices.append)
    try:
        _run(connection.cursor, PROBE, [1])
        ordinary, notices[:] = len(notices), []
        _run(prepared.cursor, PROBE, [1])
        hot = len(notices)
    finally:
        raw.remove_notice_handler(notices.append)
    assert (ordinary, hot) == (1, 3)


@postgres_only
def test_a_rolled_back_block_leaves_the_statement_usable():
    _run(prepared.cursor, SQL, [7])
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        _run(prepared.cursor, SQL, [7])
        1 / 0  # noqa: B018 - the block fails after the statement ran
    # psycopg forgets its prepared statements on a rollback; it prepares this one again.
    assert _run(prepared.cursor, SQL, [8]) == [(0,)]
    assert _prepared_rows(SQL.replace("%s", "$1"))[0][2] == 0  # no custom plan


@postgres_only
def test_the_setting_belongs_to_the_session_django_opened():
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        (mode,) = other.execute("SHOW plan_cache_mode").fetchone()
    finally:
        other.close()
    assert mode == "auto"
    assert _run(connection.cursor, "SHOW plan_cache_mode", None) == [("force_generic_plan",)]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_reopened_connection_is_configured_again():
    _run(prepared.cursor, SQL, [7])
    connection.close()
    assert _run(prepared.cursor, SQL, [7]) == [(0,)]
    assert _run(connection.cursor, "SHOW plan_cache_mode", None) == [("force_generic_plan",)]
    assert _prepared_rows(SQL.replace("%s", "$1"))[0][1:] == (1, 0)


@postgres_only
def test_an_operators_prepare_threshold_leaves_the_connection_as_it_is():
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        before = raw.prepare_threshold
        explicit = SimpleNamespace(
            vendor="postgresql", settings_dict={"OPTIONS": {"prepare_threshold": None}}
        )
        prepared.configure(connection=SimpleNamespace(**vars(explicit), connection=raw))
        (mode,) = raw.execute("SHOW plan_cache_mode").fetchone()
        assert (raw.prepare_threshold, mode) == (before, "auto")
    finally:
        raw.close()
