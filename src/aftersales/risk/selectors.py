"""Reads of risk, scoped to the actor: the flagged queue (platform risk roles only) and one
assessment explained — its signals in words, the figures they read, the case's other scores."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from aftersales.accounts.actors import Actor
from aftersales.accounts.permissions import require
from aftersales.core.errors import NotFound
from aftersales.risk.models import Assessment, Review
from aftersales.risk.signals import BY_CODE


def flagged_queue(actor: Actor, *, limit: int = 50) -> list[Assessment]:
    """The newest score of each subject that wants a person (human review, or a score that
    could not be computed in full) and has not been reviewed since: highest score first."""
    require(actor, "risk.view")
    rows = (
        Assessment.objects.filter(Q(level="review") | Q(needs_review=True))
        .filter(reviews__isnull=True)
        .select_related("merchant", "case")
        .order_by("-at", "-id")[: limit * 4]
    )
    newest: dict[tuple[str, int], Assessment] = {}
    for row in rows:
        newest.setdefault((row.subject_kind, row.subject_id), row)
    reviewed = set(
        Review.objects.filter(
            subject_id__in=[k[1] for k in newest], subject_kind__in={k[0] for k in newest}
        ).values_list("subject_kind", "subject_id", "at")
    )
    latest_review = {}
    for kind, sid, at in reviewed:
        latest_review[(kind, sid)] = max(at, latest_review.get((kind, sid), at))
    open_rows = [
        row
        for key, row in newest.items()
        if key not in latest_review or latest_review[key] < row.at
    ]
    return sorted(open_rows, key=lambda r: (-r.score, -r.at.timestamp()))[:limit]


def assessment_for(actor: Actor, assessment_id: int) -> Assessment:
    require(actor, "risk.view")
    row = (
        Assessment.objects.select_related("merchant", "case", "buyer")
        .filter(pk=assessment_id)
        .first()
    )
    if row is None:
        raise NotFound(f"No risk assessment {assessment_id}.")
    return row


def explained(row: Assessment) -> list[dict[str, Any]]:
    """Each reason as the reviewer reads it: the signal's name, what it found in words, its
    points and safeguards."""
    out = []
    for reason in row.reasons:
        signal = BY_CODE.get(reason["code"])
        if signal is None:  # a signal retired since: shown as stored
            out.append({"code": reason["code"], "title": reason["code"], "text": "",
                        "points": reason["points"], "safeguards": ()})  # fmt: skip
            continue
        try:
            text = signal.explained(reason["detail"])
        except (KeyError, TypeError, ValueError):
            text = str(reason["detail"])
        out.append(
            {
                "code": signal.code,
                "title": str(signal.title),
                "text": text,
                "points": reason["points"],
                "safeguards": signal.safeguards,
            }
        )
    return out


def history_of(row: Assessment) -> list[Assessment]:
    return list(
        Assessment.objects.filter(subject_kind=row.subject_kind, subject_id=row.subject_id)
        .prefetch_related("reviews")
        .order_by("at", "id")
    )


def latest_of(actor: Actor, kind: str, subject_id: int) -> Assessment | None:
    """The newest score of one subject (a dispute's page shows it to the desk), or None."""
    require(actor, "risk.view")
    return (
        Assessment.objects.filter(subject_kind=kind, subject_id=subject_id)
        .order_by("-at", "-id")
        .first()
    )
