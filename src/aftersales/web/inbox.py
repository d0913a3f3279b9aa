"""The inbox page every logged-in person has (phone first): their messages unread first, marking
one read (htmx, or a plain form post without JavaScript), and their notification preferences.
Reads through notify's selectors, changes through notify's services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts.actors import Actor
from aftersales.cases.flows import party_of
from aftersales.core.errors import DomainError
from aftersales.notify import selectors, services
from aftersales.web.portal import PORTAL_OF_PARTY, FormErrors, for_party, form_errors

PAGE_SIZE = 50
EVERYONE = ("buyer", "merchant", "platform")


def _case_link(actor: Actor, subject: str) -> str:
    """Where a message about a case leads: that case in the reader's portal."""
    from django.urls import reverse

    portal = PORTAL_OF_PARTY.get(party_of(actor) or "")
    kind, _sep, key = subject.partition(":")
    if portal and kind == "case" and key.isdigit():
        return reverse(f"{portal}:case", kwargs={"case_id": int(key)})
    return ""


def _page(
    request: HttpRequest, actor: Actor, *, errors: FormErrors | None = None, status: int = 200
) -> HttpResponse:
    rows = list(selectors.inbox_page(actor)[:PAGE_SIZE])
    preference = selectors.preferences_of(actor)
    context = {
        "items": [{"message": m, "link": _case_link(actor, m.subject)} for m in rows],
        "preference": preference,
        "language": (preference.language if preference else "") or request.LANGUAGE_CODE,
        "languages": settings.LANGUAGES,
        "errors": errors or FormErrors(),
    }
    return render(request, "web/inbox.html", context, status=status)


@for_party(*EVERYONE)
def inbox(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _page(request, actor)


@require_POST
@for_party(*EVERYONE)
def mark_read(request: HttpRequest, actor: Actor, message_id: int) -> HttpResponse:
    message = services.mark_read(
        actor=actor, message=selectors.inbox_message_for(actor, message_id)
    )
    if request.htmx:  # the row, read now, and the navigation's count out of band
        return render(
            request,
            "web/parts/inbox_item.html",
            {
                "item": {"message": message, "link": _case_link(actor, message.subject)},
                "unread_count": selectors.unread_count(actor),
                "oob": True,
            },
        )
    return redirect("inbox")


@require_POST
@for_party(*EVERYONE)
def preferences(request: HttpRequest, actor: Actor) -> HttpResponse:
    post = request.POST
    try:
        services.set_preferences(
            actor=actor,
            language=post.get("language") or None,
            email=post.get("email") == "1",
            sms=post.get("sms") == "1",
            quiet_hours=post.get("quiet_hours") == "1",
        )
    except DomainError as exc:
        return _page(request, actor, errors=form_errors(exc), status=422)
    messages.success(request, _("Your notification preferences are saved."))
    return redirect("inbox")
