"""Shared helpers for the benchmarks in bench/: a fresh database, the production server on it,
a fixed-time closed-loop HTTP load, and a plain table of the figures.

Standard library only (plus psycopg, already a dependency, to drop/create the PostgreSQL
database), so a benchmark runs from `make bench` with nothing more to install.

A typical benchmark:

    with fresh_database("sqlite") as db:
        env = server_env(db)
        migrate(env)
        token = create_merchant_token(env, "m-bench", "压测商家")
        with Server(env) as server:
            result = run_load(server.address, make_request, name="orders", clients=8, seconds=15)
        print_table("SQLite", [result])
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import http.client
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
AFTERSALES = [PYTHON, "-m", "aftersales"]
PORTS = range(8200, 8300)  # the benchmarks' share of the machine's ports
PG_ADMIN_URL = os.environ.get("AFTERSALES_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
# Used only when gunicorn is started directly (no `aftersales serve` yet): serve's defaults.
DEFAULT_WORKERS = min(2 * (os.cpu_count() or 1) + 1, 8)
DEFAULT_THREADS = 4

# Variables of the caller's shell that would point the server somewhere else.
_SCRUBBED = ("DATABASE_URL", "REDIS_URL", "AFTERSALES_VAR_DIR", "DJANGO_SETTINGS_MODULE")


# --- Databases ---------------------------------------------------------------------------------


@dataclass
class Database:
    kind: str  # "sqlite" | "postgres"
    var_dir: Path  # AFTERSALES_VAR_DIR (the SQLite file, media, static live here)
    url: str | None  # DATABASE_URL, None for the SQLite default under var_dir
    name: str | None = None  # the PostgreSQL database's name

    @property
    def label(self) -> str:
        return "SQLite" if self.kind == "sqlite" else "PostgreSQL"


@contextlib.contextmanager
def fresh_database(kind: str, name: str = "aftersales_bench") -> Iterator[Database]:
    """A new, empty database for one run: a SQLite file in a temporary AFTERSALES_VAR_DIR, or
    the PostgreSQL database `name` (aftersales_bench*) dropped and created again, held under a
    file lock so that a second run on the same machine waits instead of dropping it. The
    temporary directory goes afterwards; the PostgreSQL database is dropped too (unless
    AFTERSALES_BENCH_KEEP_DB is set)."""
    if kind not in {"sqlite", "postgres"}:
        raise ValueError(f"unknown database kind {kind!r}")
    if kind == "postgres" and not name.startswith("aftersales_bench"):
        raise ValueError("benchmarks only touch databases named aftersales_bench*")
    var_dir = Path(tempfile.mkdtemp(prefix=f"aftersales-bench-{kind}-"))
    url = None
    lock = None
    try:
        if kind == "postgres":
            # Two runs at once would drop each other's database: the second one waits.
            lock = open(Path(tempfile.gettempdir()) / f"{name}.lock", "w")  # noqa: SIM115
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print(f"  (another benchmark is using {name}; waiting for it)", flush=True)
                fcntl.flock(lock, fcntl.LOCK_EX)
            _pg_recreate(name)
            url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        yield Database(
            kind=kind, var_dir=var_dir, url=url, name=name if kind == "postgres" else None
        )
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
        if kind == "postgres" and not os.environ.get("AFTERSALES_BENCH_KEEP_DB"):
            with contextlib.suppress(Exception):
                _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if lock is not None:
            lock.close()  # releases the flock


def _pg_execute(sql: str, database: str | None = None) -> None:
    import psycopg

    url = PG_ADMIN_URL if database is None else PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def analyze(db: Database) -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would give a live database
    within a minute; without them PostgreSQL plans over the empty tables it saw at migrate."""
    if db.name:
        _pg_execute("ANALYZE", db.name)


def _pg_recreate(name: str) -> None:
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_execute(f'CREATE DATABASE "{name}"')


