"""The Order JSON of the contract, strictly parsed (`OrderIn`), its cross-field rules
(`check_order`), and the response shape with the buyer's personal data masked (`OrderOut`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from aftersales.core.clock import localtime
from aftersales.core.errors import FieldError, InvalidInput
from aftersales.core.money import CURRENCIES, parse_amount
from aftersales.core.pii import mask_address, mask_name, mask_phone
from aftersales.core.problems import field_name
from aftersales.orders.models import Category, ExclusionKind

# What a DecimalField(max_digits=14, decimal_places=2) column holds.
MAX_AMOUNT = Decimal("999999999999.99")
MAX_LINES = 1000


def _amount(raw: object) -> Decimal:
    try:
        value = parse_amount(raw)
    except ValueError as exc:
        raise PydanticCustomError("amount", "{reason}", {"reason": str(exc)}) from None
    if value > MAX_AMOUNT:
        raise PydanticCustomError("amount", "must be at most {max}", {"max": str(MAX_AMOUNT)})
    return value


def _instant(raw: object) -> datetime:
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, str):
        try:
            value = datetime.fromisoformat(raw.strip())
        except ValueError:
            raise PydanticCustomError(
                "datetime", "not an ISO 8601 date-time such as 2026-02-27T20:15:00+08:00"
            ) from None
    else:
        raise PydanticCustomError(
            "datetime", "must be an ISO 8601 string such as 2026-02-27T20:15:00+08:00"
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("datetime_naive", "must include a UTC offset, e.g. +08:00")
    return value


# "99.90": a decimal string with at most two places, never a float, never negative.
Amount = Annotated[
    Decimal,
    PlainValidator(_amount),
    WithJsonSchema({"type": "string", "pattern": r"^\d{1,12}(\.\d{1,2})?$", "example": "99.90"}),
]
# An ISO 8601 instant that carries its offset; naive times are ambiguous and refused.
Instant = Annotated[
    datetime,
    PlainValidator(_instant),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "example": "2026-02-27T20:15:00+08:00"}
    ),
]


def Text(max_length: int, *, min_length: int = 1) -> Any:
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
    ]


CategoryName = Literal[tuple(Category.values)]  # type: ignore[valid-type]
ExclusionKindName = Literal[tuple(ExclusionKind.values)]  # type: ignore[valid-type]


class StrictSchema(Schema):
    # Unknown fields are refused: a misspelt "shiping_fee" must not silently become 0.00.
    model_config = ConfigDict(extra="forbid")


class BuyerIn(StrictSchema):
    external_id: Text(128)
    name: Text(200, min_length=0) = ""
    phone: Text(32, min_length=0) = ""
    address: Text(500, min_length=0) = ""


class LineAttributes(BaseModel):
    """The facts the policy reads; shops may send more keys, which are kept as sent (a plain
    pydantic model: ninja's Schema validator drops the extra keys)."""

    model_config = ConfigDict(extra="allow")

    customized: StrictBool = False
    fresh_perishable: StrictBool = False
    digital: StrictBool = False
    periodical: StrictBool = False
    warranty_months: StrictInt = Field(default=0, ge=0, le=1200)


class ConfirmedExclusionIn(StrictSchema):
    kind: ExclusionKindName
    confirmed_at: Instant


class GiftIn(StrictSchema):
    title: Text(200)
    marked_price: Amount


class LineIn(StrictSchema):
    line_id: Text(64)
    sku: Text(128)
    title: Text(500)
    category: CategoryName
    quantity: StrictInt = Field(ge=1, le=1_000_000)
    unit_price: Amount
    discount: Amount = Decimal("0.00")
    attributes: LineAttributes = Field(default_factory=LineAttributes)
    confirmed_exclusions: list[ConfirmedExclusionIn] = Field(default_factory=list, max_length=10)
    gifts: list[GiftIn] = Field(default_factory=list, max_length=50)

    @property
    def total(self) -> Decimal:
        return self.quantity * self.unit_price

    @property
    def net(self) -> Decimal:
        """The line total after its own discount: the weight of the order discount's share."""
        return self.total - self.discount


class PaymentIn(StrictSchema):
    method: Text(32)
    amount: Amount
    paid_at: Instant | None = None


class ShipmentIn(StrictSchema):
    carrier: Text(64)
    tracking_no: Text(128)
    line_ids: list[Text(64)] = Field(min_length=1, max_length=MAX_LINES)
    shipped_at: Instant
    signed_at: Instant | None = None
    installed_at: Instant | None = None


class OrderIn(StrictSchema):
    external_id: Text(128)
    merchant: Text(64) | None = Field(
        default=None, description="The merchant's code; implied by a merchant token."
    )
    buyer: BuyerIn
    currency: str
    placed_at: Instant
    paid_at: Instant | None = None
    discount: Amount = Decimal("0.00")
    shipping_fee: Amount = Decimal("0.00")
    free_shipping: StrictBool = False
    freight_insurance: StrictBool = False
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)
    payments: list[PaymentIn] = Field(default_factory=list, max_length=50)
    shipments: list[ShipmentIn] = Field(default_factory=list, max_length=MAX_LINES)

    @field_validator("external_id")
    @classmethod
    def _no_slash(cls, value: str) -> str:
        # The id is a path segment of GET /orders/{external_id}.
        if "/" in value:
            raise PydanticCustomError("external_id", "must not contain '/'")
        return value

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if value not in CURRENCIES:
            raise PydanticCustomError(
                "currency",
                "unknown currency '{value}'; one of {known}",
                {"value": value, "known": ", ".join(sorted(CURRENCIES))},
            )
        return value

    @property
    def due(self) -> Decimal:
        """What the buyer owes: lines after every discount, plus the shipping fee."""
        return (
            sum((line.net for line in self.lines), Decimal(0)) - self.discount + self.shipping_fee
        )


