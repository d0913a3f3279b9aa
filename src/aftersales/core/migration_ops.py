"""Migration operations shared by contexts: database-level guards for append-only tables."""

from __future__ import annotations

from django.db import migrations

# The SQLite function the triggers ask (registered on every connection by core.apps): 1 unless
# the connection is running `flush`, which must be able to empty the database (see
# core.append_only). A connection without it (the sqlite3 shell) fails the statement: refused.
SQLITE_GUARD_FUNCTION = "aftersales_history_locked"


def _install(schema_editor, table: str) -> None:
    """Create (or re-create) the guard; safe to run again, so later migrations may refresh it."""
    _drop(schema_editor, table)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # TRUNCATE (what `flush` uses here) is not a row operation, so the test suite can still
        # empty the table; UPDATE and DELETE, from the ORM or raw SQL, are refused.
        schema_editor.execute(
            f"""
            CREATE FUNCTION {table}_append_only() RETURNS trigger AS $$
            BEGIN
              RAISE EXCEPTION '{table} is append-only: % refused', TG_OP
                USING ERRCODE = 'restrict_violation';
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER {table}_no_update_or_delete
              BEFORE UPDATE OR DELETE ON {table}
              FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
            """,
            # No parameters: psycopg would otherwise read RAISE's `%` as a placeholder.
            params=None,
        )
    elif vendor == "sqlite":
        for op in ("UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"WHEN {SQLITE_GUARD_FUNCTION}() "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END;",
                params=None,
            )


def _drop(schema_editor, table: str) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {table}_no_update_or_delete ON {table};"
            f"DROP FUNCTION IF EXISTS {table}_append_only();",
            params=None,
        )
    elif vendor == "sqlite":
        for op in ("update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op};", params=None)


def append_only_guard(table: str) -> migrations.RunPython:
    """Triggers that refuse UPDATE and DELETE on `table`, on PostgreSQL and on SQLite, so
    history cannot be rewritten even by raw SQL."""
    return migrations.RunPython(
        lambda apps, schema_editor: _install(schema_editor, table),
        lambda apps, schema_editor: _drop(schema_editor, table),
    )


def refresh_append_only_guard(table: str) -> migrations.RunPython:
    """Re-create an existing guard in its current form (reversal leaves the current form)."""
    return migrations.RunPython(
        lambda apps, schema_editor: _install(schema_editor, table),
        migrations.RunPython.noop,
    )
