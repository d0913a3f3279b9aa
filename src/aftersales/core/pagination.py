"""Cursor (keyset) pagination for API lists: `?limit=&cursor=` → `{items, next_cursor}`.

Keyset rather than offset: a page is "the rows after this key", so rows inserted while a client
walks the list neither repeat nor shift others out, and page 1,000 costs what page 1 does (an
index range scan on the ordering columns).

    @router.get("/cases", response=page_schema(CaseOut))
    def list_cases(request, page: Query[PageQuery]):
        return paginate(cases_visible_to(request.auth), limit=page.limit, cursor=page.cursor)
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache, reduce
from operator import or_
from typing import Any, Generic, TypeVar
from uuid import UUID

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from ninja import Field, Schema
from pydantic import create_model

from aftersales.core.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None  # None on the last page


class PageQuery(Schema):
    """The query parameters of every list: use as `page: Query[PageQuery]`."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="page size")
    cursor: str | None = Field(None, description="next_cursor of the previous page")


@cache
def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """The response schema `{items: [item], next_cursor}`; one class per item schema, so the
    OpenAPI document names it once (`CaseOutPage`)."""
    return create_model(
        f"{item_schema.__name__}Page",
        __base__=Schema,
        items=(list[item_schema], ...),
        next_cursor=(str | None, None),
    )


@dataclass(frozen=True)
class _Key:
    name: str  # as in order_by, without the sign
    descending: bool
    field: models.Field


def paginate(
    queryset: QuerySet,
    *,
    order_by: tuple[str, ...] = ("-created_at", "-id"),
    limit: int | None = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page:
    """One page of `queryset` in `order_by` order. The ordering columns must be non-null and the
    last one unique (the id), so every row has exactly one place; ties on the others are fine."""
    limit = _checked_limit(limit)
    keys = [_key(queryset.model, spec) for spec in order_by]
    if not (keys[-1].field.primary_key or keys[-1].field.unique):
        raise ValueError(f"the last ordering field must be unique, not {keys[-1].name!r}")
    queryset = queryset.order_by(*order_by)
    if cursor:
        queryset = queryset.filter(_after(keys, _decode(cursor, keys, order_by)))
    rows = list(queryset[: limit + 1])  # one extra row says whether there is a next page
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    rows = rows[:limit]
    return Page(items=rows, next_cursor=_encode([_value_of(rows[-1], k) for k in keys], order_by))


def _checked_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput.on_field("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
    return limit


def _key(model: type[models.Model], spec: str) -> _Key:
    name = spec.lstrip("-")
    try:
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    except FieldDoesNotExist:
        raise ValueError(f"{model.__name__} has no field {name!r} to paginate by") from None
    if field.is_relation:
        raise ValueError(f"order by {name}_id, not the relation {name!r}")
    return _Key(name=name, descending=spec.startswith("-"), field=field)


def _after(keys: list[_Key], values: list[Any]) -> Q:
    """Rows strictly after the cursor: (k1 past v1) or (k1 = v1 and k2 past v2) or …"""
    clauses = []
    for i, key in enumerate(keys):
        equal = {k.name: v for k, v in zip(keys[:i], values[:i], strict=True)}
        past = {f"{key.name}__{'lt' if key.descending else 'gt'}": values[i]}
        clauses.append(Q(**equal, **past))
    return reduce(or_, clauses)


def _value_of(row: Any, key: _Key) -> Any:
    value = row[key.name] if isinstance(row, dict) else getattr(row, key.field.attname)
    if value is None:
        raise ValueError(f"cannot paginate by {key.name!r}: a row has no value")
    return value


# --- The cursor: base64url of JSON; each value tagged with its type so it comes back as the
# same Python value (a datetime to the microsecond, a Decimal exactly), not a look-alike string.

_TAGS: list[tuple[str, type]] = [
    ("dt", datetime),  # before date: a datetime is a date too
    ("d", date),
    ("dec", Decimal),
    ("u", UUID),
    ("b", bool),  # before int: a bool is an int too
    ("i", int),
    ("f", float),
    ("s", str),
]


def _tagged(value: Any) -> list[Any]:
    for tag, kind in _TAGS:
        if isinstance(value, kind):
            if tag in {"dt", "d"}:
                return [tag, value.isoformat()]
            if tag in {"dec", "u"}:
                return [tag, str(value)]
            return [tag, value]
    raise TypeError(f"cannot put a {type(value).__name__} in a cursor")


def _untagged(item: Any) -> Any:
    tag, raw = item
    match tag:
        case "dt":
            return datetime.fromisoformat(raw)
        case "d":
            return date.fromisoformat(raw)
        case "dec":
            return Decimal(raw)
        case "u":
            return UUID(raw)
        case "b" | "i" | "f" | "s":
            return raw
    raise ValueError(f"unknown tag {tag!r}")


def _encode(values: list[Any], order_by: tuple[str, ...]) -> str:
    payload = {"o": list(order_by), "k": [_tagged(v) for v in values]}
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, keys: list[_Key], order_by: tuple[str, ...]) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        if payload["o"] != list(order_by) or len(payload["k"]) != len(keys):
            raise ValueError("cursor of another listing")
        # to_python checks each value fits its column, so a forged cursor is a 422, not a 500.
        return [
            k.field.to_python(_untagged(item)) for k, item in zip(keys, payload["k"], strict=True)
        ]
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, KeyError, ValidationError):
        raise InvalidInput.on_field(
            "cursor", "is not a cursor from this list; pass next_cursor as it was given"
        ) from None
