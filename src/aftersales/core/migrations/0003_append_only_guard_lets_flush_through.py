from django.db import migrations

from aftersales.core.migration_ops import refresh_append_only_guard


class Migration(migrations.Migration):
    """The SQLite triggers now let `flush` empty the table (see core.append_only)."""

    dependencies = [("core", "0002_audit_event_append_only")]
    operations = [refresh_append_only_guard("core_auditevent")]
