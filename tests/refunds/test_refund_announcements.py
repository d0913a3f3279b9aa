"""Refund state changes others must hear about leave through the outbox, in the change's
transaction: sent (refund.requested), paid (refund.succeeded), failed (refund.failed)."""

from __future__ import annotations

import pytest

from aftersales.notify.models import OutboxMessage
from aftersales.refunds import submission
from tests.cases import builders as b

pytestmark = pytest.mark.django_db


def topics_of(case_id: int) -> list[str]:
    return list(
        OutboxMessage.objects.filter(subject=f"case:{case_id}", topic__startswith="refund.")
        .order_by("id")
        .values_list("topic", flat=True)
    )


def test_a_refund_paid_by_the_provider_is_announced_as_sent_then_succeeded(provider):
    c = b.open_case(type="refund_only", order_options={"shipped": False, "signed": False})
    assert topics_of(c.id) == []  # granted, not yet sent: nothing to tell
    submission.submit_due()
    assert topics_of(c.id) == ["refund.requested", "refund.succeeded"]


def test_the_refund_succeeded_message_names_the_amount_the_method_and_its_arrival(provider):
    c = b.open_case(type="refund_only", order_options={"shipped": False, "signed": False})
    submission.submit_due()
    message = OutboxMessage.objects.get(subject=f"case:{c.id}", topic="refund.succeeded")
    payload = message.payload
    assert payload["amount"] == "60.00" and payload["currency"] == "CNY"
    assert payload["method"] and payload["expected_at"] and payload["provider_ref"]
    assert message.buyer_id is not None
