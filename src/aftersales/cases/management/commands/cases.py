"""`aftersales cases describe`: the six flows as Markdown (what docs/flows.md holds)."""

from django.core.management.base import BaseCommand

from aftersales.cases.describe import render


class Command(BaseCommand):
    help = "Describe the case flows (states, transitions, deadlines) as Markdown."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("describe", help="print the flows as Markdown")

    def handle(self, *args, action: str, **options):
        self.stdout.write(render())
