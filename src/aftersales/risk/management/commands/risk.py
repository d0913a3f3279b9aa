"""`aftersales risk simulate --buyers N --seed S`: the risk engine on a seeded synthetic
population, through the real services (risk/simulate.py); `aftersales risk pool FILE…`: several
seeds' saved runs (`simulate --rows FILE`) as one population; `aftersales risk clusters`: linked
accounts."""

from django.core.management.base import BaseCommand, CommandError

from aftersales.risk import linking
from aftersales.risk.simulate import KeptRun, Report, pool, simulate


class Command(BaseCommand):
    help = "Risk: simulate a population through the real services; list linked accounts."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("simulate", help="run a seeded population and print the figures")
        run.add_argument("--buyers", type=int, default=1000)
        run.add_argument("--seed", type=int, default=1)
        run.add_argument(
            "--capacity", type=float, default=0.02, help="review capacity, share of requests"
        )
        run.add_argument("--keep", action="store_true", help="keep the rows (default: roll back)")
        run.add_argument("--rows", help="also write the run's per-request rows (JSON) to this file")
        pooled = sub.add_parser("pool", help="print the figures of several seeds' saved runs")
        pooled.add_argument("files", nargs="+", help="files written by simulate --rows")
        pooled.add_argument(
            "--capacity", type=float, default=0.02, help="review capacity, share of requests"
        )
        sub.add_parser("clusters", help="print the groups of linked accounts")

    def handle(self, *args, action: str, **options):
        if action == "clusters":
            for group in linking.clusters():
                self.stdout.write(" ".join(str(pk) for pk in sorted(group)))
            return
        if action == "pool":
            try:
                report = pool([Report.load(path) for path in options["files"]])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        else:
            try:
                report = simulate(
                    buyers=options["buyers"], seed=options["seed"], keep=options["keep"]
                )
            except KeptRun as exc:
                raise CommandError(str(exc)) from exc
            if options["rows"]:
                report.save(options["rows"])
        for line in report.lines(options["capacity"]):
            self.stdout.write(line)
