"""The carriers' tracking webhook: authenticated by an HMAC of the body per carrier,
idempotent on the event id, and the scans it carries move cases."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine

from aftersales.cases.models import Case, CaseEvent, Deadline
from aftersales.core import clock
from aftersales.returns.models import Shipment, TrackingEvent
from tests.cases.builders import assert_problem
from tests.returns import builders as rb

pytestmark = pytest.mark.django_db


def state_of(case_id: int) -> tuple[str, int, int]:
    case = Case.objects.get(pk=case_id)
    return case.state, case.version, CaseEvent.objects.filter(case=case).count()


def test_a_webhook_signed_with_the_wrong_secret_is_401_and_changes_nothing():
    c, number = rb.shipped()
    before = state_of(c.id)
    response = rb.post_scans([rb.scan(number, "delivered")], secret="not-the-carriers")
    assert_problem(response, 401)
    assert state_of(c.id) == before
    assert not TrackingEvent.objects.exists()


def test_a_webhook_without_a_signature_is_401():
    _c, number = rb.shipped()
    assert_problem(rb.post_scans([rb.scan(number, "delivered")], secret=""), 401)


def test_a_body_changed_after_signing_is_401():
    c, number = rb.shipped()
    signed = json.dumps({"events": [rb.scan(number, "in_transit")]}).encode()
    from django.conf import settings
    from django.test import Client

    from aftersales.returns.carriers import sign

    tampered = signed.replace(b"in_transit", b"delivered")
    response = Client().post(
        "/api/v1/carriers/fake/events",
        tampered,
        content_type="application/json",
        HTTP_X_CARRIER_SIGNATURE=sign(settings.AFTERSALES_CARRIER_WEBHOOK_SECRETS["fake"], signed),
    )
    assert_problem(response, 401)
    assert Case.objects.get(pk=c.id).state == "return_shipped"


def test_a_carrier_without_a_configured_secret_cannot_post():
    _c, number = rb.shipped()
    assert_problem(rb.post_scans([rb.scan(number, "delivered")], carrier="sf"), 401)


def test_a_delivery_scan_moves_the_return_to_delivered_as_the_system_naming_the_carrier():
    c, number = rb.shipped()
    response = rb.post_scans([rb.scan(number, "delivered")])
    assert response.status_code == 200, response.content
    assert response.json()["cases_moved"] == 1
    event = c.events()[-1]
    assert (event["action"], event["to_state"], event["actor"]["kind"], event["rule"]) == (
        "deliver_return",
        "return_delivered",
        "system",
        "carrier:fake",
    )


def test_a_replayed_event_is_answered_200_and_changes_nothing():
    c, number = rb.shipped()
    event = rb.scan(number, "delivered")
    assert rb.post_scans([event]).status_code == 200
    before = state_of(c.id)
    response = rb.post_scans([event])
    assert response.status_code == 200
    assert response.json() == {"received": 1, "recorded": 0, "duplicates": 1, "cases_moved": 0}
    assert state_of(c.id) == before
    assert TrackingEvent.objects.count() == 1


def test_an_event_id_seen_before_with_other_content_is_409_and_changes_nothing():
    c, number = rb.shipped()
    rb.post_scans([rb.scan(number, "in_transit", event_id="e-1")])
    before = state_of(c.id)
    response = rb.post_scans([rb.scan(number, "delivered", event_id="e-1")])
    assert_problem(response, 409, "event_id")
    assert state_of(c.id) == before


def test_an_unknown_status_is_refused_naming_the_event_field():
    _c, number = rb.shipped()
    response = rb.post_scans([rb.scan(number, "teleported")])
    assert_problem(response, 422, "events[0].status")


def test_a_delivery_starts_the_receipt_deadline_counted_from_delivery():
    c, number = rb.shipped()
    later = clock.now() + timedelta(days=6)
    with time_machine.travel(later, tick=False):
        rb.post_scans([rb.scan(number, "delivered")])
    deadline = Deadline.objects.get(
        case_id=c.id, kind="merchant_confirm_receipt", reminder=False, cancelled_at=None
    )
    assert (deadline.guard_state, deadline.due_at) == (
        "return_delivered",
        later + timedelta(days=10),
    )


def test_a_return_no_carrier_reports_keeps_the_receipt_deadline_from_shipment():
    c, _number = rb.shipped()
    deadline = Deadline.objects.get(
        case_id=c.id, kind="merchant_confirm_receipt", reminder=False, cancelled_at=None
    )
    assert (deadline.guard_state, deadline.action) == ("return_shipped", "refund")


def test_the_first_in_transit_scan_is_logged_without_moving_the_case():
    c, number = rb.shipped()
    rb.post_scans([rb.scan(number, "picked_up"), rb.scan(number, "in_transit")])
    actions = [e["action"] for e in c.events()]
    assert actions.count("return_in_transit") == 1
    assert Case.objects.get(pk=c.id).state == "return_shipped"
    assert Shipment.objects.get(case_id=c.id).status == "in_transit"


def test_scans_of_numbers_we_do_not_know_are_ignored():
    response = rb.post_scans([rb.scan(rb.fake_no(), "delivered")])
    assert response.json() == {"received": 1, "recorded": 0, "duplicates": 0, "cases_moved": 0}


def test_a_late_in_transit_scan_never_undoes_a_delivery():
    c, number = rb.shipped()
    rb.post_scans([rb.scan(number, "delivered")])
    rb.post_scans([rb.scan(number, "in_transit")])
    assert Shipment.objects.get(case_id=c.id).status == "delivered"


def test_a_delivery_after_the_merchant_confirmed_receipt_changes_no_state():
    c, number = rb.shipped()
    c.act("merchant", "confirm_receipt")
    response = rb.post_scans([rb.scan(number, "delivered")])
    assert response.json()["cases_moved"] == 0
    assert Case.objects.get(pk=c.id).state == "return_received"
