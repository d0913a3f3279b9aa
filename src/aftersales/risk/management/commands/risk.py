"""`aftersales risk simulate --buyers N --seed S`: the risk engine on a seeded synthetic
population, through the real services (risk/simulate.py); `aftersales risk clusters`: linked
accounts."""

from django.core.management.base import BaseCommand

from aftersales.risk import linking
from aftersales.risk.simulate import simulate


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
        sub.add_parser("clusters", help="print the groups of linked accounts")

    def handle(self, *args, action: str, **options):
        if action == "clusters":
            for group in linking.clusters():
                self.stdout.write(" ".join(str(pk) for pk in sorted(group)))
            return
        report = simulate(buyers=options["buyers"], seed=options["seed"], keep=options["keep"])
        for line in report.lines(options["capacity"]):
            self.stdout.write(line)
