from django.http import HttpRequest
from ninja import Router, Status

from aftersales.accounts import selectors, services
from aftersales.accounts.schemas import MerchantIn, MerchantOut

router = Router(tags=["merchants"])


def _out(merchant) -> dict:
    return {
        "code": merchant.code,
        "name": merchant.name,
        "created_at": merchant.created_at.isoformat(),
    }


@router.post("/merchants", response={201: MerchantOut})
def create_merchant(request: HttpRequest, payload: MerchantIn):
    merchant = services.create_merchant(actor=request.auth, code=payload.code, name=payload.name)
    return Status(201, _out(merchant))


@router.get("/merchants/{code}", response=MerchantOut)
def get_merchant(request: HttpRequest, code: str):
    return _out(selectors.merchant_by_code(request.auth, code))
