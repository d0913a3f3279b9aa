"""The demo's complaint journey (issue #9, "Done when"): a complaint sent by email and followed
up by chat lands in one timeline, is graded, investigated (a quality task answered, the
responsibility found), solved with a compensation that needed approval, confirmed and rated —
with its SLA clock running through a statutory holiday on the business calendar.

Every step goes through the real services (the email through the raw-mail intake), dated on
the eve of the most recent long holiday before today, so the due times visibly skip it.
Idempotent: the demo email's Message-ID marks the journey as done."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from django.db import transaction
from PIL import Image

from aftersales.accounts.actors import PLATFORM_INTEGRATION, Actor, actor_for_user
from aftersales.accounts.models import User
from aftersales.complaints import investigation, mail, services
from aftersales.complaints.models import ContactIdentity, InboundEmail
from aftersales.core import clock
from aftersales.core.calendar import business_calendar

DEMO_MESSAGE_ID = "demo-complaint-journey@mail.buyer.example"
DEMO_SENDER = "buyer1.demo@mail.buyer.example"
CONNECTOR = Actor(kind="token", role=PLATFORM_INTEGRATION, label="demo mail & chat connector")


def _holiday_eve(today: date) -> tuple[date, str, date]:
    """(the working day before the latest holiday of 3+ rest days that ended at least a
    fortnight ago, the holiday's name, the first working day after it)."""
    cal = business_calendar()
    day = today - timedelta(days=14)
    for _ in range(400):
        day -= timedelta(days=1)
        name = cal.holiday_name(day)
        if not (name and cal.is_workday(day - timedelta(days=1)) and not cal.is_workday(day)):
            continue
        rest = 0
        while not cal.is_workday(day + timedelta(days=rest)):
            rest += 1
        if rest >= 3:
            return day - timedelta(days=1), name, day + timedelta(days=rest)
    raise LookupError("no long holiday in the calendar's last year")


def _at(d: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(d, time(hour, minute), tzinfo=clock.local_zone())


def _photo() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 40, 40)).save(buf, format="PNG")
    return buf.getvalue()


def _email(order_no: str, title: str, sent: datetime) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"李女士 <{DEMO_SENDER}>"
    msg["To"] = "kefu@aftersales.example"
    msg["Subject"] = f"订单 {order_no}「{title}」收到就坏了"
    msg["Date"] = format_datetime(sent)
    msg["Message-ID"] = f"<{DEMO_MESSAGE_ID}>"
    text = f"你好，我买的{title}收到才三天就坏了，照片附上。很失望，请尽快给我处理。"
    msg.set_content(text)
    msg.add_alternative(f"<p>你好，</p><p>{text}</p>", subtype="html")
    msg.add_attachment(_photo(), maintype="image", subtype="png", filename="照片.png")
    # Refused with its reason (an executable), while the message itself is taken.
    msg.add_attachment(
        b"MZ\x90\x00" + b"\x00" * 60,
        maintype="application",
        subtype="octet-stream",
        filename="发票.exe",
    )
    return msg.as_bytes()


def _order_for(buyer_id: int | None):
    from aftersales.orders.models import Order

    orders = Order.objects.filter(
        external_id__startswith="DEMO-", complaints__isnull=True, shipments__isnull=False
    ).select_related("buyer", "merchant")
    for narrowed in (
        orders.filter(buyer_id=buyer_id, merchant__code="m-electronics"),
        orders.filter(buyer_id=buyer_id),
        orders,
    ):
        found = narrowed.order_by("external_id").first()
        if found is not None:
            return found
    return None


