"""Disputes opened the way they are in life: a case rejected by the merchant and appealed by
the buyer (the case engine's `appeal` opens the dispute), walked through the real services."""

from __future__ import annotations

from typing import Any

from aftersales.accounts.actors import PLATFORM_INTEGRATION, Actor
from aftersales.accounts.models import Role
from aftersales.cases import services as case_services
from aftersales.cases.services import ActionBody
from aftersales.disputes import services
from aftersales.disputes.models import Dispute
from tests.cases.factories import SHIPPED, actor_of, buyer_actor, merchant_actor, opened_case


def desk(role: str = Role.SPECIALIST, label: str = "specialist-1") -> Actor:
    return Actor(kind="user", role=role, label=label, user_id=None)


PLATFORM = Actor(kind="token", role=PLATFORM_INTEGRATION, label="platform")


def rejected_return(**options: Any):
    """A return the merchant received and rejected at inspection ("used"), then appealed."""
    from tests.cases.builders import photo

    case = opened_case("return_refund", **options)
    for action, party, fields in (
        ("approve", "merchant", {}),
        ("ship_return", "buyer", SHIPPED),
        ("confirm_receipt", "merchant", {}),
        ("inspect", "merchant", {"result": "fail", "reason": "影响二次销售"}),
    ):
        extra = {"evidence_ids": [photo(case.pk)]} if action == "inspect" else {}
        case = case_services.act(
            case=case,
            actor=actor_of(case, party),
            action=action,
            body=ActionBody(**fields, extra=extra),
        )
    return case


def appealed(case, *, dispute_type: str = "", reason: str = "商品有质量问题") -> Dispute:
    case_services.act(
        case=case,
        actor=buyer_actor(case),
        action="appeal",
        body=ActionBody(
            reason=reason, extra={"dispute_type": dispute_type} if dispute_type else {}
        ),
    )
    return Dispute.objects.get(case=case)


def refund_only_dispute(**options: Any) -> Dispute:
    """A refund-only claim on a parcel in transit (the merchant reviews it, TB-02), rejected
    and appealed: the ruling's money moves at once."""
    from datetime import timedelta

    from aftersales.core import clock

    shipped = (clock.now() - timedelta(days=1)).isoformat()
    options.setdefault(
        "shipments",
        [
            {
                "carrier": "sf",
                "tracking_no": "SF1234567890",
                "line_ids": ["1"],
                "shipped_at": shipped,
                "signed_at": None,
                "installed_at": None,
            }
        ],
    )
    case = opened_case("refund_only", **options)
    case = case_services.act(
        case=case,
        actor=merchant_actor(case.merchant),
        action="reject",
        body=ActionBody(reason="买家已签收"),
    )
    return appealed(case, dispute_type="visible_defect")


def step(dispute: Dispute, action: str, actor: Actor | None = None, **body: Any) -> Dispute:
    return services.act(
        dispute=dispute, actor=actor or desk(), action=action, body=services.Body(**body)
    )


def under_review(dispute: Dispute) -> Dispute:
    dispute = step(dispute, "accept")
    return step(dispute, "answer", merchant_actor(dispute.merchant), note="商品已使用，不影响")


def merchant_of(dispute: Dispute) -> Actor:
    return merchant_actor(dispute.merchant)


def buyer_of(dispute: Dispute) -> Actor:
    return Actor(kind="user", role=Role.BUYER, label="buyer", buyer_id=dispute.buyer_id)
