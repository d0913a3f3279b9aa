"""A published policy version compiled for the hot path: the rules for one (merchant, category)
resolved once into plain attributes and cached, so a decision reads fields, not JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aftersales.policy.document import merge


@dataclass(frozen=True, slots=True)
class Effective:
    no_reason_days: int
    holiday_extension: str
    statutory_exclusions: frozenset[str]
    confirmable_exclusions: frozenset[str]
    not_intact: frozenset[str]
    quality_return_days: int
    quality_exchange_days: int
    quality_clock: str
    warranty_months: int
    failed_repairs_before_exchange: int
    long_repair_days: int
    refund_before_shipment: str
    refund_in_transit: str
    refund_without_return: bool
    refund_without_return_when_unfit: bool
    price_protection_days: int
    price_protection_start: str
    auto_approve_no_reason: bool
    shipping_no_reason: str
    shipping_no_reason_exchange: str
    evidence: dict[str, tuple[str, ...]]
    sources: dict[str, str]


class CompiledPolicy:
    """One immutable version (`name@number`) of a policy document."""

    __slots__ = ("_effective", "document", "durations", "label")

    def __init__(self, label: str, document: dict[str, Any]) -> None:
        self.label = label
        self.document = document
        self.durations: dict[str, dict[str, Any]] = document["durations"]
        self._effective: dict[tuple[str | None, str], Effective] = {}

    def rules_for(self, merchant: str | None, category: str) -> Effective:
        key = (merchant, category)
        found = self._effective.get(key)
        if found is None:
            found = self._effective[key] = self._resolve(merchant, category)
        return found

    def duration(self, name: str, merchant: str | None = None) -> dict[str, Any]:
        """A named platform timeout (TB-01…, JD-…) with its source, merchant overrides applied."""
        layer = self.document["merchants"].get(merchant or "", {}).get("durations", {})
        return {**self.durations[name], **layer.get(name, {})}

    def _resolve(self, merchant: str | None, category: str) -> Effective:
        layered = {"rules": self.document["rules"], "durations": self.durations}
        category_layer = self.document["categories"].get(category)
        if category_layer:
            layered = merge(layered, category_layer)
        merchant_layer = self.document["merchants"].get(merchant or "")
        if merchant_layer:
            layered = merge(layered, merchant_layer)
        r = layered["rules"]
        not_intact = r["not_intact_conditions"]
        merchant_sourced = {
            name for name in r if merchant_layer and name in merchant_layer.get("rules", {})
        }
        return Effective(
            no_reason_days=r["no_reason_window"]["days"],
            holiday_extension=r["no_reason_window"]["holiday_extension"],
            statutory_exclusions=frozenset(r["statutory_exclusions"]["kinds"]),
            confirmable_exclusions=frozenset(r["confirmable_exclusions"]["kinds"]),
            not_intact=frozenset(not_intact["by_category"].get(category, not_intact["default"])),
            quality_return_days=r["quality_return"]["days"],
            quality_exchange_days=r["quality_exchange"]["days"],
            quality_clock=r["quality_clock"]["start"],
            warranty_months=r["warranty"]["default_months"].get(category, 0),
            failed_repairs_before_exchange=r["repeated_repairs"]["failed_repairs_before_exchange"],
            long_repair_days=r["long_repair"]["days"],
            refund_before_shipment=r["refund_before_shipment"]["approval"],
            refund_in_transit=r["refund_in_transit"]["approval"],
            refund_without_return=r["refund_without_return"]["enabled"],
            refund_without_return_when_unfit=r["refund_without_return"]["when_unfit_to_return"],
            price_protection_days=r["price_protection"]["days"],
            price_protection_start=r["price_protection"]["start"],
            auto_approve_no_reason=r["no_reason_auto_approval"]["enabled"],
            shipping_no_reason=r["return_shipping"]["no_reason"],
            shipping_no_reason_exchange=r["return_shipping"]["no_reason_exchange"],
            evidence={k: tuple(v) for k, v in r["required_evidence"]["by_reason"].items()},
            # A rule a merchant changed is sourced to the merchant's own rule, as CONTRACT says.
            sources={
                name: (f"merchant:{merchant}" if name in merchant_sourced else rule["source"])
                for name, rule in r.items()
            },
        )