def check_order(order: OrderIn) -> None:
    """The rules across fields that a single field's type cannot say; raises InvalidInput
    naming every offending field in the client's own path."""
    errors: list[FieldError] = []
    seen: dict[str, int] = {}
    for i, line in enumerate(order.lines):
        if line.line_id in seen:
            errors.append(
                FieldError(
                    f"lines[{i}].line_id",
                    f"duplicate line_id {line.line_id!r} (also lines[{seen[line.line_id]}])",
                )
            )
        seen.setdefault(line.line_id, i)
        if line.discount > line.total:
            errors.append(
                FieldError(
                    f"lines[{i}].discount",
                    f"exceeds the line total quantity × unit_price ({line.total:.2f})",
                )
            )
    nets = sum((line.net for line in order.lines), Decimal(0))
    if order.discount > max(nets, Decimal(0)):
        errors.append(
            FieldError("discount", f"exceeds the lines' total after line discounts ({nets:.2f})")
        )
    if order.paid_at is not None and order.paid_at < order.placed_at:
        errors.append(FieldError("paid_at", "is before placed_at"))
    for i, shipment in enumerate(order.shipments):
        for j, line_id in enumerate(shipment.line_ids):
            if line_id not in seen:
                errors.append(
                    FieldError(f"shipments[{i}].line_ids[{j}]", f"no line with line_id {line_id!r}")
                )
        for name in ("signed_at", "installed_at"):
            at = getattr(shipment, name)
            if at is not None and at < shipment.shipped_at:
                errors.append(FieldError(f"shipments[{i}].{name}", "is before shipped_at"))
    paid = sum((p.amount for p in order.payments), Decimal(0))
    if not errors and paid > order.due:
        errors.append(
            FieldError(
                "payments",
                f"paid more than the price: payments sum to {paid:.2f}, "
                f"the order comes to {order.due:.2f}",
            )
        )
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


def parse_order(raw: object) -> OrderIn:
    """An Order JSON value (already decoded) → a checked OrderIn, or InvalidInput naming each
    field: what `import-orders` and `policy check --order` use in place of the API's parser."""
    if not isinstance(raw, dict):
        raise InvalidInput.on_field("body", "an order is a JSON object")
    try:
        order = OrderIn.model_validate(raw)
    except PydanticValidationError as exc:
        errors = [FieldError(field_name(e["loc"]), e["msg"]) for e in exc.errors()]
        raise InvalidInput(
            "; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors
        ) from None
    check_order(order)
    return order


