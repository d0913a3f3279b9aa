"""Reads of return logistics for a case the caller may already see (`cases` scopes the case
to the actor first; these never widen it). The return address is shown in full only to whom
needs it; everyone else gets it masked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from aftersales.core import clock
from aftersales.core.pii import mask_address, mask_name, mask_phone
from aftersales.returns import carriers as carrier_registry
from aftersales.returns.models import Inspection, Interception, ReturnSettings, Shipment

# The courier windows offered for a pickup (上门取件), local time, from tomorrow on.
PICKUP_WINDOWS = (
    (time(9), time(11)),
    (time(11), time(13)),
    (time(14), time(16)),
    (time(16), time(18)),
)
PICKUP_DAYS = 3


def return_settings_of(merchant_id: int) -> ReturnSettings | None:
    return ReturnSettings.objects.filter(merchant_id=merchant_id).first()


@dataclass(frozen=True)
class ReturnOptions:
    """How a buyer may send a merchant's return: the carriers to self-ship with (code, name)
    and the carrier that collects (empty: the merchant offers no pickup)."""

    carriers: list[tuple[str, str]]
    pickup_carrier: str
    pickup_carrier_name: str


def return_options(settings: ReturnSettings | None) -> ReturnOptions:
    """The merchant's accepted carriers; none named accepts any carrier we know (as
    `services.validate_shipment` does). A pickup needs a carrier that collects and an address."""
    accepted = list(settings.carriers) if settings and settings.carriers else []
    codes = accepted or list(carrier_registry.CARRIERS)
    pickup = settings.pickup_carrier if settings and settings.address else ""
    return ReturnOptions(
        carriers=[(c, carrier_registry.CARRIERS[c].name) for c in codes],
        pickup_carrier=pickup,
        pickup_carrier_name=carrier_registry.CARRIERS[pickup].name if pickup else "",
    )


def known_carriers() -> list[tuple[str, str, bool]]:
    """Every carrier of this installation: code, name, whether it collects (pickups)."""
    return [(c.code, c.name, c.supports_pickup) for c in carrier_registry.CARRIERS.values()]


def pickup_slots(*, now: datetime | None = None) -> list[tuple[datetime, datetime]]:
    """The courier windows a buyer may choose, in local time, the next few days from tomorrow."""
    local = clock.localtime(now or clock.now())
    today, tz = local.date(), local.tzinfo
    return [
        (
            datetime.combine(today + timedelta(days=d), start, tzinfo=tz),
            datetime.combine(today + timedelta(days=d), end, tzinfo=tz),
        )
        for d in range(1, PICKUP_DAYS + 1)
        for start, end in PICKUP_WINDOWS
    ]


def address_json(name: str, phone: str, address: str, *, full: bool) -> dict[str, str] | None:
    if not address:
        return None
    if full:
        return {"name": name, "phone": phone, "address": address}
    return {"name": mask_name(name), "phone": mask_phone(phone), "address": mask_address(address)}


def shipments_of(case_ids: Iterable[int]) -> list[Shipment]:
    """The cases' parcels with their scans (two queries however many cases)."""
    return list(Shipment.objects.filter(case_id__in=list(case_ids)).prefetch_related("events"))


def inspections_of(case_id: int) -> list[Inspection]:
    return list(Inspection.objects.filter(case_id=case_id).select_related("case_line__order_line"))


def interceptions_of(case_id: int) -> list[Interception]:
    return list(Interception.objects.filter(case_id=case_id))


def shipment_of(case_id: int, shipment_id: int) -> Shipment | None:
    return Shipment.objects.filter(case_id=case_id, pk=shipment_id).first()
