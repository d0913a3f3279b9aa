"""Finding and compiling policy versions. A version never changes, so its compiled form is
cached for the life of the process; only "which number is current" is looked up again, at most
every few seconds."""

from __future__ import annotations

import re
import time
from functools import lru_cache

from aftersales.core.errors import InvalidInput
from aftersales.policy.compiled import CompiledPolicy
from aftersales.policy.models import PolicyVersion

DEFAULT_POLICY = "cn-default"
LATEST_CHECK_SECONDS = 5.0
LABEL = re.compile(r"^(?P<name>[a-z0-9][a-z0-9-]{1,62})@(?P<number>\d+)$")
_latest: dict[str, tuple[int, float]] = {}


def parse_label(label: str, *, field: str = "policy") -> tuple[str, int]:
    match = LABEL.match(label)
    if not match:
        raise InvalidInput.on_field(field, f"{label!r} is not NAME@VERSION, e.g. cn-default@3")
    return match["name"], int(match["number"])


@lru_cache(maxsize=256)
def compiled(label: str) -> CompiledPolicy:
    name, number = parse_label(label)
    version = PolicyVersion.objects.filter(name=name, number=number).first()
    if version is None:
        raise InvalidInput.on_field("policy", f"no policy version {label}")
    return CompiledPolicy(version.label, version.document)


def latest_number(name: str = DEFAULT_POLICY) -> int:
    cached = _latest.get(name)
    now = time.monotonic()
    if cached and now - cached[1] < LATEST_CHECK_SECONDS:
        return cached[0]
    number = (
        PolicyVersion.objects.filter(name=name)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    if number is None:
        raise InvalidInput.on_field("policy", f"no policy named {name!r} has been published")
    _latest[name] = (number, now)
    return number


def current(name: str = DEFAULT_POLICY) -> CompiledPolicy:
    return compiled(f"{name}@{latest_number(name)}")


def forget_latest(name: str | None = None) -> None:
    """After a publish in this process: the next `current` sees it at once."""
    if name is None:
        _latest.clear()
    else:
        _latest.pop(name, None)
