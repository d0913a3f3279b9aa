"""`aftersales webhooks listen`: watch signed deliveries arrive on this machine."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from aftersales.notify.demo import DEMO_WEBHOOK_PORT, DEMO_WEBHOOK_SECRET
from aftersales.notify.listen import receiver


class Command(BaseCommand):
    help = "Local webhook tools for trying the integration out."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        listen = sub.add_parser(
            "listen",
            help="receive deliveries on 127.0.0.1, verify each (204 if signed, else 401) and "
            "print one line per event",
        )
        listen.add_argument(
            "--port", type=int, default=DEMO_WEBHOOK_PORT, help=f"(default {DEMO_WEBHOOK_PORT})"
        )
        listen.add_argument(
            "--secret",
            default=DEMO_WEBHOOK_SECRET,
            help="the endpoint's whsec_… secret (default: the demo endpoint's)",
        )

    def handle(self, *args, action: str, port: int, secret: str, **options):
        def say(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        server = receiver(secret, say, port=port)
        host, bound = server.server_address[:2]
        say(f"listening on http://{host}:{bound}/ — Ctrl-C stops")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
