"""`aftersales run`: the embedded default, started for real in a subprocess."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest

from tests.config.processes import (
    aftersales_env,
    descendants,
    free_port,
    http_get,
    wait_for_http,
    wait_for_text,
    wait_until_gone,
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def start_run(tmp_path, port: int) -> tuple[subprocess.Popen, object]:
    log = tmp_path / "run.log"
    out = log.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "aftersales", "run", "--port", str(port)],
        # Two web workers are plenty here and keep a small CI machine responsive.
        env=aftersales_env(tmp_path / "var", AFTERSALES_WEB_WORKERS="2"),
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    return process, log


def child_pids(log_text: str) -> dict[str, int]:
    match = re.search(r"web server pid (\d+), worker pid (\d+)", log_text)
    assert match, log_text
    return {"web": int(match.group(1)), "worker": int(match.group(2))}


def test_run_serves_web_and_api_then_ctrl_c_stops_both_children_and_exits_0(tmp_path):
    port = free_port()
    process, log = start_run(tmp_path, port)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", process=process)
        assert http_get(f"http://127.0.0.1:{port}/api/v1/openapi.json") == 200
        text = wait_for_text(log, "Aftersales is running at", process=process)
        assert f"http://127.0.0.1:{port}/" in text
        pids = child_pids(text)
        family = descendants(process.pid)  # web server, its gunicorn workers, the worker
        assert set(pids.values()) <= family
        assert len(family) >= 3

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
        print(log.read_text())  # shown when the test fails
    assert wait_until_gone(family) == set(), log.read_text()
    assert (tmp_path / "var" / "aftersales.sqlite3").exists()


def test_run_stops_everything_and_fails_when_a_child_dies(tmp_path):
    port = free_port()
    process, log = start_run(tmp_path, port)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", process=process)
        text = wait_for_text(log, "Aftersales is running at", process=process)
        family = descendants(process.pid)
        pids = child_pids(text)

        os.kill(pids["worker"], signal.SIGKILL)

        assert process.wait(timeout=60) != 0
    finally:
        if process.poll() is None:
            process.kill()
        print(log.read_text())  # shown when the test fails
    assert wait_until_gone(family) == set(), log.read_text()
    assert "the worker exited" in log.read_text()
