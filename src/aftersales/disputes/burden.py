"""Burden of proof by dispute type (DS-07..16, TB§65-80, JD2) as data: who gives the first
evidence, what rebuts it, what decides, who pays for tests (DS-12). `assess` reads a dispute's
counted evidence against its type's rule and names the rule that decides; the ruling must name
one of the type's rule ids (`decided_by`), which both sides see with the reasoning."""

from __future__ import annotations

from dataclasses import dataclass

from aftersales.cases.flows import BUYER, MERCHANT


@dataclass(frozen=True)
class Proof:
    party: str  # buyer or merchant
    proves: str  # what the evidence must show
    kinds: tuple[str, ...]  # evidence kinds that count


@dataclass(frozen=True)
class Burden:
    type: str
    source: str
    first: Proof
    rebuttal: Proof
    decides: tuple[str, ...]  # what settles it when both sides have given evidence
    decided_by_label: str
    test_cost: str = "loser"  # DS-12: the losing side pays for tests

    def rule_ids(self) -> tuple[str, ...]:
        return tuple(f"{self.type}:{r}" for r in ("first_missing", "not_rebutted", "decisive"))


def _b(type_, source, first, rebuttal, decides, label) -> Burden:
    return Burden(type_, source, Proof(*first), Proof(*rebuttal), decides, label)


BURDENS: dict[str, Burden] = {
    b.type: b
    for b in (
        _b(
            "visible_defect",
            "DS-07..16 visible quality defect (TB§65-80; JD2)",
            (BUYER, "the defect, in photos or video", ("photos", "video")),
            (MERCHANT, "the goods left sound", ("inspection_report", "photos")),
            ("lab_report",),
            "an accredited laboratory's test report",
        ),
        _b(
            "hidden_defect",
            "DS-07..16 hidden defect (TB§65-80; JD2)",
            (MERCHANT, "the goods' source and quality", ("source_proof", "quality_certificate")),
            (BUYER, "the defect, tested", ("lab_report", "service_centre_report")),
            ("lab_report", "service_centre_report"),
            "an accredited laboratory or the brand's service centre",
        ),
        _b(
            "counterfeit",
            "DS-07..16 counterfeit (TB§65-80; JD2)",
            (MERCHANT, "a lawful source (invoice, brand authorisation)", ("source_proof",)),
            (BUYER, "the brand's appraisal", ("brand_appraisal",)),
            ("brand_appraisal", "service_centre_report"),
            "the brand's appraisal or service centre",
        ),
        _b(
            "not_as_described",
            "DS-07..16 not as described (TB§65-80; JD2)",
            (BUYER, "the difference from the listing", ("photos", "listing_screenshot")),
            (MERCHANT, "the listing as it stood when bought", ("listing_snapshot",)),
            ("listing_snapshot",),
            "the platform's snapshot of the listing at purchase",
        ),
        _b(
            "not_received",
            "DS-07..16 not received / lost (TB§65-80; JD2)",
            (MERCHANT, "delivery signed for by the buyer or their agent", ("signed_proof",)),
            (BUYER, "the signature was not theirs", ("statement", "carrier_record")),
            ("carrier_record",),
            "the carrier's delivery record",
        ),
        _b(
            "return_not_received",
            "DS-07..16 return not received (TB§65-80; JD2)",
            (BUYER, "the return was delivered", ("return_tracking", "signed_proof")),
            (MERCHANT, "the return was refused or never arrived", ("carrier_record",)),
            ("carrier_record",),
            "the carrier's delivery record of the return",
        ),
        _b(
            "damaged_on_arrival",
            "DS-07..16 damaged / empty box / swapped (TB§65-80; JD2)",
            (MERCHANT, "a proper signature and packing", ("signed_proof", "packing_record")),
            (BUYER, "the damage, empty box or swap at signing", ("unboxing_video", "courier_note")),
            ("courier_note", "carrier_record"),
            "the courier's note at signing or the carrier's record (weight)",
        ),
    )
}
TYPES = tuple(BURDENS)
TEST_COST_RULE = "DS-12"


@dataclass(frozen=True)
class Assessment:
    """What the evidence in says under the type's rule: the suggested outcome (None: the
    decisive evidence is still missing) and the rule id that decides it, with the checklist."""

    rule: str
    suggested: str | None
    reasoning: str
    checklist: list[dict]


def _against(party: str) -> str:
    return "for_merchant" if party == BUYER else "for_buyer"


def _for(party: str) -> str:
    return "for_buyer" if party == BUYER else "for_merchant"


def assess(dispute_type: str, evidence: list[dict]) -> Assessment:
    """`evidence`: counted items, each {"party", "kind", "finding"?} (a decisive report's
    finding: "for_buyer" or "for_merchant")."""
    burden = BURDENS[dispute_type]
    have = {(e["party"], e["kind"]) for e in evidence}

    def given(proof: Proof) -> list[str]:
        return [k for k in proof.kinds if (proof.party, k) in have]

    first, rebut = given(burden.first), given(burden.rebuttal)
    decisive = [e for e in evidence if e["kind"] in burden.decides and e.get("finding")]
    checklist = [
        {
            "step": "first",
            "party": burden.first.party,
            "proves": burden.first.proves,
            "kinds": list(burden.first.kinds),
            "given": first,
        },
        {
            "step": "rebuttal",
            "party": burden.rebuttal.party,
            "proves": burden.rebuttal.proves,
            "kinds": list(burden.rebuttal.kinds),
            "given": rebut,
        },
        {
            "step": "decisive",
            "party": "",
            "proves": burden.decided_by_label,
            "kinds": list(burden.decides),
            "given": [e["kind"] for e in decisive],
        },
    ]
    first_id, rebut_id, decisive_id = burden.rule_ids()
    if not first:
        return Assessment(
            first_id,
            _against(burden.first.party),
            f"{burden.first.party} gave no evidence of {burden.first.proves} ({burden.source})",
            checklist,
        )
    if not rebut:
        return Assessment(
            rebut_id,
            _for(burden.first.party),
            f"{burden.rebuttal.party} did not rebut: no evidence of {burden.rebuttal.proves} "
            f"({burden.source})",
            checklist,
        )
    if decisive:
        finding = decisive[-1]["finding"]
        return Assessment(
            decisive_id,
            finding,
            f"decided by {burden.decided_by_label} ({burden.source}); tests paid by the losing "
            f"side ({TEST_COST_RULE})",
            checklist,
        )
    return Assessment(
        decisive_id,
        None,
        f"both sides gave evidence: {burden.decided_by_label} decides ({burden.source})",
        checklist,
    )


def who_pays_tests(ruling: str) -> str:
    """DS-12: the losing side pays for tests; a partial ruling splits no test cost, the
    merchant pays (the buyer's claim was upheld in part)."""
    return BUYER if ruling == "for_merchant" else MERCHANT
