from django.db import migrations

from aftersales.core.migration_ops import append_only_guard


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0001_disputes_initial"),
        ("core", "0003_append_only_guard_lets_flush_through"),
    ]
    operations = [
        append_only_guard("disputes_disputeevent"),
        append_only_guard("disputes_disputeevidence"),
        append_only_guard("disputes_thirdpartyoutcome"),
        append_only_guard("disputes_disputemoney"),
    ]
