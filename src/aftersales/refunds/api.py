"""/refunds: one refund, the second person's approval, price changes, and the
payment provider's signed result webhook."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from aftersales.refunds import prices, selectors, services, submission
from aftersales.refunds.schemas import (
    ApproveIn,
    PriceChangeIn,
    PriceChangeOut,
    RefundOut,
    WebhookOut,
)
from aftersales.refunds.serializers import price_change_out, refund_out

router = Router(tags=["refunds"])


@router.get("/refunds/{refund_id}", response=RefundOut)
def get_refund(request: HttpRequest, refund_id: int):
    return refund_out(selectors.refund_for(request.auth, refund_id))


@router.post("/refunds/{refund_id}/approve", response=RefundOut)
def approve_refund(request: HttpRequest, refund_id: int, payload: ApproveIn):
    """The second person's approval of a refund above AFTERSALES_REFUND_APPROVAL_THRESHOLD."""
    refund = selectors.refund_for(request.auth, refund_id)
    refund = services.approve_refund(refund=refund, actor=request.auth, note=payload.note)
    return refund_out(selectors.refund_for(request.auth, refund.pk))


@router.post("/price-changes", response={201: PriceChangeOut}, tags=["price protection"])
def record_price_change(request: HttpRequest, payload: PriceChangeIn):
    """A SKU's new price from `effective_at` on; price-protection claims are paid against it."""
    merchant = prices.merchant_for_write(request.auth, payload.merchant)
    (change,) = prices.record_price_changes(
        actor=request.auth,
        merchant_id=merchant.pk,
        changes=[payload.model_dump(exclude={"merchant"})],
    )
    return Status(201, price_change_out(change, merchant.code))


@router.post(
    "/refunds/providers/{provider}/webhook", response=WebhookOut, auth=None, tags=["refunds"]
)
def provider_webhook(request: HttpRequest, provider: str):
    """The payment provider's result notification, signed with HMAC-SHA256 of the body under
    the provider's secret (`X-Provider-Signature`). A replay changes nothing."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    return submission.receive_webhook(provider, request.body, headers)