# --- Responses ---------------------------------------------------------------------------------

Money = Annotated[str, WithJsonSchema({"type": "string", "example": "99.90"})]


class BuyerOut(Schema):
    external_id: str
    name: str = Field(description="masked")
    phone: str = Field(description="masked")
    address: str = Field(description="masked")


class ConfirmedExclusionOut(Schema):
    kind: str
    confirmed_at: datetime


class GiftOut(Schema):
    title: str
    marked_price: Money


class LineOut(Schema):
    line_id: str
    sku: str
    title: str
    category: str
    quantity: int
    unit_price: Money
    discount: Money
    allocated_discount: Money = Field(description="this line's share of the order discount")
    paid_amount: Money = Field(description="quantity × unit_price − discount − allocated_discount")
    attributes: dict[str, Any]
    confirmed_exclusions: list[ConfirmedExclusionOut]
    gifts: list[GiftOut]


class PaymentOut(Schema):
    method: str
    amount: Money
    paid_at: datetime | None


class ShipmentOut(Schema):
    carrier: str
    tracking_no: str
    line_ids: list[str]
    shipped_at: datetime
    signed_at: datetime | None
    installed_at: datetime | None


class OrderOut(Schema):
    external_id: str
    merchant: str
    buyer: BuyerOut
    currency: str
    placed_at: datetime
    paid_at: datetime | None
    discount: Money
    shipping_fee: Money
    free_shipping: bool
    freight_insurance: bool
    lines: list[LineOut]
    payments: list[PaymentOut]
    shipments: list[ShipmentOut]
    created_at: datetime
    updated_at: datetime


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _local(value: datetime | None) -> datetime | None:
    return localtime(value) if value is not None else None


def order_out(order) -> dict[str, Any]:
    """An Order (with lines, payments, shipments prefetched) → the OrderOut dict; the buyer's
    personal data masked."""
    return {
        "external_id": order.external_id,
        "merchant": order.merchant.code,
        "buyer": {
            "external_id": order.buyer.external_id,
            "name": mask_name(order.ship_to_name),
            "phone": mask_phone(order.ship_to_phone),
            "address": mask_address(order.ship_to_address),
        },
        "currency": order.currency,
        "placed_at": _local(order.placed_at),
        "paid_at": _local(order.paid_at),
        "discount": _money(order.discount),
        "shipping_fee": _money(order.shipping_fee),
        "free_shipping": order.free_shipping,
        "freight_insurance": order.freight_insurance,
        "lines": [
            {
                "line_id": line.line_id,
                "sku": line.sku,
                "title": line.title,
                "category": line.category,
                "quantity": line.quantity,
                "unit_price": _money(line.unit_price),
                "discount": _money(line.discount),
                "allocated_discount": _money(line.allocated_discount),
                "paid_amount": _money(line.paid_amount),
                "attributes": line.attributes,
                "confirmed_exclusions": [
                    {
                        "kind": e["kind"],
                        "confirmed_at": _local(datetime.fromisoformat(e["confirmed_at"])),
                    }
                    for e in line.confirmed_exclusions
                ],
                "gifts": line.gifts,
            }
            for line in order.lines.all()
        ],
        "payments": [
            {"method": p.method, "amount": _money(p.amount), "paid_at": _local(p.paid_at)}
            for p in order.payments.all()
        ],
        "shipments": [
            {
                "carrier": s.carrier,
                "tracking_no": s.tracking_no,
                "line_ids": s.line_ids,
                "shipped_at": _local(s.shipped_at),
                "signed_at": _local(s.signed_at),
                "installed_at": _local(s.installed_at),
            }
            for s in order.shipments.all()
        ],
        "created_at": _local(order.created_at),
        "updated_at": _local(order.updated_at),
    }
