"""What every portal page shares: the logged-in user as an Actor, the party a page is for,
domain errors turned into a 404 page or inline form errors (the API's messages, in the
user's language), and the case page's context (timeline, deadlines, allowed actions)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from aftersales.accounts.actors import Actor, actor_for_user
from aftersales.cases import deadlines, logistics, selectors, services
from aftersales.cases import sla as case_sla
from aftersales.cases.evidence import evidence_visible_to
from aftersales.cases.flows import flow_for, party_of
from aftersales.cases.models import Case
from aftersales.core.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    UnsupportedMediaType,
)
from aftersales.returns import selectors as returns_selectors
from aftersales.web import wording


def actor_of(request: HttpRequest) -> Actor:
    return actor_for_user(request.user)


def for_party(*parties: str) -> Callable:
    """A page for these parties (buyer, merchant, platform); others get 403. Another tenant's
    case (NotFound from a selector) is the 404 page."""

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        @login_required
        def run(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            actor = actor_of(request)
            if party_of(actor) not in parties:
                raise DjangoPermissionDenied
            try:
                return view(request, actor, *args, **kwargs)
            except NotFound:
                raise Http404 from None
            except PermissionDenied:
                raise DjangoPermissionDenied from None

        return run

    return wrap


@dataclass
class FormErrors:
    """A domain error as a form shows it: one message on top, others by field."""

    detail: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.detail or self.fields)


def translated(message: str) -> str:
    # The services' messages are English; the catalogue holds those a page can meet.
    return _(message) if message else message


def form_errors(exc: DomainError) -> FormErrors:
    language = get_language() or "zh-hans"
    out = FormErrors(detail=translated(exc.title))
    decisions = exc.extensions.get("decisions")
    if decisions:  # a policy refusal: the decision's reasons in the user's language
        key = "en" if language.startswith("en") else "zh-Hans"
        out.fields["lines"] = [
            r["messages"][key] for d in decisions.values() for r in d.get("reasons", [])
        ]
        return out
    for error in exc.errors:
        name = error.field.split(".")[-1].split("[")[0]
        out.fields.setdefault(name, []).append(_refused_file(exc) or translated(error.message))
    if not exc.errors:
        out.detail = translated(exc.detail)
    return out


def _refused_file(exc: DomainError) -> str:
    """Why an upload was refused, in the user's language (the API's message names the file and
    the limits in English; these say the same from the problem's extensions)."""
    if isinstance(exc, UnsupportedMediaType):
        found = exc.extensions.get("detected") or _("unknown")
        return _("This file type is not accepted (%(found)s): send photos, videos or PDFs.") % {
            "found": found
        }
    if isinstance(exc, PayloadTooLarge):
        limit = int(exc.extensions.get("limit_bytes", 0)) // (1024 * 1024)
        return _("The file is too large: at most %(mb)d MB for this kind of file.") % {"mb": limit}
    return ""


def parse_amount(raw: str) -> Decimal | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        return Decimal("-1")  # refused by the service with its own message


@dataclass
class ActionForm:
    """One allowed action as a form: the fields its transition requires, the outcomes."""

    action: str
    label: str
    fields: list[str]
    outcomes: list[tuple[str, str]]
    outcome_field: str
    takes_amount: bool
    takes_files: bool
    takes_variant: bool = False


def action_forms(case: Case, actor: Actor) -> list[ActionForm]:
    """The forms for exactly `allowed_actions(case, actor)`, described by the flow."""
    flow = flow_for(case.type)
    out = []
    for action in services.allowed_actions(case, actor):
        t = flow.transition(case.state, action)
        out.append(
            ActionForm(
                action=action,
                label=wording.label(wording.ACTIONS, action),
                fields=[f for f in t.requires if f != t.outcome_field],
                outcomes=[(v, wording.label(wording.OUTCOMES, v)) for v, _ in t.outcomes],
                outcome_field=t.outcome_field,
                takes_amount=any(v == "partial" for v, _ in t.outcomes)
                or (action == "refund" and party_of(actor) == "merchant"),
                takes_files=action in {"inspect", "appeal", "confirm_receipt"},
                takes_variant=action == "ship_replacement" and case.type == "exchange",
            )
        )
    return out


def case_context(case: Case, actor: Actor) -> dict:
    """Everything a case page shows: lines, the policy decision, the timeline, the open
    deadlines in plain words, the evidence the actor may see, and the allowed actions."""
    lines = list(case.lines.select_related("order_line"))
    events = list(selectors.events_visible_to(actor, case).order_by("seq"))
    open_deadlines = deadlines.open_deadlines(case)
    evidence = list(evidence_visible_to(actor, case))
    forms = action_forms(case, actor)
    return {
        "case": case,
        "lines": lines,
        "events": events,
        "deadlines": [wording.deadline_sentence(d) for d in open_deadlines],
        "sla": case_sla.status(case, open_deadlines),
        "evidence": evidence,
        "forms": forms,
        **_return_context(case, actor, forms),
        "decision": case.decision,
        "window_ends": wording.when_iso(case.decision.get("window_ends_at")),
        "shipping_payer": wording.label(
            wording.PAYERS, case.decision.get("return_shipping_paid_by") or ""
        ),
        "reasons": _reasons(case.decision),
    }


INSPECTION_RESULTS = ("pass", "partial", "fail")  # returns.models.Inspection.Result


