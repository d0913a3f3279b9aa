"""`aftersales webhooks listen`: a tiny local receiver that verifies each delivery as an
integrator would (the `standardwebhooks` library) and prints one line per event — for trying
webhooks out on one machine, never a production receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

MAX_BODY_BYTES = 1_048_576


def describe(webhook_id: str, event: dict | None, verified: bool) -> str:
    """One line: webhook-id, type, case id, state, verified yes/no ('-' where unknown)."""
    data = (event or {}).get("data") or {}
    case_id = data.get("case_id")
    return "  ".join(
        [
            webhook_id or "-",
            str((event or {}).get("type") or "-"),
            f"case {case_id}" if case_id is not None else "case -",
            str(data.get("state") or "-"),
            f"verified {'yes' if verified else 'no'}",
        ]
    )


def receiver(
    secret: str, say: Callable[[str], None], *, host: str = "127.0.0.1", port: int = 0
) -> ThreadingHTTPServer:
    """A threaded server on (host, port) — port 0 picks a free one — answering 204 to a
    delivery whose signature verifies with `secret` and 401 to any other."""
    hook = Webhook(secret)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(min(length, MAX_BODY_BYTES))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                event = hook.verify(body, headers)
                verified = True
            except WebhookVerificationError:
                verified = False
                try:  # say what it claims to be, marked unverified
                    event = json.loads(body)
                except ValueError:
                    event = None
            with lock:
                say(describe(headers.get("webhook-id", ""), event, verified))
            self.send_response(204 if verified else 401)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass  # the one line per event above is the log

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
