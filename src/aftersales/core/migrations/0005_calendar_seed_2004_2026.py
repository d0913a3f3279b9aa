from django.db import migrations

# Frozen here rather than read from the library: the migration must mean the same thing forever.
SEED_YEARS = range(2004, 2027)


def seed(apps, schema_editor):
    """2004–2026 from chinese-calendar (CAL-01): holidays with their names and in-lieu days, and
    the weekend days worked. Years after 2026 stay unknown until imported (ambiguity 8)."""
    from aftersales.core.calendar_data import seed_rows

    day_model = apps.get_model("core", "CalendarDay")
    year_model = apps.get_model("core", "CalendarYear")
    revision_model = apps.get_model("core", "CalendarRevision")
    using = schema_editor.connection.alias
    if seed_rows(day_model, year_model, region="CN", years=SEED_YEARS, using=using):
        revision, _ = revision_model.objects.using(using).get_or_create(region="CN")
        revision.version += 1
        revision.save(using=using)


def unseed(apps, schema_editor):
    using = schema_editor.connection.alias
    apps.get_model("core", "CalendarDay").objects.using(using).filter(
        region="CN", date__year__in=list(SEED_YEARS)
    ).delete()
    apps.get_model("core", "CalendarYear").objects.using(using).filter(
        region="CN", year__in=list(SEED_YEARS)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0004_calendar")]
    operations = [migrations.RunPython(seed, unseed)]
