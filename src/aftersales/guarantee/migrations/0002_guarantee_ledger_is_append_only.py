from django.db import migrations

from aftersales.core.migration_ops import append_only_guard


class Migration(migrations.Migration):
    dependencies = [
        ("guarantee", "0001_guarantee_ledger"),
        ("core", "0003_append_only_guard_lets_flush_through"),
    ]
    operations = [
        append_only_guard("guarantee_movement"),
        append_only_guard("guarantee_entry"),
    ]
