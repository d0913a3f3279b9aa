"""`aftersales serve`: gunicorn with gthread workers, sized from the CPUs or the environment."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from django.core.management.base import CommandError

from aftersales.config.management.commands import serve
from tests.config.processes import aftersales, aftersales_env, free_port, wait_for_http


def test_defaults_follow_the_cpu_count(monkeypatch):
    monkeypatch.delenv("AFTERSALES_WEB_WORKERS", raising=False)
    monkeypatch.delenv("AFTERSALES_WEB_THREADS", raising=False)
    monkeypatch.setattr(serve, "cpu_count", lambda: 2)
    assert serve.default_workers() == 5
    assert serve.default_threads() == serve.THREADS_PER_WORKER
    monkeypatch.setattr(serve, "cpu_count", lambda: 64)
    assert serve.default_workers() == serve.MAX_DEFAULT_WORKERS


def test_the_environment_sets_workers_and_threads(monkeypatch):
    monkeypatch.setenv("AFTERSALES_WEB_WORKERS", "3")
    monkeypatch.setenv("AFTERSALES_WEB_THREADS", "16")
    assert (serve.default_workers(), serve.default_threads()) == (3, 16)


@pytest.mark.parametrize("value", ["0", "many", "-1"])
def test_a_bad_worker_count_in_the_environment_is_refused(monkeypatch, value):
    monkeypatch.setenv("AFTERSALES_WEB_WORKERS", value)
    with pytest.raises(CommandError, match="AFTERSALES_WEB_WORKERS"):
        serve.default_workers()


def test_gunicorn_runs_threaded_workers_with_the_access_log_on_stdout():
    options = serve.gunicorn_options(host="::1", port=8123, workers=2, threads=8)
    assert options["bind"] == "[::1]:8123"
    assert options["worker_class"] == "gthread"
    assert (options["workers"], options["threads"]) == (2, 8)
    assert options["accesslog"] == "-"
    app = serve.AftersalesServer(options)
    assert app.cfg.worker_class_str == "gthread"
    assert app.cfg.threads == 8


def test_serve_answers_logs_each_request_and_stops_on_sigterm(tmp_path):
    env = aftersales_env(tmp_path / "var")
    assert aftersales("migrate", "--verbosity", "0", env=env).returncode == 0
    port = free_port()
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "aftersales", "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", process=process)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=40) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert '"GET /healthz HTTP/1.1" 200' in out.read_text()
    assert "Using worker: gthread" in err.read_text()
