"""The desk's complaint pages: the queue (soonest SLA due first, with filters), claim and
assign, and the complaint page — the customer's whole timeline, replies from templates,
internal notes, the flow's actions (exactly `allowed_actions`) and a compensation proposal
that asks for approval above the agent's authority. Thin: every change is a service call."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import User
from aftersales.complaints import replies, selectors, services
from aftersales.complaints.flows import MANAGER, SPECIALIST, candidates, party_of
from aftersales.complaints.models import CHANNELS, SEVERITIES
from aftersales.core import clock
from aftersales.core.errors import DomainError, NotFound, PermissionDenied
from aftersales.web import complaint_wording as words
from aftersales.web.portal import FormErrors, for_party, form_errors

PLATFORM = "platform"
PAGE_SIZE = 50
HOLDERS = ("", "mine", "unassigned")
# The fields each action's form offers beyond what the flow requires.
SEVERITY_CHOICES = [(s, words.label(words.SEVERITIES, s)) for s in SEVERITIES]


def _filters(request: HttpRequest) -> dict:
    get = request.GET
    return {
        "severity": get.get("severity", "") if get.get("severity") in SEVERITIES else "",
        "channel": get.get("channel", "") if get.get("channel") in CHANNELS else "",
        "state": get.get("state", "") if get.get("state") in words.STATES else "",
        "overdue": get.get("overdue") == "1",
        "holder": get.get("holder", "") if get.get("holder") in HOLDERS else "",
    }


@for_party(PLATFORM)
def queue(request: HttpRequest, actor: Actor) -> HttpResponse:
    now = clock.now()
    filters = _filters(request)
    rows = list(selectors.desk_queue(actor, now=now, **filters)[:PAGE_SIZE])
    items = [{"c": c, "sla": services.sla_status(c)} for c in rows]
    context = {
        "items": items,
        "filters": filters,
        "severities": SEVERITY_CHOICES,
        "channels": [(c, words.label(words.CHANNELS, c)) for c in CHANNELS],
        "states": list(words.STATES.items()),
    }
    template = "web/desk/complaint_rows.html" if request.htmx else "web/desk/complaints.html"
    return render(request, template, context)


def _action_forms(complaint, actor: Actor) -> list[dict]:
    out = []
    for action in services.allowed_actions(complaint, actor):
        if action in {"propose_solution", "rate"}:
            continue  # their own forms below (a solution has its fields; the customer rates)
        t = candidates(complaint.state, action)[0]
        out.append(
            {
                "action": action,
                "label": words.label(words.ACTIONS, action),
                "fields": [f for f in t.requires],
            }
        )
    return out


def complaint_context(request: HttpRequest, actor: Actor, complaint, **extra) -> dict:
    from aftersales.complaints.models import ApprovalRequest

    buyer = complaint.buyer
    timeline, _next = selectors.timeline(actor, buyer, limit=PAGE_SIZE)
    conversation = list(complaint.messages.order_by("at", "id"))
    allowed = services.allowed_actions(complaint, actor)
    language = get_language() or "zh-hans"
    chosen = request.GET.get("template", "")
    party = party_of(actor)
    context = {
        "c": complaint,
        "sla": services.sla_status(complaint),
        "timeline": timeline,
        "conversation": conversation,
        "forms": _action_forms(complaint, actor),
        "may_propose": "propose_solution" in allowed,
        "templates": replies.choices(language),
        "chosen_template": chosen,
        "reply_text": replies.render(chosen, language, complaint, agent_label=actor.label)
        if chosen
        else "",
        "responsibilities": list(words.RESPONSIBILITIES.items()),
        "severities": SEVERITY_CHOICES,
        "approvals": list(ApprovalRequest.objects.filter(complaint=complaint)[:10]),
        "may_claim": complaint.is_open
        and complaint.assignee_id is None
        and actor.role in services.DESK_HOLDERS,
        "may_assign": party in {SPECIALIST, MANAGER},
        "desk_users": list(
            User.objects.filter(role__in=services.DESK_HOLDERS, is_active=True).order_by(
                "username"
            )[:200]
        )
        if party in {SPECIALIST, MANAGER}
        else [],
        "errors": FormErrors(),
        "failed": "",
        "posted": {},
    }
    context.update(extra)
    return context


def _page(request, actor, complaint_id, *, status=200, **extra) -> HttpResponse:
    complaint = selectors.complaint_for(actor, complaint_id)
    context = complaint_context(request, actor, complaint, **extra)
    return render(request, "web/desk/complaint.html", context, status=status)


@for_party(PLATFORM)
def complaint(request: HttpRequest, actor: Actor, complaint_id: int) -> HttpResponse:
    if request.htmx and "template" in request.GET:  # the template picker fills the textarea
        c = selectors.complaint_for(actor, complaint_id)
        text = replies.render(
            request.GET["template"], get_language() or "", c, agent_label=actor.label
        )
        return render(request, "web/desk/reply_text.html", {"reply_text": text})
    return _page(request, actor, complaint_id)


def _run(request, actor, complaint_id, failed: str, step) -> HttpResponse:
    complaint = selectors.complaint_for(actor, complaint_id)
    try:
        step(complaint)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        return _page(
            request,
            actor,
            complaint_id,
            status=409 if exc.status == 409 else 422,
            errors=form_errors(exc),
            failed=failed,
            posted=request.POST,
        )
    return redirect("desk:complaint", complaint_id=complaint_id)


@require_POST
@for_party(PLATFORM)
def claim(request: HttpRequest, actor: Actor, complaint_id: int) -> HttpResponse:
    def step(c):
        services.claim(actor=actor, complaint=c)
        messages.success(request, _("You hold this complaint now."))

    if request.POST.get("from") == "queue":
        complaint = selectors.complaint_for(actor, complaint_id)
        try:
            services.claim(actor=actor, complaint=complaint)
            messages.success(request, _("You hold this complaint now."))
        except DomainError as exc:
            messages.error(request, form_errors(exc).detail)
        return redirect("desk:complaints")
    return _run(request, actor, complaint_id, "claim", step)


@require_POST
@for_party(PLATFORM)
def assign(request: HttpRequest, actor: Actor, complaint_id: int) -> HttpResponse:
    raw = request.POST.get("assignee", "")
    assignee = int(raw) if raw.isdigit() else None
    return _run(
        request,
        actor,
        complaint_id,
        "assign",
        lambda c: services.assign(actor=actor, complaint=c, assignee_id=assignee),
    )


@require_POST
@for_party(PLATFORM)
def reply(request: HttpRequest, actor: Actor, complaint_id: int) -> HttpResponse:
    internal = request.POST.get("internal") == "1"
    return _run(
        request,
        actor,
        complaint_id,
        "note" if internal else "reply",
        lambda c: services.add_message(
            actor=actor, complaint=c, text=request.POST.get("text", ""), internal=internal
        ),
    )


def _body(post) -> services.ActionBody:
    solution = None
    kind = post.get("solution_kind", "").strip()
    if kind:
        solution = {"kind": kind}
        if kind == "compensation":
            solution.update(
                form=post.get("solution_form", "money"),
                amount=post.get("solution_amount", "").strip(),
            )
        if post.get("solution_note", "").strip():
            solution["note"] = post["solution_note"].strip()
    return services.ActionBody(
        note=post.get("note", "").strip(),
        reason=post.get("reason", "").strip(),
        severity=post.get("severity", "").strip(),
        solution=solution,
        responsibility=post.get("responsibility", "").strip(),
        reason_codes=tuple(c.strip() for c in post.get("reason_codes", "").split(",") if c.strip()),
    )


@require_POST
@for_party(PLATFORM)
def act(request: HttpRequest, actor: Actor, complaint_id: int, action: str) -> HttpResponse:
    """One of the flow's actions, through the same `services.act` the API calls."""

    def step(c):
        services.require_known_action(action)
        services.act(complaint=c, actor=actor, action=action, body=_body(request.POST))

    return _run(request, actor, complaint_id, action, step)


def _day(raw: str):
    """A date from the form as the start of that day, local time; None when empty or bad."""
    from datetime import date, datetime, time

    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return datetime.combine(day, time(0), tzinfo=clock.localtime(clock.now()).tzinfo)


@for_party(PLATFORM)
def sla_breaches(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The breach report per team and agent (the same grouped query as the API)."""
    from aftersales.complaints import breaches

    form = {k: request.GET.get(k, "").strip() for k in ("from", "to", "team", "agent")}
    start, end = _day(form["from"]), _day(form["to"])
    error = ""
    if (form["from"] and start is None) or (form["to"] and end is None):
        error = _("Dates are written YYYY-MM-DD.")
    rows = breaches.breaches(actor, start=start, end=end, team=form["team"], agent=form["agent"])
    return render(
        request,
        "web/desk/breaches.html",
        {"rows": rows, "total": sum(r["breaches"] for r in rows), "form": form, "error": error},
    )
