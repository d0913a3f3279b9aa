"""A case's score as it opens is taken before the case is written and goes in with it, in the
opening's own write (on PostgreSQL a sub-statement of its one `INSERT … WITH`): it is the score
`services.assess` takes of the written case on the same inputs, and it is stored alike; an
opening with nothing registered writes nothing more; a row the database refuses leaves nothing
of the case behind."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import Actor, actor_for_user
from aftersales.accounts.models import Buyer, Role
from aftersales.cases import opening
from aftersales.cases import services as cases
from aftersales.cases.models import Case, CaseEvent, CaseLine
from aftersales.notify.models import OutboxMessage
from aftersales.orders.models import OrderLine, Shipment
from aftersales.risk import hooks, services
from aftersales.risk.models import Assessment
from aftersales.risk.signals import OPEN
from tests import factories
from tests.cases import builders as b
from tests.cases.test_query_counts import OPEN_STATEMENTS, RISK_STATEMENTS
from tests.orders.factories import line_json

pytestmark = pytest.mark.django_db

STORED = (
    "subject_kind", "subject_id", "case_id", "merchant_id", "buyer_id", "trigger",
    "policy_label", "score", "level", "needs_review", "reasons", "snapshot", "at",
)  # fmt: skip


def _low_minimums(s: b.Shop) -> None:
    """The shop's thresholds low enough that every read after the history row runs: RS-01's
    lines per category, RS-08's refund-only claims, RS-14's order lines."""
    services.publish_policy(
        actor=actor_for_user(factories.user(Role.RISK)),
        merchant=s.merchant,
        document_json={"signals": {"RS-01": {"min_returns": 1}, "RS-08": {"count": 1},
                                   "RS-14": {"full_reduction_from": 100}}},
    )  # fmt: skip
    services.forget_policies()


def _open(s: b.Shop, buyer: str, type: str, reason: str, **order) -> int:
    data = b.order(s, buyer=buyer, **order)
    response = s.buyer_api(buyer).post(
        "/cases", b.case_body(data, type, reason), headers={"X-Device-Fingerprint": "dev-77"}
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _with_history(s: b.Shop) -> str:
    """A buyer with a return, a refund-only claim not received on a signed parcel and a quality
    exchange in the last days, sharing a device with another buyer."""
    buyer = b.order(s)["buyer"]["external_id"]
    _open(s, buyer, "return_refund", "no_reason")
    _open(s, buyer, "refund_only", "not_received")
    _open(s, buyer, "exchange", "quality_issue")
    _open(s, b.order(s)["buyer"]["external_id"], "return_refund", "no_reason")
    return buyer


def _scored_as_written(case_id: int) -> Assessment:
    """The score `services.assess` stores of the case now written, on the same inputs."""
    case = Case.objects.get(pk=case_id)
    case.written_lines = list(CaseLine.objects.filter(case=case).select_related("order_line"))
    subject = hooks.opening_subject(
        case,
        order_lines=list(OrderLine.objects.filter(order_id=case.order_id)),
        shipments=list(Shipment.objects.filter(order_id=case.order_id)),
    )
    services.assess([replace(subject, case_id=case.pk, opening=None)], trigger=OPEN)
    return Assessment.objects.filter(subject_id=case.pk).order_by("-id").first()


def _stored(row: Assessment) -> dict:
    return {name: getattr(row, name) for name in STORED}


@pytest.mark.parametrize(
    ("type", "reason", "order"),
    [
        ("return_refund", "no_reason", {}),
        ("refund_only", "not_received", {}),
        ("exchange", "quality_issue", {}),
        ("return_refund", "no_reason", {"lines": [line_json("1"), line_json("2")]}),
    ],
)
def test_the_score_written_with_the_case_is_the_one_taken_after_the_case_is_written(
    type, reason, order
):
    s = b.shop()
    _low_minimums(s)
    buyer = _with_history(s)
    case_id = _open(s, buyer, type, reason, **order)
    written_with, after = Assessment.objects.filter(subject_id=case_id).order_by("id")[0], None
    after = _scored_as_written(case_id)
    assert after.pk != written_with.pk
    assert _stored(written_with) == _stored(after)
    inputs = written_with.snapshot["inputs"]
    # The case counts itself where a read after its rows counts it; every later read ran.
    assert inputs["returns_180d"] >= 3 and inputs["cluster_accounts"] >= 2
    assert {"lines_180d_by_category", "order_lines"} <= set(inputs)
    if type == "refund_only":
        assert inputs["refund_only_90d"] == 2 and inputs["inr_despite_pod_90d"] == 2
        assert inputs["refund_only_not_received_90d"] == 2
    if reason == "quality_issue":
        assert "punitive_claims_90d" in inputs


def test_the_opened_case_holds_its_score_with_the_cases_id():
    s = b.shop()
    data = b.order(s)
    buyer = Buyer.objects.get(external_id=data["buyer"]["external_id"])
    case = cases.open_case(
        actor=Actor(kind="user", role=Role.BUYER, label="b", buyer_id=buyer.pk),
        order=data["external_id"],
        type="return_refund",
        reason="no_reason",
        lines=[cases.LineClaim("1", 1)],
    )
    assert (case.risk.subject_id, case.risk.case_id) == (case.pk, case.pk)
    stored = Assessment.objects.get(subject_id=case.pk)
    assert (stored.level, stored.score, stored.reasons) == (
        case.risk.level,
        case.risk.score,
        case.risk.reasons,
    )


@pytest.mark.postgres
def test_on_postgresql_the_score_is_a_sub_statement_of_the_cases_insert():
    s = b.shop()
    data = b.order(s)
    buyer = data["buyer"]["external_id"]
    with CaptureQueriesContext(connection) as queries:
        response = s.buyer_api(buyer).post(
            "/cases", b.case_body(data, "return_refund", "no_reason")
        )
    assert response.status_code == 201, response.content
    writing = [q["sql"] for q in queries if 'INSERT INTO "risk_assessment"' in q["sql"]]
    assert len(writing) == 1 and "INSERT INTO cases_case" in writing[0]
    assert Assessment.objects.get(subject_id=response.json()["id"]).case_id == response.json()["id"]


def test_an_opening_with_nothing_registered_writes_no_score_and_no_statement_more(monkeypatch):
    monkeypatch.setattr(opening, "WRITTEN_WITH_CASE", [])
    monkeypatch.setattr(opening, "OPENED", [])
    s = b.shop()
    first = b.order(s)  # the token's last_used_at is written once, the policy read once
    warm = s.merchant_api.post("/cases", b.case_body(first, "return_refund", "no_reason"))
    assert warm.status_code == 201, warm.content
    data = b.order(s)
    with CaptureQueriesContext(connection) as queries:
        response = s.merchant_api.post("/cases", b.case_body(data, "return_refund", "no_reason"))
    assert response.status_code == 201, response.content
    assert not Assessment.objects.exists()
    assert not [q for q in queries if "risk_" in q["sql"]]
    assert len(queries) == OPEN_STATEMENTS - RISK_STATEMENTS


def test_a_score_the_database_refuses_leaves_nothing_of_the_case(monkeypatch):
    def refused(case, **held):
        rows = hooks.score_opened(case, **held)
        rows[0].score = -1  # a positive integer column: the database refuses the row
        return rows

    kind = replace(opening.WRITTEN_WITH_CASE[0], rows=refused)
    monkeypatch.setattr(opening, "WRITTEN_WITH_CASE", [kind])
    s = b.shop()
    data = b.order(s)
    buyer = Buyer.objects.get(external_id=data["buyer"]["external_id"])
    before = (Case.objects.count(), CaseEvent.objects.count(), OutboxMessage.objects.count())
    with pytest.raises(IntegrityError), transaction.atomic():
        cases.open_case(
            actor=Actor(kind="user", role=Role.BUYER, label="b", buyer_id=buyer.pk),
            order=data["external_id"],
            type="return_refund",
            reason="no_reason",
            lines=[cases.LineClaim("1", 1)],
        )
    assert (Case.objects.count(), CaseEvent.objects.count(), OutboxMessage.objects.count()) == (
        before
    )
    assert not Assessment.objects.exists()
    assert not CaseLine.objects.exists()
