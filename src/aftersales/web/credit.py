"""The credit pages: a buyer's standing, why, and their appeal; a merchant's monthly credit
beside its category's mean (chart) with its restrictions and appeal; the desk's credit
appeals and flag reviews. Views parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.accounts.actors import Actor
from aftersales.core.errors import DomainError
from aftersales.credit import selectors, services
from aftersales.orders.models import Category
from aftersales.web import portal, wording
from aftersales.web.portal import for_party

# What each part of the score means, as the buyer reads it.
COMPONENTS = {
    "return_rate": gettext_lazy("Requests compared with orders"),
    "value_ratio": gettext_lazy("Amount refunded compared with amount bought"),
    "refund_only_ratio": gettext_lazy("Refund-only requests compared with orders"),
    "failed_inspections": gettext_lazy("Returns that failed inspection"),
    "rulings_against": gettext_lazy("Appeals the platform decided for the shop"),
    "shop_flags": gettext_lazy("Shops that reported a problem"),
}
FLAGS = {
    "penalty.no_fast_lane": gettext_lazy("No fast-lane refunds for now"),
    "penalty.inspect_first": gettext_lazy("Refunds wait for the shop's inspection"),
    "review.open": gettext_lazy("A person is reviewing reports from shops"),
    "score.below_fast_lane": gettext_lazy("Score under the fast-lane line"),
    "history.too_short": gettext_lazy("Not enough orders yet for the fast lane"),
}
PENALTIES = {
    "no_fast_lane": gettext_lazy("No fast lane"),
    "inspect_first": gettext_lazy("Inspection before refund"),
}
RESTRICTIONS = {
    "larger_deposit": gettext_lazy("Larger deposit"),
    "shorter_review": gettext_lazy("Shorter review deadlines"),
    "manual_rejection_review": gettext_lazy("Rejections reviewed by the platform"),
}
METRICS = {
    "dispute_refund_rate": gettext_lazy("Dispute refund rate (纠纷退款率)"),
    "self_finish_rate": gettext_lazy("Refunds finished without the platform (退款自主完结率)"),
    "finish_hours": gettext_lazy("Hours to finish a refund (退款完结时长)"),
    "quality_refund_rate": gettext_lazy("Quality refund rate (品质退款率)"),
    "intervention_rate": gettext_lazy("Platform intervention rate (平台介入率)"),
    "invalid_rejection_rate": gettext_lazy("Rejections overturned"),
    "late_response_rate": gettext_lazy(
        "Requests not handled in 48 h (a day more per statutory rest day)"
    ),
}
STATES = {
    "pending": gettext_lazy("waiting for a person"),
    "upheld": gettext_lazy("upheld, removed"),
    "dismissed": gettext_lazy("dismissed"),
}


def _figure(code: str, value) -> str:
    if value is None:
        return "—"
    if code == "finish_hours":
        return f"{float(value):.1f} h"
    return f"{float(value) * 100:.1f}%"


def _penalty_row(p, pending: set[int]) -> dict:
    return {
        "p": p,
        "label": wording.label(PENALTIES, p.kind),
        "since": wording.when(p.imposed_at),
        "may_appeal": p.lifted_at is None and p.pk not in pending,
        "appealed": p.pk in pending,
    }


@for_party("buyer")
def buyer_credit(request: HttpRequest, actor: Actor) -> HttpResponse:
    credit = selectors.buyer_credit(actor, actor.buyer_id)
    standing = credit["standing"]
    pending = {a.penalty_id for a in credit["appeals"] if a.state == "pending"}
    context = {
        "standing": standing,
        "components": [
            {"c": c, "label": wording.label(COMPONENTS, c.code)} for c in standing.components
        ],
        "flags": [wording.label(FLAGS, f) for f in standing.flags],
        "penalties": [_penalty_row(p, pending) for p in credit["penalties"]],
        "appeals": [
            {"a": a, "state": wording.label(STATES, a.state), "due": wording.when(a.due_at)}
            for a in credit["appeals"]
        ],
    }
    return render(request, "web/credit/buyer.html", context)


@for_party("buyer")
def buyer_report(request: HttpRequest, actor: Actor) -> HttpResponse:
    report = services.request_activity_report(actor=actor, buyer_id=actor.buyer_id)
    return render(request, "web/credit/report.html", {"report": report})


def _appeal(request: HttpRequest, actor: Actor, **subject) -> None:
    try:
        services.file_appeal(actor=actor, reason=request.POST.get("reason", ""), **subject)
        messages.success(request, _("Your appeal is filed. A person will decide it."))
    except DomainError as exc:
        messages.error(request, portal.form_errors(exc).detail)


@require_POST
@for_party("buyer")
def buyer_appeal(request: HttpRequest, actor: Actor, penalty_id: int) -> HttpResponse:
    _appeal(request, actor, penalty_id=penalty_id)
    return redirect("buyer:credit")


def _month_asked(request: HttpRequest):
    """`?month=YYYY-MM`, or None; a month that cannot be is no page (404)."""
    from aftersales.credit.metrics import Month

    text = request.GET.get("month", "")
    if not text:
        return None
    try:
        return Month.parse(text).first
    except DomainError:
        raise Http404 from None


def _month_label(rating) -> str:
    label = f"{rating.month:%Y-%m}"
    return _("%(month)s (to date)") % {"month": label} if rating.partial else label


@for_party("merchant")
def merchant_credit(request: HttpRequest, actor: Actor) -> HttpResponse:
    credit = selectors.merchant_credit(actor, actor.merchant_id, month=_month_asked(request))
    ratings = credit["ratings"]
    chosen = credit["chosen"]
    rows = [m for m in credit["metrics"] if chosen and m.month == chosen.month]
    pending = {a.restriction_id for a in credit["appeals"] if a.state == "pending"}
    shown = [m for m in rows if m.metric != "finish_hours"]  # hours do not share the % axis
    context = {
        "chosen": chosen,
        "month_label": _month_label(chosen) if chosen else "",
        "category": wording.label(dict(Category.choices), chosen.category) if chosen else "",
        "months": [
            {"value": f"{r.month:%Y-%m}", "label": _month_label(r), "chosen": r == chosen}
            for r in ratings
        ],
        "rows": [
            {
                "label": wording.label(METRICS, m.metric),
                "value": _figure(m.metric, m.value),
                "mean": _figure(m.metric, m.category_mean),
                "inputs": f"{m.numerator:g} / {m.denominator:g}",
            }
            for m in rows
        ],
        "restrictions": [
            {
                "r": r,
                "label": wording.label(RESTRICTIONS, r.kind),
                "may_appeal": r.lifted_at is None and r.pk not in pending,
                "appealed": r.pk in pending,
            }
            for r in credit["restrictions"]
        ],
        "appeals": [
            {"a": a, "state": wording.label(STATES, a.state), "due": wording.when(a.due_at)}
            for a in credit["appeals"]
        ],
        "signals": chosen.snapshot.get("signals", []) if chosen else [],
        "chart": {
            "metrics": [str(wording.label(METRICS, m.metric)) for m in shown],
            "mine": [float(m.value or 0) * 100 for m in shown],
            "mean": [float(m.category_mean or 0) * 100 for m in shown],
            "mine_name": _("Your shop"),
            "mean_name": _("Category mean"),
            "months": [_month_label(r) for r in reversed(ratings)],
            "scores": [r.score for r in reversed(ratings)],
            "score_name": _("Score"),
        },
    }
    return render(request, "web/credit/merchant.html", context)


@require_POST
@for_party("merchant")
def merchant_appeal(request: HttpRequest, actor: Actor, restriction_id: int) -> HttpResponse:
    _appeal(request, actor, restriction_id=restriction_id)
    return redirect("merchant:credit")


@for_party("platform")
def desk_appeals(request: HttpRequest, actor: Actor) -> HttpResponse:
    items = []
    for a in selectors.appeals_queue(actor)[:100]:
        subject = a.penalty or a.restriction
        who = a.buyer.external_id if a.buyer_id else a.merchant.name
        table = PENALTIES if a.penalty_id else RESTRICTIONS
        items.append(
            {
                "a": a,
                "who": who,
                "party": _("Buyer") if a.penalty_id else _("Merchant"),
                "kind": wording.label(table, subject.kind),
                "reason_code": subject.reason_code,
                "due": wording.when(a.due_at),
                "overdue": a.escalated_at is not None,
                "snapshot": subject.snapshot,
            }
        )
    reviews = list(selectors.reviews_queue(actor)[:100])
    return render(request, "web/desk/credit.html", {"items": items, "reviews": reviews})


@require_POST
@for_party("platform")
def desk_decide(request: HttpRequest, actor: Actor, appeal_id: int) -> HttpResponse:
    try:
        services.decide_appeal(
            actor=actor,
            appeal_id=appeal_id,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Appeal #%(id)d decided.") % {"id": appeal_id})
    except DomainError as exc:
        messages.error(request, portal.form_errors(exc).detail)
    return redirect("desk:credit")


@require_POST
@for_party("platform")
def desk_review(request: HttpRequest, actor: Actor, review_id: int) -> HttpResponse:
    try:
        services.decide_review(
            actor=actor,
            review_id=review_id,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Review #%(id)d decided.") % {"id": review_id})
    except DomainError as exc:
        messages.error(request, portal.form_errors(exc).detail)
    return redirect("desk:credit")
