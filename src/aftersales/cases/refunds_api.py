"""GET /cases/{id}/refunds: the case is found as the caller may see it (cases' selector), its
refunds come from the refunds context (refunds never import cases)."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from ninja import Router

from aftersales.cases.selectors import case_for
from aftersales.refunds import selectors as refund_selectors
from aftersales.refunds.models import COUNTING
from aftersales.refunds.schemas import CaseRefundsOut
from aftersales.refunds.serializers import refund_out

router = Router(tags=["refunds"])


@router.get("/cases/{case_id}/refunds", response=CaseRefundsOut)
def case_refunds(request: HttpRequest, case_id: int):
    """The refunds granted on a case, oldest first, and their total (failed ones not counted)."""
    case = case_for(request.auth, case_id)
    refunds = list(refund_selectors.refunds_of_case(request.auth, case.pk))
    total = sum((r.amount for r in refunds if r.state in COUNTING), Decimal("0.00"))
    return {
        "items": [refund_out(r) for r in refunds],
        "total": f"{total:.2f}",
        "currency": case.currency,
    }
