"""Eligibility decisions per second on one core, over a realistic mix, with and without explain.

The decision is a pure function: this measures it alone (no database, no HTTP), built from the
shipped cn-default rules and chinese-calendar's holidays. Run: `.venv/bin/python bench/policy.py`
(`--seconds 5`). Prints decisions/s and µs per decision for each mode."""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.config.settings")

import django

django.setup()

from aftersales.core.calendar_data import calendar_from_library  # noqa: E402
from aftersales.policy.compiled import CompiledPolicy  # noqa: E402
from aftersales.policy.decide import EligibilityRequest, History, LineFacts, decide  # noqa: E402
from aftersales.policy.document import DEFAULT_DOCUMENT, validate_document  # noqa: E402

ZONE = ZoneInfo("Asia/Shanghai")
# What buyers actually ask for, roughly: mostly no-reason returns and refunds, some quality.
MIX = [
    ("return_refund", "no_reason", 40),
    ("refund_only", "no_reason", 20),
    ("return_refund", "quality_issue", 10),
    ("exchange", "no_reason", 8),
    ("exchange", "quality_issue", 6),
    ("repair", "quality_issue", 5),
    ("reissue", "missing_parts", 4),
    ("price_protection", "price_drop", 4),
    ("refund_only", "not_received", 3),
]
CATEGORIES = [
    ("apparel", 35),
    ("electronics", 20),
    ("food", 10),
    ("cosmetics", 10),
    ("books", 8),
    ("home", 7),
    ("fresh", 5),
    ("customized", 5),
]
CONDITIONS = [
    ("unopened", 60),
    ("opened_intact", 25),
    ("tags_removed", 7),
    ("used", 5),
    ("seal_broken", 3),
]


def pick(rng: random.Random, weighted):
    return rng.choices(
        [w[:-1] if len(w) > 2 else w[0] for w in weighted], weights=[w[-1] for w in weighted]
    )[0]


def requests(n: int, seed: int = 7) -> list[EligibilityRequest]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 5, tzinfo=ZONE)
    out = []
    for i in range(n):
        type_, reason = pick(rng, MIX)
        category = pick(rng, CATEGORIES)
        placed = start + timedelta(minutes=rng.randrange(0, 300 * 24 * 60))
        shipped = placed + timedelta(hours=rng.randrange(2, 48))
        stage = rng.random()
        signed = shipped + timedelta(hours=rng.randrange(12, 96)) if stage > 0.1 else None
        quantity = rng.choice((1, 1, 1, 2, 3))
        price = Decimal(rng.randrange(990, 99_900)) / 100
        line = LineFacts(
            merchant=f"m-{i % 50}",
            line_id="1",
            sku=f"SKU-{i}",
            category=category,
            quantity=quantity,
            unit_price=price,
            paid_amount=price * quantity,
            currency="CNY",
            placed_at=placed,
            paid_at=placed + timedelta(minutes=1),
            customized=category == "customized",
            fresh_perishable=category == "fresh",
            warranty_months=12 if category == "electronics" else 0,
            shipped_at=shipped if stage > 0.05 else None,
            signed_at=signed,
            gifts_marked_price=Decimal("5.00") if rng.random() < 0.2 else Decimal("0.00"),
        )
        at = (signed or shipped) + timedelta(hours=rng.randrange(1, 24 * 20))
        out.append(
            EligibilityRequest(
                line=line,
                type=type_,
                reason=reason,
                quantity=rng.randint(1, quantity),
                at=at,
                condition=pick(rng, CONDITIONS),
                history=History(),
                new_unit_price=price * Decimal("0.9") if type_ == "price_protection" else None,
            )
        )
    return out


def run(batch, policy, calendar, *, explain: bool, seconds: float) -> tuple[int, float]:
    done, began = 0, time.perf_counter()
    deadline = began + seconds
    while time.perf_counter() < deadline:
        for request in batch:
            decide(request, policy, calendar, ZONE, explain=explain)
        done += len(batch)
    return done, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    policy = CompiledPolicy("cn-default@1", validate_document(DEFAULT_DOCUMENT))
    calendar = calendar_from_library()
    batch = requests(args.requests)
    eligible = sum(decide(r, policy, calendar, ZONE).eligible for r in batch)
    print(
        f"policy decisions — Python {platform.python_version()}, one core, "
        f"{len(batch)} distinct requests ({eligible / len(batch):.0%} eligible)"
    )
    print(f"{'mode':<16}{'decisions':>12}{'per second':>14}{'µs each':>10}")
    for explain in (False, True):
        run(batch[:500], policy, calendar, explain=explain, seconds=0.5)  # warm caches
        done, took = run(batch, policy, calendar, explain=explain, seconds=args.seconds)
        mode = "with explain" if explain else "without explain"
        print(f"{mode:<16}{done:>12,}{done / took:>14,.0f}{took / done * 1e6:>10.1f}")


if __name__ == "__main__":
    main()
