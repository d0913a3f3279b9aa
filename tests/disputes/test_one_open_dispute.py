"""A case has at most one open dispute. A closed one does not count: a case ruled for the buyer
and then rejected again (a failed inspection of the returned item) is appealed again, and that
rejection gets a dispute of its own."""

from __future__ import annotations

import pytest

from aftersales.disputes.models import Dispute
from tests.cases import builders as b

pytestmark = pytest.mark.django_db


def ruled_for_buyer_then_failed_inspection() -> b.Opened:
    c = b.open_case(None, "exchange")
    c.act("merchant", "reject", reason="理由")
    c.act("buyer", "appeal", reason="理由")
    c.act("platform", "rule", ruling="for_buyer", reason="理由")
    c.act("buyer", "ship_return", carrier="sf", tracking_no="SF0000000009")
    c.act("merchant", "confirm_receipt")
    c.act("merchant", "inspect", result="fail", note="有使用痕迹", evidence_ids=[b.photo(c.id)])
    return c


def test_the_desk_ruling_on_the_case_closes_its_dispute():
    c = b.open_case(None, "exchange")
    c.act("merchant", "reject", reason="理由")
    c.act("buyer", "appeal", reason="理由")
    c.act("platform", "rule", ruling="for_buyer", reason="理由")
    assert Dispute.objects.get(case_id=c.id).state == "closed"


def test_a_case_rejected_again_after_a_ruling_is_appealed_with_a_dispute_of_its_own():
    c = ruled_for_buyer_then_failed_inspection()
    c.act("buyer", "appeal", reason="检验结论不公")
    states = list(
        Dispute.objects.filter(case_id=c.id).order_by("id").values_list("state", flat=True)
    )
    assert len(states) == 2
    assert states[0] == "closed" and states[1] != "closed"


def test_a_second_open_dispute_on_one_case_is_refused_by_the_database():
    from django.db import IntegrityError, transaction

    c = b.open_case(None, "exchange")
    c.act("merchant", "reject", reason="理由")
    c.act("buyer", "appeal", reason="理由")
    first = Dispute.objects.get(case_id=c.id)
    first.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        first.save()
