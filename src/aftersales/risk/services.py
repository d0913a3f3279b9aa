"""Every state change of risk: publishing a threshold version (validated first), scoring a
batch of subjects and storing each score with its reasons and input snapshot, a person's review
of a flagged subject (clear or confirm: the labels), and the fast lane's refund at the carrier's
first scan. Risk never moves a case against the buyer: its ladder ends at human review, and the
only step it takes on a case is the fast lane's refund, through the case engine's own executor."""

from __future__ import annotations

import time
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Max

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import Merchant
from aftersales.accounts.permissions import require
from aftersales.core import audit, clock, prepared
from aftersales.core.errors import Conflict, InvalidInput, NotFound
from aftersales.risk import document
from aftersales.risk.document import RiskPolicy as Policy
from aftersales.risk.inputs import Subject, extend, gather
from aftersales.risk.models import Assessment, Review
from aftersales.risk.models import RiskPolicy as PolicyRow
from aftersales.risk.scoring import Result, score

# --- Policy versions ------------------------------------------------------------------------

CHECK_SECONDS = 5.0
# (when read, {merchant id or None (platform): its latest version}): every scope at once, so a
# merchant without a version of its own costs nothing either.
_current: list[tuple[float, dict[int | None, Policy]]] = []


@transaction.atomic
def publish_policy(
    *, actor: Actor, document_json: Any, merchant: Merchant | None = None, note: str = ""
) -> PolicyRow:
    """A new version of the platform's (or one merchant's) risk thresholds. Refused whole,
    with every reason, when it names an unknown signal or threshold or a value of the wrong
    kind (422 naming the field)."""
    require(actor, "risk.publish")
    validated = document.validate(document_json)
    scope = PolicyRow.objects.filter(merchant=merchant)
    number = (scope.aggregate(n=Max("number"))["n"] or 0) + 1
    row = PolicyRow.objects.create(
        merchant=merchant,
        number=number,
        document=validated,
        published_by=actor.label,
        note=note,
    )
    audit.record(
        actor=actor,
        action="risk.policy_published",
        subject=row,
        merchant_id=merchant.pk if merchant else None,
        payload={"label": row.label},
    )
    transaction.on_commit(forget_policies)
    return row


def forget_policies() -> None:
    _current.clear()


def _latest_versions() -> dict[int | None, Policy]:
    now = time.monotonic()
    if _current and now - _current[0][0] < CHECK_SECONDS:
        return _current[0][1]
    found: dict[int | None, Policy] = {}
    for row in PolicyRow.objects.order_by("merchant_id", "-number"):
        found.setdefault(row.merchant_id, Policy(row.label, row.document))
    _current[:] = [(now, found)]
    return found


def policy_for_merchant(merchant_id: int) -> Policy:
    """The merchant's latest version, else the platform's, else the built-in defaults; the
    versions are looked up again at most every few seconds (a published one never changes)."""
    versions = _latest_versions()
    return versions.get(merchant_id) or versions.get(None) or document.BUILTIN


# --- Scoring --------------------------------------------------------------------------------


def assess(subjects: Iterable[Subject], *, trigger: str) -> dict[int, Assessment]:
    """Score each subject (a case, dispute or claim) now, store the score, its reasons and the
    snapshot it read, in one read and one write for the whole batch (whose subjects name
    distinct cases: the history is read per case). Returns {subject id: assessment}."""
    found = scored(subjects, trigger=trigger)
    if found:
        _insert(list(found.values()))
    return found


def scored(subjects: Iterable[Subject], *, trigger: str) -> dict[int, Assessment]:
    """The scores `assess` stores, not stored: for a caller that writes them in its own
    statement (a case as it opens: `hooks.score_opened`)."""
    subjects = list(subjects)
    if not subjects:
        return {}
    policies = {s.merchant_id: policy_for_merchant(s.merchant_id) for s in subjects}
    # RS-01's lines per category come with the history row: extend reads them only if not.
    lines_by_category: dict[int, dict[str, int]] = {}
    inputs = gather(subjects, lambda s: policies[s.merchant_id], lines_by_category)
    extend(inputs, subjects, lambda s: policies[s.merchant_id], lines_by_category)
    rows = []
    for s in subjects:
        policy = policies[s.merchant_id]
        result = score(inputs[s.case_id], policy, trigger=trigger)
        rows.append(_row(s, trigger, policy, inputs[s.case_id], result))
    return {row.subject_id: row for row in rows}


