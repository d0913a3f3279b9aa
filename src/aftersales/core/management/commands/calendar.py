"""`aftersales calendar import FILE | show YEAR | seed`: the business calendar's data by hand.

`import` replaces one year's holidays and 调休 working days from the State Council's schedule
(JSON or CSV, docs/calendar.md) and marks the year known; a file with any problem is refused
whole (exit 2, nothing written). `show` prints a year's exceptions. `seed` stores the years the
installed chinese-calendar covers that are not known yet.
"""

from __future__ import annotations

from argparse import RawDescriptionHelpFormatter
from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from aftersales.core import clock
from aftersales.core.calendar import CalendarUnknown, business_calendar
from aftersales.core.calendar_data import (
    ADJUSTED_WORKDAY,
    CLI_OPERATOR,
    CalendarFileInvalid,
    import_year,
    read_schedule,
    seed_from_library,
)
from aftersales.core.models import CalendarYear

BAD_INPUT = 2


class _HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Django's option order, with the description kept as written."""


class Command(BaseCommand):
    help = (
        "The business calendar (holidays and 调休 working days):\n"
        "  import FILE   replace a year from a JSON or CSV schedule (docs/calendar.md)\n"
        "  show YEAR     print a year's holidays and adjusted workdays\n"
        "  seed          store the years chinese-calendar covers that are not known yet"
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs["formatter_class"] = _HelpFormatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        load = actions.add_parser(
            "import",
            help="Replace one year's exceptions from a .json or .csv file; exit 2 if invalid.",
        )
        load.add_argument("file", type=Path, help="a .json or .csv schedule (docs/calendar.md)")
        load.add_argument("--region", help="the region (default: the file's, else CN)")
        load.add_argument(
            "--source", help="CSV only: where the schedule comes from (default: the file name)"
        )

        show = actions.add_parser("show", help="Print a year's holidays and adjusted workdays.")
        show.add_argument("year", type=int)
        show.add_argument("--region", default="CN")

        seed = actions.add_parser(
            "seed", help="Store the years chinese-calendar covers that are not known yet."
        )
        seed.add_argument("--region", default="CN")
        seed.add_argument("--year", type=int, action="append", help="only this year (repeatable)")

    def handle(self, *args, action: str, **options):
        match action:
            case "import":
                self.import_file(
                    options["file"], region=options["region"], source=options["source"]
                )
            case "show":
                self.show(options["year"], region=options["region"])
            case "seed":
                self.seed(region=options["region"], years=options["year"])

    def import_file(self, path: Path, *, region: str | None, source: str | None) -> None:
        try:
            schedule = read_schedule(path, region=region, source=source)
        except CalendarFileInvalid as exc:
            lines = [f"{path}: {exc.detail}"]
            lines += [f"  {e.field}: {e.message}" for e in exc.errors]
            raise CommandError("\n".join(lines), returncode=BAD_INPUT) from None
        result = import_year(schedule, actor=CLI_OPERATOR)
        verb = "replaced" if result.was_known else "imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {result.region} {result.year}: {result.holidays} holiday rest days, "
                f"{result.adjusted_workdays} adjusted workdays (source: {schedule.source})"
                + (f"; {result.replaced} earlier rows replaced" if result.was_known else "")
            )
        )

    def show(self, year: int, *, region: str) -> None:
        calendar = business_calendar(region)
        try:
            rows = calendar.exceptions(year)
        except CalendarUnknown as exc:
            raise CommandError(exc.detail, returncode=BAD_INPUT) from None
        known = CalendarYear.objects.get(region=region, year=year)
        self.stdout.write(
            f"{region} {year} — source: {known.source}; imported "
            f"{clock.localtime(known.imported_at):%Y-%m-%d %H:%M}"
        )
        for day, kind, name, in_lieu in rows:
            label = "work (调休上班)" if kind == ADJUSTED_WORKDAY else "rest"
            note = " (in lieu, 调休)" if in_lieu else ""
            self.stdout.write(f"{day} {day:%a}  {label:<14} {name}{note}")
        rest = sum(1 for r in rows if r[1] != ADJUSTED_WORKDAY)
        day, workdays = date(year, 1, 1), 0
        while day.year == year:
            workdays += calendar.is_workday(day)
            day += timedelta(days=1)
        self.stdout.write(
            f"{rest} holiday rest days, {len(rows) - rest} weekend days worked, "
            f"{workdays} working days in the year"
        )

    def seed(self, *, region: str, years: list[int] | None) -> None:
        try:
            seeded = seed_from_library(region=region, **({"years": years} if years else {}))
        except NotImplementedError as exc:
            raise CommandError(f"chinese-calendar: {exc}", returncode=BAD_INPUT) from None
        if seeded:
            self.stdout.write(self.style.SUCCESS(f"seeded {region} {', '.join(map(str, seeded))}"))
        else:
            self.stdout.write("nothing to seed: every year asked for is known already")
