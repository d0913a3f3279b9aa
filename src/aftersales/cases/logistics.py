"""Where return logistics meet the case engine: what the ship, receipt, inspection and
replacement steps record through `returns.services` (each taking a batch of
(case, body, event) — the shape of the engine's after-step hooks), the carriers' scans that
arrive by webhook and move cases, pickups booked for the buyer, interception requests, the
return as each party may see it, and the repair clock of 3B-04/Q-04."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor
from aftersales.cases.events import record_event
from aftersales.cases.flows import flow_for
from aftersales.cases.models import Case, CaseEvent, CaseLine, Evidence
from aftersales.cases.services import after_step
from aftersales.core import clock
from aftersales.core.errors import (
    DomainError,
    InvalidInput,
    NotAllowed,
    NotFound,
    Unauthenticated,
)
from aftersales.returns import carriers
from aftersales.returns import selectors as returns_selectors
from aftersales.returns import services as returns
from aftersales.returns.carriers import DELIVERED, IN_TRANSIT, PICKED_UP
from aftersales.returns.models import Interception, Shipment

# (case, the action's body, its event: what an after-step hook of the case engine receives)
Step = tuple[Case, Any, CaseEvent | None]

# --- Exchanges: the price difference owed to the buyer -----------------------------------------

# Called with (case, amount) inside the transaction when an exchange for a cheaper variant
# leaves money owed to the buyer. The refund ledger (refunds.services) registers its refund
# here; the amount is on the case (`refund_amount`, `facts.exchange.difference`) either way.
PRICE_DIFFERENCE_REFUND_HOOKS: list[Callable[[Case, Decimal], None]] = []


def refund_price_difference(case: Case, amount: Decimal) -> None:
    for hook in PRICE_DIFFERENCE_REFUND_HOOKS:
        hook(case, amount)


# --- What the steps record --------------------------------------------------------------------


def _slot(pickup: dict[str, Any], name: str) -> datetime | None:
    value = pickup.get(name)
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


@after_step("ship_return")
def after_ship_return(steps: Sequence[Step]) -> None:
    """The buyer's parcels: checked (carrier known and accepted, tracking number in its
    format — 422 naming `carrier` or `tracking_no`) and recorded with the return address."""
    specs = []
    for case, body, _event in steps:
        pickup = body.extra.get("pickup") or {}
        method = body.extra.get("method") or ("pickup" if pickup else "self_ship")
        specs.append(
            returns.ShipmentSpec(
                case=case,
                direction=Shipment.Direction.RETURN,
                carrier=body.carrier,
                tracking_no=body.tracking_no,
                method=method,
                pickup_address=pickup.get("address", ""),
                pickup_slot_start=_slot(pickup, "slot_start"),
                pickup_slot_end=_slot(pickup, "slot_end"),
                booking_ref=body.extra.get("booking_ref", ""),
            )
        )
    returns.record_shipments(specs)
    for (case, body, _event), spec in zip(steps, specs, strict=True):
        body.tracking_no = spec.tracking_no  # as the carrier writes it
        case.facts["return_shipment"] = {
            "carrier": spec.carrier,
            "tracking_no": spec.tracking_no,
            "method": spec.method,
        }


@after_step("confirm_receipt")
def after_confirm_receipt(steps: Sequence[Step]) -> None:
    returns.mark_received([case.pk for case, _body, _event in steps])


def _line_inspections(
    items: list[dict[str, Any]], lines_by_id: dict[str, CaseLine]
) -> list[returns.LineInspection]:
    out = []
    for i, item in enumerate(items):
        line = lines_by_id.get(str(item.get("line_id", "")))
        if line is None:
            raise InvalidInput.on_field(f"inspections[{i}].line_id", _("not a line of this case"))
        deduction = item.get("deduction")
        out.append(
            returns.LineInspection(
                case_line_id=line.pk,
                result=item.get("result", ""),
                grade=item.get("grade", ""),
                disposition=item.get("disposition", ""),
                deduction=Decimal(str(deduction)) if deduction is not None else None,
                reason=item.get("reason", ""),
                evidence_ids=[int(e) for e in item.get("evidence_ids") or []],
            )
        )
    return out


@after_step("inspect")
def after_inspect(steps: Sequence[Step]) -> None:
    """验货: per-line results, deductions, grades, dispositions and photos. A failed inspection
    needs evidence of the case (422 naming `evidence_ids`); the lines must add up to the
    case's `result`, and a partial one's `amount` to what is refundable less the deductions."""
    case_ids = [case.pk for case, _b, _e in steps]
    evidence: dict[int, set[int]] = {}
    for case_id, pk in Evidence.objects.filter(case_id__in=case_ids).values_list("case_id", "pk"):
        evidence.setdefault(case_id, set()).add(pk)
    lines: dict[int, dict[str, CaseLine]] = {}
    for line in CaseLine.objects.filter(case_id__in=case_ids).select_related("order_line"):
        lines.setdefault(line.case_id, {})[line.order_line.line_id] = line
    batch = []
    for case, body, event in steps:
        of_case = evidence.get(case.pk, set())
        top_ids = [int(e) for e in body.extra.get("evidence_ids") or []]
        unknown = [e for e in top_ids if e not in of_case]
        if unknown:
            raise InvalidInput.on_field(
                "evidence_ids", _("not evidence of this case: %s") % unknown
            )
        items = body.extra.get("inspections") or []
        if not items:
            if body.result == "fail" and not top_ids:
                raise InvalidInput.on_field(
                    "evidence_ids", _("a failed inspection needs photos as evidence")
                )
            case.facts.setdefault("inspection", {})["evidence_ids"] = top_ids
            continue
        by_line = lines.get(case.pk, {})
        inspections = _line_inspections(items, by_line)
        for ln in inspections:  # photos named once for the whole case count for every line
            ln.evidence_ids = ln.evidence_ids or top_ids
        refundable = {ln.pk: ln.refundable_amount for ln in by_line.values()}
        returns.validate_inspections(
            inspections, refundable=refundable, evidence_of_case=of_case, prefix="inspections"
        )
        _check_inspection_adds_up(case, body, inspections, refundable)
        case.facts.setdefault("inspection", {})["evidence_ids"] = sorted(
            {e for ln in inspections for e in ln.evidence_ids}
        )
        # Who inspected: the step's event names them.
        batch.append((case, inspections, event.actor_label))
    if batch:
        returns.record_inspections(batch)


def _check_inspection_adds_up(case, body, inspections, refundable) -> None:
    overall = returns.overall_result(inspections)
    if overall != body.result:
        raise InvalidInput.on_field(
            "result",
            _("the lines say %(overall)s, not %(result)s")
            % {"overall": overall, "result": body.result},
        )
    if body.result == "partial" and body.amount is not None:
        # A line that fails is not refunded; a partial one is refunded less its deduction.
        expected = sum(
            (
                refundable[ln.case_line_id] - (ln.deduction or 0)
                for ln in inspections
                if ln.result != "fail"
            ),
            Decimal("0.00"),
        )
        inspected = {ln.case_line_id for ln in inspections}
        expected += sum((v for k, v in refundable.items() if k not in inspected), Decimal("0.00"))
        if body.amount != expected:
            raise InvalidInput.on_field(
                "amount",
                _("the inspected lines leave %(expected)s to refund")
                % {"expected": f"{expected:.2f}"},
            )


@after_step("ship_replacement")
def after_ship_replacement(steps: Sequence[Step]) -> None:
    """The merchant's parcel to the buyer (exchange, repair, reissue), and for an exchange into
    another variant, the variant and the price difference: owed to the buyer → recorded as the
    case's refund amount and handed to the refund hook; owed by the buyer → recorded payable."""
    specs = []
    for case, body, _event in steps:
        buyer = case.buyer
        specs.append(
            returns.ShipmentSpec(
                case=case,
                direction=Shipment.Direction.REPLACEMENT,
                carrier=body.carrier,
                tracking_no=body.tracking_no,
                to_name=buyer.name,
                to_phone=buyer.phone,
                to_address=buyer.address,
            )
        )
    returns.record_shipments(specs)
    for (case, body, _event), spec in zip(steps, specs, strict=True):
        body.tracking_no = spec.tracking_no
        case.facts["replacement_shipment"] = {
            "carrier": spec.carrier,
            "tracking_no": spec.tracking_no,
        }
        variant = body.extra.get("variant")
        if variant:
            _settle_variant(case, variant)


