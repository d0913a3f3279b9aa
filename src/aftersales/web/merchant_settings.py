"""The merchant's settings page: the return address and carriers (the returns context's
`ReturnSettings`, the one the return flow uses; the address shown masked), automatic approval of
conforming no-reason returns, the shop's own rules within the law, and the staff accounts.
Each form calls one service; refusals come back inline, in the user's language."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts import selectors as accounts
from aftersales.accounts import services as staff_services
from aftersales.accounts.actors import Actor
from aftersales.accounts.models import MERCHANT_ROLE_ORDER, Merchant, Role
from aftersales.accounts.permissions import has_permission
from aftersales.core.errors import DomainError, NotFound, PermissionDenied, PolicyRefused
from aftersales.policy import services as policy
from aftersales.returns import selectors as returns_selectors
from aftersales.returns import services as returns_services
from aftersales.web import portal, wording
from aftersales.web.portal import FormErrors, for_party

MERCHANT = "merchant"


def _merchant(actor: Actor) -> Merchant:
    return accounts.merchants_visible_to(actor).get(pk=actor.merchant_id)


def _page(
    request: HttpRequest,
    actor: Actor,
    *,
    section: str = "",
    errors: FormErrors | None = None,
    status: int = 200,
) -> HttpResponse:
    merchant = _merchant(actor)
    rules = policy.merchant_rules(merchant)
    settings = returns_selectors.return_settings_of(merchant.pk)
    context = {
        "merchant": merchant,
        "return_address": settings
        and returns_selectors.address_json(
            settings.contact_name, settings.contact_phone, settings.address, full=False
        ),
        "accepted_carriers": request.POST.getlist("carriers")
        if section == "address"
        else (settings.carriers if settings else []),
        "pickup_carrier": request.POST.get("pickup_carrier", "")
        if section == "address"
        else (settings.pickup_carrier if settings else ""),
        "carriers": returns_selectors.known_carriers(),
        "auto_approval": rules.pop(policy.AUTO_APPROVAL),
        "rules": [
            {
                "rule": rule,
                "name": wording.label(wording.RULES, path),
                "choices": [(v, wording.label(wording.PAYERS, v)) for v in ("buyer", "merchant")]
                if isinstance(rule.platform, str)
                else [],
                "platform": wording.rule_value(rule, rule.platform),
                "field": path.replace(".", "__"),
            }
            for path, rule in rules.items()
        ],
        "staff": accounts.staff_of(actor, merchant),
        "roles": [(r.value, r.label) for r in MERCHANT_ROLE_ORDER],
        "may_configure": has_permission(actor, "merchants.configure"),
        "may_override": has_permission(actor, "policy.override"),
        "may_manage_staff": has_permission(actor, "staff.manage"),
        "section": section,
        "errors": errors or FormErrors(),
        "posted": request.POST if section else {},
    }
    return render(request, "web/merchant/settings.html", context, status=status)


@for_party(MERCHANT)
def settings_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _page(request, actor)


def form_errors(exc: DomainError) -> FormErrors:
    """A refusal as the form shows it; not found and not permitted go on to the 404 and 403
    pages (for_party turns them so)."""
    if isinstance(exc, NotFound | PermissionDenied):
        raise exc
    return portal.form_errors(exc)


def _refused(exc: DomainError, merchant: Merchant) -> FormErrors:
    """A refusal of the shop's rules, each field with its floor and row in the user's words."""
    errors = form_errors(exc)
    if isinstance(exc, PolicyRefused) and exc.errors:
        rules = policy.merchant_rules(merchant)
        prefix = f"merchants.{merchant.code}."
        errors.fields = {}
        for error in exc.errors:
            path = error.field.removeprefix(prefix)
            rule = rules.get(path)
            message = wording.refusal(rule) if rule else error.message
            errors.fields.setdefault(path.replace(".", "__"), []).append(message)
    return errors


def _done(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("merchant:settings")


@require_POST
@for_party(MERCHANT)
def return_settings(request: HttpRequest, actor: Actor) -> HttpResponse:
    # A blank address field keeps the stored one (the page shows it masked, never in full):
    # the carriers change without the address typed again; the service validates what is given.
    typed = {
        name: request.POST.get(name, "").strip() or None
        for name in ("contact_name", "contact_phone", "address")
    }
    try:
        returns_services.set_return_settings(
            actor=actor,
            merchant_id=_merchant(actor).pk,
            **typed,
            carriers=request.POST.getlist("carriers"),
            pickup_carrier=request.POST.get("pickup_carrier", ""),
        )
    except DomainError as exc:
        return _page(request, actor, section="address", errors=form_errors(exc), status=422)
    return _done(request, _("The return settings are saved."))


def _parsed(raw: str, platform):
    """A form value in the type of the platform's value (the service refuses what is wrong)."""
    raw = raw.strip()
    if isinstance(platform, bool):
        return raw == "1"
    if isinstance(platform, int):
        return int(raw) if raw.lstrip("-").isdigit() else raw
    return raw


def _save_rules(request: HttpRequest, actor: Actor, paths, section: str) -> HttpResponse:
    merchant = _merchant(actor)
    rules = policy.merchant_rules(merchant)
    changes = {
        p: _parsed(request.POST.get(p.replace(".", "__"), ""), rules[p].platform) for p in paths
    }
    try:
        version = policy.set_merchant_rules(actor=actor, merchant=merchant, changes=changes)
    except DomainError as exc:
        return _page(request, actor, section=section, errors=_refused(exc, merchant), status=422)
    return _done(request, _("Your rules are saved (policy %(version)s).") % {"version": version})


@require_POST
@for_party(MERCHANT)
def approval(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _save_rules(request, actor, [policy.AUTO_APPROVAL], "approval")


@require_POST
@for_party(MERCHANT)
def rules(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _save_rules(request, actor, policy.MERCHANT_RULE_PATHS, "rules")


@require_POST
@for_party(MERCHANT)
def add_staff(request: HttpRequest, actor: Actor) -> HttpResponse:
    try:
        user = staff_services.add_staff_user(
            actor=actor,
            merchant=_merchant(actor),
            username=request.POST.get("username", ""),
            password=request.POST.get("password", ""),
            role=request.POST.get("role", Role.MERCHANT_STAFF),
        )
    except DomainError as exc:
        return _page(request, actor, section="staff", errors=form_errors(exc), status=422)
    return _done(request, _("%(username)s can now log in.") % {"username": user.username})


@require_POST
@for_party(MERCHANT)
def deactivate_staff(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    try:
        user = staff_services.deactivate_staff_user(
            actor=actor, merchant=_merchant(actor), user_id=user_id
        )
    except DomainError as exc:
        return _page(request, actor, section="staff", errors=form_errors(exc), status=422)
    return _done(request, _("%(username)s can no longer log in.") % {"username": user.username})
