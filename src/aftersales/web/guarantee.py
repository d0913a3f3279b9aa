"""The guarantee fund's pages: the merchant's deposit against its requirement, its ledger and
its pay-firsts with a contest button until the window's end; the desk's contests to decide.
Each form calls one service; refusals come back inline, in the user's language."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.accounts import selectors as accounts
from aftersales.accounts.actors import Actor
from aftersales.core.errors import DomainError
from aftersales.guarantee import selectors, services
from aftersales.orders.models import Category
from aftersales.web import wording
from aftersales.web.portal import FormErrors, for_party, form_errors

MERCHANT, PLATFORM = "merchant", "platform"
PAGE_SIZE = 50

ACCOUNTS = {
    "deposit": gettext_lazy("Deposit"),
    "settlement": gettext_lazy("Settlement"),
    "held": gettext_lazy("Held settlement"),
    "receivable": gettext_lazy("Owed to the platform"),
    "buyer_payout": gettext_lazy("Paid to buyers"),
    "inflow": gettext_lazy("Paid in"),
    "platform_loss": gettext_lazy("Borne by the platform"),
}
MOVEMENTS = {
    "top_up": gettext_lazy("Top-up"),
    "settlement_credit": gettext_lazy("Settlement income"),
    "hold": gettext_lazy("Held for a dispute"),
    "release": gettext_lazy("Released"),
    "deduct": gettext_lazy("Deducted"),
    "claim": gettext_lazy("Paid first by the platform"),
    "collect": gettext_lazy("Recovered"),
    "reversal": gettext_lazy("Reversed"),
}
SOURCES = {
    "ruling": gettext_lazy("ruling"),
    "dispute": gettext_lazy("dispute"),
    "pay_first": gettext_lazy("pay-first"),
    "top_up": gettext_lazy("top-up"),
    "order": gettext_lazy("order"),
    "case": gettext_lazy("case"),
    "operator": gettext_lazy("operator"),
}
CONTESTS = {
    "none": gettext_lazy("not contested"),
    "contested": gettext_lazy("contested, awaiting the platform"),
    "upheld": gettext_lazy("contest upheld: you were made whole"),
    "rejected": gettext_lazy("contest rejected"),
}


def _errors(exc: DomainError) -> FormErrors:
    """The service's refusal in the user's language; a late contest names the window's end."""
    out = form_errors(exc)
    end = exc.extensions.get("window_ends_at")
    if end:
        out.fields["contest"] = [
            _("The window to contest ended at %(end)s (%(rule)s).")
            % {"end": wording.when_iso(str(end)), "rule": exc.extensions.get("rule", "")}
        ]
    return out


def _movement_row(movement) -> dict:
    """A movement as the merchant reads it: what changed on its own money accounts."""
    shown = {"deposit", "settlement", "held", "receivable"}
    return {
        "movement": movement,
        "kind": wording.label(MOVEMENTS, movement.kind),
        "source": wording.label(SOURCES, movement.source),
        "at": wording.when(movement.at),
        "changes": [
            {
                "account": wording.label(ACCOUNTS, e.account.kind),
                # Shown in each account's own direction: + is more on that account.
                "amount": -e.amount if e.account.kind != "receivable" else e.amount,
            }
            for e in movement.entries.all()
            if e.account.kind in shown
        ],
    }


def _pay_first_row(record, actor: Actor, errors: FormErrors | None = None) -> dict:
    return {
        "record": record,
        "due": wording.when(record.contest_due_at),
        "state": wording.label(CONTESTS, record.contest_state),
        "actions": services.contest_actions(record, actor),
        "errors": errors or FormErrors(),
    }


def _deposit_page(
    request: HttpRequest,
    actor: Actor,
    *,
    errors: dict[int, FormErrors] | None = None,
    status: int = 200,
) -> HttpResponse:
    merchant = accounts.merchants_visible_to(actor).get(pk=actor.merchant_id)
    deposit = selectors.deposit_of(actor, merchant.code)
    ledger = selectors.ledger_page(merchant, limit=PAGE_SIZE, cursor=request.GET.get("cursor"))
    pay_firsts = selectors.pay_first_page(merchant, limit=PAGE_SIZE, cursor=None)
    errors = errors or {}
    context = {
        "merchant": merchant,
        "deposit": deposit,
        "requirement": deposit.requirement,
        "category": wording.label(dict(Category.choices), deposit.requirement.category)
        if deposit.requirement.category
        else "",
        "movements": [_movement_row(m) for m in ledger.items],
        "next_cursor": ledger.next_cursor,
        "pay_firsts": [_pay_first_row(r, actor, errors.get(r.pk)) for r in pay_firsts.items],
    }
    return render(request, "web/merchant/deposit.html", context, status=status)


@for_party(MERCHANT)
def deposit(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _deposit_page(request, actor)


@require_POST
@for_party(MERCHANT)
def contest(request: HttpRequest, actor: Actor, pay_first_id: int) -> HttpResponse:
    """Contest a pay-first; with htmx the row comes back, in place, with the outcome."""
    try:
        record = services.contest_pay_first(
            pay_first_id, reason=request.POST.get("reason", ""), actor=actor
        )
    except DomainError as exc:
        errors = _errors(exc)
        if request.htmx:
            record = services.pay_first_for(actor, pay_first_id)
            return render(
                request,
                "web/parts/pay_first_row.html",
                {"item": _pay_first_row(record, actor, errors)},
                status=422,
            )
        return _deposit_page(request, actor, errors={pay_first_id: errors}, status=422)
    if request.htmx:
        return render(
            request, "web/parts/pay_first_row.html", {"item": _pay_first_row(record, actor)}
        )
    messages.success(request, _("Your contest was sent to the platform."))
    return redirect("merchant:deposit")


def _contests_page(
    request: HttpRequest,
    actor: Actor,
    *,
    errors: dict[int, FormErrors] | None = None,
    status: int = 200,
) -> HttpResponse:
    errors = errors or {}
    rows = list(selectors.contests_to_decide(actor)[:PAGE_SIZE])
    items = [
        {**_pay_first_row(r, actor, errors.get(r.pk)), "contested": wording.when(r.contested_at)}
        for r in rows
    ]
    return render(request, "web/desk/contests.html", {"items": items}, status=status)


@for_party(PLATFORM)
def contests(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _contests_page(request, actor)


@require_POST
@for_party(PLATFORM)
def decide(request: HttpRequest, actor: Actor, pay_first_id: int) -> HttpResponse:
    try:
        services.decide_pay_first_contest(
            pay_first_id,
            uphold=request.POST.get("decision") == "uphold",
            note=request.POST.get("note", ""),
            actor=actor,
        )
    except DomainError as exc:
        return _contests_page(request, actor, errors={pay_first_id: _errors(exc)}, status=422)
    messages.success(request, _("The contest is decided."))
    return redirect("desk:contests")
