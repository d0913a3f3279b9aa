"""`aftersales serve`: the web pages and the API on gunicorn (threaded workers), not runserver."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from gunicorn.app.base import BaseApplication

THREADS_PER_WORKER = 4
MAX_DEFAULT_WORKERS = 8


def cpu_count() -> int:
    """CPUs this process may use (a container's cpuset, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers() -> int:
    # gthread workers: processes for the CPUs, threads for the waits on the database.
    fallback = min(2 * cpu_count() + 1, MAX_DEFAULT_WORKERS)
    return _positive_env("AFTERSALES_WEB_WORKERS", fallback)


def default_threads() -> int:
    return _positive_env("AFTERSALES_WEB_THREADS", THREADS_PER_WORKER)


def _positive_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise CommandError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise CommandError(f"{name} must be at least 1")
    return value


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError("must be at least 1")
    return value


class AftersalesServer(BaseApplication):
    """gunicorn embedded: options from the command line, the app from config/wsgi.py."""

    def __init__(self, options: dict[str, object]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from aftersales.config.wsgi import application

        return application


def gunicorn_options(*, host: str, port: int, workers: int, threads: int) -> dict[str, object]:
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": "-",  # stdout
        "errorlog": "-",  # stderr
        "timeout": 60,
        "graceful_timeout": 30,
        "keepalive": 5,
        # Recycle workers now and then so a slow leak never grows without bound.
        "max_requests": 2000,
        "max_requests_jitter": 200,
        "proc_name": "aftersales-web",
        # gunicorn ≥25 opens a control socket at one fixed path per user; two servers on one
        # machine would fight over it, and nothing here uses it.
        "control_socket_disable": True,
    }


class Command(BaseCommand):
    help = "Serve the web pages and the API on gunicorn (gthread workers; access log on stdout)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="127.0.0.1", help="Address to bind (default 127.0.0.1)."
        )
        parser.add_argument("--port", type=int, default=8000, help="Port to bind (default 8000).")
        parser.add_argument(
            "--workers",
            type=_positive,
            default=None,
            help="Worker processes (default: AFTERSALES_WEB_WORKERS, else 2 × CPUs + 1, at most "
            f"{MAX_DEFAULT_WORKERS}).",
        )
        parser.add_argument(
            "--threads",
            type=_positive,
            default=None,
            help="Threads per worker (default: AFTERSALES_WEB_THREADS, else "
            f"{THREADS_PER_WORKER}).",
        )

    def handle(self, *args, host: str, port: int, workers, threads, **options):
        options = gunicorn_options(
            host=host,
            port=port,
            workers=workers or default_workers(),
            threads=threads or default_threads(),
        )
        # Connections opened so far (system checks) must not be shared by forked workers.
        connections.close_all()
        AftersalesServer(options).run()
