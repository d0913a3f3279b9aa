"""The business calendar's data: seeding from chinese-calendar, importing a year's schedule from
a file, admin edits, and loading it all into a `BusinessCalendar`. Every write bumps the
region's revision so each process rebuilds its cached calendar (core.calendar)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F

from aftersales.core import clock
from aftersales.core.audit import record
from aftersales.core.calendar import BusinessCalendar, invalidate_business_calendar
from aftersales.core.errors import FieldError, InvalidInput
from aftersales.core.models import (
    CalendarDay,
    CalendarDayKind,
    CalendarRevision,
    CalendarYear,
)

HOLIDAY = CalendarDayKind.HOLIDAY.value
ADJUSTED_WORKDAY = CalendarDayKind.ADJUSTED_WORKDAY.value
KINDS = (HOLIDAY, ADJUSTED_WORKDAY)
CSV_COLUMNS = ("date", "kind", "name", "in_lieu")
_JSON_KEYS = {"region", "year", "source", "days"}
_DAY_KEYS = {"date", "kind", "name", "in_lieu"}

# chinese-calendar names its holidays in English; the platform shows the Chinese names.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
SEED_YEARS = range(2004, 2027)  # what chinese-calendar 1.11.0 covers (CAL-01)


@dataclass(frozen=True)
class Operator:
    """Who changed the calendar, as the audit log records it (core does not import accounts;
    an accounts Actor works here too)."""

    kind: str
    role: str
    label: str
    user_id: int | None = None
    token_id: int | None = None


CLI_OPERATOR = Operator(kind="system", role="system", label="aftersales calendar")


@dataclass(frozen=True)
class DaySpec:
    date: date
    kind: str
    name: str = ""
    in_lieu: bool = False


@dataclass(frozen=True)
class YearSchedule:
    """One region's exceptions for one year, validated, ready to replace what is stored."""

    region: str
    year: int
    source: str
    days: tuple[DaySpec, ...]


@dataclass(frozen=True)
class ImportResult:
    region: str
    year: int
    holidays: int
    adjusted_workdays: int
    replaced: int  # rows of that year stored before (0 for a new year)
    was_known: bool


class CalendarFileInvalid(InvalidInput):
    """The file cannot be imported; `errors` says where and why. Nothing was written."""

    slug, title = "calendar-file-invalid", "Calendar file invalid"


# --- revision counter and the cache -----------------------------------------------------------


def current_revision(region: str) -> int:
    version = CalendarRevision.objects.filter(region=region).values_list("version", flat=True)
    return version.first() or 0


def bump_revision(region: str) -> None:
    """Call inside the writing transaction: other processes see the new number at commit, this
    process forgets its calendar now (reads later in the transaction see the new rows) and
    again at commit."""
    CalendarRevision.objects.get_or_create(region=region)
    CalendarRevision.objects.filter(region=region).update(
        version=F("version") + 1, changed_at=clock.now()
    )
    invalidate_business_calendar(region)
    transaction.on_commit(lambda: invalidate_business_calendar(region))


def load_calendar(region: str = "CN", *, version: int | None = None) -> BusinessCalendar:
    """Build the region's calendar from the database (what `business_calendar()` caches)."""
    if version is None:
        version = current_revision(region)
    known = CalendarYear.objects.filter(region=region).values_list("year", flat=True)
    rows = CalendarDay.objects.filter(region=region).values_list("date", "kind", "name", "in_lieu")
    return _calendar_from(region, list(rows), known, version=version)


def _calendar_from(
    region: str,
    rows: Iterable[tuple[date, str, str, bool]],
    known_years: Iterable[int],
    *,
    version: int = 0,
) -> BusinessCalendar:
    holidays, adjusted, in_lieu, names = [], [], [], {}
    for day, kind, name, lieu in rows:
        (holidays if kind == HOLIDAY else adjusted).append(day)
        if lieu:
            in_lieu.append(day)
        if name:
            names[day] = name
    return BusinessCalendar(
        region=region,
        holidays=holidays,
        adjusted_workdays=adjusted,
        in_lieu=in_lieu,
        names=names,
        known_years=known_years,
        version=version,
    )


# --- chinese-calendar -------------------------------------------------------------------------


def library_source() -> str:
    import chinese_calendar

    return f"chinese-calendar {chinese_calendar.__version__}"


