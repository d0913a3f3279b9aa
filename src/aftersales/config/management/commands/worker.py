"""`aftersales worker`: background work only — the sweep loop and the django-tasks queue."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from aftersales.core.worker import autodiscover_sweeps, queue_runner, run_worker


class Command(BaseCommand):
    help = (
        "Run background work: periodic sweeps (due deadlines, outbox, retention) and the "
        "django-tasks queue (database by default, RQ when REDIS_URL is set). Any number may run "
        "at once on PostgreSQL. SIGTERM or Ctrl-C finishes the current job and exits 0."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="Run every sweep once, process queued tasks until the queue is empty, then exit.",
        )

    def handle(self, *args, once: bool, verbosity: int, **options):
        runner = queue_runner()
        if verbosity > 0:
            names = ", ".join(s.name for s in autodiscover_sweeps()) or "none"
            mode = "once" if once else "until stopped"
            self.stdout.write(f"worker ({mode}): sweeps [{names}]; {runner.description}")
        run_worker(once=once, runner=runner)
