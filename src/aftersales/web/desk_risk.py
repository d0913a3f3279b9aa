"""The risk desk: the flagged queue, one score with its signals explained and the inputs they
read, and the reviewer's decision — clear or confirm, with a note — saved as a label."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.accounts.actors import Actor
from aftersales.accounts.permissions import has_permission
from aftersales.core.errors import DomainError, NotFound
from aftersales.risk import selectors, services
from aftersales.web import portal


def for_risk(view: Callable) -> Callable:
    """A page for those who hold `risk.view` (risk analysts, specialists, managers); 403 else."""

    @functools.wraps(view)
    @login_required
    def run(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        actor = portal.actor_of(request)
        if not has_permission(actor, "risk.view"):
            raise DjangoPermissionDenied
        try:
            return view(request, actor, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    return run


LEVEL_NAMES = {
    "allow": gettext_lazy("allow"),
    "warn": gettext_lazy("warn"),
    "friction": gettext_lazy("friction: inspect first, no fast lane"),
    "review": gettext_lazy("human review"),
}


@for_risk
def queue(request: HttpRequest, actor: Actor) -> HttpResponse:
    rows = selectors.flagged_queue(actor)
    items = [
        {
            "row": row,
            "level": str(LEVEL_NAMES[row.level]),
            "codes": [r["code"] for r in row.reasons],
            "incomplete": row.needs_review,
        }
        for row in rows
    ]
    return render(request, "web/desk/risk_queue.html", {"items": items})


def _page(request, actor: Actor, assessment_id: int, errors=None, status: int = 200):
    row = selectors.assessment_for(actor, assessment_id)
    inputs = row.snapshot.get("inputs", {})
    context = {
        "row": row,
        "level": str(LEVEL_NAMES[row.level]),
        "reasons": selectors.explained(row),
        "missing": row.snapshot.get("missing", []),
        "inputs": sorted(inputs.items()),
        "history": [
            {"row": a, "level": str(LEVEL_NAMES[a.level]), "reviews": list(a.reviews.all())}
            for a in selectors.history_of(row)
        ],
        "may_review": has_permission(actor, "risk.review"),
        "errors": errors,
    }
    return render(request, "web/desk/risk_case.html", context, status=status)


@for_risk
def detail(request: HttpRequest, actor: Actor, assessment_id: int) -> HttpResponse:
    return _page(request, actor, assessment_id)


@require_POST
@for_risk
def decide(request: HttpRequest, actor: Actor, assessment_id: int) -> HttpResponse:
    try:
        services.review(
            actor=actor,
            assessment_id=assessment_id,
            decision=request.POST.get("decision", ""),
            note=request.POST.get("note", ""),
            codes=request.POST.getlist("codes") or None,
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _page(request, actor, assessment_id, errors=portal.form_errors(exc), status=422)
    return redirect("desk:risk_queue")
