"""Evidence rounds (DS-06): a named side is asked for named evidence on the 09:00–18:00 clock;
only that side answers; evidence after its deadline is kept, marked late and not counted; the
review goes on when every request is answered or the last one's clock runs out. And what the
counted evidence says under the dispute type's burden of proof (`assessment`)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor
from aftersales.cases.deadlines import due_after
from aftersales.cases.flows import BUYER, MERCHANT, PLATFORM, party_of
from aftersales.core import clock
from aftersales.core.errors import InvalidInput, NotFound, PermissionDenied
from aftersales.disputes import burden, deadlines, steps
from aftersales.disputes.models import Dispute, DisputeEvidence, EvidenceRequest
from aftersales.disputes.rulings import OTHER_GROUNDS
from aftersales.disputes.steps import Body


def _request_evidence(dispute, actor, body, at, target):
    if body.party not in {BUYER, MERCHANT}:
        raise InvalidInput.on_field("party", "buyer or merchant: the side asked")
    items = [str(i).strip() for i in body.items if str(i).strip()]
    if not items:
        raise InvalidInput.on_field("items", "name the evidence asked for")
    spec = deadlines.duration(dispute, "dispute_evidence")
    request = EvidenceRequest.objects.create(
        dispute=dispute,
        merchant_id=dispute.merchant_id,
        party=body.party,
        items=items,
        note=body.note,
        asked_by=actor.label,
        asked_at=at,
        due_at=due_after(at, spec),
        rule=spec["source"],
    )
    deadlines.schedule_request(dispute, request, spec)
    return (
        target,
        spec["source"],
        {
            "request": request.pk,
            "party": body.party,
            "items": items,
            "due_at": request.due_at.isoformat(),
        },
    )


def _close_evidence(dispute, actor, body, at, target):
    missed = EvidenceRequest.objects.filter(dispute=dispute, state="open")
    ids = list(missed.values_list("pk", flat=True))
    missed.update(state="missed", closed_at=at)
    return target, "DS-06", {"missed_requests": ids}


def add_evidence(dispute, actor, items, *, request, at, late: bool = False) -> list:
    party = party_of(actor)
    rows = []
    for i, item in enumerate(items):
        kind = str(item.get("kind") or "").strip()
        if not kind:
            raise InvalidInput.on_field(f"evidence[{i}].kind", "what this evidence is")
        finding = item.get("finding") or ""
        if finding and finding not in {"for_buyer", "for_merchant"}:
            raise InvalidInput.on_field(f"evidence[{i}].finding", "for_buyer or for_merchant")
        rows.append(
            DisputeEvidence(
                dispute=dispute,
                merchant_id=dispute.merchant_id,
                request=request,
                party=party if party in {BUYER, MERCHANT} else PLATFORM,
                kind=kind,
                note=str(item.get("note") or "")[:2000],
                finding=finding,
                case_evidence_ids=[int(x) for x in item.get("case_evidence_ids") or []],
                submitted_by=actor.label,
                submitted_at=at,
                late=late,
            )
        )
    _check_case_evidence(dispute, rows)
    return DisputeEvidence.objects.bulk_create(rows)


def _check_case_evidence(dispute: Dispute, rows: list[DisputeEvidence]) -> None:
    """Files are uploaded to the case (cases/evidence.py sniffs and limits them); evidence
    here may only point at the dispute's own case's files."""
    from aftersales.cases.models import Evidence

    wanted = {pk for r in rows for pk in r.case_evidence_ids}
    if not wanted:
        return
    found = set(
        Evidence.objects.filter(pk__in=wanted, case_id=dispute.case_id).values_list("pk", flat=True)
    )
    if wanted - found:
        raise InvalidInput.on_field(
            "case_evidence_ids", f"no such files on the dispute's case: {sorted(wanted - found)}"
        )


@transaction.atomic
def submit_evidence(
    *,
    dispute: Dispute,
    request_id: int,
    actor: Actor,
    items: list[dict],
    at: datetime | None = None,
) -> list[DisputeEvidence]:
    """The side asked gives the evidence. After the request's deadline (or once it was closed)
    the evidence is kept but marked late, and does not count (DS-06)."""
    at = at or clock.now()
    dispute = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("merchant")
        .get(pk=dispute.pk)
    )
    request = EvidenceRequest.objects.filter(dispute=dispute, pk=request_id).first()
    if request is None:
        raise NotFound(f"No evidence request {request_id} on dispute {dispute.pk}.")
    if party_of(actor) != request.party:
        raise PermissionDenied(f"This request asks the {request.party} for evidence.")
    if not items:
        raise InvalidInput.on_field("items", "give at least one piece of evidence")
    late = request.state != "open" or at > request.due_at
    rows = add_evidence(dispute, actor, items, request=request, at=at, late=late)
    dispute.last_event_seq += 1
    dispute.save(update_fields=["last_event_seq"])
    steps.new_event(
        dispute,
        actor,
        "submit_evidence",
        seq=dispute.last_event_seq,
        from_state=dispute.state,
        to_state=dispute.state,
        rule="DS-06",
        payload={"request": request.pk, "late": late, "kinds": [r.kind for r in rows]},
        at=at,
    ).save()
    if not late:
        request.state, request.closed_at = "answered", at
        request.save(update_fields=["state", "closed_at"])
        deadlines.pending(dispute).filter(request=request).update(cancelled_at=at)
        still_open = EvidenceRequest.objects.filter(dispute=dispute, state="open").exists()
        if dispute.state == "evidence" and not still_open:
            steps.act_locked(dispute, SYSTEM_ACTOR, "evidence_in", Body(), at=at, timer=None)
    return rows


def evidence_due(dispute: Dispute, row, *, at: datetime) -> None:
    """A request's clock ran out (the worker, dispute locked): the request is missed; the
    review goes on with what is in once no request is open (DS-06)."""
    request = EvidenceRequest.objects.get(pk=row.request_id)
    if request.state != "open":
        return
    request.state, request.closed_at = "missed", at
    request.save(update_fields=["state", "closed_at"])
    if EvidenceRequest.objects.filter(dispute=dispute, state="open").exists():
        steps.record_notice(
            dispute,
            "evidence_missed",
            note=f"request {request.pk}: the {request.party} gave no evidence in time",
            rule="DS-06",
            at=at,
        )
        return
    steps.act_locked(dispute, SYSTEM_ACTOR, "close_evidence", Body(), at=at, timer=row)


def counted_evidence(dispute: Dispute) -> list[dict]:
    return [
        {"party": e.party, "kind": e.kind, "finding": e.finding}
        for e in DisputeEvidence.objects.filter(dispute=dispute, late=False)
    ]


def assessment(dispute: Dispute) -> burden.Assessment:
    found = burden.assess(dispute.type, counted_evidence(dispute))
    # DS-05: the merchant's silence rules for the buyer (return and refund at its freight).
    if dispute.facts.get("merchant_silent"):
        return burden.Assessment(
            "DS-05:merchant_silent",
            "for_buyer",
            OTHER_GROUNDS["DS-05:merchant_silent"],
            found.checklist,
        )
    return found


EFFECTS = {
    "request_evidence": _request_evidence,
    "close_evidence": _close_evidence,
    "evidence_in": lambda d, a, b, at, t: (t, "DS-06", {}),
}
