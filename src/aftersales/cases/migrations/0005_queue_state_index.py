"""The merchant's queue filtered by state: a partial index of one tenant's pending deadlines by
state and due time, so a state with few cases in it is an index range, not a walk through the
tenant's whole queue (docs/performance.md, "Portal queues")."""

from django.db import migrations, models
from django.db.models import Q

PENDING = Q(fired_at__isnull=True, cancelled_at__isnull=True, reminder=False)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_alter_user_managers"),
        ("cases", "0004_portal_queue_deadline_case_type"),
    ]
    operations = [
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(
                fields=["merchant", "guard_state", "due_at"],
                name="deadline_queue_state_due",
                condition=PENDING,
            ),
        ),
    ]
