"""The deadline worker fires due rows in batches: every row of a batch is planned by the same
executor a person's action uses and all of it is written together — each row fires as it would
alone, a refused row backs off without holding the others, and a batch that breaks while being
written is retried row by row."""

from __future__ import annotations

import gc
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.cases import services, timers
from aftersales.cases.models import Case, CaseEvent, CaseLine, Deadline
from tests.cases.factories import actor_of, case_in

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
NOW = T0 + timedelta(hours=1)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def in_transit() -> dict:
    """A refund-only claim on an order shipped but not yet signed for: the merchant reviews it
    (TB-02), and approving it refunds at once (TB-01's chain)."""
    shipped = (T0 - timedelta(days=1)).isoformat()
    return {
        "shipments": [
            {
                "carrier": "sf",
                "tracking_no": "SF1234567890",
                "line_ids": ["1"],
                "shipped_at": shipped,
                "signed_at": None,
                "installed_at": None,
            }
        ]
    }


def due_now(case: Case, *, action: str, reminder: bool = False) -> Deadline:
    """Make the case's pending `action` row due at NOW (the others stay days away)."""
    row = Deadline.objects.get(
        case=case,
        action=action,
        reminder=reminder,
        fired_at__isnull=True,
        cancelled_at__isnull=True,
    )
    Deadline.objects.filter(pk=row.pk).update(due_at=NOW - timedelta(minutes=1))
    row.refresh_from_db()
    return row


def poison(case: Case) -> Deadline:
    """A row whose action the flow refuses from the case's state (refund from `requested`)."""
    Deadline.objects.filter(case=case).update(cancelled_at=T0)
    return Deadline.objects.create(
        case=case,
        merchant_id=case.merchant_id,
        kind="merchant_review",
        due_at=NOW - timedelta(minutes=1),
        action="refund",
        guard_state="requested",
        rule="TB-02",
    )


def last_event(case: Case) -> CaseEvent:
    return CaseEvent.objects.filter(case=case).order_by("-seq").first()