def _settle_variant(case: Case, variant: dict[str, Any]) -> None:
    if case.type != "exchange":
        raise InvalidInput.on_field("variant", _("only an exchange changes the variant"))
    lines = list(case.lines.select_related("order_line"))
    wanted = variant.get("line_id") or lines[0].order_line.line_id
    line = next((ln for ln in lines if ln.order_line.line_id == str(wanted)), None)
    if line is None:
        raise InvalidInput.on_field("variant.line_id", _("not a line of this case"))
    try:
        unit = Decimal(str(variant["unit_price"]))
    except (KeyError, InvalidOperation):
        raise InvalidInput.on_field("variant.unit_price", _("the variant's price")) from None
    ordered = line.order_line
    paid_unit = ordered.paid_amount / ordered.quantity
    difference = returns.price_difference(
        paid_unit=paid_unit, variant_unit=unit, quantity=line.quantity
    )
    case.facts["exchange"] = {
        "line_id": ordered.line_id,
        "from_sku": ordered.sku,
        "variant": {
            "sku": variant.get("sku", ""),
            "title": variant.get("title", ""),
            "unit_price": f"{unit:.2f}",
        },
        "same_sku": variant.get("sku", "") == ordered.sku,
        "difference": difference.as_json(),
        "payable_by_buyer": f"{difference.amount:.2f}" if difference.owed_by == "buyer" else None,
    }
    if difference.owed_by == "merchant":
        case.refund_amount = difference.amount
        refund_price_difference(case, difference.amount)


