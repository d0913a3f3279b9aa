from django.db import migrations, models
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_events(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    last = (
        CaseEvent.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(last=Max("seq"))
        .values("last")
    )
    Case.objects.update(last_event_seq=Coalesce(Subquery(last), 0))


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_events_are_append_only")]
    operations = [
        migrations.AddField(
            model_name="case",
            name="last_event_seq",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(count_events, migrations.RunPython.noop),
    ]
