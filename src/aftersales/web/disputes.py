"""Dispute pages: the desk's queue by due time and the ruling page (the burden-of-proof
checklist with each side's evidence against it); the buyer's and the merchant's view of a
dispute — what is asked of them, with the time left on the evidence clock in their language,
and the ruling's reasoning. Parse, call one service, render."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from aftersales.accounts.actors import Actor
from aftersales.accounts.permissions import has_permission
from aftersales.cases.flows import party_of
from aftersales.core.errors import DomainError
from aftersales.disputes import selectors, services
from aftersales.disputes.flows import NOT_ACCEPTED_REASONS, RULINGS, SUSPENSION_GROUNDS
from aftersales.disputes.serializers import dispute_out
from aftersales.risk import disputes as risk_disputes
from aftersales.risk import selectors as risk_selectors
from aftersales.web import wording
from aftersales.web.desk_risk import LEVEL_NAMES
from aftersales.web.portal import FormErrors, for_party, form_errors, parse_amount

PAGE_SIZE = 50
PORTALS = {"buyer": "buyer", "merchant": "merchant", "platform": "desk"}


def left_words(seconds: int | None) -> str:
    """Time left on a clock, as people say it (3 小时 20 分钟 / 3 h 20 min)."""
    if seconds is None:
        return ""
    return wording.duration(timedelta(seconds=max(seconds, 0)))


@for_party("platform")
def queue(request: HttpRequest, actor: Actor) -> HttpResponse:
    rows = list(selectors.desk_queue(actor)[:PAGE_SIZE])
    items = [
        {
            "dispute": d,
            "due": wording.when(d.next_due_at) if d.next_due_at else "—",
        }
        for d in rows
    ]
    return render(request, "web/disputes/queue.html", {"items": items, "portal": "desk"})


@for_party("buyer", "merchant")
def mine(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The buyer's or the shop's own disputes, newest first."""
    rows = list(selectors.filtered(actor).order_by("-opened_at", "-id")[:PAGE_SIZE])
    items = [
        {"dispute": d, "due": wording.when(d.next_due_at) if d.next_due_at else "—"} for d in rows
    ]
    return render(
        request, "web/disputes/queue.html", {"items": items, "portal": PORTALS[party_of(actor)]}
    )


def _risk_of(actor: Actor, dispute) -> dict | None:
    """The dispute's risk score for the desk's people who read scores (risk.view): its level and
    signals, linked to the risk desk's page. Never shown to the parties."""
    if not has_permission(actor, "risk.view"):
        return None
    row = risk_selectors.latest_of(actor, risk_disputes.kind_of(dispute), dispute.pk)
    if row is None:
        return None
    return {
        "row": row,
        "level": str(LEVEL_NAMES[row.level]),
        "reasons": risk_selectors.explained(row),
    }


def _page(request, actor, dispute_id, *, errors: FormErrors | None = None, status=200):
    dispute = selectors.dispute_for(actor, dispute_id)
    data = dispute_out(dispute, actor)
    party = party_of(actor)
    evidence = data["evidence"]
    checklist = []
    for row in data["burden"]["checklist"]:
        kinds = set(row["kinds"])
        checklist.append(
            {
                **row,
                "items": [e for e in evidence if e["kind"] in kinds],
                "met": bool(row["given"]),
            }
        )
    asked = [
        {**r, "left": left_words(r["seconds_left"])}
        for r in data["requests"]
        if r["state"] == "open" and (party == "platform" or r["party"] == party)
    ]
    context = {
        "d": data,
        "dispute": dispute,
        "portal": PORTALS[party],
        "party": party,
        "checklist": checklist,
        "asked": asked,
        "requests": data["requests"],
        "evidence": evidence,
        "allowed": set(data["allowed_actions"]),
        "rulings": RULINGS,
        "not_accepted_reasons": NOT_ACCEPTED_REASONS,
        "grounds": SUSPENSION_GROUNDS,
        "rule_ids": data["burden"]["rule_ids"] + list(services.OTHER_GROUNDS),
        "errors": errors or FormErrors(),
        "execution": selectors.execution_of(dispute),
        "risk": _risk_of(actor, dispute),
    }
    template = (
        "web/disputes/part_asked.html"
        if request.GET.get("part") == "asked"
        else ("web/disputes/dispute.html")
    )
    return render(request, template, context, status=status)


@for_party("buyer", "merchant", "platform")
def page(request: HttpRequest, actor: Actor, dispute_id: int) -> HttpResponse:
    return _page(request, actor, dispute_id)


def _body(post) -> services.Body:
    items = [i.strip() for i in post.get("items", "").replace("，", ",").split(",") if i.strip()]
    compensation = {"kind": post["compensation"]} if post.get("compensation") else None
    if compensation and post.get("appraisal_fee"):
        compensation["appraisal_fee"] = post["appraisal_fee"]
    return services.Body(
        note=post.get("note", ""),
        reason=post.get("reason", ""),
        reason_code=post.get("reason_code", ""),
        ruling=post.get("ruling", ""),
        amount=parse_amount(post.get("amount", "")),
        decided_by=post.get("decided_by", ""),
        compensation=compensation,
        party=post.get("party", ""),
        items=items,
        ground=post.get("ground", ""),
        reference=post.get("reference", ""),
        outcome=post.get("outcome", ""),
    )


def _where(actor: Actor, dispute_id: int) -> str:
    from django.urls import reverse

    return reverse(f"{PORTALS[party_of(actor)]}:dispute", args=[dispute_id])


@require_POST
@for_party("buyer", "merchant", "platform")
def act(request: HttpRequest, actor: Actor, dispute_id: int, action: str) -> HttpResponse:
    dispute = selectors.dispute_for(actor, dispute_id)
    try:
        services.act(dispute=dispute, actor=actor, action=action, body=_body(request.POST))
    except DomainError as exc:
        return _page(request, actor, dispute_id, errors=form_errors(exc), status=exc.status)
    return redirect(_where(actor, dispute_id))


@require_POST
@for_party("buyer", "merchant")
def give_evidence(
    request: HttpRequest, actor: Actor, dispute_id: int, request_id: int
) -> HttpResponse:
    dispute = selectors.dispute_for(actor, dispute_id)
    kinds = request.POST.getlist("kind")
    note = request.POST.get("note", "")
    items = [{"kind": k, "note": note, "finding": request.POST.get("finding", "")} for k in kinds]
    try:
        services.submit_evidence(dispute=dispute, request_id=request_id, actor=actor, items=items)
    except DomainError as exc:
        return _page(request, actor, dispute_id, errors=form_errors(exc), status=exc.status)
    return redirect(_where(actor, dispute_id))
