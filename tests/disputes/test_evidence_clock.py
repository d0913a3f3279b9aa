"""DS-06: supplementary evidence within 4 h counted only 09:00–18:00 on every calendar day,
holidays included; time left at 18:00 resumes at 09:00 the next day. A suspension (DS-21)
freezes the clock with the time it had left and the resume restarts it with exactly that."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from aftersales.cases.deadlines import due_after
from aftersales.disputes import deadlines, timers
from aftersales.disputes.models import EvidenceRequest
from aftersales.policy.document import DEFAULT_DURATIONS
from tests.disputes.factories import appealed, desk, rejected_return, step

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
SPEC = DEFAULT_DURATIONS["dispute_evidence"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def due(start: str) -> datetime:
    return due_after(at(start), SPEC)


def test_the_evidence_duration_is_four_window_hours_every_day_from_ds_06():
    assert (SPEC["amount"], SPEC["unit"], SPEC["window"], SPEC["every_day"]) == (
        4,
        "window_hours",
        "09:00-18:00",
        True,
    )
    assert SPEC["source"] == "DS-06"


def test_time_left_at_1800_resumes_at_0900_next_day():
    assert due("2026-03-10T14:01") == at("2026-03-11T09:01")


def test_four_hours_inside_the_window_end_the_same_day():
    assert due("2026-03-10T09:30") == at("2026-03-10T13:30")


def test_time_running_out_exactly_at_the_windows_end_ends_at_1800():
    assert due("2026-03-10T14:00") == at("2026-03-10T18:00")


def test_a_request_made_overnight_starts_counting_at_0900():
    assert due("2026-03-10T20:00") == at("2026-03-11T13:00")
    assert due("2026-03-11T07:15") == at("2026-03-11T13:00")


def test_weekends_count_like_any_day():
    # Friday 16:00: two hours on Friday, two on Saturday morning.
    assert due("2026-03-13T16:00") == at("2026-03-14T11:00")


def test_holidays_count_like_any_day():
    # 国庆 2026-10-01..07 is a statutory holiday block; the evidence clock runs through it.
    assert due("2026-09-30T17:00") == at("2026-10-01T12:00")
    assert due("2026-10-01T16:00") == at("2026-10-02T11:00")


def test_time_left_counts_only_window_time():
    request_due = due("2026-03-10T16:00")  # 11:00 next day
    assert deadlines.time_left(SPEC, at("2026-03-10T20:00"), request_due) == timedelta(hours=2)
    assert deadlines.time_left(SPEC, at("2026-03-11T09:30"), request_due) == timedelta(minutes=90)


def evidence_round(asked: str):
    with time_machine.travel(at(asked), tick=False):
        dispute = step(appealed(rejected_return()), "accept")
        dispute = step(dispute, "request_evidence", party="buyer", items=["photos"])
    return dispute, EvidenceRequest.objects.get(dispute=dispute)


def test_a_suspension_freezes_the_evidence_clock_and_the_resume_gives_back_the_time_left():
    dispute, request = evidence_round("2026-03-10T16:00")
    assert request.due_at == at("2026-03-11T11:00")
    with time_machine.travel(at("2026-03-10T17:00"), tick=False):  # 3 h of window time left
        dispute = step(dispute, "suspend", ground="police_report", reference="沪公(2026)123")
    with time_machine.travel(at("2026-03-11T12:00"), tick=False):  # past the old due time
        assert timers.fire_due() == 0  # frozen: nothing is due
        assert EvidenceRequest.objects.get(pk=request.pk).state == "open"
    with time_machine.travel(at("2026-03-14T10:00"), tick=False):
        dispute = step(dispute, "resume", desk())
    assert dispute.state == "evidence"
    assert EvidenceRequest.objects.get(pk=request.pk).due_at == at("2026-03-14T13:00")


def test_a_suspension_overnight_keeps_only_the_window_time_left():
    dispute, request = evidence_round("2026-03-10T16:00")
    with time_machine.travel(at("2026-03-10T21:00"), tick=False):  # 2 h left (16–18 gone)
        dispute = step(dispute, "suspend", ground="lawsuit", reference="(2026)沪0105民初1号")
    with time_machine.travel(at("2026-03-12T17:00"), tick=False):
        step(dispute, "resume", desk())
    # One hour before 18:00, the other at 09:00–10:00 the next day.
    assert EvidenceRequest.objects.get(pk=request.pk).due_at == at("2026-03-13T10:00")
