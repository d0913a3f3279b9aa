"""Every state change of return logistics. Each takes LISTS — one call per batch of cases
that took an action — and writes with one read and one bulk insert per table, inside the
caller's transaction (the case engine's). Nothing here knows a case's flow: `cases` decides
what a scan means for the case and calls the case action.

A case is passed in as any object with `pk`, `merchant_id` (and `buyer_id`); its lines as
(case_line_id, refundable_amount) pairs. This context never imports `cases`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from aftersales.accounts.actors import Actor
from aftersales.core import audit, clock, pii
from aftersales.core.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from aftersales.core.money import CENT
from aftersales.returns import carriers as carrier_registry
from aftersales.returns.carriers import (
    DELIVERED,
    EXCEPTION,
    IN_TRANSIT,
    INTERCEPTED,
    INTERCEPTION_FAILED,
    PICKED_UP,
    RETURNED,
    STATUSES,
    LabelInfo,
    PickupBooking,
    PickupRequest,
    TrackingUpdate,
)
from aftersales.returns.models import (
    Inspection,
    Interception,
    ReturnSettings,
    Shipment,
    TrackingEvent,
)

# --- Merchant settings: the return address ---------------------------------------------------


KEEP = None  # a settings argument left out: the stored value stays


@transaction.atomic
def set_return_settings(
    *,
    actor: Actor,
    merchant_id: int,
    contact_name: str | None = KEEP,
    contact_phone: str | None = KEEP,
    address: str | None = KEEP,
    carriers: Sequence[str] | None = KEEP,
    pickup_carrier: str | None = KEEP,
) -> ReturnSettings:
    """Where the merchant's returns go. The merchant's own staff and integration, or the
    platform; the address, name and phone are stored encrypted, the audit row holds only
    their masks. The one home of the address: the portal's settings page and the API both
    write here. An argument left out (None) keeps what is stored, and only what is given is
    validated: the carriers change without the address typed again. The first settings need
    the whole address."""
    if not (actor.is_platform or (actor.is_merchant_side and actor.merchant_id == merchant_id)):
        raise NotFound(_("No such merchant."))
    if actor.role == "merchant_staff":
        raise PermissionDenied(_("Merchant administrators set the return address."))
    current = ReturnSettings.objects.filter(merchant_id=merchant_id).first()
    given = {
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "address": address,
    }
    errors = [
        FieldError(name, _("required"))
        for name, value in given.items()
        if (value is not None or current is None) and not (value or "").strip()
    ]
    phone = (contact_phone or "").strip()
    if phone and not 7 <= len(pii.normalise_phone(phone)) <= 12:
        errors.append(FieldError("contact_phone", _("a mobile or landline number")))
    for i, code in enumerate(carriers or ()):
        if code not in carrier_registry.CARRIERS:
            errors.append(FieldError(f"carriers[{i}]", _("unknown carrier %r") % code))
    if pickup_carrier:
        known = carrier_registry.CARRIERS.get(pickup_carrier)
        if known is None or not known.supports_pickup:
            errors.append(FieldError("pickup_carrier", _("this carrier cannot be booked here")))
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    values = {
        "contact_name": contact_name.strip() if contact_name is not None else current.contact_name,
        "contact_phone": (
            contact_phone.strip() if contact_phone is not None else current.contact_phone
        ),
        "address": address.strip() if address is not None else current.address,
        "carriers": list(carriers)
        if carriers is not None
        else (current and current.carriers) or [],
        "pickup_carrier": (
            pickup_carrier if pickup_carrier is not None else (current and current.pickup_carrier)
        )
        or "",
    }
    row, _created = ReturnSettings.objects.update_or_create(
        merchant_id=merchant_id, defaults={**values, "updated_at": clock.now()}
    )
    audit.record(
        actor=actor,
        action="merchant.return_address_set",
        subject=row,
        merchant_id=merchant_id,
        payload={
            "name": pii.mask_name(values["contact_name"]),
            "phone": pii.mask_phone(values["contact_phone"]),
            "address": pii.mask_address(values["address"]),
            "carriers": values["carriers"],
            "pickup_carrier": values["pickup_carrier"],
            "changed": sorted(
                k
                for k, v in {
                    **given,
                    "carriers": carriers,
                    "pickup_carrier": pickup_carrier,
                }.items()
                if v is not None
            ),
        },
    )
    return row


def settings_by_merchant(merchant_ids: Iterable[int]) -> dict[int, ReturnSettings]:
    return {
        s.merchant_id: s for s in ReturnSettings.objects.filter(merchant_id__in=set(merchant_ids))
    }


# --- Shipments --------------------------------------------------------------------------------


@dataclass
class ShipmentSpec:
    """One parcel to record for a case: the buyer's return or the merchant's replacement."""

    case: Any  # pk, merchant_id
    direction: str
    carrier: str
    tracking_no: str
    method: str = Shipment.Method.SELF_SHIP
    pickup_address: str = ""
    pickup_slot_start: datetime | None = None
    pickup_slot_end: datetime | None = None
    booking_ref: str = ""
    to_name: str = ""
    to_phone: str = ""
    to_address: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def validate_shipment(spec: ShipmentSpec, *, accepted: Sequence[str] = ()) -> ShipmentSpec:
    """The carrier must be one we know (and one the merchant accepts for returns); the tracking
    number must be that carrier's. Raises InvalidInput naming `carrier` or `tracking_no`."""
    carrier_registry.carrier_for(spec.carrier)
    if accepted and spec.carrier not in accepted and spec.direction == Shipment.Direction.RETURN:
        raise InvalidInput.on_field(
            "carrier",
            _("the merchant takes returns by %(carriers)s") % {"carriers": ", ".join(accepted)},
        )
    spec.tracking_no = carrier_registry.check_tracking_no(spec.carrier, spec.tracking_no)
    return spec