def reload(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_a_batch_of_mixed_rows_fires_each_as_its_own_deadline(clock):
    reviewed = case_in("requested", "return_refund")
    chained = case_in("requested", "refund_only", **in_transit())
    never_shipped = case_in("approved", "return_refund")
    not_received = case_in("return_shipped", "return_refund")
    replacement = case_in("replacement_shipped", "exchange", reason="quality_issue")
    unappealed = case_in("rejected", "return_refund")
    appealed = case_in("platform_review", "return_refund")
    warned = case_in("requested", "exchange")
    refused = case_in("requested", "return_refund")
    moved_on = case_in("approved", "return_refund")
    for case, action in [
        (reviewed, "approve"),
        (chained, "approve"),
        (never_shipped, "close"),
        (not_received, "refund"),
        (replacement, "confirm_replacement"),
        (unappealed, "close"),
        (appealed, "escalate"),
    ]:
        due_now(case, action=action)
    reminder = due_now(warned, action="remind", reminder=True)
    bad = poison(refused)
    # A row of `requested` the approval failed to cancel: its guard no longer holds.
    stale = Deadline.objects.get(case=moved_on, action="approve")
    Deadline.objects.filter(pk=stale.pk).update(cancelled_at=None, due_at=NOW - timedelta(hours=1))
    clock.move_to(NOW)

    result = timers.fire_due(batch=50)  # all of them in one batch

    assert (result.fired, result.skipped, result.failed) == (8, 1, 1)
    everyone = [reviewed, chained, never_shipped, not_received, replacement]
    everyone += [unappealed, appealed, warned, refused, moved_on]
    assert [reload(case).state for case in everyone] == [
        "approved",
        "refunded",
        "closed",
        "refunded",
        "completed",
        "closed",
        "platform_review",
        "requested",
        "requested",
        "approved",
    ]
    assert [e.action for e in CaseEvent.objects.filter(case=chained).order_by("seq")][-2:] == [
        "approve",
        "refund",
    ]
    assert (last_event(never_shipped).action, last_event(never_shipped).rule) == ("close", "TB-03")
    assert (last_event(not_received).action, last_event(not_received).rule) == ("refund", "TB-04")
    assert str(reload(not_received).refund_amount) == "60.00"
    assert (last_event(appealed).action, last_event(appealed).rule) == ("escalate", "CP-06")
    assert last_event(warned).action == "remind"
    assert last_event(warned).payload["action"] == "approve"
    reminder.refresh_from_db()
    assert reminder.fired_at == NOW
    bad.refresh_from_db()
    assert bad.attempts == 1 and bad.fired_at is None and "NotAllowed" in bad.last_error
    stale.refresh_from_db()
    assert stale.cancelled_at == NOW and stale.fired_at is None
    # Each moved case now waits on its new state's deadlines only, counted from NOW.
    approved_next = Deadline.objects.get(
        case=reviewed, action="close", reminder=False, cancelled_at__isnull=True
    )
    assert approved_next.guard_state == "approved" and approved_next.created_at == NOW
    assert not Deadline.objects.filter(
        case=reviewed, guard_state="requested", fired_at__isnull=True, cancelled_at__isnull=True
    ).exists()
    # The buyer who never shipped got no remedy: the line's quantity is free again.
    assert not CaseLine.objects.filter(case=never_shipped, holds_quantity=True).exists()
    # Every event seq stays gap-free per case.
    for case in (reviewed, chained, appealed, warned):
        seqs = list(
            CaseEvent.objects.filter(case=case).order_by("seq").values_list("seq", flat=True)
        )
        assert seqs == list(range(1, len(seqs) + 1)) and reload(case).last_event_seq == seqs[-1]


def test_a_refused_row_backs_off_in_its_batch_and_the_others_fire(clock, caplog):
    healthy = [case_in("requested", "return_refund") for _ in range(3)]
    refused = case_in("requested", "return_refund")
    for case in healthy:
        due_now(case, action="approve")
    bad = poison(refused)
    clock.move_to(NOW)

    with caplog.at_level(logging.WARNING, logger="aftersales.cases.timers"):
        result = timers.fire_due(batch=50)

    assert (result.fired, result.failed) == (3, 1)
    assert [reload(c).state for c in healthy] == ["approved"] * 3
    bad.refresh_from_db()
    assert bad.attempts == 1 and bad.due_at == NOW + timers.BACKOFF_FIRST
    assert reload(refused).state == "requested" and reload(refused).version == refused.version
    assert f"deadline {bad.pk}" in caplog.text
    assert "one by one" not in caplog.text  # a refusal is not a broken batch


def test_a_later_row_of_a_case_an_earlier_row_moved_is_cancelled_with_the_state(clock):
    case = case_in("requested", "return_refund")
    first = due_now(case, action="approve")
    second = Deadline.objects.create(
        case=case,
        merchant_id=case.merchant_id,
        kind="merchant_quality_review",
        due_at=first.due_at + timedelta(seconds=1),
        action="approve",
        guard_state="requested",
        rule="JD-02",
    )
    clock.move_to(NOW)

    result = timers.fire_due(batch=50)

    assert result.fired == 1
    second.refresh_from_db()
    assert second.cancelled_at == NOW and second.fired_at is None
    assert CaseEvent.objects.filter(case=case, action="approve").count() == 1


def test_a_batch_that_breaks_while_written_is_retried_row_by_row(clock, caplog, monkeypatch):
    good = [case_in("approved", "return_refund") for _ in range(2)]
    bad = case_in("approved", "return_refund")
    for case in (*good, bad):
        due_now(case, action="close")

    def breaks_on_bad(taken):
        if any(case.pk == bad.pk for case, _, _ in taken):
            raise RuntimeError("the other context's rows could not be written")

    monkeypatch.setitem(services.AFTER_STEP, "close", [breaks_on_bad])
    clock.move_to(NOW)

    with caplog.at_level(logging.ERROR, logger="aftersales.cases.timers"):
        result = timers.fire_due(batch=50)

    assert (result.fired, result.failed) == (2, 1)
    assert [reload(c).state for c in good] == ["closed", "closed"]
    assert reload(bad).state == "approved"
    assert not CaseEvent.objects.filter(case=bad, action="close").exists()
    row = Deadline.objects.get(case=bad, action="close", reminder=False)
    assert row.fired_at is None and row.attempts == 1 and "RuntimeError" in row.last_error
    assert "firing them one by one" in caplog.text


def test_the_garbage_collector_is_off_while_a_batch_runs_and_on_again_after(clock, monkeypatch):
    case = case_in("approved", "return_refund")
    due_now(case, action="close")
    seen = []
    monkeypatch.setitem(services.AFTER_STEP, "close", [lambda taken: seen.append(gc.isenabled())])
    clock.move_to(NOW)

    timers.fire_due(batch=50)

    assert seen == [False]
    assert gc.isenabled()


def test_a_batch_that_raises_turns_the_garbage_collector_back_on(clock, monkeypatch):
    case = case_in("approved", "return_refund")
    due_now(case, action="close")

    def breaks(taken):
        raise RuntimeError("the other context's rows could not be written")

    monkeypatch.setitem(services.AFTER_STEP, "close", [breaks])
    clock.move_to(NOW)

    timers.fire_due(batch=50)

    assert gc.isenabled()


def test_a_batch_leaves_the_garbage_collector_off_when_it_was_off(clock):
    case = case_in("approved", "return_refund")
    due_now(case, action="close")
    clock.move_to(NOW)
    gc.disable()
    try:
        timers.fire_due(batch=50)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_after_step_hooks_run_once_per_batch_with_every_case_that_took_the_step(clock, monkeypatch):
    cases = [case_in("requested", "refund_only", **in_transit()) for _ in range(3)]
    for case in cases:
        due_now(case, action="approve")
    calls = []

    def remember(taken):
        # Before the case engine's rows: what a hook still sets on a case is written with it.
        assert not any(CaseEvent.objects.filter(case=case, action="refund") for case, _, _ in taken)
        calls.append([(case.pk, case.state, event.action) for case, _, event in taken])

    monkeypatch.setitem(services.AFTER_STEP, "refund", [remember])
    clock.move_to(NOW)

    timers.fire_due(batch=50)

    assert calls == [[(case.pk, "refunded", "refund") for case in cases]]


def test_after_step_hooks_get_a_list_of_one_from_a_single_action(clock, monkeypatch):
    case = case_in("requested", "refund_only", **in_transit())
    calls = []
    monkeypatch.setitem(services.AFTER_STEP, "refund", [calls.append])

    services.act(case=case, actor=actor_of(case, "merchant"), action="approve")

    [[(hooked, _, event)]] = calls
    assert (hooked.pk, hooked.state, event.action, event.rule) == (
        case.pk,
        "refunded",
        "refund",
        "TB-01",
    )


def test_an_unknown_action_cannot_have_an_after_step_hook():
    with pytest.raises(ValueError, match="unknown action"):
        services.after_step("teleport")


def _snapshot(case: Case, timer: Deadline) -> dict:
    case = reload(case)
    return {
        "case": {name: getattr(case, name) for name in services.CASE_FIELDS},
        "events": [
            (e.seq, e.actor_kind, e.action, e.from_state, e.to_state, e.rule, e.note, e.payload)
            for e in CaseEvent.objects.filter(case=case).order_by("seq")
        ],
        "pending": sorted(
            (d.kind, d.due_at, d.action, d.guard_state, d.rule, d.reminder)
            for d in Deadline.objects.filter(
                case=case, fired_at__isnull=True, cancelled_at__isnull=True
            ).exclude(pk=timer.pk)
        ),
        "lines": list(CaseLine.objects.filter(case=case).values_list("holds_quantity", "outcome")),
    }


@pytest.mark.parametrize(
    ("type", "state", "action", "options"),
    [
        ("refund_only", "requested", "approve", in_transit()),
        ("return_refund", "requested", "approve", {}),
        ("return_refund", "approved", "close", {}),
        ("return_refund", "return_shipped", "refund", {}),
        ("exchange", "return_shipped", "confirm_receipt", {"reason": "quality_issue"}),
        ("reissue", "replacement_shipped", "confirm_replacement", {"reason": "missing_parts"}),
    ],
)
def test_a_single_act_and_the_batch_leave_the_same_case_events_and_deadlines(
    clock, type, state, action, options
):
    alone, batched = case_in(state, type, **options), case_in(state, type, **options)
    alone_row, batched_row = due_now(alone, action=action), due_now(batched, action=action)
    company = case_in("requested", "return_refund")  # a batch of more than one case
    due_now(company, action="approve")
    clock.move_to(NOW)

    services.act(case=alone, actor=SYSTEM_ACTOR, action=action, timer=alone_row, at=NOW)
    assert timers.fire_due(batch=50).fired == 2  # `alone`'s row went with its step

    one, many = _snapshot(alone, alone_row), _snapshot(batched, batched_row)
    assert one["case"]["state"] != state
    assert one == many
