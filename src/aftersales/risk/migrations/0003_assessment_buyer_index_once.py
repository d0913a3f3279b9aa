"""risk_assessment's index on buyer alone goes: (buyer, at) serves every look-up by buyer.

Written by hand: SQLite's AlterField would copy the table into a new one, and the append-only
triggers of 0002 would not come with it. Here only the index is dropped, found by its columns
(its name is Django's hash), on either backend."""

import django.db.models.deletion
from django.db import migrations, models


def _buyer_indexes(schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "risk_assessment")
    return [
        name
        for name, c in constraints.items()
        if c["index"] and not c["primary_key"] and not c["unique"] and c["columns"] == ["buyer_id"]
    ]


def drop_buyer_index(apps, schema_editor):
    for name in _buyer_indexes(schema_editor):
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_buyer_index(apps, schema_editor):
    if not _buyer_indexes(schema_editor):
        schema_editor.execute(
            "CREATE INDEX risk_assessment_buyer_id_once ON risk_assessment (buyer_id)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_alter_user_managers"),
        ("risk", "0002_risk_append_only"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="assessment",
                    name="buyer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.buyer",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_buyer_index, create_buyer_index)],
        ),
    ]
