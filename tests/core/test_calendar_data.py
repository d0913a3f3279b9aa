"""core.calendar_data: the seeded years, importing next year's schedule, the admin, and the
per-process cache of `business_calendar()`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from aftersales.core import calendar as calendar_module
from aftersales.core.calendar import CalendarUnknown, business_calendar
from aftersales.core.calendar_data import (
    current_revision,
    library_days,
    seed_empty_calendar,
    seed_from_library,
)
from aftersales.core.models import AuditEvent, CalendarDay, CalendarRevision, CalendarYear

pytestmark = pytest.mark.django_db

# A made-up 2027 schedule in the documented format: an example, not the law.
EXAMPLE_2027 = {
    "region": "CN",
    "year": 2027,
    "source": "example only, not the State Council notice",
    "days": [
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦", "in_lieu": False},
        {"date": "2027-02-06", "kind": "holiday", "name": "春节"},
        {"date": "2027-02-07", "kind": "holiday", "name": "春节"},
        {"date": "2027-02-08", "kind": "holiday", "name": "春节"},
        {"date": "2027-02-09", "kind": "holiday", "name": "春节"},
        {"date": "2027-02-10", "kind": "holiday", "name": "春节"},
        {"date": "2027-02-11", "kind": "holiday", "name": "春节", "in_lieu": True},
        {"date": "2027-02-12", "kind": "holiday", "name": "春节", "in_lieu": True},
        {"date": "2027-02-13", "kind": "holiday", "name": "春节"},
        {"date": "2027-02-14", "kind": "holiday", "name": "春节"},
        {"date": "2027-02-20", "kind": "adjusted_workday", "name": "春节"},
        {"date": "2027-10-01", "kind": "holiday", "name": "国庆节"},
    ],
}


@pytest.fixture(autouse=True)
def seeded():
    """The migration seeds 2004–2026, but a transactional test elsewhere may have flushed the
    database since; seed what is missing. Each test starts and ends with an empty cache."""
    seed_from_library()
    calendar_module.invalidate_business_calendar()
    yield
    calendar_module.invalidate_business_calendar()


def write_json(tmp_path, doc, name="2027.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def import_file(path, *args):
    call_command("calendar", "import", str(path), *args)


def refused_import(path, *args) -> str:
    before = (CalendarDay.objects.count(), CalendarYear.objects.count(), current_revision("CN"))
    with pytest.raises(CommandError) as caught:
        import_file(path, *args)
    assert caught.value.returncode == 2
    after = (CalendarDay.objects.count(), CalendarYear.objects.count(), current_revision("CN"))
    assert after == before, "a refused import wrote something"
    return str(caught.value)


# --- the seed ---------------------------------------------------------------------------------


def test_2004_to_2026_are_known_from_chinese_calendar():
    known = CalendarYear.objects.filter(region="CN")
    assert set(known.values_list("year", flat=True)) >= set(range(2004, 2027))
    assert known.get(year=2026).source == "chinese-calendar 1.11.0"


def test_the_seeded_2026_rows_are_chinese_calendars_exceptions():
    stored = CalendarDay.objects.filter(region="CN", date__year=2026)
    rows = {(d.date, d.kind, d.name, d.in_lieu) for d in stored}
    assert rows == {(s.date, s.kind, s.name, s.in_lieu) for s in library_days(2026)}
    assert (date(2026, 2, 23), "holiday", "春节", True) in rows
    assert (date(2026, 2, 14), "adjusted_workday", "春节", False) in rows


def test_the_stored_calendar_agrees_with_chinese_calendar_on_every_seeded_day():
    import chinese_calendar

    stored = business_calendar()
    day = date(2004, 1, 1)
    while day.year < 2027:
        assert stored.is_workday(day) == chinese_calendar.is_workday(day), day
        assert stored.is_in_lieu(day) == chinese_calendar.is_in_lieu(day), day
        day = date.fromordinal(day.toordinal() + 1)


def test_an_emptied_calendar_is_seeded_again_after_flush():
    from django.apps import apps

    CalendarDay.objects.all().delete()
    CalendarYear.objects.all().delete()
    seed_empty_calendar(apps.get_app_config("core"), apps=apps)
    assert business_calendar().is_statutory_rest(date(2026, 10, 1))


def test_a_populated_calendar_is_left_alone_after_migrate():
    from django.apps import apps

    CalendarYear.objects.filter(year=2010).delete()
    seed_empty_calendar(apps.get_app_config("core"), apps=apps)
    assert not CalendarYear.objects.filter(year=2010).exists()


# --- import -----------------------------------------------------------------------------------


def test_2027_is_unknown_until_its_schedule_is_imported(tmp_path):
    with pytest.raises(CalendarUnknown):
        business_calendar().is_workday(date(2027, 2, 8))
    import_file(write_json(tmp_path, EXAMPLE_2027))
    cal = business_calendar()
    assert not cal.is_workday(date(2027, 2, 8))
    assert cal.is_workday(date(2027, 2, 20))  # a Saturday worked
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert cal.extend_past_rest(date(2027, 2, 13)) == date(2027, 2, 15)


def test_an_import_is_recorded_in_the_audit_log(tmp_path):
    import_file(write_json(tmp_path, EXAMPLE_2027))
    event = AuditEvent.objects.get(action="calendar.year_imported")
    assert event.payload["year"] == 2027 and event.payload["holidays"] == 11


def test_a_csv_schedule_takes_its_year_from_the_dates(tmp_path):
    path = tmp_path / "cn-2027.csv"
    path.write_text(
        "date,kind,name,in_lieu\n2027-01-01,holiday,元旦,false\n2027-02-20,adjusted_workday,春节,\n",
        encoding="utf-8",
    )
    import_file(path, "--source", "example only")
    assert CalendarYear.objects.get(region="CN", year=2027).source == "example only"
    assert business_calendar().is_statutory_rest(date(2027, 1, 1))


def test_reimporting_a_year_replaces_all_its_days(tmp_path):
    import_file(write_json(tmp_path, EXAMPLE_2027))
    smaller = {**EXAMPLE_2027, "days": EXAMPLE_2027["days"][:1]}
    import_file(write_json(tmp_path, smaller, "again.json"))
    assert list(CalendarDay.objects.filter(date__year=2027).values_list("date", flat=True)) == [
        date(2027, 1, 1)
    ]
    assert business_calendar().is_workday(date(2027, 2, 8))


def test_reimporting_a_seeded_year_corrects_it(tmp_path):
    doc = {
        "region": "CN",
        "year": 2026,
        "source": "correction",
        "days": [
            {"date": d.isoformat(), "kind": k, "name": n, "in_lieu": i}
            for d, k, n, i in business_calendar().exceptions(2026)
        ]
        + [{"date": "2026-12-31", "kind": "holiday", "name": "example"}],
    }
    import_file(write_json(tmp_path, doc, "2026.json"))
    assert business_calendar().is_statutory_rest(date(2026, 12, 31))
    assert CalendarYear.objects.get(year=2026).source == "correction"


def _with_day(**day):
    return {**EXAMPLE_2027, "days": [*EXAMPLE_2027["days"], day]}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_with_day(date="2028-01-01", kind="holiday"), "not in 2027"),
        (_with_day(date="2027-05-01", kind="rest"), "kind must be one of"),
        (_with_day(date="2027-03-03", kind="adjusted_workday"), "Saturday or Sunday"),
        (_with_day(date="2027-02-08", kind="holiday", name="春节"), "listed twice"),
        (_with_day(date="2027-13-01", kind="holiday"), "YYYY-MM-DD"),
        (_with_day(date="2027-05-01", kind="holiday", in_lieu="maybe"), "true or false"),
        (_with_day(date="2027-05-01", kind="holiday", color="red"), "unknown keys"),
        ({**EXAMPLE_2027, "source": ""}, "where the schedule comes from"),
        ({**EXAMPLE_2027, "year": "2027"}, "must be a year"),
        ({**EXAMPLE_2027, "days": []}, "no days"),
    ],
)
def test_an_invalid_schedule_exits_2_and_writes_nothing(tmp_path, doc, message):
    assert message in refused_import(write_json(tmp_path, doc))


def test_a_file_for_another_region_than_asked_is_refused(tmp_path):
    assert "--region" in refused_import(write_json(tmp_path, EXAMPLE_2027), "--region", "HK")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.json", "{not json", "not valid JSON"),
        ("list.json", "[]", "one JSON object"),
        ("bad.csv", "date,kind,colour\n2027-01-01,holiday,red\n", "unknown ['colour']"),
        ("mixed.csv", "date,kind\n2027-12-31,holiday\n2028-01-01,holiday\n", "not in 2027"),
        ("cal.txt", "whatever", ".json or .csv"),
    ],
)
def test_an_unreadable_file_exits_2_and_writes_nothing(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert message in refused_import(path)


def test_a_missing_file_exits_2(tmp_path):
    assert "does not exist" in refused_import(tmp_path / "nope.json")


# --- show and seed ----------------------------------------------------------------------------


def test_show_prints_the_years_exceptions(capsys):
    call_command("calendar", "show", "2026")
    out = capsys.readouterr().out
    assert "chinese-calendar 1.11.0" in out
    assert "2026-02-14 Sat  work (调休上班)" in out
    assert "2026-10-07 Wed  rest" in out and "in lieu" in out


def test_show_of_an_unknown_year_exits_2():
    with pytest.raises(CommandError, match="2027") as caught:
        call_command("calendar", "show", "2027")
    assert caught.value.returncode == 2


def test_seed_restores_a_year_that_was_forgotten(capsys):
    CalendarYear.objects.filter(year=2010).delete()
    CalendarDay.objects.filter(date__year=2010).delete()
    call_command("calendar", "seed")
    assert "seeded CN 2010" in capsys.readouterr().out
    assert business_calendar().is_statutory_rest(date(2010, 10, 1))


# --- the cache --------------------------------------------------------------------------------


def test_the_calendar_is_built_once_and_then_costs_no_query(django_assert_num_queries):
    first = business_calendar()
    with django_assert_num_queries(0):
        assert business_calendar() is first
        first.add_working_hours(datetime(2026, 3, 9, 10, tzinfo=UTC), 3)


def test_another_processs_change_is_noticed_after_the_check_interval(monkeypatch):
    ticks = [1000.0]
    monkeypatch.setattr(calendar_module, "_monotonic", lambda: ticks[0])
    before = business_calendar()
    # Another process adds a holiday and bumps the revision; this process's cache is untouched.
    CalendarDay.objects.create(region="CN", date=date(2026, 3, 9), kind="holiday", name="x")
    CalendarRevision.objects.filter(region="CN").update(version=before.version + 1)
    assert business_calendar() is before
    ticks[0] += calendar_module.CHECK_INTERVAL_SECONDS
    assert business_calendar().is_statutory_rest(date(2026, 3, 9))


def test_an_unchanged_revision_keeps_the_calendar_after_the_check(monkeypatch):
    ticks = [1000.0]
    monkeypatch.setattr(calendar_module, "_monotonic", lambda: ticks[0])
    before = business_calendar()
    ticks[0] += calendar_module.CHECK_INTERVAL_SECONDS
    assert business_calendar() is before


def test_an_import_rebuilds_the_calendar_at_once(tmp_path):
    before = business_calendar()
    import_file(write_json(tmp_path, EXAMPLE_2027))
    after = business_calendar()
    assert after is not before and 2027 in after.known_years


# --- the admin --------------------------------------------------------------------------------


@pytest.fixture
def operator() -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123")
    client = Client()
    client.force_login(user)
    return client


def _admin_url(model, view, *args):
    return reverse(f"admin:core_{model._meta.model_name}_{view}", args=args)


def test_an_admin_correction_rebuilds_the_calendar_and_is_audited(operator):
    assert business_calendar().is_workday(date(2026, 3, 9))
    response = operator.post(
        _admin_url(CalendarDay, "add"),
        {"region": "CN", "date": "2026-03-09", "kind": "holiday", "name": "例", "source": "test"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not business_calendar().is_workday(date(2026, 3, 9))
    assert AuditEvent.objects.filter(action="calendar.day_added").exists()


def test_an_admin_delete_rebuilds_the_calendar(operator):
    assert business_calendar().is_workday(date(2026, 10, 10))
    day = CalendarDay.objects.get(region="CN", date=date(2026, 10, 10))
    response = operator.post(_admin_url(CalendarDay, "delete", day.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not business_calendar().is_workday(date(2026, 10, 10))  # an ordinary Saturday now


def test_the_admin_refuses_an_adjusted_workday_on_a_weekday(operator):
    response = operator.post(
        _admin_url(CalendarDay, "add"),
        {"region": "CN", "date": "2026-03-10", "kind": "adjusted_workday", "source": "test"},
    )
    assert response.status_code == 200
    assert "Saturday or Sunday" in response.content.decode()
    assert not CalendarDay.objects.filter(date=date(2026, 3, 10)).exists()


def test_the_admin_refuses_a_day_in_an_unknown_year(operator):
    response = operator.post(
        _admin_url(CalendarDay, "add"),
        {"region": "CN", "date": "2027-03-10", "kind": "holiday", "source": "test"},
    )
    assert "not a known year" in response.content.decode()


def test_deleting_a_year_in_the_admin_makes_it_unknown(operator):
    known = CalendarYear.objects.get(region="CN", year=2026)
    response = operator.post(_admin_url(CalendarYear, "delete", known.pk), {"post": "yes"})
    assert response.status_code == 302
    with pytest.raises(CalendarUnknown):
        business_calendar().is_workday(date(2026, 3, 9))


def test_calendar_changelists_render_and_search(operator):
    for model in (CalendarDay, CalendarYear):
        for q in ({}, {"q": "春节"}, {"q": "2026-10-01"}, {"q": "1"}):
            assert operator.get(_admin_url(model, "changelist"), q).status_code == 200


def test_the_documented_json_example_imports(tmp_path):
    doc = (Path(__file__).resolve().parents[2] / "docs" / "calendar.md").read_text("utf-8")
    example = doc.split("```json\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.json"
    path.write_text(example, encoding="utf-8")
    import_file(path)
    assert business_calendar().is_in_lieu(date(2027, 2, 11))
