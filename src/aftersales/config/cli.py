"""The `aftersales` console script: every subcommand is a Django management command."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["aftersales", *(sys.argv[1:] if argv is None else argv)])
    except ImproperlyConfigured as exc:  # a setting is missing or wrong: say which, not a trace
        sys.exit(f"aftersales: {exc}")
