"""The desk's "Unparsed mail" page: inbound emails kept but not understood (received time,
sender as given, the reason), each with its raw message to download and a dismiss form with a
note. The same reads and the same audited `mail.dismiss` as /api/v1/inbound/email, so the
same permission: the service desk only."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts.actors import Actor
from aftersales.complaints import mail
from aftersales.complaints.models import InboundEmail
from aftersales.core.errors import DomainError, NotFound, PermissionDenied
from aftersales.web.portal import FormErrors, for_party, form_errors

PLATFORM = "platform"
PAGE_SIZE = 100


def _page(request, actor, *, status=200, errors=None, failed=0, posted=None) -> HttpResponse:
    rows = list(
        mail.emails_visible_to(actor)
        .filter(state="unparsed")
        .order_by("-received_at", "-id")[:PAGE_SIZE]
    )
    context = {
        "emails": rows,
        "errors": errors or FormErrors(),
        "failed": failed,
        "posted": posted or {},
    }
    return render(request, "web/desk/unparsed_mail.html", context, status=status)


@for_party(PLATFORM)
def unparsed(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _page(request, actor)


@for_party(PLATFORM)
def raw(request: HttpRequest, actor: Actor, email_id: int) -> HttpResponse:
    row = mail.email_for(actor, email_id)
    body = InboundEmail.objects.values_list("raw", flat=True).get(pk=row.pk)
    response = HttpResponse(bytes(body), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="email-{row.pk}.eml"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
@for_party(PLATFORM)
def dismiss(request: HttpRequest, actor: Actor, email_id: int) -> HttpResponse:
    row = mail.email_for(actor, email_id)
    try:
        mail.dismiss(actor=actor, email=row, note=request.POST.get("note", ""))
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        return _page(
            request,
            actor,
            status=409 if exc.status == 409 else 422,
            errors=form_errors(exc),
            failed=row.pk,
            posted=request.POST,
        )
    messages.success(request, _("The mail is dismissed."))
    return redirect("desk:unparsed_mail")
