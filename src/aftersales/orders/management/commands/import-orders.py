"""`aftersales import-orders FILE`: load orders from JSON Lines or CSV through the same service
as POST /orders, with a progress bar, a per-row error report and a summary."""

from __future__ import annotations

import sys
from argparse import RawDescriptionHelpFormatter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from tqdm import tqdm

from aftersales.orders.imports import CSV_COLUMNS_HELP, UnusableInput, import_orders, write_report


class _HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Django's option order, with the column table kept as written."""


class Command(BaseCommand):
    help = (
        "Import orders from JSON Lines (one Order JSON per line, as POST /orders takes)\n"
        "or CSV (format by extension: .jsonl/.ndjson/.csv, or --format). Each order is its\n"
        "own transaction: valid orders land even when others fail; re-importing a file\n"
        "updates the same orders. Exit 0 when every order landed, 1 when some failed (see\n"
        "the error report), 2 when the file is unusable (missing, not UTF-8, CSV columns\n"
        "missing).\n\n" + CSV_COLUMNS_HELP + "\n\nSee docs/import-orders.md."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs["formatter_class"] = _HelpFormatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a .jsonl/.ndjson or .csv file")
        parser.add_argument(
            "--format", choices=["jsonl", "csv"], help="override the format told by the extension"
        )
        parser.add_argument(
            "--merchant",
            metavar="CODE",
            help="import for this merchant: rows without `merchant` get it, rows naming "
            "another merchant fail",
        )
        parser.add_argument(
            "--errors",
            type=Path,
            metavar="REPORT_PATH",
            help="where the per-row error report (CSV) goes; default FILE.errors.csv",
        )

    def handle(self, *args, file: Path, **options):
        fmt, merchant = options["format"], options["merchant"]
        report = options["errors"] or file.with_name(file.name + ".errors.csv")
        bars: list[tqdm] = []

        def start(total: int) -> None:
            bars.append(tqdm(total=total, unit="row", file=sys.stderr, desc=file.name))

        try:
            result = import_orders(
                file,
                fmt=fmt,
                merchant=merchant,
                on_start=start,
                on_progress=lambda n: bars[0].update(n),
            )
        except UnusableInput as exc:
            raise CommandError(str(exc), returncode=2) from None
        finally:
            for bar in bars:
                bar.close()
        if result.errors or report.exists():
            # Rewritten even when clean, so an old report never passes for this run's.
            write_report(report, result.errors)
        summary = f"created {result.created}, updated {result.updated}, failed {result.failed}"
        if result.failed:
            self.stdout.write(f"{summary}; errors in {report}")
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(summary))
