"""The return's routes: the return as each party sees it, pickup booking, the label, the
merchant's interception request and return address, and the carriers' tracking webhook."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from aftersales.accounts.selectors import merchant_by_code
from aftersales.cases import logistics
from aftersales.cases.schemas import CaseOut, _Strict
from aftersales.cases.selectors import case_for
from aftersales.cases.serializers import case_out
from aftersales.orders.schemas import Instant
from aftersales.returns import carriers
from aftersales.returns import selectors as returns_selectors
from aftersales.returns import services as returns_services

router = Router(tags=["returns"])


class ReturnOut(Schema):
    case: int
    state: str
    address: dict[str, str] | None
    address_masked: bool
    shipments: list[dict[str, Any]]
    inspections: list[dict[str, Any]]
    interceptions: list[dict[str, Any]]
    exchange: dict[str, Any] | None
    repair: dict[str, Any] | None


class PickupBookingIn(_Strict):
    carrier: str = Field(min_length=1, max_length=32)
    slot_start: Instant
    slot_end: Instant
    address: str = Field(default="", max_length=500, description="default: the buyer's")
    phone: str = Field(default="", max_length=32, description="default: the buyer's")


class InterceptionIn(_Strict):
    note: str = Field(default="", max_length=500)


class InterceptionOut(Schema):
    id: int
    carrier: str
    tracking_no: str
    status: str
    requested_at: datetime


class ReturnSettingsIn(_Strict):
    contact_name: str = Field(max_length=100)
    contact_phone: str = Field(max_length=32)
    address: str = Field(max_length=500)
    carriers: list[str] = Field(default_factory=list, max_length=20)
    pickup_carrier: str = Field(default="", max_length=32)


class ReturnSettingsPatch(_Strict):
    """A partial update: what is left out stays as stored, and only what is given is checked."""

    contact_name: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=500)
    carriers: list[str] | None = Field(default=None, max_length=20)
    pickup_carrier: str | None = Field(default=None, max_length=32)


class ReturnSettingsOut(Schema):
    merchant: str
    contact_name: str
    contact_phone: str
    address: str
    carriers: list[str]
    pickup_carrier: str


class WebhookReceiptOut(Schema):
    received: int
    recorded: int
    duplicates: int
    cases_moved: int


LABEL = {
    "responses": {
        200: {
            "description": "The carrier's label, a PDF.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get("/cases/{case_id}/return", response=ReturnOut)
def get_return(request: HttpRequest, case_id: int):
    """Where the return goes (in full to the merchant, and to the buyer while shipping), its
    parcels with their tracking timelines, the inspection of each line, interceptions, the
    exchange's variant and the repair clock."""
    return logistics.return_view(request.auth, case_for(request.auth, case_id))


@router.post("/cases/{case_id}/return/pickup", response=CaseOut)
def book_pickup(request: HttpRequest, case_id: int, payload: PickupBookingIn):
    """上门取件: the buyer books a courier; the carrier's waybill becomes the return's
    tracking number and the case takes `ship_return`."""
    case = case_for(request.auth, case_id)
    case = logistics.book_return_pickup(actor=request.auth, case=case, **payload.model_dump())
    return case_out(case, request.auth)


@router.get("/cases/{case_id}/return/shipments/{shipment_id}/label.pdf", openapi_extra=LABEL)
def shipment_label(request: HttpRequest, case_id: int, shipment_id: int):
    case = case_for(request.auth, case_id)
    pdf = logistics.label_for(request.auth, case, shipment_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="label-{shipment_id}.pdf"'
    return response


@router.post("/cases/{case_id}/return/interception", response={201: InterceptionOut})
def intercept(request: HttpRequest, case_id: int, payload: InterceptionIn):
    """拦截: the merchant asks the carrier to bring back a refund-only case's parcel."""
    case = case_for(request.auth, case_id)
    row = logistics.request_interception(actor=request.auth, case=case, note=payload.note)
    return Status(201, row)


def _settings_out(request: HttpRequest, code: str, row) -> dict[str, Any]:
    # In full to the merchant's own side; the platform sees it masked, as in the return view.
    address = returns_selectors.address_json(
        row.contact_name, row.contact_phone, row.address, full=request.auth.is_merchant_side
    )
    return {
        "merchant": code,
        "contact_name": address["name"],
        "contact_phone": address["phone"],
        "address": address["address"],
        "carriers": row.carriers,
        "pickup_carrier": row.pickup_carrier,
    }


@router.get("/merchants/{code}/return-settings", response=ReturnSettingsOut)
def get_return_settings(request: HttpRequest, code: str):
    merchant = merchant_by_code(request.auth, code)
    row = returns_selectors.return_settings_of(merchant.pk)
    if row is None:
        from aftersales.core.errors import NotFound

        raise NotFound(f"Merchant {code!r} has no return address yet.")
    return _settings_out(request, code, row)


@router.post("/merchants/{code}/return-settings", response=ReturnSettingsOut)
def set_return_settings(request: HttpRequest, code: str, payload: ReturnSettingsIn):
    """The merchant's return address (stored encrypted) and the carriers it takes."""
    merchant = merchant_by_code(request.auth, code)
    row = returns_services.set_return_settings(
        actor=request.auth, merchant_id=merchant.pk, **payload.model_dump()
    )
    return _settings_out(request, code, row)


@router.patch("/merchants/{code}/return-settings", response=ReturnSettingsOut)
def update_return_settings(request: HttpRequest, code: str, payload: ReturnSettingsPatch):
    """Change part of the return settings (the carriers, say) without sending the address."""
    merchant = merchant_by_code(request.auth, code)
    row = returns_services.set_return_settings(
        actor=request.auth, merchant_id=merchant.pk, **payload.model_dump(exclude_unset=True)
    )
    return _settings_out(request, code, row)


@router.post("/carriers/{carrier}/events", response=WebhookReceiptOut, auth=None)
def carrier_events(request: HttpRequest, carrier: str):
    """A carrier's tracking webhook: `{"events": [{event_id, tracking_no, status, at,
    location?, description?}]}`, signed `X-Carrier-Signature: v1=<hex HMAC-SHA256 of the raw
    body with the carrier's secret>`. A replayed event id is answered 200 and changes nothing."""
    receipt = logistics.receive_carrier_events(
        carrier=carrier,
        body=request.body,
        signature=request.headers.get(carriers.SIGNATURE_HEADER, ""),
    )
    return receipt.as_json()
