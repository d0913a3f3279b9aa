"""Reads of return logistics for a case the caller may already see (`cases` scopes the case
to the actor first; these never widen it). The return address is shown in full only to whom
needs it; everyone else gets it masked."""

from __future__ import annotations

from collections.abc import Iterable

from aftersales.core.pii import mask_address, mask_name, mask_phone
from aftersales.returns.models import Inspection, Interception, ReturnSettings, Shipment


def return_settings_of(merchant_id: int) -> ReturnSettings | None:
    return ReturnSettings.objects.filter(merchant_id=merchant_id).first()


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