def _return_context(case: Case, actor: Actor, forms: list[ActionForm]) -> dict:
    """The return as `return_view` shows it to this actor, and what its forms offer: the
    merchant's carriers and pickup slots while the buyer ships, the inspection's choices."""
    actions = {f.action for f in forms}
    ret = logistics.return_view(actor, case)
    out: dict = {"ret": ret, "may_intercept": logistics.may_request_interception(actor, case)}
    if "ship_return" in actions:
        options = returns_selectors.return_options(
            returns_selectors.return_settings_of(case.merchant_id)
        )
        out["return_options"] = options
        if options.pickup_carrier:
            out["pickup_slots"] = [
                (f"{a.isoformat()}|{b.isoformat()}", wording.when(a) + "–" + b.strftime("%H:%M"))
                for a, b in returns_selectors.pickup_slots()
            ]
    if "ship_replacement" in actions:
        out["all_carriers"] = [(c, n) for c, n, _p in returns_selectors.known_carriers()]
    if "inspect" in actions:
        out["inspection_choices"] = {
            "results": [(v, wording.label(wording.OUTCOMES, v)) for v in INSPECTION_RESULTS],
            "grades": list(wording.GRADES.items()),
            "dispositions": list(wording.DISPOSITIONS.items()),
        }
    return out


def _reasons(decision: dict) -> list[str]:
    key = "en" if (get_language() or "").startswith("en") else "zh-Hans"
    return [r.get("messages", {}).get(key, r.get("message", "")) for r in decision["reasons"]]


def _variant(post) -> dict:
    sku = post.get("variant_sku", "").strip()
    if not sku:
        return {}
    price = parse_amount(post.get("variant_unit_price", ""))
    return {
        "variant": {
            "sku": sku,
            "title": post.get("variant_title", "").strip(),
            "unit_price": price if price is not None else "",
        }
    }


def body_from(post) -> services.ActionBody:
    method = post.get("method", "").strip()
    return services.ActionBody(
        note=post.get("note", "").strip(),
        reason=post.get("reason", "").strip(),
        carrier=post.get("carrier", "").strip(),
        tracking_no=post.get("tracking_no", "").strip(),
        amount=parse_amount(post.get("amount", "")),
        result=post.get("result", "").strip(),
        ruling=post.get("ruling", "").strip(),
        expected_version=int(post["version"]) if post.get("version", "").isdigit() else None,
        extra={**({"method": method} if method else {}), **_variant(post)},
    )


def version_of(post) -> int | None:
    return int(post["version"]) if post.get("version", "").isdigit() else None


def pickup_slot(raw: str):
    """A pickup slot as the form posts it: 'start|end' in ISO 8601."""
    from datetime import datetime

    start, _sep, end = (raw or "").partition("|")
    try:
        return datetime.fromisoformat(start), datetime.fromisoformat(end)
    except ValueError:
        raise InvalidInput.on_field("pickup.slot_start", _("choose a time slot")) from None


def inspection_items(post, lines) -> list[dict]:
    """The per-line inspection form as the API's `inspections`."""
    items = []
    for line in lines:
        key = line.order_line.line_id
        if not post.get(f"result__{key}"):
            continue
        items.append(
            {
                "line_id": key,
                "result": post.get(f"result__{key}", ""),
                "grade": post.get(f"grade__{key}", ""),
                "disposition": post.get(f"disposition__{key}", ""),
                "deduction": parse_amount(post.get(f"deduction__{key}", "")),
                "reason": post.get(f"reason__{key}", "").strip(),
                "evidence_ids": [
                    int(e) for e in post.getlist(f"evidence__{key}") if str(e).isdigit()
                ],
            }
        )
    return items


PORTAL_OF_PARTY = {"buyer": "buyer", "merchant": "merchant", "platform": "desk"}


def render_case(
    request: HttpRequest,
    actor: Actor,
    case: Case,
    *,
    errors: FormErrors | None = None,
    failed_action: str = "",
    status: int = 200,
) -> HttpResponse:
    from django.shortcuts import render

    context = case_context(case, actor)
    context.update(
        portal=PORTAL_OF_PARTY[party_of(actor)],
        errors=errors or FormErrors(),
        failed_action=failed_action,
        posted=request.POST if failed_action else {},
    )
    return render(request, "web/case.html", context, status=status)


def take_action(request: HttpRequest, actor: Actor, case_id: int, action: str) -> HttpResponse:
    """POST one action (the same `services.act` the API calls); files, where the form has
    them, are attached as evidence after the step. Errors re-render the page inline."""
    from django.shortcuts import redirect

    case = selectors.case_for(actor, case_id)
    try:
        services.require_known_action(action)
        case = services.act(case=case, actor=actor, action=action, body=body_from(request.POST))
    except NotFound:
        raise
    except DomainError as exc:
        case = selectors.case_for(actor, case_id)
        return render_case(
            request, actor, case, errors=form_errors(exc), failed_action=action, status=422
        )
    files = request.FILES.getlist("files")
    if files:
        try:
            from aftersales.cases.evidence import add_evidence

            add_evidence(case=case, actor=actor, files=files, note=request.POST.get("note", ""))
        except DomainError as exc:  # the step stands; the page says why the photos did not
            case = selectors.case_for(actor, case_id)
            return render_case(
                request, actor, case, errors=form_errors(exc), failed_action="files", status=422
            )
    return redirect(f"{PORTAL_OF_PARTY[party_of(actor)]}:case", case_id=case.pk)
