"""The buyer's complaint pages (phone first): my complaints, and each complaint with its
conversation (never the desk's internal notes), its state in plain words, what happens next,
and the customer's own actions — exactly `services.allowed_actions`, the flow's one source.
Thin: a reply is `services.add_message` (it resumes a paused SLA), the rest `services.act`."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from aftersales.accounts.actors import Actor
from aftersales.complaints import selectors, services
from aftersales.core.errors import DomainError, NotFound, PermissionDenied
from aftersales.web import complaint_wording as words
from aftersales.web.portal import FormErrors, for_party, form_errors

BUYER = "buyer"
PAGE_SIZE = 50
# The customer's actions this page offers, in the order shown; `rate` has its own form.
BUTTONS = ("confirm", "dispute", "reopen")


@for_party(BUYER)
def complaints(request: HttpRequest, actor: Actor) -> HttpResponse:
    rows = (
        selectors.complaints_visible_to(actor)
        .select_related("order", "merchant")
        .order_by("-received_at", "-id")[:PAGE_SIZE]
    )
    return render(request, "web/buyer/complaints.html", {"complaints": rows})


def _page(request, actor, complaint_id, *, status=200, **extra) -> HttpResponse:
    c = selectors.complaint_for(actor, complaint_id)
    allowed = services.allowed_actions(c, actor)
    context = {
        "c": c,
        "plain_state": words.label(words.CUSTOMER_STATES, c.state),
        "next_step": words.next_step(
            c,
            auto_confirm_days=settings.AFTERSALES_COMPLAINT_AUTO_CONFIRM_WORKING_DAYS,
            reopen_until=services.reopen_deadline(c),
        ),
        "conversation": list(c.messages.exclude(direction="note").order_by("at", "id")),
        "buttons": [
            {"action": a, "label": words.label(words.CUSTOMER_ACTIONS, a)}
            for a in BUTTONS
            if a in allowed
        ],
        "may_rate": "rate" in allowed,
        "may_reply": c.is_open,
        "errors": FormErrors(),
        "failed": "",
        "posted": {},
    }
    context.update(extra)
    return render(request, "web/buyer/complaint.html", context, status=status)


@for_party(BUYER)
def complaint(request: HttpRequest, actor: Actor, complaint_id: int) -> HttpResponse:
    return _page(request, actor, complaint_id)


def _run(request, actor, complaint_id, failed: str, step) -> HttpResponse:
    c = selectors.complaint_for(actor, complaint_id)
    try:
        step(c)
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
    return redirect("buyer:complaint", complaint_id=complaint_id)


@require_POST
@for_party(BUYER)
def reply(request: HttpRequest, actor: Actor, complaint_id: int) -> HttpResponse:
    return _run(
        request,
        actor,
        complaint_id,
        "reply",
        lambda c: services.add_message(actor=actor, complaint=c, text=request.POST.get("text", "")),
    )


def _rating(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


@require_POST
@for_party(BUYER)
def act(request: HttpRequest, actor: Actor, complaint_id: int, action: str) -> HttpResponse:
    """One of the customer's actions, through the same `services.act` the API calls."""
    post = request.POST
    body = services.ActionBody(
        note=post.get("note", "").strip(),
        rating=_rating(post.get("rating", "")),
        comment=post.get("comment", "").strip()[:2000],
    )

    def step(c):
        services.require_known_action(action)
        services.act(complaint=c, actor=actor, action=action, body=body)

    return _run(request, actor, complaint_id, action, step)
