"""On PostgreSQL a score's snapshot (≈1.6 KB of JSON, 2.2 KB as jsonb) passes the 2 KB toast
threshold, so every score is compressed as it is written: lz4 instead of the default pglz costs
0.04 ms less per score for 19 % more space (docs/performance.md, session 11). Rows already
written keep pglz; both read alike. A server built without lz4 keeps pglz."""

from django.db import migrations


def _lz4_available(cursor) -> bool:
    cursor.execute(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    )
    row = cursor.fetchone()
    return bool(row and row[0])


def snapshot_lz4(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if _lz4_available(cursor):
            cursor.execute(
                'ALTER TABLE "risk_assessment" ALTER COLUMN "snapshot" SET COMPRESSION lz4'
            )


def snapshot_pglz(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE "risk_assessment" ALTER COLUMN "snapshot" SET COMPRESSION DEFAULT'
        )


class Migration(migrations.Migration):
    dependencies = [("risk", "0003_assessment_buyer_index_once")]

    operations = [migrations.RunPython(snapshot_lz4, snapshot_pglz)]
