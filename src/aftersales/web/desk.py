"""The platform desk: appeals awaiting a ruling, soonest due first, and the ruling page with
both sides' evidence and the timeline."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.accounts.actors import Actor
from aftersales.cases import selectors
from aftersales.web import portal, wording
from aftersales.web.merchant import case_path
from aftersales.web.portal import for_party

PLATFORM = "platform"
# A restricted merchant's rejection is in the queue before anyone appealed it.
CHECK_FIRST = gettext_lazy("No appeal: the platform checks this merchant's rejections first")
# A merchant's claim after a fast-lane refund (recovery_review): no appeal, no rejection.
EARLY_REFUND_CLAIM = gettext_lazy("No appeal: the merchant's claim after an early refund")
NEVER_SHIPPED = gettext_lazy("Refunded early; the goods were never shipped back")
PAGE_SIZE = 50
# What the rows show: not the orders' personal data nor the cases' decisions.
QUEUE_COLUMNS = (
    "due_at",
    "case__type",
    "case__state",
    "case__facts",
    "case__merchant__name",
    "case__order__external_id",
)


@for_party(PLATFORM)
def queue(request: HttpRequest, actor: Actor) -> HttpResponse:
    rows = selectors.review_queue(actor).only(*QUEUE_COLUMNS).order_by("due_at", "id")[:PAGE_SIZE]
    path = case_path("desk")
    items = [
        {
            "case": d.case,
            "path": path(d.case_id),
            "type": wording.label(wording.TYPES, d.case.type),
            "due": wording.when(d.due_at),
            **_reasons(d.case),
        }
        for d in rows
    ]
    return render(request, "web/desk/queue.html", {"items": items})


def _reasons(case) -> dict[str, str]:
    """What the row says the desk is asked: the buyer's appeal and the rejection, the check of a
    restricted merchant's rejection, or the merchant's claim after an early refund."""
    if case.state == "recovery_review":
        claim = case.facts.get("merchant_claim") or {}
        return {
            "appeal_reason": EARLY_REFUND_CLAIM,
            "rejection_reason": (
                claim.get("reason") or wording.label(wording.OUTCOMES, claim["result"])
            )
            if claim
            else NEVER_SHIPPED,
        }
    return {
        "appeal_reason": case.facts.get("appeal_reason", "")
        or (CHECK_FIRST if case.state == "rejection_review" else ""),
        "rejection_reason": case.facts.get("rejection_reason", ""),
    }


@for_party(PLATFORM)
def case(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    return portal.render_case(request, actor, selectors.case_for(actor, case_id))


@require_POST
@for_party(PLATFORM)
def act(request: HttpRequest, actor: Actor, case_id: int, action: str) -> HttpResponse:
    return portal.take_action(request, actor, case_id, action)
