"""The buyer's pages (phone first): my orders, a request with its eligibility shown live, my
cases and each case with its timeline, deadlines in plain words and the allowed actions."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from aftersales.accounts.actors import Actor
from aftersales.cases import logistics, selectors, services
from aftersales.cases.evidence import add_evidence
from aftersales.core.errors import DomainError, NotFound
from aftersales.orders.models import Order
from aftersales.orders.selectors import orders_visible_to
from aftersales.policy.services import EligibilityQuestion, judge_eligibility
from aftersales.policy.vocabulary import CONDITIONS, REASONS, REQUEST_TYPES
from aftersales.returns import selectors as returns_selectors
from aftersales.web import portal, wording
from aftersales.web.portal import FormErrors, for_party, form_errors

BUYER = "buyer"


@for_party(BUYER)
def orders(request: HttpRequest, actor: Actor) -> HttpResponse:
    rows = (
        orders_visible_to(actor)
        .select_related("merchant")
        .prefetch_related("lines")
        .order_by("-placed_at", "-id")[:50]
    )
    return render(request, "web/buyer/orders.html", {"orders": rows})


def _order(actor: Actor, order_id: int) -> Order:
    try:
        return (
            orders_visible_to(actor)
            .select_related("merchant")
            .prefetch_related("lines")
            .get(pk=order_id)
        )
    except Order.DoesNotExist:
        raise NotFound(f"No order {order_id}.") from None


def _claims(post, order: Order) -> list[services.LineClaim]:
    chosen = set(post.getlist("line"))
    condition = post.get("condition", "unopened")
    claims = []
    for line in order.lines.all():
        if line.line_id in chosen:
            raw = post.get(f"quantity_{line.line_id}", "1")
            quantity = int(raw) if raw.isdigit() else 0
            claims.append(services.LineClaim(line.line_id, quantity, condition))
    return claims


def _choices() -> dict:
    return {
        "types": [(t, wording.label(wording.TYPES, t)) for t in REQUEST_TYPES],
        "reasons": [(r, wording.label(wording.REASONS, r)) for r in REASONS],
        "conditions": [(c, wording.label(wording.CONDITIONS, c)) for c in CONDITIONS],
    }


def _eligibility(actor: Actor, order: Order, post) -> list[dict]:
    """The policy's decision for each chosen line: the same `judge_eligibility` as the API."""
    out = []
    for claim in _claims(post, order):
        question = EligibilityQuestion(
            order=order.external_id,
            merchant=order.merchant.code,
            line_id=claim.line_id,
            sku=None,
            quantity=claim.quantity,
            type=post.get("type", "return_refund"),
            reason=post.get("reason", "no_reason"),
            condition=claim.condition,
        )
        try:
            decision = judge_eligibility(actor=actor, question=question)
        except DomainError as exc:
            out.append({"line_id": claim.line_id, "errors": form_errors(exc)})
            continue
        language = "en" if request_language().startswith("en") else "zh-hans"
        out.append(
            {
                "line_id": claim.line_id,
                "eligible": decision.eligible,
                "reasons": [r.message(language) for r in decision.reasons],
                "window_ends_at": decision.window_ends_at and wording.when(decision.window_ends_at),
                "instead": [
                    wording.label(wording.TYPES, t)
                    for t in decision.allowed_types
                    if t != question.type
                ],
                "refundable_amount": decision.refundable_amount,
                "currency": decision.currency,
                "required_evidence": [
                    wording.label(wording.EVIDENCE, e) for e in decision.required_evidence
                ],
            }
        )
    return out


def request_language() -> str:
    from django.utils.translation import get_language

    return get_language() or "zh-hans"


@for_party(BUYER)
def new_request(request: HttpRequest, actor: Actor, order_id: int) -> HttpResponse:
    order = _order(actor, order_id)
    errors = FormErrors()
    if request.method == "POST" and "check" not in request.POST:
        try:
            case = services.open_case(
                actor=actor,
                order=order.external_id,
                merchant=order.merchant.code,
                type=request.POST.get("type", ""),
                reason=request.POST.get("reason", ""),
                description=request.POST.get("description", "").strip(),
                lines=_claims(request.POST, order),
            )
        except DomainError as exc:
            errors = form_errors(exc)
        else:
            files = request.FILES.getlist("files")
            if files:
                try:
                    add_evidence(case=case, actor=actor, files=files)
                except DomainError as exc:  # the case stands; its page says why
                    return portal.render_case(
                        request, actor, case, errors=form_errors(exc), failed_action="files"
                    )
            return redirect("buyer:case", case_id=case.pk)
    posted = request.POST if request.method == "POST" else None
    context = {
        "order": order,
        "errors": errors,
        "posted": posted or {},
        "chosen": set(posted.getlist("line")) if posted else set(),
        "eligibility": _eligibility(actor, order, posted) if posted else [],
        **_choices(),
    }
    return render(request, "web/buyer/request.html", context, status=422 if errors else 200)


@require_POST
@for_party(BUYER)
def eligibility(request: HttpRequest, actor: Actor, order_id: int) -> HttpResponse:
    """The request form's live panel (htmx): the decision for the lines chosen so far."""
    order = _order(actor, order_id)
    return render(
        request,
        "web/buyer/eligibility.html",
        {"eligibility": _eligibility(actor, order, request.POST)},
    )


@for_party(BUYER)
def cases(request: HttpRequest, actor: Actor) -> HttpResponse:
    rows = selectors.filtered_cases(actor).order_by("-opened_at", "-id")[:50]
    return render(request, "web/buyer/cases.html", {"cases": rows})


@for_party(BUYER)
def case(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    return portal.render_case(request, actor, selectors.case_for(actor, case_id))


@require_POST
@for_party(BUYER)
def act(request: HttpRequest, actor: Actor, case_id: int, action: str) -> HttpResponse:
    return portal.take_action(request, actor, case_id, action)


@require_POST
@for_party(BUYER)
def book_pickup(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    """上门取件: the merchant's pickup carrier collects in the chosen slot (`book_return_pickup`,
    as the API's POST /cases/{id}/return/pickup); refusals come back inline."""
    case = selectors.case_for(actor, case_id)
    options = returns_selectors.return_options(
        returns_selectors.return_settings_of(case.merchant_id)
    )
    try:
        slot_start, slot_end = portal.pickup_slot(request.POST.get("slot", ""))
        logistics.book_return_pickup(
            actor=actor,
            case=case,
            carrier=options.pickup_carrier,
            slot_start=slot_start,
            slot_end=slot_end,
            address=request.POST.get("address", "").strip(),
        )
    except NotFound:
        raise
    except DomainError as exc:
        case = selectors.case_for(actor, case_id)
        return portal.render_case(
            request, actor, case, errors=form_errors(exc), failed_action="pickup", status=422
        )
    return redirect("buyer:case", case_id=case.pk)
