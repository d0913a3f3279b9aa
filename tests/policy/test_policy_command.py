"""`aftersales policy check | import | export`: offline decisions and policy files."""

import json
import subprocess
import sys

import pytest
from django.core.management import call_command

from tests.orders.factories import order_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def order_file(tmp_path):
    path = tmp_path / "order.json"
    path.write_text(json.dumps(order_json("TB-9", merchant="m-apparel")), encoding="utf-8")
    return path


def check(order_file, *extra, capsys):
    with pytest.raises(SystemExit) as exited:
        call_command(
            "policy",
            "check",
            "--order",
            str(order_file),
            "--line",
            "1",
            "--type",
            "return_refund",
            "--reason",
            "no_reason",
            *extra,
        )
    return exited.value.code, capsys.readouterr()


def test_check_prints_the_decision_and_exits_0_when_eligible(order_file, capsys):
    call_command(
        "policy",
        "check",
        "--order",
        str(order_file),
        "--line",
        "1",
        "--type",
        "return_refund",
        "--reason",
        "no_reason",
        "--at",
        "2026-03-05T10:00:00+08:00",
    )
    decision = json.loads(capsys.readouterr().out)
    assert decision["eligible"] is True
    assert decision["policy_version"] == "cn-default@1"


def test_check_exits_1_when_ineligible(order_file, capsys):
    code, out = check(order_file, "--at", "2026-03-20T10:00:00+08:00", capsys=capsys)
    assert code == 1
    assert json.loads(out.out)["reasons"][0]["code"] == "window_expired"


def test_check_needs_no_stored_order_and_agrees_with_the_api_to_the_fen(tmp_path, capsys):
    body = order_json(
        "TB-7",
        merchant="m-apparel",
        discount="20.00",
        payments=[{"method": "card", "amount": "40.00", "paid_at": "2026-02-27T20:16:00+08:00"}],
    )
    path = tmp_path / "o.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    call_command(
        "policy",
        "check",
        "--order",
        str(path),
        "--sku",
        "SKU-1",
        "--type",
        "return_refund",
        "--reason",
        "no_reason",
        "--at",
        "2026-03-02T10:00:00+08:00",
    )
    assert json.loads(capsys.readouterr().out)["refundable_amount"] == "40.00"


def test_check_exits_2_on_bad_input(order_file):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "aftersales",
            "policy",
            "check",
            "--order",
            str(order_file),
            "--line",
            "9",
            "--type",
            "return_refund",
            "--reason",
            "no_reason",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "AFTERSALES_VAR_DIR": str(order_file.parent)},
    )
    assert result.returncode == 2, result.stderr


def test_export_then_import_publishes_the_next_version(tmp_path, capsys):
    path = tmp_path / "policy.json"
    call_command("policy", "export", str(path))
    document = json.loads(path.read_text(encoding="utf-8"))
    document["merchants"]["m-apparel"] = {"rules": {"no_reason_window": {"days": 10}}}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    call_command("policy", "import", str(path))
    assert "published cn-default@2" in capsys.readouterr().out


def test_import_of_a_less_generous_policy_is_refused(tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "policy.json"
    call_command("policy", "export", str(path))
    document = json.loads(path.read_text(encoding="utf-8"))
    document["merchants"]["m-apparel"] = {"rules": {"no_reason_window": {"days": 3}}}
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(CommandError, match="NR-02") as refused:
        call_command("policy", "import", str(path))
    assert refused.value.returncode == 2


def test_check_works_offline_before_any_database_exists(tmp_path):
    import os
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "order.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "aftersales",
            "policy",
            "check",
            "--order",
            str(example),
            "--line",
            "1",
            "--type",
            "return_refund",
            "--reason",
            "no_reason",
            "--at",
            "2026-03-05T10:00:00+08:00",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "AFTERSALES_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["policy_version"] == "cn-default@1"
    assert "shipped cn-default@1" in result.stderr
