from django.db import migrations

from aftersales.core.migration_ops import append_only_guard


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [append_only_guard("core_auditevent")]
