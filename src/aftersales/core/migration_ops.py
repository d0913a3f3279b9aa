"""Migration operations shared by contexts: database-level guards for append-only tables."""

from __future__ import annotations

from django.db import migrations


def append_only_guard(table: str) -> migrations.RunPython:
    """Triggers that refuse UPDATE and DELETE on `table`, on PostgreSQL and on SQLite, so
    history cannot be rewritten even by raw SQL."""

    def forwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(
                f"""
                CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
                BEGIN
                  RAISE EXCEPTION '{table} is append-only: % refused', TG_OP
                    USING ERRCODE = 'restrict_violation';
                END $$ LANGUAGE plpgsql;
                CREATE TRIGGER {table}_no_update_or_delete
                  BEFORE UPDATE OR DELETE ON {table}
                  FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
                """
            )
        elif vendor == "sqlite":
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END;"
                )

    def backwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {table}_no_update_or_delete ON {table};"
                f"DROP FUNCTION IF EXISTS {table}_append_only();"
            )
        elif vendor == "sqlite":
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op};")

    return migrations.RunPython(forwards, backwards)