def library_days(year: int) -> list[DaySpec]:
    """The year's exceptions as the installed chinese-calendar knows them: holiday rest days
    (named, in-lieu marked) and weekend days worked. NotImplementedError outside its range."""
    import chinese_calendar

    chinese_calendar.get_holiday_detail(date(year, 1, 1))  # raises outside the library's years
    # Its own tables, as get_holiday_detail reads them (one lookup per day would be 30× slower).
    named, lieu = chinese_calendar.holidays, chinese_calendar.in_lieu_days
    days = [
        DaySpec(d, HOLIDAY, HOLIDAY_NAMES_ZH.get(name, name), d in lieu)
        for d, name in named.items()
        if d.year == year
    ]
    days += [
        DaySpec(d, ADJUSTED_WORKDAY, HOLIDAY_NAMES_ZH.get(name, name))
        for d, name in chinese_calendar.workdays.items()
        if d.year == year and d.weekday() >= 5
    ]
    return sorted(days, key=lambda s: s.date)


def calendar_from_library(
    years: Iterable[int] = SEED_YEARS, *, region: str = "CN"
) -> BusinessCalendar:
    """A calendar straight from chinese-calendar, no database (tests, benchmarks)."""
    years = list(years)
    rows = [(s.date, s.kind, s.name, s.in_lieu) for y in years for s in library_days(y)]
    return _calendar_from(region, rows, years)


def seed_rows(
    day_model: Any,
    year_model: Any,
    *,
    region: str = "CN",
    years: Iterable[int] = SEED_YEARS,
    using: str = "default",
) -> list[int]:
    """Store chinese-calendar's exceptions for `years` not known yet; return the years seeded.
    Takes the models so the data migration can pass its historical ones."""
    days, known_years = day_model.objects.using(using), year_model.objects.using(using)
    known = set(known_years.filter(region=region).values_list("year", flat=True))
    todo = [y for y in years if y not in known]
    source = library_source()
    for year in todo:
        days.filter(region=region, date__year=year).delete()
        days.bulk_create(
            day_model(
                region=region,
                date=s.date,
                kind=s.kind,
                name=s.name,
                in_lieu=s.in_lieu,
                source=source,
            )
            for s in library_days(year)
        )
        known_years.create(region=region, year=year, source=source)
    return todo


@transaction.atomic
def seed_from_library(*, region: str = "CN", years: Iterable[int] = SEED_YEARS) -> list[int]:
    """Seed the years chinese-calendar covers that are not known yet (e.g. after `flush`, or
    a new chinese-calendar release that covers next year). Known years are left alone."""
    seeded = seed_rows(CalendarDay, CalendarYear, region=region, years=years)
    if seeded:
        bump_revision(region)
    return seeded


def seed_empty_calendar(sender, *, apps=None, using="default", **kwargs) -> None:
    """post_migrate: a database with no CN calendar year at all (new, or emptied by `flush` —
    as every transactional test does) gets the seed years, as contenttypes get recreated.
    Years deleted on purpose in a populated calendar are never brought back."""
    if getattr(sender, "label", None) != "core":
        return
    if apps is None:  # flush sends no migration state: the current models are the real ones
        from django.apps import apps
    try:
        day_model = apps.get_model("core", "CalendarDay")
        year_model = apps.get_model("core", "CalendarYear")
        revision_model = apps.get_model("core", "CalendarRevision")
    except LookupError:  # migrated to before the calendar existed
        return
    if year_model.objects.using(using).filter(region="CN").exists():
        return
    with transaction.atomic(using=using):
        seed_rows(day_model, year_model, region="CN", using=using)
        revision, _ = revision_model.objects.using(using).get_or_create(region="CN")
        revision_model.objects.using(using).filter(pk=revision.pk).update(version=F("version") + 1)
    invalidate_business_calendar("CN")


# --- reading a schedule file ------------------------------------------------------------------


def _parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        v = value.strip().lower()
        if v in {"", "false", "0", "no", "n", "f"}:
            return False
        if v in {"true", "1", "yes", "y", "t"}:
            return True
    return None


@dataclass
class _Collector:
    errors: list[FieldError] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.errors.append(FieldError(where, message))


