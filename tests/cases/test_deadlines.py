"""The deadline worker: when nobody acts in time, the system takes the flow's default action
through the same service a person uses — once, with the timer and the rule on the event."""

from __future__ import annotations

import copy
import logging
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.cases import services, timers
from aftersales.cases.models import Case, CaseEvent, Deadline
from aftersales.core import worker
from aftersales.policy import loading
from aftersales.policy.services import publish_policy
from tests.cases.factories import actor_of, case_in, opened_case

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SECOND = timedelta(seconds=1)


@pytest.fixture
def clock():
    """The clock, stopped at T0; `clock.move_to(when)` moves it."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def pending(case: Case, *, action: str) -> Deadline:
    return Deadline.objects.get(
        case=case, action=action, fired_at__isnull=True, cancelled_at__isnull=True
    )


def events(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).order_by("seq"))


def reload(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


# --- the defaults, as the big platforms have them ----------------------------------------------


def test_merchant_silence_past_review_deadline_approves(clock):
    case = case_in("requested", "return_refund")
    deadline = pending(case, action="approve")
    assert deadline.due_at == T0 + timedelta(days=5)  # TB-02

    clock.move_to(deadline.due_at - SECOND)
    timers.fire_due()  # only the reminder is due
    assert reload(case).state == "requested"

    clock.move_to(deadline.due_at)
    assert timers.fire_due().fired == 1
    assert reload(case).state == "approved"
    approve = events(case)[-1]
    assert (approve.action, approve.actor_kind, approve.actor_role) == (
        "approve",
        "system",
        "system",
    )
    assert approve.rule == "TB-02"
    assert approve.payload["timer"] == {
        "kind": "merchant_review",
        "due_at": deadline.due_at.isoformat(),
    }


def test_refund_only_before_shipment_merchant_silent_48_hours_is_approved_and_refunded(clock):
    # cn-default refunds an unshipped order at once (TB-01); a platform that lets the merchant
    # look first still gives them only TB-01's 48 hours.
    document = copy.deepcopy(loading.current().document)
    document["rules"]["refund_before_shipment"]["approval"] = "merchant"
    publish_policy(actor=SYSTEM_ACTOR, document=document, note="merchant reviews unshipped")
    case = opened_case("refund_only", shipped=False, reason="no_reason")
    assert reload(case).state == "requested"

    clock.move_to(T0 + timedelta(hours=48))
    assert timers.fire_due().fired == 1  # the approval; its reminder is moot by now

    case = reload(case)
    assert case.state == "refunded"
    assert str(case.refund_amount) == "60.00"
    approve, refund = events(case)[-2:]
    assert (approve.action, approve.rule, approve.payload["timer"]["kind"]) == (
        "approve",
        "TB-01",
        "merchant_review_unshipped",
    )
    assert (refund.action, refund.rule, refund.actor_kind) == ("refund", "TB-01", "system")


def test_buyer_not_shipping_the_return_in_time_closes_the_case(clock):
    case = case_in("approved", "return_refund")

    clock.move_to(T0 + timedelta(days=7))  # TB-03
    timers.fire_due()

    case = reload(case)
    assert case.state == "closed"
    assert (events(case)[-1].action, events(case)[-1].rule) == ("close", "TB-03")
    # The buyer got no remedy: the line's quantity is free for another case.
    assert not case.lines.filter(holds_quantity=True).exists()


def test_merchant_not_confirming_receipt_of_the_return_refunds(clock):
    case = case_in("return_shipped", "return_refund")

    clock.move_to(T0 + timedelta(days=10))  # TB-04
    timers.fire_due()

    case = reload(case)
    assert case.state == "refunded"
    assert str(case.refund_amount) == "60.00"
    assert (events(case)[-1].action, events(case)[-1].rule) == ("refund", "TB-04")


def test_exchange_buyer_not_confirming_the_replacement_completes(clock):
    case = case_in("replacement_shipped", "exchange", reason="quality_issue")

    clock.move_to(T0 + timedelta(days=10))
    timers.fire_due()

    case = reload(case)
    assert case.state == "completed"
    assert events(case)[-1].action == "confirm_replacement"


def test_a_rejection_nobody_appeals_closes_after_the_fifteen_day_appeal_window(clock):
    case = case_in("rejected", "return_refund")

    clock.move_to(T0 + timedelta(days=15) - SECOND)
    timers.fire_due()
    assert reload(case).state == "rejected"

    clock.move_to(T0 + timedelta(days=15))  # DS-02
    timers.fire_due()
    case = reload(case)
    assert case.state == "closed"
    assert (events(case)[-1].action, events(case)[-1].rule) == ("close", "DS-02")


def test_a_ruling_the_desk_leaves_past_seven_working_days_is_escalated_not_decided(clock):
    case = case_in("rejected", "return_refund")
    services.act(
        case=case,
        actor=actor_of(case, "buyer"),
        action="appeal",
        body=services.ActionBody(reason="the seam split on day two"),
    )
    deadline = pending(case, action="escalate")
    assert deadline.kind == "platform_ruling" and deadline.rule == "CP-06"

    clock.move_to(deadline.due_at)
    timers.fire_due()
    case = reload(case)
    assert case.state == "platform_review"
    assert (events(case)[-1].action, events(case)[-1].rule) == ("escalate", "CP-06")


# --- guards, reminders, exactly once ------------------------------------------------------------


def test_a_deadline_of_a_state_the_case_left_is_cancelled_and_never_fires(clock):
    case = case_in("requested", "return_refund")
    review = pending(case, action="approve")
    services.act(case=case, actor=actor_of(case, "merchant"), action="reject", body=_reason())

    review.refresh_from_db()
    assert review.cancelled_at == T0 and review.fired_at is None
    clock.move_to(review.due_at + timedelta(days=1))
    timers.fire_due()
    assert not CaseEvent.objects.filter(case=case, action="approve").exists()


def test_a_row_left_pending_after_its_state_is_cancelled_by_the_worker_not_fired(clock):
    case = case_in("approved", "return_refund")
    # A row of `requested` a transition failed to cancel: its guard no longer holds.
    stale = Deadline.objects.get(case=case, action="approve")
    Deadline.objects.filter(pk=stale.pk).update(cancelled_at=None)

    clock.move_to(stale.due_at)
    result = timers.fire_due()

    stale.refresh_from_db()
    assert (result.fired, result.skipped) == (0, 1)
    assert stale.cancelled_at == stale.due_at and stale.fired_at is None
    assert reload(case).state == "approved"


def test_the_reminder_fires_24_hours_before_with_a_remind_event_and_no_state_change(clock):
    case = case_in("requested", "return_refund")
    review = pending(case, action="approve")
    version = reload(case).version

    clock.move_to(review.due_at - timedelta(hours=24))
    assert timers.fire_due().fired == 1

    case = reload(case)
    assert (case.state, case.version) == ("requested", version)
    remind = events(case)[-1]
    assert (remind.action, remind.from_state, remind.to_state) == (
        "remind",
        "requested",
        "requested",
    )
    assert (remind.actor_kind, remind.rule) == ("system", "TB-02")
    assert remind.payload == {
        "kind": "merchant_review",
        "due_at": review.due_at.isoformat(),
        "action": "approve",
    }
    assert pending(case, action="approve").pk == review.pk  # the real deadline still waits


def test_a_reminder_whose_deadline_is_due_too_is_skipped_not_sent(clock):
    case = case_in("requested", "return_refund")
    clock.move_to(T0 + timedelta(days=6))  # the worker was down through both

    result = timers.fire_due()

    assert (result.fired, result.skipped) == (1, 1)
    assert not CaseEvent.objects.filter(case=case, action="remind").exists()
    assert reload(case).state == "approved"


def test_firing_twice_acts_once(clock):
    case = case_in("requested", "return_refund")
    clock.move_to(T0 + timedelta(days=6))

    first, second = timers.fire_due(), timers.fire_due()

    assert (first.fired, second.fired) == (1, 0)
    assert CaseEvent.objects.filter(case=case, action="approve").count() == 1
    assert reload(case).state == "approved"


def test_an_action_that_raises_leaves_the_row_unfired_and_the_case_unchanged(clock, monkeypatch):
    case = case_in("requested", "return_refund")
    review = pending(case, action="approve")

    write = services.apply_plans

    def approve_then_crash(plans):
        write(plans)
        raise RuntimeError("crash after the action, before the commit")

    monkeypatch.setattr(timers.services, "apply_plans", approve_then_crash)
    clock.move_to(review.due_at)
    assert timers.fire_due().failed == 1

    review.refresh_from_db()
    assert review.fired_at is None and review.attempts == 1
    assert reload(case).state == "requested"
    assert not CaseEvent.objects.filter(case=case, action="approve").exists()


def test_a_poison_row_backs_off_and_does_not_block_the_others(clock, caplog):
    poisoned = case_in("requested", "return_refund")
    healthy = case_in("requested", "return_refund")
    Deadline.objects.filter(case=poisoned).update(cancelled_at=T0)  # only the poison is left
    # `refund` is not a step the flow allows from `requested`: it fails every time.
    poison = Deadline.objects.create(
        case=poisoned,
        merchant_id=poisoned.merchant_id,
        kind="merchant_review",
        due_at=T0 + timedelta(hours=1),
        action="refund",
        guard_state="requested",
        rule="TB-02",
    )
    clock.move_to(T0 + timedelta(days=5))

    with caplog.at_level(logging.WARNING, logger="aftersales.cases.timers"):
        result = timers.fire_due()

    assert result.failed == 1
    assert reload(healthy).state == "approved"
    assert reload(poisoned).state == "requested"
    poison.refresh_from_db()
    assert poison.attempts == 1 and poison.fired_at is None and poison.cancelled_at is None
    assert "NotAllowed" in poison.last_error
    assert poison.due_at == T0 + timedelta(days=5) + timers.BACKOFF_FIRST
    assert f"deadline {poison.pk}" in caplog.text
    assert timers.fire_due().failed == 0  # not retried before its new due time


def test_a_poison_row_is_given_up_after_max_attempts(clock, caplog):
    case = case_in("requested", "return_refund")
    poison = pending(case, action="approve")
    Deadline.objects.filter(pk=poison.pk).update(action="refund", attempts=timers.MAX_ATTEMPTS - 1)
    clock.move_to(poison.due_at)

    with caplog.at_level(logging.ERROR, logger="aftersales.cases.timers"):
        assert timers.fire_due().failed == 1

    poison.refresh_from_db()
    assert poison.cancelled_at == poison.due_at and poison.fired_at is None
    assert poison.last_error.startswith(f"gave up after {timers.MAX_ATTEMPTS} attempts")
    assert "given up" in caplog.text


def test_backoff_doubles_from_a_minute_up_to_an_hour():
    assert [timers.backoff(n).total_seconds() / 60 for n in range(1, 9)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
    ]


# --- the worker and the command ------------------------------------------------------------------


def test_the_worker_fires_due_deadlines_in_its_sweep(clock):
    case = case_in("requested", "return_refund")
    clock.move_to(T0 + timedelta(days=5))

    [sweep] = [s for s in worker.autodiscover_sweeps() if s.name == "cases.fire_deadlines"]
    assert sweep.every <= 1 and not sweep.atomic
    assert worker.run_sweep(sweep)

    assert reload(case).state == "approved"


def test_deadlines_run_now_is_refused_without_the_clock_override(clock, monkeypatch):
    monkeypatch.delenv("AFTERSALES_ALLOW_CLOCK_OVERRIDE", raising=False)
    case = case_in("requested", "return_refund")

    with pytest.raises(CommandError, match="AFTERSALES_ALLOW_CLOCK_OVERRIDE") as refused:
        call_command("deadlines", "run", "--now", "2026-03-09T10:00:00+08:00")

    assert refused.value.returncode == 2
    assert reload(case).state == "requested"


def test_deadlines_run_now_refuses_a_time_without_offset(monkeypatch):
    monkeypatch.setenv("AFTERSALES_ALLOW_CLOCK_OVERRIDE", "1")
    with pytest.raises(CommandError, match="no UTC offset") as refused:
        call_command("deadlines", "run", "--now", "2026-03-09T10:00:00")
    assert refused.value.returncode == 2


def test_deadlines_run_now_fires_what_is_due_at_that_moment(clock, monkeypatch):
    monkeypatch.setenv("AFTERSALES_ALLOW_CLOCK_OVERRIDE", "1")
    reviewed = case_in("requested", "return_refund")
    rejected = case_in("rejected", "return_refund")
    out = StringIO()

    call_command("deadlines", "run", "--now", "2026-03-09T10:00:00+08:00", stdout=out)

    # The approval; its reminder, due a day earlier, is moot now and skipped.
    assert out.getvalue().strip() == "fired 1, skipped 1, failed 0"
    assert reload(reviewed).state == "approved"
    assert reload(rejected).state == "rejected"  # its 15 days are not over
    approve = CaseEvent.objects.get(case=reviewed, action="approve")
    # The action is taken at --now: the next deadline counts from there.
    assert pending(reviewed, action="close").due_at == datetime.fromisoformat(
        "2026-03-16T10:00:00+08:00"
    )
    assert approve.payload["timer"]["kind"] == "merchant_review"


def test_deadlines_run_without_now_uses_the_clock(clock):
    case = case_in("requested", "return_refund")
    clock.move_to(T0 + timedelta(days=5))
    out = StringIO()

    call_command("deadlines", "run", stdout=out)

    assert out.getvalue().strip() == "fired 1, skipped 1, failed 0"
    assert reload(case).state == "approved"


def _reason():
    return services.ActionBody(reason="影响二次销售")
