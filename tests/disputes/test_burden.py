"""Burden of proof as data (DS-07..16): for every dispute type, the side that must give the
first evidence loses without it; unrebutted, it wins; with both in, the decisive evidence
(a lab's report, the brand's appraisal, the carrier's record …) decides; tests are paid by the
losing side (DS-12)."""

import pytest

from aftersales.disputes.burden import BURDENS, assess, who_pays_tests

TYPES = sorted(BURDENS)


def opposite(party: str) -> str:
    return "for_merchant" if party == "buyer" else "for_buyer"


def own(party: str) -> str:
    return "for_buyer" if party == "buyer" else "for_merchant"


def test_every_type_named_in_the_issue_has_a_burden_rule():
    assert set(TYPES) == {
        "visible_defect",
        "hidden_defect",
        "counterfeit",
        "not_as_described",
        "not_received",
        "return_not_received",
        "damaged_on_arrival",
    }
    assert all(b.source.startswith("DS-07..16") for b in BURDENS.values())


@pytest.mark.parametrize("dispute_type", TYPES)
def test_without_the_first_evidence_the_side_that_owed_it_loses(dispute_type):
    b = BURDENS[dispute_type]
    rebuttal = [{"party": b.rebuttal.party, "kind": b.rebuttal.kinds[0]}]
    found = assess(dispute_type, rebuttal)
    assert found.rule == f"{dispute_type}:first_missing"
    assert found.suggested == opposite(b.first.party)


@pytest.mark.parametrize("dispute_type", TYPES)
def test_first_evidence_not_rebutted_wins(dispute_type):
    b = BURDENS[dispute_type]
    found = assess(dispute_type, [{"party": b.first.party, "kind": b.first.kinds[0]}])
    assert found.rule == f"{dispute_type}:not_rebutted"
    assert found.suggested == own(b.first.party)


@pytest.mark.parametrize("dispute_type", TYPES)
def test_with_both_sides_in_the_decisive_evidence_decides(dispute_type):
    b = BURDENS[dispute_type]
    both = [
        {"party": b.first.party, "kind": b.first.kinds[0]},
        {"party": b.rebuttal.party, "kind": b.rebuttal.kinds[0]},
    ]
    assert assess(dispute_type, both).suggested is None  # waiting for what decides
    decisive = {"party": "buyer", "kind": b.decides[0], "finding": "for_merchant"}
    found = assess(dispute_type, [*both, decisive])
    assert found.rule == f"{dispute_type}:decisive"
    assert found.suggested == "for_merchant"


def test_evidence_of_the_wrong_side_does_not_discharge_a_burden():
    # Visible defect: the buyer's photos come first; the merchant's photos do not count for it.
    found = assess("visible_defect", [{"party": "merchant", "kind": "photos"}])
    assert found.rule == "visible_defect:first_missing"


def test_hidden_defects_and_counterfeits_put_the_first_proof_on_the_seller():
    assert BURDENS["hidden_defect"].first.party == "merchant"
    assert BURDENS["counterfeit"].first.party == "merchant"
    assert "lab_report" in BURDENS["visible_defect"].decides
    assert "service_centre_report" in BURDENS["hidden_defect"].decides


def test_the_checklist_shows_each_step_with_what_was_given():
    found = assess("visible_defect", [{"party": "buyer", "kind": "photos"}])
    steps = {row["step"]: row for row in found.checklist}
    assert steps["first"]["given"] == ["photos"]
    assert steps["rebuttal"]["given"] == []


def test_the_losing_side_pays_for_tests():
    assert who_pays_tests("for_merchant") == "buyer"
    assert who_pays_tests("for_buyer") == "merchant"
