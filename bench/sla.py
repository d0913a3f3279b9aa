"""SLA benchmarks.

`rates` (default; no database): SLA due-time computations per second on one core — a target's
due time in business hours over the 2025–2026 calendar (holidays, 调休 working weekends), the
warning point, a whole complaint's clocks recomputed, and its status as the API shows it.

`queue`: render time of the desk's complaint queue over `--complaints` (default 100,000) open
complaints in PostgreSQL — p50 / p95 / max as served by Django in this process (view, queries,
template; no HTTP server in front), without and with its filters, plus the plans PostgreSQL
chose. It makes and drops its own database, aftersales_bench_complaints.

    .venv/bin/python bench/sla.py rates [--seconds 1.0]
    .venv/bin/python bench/sla.py queue [--complaints 100000] [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(1, str(REPO / "src"))

SH = ZoneInfo("Asia/Shanghai")
DB_NAME = "aftersales_bench_complaints"


def _rate(name: str, fn, inputs: list, seconds: float) -> None:
    n, calls, started = len(inputs), 0, time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for args in inputs:
            fn(*args)
        calls += n
    elapsed = time.perf_counter() - started
    print(f"{name:<58} {calls / elapsed:>12,.0f} /s")


def rates(seconds: float) -> None:
    os.environ.setdefault("AFTERSALES_VAR_DIR", tempfile.mkdtemp(prefix="aftersales-bench-sla-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.config.settings")
    import django

    django.setup()
    from aftersales.complaints import sla
    from aftersales.complaints.models import Complaint
    from aftersales.core import calendar as calendar_module
    from aftersales.core.calendar_data import calendar_from_library

    cal = calendar_from_library()
    calendar_module._cache["CN"] = (cal, float("inf"))  # the cached fast path, no database
    rng = random.Random(9)
    starts = [
        datetime(2025, 1, 1, tzinfo=SH) + timedelta(minutes=rng.randrange(690 * 24 * 60))
        for _ in range(1000)
    ]
    severities = ("general", "important", "major", "crisis")
    complaints = []
    for i, start in enumerate(starts):
        c = Complaint(
            channel="chat" if i % 5 == 0 else "hotline",
            severity=severities[i % 4],
            received_at=start,
            state="investigating",
        )
        if i % 3 == 0:  # answered once, the customer wrote again
            c.first_responded_at = start + timedelta(hours=1)
            c.awaiting_reply_since = start + timedelta(hours=5)
        if i % 7 == 0:
            c.paused_seconds = 3 * 3600
        complaints.append((c,))
    now = datetime(2026, 6, 1, 12, tzinfo=SH)
    print(f"{'computation':<58} {'rate':>12}")
    _rate(
        "policy_for(complaint, channel, severity)",
        lambda c: sla.policy_for("complaint", c.channel, c.severity),
        complaints,
        seconds,
    )
    _rate(
        "due(start, 9 h)  (one working day)",
        lambda s: sla.due(s, 9),
        [(s,) for s in starts],
        seconds,
    )
    _rate(
        "due(start, 63 h)  (7 working days, CP-06)",
        lambda s: sla.due(s, 63),
        [(s,) for s in starts],
        seconds,
    )
    _rate(
        "warning_at(start, 63 h)", lambda s: sla.warning_at(s, 63), [(s,) for s in starts], seconds
    )
    _rate("recompute(complaint)  (every running clock)", sla.recompute, complaints, seconds)
    _rate(
        "status(complaint)  (as the API shows it)",
        lambda c: sla.status(c, now=now),
        complaints,
        seconds,
    )


def _measure(client, path: str, requests: int) -> dict:
    for _ in range(20):
        assert client.get(path).status_code == 200
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    return {
        "path": path,
        "p50": statistics.median(times),
        "p95": times[int(len(times) * 0.95) - 1],
        "max": times[-1],
    }


def _seed(n: int, agent_ids: list[int]) -> None:
    from aftersales.accounts.models import Buyer
    from aftersales.complaints.models import Complaint
    from aftersales.core import clock

    now = clock.now()
    buyers = Buyer.objects.bulk_create(
        Buyer(external_id=f"bench-b-{i}", name="顾客") for i in range(5000)
    )
    states = ("received", "acknowledged", "investigating", "solution_proposed", "executing")
    severities = ("general",) * 6 + ("important",) * 2 + ("major", "crisis")
    channels = ("chat", "hotline", "app", "email", "social")
    batch = 5000
    for start in range(0, n, batch):
        rows = []
        for i in range(start, min(n, start + batch)):
            due = now + timedelta(minutes=(i * 7919) % (20 * 24 * 60)) - timedelta(days=5)
            rows.append(
                Complaint(
                    buyer=buyers[i % len(buyers)],
                    channel=channels[i % 5],
                    description="耳机坏了，很着急",
                    state=states[i % 5],
                    severity=severities[i % len(severities)],
                    received_at=now - timedelta(days=7, seconds=i),
                    first_responded_at=None if i % 2 else now - timedelta(days=6),
                    first_response_due_at=due,
                    resolution_due_at=due + timedelta(days=5),
                    sla_due_at=due,
                    assignee_id=agent_ids[i % len(agent_ids)] if i % 3 else None,
                )
            )
        Complaint.objects.bulk_create(rows)


def queue(n: int, requests: int) -> None:
    from bench._harness import fresh_database, machine_summary, migrate, server_env

    m = machine_summary()
    print(
        f"machine: {m['cores']} cores ({m['cpu']}), {m['memory']}; Python {m['python']}, "
        f"Django {m['django']}, PostgreSQL {m['postgresql']} (same machine)"
    )
    with fresh_database("postgres", name=DB_NAME) as db:
        env = server_env(
            db,
            baseline=False,
            DJANGO_SETTINGS_MODULE="aftersales.config.settings",
            ALLOWED_HOSTS="testserver",
            AFTERSALES_ENV="development",
        )
        migrate(env)
        os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
        import django

        django.setup()
        from django.db import connection
        from django.test import Client
        from tests import factories

        from aftersales.accounts.actors import actor_for_user
        from aftersales.accounts.models import Role
        from aftersales.complaints import selectors
        from aftersales.core import clock

        agents = [factories.user(Role.AGENT) for _ in range(20)]
        started = time.perf_counter()
        _seed(n, [a.pk for a in agents])
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"seeded {n:,} open complaints in {time.perf_counter() - started:.0f} s")
        desk = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        desk.force_login(agents[1])
        paths = [
            "/desk/complaints/",
            "/desk/complaints/?holder=mine",
            "/desk/complaints/?holder=unassigned&severity=crisis",
            "/desk/complaints/?overdue=1&channel=chat",
            "/desk/complaints/?state=investigating&severity=major",
        ]
        results = [_measure(desk, p, requests) for p in paths]
        print(f"{'page':<56} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for r in results:
            print(f"{r['path']:<56} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['max']:>8.1f}")
        actor = actor_for_user(agents[1])
        for label, filters in (
            ("all", {}),
            ("mine", {"holder": "mine"}),
            ("overdue chat", {"overdue": True, "channel": "chat"}),
        ):
            qs = selectors.desk_queue(actor, now=clock.now(), **filters)[:50]
            plan = qs.explain(analyze=True)
            scans = [ln.strip() for ln in plan.splitlines() if "Scan" in ln or "Execution" in ln]
            print(f"\nEXPLAIN ANALYZE ({label}):\n  " + "\n  ".join(scans))
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", nargs="?", default="rates", choices=("rates", "queue"))
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    if args.what == "rates":
        rates(args.seconds)
    else:
        queue(args.complaints, args.requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
