"""The demo's dispute: a rejected return appealed, both sides asked for evidence and answering
on the clock, ruled partly for the buyer through the real services; once, however often the
demo runs."""

import pytest
from django.core.management import call_command

from aftersales.core.money import round_money
from aftersales.disputes.models import Dispute

pytestmark = pytest.mark.django_db


def test_the_demo_rules_an_appealed_return_partly_for_the_buyer(capsys):
    call_command("demo", "--orders", "150", "--buyers", "12")
    dispute = Dispute.objects.get(facts__demo=True)
    assert dispute.case.type == "return_refund"
    assert dispute.ruling == "partial"  # then executed by the platform past DS-19 (below)
    assert dispute.ruling_amount == round_money(dispute.refundable / 2)  # half, to the fen
    assert sorted(r.party for r in dispute.requests.all()) == ["buyer", "merchant"]
    assert {r.state for r in dispute.requests.all()} == {"answered"}
    call_command("demo", "--orders", "150", "--buyers", "12")
    assert Dispute.objects.filter(facts__demo=True).count() == 1


def test_the_demo_executes_past_ds_19_from_the_deposit_and_the_merchant_contests_it():
    from aftersales.guarantee.models import PayFirst

    call_command("demo", "--orders", "150", "--buyers", "12")
    dispute = Dispute.objects.get(facts__demo=True)
    assert (dispute.state, dispute.executed_by) == ("closed", "platform")
    record = PayFirst.objects.get(kind="execution", source="ruling", source_id=dispute.pk)
    assert record.amount == dispute.ruling_amount
    assert record.contest_state == "contested"  # left for the desk to decide
    call_command("demo", "--orders", "150", "--buyers", "12")
    assert PayFirst.objects.filter(kind="execution").count() == 1
