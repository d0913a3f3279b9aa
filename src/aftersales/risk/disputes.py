"""Where risk meets disputes: every dispute and compensation claim is scored as it opens
(`disputes.opening.OPENED`, in the transaction that writes it) — the buyer's history as of that
moment, read through the case the dispute is about (its lines, and the facts its last score
read: the window, the carrier's weight, the serials) or, for an order's claim the platform takes
up without a case (not received, counterfeit), through the order's lines and shipments.

A compensation claim is a dispute whose ruling pays damages beyond the refund — the counterfeit
claim (假一赔N, GF-06) — and is stored as a `claim`, so the desk can tell them apart; RS-12 (pro
claimant) reads the buyer's earlier ones. The score is the desk's to read, as a case's is: it
never moves the dispute, and a statutory claim goes on through its own flow whatever it says."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from aftersales.cases.models import Case
from aftersales.disputes import opening
from aftersales.orders.models import OrderLine, Shipment
from aftersales.risk import services
from aftersales.risk.hooks import _sizes_of_one_spu, subjects_of
from aftersales.risk.inputs import PUNITIVE_TYPES, UNWRITTEN, Subject
from aftersales.risk.models import Assessment
from aftersales.risk.signals import DISPUTE

# An order's claim is read through no case: `Subject.case_id` an id no case has, as a case not
# written yet (nothing of "this case" is set apart, and it has no evidence of its own).
NO_CASE = UNWRITTEN
# The `type` a subject without a case carries in its snapshot (a case's carries its own).
ORDER_CLAIM = "order_claim"


def kind_of(dispute) -> str:
    """`claim` for a compensation claim (damages beyond the refund), else `dispute`."""
    return "claim" if dispute.type in PUNITIVE_TYPES else "dispute"


def score_opened(disputes: list) -> dict[int, Assessment]:
    """Score the disputes just opened: {dispute id: assessment}. A statement or two per batch
    of disputes about cases; an order's claim is scored on its own."""
    subjects = _about_cases([d for d in disputes if d.case_id]) + _order_claims(
        [d for d in disputes if not d.case_id]
    )
    scored: dict[int, Assessment] = {}
    for batch in _batches(subjects):
        scored.update(services.assess(batch, trigger=DISPUTE))
    return scored


opening.OPENED.append(score_opened)


def _batches(subjects: list[Subject]) -> list[list[Subject]]:
    """The history is read per case, so a batch names each case once; an order's claim (no
    case) goes alone."""
    batches: list[list[Subject]] = []
    for s in subjects:
        home = next(
            (b for b in batches if s.case_id and all(o.case_id != s.case_id for o in b)), None
        )
        if home is None:
            batches.append([s])
        else:
            home.append(s)
    return batches


def _about_cases(disputes: list) -> list[Subject]:
    if not disputes:
        return []
    cases = {c.pk: c for c in Case.objects.filter(pk__in={d.case_id for d in disputes})}
    out = []
    for d in disputes:
        # One case at a time through `subjects_of`: two disputes may name one case.
        found = subjects_of([(cases[d.case_id], {})], at=d.opened_at)
        if found:
            out.append(_as_dispute(found[0], d))
    return out


def _as_dispute(subject: Subject, dispute) -> Subject:
    return dataclasses.replace(
        subject,
        kind=kind_of(dispute),
        subject_id=dispute.pk,
        at=dispute.opened_at,
        claim_amount=dispute.refundable,
    )


def _order_claims(disputes: list) -> list[Subject]:
    if not disputes:
        return []
    orders = {d.order_id for d in disputes}
    lines: dict[int, list[OrderLine]] = {}
    for line in OrderLine.objects.filter(order_id__in=orders).order_by("pk"):
        lines.setdefault(line.order_id, []).append(line)
    signed: dict[int, list[bool]] = {}
    for order_id, at in Shipment.objects.filter(order_id__in=orders).values_list(
        "order_id", "signed_at"
    ):
        signed.setdefault(order_id, []).append(at is not None)
    out = []
    for d in disputes:
        mine = lines.get(d.order_id, [])
        if not mine:
            continue
        main = max(mine, key=lambda ln: ln.paid_amount)
        parcels = signed.get(d.order_id, [])
        out.append(
            Subject(
                case_id=NO_CASE,
                merchant_id=d.merchant_id,
                buyer_id=d.buyer_id,
                type=ORDER_CLAIM,
                reason=d.type,  # not_received, counterfeit: the claim's own words
                at=d.opened_at,
                category=main.category,
                sku=main.sku,
                claim_amount=Decimal(d.refundable),
                sizes_of_one_spu=_sizes_of_one_spu(mine),
                # Every parcel signed for: a not-received claim against a proof of delivery.
                signed=bool(parcels) and all(parcels),
                shipped_serials=[str(s) for ln in mine for s in ln.attributes.get("serials") or []],
                kind=kind_of(d),
                subject_id=d.pk,
            )
        )
    return out