def server_env(db: Database, *, baseline: bool = True, **extra: str) -> dict[str, str]:
    """The environment of a production deployment on `db`: AFTERSALES_ENV=production with
    throwaway secrets, plain HTTP on 127.0.0.1 (no SSL redirect), warnings-only logs, and the
    bench/baseline app when `baseline` (the repository root goes on PYTHONPATH for it)."""
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update(
        AFTERSALES_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        AFTERSALES_PII_KEYS=Fernet.generate_key().decode(),
        AFTERSALES_PII_HASH_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        AFTERSALES_SSL_REDIRECT="false",
        AFTERSALES_LOG_LEVEL="WARNING",
        AFTERSALES_VAR_DIR=str(db.var_dir),
        PYTHONPATH=os.pathsep.join(
            p for p in [str(REPO), str(REPO / "src"), os.environ.get("PYTHONPATH", "")] if p
        ),
        PYTHONUNBUFFERED="1",
    )
    if db.url:
        env["DATABASE_URL"] = db.url
    if baseline:
        env["AFTERSALES_BENCH_BASELINE"] = "1"
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run `aftersales ARGS…` (a management command) in `env`; output captured."""
    proc = subprocess.run(
        [*AFTERSALES, *args], env=env, cwd=REPO, capture_output=True, text=True, check=False
    )
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"`aftersales {' '.join(args)}` failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}"
        )
    return proc


def migrate(env: dict[str, str]) -> None:
    manage(env, "migrate", "--no-input", "-v", "0")


def has_command(env: dict[str, str], name: str) -> bool:
    listing = manage(env, "help", "--commands", check=False).stdout.split()
    return name in listing


_TOKEN_RE = re.compile(r"\bas_[A-Za-z0-9_\-]{20,}")

_SNIPPET = """
import django; django.setup()
from aftersales.accounts.models import Merchant, TokenScope
from aftersales.accounts.tokens import issue_token
m, _ = Merchant.objects.get_or_create(code={code!r}, defaults={{"name": {name!r}}})
print(issue_token(scope=TokenScope.MERCHANT, merchant=m, name="bench").raw)
"""


def create_merchant_token(env: dict[str, str], code: str, name: str) -> tuple[str, str]:
    """A merchant and a merchant token: through `aftersales merchant create` and `aftersales
    token create` when those commands exist, else directly through the accounts code. Returns
    (raw token, how it was made)."""
    if has_command(env, "merchant") and has_command(env, "token"):
        manage(env, "merchant", "create", code, "--name", name)
        out = manage(env, "token", "create", "--merchant", code)
        how = "aftersales merchant create + aftersales token create"
        text = out.stdout + out.stderr
    else:
        env = {**env, "DJANGO_SETTINGS_MODULE": "aftersales.config.settings"}
        out = subprocess.run(
            [PYTHON, "-c", _SNIPPET.format(code=code, name=name)],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        how = "accounts.tokens.issue_token (the CLI commands do not exist yet)"
        text = out.stdout
    match = _TOKEN_RE.search(text)
    if not match:
        raise RuntimeError(f"no token in the output:\n{text}")
    return match.group(0), how


# --- The server --------------------------------------------------------------------------------


def free_port() -> int:
    for port in random.sample(list(PORTS), len(PORTS)):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8200-8299")


class Server:
    """The production server on 127.0.0.1: `aftersales serve` (gunicorn, gthread workers) when
    that command exists, else gunicorn started directly on the same WSGI application.
    `with Server(env) as s:` starts it, waits for /healthz, and stops it (SIGTERM, then
    SIGKILL) at the end. workers/threads None means the server's own defaults."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int | None = None,
        threads: int | None = None,
        port: int | None = None,
    ) -> None:
        self.env = env
        self.workers = workers
        self.threads = threads
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(env["AFTERSALES_VAR_DIR"]) / "server.log"
        self.via_serve = has_command(env, "serve")

    @property
    def pgid(self) -> int | None:
        return self.proc.pid if self.proc else None  # started in its own session

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def worker_count(self) -> int:
        """gunicorn's worker processes now running (the processes of the group but the master)."""
        if not self.pgid:
            return 0
        count = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == self.pgid and int(stat.parent.name) != self.pgid:
                count += 1
        return count

    @property
    def description(self) -> str:
        threads = self.threads or (
            f"{self.env.get('AFTERSALES_WEB_THREADS', DEFAULT_THREADS)} (serve's default)"
            if self.via_serve
            else DEFAULT_THREADS
        )
        how = "aftersales serve" if self.via_serve else "gunicorn -k gthread (direct)"
        return (
            f"{how}, {self.worker_count() or self.workers or '?'} workers × {threads} threads, "
            "AFTERSALES_ENV=production"
        )

    def command(self) -> list[str]:
        bind = ["--port", str(self.port)]
        if self.via_serve:
            cmd = [*AFTERSALES, "serve", "--host", "127.0.0.1", *bind]
            if self.workers:
                cmd += ["--workers", str(self.workers)]
            if self.threads:
                cmd += ["--threads", str(self.threads)]
            return cmd
        return [
            str(VENV_BIN / "gunicorn"),
            "aftersales.config.wsgi:application",
            "-k",
            "gthread",
            "--workers",
            str(self.workers or DEFAULT_WORKERS),
            "--threads",
            str(self.threads or DEFAULT_THREADS),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--keep-alive",
            "5",
            "--log-level",
            "warning",
        ]

    def start(self, timeout: float = 30.0) -> None:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.command(),
            env=self.env,
            cwd=REPO,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_healthy(self.address, timeout=timeout, proc=self.proc)
        except Exception:
            self.stop()
            raise RuntimeError(f"the server did not come up:\n{self.log_tail()}") from None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_healthy(
    address: tuple[str, int],
    *,
    path: str = "/healthz",
    timeout: float = 30.0,
    proc: subprocess.Popen | None = None,
) -> None:
    """Poll GET `path` until it answers 200, the process dies, or `timeout` passes."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(*address, timeout=2)
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status == 200:
                return
            last = resp.status
        except OSError as exc:
            last = exc
        time.sleep(0.2)
    raise TimeoutError(f"{path} not healthy after {timeout}s (last: {last})")


# --- CPU accounting ---------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) used so far by process group `pgid`: its live processes,
    plus the children the leader has reaped (gunicorn recycles workers: max_requests)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # After the command name: fields[0] is stat field 3 (state), so field n is [n - 3].
        if int(fields[2]) == pgid:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
            if int(stat.parent.name) == pgid:
                total += int(fields[13]) + int(fields[14])  # cutime, cstime: reaped children
    return total / _TICK


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return (total - idle) / _TICK, total / _TICK


def background_load(seconds: float = 1.0) -> float:
    """Cores busy on the machine over `seconds` while this process sleeps: other work that will
    compete with the benchmark (a shared machine shows it here)."""
    a = _machine_busy()[0]
    time.sleep(seconds)
    return (_machine_busy()[0] - a) / seconds


def wait_for_quiet(
    *, threshold: float = 0.3, timeout: float = 60.0, log: Callable[[str], None] = print
) -> float:
    """On a shared machine, wait (up to `timeout` s) until other processes keep fewer than
    `threshold` cores busy for two seconds running, so they do not eat into the figures.
    Returns the last background reading; says so when it gave up."""
    if timeout <= 0:
        return 0.0
    deadline = time.monotonic() + timeout
    started = time.monotonic()
    quiet = 0
    load = background_load()
    while time.monotonic() < deadline:
        quiet = quiet + 1 if load < threshold else 0
        if quiet >= 2:
            waited = time.monotonic() - started
            if waited > 3:
                log(f"  (waited {waited:.0f} s for other processes to settle)")
            return load
        load = background_load()
    log(
        f"  WARNING: other processes still keep {load:.2f} cores busy after {timeout:.0f} s; "
        "the figures below share the machine with them"
    )
    return load


def _pg_backends_cpu(dbname: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving database `dbname` (their command
    line reads `postgres: USER DBNAME HOST(PORT) STATE`)."""
    found: dict[int, float] = {}
    needle = f" {dbname} ".encode()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if not cmdline.read_bytes().startswith(b"postgres:") or needle not in (
                cmdline.read_bytes()
            ):
                continue
            fields = (cmdline.parent / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        found[int(cmdline.parent.name)] = (int(fields[11]) + int(fields[12])) / _TICK
    return found


@dataclass
class CpuSnapshot:
    wall: float
    client: float
    server: float
    busy: float
    database: dict[int, float] = field(default_factory=dict)

    @classmethod
    def take(cls, server_pgid: int | None, database: str | None = None) -> CpuSnapshot:
        return cls(
            wall=time.perf_counter(),
            client=time.process_time(),
            server=_group_cpu(server_pgid) if server_pgid else 0.0,
            busy=_machine_busy()[0],
            database=_pg_backends_cpu(database) if database else {},
        )


@dataclass
class CpuUse:
    """CPU seconds per wall second over the measured window (1.0 = one core busy)."""

    client: float
    server: float
    machine: float
    database: float | None = None  # PostgreSQL backends of the benchmark's database

    @classmethod
    def between(cls, a: CpuSnapshot, b: CpuSnapshot, with_database: bool = False) -> CpuUse:
        wall = max(b.wall - a.wall, 1e-9)
        # Per backend, so one that exits in the window (worker recycled) only loses its share.
        db = sum(cpu - a.database.get(pid, 0.0) for pid, cpu in b.database.items())
        return cls(
            client=(b.client - a.client) / wall,
            server=(b.server - a.server) / wall,
            machine=(b.busy - a.busy) / wall,
            database=db / wall if with_database else None,
        )

    def describe(self, cores: int | None = None) -> str:
        cores = cores or os.cpu_count() or 1
        parts = [f"load generator {self.client:.2f}", f"server {self.server:.2f}"]
        rest = self.machine - self.client - self.server
        if self.database is not None:
            parts.append(f"PostgreSQL backends {self.database:.2f}")
            rest -= self.database
            parts.append(f"everything else (WAL writer, other processes) {max(rest, 0):.2f}")
        else:
            parts.append(f"everything else (other processes) {max(rest, 0):.2f}")
        return f"CPU, cores busy of {cores}: " + ", ".join(parts) + f"; machine {self.machine:.2f}"


# --- The load ----------------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = ""  # a label for the status table, e.g. "create" / "update"


# make_request(client_index, sequence_number, rng) -> Request
RequestMaker = Callable[[int, int, random.Random], Request]


@dataclass
class LoadResult:
    name: str
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, measured window only
    statuses: Counter = field(default_factory=Counter)  # (kind, status) -> count, measured
    errors: int = 0  # non-2xx and connection failures in the measured window
    error_samples: dict[str, str] = field(default_factory=dict)  # status -> first body seen
    warmup_requests: int = 0
    cpu: CpuUse | None = None

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """The q-th percentile latency in milliseconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank] * 1000

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


def run_load(
    address: tuple[str, int],
    make_request: RequestMaker,
    *,
    name: str,
    clients: int = 8,
    seconds: float = 15.0,
    warmup: float = 2.0,
    seed: int = 1,
    server_pgid: int | None = None,
    database: str | None = None,
) -> LoadResult:
    """A closed loop: `clients` threads, each with its own keep-alive connection, each sending
    its next request as soon as the previous answer is read, for `warmup` + `seconds`.
    Only requests that start after the warm-up and finish inside the window are counted;
    req/s is that count over `seconds`. Non-2xx answers and connection failures are errors.
    With `server_pgid`, the CPU used by the server's processes in the window is measured too;
    with `database` (a PostgreSQL database name), that of its backends."""
    result = LoadResult(name=name, clients=clients, seconds=seconds)
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)
    t0 = [0.0]

    def client(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        conn = http.client.HTTPConnection(*address, timeout=60)
        latencies: list[float] = []
        statuses: Counter = Counter()
        samples: dict[str, str] = {}
        errors = warm = seq = 0
        ready.wait()
        start_measure = t0[0] + warmup
        end = start_measure + seconds
        while True:
            req = make_request(index, seq, rng)
            seq += 1
            began = time.perf_counter()
            if began >= end:
                break
            status: str
            try:
                conn.request(req.method, req.path, body=req.body, headers=req.headers)
                resp = conn.getresponse()
                body = resp.read()
                status = str(resp.status)
                if resp.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                status, body = "conn-error", repr(exc).encode()
                conn.close()
                conn = http.client.HTTPConnection(*address, timeout=60)
            finished = time.perf_counter()
            if began < start_measure:
                warm += 1
                continue
            if finished > end:
                break
            latencies.append(finished - began)
            statuses[(req.kind, status)] += 1
            if not status.startswith("2"):
                errors += 1
                samples.setdefault(status, body[:300].decode(errors="replace"))
        conn.close()
        with lock:
            result.latencies.extend(latencies)
            result.statuses.update(statuses)
            result.errors += errors
            result.warmup_requests += warm
            for k, v in samples.items():
                result.error_samples.setdefault(k, v)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    t0[0] = time.perf_counter()
    ready.wait()
    time.sleep(max(0.0, t0[0] + warmup - time.perf_counter()))
    before = CpuSnapshot.take(server_pgid, database)
    time.sleep(max(0.0, t0[0] + warmup + seconds - time.perf_counter()))
    after = CpuSnapshot.take(server_pgid, database)
    for t in threads:
        t.join()
    result.cpu = CpuUse.between(before, after, with_database=database is not None)
    return result


def json_request(
    path: str, payload: object, *, token: str | None = None, kind: str = "", method: str = "POST"
) -> Request:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Request(method=method, path=path, body=body, headers=headers, kind=kind)


# --- Output ------------------------------------------------------------------------------------


def print_table(title: str, results: list[LoadResult], file=None) -> None:
    """endpoint | requests | req/s | p50 ms | p99 ms | errors — one row per result."""
    out = file or sys.stdout
    rows = [("endpoint", "requests", "req/s", "p50 ms", "p99 ms", "errors")]
    for r in results:
        err = f"{r.errors}" + (f" ({r.error_rate:.1%})" if r.errors else "")
        rows.append((r.name, str(r.requests), f"{r.rps:.1f}", f"{r.p50:.1f}", f"{r.p99:.1f}", err))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print(f"\n== {title}", file=out)
    for n, row in enumerate(rows):
        rest = zip(row[1:], widths[1:], strict=True)
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in rest]
        print("  " + "  ".join(cells), file=out)
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths), file=out)
    for r in results:
        mix = ", ".join(
            f"{kind + ' ' if kind else ''}{status}: {count}"
            for (kind, status), count in sorted(r.statuses.items())
        )
        print(f"  {r.name} statuses: {mix or '-'}", file=out)
        if r.cpu:
            print(f"  {r.name} {r.cpu.describe()}", file=out)
        for status, sample in r.error_samples.items():
            print(f"  {r.name} ERROR {status}: {sample}", file=out)
    out.flush()


def _version(module: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module)
    except PackageNotFoundError:
        return "?"


def machine_summary() -> dict[str, str]:
    """What the figures depend on: cores, memory, CPU, and the versions in the stack."""
    import sqlite3

    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    pg = "?"
    with contextlib.suppress(Exception):
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            pg = conn.execute("SHOW server_version").fetchone()[0]
    return {
        "cores": str(os.cpu_count()),
        "memory": mem,
        "cpu": cpu,
        "python": platform.python_version(),
        "django": _version("django"),
        "django-ninja": _version("django-ninja"),
        "gunicorn": _version("gunicorn"),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg,
    }


def print_machine(clients: int, file=None) -> None:
    m = machine_summary()
    out = file or sys.stdout
    print(
        f"machine: {m['cores']} cores ({m['cpu']}), {m['memory']}; Python {m['python']}, "
        f"Django {m['django']}, django-ninja {m['django-ninja']}, gunicorn {m['gunicorn']}, "
        f"SQLite {m['sqlite']}, PostgreSQL {m['postgresql']}",
        file=out,
    )
    print(
        f"note: the load generator ({clients} client threads in this process) runs on the same "
        f"{m['cores']} cores as the server and the database, so the figures are a floor, "
        "not the server's capacity.",
        file=out,
    )