# --- Carriers' scans, by webhook --------------------------------------------------------------

# Called with ([(case, recorded scan)] of the return parcels' new scans, the webhook's raw
# events) in the webhook's transaction, the cases locked, after the scans moved them: the
# contexts above cases hook here (risk reads the carrier's weight; the fast lane refunds at the
# first scan). Registered from their AppConfig.ready().
RETURN_SCAN_HOOKS: list[Callable[[list[tuple[Case, Any]], list[dict[str, Any]]], None]] = []


@dataclass(frozen=True)
class WebhookReceipt:
    received: int
    recorded: int
    duplicates: int
    cases_moved: int

    def as_json(self) -> dict[str, int]:
        return {
            "received": self.received,
            "recorded": self.recorded,
            "duplicates": self.duplicates,
            "cases_moved": self.cases_moved,
        }


def _events_of(body: bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput.on_field("body", _("not valid JSON")) from None
    items = data.get("events") if isinstance(data, dict) and "events" in data else [data]
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items) or not items:
        raise InvalidInput.on_field("events", _("a list of tracking events"))
    return items


def receive_carrier_events(*, carrier: str, body: bytes, signature: str) -> WebhookReceipt:
    """A carrier's tracking webhook. Authenticated by an HMAC-SHA256 of the raw body with that
    carrier's secret (401 otherwise, nothing read). Idempotent: an event id seen before is a
    replay and changes nothing (answered 200, counted as a duplicate) — carriers retry until
    they get a 2xx, so a 409 would only make them retry for ever; the same id with different
    content is 409. A delivery scan of a return moves its case to `return_delivered` (the
    receipt deadline starts), as the system, naming the carrier."""
    from aftersales.cases import services

    if carrier not in carriers.CARRIERS:
        raise NotFound(_("No carrier %r.") % carrier)
    if not carriers.signature_valid(carrier, body, signature):
        raise Unauthenticated(
            _("Sign the body: %(header)s: v1=<hex HMAC-SHA256 with the carrier's secret>")
            % {"header": carriers.SIGNATURE_HEADER}
        )
    items = _events_of(body)
    updates = returns.parse_updates(items)
    rule = f"carrier:{carrier}"
    moved = 0
    with transaction.atomic():
        result = returns.record_tracking(carrier, updates)
        case_ids = {s.shipment.case_id for s in result.scans} | {
            i.case_id for i in result.interceptions
        }
        cases = {
            c.pk: c
            for c in Case.objects.select_for_update(of=("self",))
            .select_related("merchant")
            .filter(pk__in=case_ids)
            .order_by("pk")  # one lock order for everyone
        }
        for scan in result.scans:
            case = cases[scan.shipment.case_id]
            if scan.shipment.direction == Shipment.Direction.RETURN:
                # A return on its way, before or after a fast-lane refund: the flow says.
                if scan.status == DELIVERED and flow_for(case.type).transition(
                    case.state, "deliver_return"
                ):
                    cases[case.pk] = services.act(
                        case=case,
                        actor=SYSTEM_ACTOR,
                        action="deliver_return",
                        body=services.ActionBody(note=scan.event.location),
                        rule=rule,
                        locked=True,
                    )
                    moved += 1
                elif scan.status in {PICKED_UP, IN_TRANSIT} and not case.facts.get(
                    "return_in_transit_at"
                ):
                    _note(case, "return_in_transit", rule, scan)
            elif scan.status == DELIVERED:
                _note(case, "replacement_delivered", rule, scan)
        returning = [(cases[s.shipment.case_id], s) for s in result.scans
                     if s.shipment.direction == Shipment.Direction.RETURN]  # fmt: skip
        for hook in RETURN_SCAN_HOOKS:  # risk: the carrier's weight, the fast lane
            hook(returning, items)
        for interception in result.interceptions:
            action = (
                "interception_succeeded"
                if interception.status == Interception.Status.SUCCEEDED
                else "interception_failed"
            )
            record_event(
                cases[interception.case_id],
                SYSTEM_ACTOR,
                action,
                rule=rule,
                note=interception.outcome_note,
                payload={"carrier": interception.carrier, "tracking_no": interception.tracking_no},
            )
    return WebhookReceipt(
        received=len(updates),
        recorded=len(result.scans),
        duplicates=result.duplicates,
        cases_moved=moved,
    )


