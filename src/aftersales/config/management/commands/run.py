"""`aftersales run`: the embedded default — migrate, then serve and work, supervised."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

STOP_TIMEOUT = 35.0  # gunicorn's graceful_timeout (30 s) plus a margin
POLL = 0.2


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM if the supervisor itself is killed, so a
    `kill -9` of `run` never leaves a server or worker behind."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _accepts_connections(host: str, port: int) -> bool:
    target = "127.0.0.1" if host in {"0.0.0.0", ""} else ("::1" if host == "::" else host)  # noqa: S104
    try:
        with socket.create_connection((target, port), timeout=0.5):
            return True
    except OSError:
        return False


class Command(BaseCommand):
    help = (
        "The embedded default: migrate, optionally load the demo data, then run `serve` and "
        "`worker` as two child processes until Ctrl-C or SIGTERM. If either dies, the other is "
        "stopped and run exits non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="127.0.0.1", help="Address to bind (default 127.0.0.1)."
        )
        parser.add_argument("--port", type=int, default=8000, help="Port to bind (default 8000).")
        parser.add_argument(
            "--demo", action="store_true", help="Load the demo data (idempotent) before serving."
        )

    def handle(self, *args, host: str, port: int, demo: bool, verbosity: int, **options):
        call_command("migrate", interactive=False, verbosity=verbosity)
        if demo:
            call_command("demo", verbosity=verbosity)
        connections.close_all()  # the children open their own

        self.received: int | None = None
        self.demo = demo
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        children: dict[str, subprocess.Popen] = {}
        try:
            children["web server"] = self._start("serve", "--host", host, "--port", str(port))
            children["worker"] = self._start("worker")
            failed = self._supervise(children, host, port)
        finally:
            self._stop(children)
            for s, handler in previous.items():
                signal.signal(s, handler)
        if failed is not None:
            name, code = failed
            raise CommandError(f"the {name} exited with status {code}; everything is stopped.")
        self.stdout.write("Aftersales stopped.")

    def _on_signal(self, signum, frame) -> None:
        self.received = signum

    def _start(self, *command: str) -> subprocess.Popen:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module, fixed arguments
            [sys.executable, "-m", "aftersales", *command],
            env=env,
            # Their own process group: a terminal's Ctrl-C reaches only this supervisor, which
            # then stops each child once, gracefully.
            process_group=0,
            preexec_fn=_die_with_parent,  # this process starts no threads, so preexec_fn is safe
        )

    def _supervise(self, children, host: str, port: int) -> tuple[str, int] | None:
        announced = False
        while self.received is None:
            for name, child in children.items():
                code = child.poll()
                if code is not None:
                    self.stderr.write(f"aftersales run: the {name} exited (status {code}).")
                    return name, code
            if not announced and _accepts_connections(host, port):
                announced = True
                self._announce(host, port, children, demo=self.demo)
            time.sleep(POLL)
        self.stdout.write(f"{signal.strsignal(self.received)}: stopping the web server and worker…")
        return None

    def _announce(self, host: str, port: int, children, *, demo: bool) -> None:
        url = f"http://{host}:{port}"
        pids = ", ".join(f"{name} pid {child.pid}" for name, child in children.items())
        database = settings.DATABASES["default"]
        where = database["NAME"] if database["ENGINE"].endswith("sqlite3") else database["ENGINE"]
        self.stdout.write(
            self.style.SUCCESS(f"Aftersales is running at {url}/")
            + f"\n  API       {url}/api/v1/  (docs {url}/api/v1/docs)"
            + f"\n  database  {where}"
            + f"\n  processes {pids}"
            + (
                "\n  logins    the demo logins are above (`aftersales demo` prints them again)"
                if demo
                else ""
            )
            + "\n  Ctrl-C stops it."
        )

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        alive = [c for c in children.values() if c.poll() is None]
        for child in alive:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in alive:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(
                    f"pid {child.pid} did not stop in {STOP_TIMEOUT:.0f} s; killing it."
                )
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)  # its own group: gunicorn's workers too
                child.wait()
