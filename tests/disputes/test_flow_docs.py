"""docs/disputes.md shows the flow as declared: every transition and deadline, and every
duration with its source row."""

from pathlib import Path

from aftersales.disputes.flows import DISPUTE
from aftersales.policy.document import DEFAULT_DURATIONS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "disputes.md").read_text()


def test_every_transition_is_in_the_flow_table():
    for t in DISPUTE.transitions:
        assert f"| {t.source} | `{t.action}`" in DOC, (t.source, t.action)


def test_every_deadline_is_in_the_table_with_its_source_row():
    for d in DISPUTE.deadlines:
        assert f"| {d.state} | `{d.duration}`" in DOC, d
    for name in (
        "dispute_merchant_answer",
        "dispute_evidence",
        "merchant_execute_ruling",
        "merchant_execute_quality_ruling",
        "ruling_appeal_window",
        "dispute_suspension_settlement",
        "dispute_suspension_receipt",
        "dispute_suspension_police",
        "dispute_ruling",
    ):
        row = f"| `{name}` |"
        assert row in DOC and DEFAULT_DURATIONS[name]["source"] in DOC.split(row)[1].split("\n")[0]