def _note(case: Case, action: str, rule: str, scan) -> None:
    """A scan worth a line in the case's log that changes no state."""
    if action == "return_in_transit":
        case.facts["return_in_transit_at"] = scan.event.at.isoformat()
        Case.objects.filter(pk=case.pk).update(facts=case.facts)
    record_event(
        case,
        SYSTEM_ACTOR,
        action,
        rule=rule,
        note=scan.event.location,
        payload={"tracking_no": scan.shipment.tracking_no, "status": scan.status},
        at=scan.event.at,
    )


# --- Pickup (上门取件) and interception (拦截) ---------------------------------------------------


def book_return_pickup(
    *,
    actor: Actor,
    case: Case,
    carrier: str,
    slot_start: datetime,
    slot_end: datetime,
    address: str = "",
    phone: str = "",
) -> Case:
    """The buyer has the carrier collect the return: booked through the carrier's adapter,
    which assigns the waybill, then the buyer's `ship_return` with it. If the step is refused,
    the booking is cancelled again."""
    from aftersales.cases import services

    if "ship_return" not in services.allowed_actions(case, actor):
        raise NotAllowed(
            f"'ship_return' is not possible in state '{case.state}' for {actor.role}.",
            allowed_actions=services.allowed_actions(case, actor),
            state=case.state,
        )
    address = address or case.buyer.address
    booking = returns.book_pickup(
        case=case,
        carrier=carrier,
        pickup_address=address,
        contact_phone=phone or case.buyer.phone,
        slot_start=slot_start,
        slot_end=slot_end,
    )
    body = services.ActionBody(
        carrier=carrier,
        tracking_no=booking.tracking_no,
        extra={
            "method": "pickup",
            "pickup": {"slot_start": slot_start, "slot_end": slot_end, "address": address},
            "booking_ref": booking.booking_ref,
        },
    )
    try:
        return services.act(case=case, actor=actor, action="ship_return", body=body)
    except DomainError:
        returns.cancel_pickup(carrier=carrier, booking_ref=booking.booking_ref)
        raise


INTERCEPTABLE_STATES = frozenset({"requested", "approved", "refunded"})


def may_request_interception(actor: Actor, case: Case) -> bool:
    """Whether the merchant may ask for this case's parcel back (the page offers the button
    on exactly these cases; `request_interception` still checks there is a parcel en route)."""
    return (
        actor.is_merchant_side
        and actor.merchant_id == case.merchant_id
        and case.type == "refund_only"
        and case.state in INTERCEPTABLE_STATES
    )


