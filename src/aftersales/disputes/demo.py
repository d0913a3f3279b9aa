"""`aftersales demo`, the disputes part: a rejected return appealed to the platform, both sides
asked for evidence on the DS-06 clock and answering, and the platform ruling partly for the
buyer — left awaiting the merchant's execution (DS-19; past it the worker executes from
settlement, then deposit). Walked through the real services. Idempotent: once the demo's
dispute exists, it adds nothing.

`execute_and_contest` (run after the guarantee demo funded the books) finishes the story: the
merchant did not carry the ruling out, so its DS-19 deadline has the platform execute it (paid
from settlement, then deposit), and the merchant contests that recovery (GF-03) — left for the
desk to decide on /desk/pay-first-contests/."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import User
from aftersales.cases import services as case_services
from aftersales.cases.evidence import add_evidence
from aftersales.cases.flows import party_of
from aftersales.cases.services import ActionBody, LineClaim
from aftersales.core.errors import DomainError
from aftersales.core.money import round_money
from aftersales.disputes import services
from aftersales.disputes.models import Dispute
from aftersales.orders.models import Order

DEMO_FACT = "demo"


def _photo(name: str) -> SimpleUploadedFile:
    from PIL import Image

    data = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 120, 90)).save(data, "JPEG")
    return SimpleUploadedFile(name, data.getvalue(), content_type="image/jpeg")


def run() -> int:
    if Dispute.objects.filter(**{f"facts__{DEMO_FACT}": True}).exists():
        return 0
    desk = User.objects.filter(username="specialist").first()
    if desk is None:
        return 0
    specialist = Actor(kind="user", role="specialist", label=desk.username, user_id=desk.pk)
    orders = Order.objects.filter(external_id__startswith="DEMO-", cases__isnull=True).filter(
        shipments__signed_at__isnull=False
    )
    for order in orders.select_related("merchant").prefetch_related("lines")[:40]:
        buyer = Actor(kind="token", role="buyer", label="demo buyer", buyer_id=order.buyer_id)
        line = order.lines.all()[0]
        try:
            case = case_services.open_case(
                actor=buyer,
                order=order.external_id,
                type="return_refund",
                reason="no_reason",
                lines=[LineClaim(line.line_id, 1)],
                description="七天无理由退货",
            )
        except DomainError:
            continue  # not eligible on this order: try the next
        return _walk(order, case, buyer, specialist)
    return 0


def _walk(order: Order, case, buyer: Actor, specialist: Actor) -> int:
    """Each step its own transaction, as people take them (evidence uploads are durable)."""
    merchant = Actor(
        kind="user",
        role="merchant_admin",
        label=f"{order.merchant.code} admin",
        merchant_id=order.merchant_id,
    )
    for who, action, body in (
        (merchant, "approve", {}),
        (buyer, "ship_return", {"carrier": "sf", "tracking_no": "SF7001000001"}),
        (merchant, "confirm_receipt", {}),
    ):
        case = case_services.act(case=case, actor=who, action=action, body=ActionBody(**body))
    (photo,) = add_evidence(
        case=case, actor=merchant, files=[_photo("inspection.jpg")], note="吊牌已剪"
    )
    case = case_services.act(
        case=case,
        actor=merchant,
        action="inspect",
        body=ActionBody(
            result="fail", reason="吊牌已剪，影响二次销售", extra={"evidence_ids": [photo.pk]}
        ),
    )
    case = case_services.act(
        case=case,
        actor=buyer,
        action="appeal",
        body=ActionBody(
            reason="吊牌是试穿时掉落的，商品完好", extra={"dispute_type": "visible_defect"}
        ),
    )
    dispute = Dispute.objects.get(case=case)
    dispute.facts[DEMO_FACT] = True
    dispute.save(update_fields=["facts"])
    dispute = services.act(dispute=dispute, actor=specialist, action="accept")
    dispute = services.act(
        dispute=dispute,
        actor=merchant,
        action="answer",
        body=services.Body(note="吊牌被剪，无法二次销售", evidence=[{"kind": "photos"}]),
    )
    for party, items in (("buyer", ["photos", "video"]), ("merchant", ["inspection_report"])):
        dispute = services.act(
            dispute=dispute,
            actor=specialist,
            action="request_evidence",
            body=services.Body(party=party, items=items, note="请在时限内补充"),
        )
    for who, kinds, note in (
        (buyer, ["photos"], "试穿照片，吊牌挂绳断裂"),
        (merchant, ["inspection_report"], "质检报告：吊牌剪口整齐"),
    ):
        request = dispute.requests.get(party=party_of(who), state="open")
        services.submit_evidence(
            dispute=dispute,
            request_id=request.pk,
            actor=who,
            items=[{"kind": k, "note": note} for k in kinds],
        )
    dispute.refresh_from_db()
    services.act(
        dispute=dispute,
        actor=specialist,
        action="rule",
        body=services.Body(
            ruling="partial",
            amount=round_money(dispute.refundable * Decimal("0.5")),
            reason="吊牌缺失但商品完好：退一半货款，商品退回",
            decided_by="visible_defect:not_rebutted",
        ),
    )
    return 1


def execute_and_contest() -> int:
    """The demo dispute's DS-19 deadline acts now (the merchant did not execute): the platform
    executes, recovering from the merchant; then the merchant contests the recovery. Returns 1
    when it did, 0 when there was nothing to do (run before, or no demo dispute)."""
    from django.db import transaction

    from aftersales.accounts.actors import SYSTEM_ACTOR
    from aftersales.disputes.execution import _guarantee, recovery_of
    from aftersales.disputes.models import DisputeDeadline

    dispute = Dispute.objects.filter(
        **{f"facts__{DEMO_FACT}": True}, state="awaiting_execution"
    ).first()
    if dispute is None:
        return 0
    row = DisputeDeadline.objects.filter(
        dispute=dispute, guard_state="awaiting_execution", action="platform_execute"
    ).first()
    with transaction.atomic():
        services.act(dispute=dispute, actor=SYSTEM_ACTOR, action="platform_execute", timer=row)
    record = recovery_of(dispute)
    if record is None:
        return 0
    merchant = Actor(
        kind="user",
        role="merchant_admin",
        label=f"{dispute.merchant.code} admin",
        merchant_id=dispute.merchant_id,
    )
    reason = "买家剪掉吊牌后才申请退货，质检照片为证，平台不应从保证金扣款"
    _guarantee().contest_pay_first(record.pk, reason=reason, actor=merchant)
    return 1
