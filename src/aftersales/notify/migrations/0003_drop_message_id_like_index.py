"""The `varchar_pattern_ops` copy PostgreSQL gets for the unique message id serves only LIKE,
which nothing runs on a message id; every fired deadline writes two outbox messages, and each
index is one more entry to write. The unique index stays."""

from django.db import migrations

LIKE_INDEX = "notify_outboxmessage_message_id_442b520d_like"


def drop_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {LIKE_INDEX}")


def create_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {LIKE_INDEX} ON notify_outboxmessage "
            "(message_id varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("notify", "0002_inbox_channel_attempts")]

    operations = [migrations.RunPython(drop_like_index, create_like_index)]
