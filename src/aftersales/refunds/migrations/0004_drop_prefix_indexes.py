"""Indexes nothing needs, dropped: every deadline the worker fires writes a refund and a refund
event, and each index is one more entry to write. `refund.merchant` is served by the (merchant,
state, requested_at) index and `refundevent.refund` by one_refund_event_per_seq (refund, seq);
the `varchar_pattern_ops` copy PostgreSQL gets for the unique idempotency key serves only LIKE,
which nothing runs on a key."""

import django.db.models.deletion
from django.db import migrations, models

LIKE_INDEX = "refunds_refund_idempotency_key_4b05b652_like"

# The indexes go by name: AlterField would also drop and re-add (re-validate) each foreign key.
DROPPED = [
    ("refunds_refund_merchant_id_bc44f600", "refunds_refund", "merchant_id"),
    ("refunds_refundevent_refund_id_4ccbdee2", "refunds_refundevent", "refund_id"),
]


def drop_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {LIKE_INDEX}")


def create_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {LIKE_INDEX} ON refunds_refund "
            "(idempotency_key varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_alter_user_managers"),
        ("refunds", "0003_refunds_dispute_compensation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in DROPPED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="refund",
                    name="merchant",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.merchant",
                    ),
                ),
                migrations.AlterField(
                    model_name="refundevent",
                    name="refund",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="refunds.refund",
                    ),
                ),
            ],
        ),
        migrations.RunPython(drop_like_index, create_like_index),
    ]
