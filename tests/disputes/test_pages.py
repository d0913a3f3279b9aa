"""Dispute pages: the desk's queue by due time and its ruling page with the burden checklist;
the buyer sees what is asked of them with the time left, in their language; forms post to the
same services as the API."""

import pytest

from aftersales.accounts.models import Role
from aftersales.disputes.models import Dispute
from tests import factories
from tests.disputes.factories import appealed, rejected_return, step, under_review
from tests.web.pages import client_for

pytestmark = pytest.mark.django_db


def buyer_client(dispute, language="en"):
    return client_for(factories.user(Role.BUYER, buyer=dispute.buyer), language)


def test_the_desk_queue_lists_open_disputes_soonest_due_first():
    later = step(appealed(rejected_return()), "accept")  # due in 24 h (DS-05)
    sooner = step(
        under_review(appealed(rejected_return())),
        "request_evidence",
        party="buyer",
        items=["photos"],
    )  # due within 4 window hours
    html = client_for(factories.user(Role.SPECIALIST)).get("/desk/disputes/").content.decode()
    assert html.index(f"#{sooner.pk}<") < html.index(f"#{later.pk}<")


def test_the_ruling_page_shows_the_burden_checklist_with_each_sides_evidence():
    dispute = step(
        under_review(appealed(rejected_return())),
        "request_evidence",
        party="buyer",
        items=["photos"],
    )
    from aftersales.disputes import services
    from tests.disputes.factories import buyer_of

    request = dispute.requests.get()
    services.submit_evidence(
        dispute=dispute,
        request_id=request.pk,
        actor=buyer_of(dispute),
        items=[{"kind": "photos", "note": "开箱即坏"}],
    )
    html = (
        client_for(factories.user(Role.SPECIALIST))
        .get(f"/desk/disputes/{dispute.pk}/")
        .content.decode()
    )
    assert "Burden of proof" in html
    assert "开箱即坏" in html
    assert "visible_defect:not_rebutted" in html
    assert 'id="action-rule"' in html


def test_the_buyer_sees_what_is_asked_with_the_time_left_in_chinese():
    dispute = step(
        under_review(appealed(rejected_return())),
        "request_evidence",
        party="buyer",
        items=["photos"],
    )
    html = buyer_client(dispute, "zh-hans").get(f"/buyer/disputes/{dispute.pk}/").content.decode()
    assert "需要您提供" in html
    assert "举证剩余" in html
    assert "data-seconds-left" in html
    assert "09:00–18:00" in html


def test_the_buyer_gives_evidence_through_the_page():
    dispute = step(
        under_review(appealed(rejected_return())),
        "request_evidence",
        party="buyer",
        items=["photos"],
    )
    request = dispute.requests.get()
    client = buyer_client(dispute)
    response = client.post(
        f"/buyer/disputes/{dispute.pk}/requests/{request.pk}/evidence/",
        {"kind": ["photos"], "note": "照片见案件"},
    )
    assert response.status_code == 302
    assert Dispute.objects.get(pk=dispute.pk).state == "under_review"


def test_the_desk_rules_through_the_page_and_a_missing_reason_is_shown():
    dispute = under_review(appealed(rejected_return()))
    client = client_for(factories.user(Role.SPECIALIST))
    response = client.post(
        f"/desk/disputes/{dispute.pk}/actions/rule/",
        {"ruling": "for_buyer", "decided_by": "visible_defect:not_rebutted"},
    )
    assert response.status_code == 422
    assert 'id="dispute-errors"' in response.content.decode()
    response = client.post(
        f"/desk/disputes/{dispute.pk}/actions/rule/",
        {
            "ruling": "partial",
            "amount": "30.00",
            "reason": "部分使用痕迹",
            "decided_by": "visible_defect:not_rebutted",
        },
    )
    assert response.status_code == 302
    assert Dispute.objects.get(pk=dispute.pk).state == "awaiting_execution"


def test_another_shops_dispute_page_is_404():
    dispute = appealed(rejected_return())
    other = client_for(factories.user(Role.MERCHANT_STAFF, merchant=factories.merchant()))
    assert other.get(f"/merchant/disputes/{dispute.pk}/").status_code == 404


def test_the_desks_dispute_page_shows_the_claims_risk_score_with_its_signals():
    from tests.risk.builders import pro_claimant_claim

    dispute = pro_claimant_claim()
    page = client_for(factories.user(Role.SPECIALIST)).get(f"/desk/disputes/{dispute.pk}/")
    html = page.content.decode()
    assert 'id="risk"' in html and "RS-12" in html


def test_the_buyer_never_sees_the_risk_score_of_their_claim():
    from tests.risk.builders import pro_claimant_claim

    dispute = pro_claimant_claim()
    page = buyer_client(dispute).get(f"/buyer/disputes/{dispute.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and dispute.claim in html
    assert 'id="risk"' not in html and "RS-12" not in html
