"""The demo's complaint journey (issue #9's "Done when"), as `aftersales demo` loads it."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from aftersales.complaints.models import Complaint, InboundEmail
from aftersales.core import clock
from tests.complaints.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey(capsys, travel):
    travel(at(2026, 12, 1, 10, 0))  # the latest long holiday before it: 国庆 2026
    call_command("demo", "--orders", "40", "--buyers", "4")
    out = capsys.readouterr().out
    return Complaint.objects.get(emails__message_id__startswith="demo-complaint"), out


def test_email_and_chat_land_in_one_complaint_of_the_customers_timeline(journey):
    complaint, _ = journey
    assert list(
        complaint.messages.filter(direction="inbound").values_list("channel", flat=True)
    ) == [
        "email",
        "chat",
    ]
    email = InboundEmail.objects.get(complaint=complaint)
    assert [a["accepted"] for a in email.attachments] == [True, False]  # the photo; the .exe


def test_it_is_graded_investigated_approved_confirmed_and_rated(journey):
    complaint, _ = journey
    assert complaint.severity == "major"
    assert {s["signal"] for s in complaint.signals} >= {"regulator"}
    task = complaint.tasks.get()
    assert (task.department, task.state) == ("quality", "answered")
    assert (complaint.responsibility, complaint.reason_codes) == (
        "product_quality",
        ["workmanship"],
    )
    assert complaint.approvals.get().state == "granted"
    assert (complaint.state, complaint.rating) == ("resolved", 5)


def test_its_sla_clock_runs_through_the_holiday(journey):
    complaint, out = journey
    received = clock.localtime(complaint.received_at)
    due = clock.localtime(complaint.resolution_due_at)
    # 重大: resolution within 3 working days (27 business hours) — the holiday does not count.
    assert received.date() == date(2026, 9, 30)
    assert due.date() == date(2026, 10, 10)  # 10 October 2026 is a 调休 working Saturday
    assert complaint.breaches == []
    assert "the clock skipped 国庆节" in out and "buyer1" in out


def test_running_the_demo_again_adds_no_second_journey(journey):
    call_command("demo", "--orders", "40", "--buyers", "4")
    assert InboundEmail.objects.count() == 1
