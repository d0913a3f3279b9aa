"""Importing orders from a file (JSON Lines or CSV) through the same `upsert_order` as the API:
one transaction per order, so valid orders land even when others fail; every failure becomes
a row of the error report."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor
from aftersales.core.errors import DomainError, FieldError, InvalidInput
from aftersales.orders.services import upsert_order

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}

# --- The CSV format: one row per order line; order-level columns repeat on every row of the
# order and are read from its first row. Rows of one order must be consecutive.
CSV_REQUIRED = [
    "external_id",
    "buyer_external_id",
    "currency",
    "placed_at",
    "line_id",
    "sku",
    "title",
    "category",
    "quantity",
    "unit_price",
]
CSV_OPTIONAL = [
    "merchant",
    "buyer_name",
    "buyer_phone",
    "buyer_address",
    "paid_at",
    "discount",
    "shipping_fee",
    "free_shipping",
    "freight_insurance",
    "payment_method",
    "payment_amount",
    "payment_paid_at",
    "line_discount",
    "customized",
    "fresh_perishable",
    "digital",
    "periodical",
    "warranty_months",
    "confirmed_exclusions",
    "gifts",
    "carrier",
    "tracking_no",
    "shipped_at",
    "signed_at",
    "installed_at",
]
CSV_COLUMNS_HELP = """\
CSV columns (one row per order line; UTF-8, header row first):
  order (repeated on each row of the order, read from its first row; rows of one order
  must be consecutive):
    external_id*, merchant, buyer_external_id*, buyer_name, buyer_phone, buyer_address,
    currency*, placed_at*, paid_at, discount, shipping_fee, free_shipping,
    freight_insurance, payment_method, payment_amount, payment_paid_at
  line:
    line_id*, sku*, title*, category*, quantity*, unit_price*, line_discount,
    customized, fresh_perishable, digital, periodical, warranty_months,
    confirmed_exclusions (kind[@ISO8601] separated by |; no time = placed_at),
    gifts (title:marked_price separated by |)
  shipment of the line (lines with the same carrier + tracking_no share one shipment):
    carrier, tracking_no, shipped_at, signed_at, installed_at
  * required. Times are ISO 8601 with offset; money "99.90"; booleans true/false
  (also 1/0, yes/no, 是/否). One payment per order (payment_paid_at defaults to
  paid_at); use JSON Lines for split payments."""

_TRUE = {"true", "1", "yes", "y", "是"}
_FALSE = {"false", "0", "no", "n", "否", ""}


class UnusableInput(Exception):
    """The file cannot be imported at all (missing, not UTF-8, CSV header wrong): exit 2."""


@dataclass(frozen=True)
class RowError:
    row: int
    external_id: str
    field: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed == 0


@dataclass
class _Record:
    """One order read from the file, and how to point at its rows and columns in a report."""

    row: int
    raw: Any
    locate: Callable[[str], tuple[int, str]] = field(default=lambda f: (0, f))
    rows: int = 1  # how many file rows it used (for the progress bar)


def detect_format(path: Path, fmt: str | None = None) -> str:
    if fmt:
        return fmt
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise UnusableInput(
            f"cannot tell the format of {path.name!r} from its extension; use .jsonl, .ndjson or "
            ".csv, or pass --format jsonl|csv"
        ) from None


def check_encoding(path: Path) -> int:
    """Refuse a file that is not UTF-8 before anything is imported; returns its line count."""
    if not path.is_file():
        raise UnusableInput(f"no such file: {path}")
    count = 0
    with path.open("rb") as fh:
        for count, raw in enumerate(fh, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                hint = ""
                try:
                    raw.decode("gb18030")
                    hint = (
                        " It looks like GBK/GB18030 (what Excel saves by default): save it as "
                        '"CSV UTF-8" or convert it with `iconv -f GB18030 -t UTF-8`.'
                    )
                except UnicodeDecodeError:
                    pass
                raise UnusableInput(
                    f"{path} is not UTF-8 text: line {count}, byte {exc.start + 1}: "
                    f"{exc.reason} (0x{raw[exc.start]:02x}).{hint}"
                ) from None
    return count


def import_orders(
    path: Path,
    *,
    fmt: str | None = None,
    merchant: str | None = None,
    actor: Actor | None = None,
    on_start: Callable[[int], None] = lambda total: None,
    on_progress: Callable[[int], None] = lambda n: None,
) -> ImportResult:
    """Import every order of `path`. Raises UnusableInput before importing anything when the
    file cannot be read as a whole. `on_start` hears how many rows there are (once the file is
    found usable), `on_progress` how many more were done."""
    fmt = detect_format(path, fmt)
    lines = check_encoding(path)
    actor = actor or dataclasses.replace(SYSTEM_ACTOR, label="system:import-orders")
    result = ImportResult()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        if fmt == "jsonl":
            records = _jsonl_records(fh)
        else:
            records = _csv_records(_csv_reader(fh))
            lines -= 1  # the header
        on_start(lines)
        for record in records:
            _import_one(record, actor=actor, merchant=merchant, result=result)
            on_progress(record.rows)
    return result


def _import_one(record: _Record, *, actor: Actor, merchant: str | None, result: ImportResult):
    raw = record.raw
    external_id = str(raw.get("external_id", "")) if isinstance(raw, dict) else ""
    try:
        if isinstance(raw, FieldError):
            raise DomainError(raw.message, errors=[raw])
        if merchant is not None and isinstance(raw, dict):
            if raw.get("merchant") in (None, ""):
                raw = {**raw, "merchant": merchant}
            elif raw["merchant"] != merchant:
                raise InvalidInput.on_field(
                    "merchant", f"this import is for merchant {merchant!r} only (--merchant)"
                )
        if not isinstance(raw, dict):
            raise InvalidInput.on_field("body", "an order is a JSON object")
        _, created = upsert_order(actor=actor, data=raw)
    except DomainError as exc:
        result.failed += 1
        for err in exc.errors or [FieldError("", exc.detail)]:
            row, column = record.locate(err.field)
            result.errors.append(RowError(row or record.row, external_id, column, err.message))
        return
    if created:
        result.created += 1
    else:
        result.updated += 1


def write_report(path: Path, errors: list[RowError]) -> None:
    # utf-8-sig: Excel opens the report with its Chinese text intact.
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "external_id", "field", "message"])
        for e in errors:
            writer.writerow([e.row, e.external_id, e.field, e.message])


# --- JSON Lines --------------------------------------------------------------------------------


def _jsonl_records(fh) -> Iterator[_Record]:
    for lineno, text in enumerate(fh, 1):
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raw = FieldError("", f"not valid JSON: {exc.msg} (column {exc.colno})")
        yield _Record(row=lineno, raw=raw)


# --- CSV -----------------------------------------------------------------------------------------


def _csv_reader(fh) -> csv.DictReader:
    """A reader whose header has every required column and no unknown one."""
    reader = csv.DictReader(fh)
    header = reader.fieldnames or []
    stripped = [h.strip() for h in header]
    missing = [c for c in CSV_REQUIRED if c not in stripped]
    if missing:
        raise UnusableInput(f"the CSV lacks required columns: {', '.join(missing)}")
    unknown = [c for c in stripped if c not in CSV_REQUIRED and c not in CSV_OPTIONAL]
    if unknown:
        raise UnusableInput(
            f"the CSV has unknown columns: {', '.join(unknown)} (see --help for the columns)"
        )
    reader.fieldnames = stripped
    return reader


def _csv_records(reader: csv.DictReader) -> Iterator[_Record]:
    group: list[tuple[int, dict[str, str]]] = []
    seen: set[tuple[str, str]] = set()
    for row in reader:
        cells = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(cells.values()):
            continue
        key = (cells.get("merchant", ""), cells["external_id"])
        if group and key != _key(group):
            yield _order_record(group, seen)
            group = []
        group.append((reader.line_num, cells))
    if group:
        yield _order_record(group, seen)


def _key(group: list[tuple[int, dict[str, str]]]) -> tuple[str, str]:
    cells = group[0][1]
    return (cells.get("merchant", ""), cells["external_id"])


def _order_record(group: list[tuple[int, dict[str, str]]], seen: set) -> _Record:
    first_row, first = group[0]
    key = _key(group)
    if key in seen:
        raw: Any = FieldError(
            "external_id",
            "rows of one order must be consecutive; this order appeared earlier in the file",
        )
        return _Record(row=first_row, raw=raw, rows=len(group))
    seen.add(key)

    def opt(cells: dict[str, str], column: str) -> str | None:
        return cells.get(column) or None

    order: dict[str, Any] = {
        "external_id": first["external_id"],
        "buyer": {
            "external_id": first["buyer_external_id"],
            "name": first.get("buyer_name", ""),
            "phone": first.get("buyer_phone", ""),
            "address": first.get("buyer_address", ""),
        },
        "currency": first["currency"],
        "placed_at": first["placed_at"],
        "paid_at": opt(first, "paid_at"),
        "free_shipping": _bool(first.get("free_shipping", "")),
        "freight_insurance": _bool(first.get("freight_insurance", "")),
        "lines": [],
        "payments": [],
        "shipments": [],
    }
    for column in ("merchant", "discount", "shipping_fee"):
        if first.get(column):
            order[column] = first[column]
    if first.get("payment_amount") or first.get("payment_method"):
        order["payments"].append(
            {
                "method": first.get("payment_method", ""),
                "amount": first.get("payment_amount", ""),
                "paid_at": opt(first, "payment_paid_at") or opt(first, "paid_at"),
            }
        )
    line_rows: list[int] = []
    shipment_rows: list[int] = []
    shipments: dict[tuple[str, str], dict[str, Any]] = {}
    for row_no, cells in group:
        line_rows.append(row_no)
        line: dict[str, Any] = {
            "line_id": cells["line_id"],
            "sku": cells["sku"],
            "title": cells["title"],
            "category": cells["category"],
            "quantity": _int(cells["quantity"]),
            "unit_price": cells["unit_price"],
            "attributes": {
                name: _bool(cells.get(name, ""))
                for name in ("customized", "fresh_perishable", "digital", "periodical")
            }
            | {"warranty_months": _int(cells.get("warranty_months") or "0")},
            "confirmed_exclusions": _exclusions(cells.get("confirmed_exclusions", ""), first),
            "gifts": _gifts(cells.get("gifts", "")),
        }
        if cells.get("line_discount"):
            line["discount"] = cells["line_discount"]
        order["lines"].append(line)
        if cells.get("carrier") or cells.get("tracking_no"):
            ship_key = (cells.get("carrier", ""), cells.get("tracking_no", ""))
            if ship_key not in shipments:
                shipment_rows.append(row_no)
                shipments[ship_key] = {
                    "carrier": ship_key[0],
                    "tracking_no": ship_key[1],
                    "line_ids": [],
                    "shipped_at": cells.get("shipped_at", ""),
                    "signed_at": opt(cells, "signed_at"),
                    "installed_at": opt(cells, "installed_at"),
                }
            shipments[ship_key]["line_ids"].append(cells["line_id"])
    order["shipments"] = list(shipments.values())

    def locate(path: str) -> tuple[int, str]:
        return _csv_cell(path, first_row, line_rows, shipment_rows)

    return _Record(row=first_row, raw=order, locate=locate, rows=len(group))


_INDEXED = re.compile(r"^(lines|shipments|payments)\[(\d+)\]\.?(.*)$")
_LINE_COLUMNS = {"discount": "line_discount"}
_PAYMENT_COLUMNS = {
    "method": "payment_method",
    "amount": "payment_amount",
    "paid_at": "payment_paid_at",
}


def _csv_cell(
    path: str, first_row: int, line_rows: list[int], shipment_rows: list[int]
) -> tuple[int, str]:
    """A JSON path of an error (lines[1].unit_price) → the CSV row and column it came from."""
    match = _INDEXED.match(path)
    if match is None:
        if path.startswith("buyer."):
            return first_row, "buyer_" + path.removeprefix("buyer.")
        if path == "payments":
            return first_row, "payment_amount"
        return first_row, path
    kind, index, rest = match.group(1), int(match.group(2)), match.group(3)
    name = re.split(r"[.\[]", rest, maxsplit=1)[0]
    if kind == "lines":
        row = line_rows[index] if index < len(line_rows) else first_row
        if name == "attributes":
            return row, rest.removeprefix("attributes.") or name
        return row, _LINE_COLUMNS.get(name, name)
    if kind == "shipments":
        row = shipment_rows[index] if index < len(shipment_rows) else first_row
        return row, "line_id" if name == "line_ids" else name
    return first_row, _PAYMENT_COLUMNS.get(name, "payment_amount")


def _bool(cell: str) -> bool | str:
    """CSV booleans; anything else is passed on for the schema to refuse, naming the column."""
    value = cell.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return cell


def _int(cell: str) -> int | str:
    return int(cell) if re.fullmatch(r"[+-]?\d+", cell.strip()) else cell


def _exclusions(cell: str, first: dict[str, str]) -> list[dict[str, str]]:
    out = []
    for part in filter(None, (p.strip() for p in cell.split("|"))):
        kind, _, at = part.partition("@")
        out.append({"kind": kind.strip(), "confirmed_at": at.strip() or first["placed_at"]})
    return out


def _gifts(cell: str) -> list[dict[str, str]]:
    out = []
    for part in filter(None, (p.strip() for p in cell.split("|"))):
        title, sep, price = part.rpartition(":")
        out.append(
            {"title": title.strip(), "marked_price": price.strip()} if sep else {"title": part}
        )
    return out
