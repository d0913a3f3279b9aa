import pytest
from django.core.management import call_command

from aftersales.accounts.models import Merchant, Role, User
from aftersales.cases.flows import FLOWS
from aftersales.cases.models import Case
from aftersales.orders.models import Order

pytestmark = pytest.mark.django_db


def run_demo(capsys) -> str:
    call_command("demo", "--orders", "150", "--buyers", "12")
    return capsys.readouterr().out


def test_demo_creates_merchants_staff_for_every_role_orders_and_cases(capsys):
    out = run_demo(capsys)
    assert (
        Merchant.objects.filter(
            code__in=["m-apparel", "m-electronics", "m-fresh", "m-books", "m-custom"]
        ).count()
        == 5
    )
    assert {u.role for u in User.objects.all()} == set(Role.values)
    # The orders asked for, the three of the demo refunds (cases/refunds_demo.py), the two
    # the risk desk flags (risk/demo.py) and the credit history's (credit/demo.py).
    assert (
        Order.objects.exclude(external_id__startswith="DEMO-RF-")
        .exclude(external_id__startswith="DEMO-RISK-")
        .exclude(external_id__startswith="DEMO-CR-")
        .count()
        == 150
    )
    assert {c.type for c in Case.objects.all()} == set(FLOWS)
    assert "password for all" in out and "specialist" in out


def test_demo_is_idempotent(capsys):
    run_demo(capsys)
    counts = (
        Merchant.objects.count(),
        User.objects.count(),
        Order.objects.count(),
        Case.objects.count(),
    )
    run_demo(capsys)
    assert (
        Merchant.objects.count(),
        User.objects.count(),
        Order.objects.count(),
        Case.objects.count(),
    ) == counts


def test_demo_cases_were_walked_through_the_services(capsys):
    run_demo(capsys)
    states = set(Case.objects.values_list("state", flat=True))
    assert {
        "requested",
        "approved",
        "return_shipped",
        "return_received",
        "refunded",
        "rejected",
        "platform_review",
        "withdrawn",
        "completed",
    } <= states
    for case in Case.objects.all():
        assert case.events.order_by("seq").last().to_state == case.state
