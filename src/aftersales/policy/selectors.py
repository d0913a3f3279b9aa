"""Reads of policy versions, drafts and the business calendar, for the platform's desk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from aftersales.accounts.actors import Actor
from aftersales.accounts.permissions import require
from aftersales.core.calendar import business_calendar
from aftersales.core.errors import NotFound
from aftersales.policy.models import PolicyDraft, PolicyVersion

_META = {"source", "verified_at"}


def versions_visible_to(actor: Actor):
    require(actor, "policy.view")
    return PolicyVersion.objects.order_by("name", "-number")


def version_for(actor: Actor, name: str, number: int) -> PolicyVersion:
    version = versions_visible_to(actor).filter(name=name, number=number).first()
    if version is None:
        raise NotFound(f"No policy version {name}@{number}.")
    return version


def previous_of(version: PolicyVersion) -> PolicyVersion | None:
    return (
        PolicyVersion.objects.filter(name=version.name, number__lt=version.number)
        .order_by("-number")
        .first()
    )


def draft_of(actor: Actor, name: str) -> PolicyDraft | None:
    require(actor, "policy.view")
    return PolicyDraft.objects.filter(name=name).first()


@dataclass(frozen=True)
class RuleLine:
    name: str
    values: dict[str, Any]
    source: str


def rules_summary(document: dict[str, Any]) -> list[RuleLine]:
    """Each rule and duration with its values and the row it comes from."""
    out = [
        RuleLine(name, {k: v for k, v in rule.items() if k not in _META}, rule.get("source", ""))
        for name, rule in document["rules"].items()
    ]
    out += [
        RuleLine(
            f"durations.{name}",
            {k: v for k, v in d.items() if k not in _META and v not in (None, False)},
            d.get("source", ""),
        )
        for name, d in document["durations"].items()
    ]
    return out


def _flat(prefix: str, value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flat(f"{prefix}.{key}" if prefix else key, inner))
        return out
    return {prefix: value}


@dataclass(frozen=True)
class Change:
    path: str
    before: Any
    after: Any


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    """What a version changed from the one before it, path by path (verification dates left
    out: they change with every re-read of the sources)."""
    old, new = _flat("", before or {}), _flat("", after)
    paths = sorted(set(old) | set(new))
    return [
        Change(p, old.get(p), new.get(p))
        for p in paths
        if old.get(p) != new.get(p) and not p.endswith(".verified_at")
    ]


@dataclass(frozen=True)
class CalendarLine:
    date: date
    kind: str
    name: str
    in_lieu: bool


def calendar_year(actor: Actor, year: int, region: str = "CN") -> list[CalendarLine]:
    """The year's holidays and 调休 days (an unknown year is refused by the calendar)."""
    require(actor, "calendar.view")
    return [CalendarLine(*row) for row in business_calendar(region).exceptions(year)]


def known_years(region: str = "CN") -> list[int]:
    from aftersales.core.models import CalendarYear

    return list(CalendarYear.objects.filter(region=region).values_list("year", flat=True))