def seed_journey(*, today: date | None = None) -> str:
    done = InboundEmail.objects.filter(message_id=DEMO_MESSAGE_ID).first()
    if done is not None:
        return _summary(done.complaint_id)
    buyer_user = User.objects.filter(username="buyer1").first()
    order = _order_for(buyer_user.buyer_id if buyer_user else None)
    if order is None:
        return "Complaint demo: skipped (no demo order to complain about)."
    agent = actor_for_user(User.objects.get(username="agent"))
    specialist = actor_for_user(User.objects.get(username="specialist"))
    quality = actor_for_user(User.objects.get(username="quality"))
    if buyer_user is not None and buyer_user.buyer_id == order.buyer_id:
        customer = actor_for_user(buyer_user)
    else:
        customer = Actor(kind="token", role="buyer", label="demo buyer", buyer_id=order.buyer_id)
    eve, _holiday, after = _holiday_eve(today or clock.localtime().date())
    next_day = business_calendar().add_working_days(after, 1)
    with transaction.atomic():
        # The customer wrote from this address before: the sender is known.
        ContactIdentity.objects.get_or_create(
            kind="email", value=DEMO_SENDER, defaults={"buyer": order.buyer}
        )
        email, _ = mail.ingest(
            _email(order.external_id, order.lines.all()[0].title, _at(eve, 14, 58)),
            actor=CONNECTOR,
            source="endpoint",
            received_at=_at(eve, 15, 0),
        )
        complaint = email.complaint
        # The chat follow-up about the same order joins the same complaint (one timeline).
        services.receive(
            actor=CONNECTOR,
            customer=order.buyer.external_id,
            channel="chat",
            text="客服在吗？东西还是坏的，再没人处理我就打12315投诉了！",
            order=order.external_id,
            merchant=order.merchant.code,
            received_at=_at(eve, 16, 30),
        )
        steps = [
            (agent, "acknowledge", {}, _at(eve, 16, 45)),
        ]
        for actor, action, body, at in steps:
            complaint = services.act(
                complaint=complaint,
                actor=actor,
                action=action,
                body=services.ActionBody(**body),
                at=at,
            )
        services.add_message(
            actor=agent,
            complaint=complaint,
            channel="chat",
            text="您好，非常理解您的失望。我们已请质检部门检查这批耳机，节后第一个工作日给您答复。",
            at=_at(eve, 16, 50),
        )
        task = investigation.open_task(
            complaint=complaint,
            actor=agent,
            department="quality",
            question="买家反映收到三天即损坏（照片见附件），请确认是否为做工问题。",
            at=_at(eve, 17, 0),
        )
        investigation.answer_task(
            task=task, actor=quality, answer="同批次做工缺陷，非使用问题。", at=_at(after, 10)
        )
        for actor, action, body, at in (
            (
                agent,
                "find_responsibility",
                {"responsibility": "product_quality", "reason_codes": ("workmanship",)},
                _at(after, 11, 0),
            ),
            (
                agent,
                "propose_solution",
                {"solution": {"kind": "compensation", "form": "money", "amount": "200.00"}},
                _at(after, 11, 10),
            ),
            (agent, "execute", {}, _at(after, 11, 15)),  # above ¥50: a specialist approves
            (specialist, "approve", {"note": "质量问题，补偿合理"}, _at(after, 14, 0)),
            (agent, "complete", {}, _at(after, 15, 0)),
            (customer, "confirm", {}, _at(next_day, 10, 0)),
            (customer, "rate", {"rating": 5, "comment": "很快解决"}, _at(next_day, 10, 5)),
        ):
            complaint = services.act(
                complaint=complaint,
                actor=actor,
                action=action,
                body=services.ActionBody(**body),
                at=at,
            )
    return _summary(complaint.pk)


def _summary(complaint_id: int | None) -> str:
    from aftersales.complaints.models import Complaint

    c = Complaint.objects.filter(pk=complaint_id).select_related("buyer").first()
    if c is None:
        return "Complaint demo: the demo email was kept but joined no complaint."
    login = getattr(getattr(c.buyer, "user", None), "username", None)
    fmt = lambda t: clock.localtime(t).strftime("%Y-%m-%d %H:%M") if t else "-"  # noqa: E731
    cal = business_calendar()
    received = clock.localtime(c.received_at).date()
    skipped = sorted(
        {
            cal.holiday_name(received + timedelta(days=i))
            for i in range(1, 15)
            if cal.holiday_name(received + timedelta(days=i))
            and not cal.is_workday(received + timedelta(days=i))
        }
    )
    return "\n".join(
        [
            f"Complaint demo: complaint #{c.pk} ({c.severity}, {c.state}, rated {c.rating}) — "
            "sent by email, followed up by chat, one timeline",
            f"  received {fmt(c.received_at)}; first response due {fmt(c.first_response_due_at)}"
            f", made {fmt(c.first_responded_at)}; breaches: {len(c.breaches)}",
            f"  the clock skipped {', '.join(skipped) or 'no holiday'}: resolution due "
            f"{fmt(c.resolution_due_at)}, resolved {fmt(c.resolved_at)}",
            f"  see it as agent, specialist or quality at /api/v1/complaints/{c.pk} and "
            f"/api/v1/customers/{c.buyer.external_id}/timeline"
            + (f"; the customer logs in as {login}" if login else ""),
            "",
        ]
    )
