"""How the simulation counts a catch: per request, per abuser, and per instance of a pattern (a
ring's accounts are one instance: the desk sees the linked accounts of the one flagged)."""

from __future__ import annotations

from collections import Counter

from aftersales.risk.simulate import Report, render

SEGMENT = {"account_age": "new", "city_tier": "1", "category": "apparel", "shared_address": "none"}


def row(buyer: str, flagged: bool, *, group: str = "", kind: str = "ring") -> dict:
    return {"buyer": buyer, "group": group or buyer, "kind": kind, "abuser": kind != "honest",
            "abusive": kind != "honest", "segment": SEGMENT, "flagged": flagged,
            "review": flagged, "score": 70 if flagged else 0, "codes": []}  # fmt: skip


def ring_line(rows: list[dict]) -> list[str]:
    lines = render(Report(len(rows), len(rows), Counter(), rows), 0.02)
    return next(line for line in lines if line.strip().startswith("ring")).split()


def test_a_ring_with_one_account_flagged_is_one_instance_caught():
    rows = [row("a", True, group="dev-1"), row("b", False, group="dev-1"),
            row("c", False, group="dev-1"), row("h", False, kind="honest")]  # fmt: skip
    # pattern, requests, caught, abusers, caught, instances, caught
    assert ring_line(rows) == ["ring", "3", "33.3", "%", "3", "33.3", "%", "1", "100.0", "%"]


def test_two_rings_count_as_two_instances():
    rows = [row("a", True, group="dev-1"), row("b", False, group="dev-2")]
    assert ring_line(rows)[7:9] == ["2", "50.0"]