def record_shipments(
    specs: Sequence[ShipmentSpec], *, at: datetime | None = None
) -> list[Shipment]:
    """Record the parcels of a batch of ship actions (validated first, one bulk insert). The
    return address is copied onto each return as it is now."""
    at = at or clock.now()
    accepted = settings_by_merchant(
        s.case.merchant_id for s in specs if s.direction == Shipment.Direction.RETURN
    )
    rows = []
    for spec in specs:
        settings = accepted.get(spec.case.merchant_id)
        validate_shipment(spec, accepted=settings.carriers if settings else ())
        if spec.direction == Shipment.Direction.RETURN and not spec.to_address and settings:
            spec.to_name = settings.contact_name
            spec.to_phone = settings.contact_phone
            spec.to_address = settings.address
        rows.append(
            Shipment(
                case_id=spec.case.pk,
                merchant_id=spec.case.merchant_id,
                direction=spec.direction,
                method=spec.method,
                carrier=spec.carrier,
                tracking_no=spec.tracking_no,
                status=Shipment.Status.BOOKED
                if spec.method == Shipment.Method.PICKUP
                else Shipment.Status.SHIPPED,
                to_name=spec.to_name,
                to_phone=spec.to_phone,
                to_address=spec.to_address,
                pickup_address=spec.pickup_address,
                pickup_slot_start=spec.pickup_slot_start,
                pickup_slot_end=spec.pickup_slot_end,
                booking_ref=spec.booking_ref,
                shipped_at=at,
                updated_at=at,
            )
        )
    return Shipment.objects.bulk_create(rows)


def mark_received(case_ids: Iterable[int], *, at: datetime | None = None) -> int:
    """The merchant confirmed receipt: a return no carrier reported delivered is delivered now."""
    at = at or clock.now()
    return (
        Shipment.objects.filter(
            case_id__in=list(case_ids),
            direction=Shipment.Direction.RETURN,
            delivered_at__isnull=True,
        )
        .exclude(status=Shipment.Status.CANCELLED)
        .update(status=Shipment.Status.DELIVERED, delivered_at=at, updated_at=at)
    )


def book_pickup(
    *,
    case: Any,
    carrier: str,
    pickup_address: str,
    contact_phone: str,
    slot_start: datetime,
    slot_end: datetime,
) -> PickupBooking:
    """上门取件: ask the carrier for a courier in the slot. Returns the waybill the carrier
    assigned; the caller records the shipment with it (or cancels the booking if the case
    action fails). Raises InvalidInput naming `pickup.*` or `carrier`."""
    adapter = carrier_registry.carrier_for(carrier)
    now = clock.now()
    errors = []
    if not pickup_address.strip():
        errors.append(FieldError("pickup.address", _("where the courier collects the parcel")))
    if slot_end <= slot_start:
        errors.append(FieldError("pickup.slot_end", _("after the slot's start")))
    if slot_start < now:
        errors.append(FieldError("pickup.slot_start", _("in the future")))
    if not adapter.supports_pickup:
        errors.append(FieldError("carrier", _("%s does not take pickups here") % adapter.name))
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    settings = settings_by_merchant([case.merchant_id]).get(case.merchant_id)
    if settings is None or not settings.address:
        raise Conflict.on_field("carrier", _("the merchant has not given a return address yet"))
    return adapter.book_pickup(
        PickupRequest(
            reference=f"case-{case.pk}",
            pickup_address=pickup_address,
            contact_phone=contact_phone,
            slot_start=slot_start,
            slot_end=slot_end,
            to_address=settings.address,
        )
    )


