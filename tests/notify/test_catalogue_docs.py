"""docs/api.md lists every event type of the catalogue, with its version and every field."""

from __future__ import annotations

from pathlib import Path

from aftersales.notify.catalogue import TOPICS

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_every_event_type_is_documented_with_its_version_and_fields():
    text = DOC.read_text()
    for t in TOPICS.values():
        heading = f"### `{t.name}` (version {t.version})"
        assert heading in text, heading
        section = text.split(heading, 1)[1].split("\n### ", 1)[0]
        for field in t.fields:
            assert f"| `{field}` |" in section, (t.name, field)
