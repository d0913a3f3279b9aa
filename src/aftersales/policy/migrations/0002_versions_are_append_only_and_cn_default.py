from django.db import migrations

from aftersales.core.migration_ops import append_only_guard


def publish_cn_default(apps, schema_editor):
    """cn-default@1: the shipped defaults, each rule with its POLICY-FACTS row."""
    from aftersales.policy.document import DEFAULT_DOCUMENT, validate_document

    PolicyVersion = apps.get_model("policy", "PolicyVersion")
    if not PolicyVersion.objects.filter(name="cn-default").exists():
        PolicyVersion.objects.create(
            name="cn-default",
            number=1,
            document=validate_document(DEFAULT_DOCUMENT),
            published_by="system",
            note="shipped defaults",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0001_initial"),
        ("core", "0003_append_only_guard_lets_flush_through"),
    ]
    operations = [
        append_only_guard("policy_policyversion"),
        migrations.RunPython(publish_cn_default, migrations.RunPython.noop),
    ]
