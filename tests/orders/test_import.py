"""`aftersales import-orders FILE`: JSON Lines and CSV through the same service as the API."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from aftersales.core.models import AuditEvent
from aftersales.orders.models import Order, OrderLine, Shipment
from tests import factories
from tests.orders.factories import line_json, order_json

pytestmark = pytest.mark.django_db

CSV_HEADER = [
    "external_id",
    "buyer_external_id",
    "buyer_name",
    "buyer_phone",
    "buyer_address",
    "currency",
    "placed_at",
    "paid_at",
    "discount",
    "payment_method",
    "payment_amount",
    "line_id",
    "sku",
    "title",
    "category",
    "quantity",
    "unit_price",
    "line_discount",
    "confirmed_exclusions",
    "gifts",
    "carrier",
    "tracking_no",
    "shipped_at",
    "signed_at",
]
PLACED, PAID = "2026-02-27T20:15:00+08:00", "2026-02-27T20:16:00+08:00"
SHIPPED = "2026-02-28T10:00:00+08:00"


@pytest.fixture(autouse=True)
def shop_merchant():
    return factories.merchant("m-apparel")


def run(path: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("import-orders", str(path), *args, stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def unusable(path: Path, *args: str) -> str:
    with pytest.raises(CommandError) as exc:
        call_command("import-orders", str(path), *args, stdout=io.StringIO())
    assert exc.value.returncode == 2
    return str(exc.value)


def write_jsonl(path: Path, orders: list) -> Path:
    path.write_text(
        "\n".join(o if isinstance(o, str) else json.dumps(o, ensure_ascii=False) for o in orders)
        + "\n",
        encoding="utf-8",
    )
    return path


def csv_row(external_id: str, line_id: str, **cells: str) -> dict[str, str]:
    row = {
        "external_id": external_id,
        "buyer_external_id": "b-1001",
        "buyer_name": "张三",
        "buyer_phone": "13812345678",
        "buyer_address": "浙江省杭州市西湖区文三路 1 号",
        "currency": "CNY",
        "placed_at": PLACED,
        "paid_at": PAID,
        "discount": "0.00",
        "payment_method": "",
        "payment_amount": "",
        "line_id": line_id,
        "sku": f"SKU-{line_id}",
        "title": "纯棉T恤",
        "category": "apparel",
        "quantity": "1",
        "unit_price": "60.00",
        "line_discount": "",
        "confirmed_exclusions": "",
        "gifts": "",
        "carrier": "",
        "tracking_no": "",
        "shipped_at": "",
        "signed_at": "",
    }
    row.update(cells)
    return row


def write_csv(path: Path, rows: list[dict], header: list[str] = CSV_HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_report(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def mixed_jsonl(tmp_path: Path) -> Path:
    bad_price = order_json("TB2", lines=[line_json("1", unit_price=60.5)])
    return write_jsonl(
        tmp_path / "orders.jsonl",
        [order_json("TB1"), bad_price, "{not json", order_json("TB4")],
    )


# --- JSON Lines ----------------------------------------------------------------------------


def test_jsonl_import_lands_the_valid_orders_and_exits_1_when_some_fail(tmp_path):
    code, out = run(mixed_jsonl(tmp_path), "--merchant", "m-apparel")
    assert code == 1
    assert set(Order.objects.values_list("external_id", flat=True)) == {"TB1", "TB4"}
    assert "created 2, updated 0, failed 2" in out


def test_jsonl_import_writes_an_error_report_by_row_and_field(tmp_path):
    path = mixed_jsonl(tmp_path)
    run(path, "--merchant", "m-apparel")
    report = read_report(tmp_path / "orders.jsonl.errors.csv")
    assert [(r["row"], r["external_id"], r["field"]) for r in report] == [
        ("2", "TB2", "lines[0].unit_price"),
        ("3", "", ""),
    ]
    assert "not valid JSON" in report[1]["message"]


def test_the_error_report_goes_where_errors_says(tmp_path):
    report = tmp_path / "out" / "report.csv"
    report.parent.mkdir()
    run(mixed_jsonl(tmp_path), "--merchant", "m-apparel", "--errors", str(report))
    assert len(read_report(report)) == 2


def test_a_clean_import_exits_0(tmp_path):
    path = write_jsonl(tmp_path / "orders.jsonl", [order_json("TB1"), order_json("TB2")])
    code, out = run(path, "--merchant", "m-apparel")
    assert code == 0
    assert "created 2, updated 0, failed 0" in out
    assert not (tmp_path / "orders.jsonl.errors.csv").exists()


def test_reimporting_the_same_file_updates_and_duplicates_nothing(tmp_path):
    path = write_jsonl(tmp_path / "orders.jsonl", [order_json("TB1"), order_json("TB2")])
    run(path, "--merchant", "m-apparel")
    counts = (Order.objects.count(), OrderLine.objects.count(), Shipment.objects.count())
    code, out = run(path, "--merchant", "m-apparel")
    assert code == 0
    assert "created 0, updated 2, failed 0" in out
    assert (Order.objects.count(), OrderLine.objects.count(), Shipment.objects.count()) == counts


def test_a_clean_rerun_clears_the_report_of_an_earlier_failed_run(tmp_path):
    path = mixed_jsonl(tmp_path)
    run(path, "--merchant", "m-apparel")
    write_jsonl(path, [order_json("TB1")])
    run(path, "--merchant", "m-apparel")
    assert read_report(tmp_path / "orders.jsonl.errors.csv") == []


def test_import_writes_audit_events_as_the_system(tmp_path):
    run(write_jsonl(tmp_path / "o.jsonl", [order_json("TB1")]), "--merchant", "m-apparel")
    event = AuditEvent.objects.get(action="order.created")
    assert (event.actor_kind, event.actor_role) == ("system", "system")


def test_rows_name_their_merchant_when_no_merchant_is_pinned(tmp_path):
    path = write_jsonl(
        tmp_path / "o.jsonl", [order_json("TB1", merchant="m-apparel"), order_json("TB2")]
    )
    code, _ = run(path)
    assert code == 1
    assert list(Order.objects.values_list("external_id", flat=True)) == ["TB1"]
    assert read_report(tmp_path / "o.jsonl.errors.csv")[0]["field"] == "merchant"


def test_a_row_for_another_merchant_fails_when_the_merchant_is_pinned(tmp_path):
    factories.merchant("m-rival")
    path = write_jsonl(tmp_path / "o.jsonl", [order_json("TB1", merchant="m-rival")])
    code, _ = run(path, "--merchant", "m-apparel")
    assert code == 1
    assert Order.objects.count() == 0
    assert read_report(tmp_path / "o.jsonl.errors.csv")[0]["field"] == "merchant"


def test_ndjson_is_read_as_json_lines(tmp_path):
    path = write_jsonl(tmp_path / "o.ndjson", [order_json("TB1")])
    assert run(path, "--merchant", "m-apparel")[0] == 0


def test_format_overrides_the_extension(tmp_path):
    path = write_jsonl(tmp_path / "o.txt", [order_json("TB1")])
    assert run(path, "--merchant", "m-apparel", "--format", "jsonl")[0] == 0


def test_an_unknown_extension_without_format_is_unusable(tmp_path):
    path = write_jsonl(tmp_path / "o.txt", [order_json("TB1")])
    assert "--format" in unusable(path)


def test_the_import_shows_a_progress_bar_on_stderr(tmp_path, capsys):
    run(write_jsonl(tmp_path / "o.jsonl", [order_json("TB1")]), "--merchant", "m-apparel")
    assert "1/1" in capsys.readouterr().err


# --- Unusable input ---------------------------------------------------------------------------


def test_a_file_that_is_not_utf8_is_unusable_naming_the_line(tmp_path):
    path = tmp_path / "orders.jsonl"
    good = json.dumps(order_json("TB1"), ensure_ascii=False)
    bad = json.dumps(order_json("TB2"), ensure_ascii=False)
    path.write_bytes((good + "\n").encode() + (bad + "\n").encode("gb18030"))
    message = unusable(path, "--merchant", "m-apparel")
    assert "not UTF-8" in message
    assert "line 2" in message
    assert "GB18030" in message
    assert Order.objects.count() == 0  # checked before anything is imported


def test_a_missing_file_is_unusable(tmp_path):
    assert "no such file" in unusable(tmp_path / "nope.jsonl")


def test_a_csv_missing_required_columns_is_unusable_listing_them(tmp_path):
    header = [c for c in CSV_HEADER if c not in {"unit_price", "category"}]
    path = write_csv(tmp_path / "o.csv", [csv_row("TB1", "1")], header=header)
    message = unusable(path)
    assert "category" in message
    assert "unit_price" in message


def test_a_csv_with_an_unknown_column_is_unusable(tmp_path):
    header = [*CSV_HEADER, "colour"]
    path = write_csv(tmp_path / "o.csv", [csv_row("TB1", "1", colour="red")], header=header)
    assert "colour" in unusable(path)


# --- CSV -------------------------------------------------------------------------------------


def test_csv_rows_of_one_order_become_one_order_with_its_lines(tmp_path):
    rows = [
        csv_row("TB1", "1", payment_method="card", payment_amount="100.00", discount="20.00"),
        csv_row("TB1", "2", unit_price="60.00"),
    ]
    assert run(write_csv(tmp_path / "o.csv", rows), "--merchant", "m-apparel")[0] == 0
    order = Order.objects.get()
    assert list(order.lines.values_list("line_id", "allocated_discount")) == [
        ("1", Decimal("10.00")),
        ("2", Decimal("10.00")),
    ]
    assert order.payments.get().amount == 100


def test_csv_lines_with_one_tracking_number_share_a_shipment(tmp_path):
    ship = {"carrier": "sf", "tracking_no": "SF1", "shipped_at": SHIPPED}
    rows = [
        csv_row("TB1", "1", **ship),
        csv_row("TB1", "2", **ship),
        csv_row("TB1", "3", carrier="yto", tracking_no="YT9", shipped_at=SHIPPED),
    ]
    run(write_csv(tmp_path / "o.csv", rows), "--merchant", "m-apparel")
    assert list(Shipment.objects.values_list("tracking_no", "line_ids")) == [
        ("SF1", ["1", "2"]),
        ("YT9", ["3"]),
    ]


def test_csv_confirmed_exclusions_and_gifts_are_read(tmp_path):
    rows = [
        csv_row(
            "TB1",
            "1",
            confirmed_exclusions="hygiene_seal|activation@2026-02-27T20:14:00+08:00",
            gifts="袜子:5.00|贴纸:0",
        )
    ]
    run(write_csv(tmp_path / "o.csv", rows), "--merchant", "m-apparel")
    line = OrderLine.objects.get()
    assert [e["kind"] for e in line.confirmed_exclusions] == ["hygiene_seal", "activation"]
    assert line.gifts == [
        {"title": "袜子", "marked_price": "5.00"},
        {"title": "贴纸", "marked_price": "0.00"},
    ]


def test_csv_import_lands_valid_orders_and_reports_the_bad_row_and_column(tmp_path):
    rows = [
        csv_row("TB1", "1"),
        csv_row("TB2", "1"),
        csv_row("TB2", "2", category="weapons"),  # file line 4
        csv_row("TB3", "1", quantity="two"),  # file line 5
    ]
    path = write_csv(tmp_path / "o.csv", rows)
    code, _ = run(path, "--merchant", "m-apparel")
    assert code == 1
    assert list(Order.objects.values_list("external_id", flat=True)) == ["TB1"]
    report = read_report(tmp_path / "o.csv.errors.csv")
    assert [(r["row"], r["external_id"], r["field"]) for r in report] == [
        ("4", "TB2", "category"),
        ("5", "TB3", "quantity"),
    ]


def test_csv_order_level_errors_point_at_the_orders_first_row_and_column(tmp_path):
    rows = [
        csv_row("TB1", "1", payment_method="card", payment_amount="999.00"),
        csv_row("TB1", "2"),
    ]
    run(write_csv(tmp_path / "o.csv", rows), "--merchant", "m-apparel")
    report = read_report(tmp_path / "o.csv.errors.csv")
    assert [(r["row"], r["field"]) for r in report] == [("2", "payment_amount")]
    assert "paid more than the price" in report[0]["message"]


def test_csv_rows_of_one_order_split_apart_are_refused(tmp_path):
    rows = [csv_row("TB1", "1"), csv_row("TB2", "1"), csv_row("TB1", "2")]
    code, _ = run(write_csv(tmp_path / "o.csv", rows), "--merchant", "m-apparel")
    assert code == 1
    assert OrderLine.objects.filter(order__external_id="TB1").count() == 1
    assert read_report(tmp_path / "o.csv.errors.csv")[0]["row"] == "4"


def test_a_csv_saved_with_a_bom_by_excel_is_read(tmp_path):
    path = write_csv(tmp_path / "o.csv", [csv_row("TB1", "1")])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert run(path, "--merchant", "m-apparel")[0] == 0


def test_reimporting_the_same_csv_updates_and_duplicates_nothing(tmp_path):
    rows = [csv_row("TB1", "1"), csv_row("TB1", "2"), csv_row("TB2", "1")]
    path = write_csv(tmp_path / "o.csv", rows)
    run(path, "--merchant", "m-apparel")
    code, out = run(path, "--merchant", "m-apparel")
    assert code == 0
    assert "created 0, updated 2, failed 0" in out
    assert (Order.objects.count(), OrderLine.objects.count()) == (2, 3)


# --- The console script ------------------------------------------------------------------------


def test_the_console_script_documents_the_csv_columns_in_its_help():
    script = Path(sys.executable).with_name("aftersales")
    result = subprocess.run(
        [str(script), "import-orders", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "payment_amount" in result.stdout
    assert "--merchant" in result.stdout
