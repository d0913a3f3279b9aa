"""The risk desk: the flagged queue shows each request with its reasons, a score's page explains
its signals in words, and the analyst's clear or confirm is saved as an audited label."""

from __future__ import annotations

import pytest

from aftersales.accounts.actors import actor_for_user
from aftersales.accounts.models import Role
from aftersales.core.models import AuditEvent
from aftersales.risk import services
from aftersales.risk.models import Review
from tests import factories
from tests.cases import builders as b
from tests.risk.builders import latest, pro_claimant_claim
from tests.web.pages import client_for, merchant_client

pytestmark = pytest.mark.django_db


def flagged() -> int:
    """A buyer's repeated not-received claims on parcels signed for (RS-09), at a shop whose
    risk policy weighs RS-09 enough for human review (not-received claims are RS-09's alone: RS-08
    does not count them)."""
    s = b.shop()
    services.publish_policy(actor=actor_for_user(factories.user(Role.RISK)),
                            document_json={"signals": {"RS-09": {"points": 60}}},
                            merchant=s.merchant)  # fmt: skip
    services.forget_policies()
    first = b.open_case(s, "refund_only", reason="not_received", order_options={"signed": True})
    last = None
    for _ in range(3):
        data = b.order(s, buyer=first.buyer)
        body = b.case_body(data, "refund_only", "not_received")
        last = s.buyer_api(first.buyer).post("/cases", body).json()["id"]
    return last


def analyst(language: str = "en"):
    return client_for(factories.user(Role.RISK), language)


def test_the_queue_shows_a_flagged_request_with_its_reasons():
    case_id = flagged()
    html = analyst().get("/desk/risk/").content.decode()
    assert f"#{case_id}" in html and "RS-09" in html


def test_a_score_page_explains_each_signal_in_words():
    row = latest(flagged())
    html = analyst().get(f"/desk/risk/{row.pk}/").content.decode()
    assert "not-received claims in 90 days on parcels the carrier shows signed" in html


def test_the_score_page_speaks_chinese():
    row = latest(flagged())
    html = analyst("zh-hans").get(f"/desk/risk/{row.pk}/").content.decode()
    assert "签收" in html


def test_confirming_saves_the_label_and_takes_it_off_the_queue():
    row = latest(flagged())
    client = analyst()
    form = {"decision": "confirm", "note": "三次签收后称未收到"}
    response = client.post(f"/desk/risk/{row.pk}/review/", form)
    assert response.status_code == 302
    assert Review.objects.get().decision == "confirm"
    assert AuditEvent.objects.filter(action="risk.confirm").exists()
    assert f"#{row.case_id}" not in client.get("/desk/risk/").content.decode()


def test_a_decision_without_a_note_is_refused_inline():
    row = latest(flagged())
    response = analyst().post(f"/desk/risk/{row.pk}/review/", {"decision": "clear", "note": ""})
    assert response.status_code == 422
    assert not Review.objects.exists()


def test_merchants_do_not_see_the_risk_desk():
    assert merchant_client(b.shop()).get("/desk/risk/").status_code == 403


def test_the_queue_links_a_flagged_compensation_claim_to_its_dispute_page():
    dispute_id = pro_claimant_claim().pk
    html = analyst().get("/desk/risk/").content.decode()
    assert f'href="/desk/disputes/{dispute_id}/"' in html
    assert f"Compensation claim #{dispute_id}" in html and "RS-12" in html