def validate_schedule(
    *, region: str, year: Any, source: Any, days: list[tuple[str, dict[str, Any]]]
) -> YearSchedule:
    """Check a year's rows (each with where it came from, e.g. "line 4"); raise
    CalendarFileInvalid listing every problem, or return the schedule."""
    bad = _Collector()
    if not isinstance(region, str) or not region.isalpha() or not 2 <= len(region) <= 8:
        bad.add("region", f"must be a region code such as CN, not {region!r}")
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200:
        bad.add("year", f"must be a year such as 2027, not {year!r}")
        year = None
    if not isinstance(source, str) or not source.strip():
        bad.add("source", "must say where the schedule comes from (e.g. the State Council notice)")
    elif len(source) > 200:
        bad.add("source", "must be at most 200 characters")
    if not days:
        bad.add("days", "no days: a year's schedule lists its holidays and adjusted workdays")
    specs: list[DaySpec] = []
    seen: dict[date, str] = {}
    for where, raw in days:
        try:
            d = date.fromisoformat(str(raw.get("date", "")).strip())
        except ValueError:
            bad.add(f"{where}.date", f"must be a date as YYYY-MM-DD, not {raw.get('date')!r}")
            continue
        kind = str(raw.get("kind", "")).strip()
        name = raw.get("name") or ""
        in_lieu = _parse_bool(raw.get("in_lieu", False))
        problems = []
        if year is not None and d.year != year:
            problems.append(f"{d} is not in {year}: one file holds one year")
        if kind not in KINDS:
            problems.append(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if not isinstance(name, str) or len(name) > 64:
            problems.append("name must be text of at most 64 characters")
        if in_lieu is None:
            problems.append(f"in_lieu must be true or false, not {raw.get('in_lieu')!r}")
        elif in_lieu and kind == ADJUSTED_WORKDAY:
            problems.append("in_lieu marks a holiday rest day; an adjusted workday cannot be one")
        elif in_lieu and d.weekday() >= 5:
            problems.append(f"{d} is a {d:%A}: an in-lieu rest day is a weekday made a rest day")
        if kind == ADJUSTED_WORKDAY and d.weekday() < 5:
            problems.append(
                f"{d} is a {d:%A}: an adjusted workday is a Saturday or Sunday worked (调休上班)"
            )
        if d in seen:
            problems.append(f"{d} is listed twice (first at {seen[d]})")
        if problems:
            for p in problems:
                bad.add(where, p)
            continue
        seen[d] = where
        specs.append(DaySpec(d, kind, name.strip(), bool(in_lieu)))
    if bad.errors:
        raise CalendarFileInvalid(
            f"{len(bad.errors)} problem(s); nothing was imported", errors=bad.errors
        )
    return YearSchedule(region, year, source.strip(), tuple(sorted(specs, key=lambda s: s.date)))


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise CalendarFileInvalid.on_field("file", f"{path} does not exist") from None
    except IsADirectoryError:
        raise CalendarFileInvalid.on_field("file", f"{path} is a directory") from None
    except UnicodeDecodeError:
        raise CalendarFileInvalid.on_field("file", f"{path} is not UTF-8 text") from None


def _region_of(in_file: Any, option: str | None) -> Any:
    if option and in_file and in_file != option:
        raise CalendarFileInvalid.on_field(
            "region", f"the file is for {in_file!r} but --region says {option!r}"
        )
    return in_file or option or "CN"


def parse_json(text: str, *, region: str | None = None) -> YearSchedule:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CalendarFileInvalid.on_field("file", f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise CalendarFileInvalid.on_field("file", "must be one JSON object (see docs/calendar.md)")
    unknown = sorted(set(doc) - _JSON_KEYS)
    if unknown:
        raise CalendarFileInvalid.on_field("file", f"unknown keys {unknown}; allowed {_JSON_KEYS}")
    raw_days = doc.get("days")
    if not isinstance(raw_days, list):
        raise CalendarFileInvalid.on_field("days", "must be a list of day objects")
    days = []
    for i, raw in enumerate(raw_days):
        where = f"days[{i}]"
        if not isinstance(raw, dict):
            raise CalendarFileInvalid.on_field(where, "must be an object with date and kind")
        extra = sorted(set(raw) - _DAY_KEYS)
        if extra:
            raise CalendarFileInvalid.on_field(where, f"unknown keys {extra}")
        days.append((where, raw))
    return validate_schedule(
        region=_region_of(doc.get("region"), region),
        year=doc.get("year"),
        source=doc.get("source"),
        days=days,
    )


def parse_csv(text: str, *, region: str | None = None, source: str | None = None) -> YearSchedule:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("date", "kind") if c not in header]
    extra = [c for c in header if c not in CSV_COLUMNS]
    if missing or extra:
        raise CalendarFileInvalid.on_field(
            "header",
            f"columns must be {','.join(CSV_COLUMNS)}"
            + (f"; missing {missing}" if missing else "")
            + (f"; unknown {extra}" if extra else ""),
        )
    reader.fieldnames = header
    days = [(f"line {n}", row) for n, row in enumerate(reader, start=2)]
    year = None
    for _, row in days:
        try:
            year = date.fromisoformat(str(row.get("date") or "").strip()).year
            break
        except ValueError:
            continue
    return validate_schedule(region=_region_of(None, region), year=year, source=source, days=days)


def read_schedule(
    path: Path, *, region: str | None = None, source: str | None = None
) -> YearSchedule:
    """A JSON (.json) or CSV (.csv) schedule file, validated. CSV has no source column: it comes
    from `source`, else names the file."""
    text = _read_text(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        if source:
            raise CalendarFileInvalid.on_field("source", "a JSON file carries its own source")
        return parse_json(text, region=region)
    if suffix == ".csv":
        return parse_csv(text, region=region, source=source or f"CSV file {path.name}")
    raise CalendarFileInvalid.on_field("file", f"{path.name}: expected a .json or .csv file")


# --- writing ----------------------------------------------------------------------------------


@transaction.atomic
def import_year(schedule: YearSchedule, *, actor: Any = CLI_OPERATOR) -> ImportResult:
    """Replace the year's exceptions with the schedule's and mark the year known, all or
    nothing; audited."""
    region, year = schedule.region, schedule.year
    old = CalendarDay.objects.filter(region=region, date__year=year)
    replaced = old.count()
    old.delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(
            region=region,
            date=s.date,
            kind=s.kind,
            name=s.name,
            in_lieu=s.in_lieu,
            source=schedule.source,
        )
        for s in schedule.days
    )
    known, created = CalendarYear.objects.update_or_create(
        region=region,
        year=year,
        defaults={"source": schedule.source, "imported_at": clock.now()},
    )
    result = ImportResult(
        region=region,
        year=year,
        holidays=sum(s.kind == HOLIDAY for s in schedule.days),
        adjusted_workdays=sum(s.kind == ADJUSTED_WORKDAY for s in schedule.days),
        replaced=replaced,
        was_known=not created,
    )
    record(
        actor=actor,
        action="calendar.year_imported",
        subject=known,
        payload={
            "region": region,
            "year": year,
            "source": schedule.source,
            "holidays": result.holidays,
            "adjusted_workdays": result.adjusted_workdays,
            "replaced_rows": replaced,
        },
    )
    bump_revision(region)
    return result


def _day_payload(day: CalendarDay) -> dict[str, Any]:
    return {
        "region": day.region,
        "date": day.date.isoformat(),
        "kind": day.kind,
        "name": day.name,
        "in_lieu": day.in_lieu,
        "source": day.source,
    }


@transaction.atomic
def save_calendar_day(day: CalendarDay, *, actor: Any, changed: Iterable[str] = ()) -> CalendarDay:
    """An operator's correction of one day (admin): saved, audited, caches invalidated."""
    adding = day._state.adding
    day.save()
    record(
        actor=actor,
        action="calendar.day_added" if adding else "calendar.day_changed",
        subject=day,
        payload={**_day_payload(day), "changed": sorted(changed)},
    )
    bump_revision(day.region)
    return day


@transaction.atomic
def delete_calendar_days(days: Iterable[CalendarDay], *, actor: Any) -> int:
    regions, count = set(), 0
    for day in days:
        record(actor=actor, action="calendar.day_deleted", subject=day, payload=_day_payload(day))
        regions.add(day.region)
        day.delete()
        count += 1
    for region in regions:
        bump_revision(region)
    return count


@transaction.atomic
def forget_calendar_years(years: Iterable[CalendarYear], *, actor: Any) -> int:
    """Make years unknown again (their days stay, unused): arithmetic on them then refuses."""
    regions, count = set(), 0
    for known in years:
        record(
            actor=actor,
            action="calendar.year_forgotten",
            subject=known,
            payload={"region": known.region, "year": known.year, "source": known.source},
        )
        regions.add(known.region)
        known.delete()
        count += 1
    for region in regions:
        bump_revision(region)
    return count


def stored_days(region: str, year: int) -> Iterator[CalendarDay]:
    return CalendarDay.objects.filter(region=region, date__year=year).order_by("date").iterator()
