"""The merchant's queue filtered by type: the case's type copied onto its deadlines, and the
two partial indexes the queue walks in due order within one tenant (docs/performance.md)."""

from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery

PENDING = Q(fired_at__isnull=True, cancelled_at__isnull=True, reminder=False)


def copy_case_types(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Deadline = apps.get_model("cases", "Deadline")
    Deadline.objects.update(
        case_type=Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("type")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_case_last_event_seq")]
    operations = [
        migrations.AddField(
            model_name="deadline",
            name="case_type",
            field=models.CharField(default="", max_length=32),
            preserve_default=False,
        ),
        migrations.RunPython(copy_case_types, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(
                fields=["merchant", "due_at"], name="deadline_queue_due", condition=PENDING
            ),
        ),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(
                fields=["merchant", "case_type", "due_at"],
                name="deadline_queue_type_due",
                condition=PENDING,
            ),
        ),
    ]