def _insert(rows: list[Assessment]) -> None:
    """One INSERT of the rows as the ORM would write them (no ids read back: nobody needs them
    in the transaction that scores) — cheaper than bulk_create on the opening's hot path."""
    fields = _insert_fields()
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # The backend adapts JSON, datetimes and decimals; text, numbers and ids go as they are.
    params = [
        f.get_db_prep_save(getattr(row, f.attname), connection)
        if adapted
        else getattr(row, f.attname)
        for row in rows
        for f, adapted in fields
    ]
    fields = [f for f, _ in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(Assessment._meta.db_table)
    # A case's score as it opens is one row: one text, prepared (core/prepared.py).
    with prepared.cursor() if len(rows) == 1 else connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {', '.join([marks] * len(rows))}",  # noqa: S608
            params,
        )


_ADAPTED = frozenset({"JSONField", "DateTimeField", "DecimalField"})


@cache
def _insert_fields() -> tuple[tuple[Any, bool], ...]:
    return tuple(
        (f, f.get_internal_type() in _ADAPTED)
        for f in Assessment._meta.concrete_fields
        if not f.primary_key
    )


def _row(s: Subject, trigger: str, policy: Policy, inputs: dict, result: Result) -> Assessment:
    return Assessment(
        subject_kind=s.kind,
        subject_id=s.case_id if s.subject_id is None else s.subject_id,
        case_id=s.case_id or None,
        merchant_id=s.merchant_id,
        buyer_id=s.buyer_id,
        trigger=trigger,
        policy_label=policy.label,
        score=result.score,
        level=result.level,
        needs_review=result.needs_review,
        reasons=[r.as_json() for r in result.reasons],
        snapshot={
            "inputs": inputs,
            "thresholds": result.thresholds,
            "ladder": policy.cutoffs(),
            "missing": list(result.missing),
        },
        at=s.at,
    )


def replay(assessment: Assessment) -> Result:
    """The score again from the stored snapshot and thresholds: what it was, and why."""
    snap = assessment.snapshot
    doc = document.validate({"ladder": snap["ladder"]})
    doc["signals"] = {code: dict(values) for code, values in snap["thresholds"].items()}
    return score(
        snap["inputs"],
        Policy(assessment.policy_label, doc),
        trigger=assessment.trigger,
        only=frozenset(snap["thresholds"]),
    )


# --- Reviews: the flagged queue's decisions -------------------------------------------------

DECISIONS = {c.value for c in Review.Decision}


@transaction.atomic
def review(
    *, actor: Actor, assessment_id: int, decision: str, note: str, codes: list[str] | None = None
) -> Review:
    """A person clears a flag (the signals were wrong for this buyer) or confirms abuse. Either
    is saved as a label; a confirmation takes the buyer off the fast lane. Nothing else happens
    to the case: its own flow goes on (a merchant's rejection, an appeal, a ruling)."""
    require(actor, "risk.review")
    if decision not in DECISIONS:
        raise InvalidInput.on_field("decision", f"one of {sorted(DECISIONS)}")
    if not note.strip():
        raise InvalidInput.on_field("note", "say why: the label is read later")
    assessment = Assessment.objects.filter(pk=assessment_id).first()
    if assessment is None:
        raise NotFound(f"No risk assessment {assessment_id}.")
    if Review.objects.filter(subject_kind=assessment.subject_kind, subject_id=assessment.subject_id,
                             at__gte=assessment.at).exists():  # fmt: skip
        raise Conflict("This flag has been reviewed; a newer score opens a new review.")
    fired = {r["code"] for r in assessment.reasons}
    codes = list(codes or fired)
    unknown = sorted(set(codes) - fired)
    if unknown:
        raise InvalidInput.on_field("codes", f"not reasons of this score: {unknown}")
    row = Review.objects.create(
        assessment=assessment,
        subject_kind=assessment.subject_kind,
        subject_id=assessment.subject_id,
        merchant_id=assessment.merchant_id,
        buyer_id=assessment.buyer_id,
        decision=decision,
        codes=codes,
        note=note.strip(),
        reviewer_label=actor.label,
        reviewer_user_id=actor.user_id,
        at=clock.now(),
    )
    audit.record(
        actor=actor,
        action=f"risk.{decision}",
        subject=row,
        merchant_id=assessment.merchant_id,
        payload={"assessment": assessment.pk, "codes": codes, "case": assessment.case_id},
    )
    return row
