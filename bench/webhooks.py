"""Webhook deliveries per second to a local receiver, and the sender's CPU per delivery.

A fresh database (SQLite under a temporary directory by default; `DATABASE_URL` for
PostgreSQL — use a database of your own, it is migrated and filled), one merchant with one
endpoint, N outbox messages published in one `publish_many`. Then, timed apart: the fan-out
(`drain_outbox`: the outbox rows → one delivery row each) and the sending (`send_due` until
nothing is due: claim, sign with standardwebhooks, POST in the thread pool, record). The
receiver is a separate process (a threaded http.server answering 200 at once), so the CPU
figures are the sender's alone (user + system of this process).

    .venv/bin/python bench/webhooks.py [--messages 2000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

RECEIVER = r"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200); self.send_header("content-length", "2"); self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a): pass
s = ThreadingHTTPServer(("127.0.0.1", 0), H); s.daemon_threads = True
print(s.server_address[1], flush=True); s.serve_forever()
"""


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    var = tempfile.mkdtemp(prefix="aftersales-bench-webhooks-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="aftersales.config.settings",
        AFTERSALES_ENV="development",
        AFTERSALES_VAR_DIR=var,
        AFTERSALES_LOG_LEVEL="WARNING",
        AFTERSALES_WEBHOOK_CONCURRENCY=str(args.concurrency),
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from aftersales.accounts.actors import SYSTEM_ACTOR
    from aftersales.accounts.models import Merchant
    from aftersales.notify import delivery, services, webhooks
    from aftersales.notify.models import WebhookDelivery
    from aftersales.notify.outbox import Message, publish_many

    call_command("migrate", verbosity=0)
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    try:
        port = int(receiver.stdout.readline())
        merchant, _ = Merchant.objects.get_or_create(
            code="m-bench-webhooks", defaults={"name": "b"}
        )
        services.register_endpoint(
            actor=SYSTEM_ACTOR, url=f"http://127.0.0.1:{port}/hook", merchant=merchant.code
        )
        publish_many(
            Message(
                "case.state_changed",
                {
                    "case_id": i,
                    "merchant": merchant.code,
                    "order": f"TB{i:08d}",
                    "type": "return_refund",
                    "state": "approved",
                    "action": "approve",
                    "from_state": "requested",
                    "to_state": "approved",
                    "actor": "merchant",
                    "seq": 2,
                },
                merchant.pk,
                subject=f"case:{i}",
            )
            for i in range(args.messages)
        )
        t0, c0 = time.perf_counter(), cpu()
        fanned = delivery.drain_outbox(limit=10**9)
        t1, c1 = time.perf_counter(), cpu()
        sent = webhooks.SendResult()
        while True:
            r = webhooks.send_due(rounds=100)
            sent.succeeded += r.succeeded
            sent.failed += r.failed
            if not r:
                break
        t2, c2 = time.perf_counter(), cpu()
        assert fanned == args.messages, fanned
        ok = WebhookDelivery.objects.filter(state="succeeded").count()
    finally:
        receiver.kill()
        receiver.wait()

    print(
        f"machine: {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs (shared), database {connection.vendor}"
    )
    print(f"messages {args.messages}, sender threads {args.concurrency}")
    print(
        f"fan-out : {fanned / (t1 - t0):8.0f} messages/s  "
        f"({(c1 - c0) / fanned * 1000:.2f} ms CPU per message)"
    )
    print(
        f"delivery: {sent.succeeded / (t2 - t1):8.0f} deliveries/s  "
        f"({(c2 - c1) / max(sent.succeeded, 1) * 1000:.2f} ms CPU per delivery), "
        f"{ok} succeeded, {sent.failed} failed"
    )


if __name__ == "__main__":
    main()
