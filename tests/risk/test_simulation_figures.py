"""How the simulation counts a catch: per request, per abuser, and per instance of a pattern (a
ring's accounts are one instance: the desk sees the linked accounts of the one flagged); how it
reads segment parity; how several seeds' runs are pooled."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command

from aftersales.risk.simulate import (
    PARITY_PRIOR,
    PARITY_RATIO,
    Report,
    parity,
    pool,
    render,
    smoothed,
    wilson,
)

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


# How segment parity is read: cells with few requests are not judged, a cell with no false
# positive is smoothed toward the overall rate (not 0 %), a gap beyond noise is named.


def test_the_wilson_interval_of_nothing_found_is_not_a_point_at_zero():
    low, high = wilson(0, 50)
    assert low == 0.0 and 0.05 < high < 0.08


def test_a_cell_with_nothing_flagged_is_smoothed_toward_the_overall_rate():
    assert smoothed(0, PARITY_PRIOR, 0.02) == 0.01


def test_cells_with_too_few_honest_requests_are_not_judged():
    judged = parity({"dormitory": (3, 57), "none": (12, 1337)}, 15 / 1394)
    assert (judged.too_few, judged.ratio) == (["dormitory"], None)


def test_two_cells_within_twice_each_other_meet_parity():
    judged = parity({"apparel": (9, 700), "home": (4, 500)}, 13 / 1200)
    assert judged.verdict == "met"


def test_a_gap_the_intervals_cannot_explain_is_beyond_noise():
    judged = parity({"apparel": (60, 1000), "home": (2, 1000)}, 62 / 2000)
    assert judged.beyond_noise == [("apparel", "home")]
    assert judged.verdict == "NOT met, beyond noise"


def test_a_gap_on_a_handful_of_false_positives_is_within_noise():
    judged = parity({"food": (5, 187), "home": (0, 224)}, 5 / 411)
    assert judged.ratio > PARITY_RATIO and judged.beyond_noise == []


def test_segments_with_no_false_positive_at_all_are_at_parity():
    assert parity({"1": (0, 300), "2": (0, 400)}, 0.0).verdict == "met"


def test_each_cells_false_positives_are_shown_with_the_reasons_that_flagged_them():
    food = {**SEGMENT, "category": "food"}
    rows = [{**row("h1", True, kind="honest"), "codes": ["RS-09"], "segment": food},
            {**row("h2", True, kind="honest"), "codes": ["RS-01", "RS-02"]},
            {**row("h3", True, kind="honest"), "codes": ["RS-01", "RS-02"]},
            row("h4", False, kind="honest")]  # fmt: skip
    lines = render(Report(len(rows), len(rows), Counter(), rows), 0.02)
    by_category = lines[lines.index(next(ln for ln in lines if "by category" in ln)) + 2]
    assert by_category == "    flagged for: apparel RS-01+RS-02 2; food RS-09 1"


# Several seeds' runs pooled: each seed's buyers are its own, the cells add up.


def _seeded(seed: int, rows: list[dict]) -> Report:
    return Report(len(rows), len(rows), Counter(), rows, (seed,))


def test_pooled_seeds_count_the_same_buyer_key_once_per_seed():
    pooled = pool([_seeded(11, [row("sim-1", True, kind="wardrobing")]),
                   _seeded(23, [row("sim-1", False, kind="wardrobing")])])  # fmt: skip
    lines = render(pooled, 0.02)
    wardrobing = next(ln for ln in lines if ln.strip().startswith("wardrobing")).split()
    assert wardrobing[:7] == ["wardrobing", "2", "50.0", "%", "2", "50.0", "%"]


def test_pooled_false_positives_are_the_seeds_added_up():
    pooled = pool([_seeded(11, [row("h1", True, kind="honest"), row("h2", False, kind="honest")]),
                   _seeded(23, [row("h1", False, kind="honest")])])  # fmt: skip
    assert "False positives (honest requests flagged): 1 of 3 = 33.3 %" in render(pooled, 0.02)


def test_a_seed_pooled_twice_is_refused():
    with pytest.raises(ValueError, match="each seed once"):
        pool([_seeded(11, [row("a", True)]), _seeded(11, [row("a", True)])])


def test_a_saved_report_loads_as_it_was(tmp_path):
    report = _seeded(11, [row("a", True), row("h", False, kind="honest")])
    report.save(tmp_path / "11.json")
    assert Report.load(tmp_path / "11.json") == report


def test_the_pool_command_prints_the_saved_seeds_as_one_population(tmp_path):
    for seed in (11, 23):
        _seeded(seed, [row("h1", seed == 11, kind="honest")]).save(tmp_path / f"{seed}.json")
    out = io.StringIO()
    call_command("risk", "pool", str(tmp_path / "11.json"), str(tmp_path / "23.json"), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "seed 11, 23 (pooled)"
    assert "False positives (honest requests flagged): 1 of 2 = 50.0 %" in lines


@pytest.mark.parametrize("content", [None, "not json", '{"rows": []}'])
def test_the_pool_command_refuses_a_file_that_is_not_a_saved_run_naming_it(tmp_path, content):
    from django.core.management.base import CommandError

    path = tmp_path / "run.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(CommandError, match=r"run\.json: not a run saved by simulate --rows"):
        call_command("risk", "pool", str(path))