@transaction.atomic
def request_interception(*, actor: Actor, case: Case, note: str = "") -> Interception:
    """拦截: on a refund-only case whose parcel is still on its way to the buyer, the merchant
    asks the carrier to bring it back. Recorded with an event; the carrier's answer arrives
    by webhook (`intercepted` / `interception_failed`)."""
    if not actor.is_merchant_side:
        raise NotAllowed(_("Only the merchant intercepts its parcel."), state=case.state)
    if not may_request_interception(actor, case):
        raise NotAllowed(
            _("Only a refund-only case with the parcel still on its way can intercept it."),
            state=case.state,
        )
    line_ids = set(case.lines.values_list("order_line__line_id", flat=True))
    parcel = next(
        (
            s
            for s in case.order.shipments.order_by("-shipped_at")
            if s.signed_at is None and (not s.line_ids or line_ids & set(s.line_ids))
        ),
        None,
    )
    if parcel is None:
        raise InvalidInput.on_field(
            "tracking_no", _("no parcel of these lines is on its way: nothing to intercept")
        )
    case = Case.objects.select_for_update(of=("self",)).select_related("merchant").get(pk=case.pk)
    (row,) = returns.request_interceptions(
        [(case, parcel.carrier, parcel.tracking_no)], actor=actor
    )
    record_event(
        case,
        actor,
        "interception_requested",
        note=note,
        payload={"carrier": parcel.carrier, "tracking_no": parcel.tracking_no},
    )
    return row


# --- Inspection of each line, from the portal's form ------------------------------------------


