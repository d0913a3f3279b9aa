"""Indexes nothing needs, dropped: every step updates the case (its state is indexed, so every
index gets an entry), a fired deadline writes two events and updates its row and the lines.
Each of these columns is the first of a composite index or unique constraint that serves the
same lookups: case.merchant (merchant, state, opened_at), case.buyer (buyer, opened_at),
caseevent.case one_event_per_case_seq, caseline.case one_case_line_per_line, deadline.case
(case, guard_state)."""

import django.db.models.deletion
from django.db import migrations, models

# The indexes go by name: AlterField would also drop and re-add (re-validate) each foreign key.
DROPPED = [
    ("cases_case_buyer_id_b1f9745e", "cases_case", "buyer_id"),
    ("cases_case_merchant_id_1d1cf39a", "cases_case", "merchant_id"),
    ("cases_caseevent_case_id_6c6031ac", "cases_caseevent", "case_id"),
    ("cases_caseline_case_id_70867354", "cases_caseline", "case_id"),
    ("cases_deadline_case_id_fd6938e1", "cases_deadline", "case_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_alter_user_managers"),
        ("cases", "0005_queue_state_index"),
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
                    model_name="case",
                    name="buyer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="accounts.buyer",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="merchant",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="accounts.merchant",
                    ),
                ),
                migrations.AlterField(
                    model_name="caseevent",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="caseline",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="deadline",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deadlines",
                        to="cases.case",
                    ),
                ),
            ],
        ),
    ]