def cancel_pickup(*, carrier: str, booking_ref: str) -> None:
    carrier_registry.carrier_for(carrier).cancel_pickup(booking_ref)


def label_pdf(shipment: Shipment) -> bytes:
    from aftersales.core.pii import mask_address

    adapter = carrier_registry.carrier_for(shipment.carrier)
    return adapter.label_pdf(
        LabelInfo(
            tracking_no=shipment.tracking_no,
            reference=f"case-{shipment.case_id}",
            to_address_masked=mask_address(shipment.to_address),
        )
    )


# --- Tracking events from the carriers --------------------------------------------------------


@dataclass(frozen=True)
class RecordedScan:
    """A new scan, recorded, and what it did to its shipment."""

    shipment: Shipment
    event: TrackingEvent
    status: str


def _body_hash(update: TrackingUpdate) -> str:
    text = "|".join(
        [update.event_id, update.tracking_no, update.status, update.at.isoformat(), update.location]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def parse_updates(items: Sequence[dict[str, Any]]) -> list[TrackingUpdate]:
    """A webhook's events, checked field by field (errors name `events[i].field`)."""
    out, errors = [], []
    for i, item in enumerate(items):
        missing = [k for k in ("event_id", "tracking_no", "status", "at") if not item.get(k)]
        errors += [FieldError(f"events[{i}].{k}", _("required")) for k in missing]
        if missing:
            continue
        if item["status"] not in STATUSES:
            errors.append(FieldError(f"events[{i}].status", _("one of %s") % ", ".join(STATUSES)))
            continue
        try:
            at = datetime.fromisoformat(str(item["at"]))
        except ValueError:
            errors.append(FieldError(f"events[{i}].at", _("an ISO 8601 time with its offset")))
            continue
        if at.tzinfo is None:
            errors.append(FieldError(f"events[{i}].at", _("an ISO 8601 time with its offset")))
            continue
        out.append(
            TrackingUpdate(
                event_id=str(item["event_id"])[:128],
                tracking_no=str(item["tracking_no"]).strip().upper()[:64],
                status=item["status"],
                at=at,
                location=str(item.get("location", ""))[:200],
                description=str(item.get("description", ""))[:500],
            )
        )
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return out


# A scan's status → the shipment's. Interception answers concern interceptions, not these.
_SHIPMENT_STATUS = {
    PICKED_UP: Shipment.Status.IN_TRANSIT,
    IN_TRANSIT: Shipment.Status.IN_TRANSIT,
    DELIVERED: Shipment.Status.DELIVERED,
    EXCEPTION: Shipment.Status.EXCEPTION,
    RETURNED: Shipment.Status.RETURNED,
}


@dataclass
class TrackingResult:
    scans: list[RecordedScan]  # new scans of our shipments, in time order
    interceptions: list[Interception]  # interceptions the carrier has now answered
    duplicates: int  # events received before (replays), ignored


def record_tracking(carrier: str, updates: Sequence[TrackingUpdate]) -> TrackingResult:
    """Record a batch of a carrier's scans. An event id already received changes nothing: the
    same content again is a replay and is ignored; other content under a seen id is a
    Conflict (409). Scans of numbers we do not know are ignored (a carrier reports every parcel
    of the account)."""
    seen = dict(
        TrackingEvent.objects.filter(
            carrier=carrier, event_id__in=[u.event_id for u in updates]
        ).values_list("event_id", "body_sha256")
    )
    fresh: dict[str, TrackingUpdate] = {}
    for update in updates:
        digest = _body_hash(update)
        earlier = seen.get(update.event_id) or (
            _body_hash(fresh[update.event_id]) if update.event_id in fresh else None
        )
        if earlier is not None and earlier != digest:
            raise Conflict.on_field(
                "event_id",
                _("event %s was already received with other content") % update.event_id,
            )
        if update.event_id not in seen:
            fresh[update.event_id] = update
    holders: dict[str, list[Shipment]] = {}
    for s in Shipment.objects.filter(
        carrier=carrier, tracking_no__in={u.tracking_no for u in fresh.values()}
    ).order_by("pk"):
        holders.setdefault(s.tracking_no, []).append(s)
    rows, scans, now = [], [], clock.now()
    for update in sorted(fresh.values(), key=lambda u: u.at):
        for shipment in holders.get(update.tracking_no, []):
            row = TrackingEvent(
                shipment=shipment,
                merchant_id=shipment.merchant_id,
                carrier=carrier,
                event_id=update.event_id,
                status=update.status,
                at=update.at,
                location=update.location,
                description=update.description,
                body_sha256=_body_hash(update),
                received_at=now,
            )
            rows.append(row)
            new_status = _SHIPMENT_STATUS.get(update.status)
            # A late "in transit" never undoes a delivery.
            if new_status and shipment.status != Shipment.Status.DELIVERED:
                shipment.status = new_status
                if new_status == Shipment.Status.DELIVERED:
                    shipment.delivered_at = update.at
                shipment.updated_at = now
            scans.append(RecordedScan(shipment, row, update.status))
    try:
        with transaction.atomic():  # two deliveries of one webhook racing: one wins
            TrackingEvent.objects.bulk_create(rows)
    except IntegrityError:
        raise Conflict.on_field("event_id", _("this event is being received already")) from None
    touched = {s.shipment.pk: s.shipment for s in scans}
    Shipment.objects.bulk_update(touched.values(), ["status", "delivered_at", "updated_at"])
    answered = _record_interception_outcomes(carrier, list(fresh.values()))
    return TrackingResult(scans, answered, duplicates=len(updates) - len(fresh))


# --- Interception (拦截) ----------------------------------------------------------------------


def request_interceptions(
    items: Sequence[tuple[Any, str, str]], *, actor: Actor, at: datetime | None = None
) -> list[Interception]:
    """(case, carrier, tracking_no) of parcels on their way to the buyer: ask the carriers to
    bring them back. One open request per parcel (409 naming `tracking_no`)."""
    at = at or clock.now()
    for _case, carrier, _no in items:
        carrier_registry.carrier_for(carrier)
    open_ones = set(
        Interception.objects.filter(
            status=Interception.Status.REQUESTED,
            tracking_no__in=[no for _, _, no in items],
        ).values_list("carrier", "tracking_no")
    )
    rows = []
    for case, carrier, tracking_no in items:
        if (carrier, tracking_no) in open_ones:
            raise Conflict.on_field("tracking_no", _("an interception is already requested"))
        rows.append(
            Interception(
                case_id=case.pk,
                merchant_id=case.merchant_id,
                carrier=carrier,
                tracking_no=tracking_no,
                requested_by=actor.label,
                requested_at=at,
            )
        )
    return Interception.objects.bulk_create(rows)


def _record_interception_outcomes(
    carrier: str, updates: Sequence[TrackingUpdate]
) -> list[Interception]:
    answers = {u.tracking_no: u for u in updates if u.status in {INTERCEPTED, INTERCEPTION_FAILED}}
    if not answers:
        return []
    pending = list(
        Interception.objects.filter(
            carrier=carrier, tracking_no__in=answers, status=Interception.Status.REQUESTED
        )
    )
    for row in pending:
        answer = answers[row.tracking_no]
        row.status = (
            Interception.Status.SUCCEEDED
            if answer.status == INTERCEPTED
            else Interception.Status.FAILED
        )
        row.outcome_at = answer.at
        row.outcome_note = answer.description
    Interception.objects.bulk_update(pending, ["status", "outcome_at", "outcome_note"])
    return pending


# --- Inspection (验货) ------------------------------------------------------------------------


@dataclass
class LineInspection:
    case_line_id: int
    result: str
    grade: str
    disposition: str
    deduction: Decimal | None = None
    reason: str = ""
    evidence_ids: list[int] = field(default_factory=list)


def overall_result(lines: Sequence[LineInspection]) -> str:
    """The case's result from its lines: all pass → pass; all fail → fail; otherwise partial."""
    results = {ln.result for ln in lines}
    if results == {"pass"}:
        return "pass"
    if results == {"fail"}:
        return "fail"
    return "partial"


def validate_inspections(
    lines: Sequence[LineInspection],
    *,
    refundable: dict[int, Decimal],
    evidence_of_case: set[int],
    prefix: str = "lines",
) -> None:
    """Every field of every line, errors naming `lines[i].field`. `refundable`: the case's
    line ids → what is refundable on each; `evidence_of_case`: the case's evidence ids."""
    errors: list[FieldError] = []
    seen: set[int] = set()
    results = {c.value for c in Inspection.Result}
    grades = {c.value for c in Inspection.Grade}
    dispositions = {c.value for c in Inspection.Disposition}
    for i, ln in enumerate(lines):
        at = f"{prefix}[{i}]"
        if ln.case_line_id not in refundable:
            errors.append(FieldError(f"{at}.line_id", _("not a line of this case")))
            continue
        if ln.case_line_id in seen:
            errors.append(FieldError(f"{at}.line_id", _("the same line twice")))
        seen.add(ln.case_line_id)
        if ln.result not in results:
            errors.append(FieldError(f"{at}.result", _("one of pass, partial, fail")))
        if ln.grade not in grades:
            errors.append(FieldError(f"{at}.grade", _("one of %s") % ", ".join(sorted(grades))))
        if ln.disposition not in dispositions:
            errors.append(
                FieldError(f"{at}.disposition", _("one of %s") % ", ".join(sorted(dispositions)))
            )
        if ln.result == "partial":
            limit = refundable[ln.case_line_id]
            if (
                ln.deduction is None
                or ln.deduction <= 0
                or ln.deduction != ln.deduction.quantize(CENT)
            ):
                errors.append(
                    FieldError(f"{at}.deduction", _("a partial result names a positive deduction"))
                )
            elif ln.deduction > limit:
                errors.append(
                    FieldError(f"{at}.deduction", _("at most %s, what is refundable") % limit)
                )
        elif ln.deduction is not None:
            errors.append(FieldError(f"{at}.deduction", _("only a partial result deducts")))
        if ln.result in {"partial", "fail"} and not ln.reason.strip():
            errors.append(FieldError(f"{at}.reason", _("say why")))
        if ln.result == "fail" and not ln.evidence_ids:
            errors.append(
                FieldError(f"{at}.evidence_ids", _("a failed inspection needs photos as evidence"))
            )
        unknown = [e for e in ln.evidence_ids if e not in evidence_of_case]
        if unknown:
            errors.append(
                FieldError(f"{at}.evidence_ids", _("not evidence of this case: %s") % unknown)
            )
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


def record_inspections(
    batch: Sequence[tuple[Any, Sequence[LineInspection], str]],
    *,
    at: datetime | None = None,
) -> list[Inspection]:
    """Write the per-line inspections of a batch of inspected cases — (case, lines, who
    inspected) — validated by the caller with `validate_inspections`; one bulk insert."""
    at = at or clock.now()
    rows = [
        Inspection(
            case_id=case.pk,
            case_line_id=ln.case_line_id,
            merchant_id=case.merchant_id,
            result=ln.result,
            deduction=ln.deduction if ln.result == "partial" else None,
            reason=ln.reason,
            grade=ln.grade,
            disposition=ln.disposition,
            evidence_ids=list(ln.evidence_ids),
            inspected_by=inspected_by,
            inspected_at=at,
        )
        for case, lines, inspected_by in batch
        for ln in lines
    ]
    try:
        with transaction.atomic():
            return Inspection.objects.bulk_create(rows)
    except IntegrityError:
        raise Conflict.on_field("lines", _("this line is inspected already")) from None


# --- Exchanges: the variant and the price difference -----------------------------------------


@dataclass(frozen=True)
class PriceDifference:
    """What an exchange for another variant leaves to settle. `amount` > 0: `owed_by` pays it
    (`merchant`: refunded to the buyer; `buyer`: payable, collected outside this platform)."""

    amount: Decimal
    owed_by: str  # "merchant", "buyer" or "" (none)

    def as_json(self) -> dict[str, str]:
        return {"amount": f"{self.amount:.2f}", "owed_by": self.owed_by}


def price_difference(
    *, paid_unit: Decimal, variant_unit: Decimal, quantity: int
) -> PriceDifference:
    """The variant costs less than the buyer paid: the merchant owes the difference; more: the
    buyer does. Exact to the fen."""
    diff = ((variant_unit - paid_unit) * quantity).quantize(CENT)
    if diff > 0:
        return PriceDifference(diff, "buyer")
    if diff < 0:
        return PriceDifference(-diff, "merchant")
    return PriceDifference(Decimal("0.00"), "")
