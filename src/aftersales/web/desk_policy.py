"""The desk's policy and calendar pages: the versions (name@N, when, by whom, the rules, what
each changed from the one before), the draft to edit and publish, and a year's holidays and
调休 days to correct. Specialists read; managers and administrators change (permissions)."""

from __future__ import annotations

import json
from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts.actors import Actor
from aftersales.accounts.permissions import has_permission, require
from aftersales.core import clock
from aftersales.core.calendar import CalendarUnknown
from aftersales.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from aftersales.policy import loading
from aftersales.policy import selectors as policy_reads
from aftersales.policy import services as policy
from aftersales.web import portal
from aftersales.web.portal import FormErrors, for_party

PLATFORM = "platform"


def _inline(exc: DomainError) -> FormErrors:
    if isinstance(exc, NotFound | PermissionDenied):
        raise exc
    errors = portal.form_errors(exc)
    # A document's refusals name the field: shown as one list over the editor.
    for error in exc.errors:
        errors.fields.setdefault("document", []).append(f"{error.field}: {error.message}")
    return errors


def _policy_page(request, actor, *, draft_text=None, errors=None, status=200) -> HttpResponse:
    versions = list(policy_reads.versions_visible_to(actor))
    chosen = versions[0] if versions else None
    label = request.GET.get("version", "")
    if label:
        name, number = loading.parse_label(label, field="version")
        chosen = policy_reads.version_for(actor, name, number)
    previous = policy_reads.previous_of(chosen) if chosen else None
    draft = policy_reads.draft_of(actor, chosen.name) if chosen else None
    if draft_text is None:
        source = draft.document if draft else (chosen.document if chosen else {})
        draft_text = json.dumps(source, ensure_ascii=False, indent=2)
    context = {
        "versions": versions,
        "chosen": chosen,
        "previous": previous,
        "rules": policy_reads.rules_summary(chosen.document) if chosen else [],
        "changes": policy_reads.diff(previous.document if previous else None, chosen.document)
        if chosen
        else [],
        "draft": draft,
        "draft_text": draft_text,
        "may_publish": has_permission(actor, "policy.publish"),
        "errors": errors or FormErrors(),
    }
    return render(request, "web/desk/policy.html", context, status=status)


@for_party(PLATFORM)
def policy_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    try:
        return _policy_page(request, actor)
    except InvalidInput:
        raise NotFound("No such version.") from None


@require_POST
@for_party(PLATFORM)
def policy_draft(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Save the draft (and publish it, when the publish button was pressed)."""
    text = request.POST.get("document", "")
    name = request.POST.get("name", "")
    try:
        require(actor, "policy.publish")
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise InvalidInput.on_field("document", f"not JSON: {exc}") from None
        policy.save_policy_draft(actor=actor, name=name, document=document)
        if "publish" in request.POST:
            version = policy.publish_draft(
                actor=actor, name=name, note=request.POST.get("note", "").strip()
            )
            messages.success(request, _("Published %(version)s.") % {"version": version.label})
        else:
            messages.success(request, _("The draft is saved."))
    except DomainError as exc:
        return _policy_page(request, actor, draft_text=text, errors=_inline(exc), status=422)
    return redirect("desk:policy")


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    return int(raw) if raw.isdigit() else clock.localtime(clock.now()).year


def _calendar_page(request, actor, *, errors=None, status=200) -> HttpResponse:
    year = _year(request)
    known = policy_reads.known_years()
    try:
        days = policy_reads.calendar_year(actor, year)
    except CalendarUnknown:  # a year not imported: the page says so
        days = None
    context = {
        "year": year,
        "years": known,
        "days": days,
        "may_edit": has_permission(actor, "calendar.edit"),
        "errors": errors or FormErrors(),
        "posted": request.POST if errors else {},
    }
    return render(request, "web/desk/calendar.html", context, status=status)


@for_party(PLATFORM)
def calendar_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _calendar_page(request, actor)


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput.on_field("date", "a date as 2026-10-01") from None


@require_POST
@for_party(PLATFORM)
def calendar_day(request: HttpRequest, actor: Actor) -> HttpResponse:
    try:
        day = _date(request.POST.get("date", ""))
        if request.POST.get("kind") == "weekday_rule":
            policy.remove_calendar_day(actor=actor, day=day)
        else:
            policy.set_calendar_day(
                actor=actor,
                day=day,
                kind=request.POST.get("kind", ""),
                name=request.POST.get("name", ""),
                in_lieu=request.POST.get("in_lieu") == "1",
            )
    except DomainError as exc:
        return _calendar_page(request, actor, errors=_inline_plain(exc), status=422)
    messages.success(request, _("%(day)s is saved.") % {"day": day.isoformat()})
    return redirect(f"/desk/calendar/?year={day.year}")


def _inline_plain(exc: DomainError) -> FormErrors:
    if isinstance(exc, NotFound | PermissionDenied):
        raise exc
    return portal.form_errors(exc)
