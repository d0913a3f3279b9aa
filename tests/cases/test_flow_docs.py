from pathlib import Path

from aftersales.cases.describe import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "flows.md"


def test_docs_flows_md_is_generated_from_the_flows_as_they_are():
    assert DOC.read_text(encoding="utf-8").strip() == render().strip(), (
        "docs/flows.md is stale: run `aftersales cases describe > docs/flows.md`"
    )
