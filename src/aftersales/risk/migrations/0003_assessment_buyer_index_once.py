"""risk_assessment's index on buyer alone goes: (buyer, at) serves every look-up by buyer.

Dropped by Django's name for it, as cases/0006 does: on SQLite, AlterField would copy the table
into a new one, and the append-only triggers of 0002 would not come with it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_alter_user_managers"),
        ("risk", "0002_risk_append_only"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "risk_assessment_buyer_id_c7ee32d4"',
                    'CREATE INDEX IF NOT EXISTS "risk_assessment_buyer_id_c7ee32d4"'
                    ' ON "risk_assessment" ("buyer_id")',
                ),
            ],
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
        ),
    ]