def inspect_lines(
    *,
    actor: Actor,
    case: Case,
    items: list[dict[str, Any]],
    photos: dict[str, Sequence[Any]] | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """验货 line by line as the API's `inspections` say it, for a form that names only the
    lines: the photos given for a line become evidence of the case first (and stay, should
    the step be refused: they are the merchant's record), the case's result follows from the
    lines (`returns.overall_result`) and a partial result refunds what is refundable less
    the deductions, the failed lines not at all."""
    from aftersales.cases import services
    from aftersales.cases.evidence import add_evidence

    for item in items:
        files = (photos or {}).get(str(item.get("line_id", ""))) or []
        if files:
            added = add_evidence(case=case, actor=actor, files=files, note=note)
            item["evidence_ids"] = [*item.get("evidence_ids", []), *(e.pk for e in added)]
    lines = {ln.order_line.line_id: ln for ln in case.lines.select_related("order_line")}
    results = [returns.LineInspection(0, i.get("result", ""), "", "") for i in items]
    result = returns.overall_result(results) if items else ""
    amount = None
    if result == "partial":
        amount = Decimal("0.00")
        named = {str(i.get("line_id", "")): i for i in items}
        for line_id, line in lines.items():
            item = named.get(line_id)
            if item is None or item.get("result") == "pass":
                amount += line.refundable_amount
            elif item.get("result") == "partial":
                amount += line.refundable_amount - _deduction(item.get("deduction"))
    body = services.ActionBody(
        note=note,
        result=result,
        amount=amount,
        expected_version=expected_version,
        extra={"inspections": items},
    )
    return services.act(case=case, actor=actor, action="inspect", body=body)


def _deduction(raw: Any) -> Decimal:
    try:
        return Decimal(str(raw)) if raw not in (None, "") else Decimal("0.00")
    except InvalidOperation:
        return Decimal("0.00")  # refused with its own message by validate_inspections


# --- The return as each party sees it ---------------------------------------------------------

# While the buyer is sending the parcel back, they see where it goes in full (after a fast-lane
# refund too: the goods still go back).
SHIPPING_STATES = frozenset(
    {
        "approved",
        "return_shipped",
        "return_delivered",
        "refunded_awaiting_return",
        "refunded_return_shipped",
        "refunded_return_delivered",
    }
)


def _sees_address_in_full(actor: Actor, case: Case) -> bool:
    if actor.is_merchant_side:
        return actor.merchant_id == case.merchant_id
    if actor.is_buyer:
        return actor.buyer_id == case.buyer_id and case.state in SHIPPING_STATES
    return False  # the desk sees it masked


def days_in_repair(case: Case, *, now: datetime | None = None) -> dict[str, Any] | None:
    """3B-04 / Q-04: how long the item has been in repair, from the case's own events — from
    its receipt at the service point to the repair that worked (or the replacement or refund
    that ended it), or until now. None before the item arrives."""
    events = list(
        case.events.filter(
            action__in=["confirm_receipt", "repair", "ship_replacement", "refund"]
        ).order_by("seq")
    )
    start = next((e for e in events if e.action == "confirm_receipt"), None)
    if start is None:
        return None
    end = next(
        (
            e
            for e in events
            if e.seq > start.seq and (e.action != "repair" or e.payload.get("result") == "repaired")
        ),
        None,
    )
    until = end.at if end else (now or clock.now())
    days = int((until - start.at).total_seconds() // 86400)
    return {
        "started_at": clock.localtime(start.at),
        "ended_at": clock.localtime(end.at) if end else None,
        "days_in_repair": days,
        "failed_repairs": case.facts.get("failed_repairs", 0),
        "over_30_days": days > 30,  # 3B-04: the repairer's delay → exchange
    }


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def return_view(actor: Actor, case: Case) -> dict[str, Any]:
    """`GET /cases/{id}/return`: the return address (in full to the merchant, and to the buyer
    while shipping; masked to everyone else), the parcels with their tracking timelines, the
    per-line inspection, interceptions, the exchange's variant and the repair clock."""
    settings = returns_selectors.return_settings_of(case.merchant_id)
    full = _sees_address_in_full(actor, case)
    address = (
        returns_selectors.address_json(
            settings.contact_name, settings.contact_phone, settings.address, full=full
        )
        if settings
        else None
    )
    shipments = []
    for s in returns_selectors.shipments_of([case.pk]):
        shipments.append(
            {
                "id": s.pk,
                "direction": s.direction,
                "method": s.method,
                "carrier": s.carrier,
                "tracking_no": s.tracking_no,
                "status": s.status,
                "shipped_at": clock.localtime(s.shipped_at),
                "delivered_at": clock.localtime(s.delivered_at) if s.delivered_at else None,
                "pickup": {
                    "slot_start": clock.localtime(s.pickup_slot_start),
                    "slot_end": clock.localtime(s.pickup_slot_end),
                }
                if s.pickup_slot_start
                else None,
                "label_available": carriers.CARRIERS[s.carrier].supports_pickup
                if s.carrier in carriers.CARRIERS
                else False,
                "timeline": [
                    {
                        "status": e.status,
                        "at": clock.localtime(e.at),
                        "location": e.location,
                        "description": e.description,
                    }
                    for e in s.events.all()
                ],
            }
        )
    return {
        "case": case.pk,
        "state": case.state,
        "address": address,
        "address_masked": bool(address) and not full,
        "shipments": shipments,
        "inspections": [
            {
                "line_id": i.case_line.order_line.line_id,
                "result": i.result,
                "deduction": _money(i.deduction),
                "reason": i.reason,
                "grade": i.grade,
                "disposition": i.disposition,
                "evidence_ids": i.evidence_ids,
                "inspected_at": clock.localtime(i.inspected_at),
            }
            for i in returns_selectors.inspections_of(case.pk)
        ],
        "interceptions": [
            {
                "carrier": i.carrier,
                "tracking_no": i.tracking_no,
                "status": i.status,
                "requested_at": clock.localtime(i.requested_at),
                "outcome_at": clock.localtime(i.outcome_at) if i.outcome_at else None,
                "outcome_note": i.outcome_note,
            }
            for i in returns_selectors.interceptions_of(case.pk)
        ],
        "exchange": case.facts.get("exchange"),
        "repair": days_in_repair(case) if case.type == "repair" else None,
    }


def label_for(actor: Actor, case: Case, shipment_id: int) -> bytes:
    """The printable label of a parcel of the case (the carriers that print through us)."""
    shipment = returns_selectors.shipment_of(case.pk, shipment_id)
    if shipment is None:
        raise NotFound(_("No shipment %s on this case.") % shipment_id)
    return returns.label_pdf(shipment)
