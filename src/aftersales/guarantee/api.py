"""/merchants/{code}/deposit (balances, requirement, the ledger), its top-ups, the platform's
settlement feed, and the pay-firsts a merchant may contest within GF-03's window and the
platform decides."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from aftersales.accounts.selectors import merchant_by_code
from aftersales.core.pagination import PageQuery, page_schema
from aftersales.guarantee import selectors, services
from aftersales.guarantee.ledger import balances
from aftersales.guarantee.models import Source
from aftersales.guarantee.schemas import (
    ContestIn,
    DecisionIn,
    DepositOut,
    MovementOut,
    PayFirstOut,
    SettlementCreditIn,
    TopUpIn,
    TopUpOut,
)
from aftersales.guarantee.serializers import (
    deposit_out,
    movement_out,
    pay_first_out,
    top_up_request_out,
)
from aftersales.orders.selectors import order_for

router = Router(tags=["guarantee fund"])


@router.get("/merchants/{code}/deposit", response=DepositOut)
def get_deposit(request: HttpRequest, code: str, page: Query[PageQuery]):
    """The deposit against its requirement, settlement held and owed, and the ledger's
    movements newest first (`?limit=&cursor=`). The merchant itself and the platform."""
    deposit = selectors.deposit_of(request.auth, code)
    ledger = selectors.ledger_page(deposit.merchant, limit=page.limit, cursor=page.cursor)
    return deposit_out(deposit, ledger)


@router.post("/merchants/{code}/deposit/top-ups", response={201: TopUpOut})
def record_top_up(request: HttpRequest, code: str, payload: TopUpIn):
    """Money the merchant paid into its deposit, by its transfer's reference (once each)."""
    merchant = merchant_by_code(request.auth, code)
    top_up = services.top_up(
        merchant=merchant, amount=payload.amount, reference=payload.reference, actor=request.auth
    )
    deposit = selectors.deposit_of(request.auth, code)
    return Status(
        201,
        {
            "id": top_up.pk,
            "merchant": merchant.code,
            "amount": f"{top_up.amount:.2f}",
            "currency": top_up.currency,
            "reference": top_up.reference,
            "recorded_at": top_up.recorded_at,
            "balance": f"{balances(merchant.pk)['deposit']:.2f}",
            "top_up_request": top_up_request_out(deposit.top_up_request),
        },
    )


@router.post("/merchants/{code}/settlement/credits", response={201: MovementOut})
def credit_settlement(request: HttpRequest, code: str, payload: SettlementCreditIn):
    """The platform's settlement feed: an order's settlement to the merchant (payment less
    refunds); claims still owed take it first. Platform integration or administrator."""
    merchant = merchant_by_code(request.auth, code)
    order = order_for(request.auth, payload.order, merchant.code, prefetch=())
    movement = services.credit_settlement(
        merchant_id=merchant.pk,
        amount=payload.amount,
        source=Source.ORDER,
        source_id=order.pk,
        note=payload.note or payload.order,
        actor=request.auth,
    )
    return Status(201, movement_out(selectors.movements_of(merchant).get(pk=movement.pk)))


@router.get("/merchants/{code}/pay-firsts", response=page_schema(PayFirstOut))
def list_pay_firsts(request: HttpRequest, code: str, page: Query[PageQuery]):
    merchant = merchant_by_code(request.auth, code)
    found = selectors.pay_first_page(merchant, limit=page.limit, cursor=page.cursor)
    return {
        "items": [pay_first_out(r, request.auth) for r in found.items],
        "next_cursor": found.next_cursor,
    }


@router.get("/pay-firsts/{pay_first_id}", response=PayFirstOut)
def get_pay_first(request: HttpRequest, pay_first_id: int):
    return pay_first_out(selectors.pay_first_for(request.auth, pay_first_id), request.auth)


@router.post("/pay-firsts/{pay_first_id}/contest", response=PayFirstOut)
def contest_pay_first(request: HttpRequest, pay_first_id: int, payload: ContestIn):
    """The merchant contests within GF-03's window; past it, 422 naming the window's end."""
    record = services.contest_pay_first(pay_first_id, reason=payload.reason, actor=request.auth)
    return pay_first_out(selectors.pay_first_for(request.auth, record.pk), request.auth)


@router.post("/pay-firsts/{pay_first_id}/decision", response=PayFirstOut)
def decide_contest(request: HttpRequest, pay_first_id: int, payload: DecisionIn):
    """The platform upholds (the merchant is made whole) or rejects a contest."""
    record = services.decide_pay_first_contest(
        pay_first_id, uphold=payload.uphold, note=payload.note, actor=request.auth
    )
    return pay_first_out(selectors.pay_first_for(request.auth, record.pk), request.auth)
