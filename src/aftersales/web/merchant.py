"""The merchant workbench: the queue by due time with filters, bulk approval of conforming
cases, and the case page with exactly the allowed actions (receipt, inspection with photos)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts.actors import Actor
from aftersales.cases import logistics, selectors, services
from aftersales.core.errors import DomainError, NotFound
from aftersales.policy.vocabulary import REQUEST_TYPES
from aftersales.web import portal, wording
from aftersales.web.portal import for_party

MERCHANT = "merchant"
PAGE_SIZE = 50
METRIC_DAYS = 30


# What the queue's rows show, and no more: the order's personal data (decrypted on load) and
# the cases' decisions stay in the database (docs/performance.md, "Portal queues").
QUEUE_COLUMNS = (
    "due_at",
    "action",
    "case__type",
    "case__reason",
    "case__state",
    "case__facts",
    "case__policy_version",
    "case__merchant_id",
    "case__order__external_id",
)


def case_path(portal_name: str) -> Callable[[int], str]:
    """`reverse(f"{portal_name}:case", args=[pk])` for many rows at the price of one."""
    prefix = reverse(f"{portal_name}:case", args=[0]).removesuffix("0/")
    return lambda pk: f"{prefix}{pk}/"


@for_party(MERCHANT)
def queue(request: HttpRequest, actor: Actor) -> HttpResponse:
    state = request.GET.get("state", "")
    type_ = request.GET.get("type", "")
    overdue = request.GET.get("overdue") == "1"
    search = request.GET.get("q", "").strip()[:128]
    rows = selectors.merchant_queue(
        actor, state=state or None, type=type_ or None, overdue=overdue, search=search
    ).only(*QUEUE_COLUMNS)[:PAGE_SIZE]
    path = case_path("merchant")
    items = [
        {
            "pk": d.case_id,
            "path": path(d.case_id),
            "order": d.case.order.external_id,
            "what": f"{wording.label(wording.TYPES, d.case.type)} · "
            f"{wording.label(wording.REASONS, d.case.reason)}",
            "state": wording.label(wording.STATES, d.case.state),
            "due": wording.when(d.due_at),
            "then": wording.label(wording.ACTIONS, d.action),
            "bulk": services.may(d.case, actor, "approve"),
        }
        for d in rows
    ]
    context = {
        "items": items,
        "states": [(s, wording.label(wording.STATES, s)) for s in selectors.MERCHANT_STATES],
        "types": [(t, wording.label(wording.TYPES, t)) for t in REQUEST_TYPES],
        "state": state,
        "type": type_,
        "overdue": overdue,
        "q": search,
    }
    return render(request, "web/merchant/queue.html", context)


@require_POST
@for_party(MERCHANT)
def bulk_approve(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Approve each ticked case through the same service, one transaction each: a case another
    hand moved meanwhile is reported, the others go through."""
    approved, refused = 0, []
    for raw in request.POST.getlist("case"):
        try:
            case = selectors.case_for(actor, int(raw) if raw.isdigit() else -1)
            services.approve_case(case=case, actor=actor)
            approved += 1
        except DomainError as exc:
            refused.append(f"#{raw}: {portal.form_errors(exc).detail}")
    if approved:
        messages.success(request, _("%(count)d cases approved.") % {"count": approved})
    for line in refused:
        messages.error(request, line)
    return redirect("merchant:queue")


@for_party(MERCHANT)
def metrics(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The shop's last 30 days as charts (ECharts) over a table that reads without JavaScript."""
    figures = selectors.merchant_metrics(actor, days=METRIC_DAYS)
    days = [wording.day(d) for d in figures.days]
    series = [
        {"name": wording.label(wording.TYPES, t), "data": counts}
        for t, counts in figures.opened.items()
    ]
    share = figures.automatic_share
    context = {
        "figures": figures,
        "rows": [
            {"day": day, "counts": [s["data"][i] for s in series]} for i, day in enumerate(days)
        ],
        "series_names": [s["name"] for s in series],
        "share": wording.percent(share) if share is not None else "",
        "median": wording.duration(figures.median_first_action),
        "chart": {
            "days": days,
            "series": series,
            "approvals": [
                {"name": _("Automatically"), "value": figures.automatic_approvals},
                {
                    "name": _("By the shop"),
                    "value": figures.approvals - figures.automatic_approvals,
                },
            ],
        },
    }
    return render(request, "web/merchant/metrics.html", context)


@for_party(MERCHANT)
def case(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    return portal.render_case(request, actor, selectors.case_for(actor, case_id))


@require_POST
@for_party(MERCHANT)
def act(request: HttpRequest, actor: Actor, case_id: int, action: str) -> HttpResponse:
    return portal.take_action(request, actor, case_id, action)


def _refused(request, actor, case_id: int, exc: DomainError, failed_action: str) -> HttpResponse:
    case = selectors.case_for(actor, case_id)
    return portal.render_case(
        request,
        actor,
        case,
        errors=portal.form_errors(exc),
        failed_action=failed_action,
        status=422,
    )


@require_POST
@for_party(MERCHANT)
def inspect(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    """验货 line by line: the form's lines as the API's `inspections`, photos per line."""
    case = selectors.case_for(actor, case_id)
    lines = list(case.lines.select_related("order_line"))
    try:
        logistics.inspect_lines(
            actor=actor,
            case=case,
            items=portal.inspection_items(request.POST, lines),
            photos={
                ln.order_line.line_id: request.FILES.getlist(f"files__{ln.order_line.line_id}")
                for ln in lines
            },
            note=request.POST.get("note", "").strip(),
            expected_version=portal.version_of(request.POST),
        )
    except NotFound:
        raise
    except DomainError as exc:
        return _refused(request, actor, case_id, exc, "inspect")
    return redirect("merchant:case", case_id=case.pk)


@require_POST
@for_party(MERCHANT)
def intercept(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    """拦截: ask the carrier to bring back the refund-only case's parcel."""
    case = selectors.case_for(actor, case_id)
    try:
        logistics.request_interception(
            actor=actor, case=case, note=request.POST.get("note", "").strip()
        )
    except NotFound:
        raise
    except DomainError as exc:
        return _refused(request, actor, case_id, exc, "intercept")
    messages.success(request, _("The carrier is asked to bring the parcel back."))
    return redirect("merchant:case", case_id=case.pk)
