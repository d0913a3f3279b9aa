from django.db import migrations

from aftersales.core.migration_ops import append_only_guard


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0001_risk_initial"),
        ("core", "0003_append_only_guard_lets_flush_through"),
    ]
    operations = [
        append_only_guard("risk_assessment"),
        append_only_guard("risk_review"),
        append_only_guard("risk_riskpolicy"),
    ]
