"""Hot hand-written statements as server-side prepared statements with a generic plan.

On PostgreSQL most of the wall time of a short read such as the risk history read is parse and
planning, not execution (docs/performance.md, "Risk scoring inside case creation"): Django sends
every statement with its values inlined (psycopg's client-side binding), so PostgreSQL parses
and plans it afresh each time. `cursor()` gives a cursor whose statements are bound server-side
and prepared once per connection by psycopg (`prepare=True`: psycopg keeps a per-connection LRU
of at most `prepared_max` = 100 statements, keyed by the text and the parameters' types, and
deallocates what falls out), and PostgreSQL runs them with a generic plan: planned once, at the
first execution, not per set of values. On SQLite, or where prepared statements are off, it is
the connection's ordinary cursor. Either way it is Django's own cursor wrapper, so
`execute_wrapper`s, `CaptureQueriesContext` (the query counts in the tests) and the debug log
see each statement (PostgreSQL's text shows `$1…` marks; the debug log also gives the values).

Why the generic plan is forced, and why that is safe for everything else on the connection:

- PostgreSQL's own choice (`plan_cache_mode = auto`) plans the first five executions with their
  values and then keeps custom plans whenever the generic plan's estimate is worse — which it
  is for our time-window reads (unknown bounds): measured, `prepare=True` alone planned every
  time and was no faster. So the connection runs `SET plan_cache_mode = force_generic_plan`.
- The setting applies to statements that carry parameters: named prepared statements, and also
  the unnamed statement of the extended protocol when it has parameters (checked: an immutable
  function of `$1` is folded once under a custom plan, called per row under a generic one). It
  does not touch a statement sent with its values inlined. Django's default cursor binds
  client-side (`psycopg.ClientCursor`: it never prepares — its `_get_prepared` answers "no" —
  and sends no parameters), so on a connection configured as Django configures it by default
  the only parameterised statements are ours, the foreign-key checks PostgreSQL runs itself (a
  primary-key probe, the same plan either way) and PL/pgSQL (our append-only triggers run no
  query). `tests/core/test_prepared.py` checks that an ordinary cursor still gets a custom plan.
- It is set once, when Django opens the connection (`connection_created`, in autocommit: a SET
  made inside a transaction would be undone by its rollback), for that session only: another
  session never sees it, and a closed connection takes it with it — the next one, after
  `CONN_MAX_AGE` or a failed health check, is configured again as it opens. A transaction's
  rollback keeps it; psycopg drops its prepared statements on a rollback (DEALLOCATE ALL), and
  they are prepared again on their next use.
- psycopg prepares nothing while the connection's `prepare_threshold` is None, which is
  Django's default (for connection poolers); `prepare=True` is then ignored. So the connection
  gets a threshold no statement reaches (`_ONLY_WHEN_ASKED`): only what passes `prepare=True`
  — this module's cursor — is prepared.

Left as the operators set them: when `OPTIONS` has `server_side_binding` (every Django query
would then take the generic plan) or an explicit `prepare_threshold` (None: no prepared
statements at all, as behind a transaction-mode pooler such as PgBouncer before 1.21, where a
session setting would leak to other clients too; a number: psycopg prepares site-wide), this
module sets nothing and its cursor is the ordinary one.

Parameter types: psycopg sends a Python int as the smallest type that holds it (int2, int4,
int8 or numeric) and keys its prepared statements by the types, so one text would become a
statement per combination of small and large ids. The cursor sends every int as int8 (a bigint
column's own type: the index is used as for any value; a function of `int` needs a cast).

Sources: psycopg 3 "Prepared statements" (prepare=True, prepare_threshold None disables) and
"Adapting basic Python types" (the smallest int type); PostgreSQL "PREPARE" and
`plan_cache_mode`; `django/db/backends/postgresql/base.py` (`Cursor` is a `ClientCursor`,
`prepare_threshold` defaults to None)."""

from __future__ import annotations

import sys
from weakref import WeakSet

from django.db import DEFAULT_DB_ALIAS, connections

# A threshold no statement reaches: psycopg then prepares only on `prepare=True`.
_ONLY_WHEN_ASKED = sys.maxsize
# The psycopg connections configured by `configure` (gone with them when they close).
_CONFIGURED: WeakSet = WeakSet()


def _wanted(wrapper) -> bool:
    if wrapper.vendor != "postgresql":
        return False
    options = wrapper.settings_dict.get("OPTIONS", {})
    return options.get("server_side_binding") is not True and "prepare_threshold" not in options


def configure(sender=None, *, connection, **kwargs) -> None:
    """`connection_created`: the session plans prepared statements generically, and psycopg
    prepares a statement when asked to."""
    if not _wanted(connection):
        return
    raw = connection.connection
    raw.prepare_threshold = _ONLY_WHEN_ASKED
    with raw.cursor() as cursor:  # the raw cursor, as Django sets the time zone: not a query
        cursor.execute("SET plan_cache_mode = force_generic_plan")
    if not connection.get_autocommit():
        raw.commit()
    _CONFIGURED.add(raw)


def _made_cursor():
    """A function making the preparing cursor of a connection: built on first use, as psycopg
    is imported only on PostgreSQL."""
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format
    from psycopg.types.numeric import Int8

    class PreparingCursor(ServerBindingCursor):
        """Binds server-side; every statement prepared; every int sent as int8 (psycopg's
        `Int8` wrapper: cheaper than a dumper registered on each cursor, which copies the
        adapters' maps)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            if isinstance(params, dict):
                params = {k: Int8(v) if type(v) is int else v for k, v in params.items()}
            elif params:
                params = [Int8(v) if type(v) is int else v for v in params]
            return super().execute(query, params, prepare=True, binary=binary)

        def _send_query_prepared(self, name, pgq, *, binary=None):
            # psycopg records the statement it sent (`_query`, which Django's
            # last_executed_query reads for the debug log and CaptureQueriesContext) only when
            # it is not prepared: record it here too, or a prepared statement logs as None.
            self._query = pgq
            return super()._send_query_prepared(name, pgq, binary=binary)

    def make(wrapper, raw):
        made = PreparingCursor(raw)
        # What Django's create_cursor does for the time zone of the timestamps read.
        if wrapper.timezone != raw.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone:
            register_tzloader(wrapper.timezone, made)
        return made

    return make


_make: list = []


def cursor(using: str = DEFAULT_DB_ALIAS):
    """A cursor for a hot statement: prepared once per connection with a generic plan on
    PostgreSQL, the ordinary cursor elsewhere. Use as `connection.cursor()`. The statement's
    text must not vary with its values (one prepared statement per text and batch size)."""
    wrapper = connections[using]
    wrapper.close_if_health_check_failed()
    wrapper.ensure_connection()
    raw = wrapper.connection
    if raw not in _CONFIGURED:
        return wrapper.cursor()
    if not _make:
        _make.append(_made_cursor())
    with wrapper.wrap_database_errors:
        # As Django's _cursor (create_cursor, then _prepare_cursor), with this cursor class: the
        # wrapper runs the execute_wrappers and, when queries are logged, records the statement.
        return wrapper._prepare_cursor(_make[0](wrapper, raw))
