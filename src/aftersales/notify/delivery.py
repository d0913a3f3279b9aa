"""The worker's side of the outbox: claim unsent rows, fan each out to the people who must hear
it (inbox rows, with email and SMS to follow, held in quiet hours) and to the webhook endpoints
that listen (a delivery row each, sent by webhooks.py), and mark the row sent — all in one short
transaction, so a crash leaves the row unsent and it is fanned out again, never half-done.

PostgreSQL: rows are claimed with SKIP LOCKED, so any number of workers drain the outbox side by
side. SQLite: the write lock taken at BEGIN serialises them (one worker is the setup there).
Fan-out is idempotent too (one inbox row per message and recipient, one delivery per message
and endpoint), so even a repeat writes nothing twice."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q

from aftersales.accounts.models import MERCHANT_ROLES, Buyer, Role, User
from aftersales.core import clock
from aftersales.notify import channels
from aftersales.notify.catalogue import WEBHOOK_TOPICS
from aftersales.notify.messages import (
    BUYER,
    DESK,
    MANAGERS,
    MERCHANT,
    MERCHANT_ADMIN,
    PLATFORM_ADMIN,
    Template,
    render,
    templates_for,
)
from aftersales.notify.models import (
    InboxMessage,
    OutboxMessage,
    Preference,
    WebhookDelivery,
    WebhookEndpoint,
)

logger = logging.getLogger("aftersales.notify.delivery")

MAX_FAN_OUT_ATTEMPTS = 5
# Email and SMS that fail: tried again after 1, 5, 15 and 40 minutes — five attempts over about
# an hour, then given up (recorded on the inbox row; the inbox message itself stays).
CHANNEL_RETRY_DELAYS = tuple(timedelta(minutes=m) for m in (1, 5, 15, 40))
ROLES_OF = {
    DESK: (Role.AGENT, Role.SPECIALIST),
    MANAGERS: (Role.MANAGER,),
    PLATFORM_ADMIN: (Role.ADMIN,),
}


def locked(queryset):
    """Rows locked for this transaction; on PostgreSQL one another worker holds is skipped."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


# --- quiet hours ----------------------------------------------------------------------------


def _quiet_window() -> tuple[time, time]:
    start, end = settings.AFTERSALES_QUIET_HOURS.split("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def release_time(now: datetime) -> datetime | None:
    """When a non-urgent message may go out: None now, or the end of tonight's quiet hours."""
    start, end = _quiet_window()
    local = clock.localtime(now)
    t = local.time()
    in_quiet = (start <= t or t < end) if start > end else (start <= t < end)
    if not in_quiet:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=clock.local_zone())


# --- fan-out ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    key: str  # u:<id> or b:<id>
    user_id: int | None = None
    buyer_id: int | None = None
    email: str = ""
    phone: str = ""


def drain_outbox(*, batch: int = 200, limit: int = 5000) -> int:
    """Fan out unsent outbox rows, oldest first, a batch per transaction; the number fanned out."""
    done = 0
    while done < limit:
        with transaction.atomic(durable=True):
            rows = list(
                locked(OutboxMessage.objects.filter(sent_at__isnull=True).order_by("id"))[:batch]
            )
            if not rows:
                break
            now = clock.now()
            try:
                with transaction.atomic():
                    fan_out(rows, now=now)
            except Exception:
                # One bad row must not hold the others back: each on its own.
                logger.exception("fan-out of %s messages failed; one by one", len(rows))
                for row in rows:
                    _fan_out_alone(row, now=now)
            else:
                OutboxMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
                    sent_at=now, attempts=F("attempts") + 1
                )
        done += len(rows)
        if len(rows) < batch:
            break
    return done


def _fan_out_alone(row: OutboxMessage, *, now: datetime) -> None:
    try:
        with transaction.atomic():
            fan_out([row], now=now)
    except Exception as exc:
        row.attempts += 1
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if row.attempts >= MAX_FAN_OUT_ATTEMPTS:
            row.sent_at = now
            row.last_error = f"gave up after {row.attempts} attempts: {row.last_error}"
            logger.error("outbox %s given up: %s", row.message_id, row.last_error)
        row.save(update_fields=["attempts", "last_error", "sent_at"])
    else:
        row.sent_at = now
        row.attempts += 1
        row.save(update_fields=["attempts", "sent_at"])


def fan_out(rows: list[OutboxMessage], *, now: datetime) -> None:
    """Inbox rows and webhook deliveries for `rows`, in bulk (a handful of queries a batch)."""
    plans = [(row, templates_for(row.topic, row.payload)) for row in rows]
    audiences = _audiences(plans)
    keys = {r.key for people in audiences.values() for r in people}
    prefs = {p.recipient: p for p in Preference.objects.filter(recipient__in=keys)}
    release = release_time(now)
    inbox: list[InboxMessage] = []
    for row, templates in plans:
        for audience, template in templates.items():
            for person in audiences.get((audience, row.pk), []):
                inbox.append(_inbox_row(row, audience, template, person, prefs, now, release))
    InboxMessage.objects.bulk_create(inbox, ignore_conflicts=True, batch_size=1000)
    _queue_deliveries([r for r in rows if r.topic in WEBHOOK_TOPICS], now=now)


def _inbox_row(
    row: OutboxMessage,
    audience: str,
    template: Template,
    person: Recipient,
    prefs: dict[str, Preference],
    now: datetime,
    release: datetime | None,
) -> InboxMessage:
    pref = prefs.get(person.key)
    language = (pref.language if pref and pref.language else "") or settings.LANGUAGE_CODE
    title, body = render(template, row.payload, language)
    pending = []
    if person.email and (pref is None or pref.email):
        pending.append("email")
    if person.phone and template.sms and (pref is None or pref.sms):
        pending.append("sms")
    held = (
        release
        if (release and not template.urgent and (pref is None or pref.quiet_hours))
        else None
    )
    return InboxMessage(
        message=row,
        merchant_id=row.merchant_id,
        user_id=person.user_id,
        buyer_id=person.buyer_id,
        recipient=person.key,
        audience=audience,
        topic=row.topic,
        subject=row.subject,
        language=language,
        title=title[:200],
        body=body,
        urgent=template.urgent,
        created_at=now,
        pending_channels=pending,
        send_after=(held or now) if pending else None,
    )


def _audiences(plans) -> dict[tuple[str, int], list[Recipient]]:
    """(audience, outbox row id) → the people in it, looked up once per batch."""
    wanted: dict[str, set] = defaultdict(set)
    for row, templates in plans:
        for audience in templates:
            if audience == BUYER and row.buyer_id:
                wanted[BUYER].add(row.buyer_id)
            elif audience in (MERCHANT, MERCHANT_ADMIN) and row.merchant_id:
                wanted[audience].add(row.merchant_id)
            elif audience in ROLES_OF:
                wanted[audience].add(None)
    buyers = _buyers(wanted[BUYER]) if wanted[BUYER] else {}
    staff: dict[tuple[str, int], list[Recipient]] = defaultdict(list)
    merchant_ids = wanted[MERCHANT] | wanted[MERCHANT_ADMIN]
    if merchant_ids:
        for u in User.objects.filter(
            merchant_id__in=merchant_ids, role__in=list(MERCHANT_ROLES), is_active=True
        ).values("id", "merchant_id", "role", "email"):
            person = Recipient(f"u:{u['id']}", user_id=u["id"], email=u["email"])
            staff[(MERCHANT, u["merchant_id"])].append(person)
            if u["role"] == Role.MERCHANT_ADMIN:
                staff[(MERCHANT_ADMIN, u["merchant_id"])].append(person)
    platform: dict[str, list[Recipient]] = defaultdict(list)
    roles = {role: aud for aud in ROLES_OF if aud in wanted for role in ROLES_OF[aud]}
    if roles:
        for u in User.objects.filter(role__in=list(roles), is_active=True).values(
            "id", "role", "email"
        ):
            platform[roles[u["role"]]].append(
                Recipient(f"u:{u['id']}", user_id=u["id"], email=u["email"])
            )
    out: dict[tuple[str, int], list[Recipient]] = {}
    for row, templates in plans:
        for audience in templates:
            if audience == BUYER:
                people = [buyers[row.buyer_id]] if row.buyer_id in buyers else []
            elif audience in (MERCHANT, MERCHANT_ADMIN):
                people = staff.get((audience, row.merchant_id), [])
            else:
                people = platform.get(audience, [])
            out[(audience, row.pk)] = people
    return out


def _buyers(ids: set[int]) -> dict[int, Recipient]:
    emails = dict(
        User.objects.filter(buyer_id__in=ids, is_active=True)
        .exclude(email="")
        .values_list("buyer_id", "email")
    )
    return {
        b.pk: Recipient(f"b:{b.pk}", buyer_id=b.pk, email=emails.get(b.pk, ""), phone=b.phone)
        for b in Buyer.objects.filter(pk__in=ids).only("id", "phone")
    }


def _queue_deliveries(rows: list[OutboxMessage], *, now: datetime) -> None:
    if not rows:
        return
    merchant_ids = {r.merchant_id for r in rows if r.merchant_id}
    endpoints = list(
        WebhookEndpoint.objects.filter(disabled_at__isnull=True).filter(
            Q(merchant_id__in=merchant_ids) | Q(merchant__isnull=True)
        )
    )
    deliveries = [
        WebhookDelivery(
            message=row,
            endpoint=ep,
            merchant_id=ep.merchant_id,
            topic=row.topic,
            next_attempt_at=now,
            created_at=now,
        )
        for row in rows
        for ep in endpoints
        if (ep.merchant_id is None or ep.merchant_id == row.merchant_id) and ep.hears(row.topic)
    ]
    WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=1000)


# --- email and SMS, after the inbox -----------------------------------------------------------


# How long a batch of rows is the sending worker's before another may take them again.
CHANNEL_LEASE = timedelta(minutes=10)


def channel_retry_delay(attempts: int) -> timedelta | None:
    """The wait after the `attempts`-th failed try at a row's email or SMS; None: give up."""
    if attempts > len(CHANNEL_RETRY_DELAYS):
        return None
    return CHANNEL_RETRY_DELAYS[attempts - 1]


def send_channels(*, batch: int = 100) -> int:
    """Send the email and SMS of inbox rows whose time has come (quiet hours over, or a failed
    channel's retry due). A channel that fails is tried again later, alone; the others are not
    sent twice.

    The rows are leased in a short transaction (their `send_after` pushed past the lease) and
    sent with no transaction open, so a slow mail server or SMS provider holds no locks; the
    outcome is written in another. A worker killed mid-send leaves the lease to run out and
    those rows to be sent again: at least once, as every channel here."""
    with transaction.atomic(durable=True):
        now = clock.now()
        rows = list(
            locked(InboxMessage.objects.filter(send_after__lte=now).order_by("send_after"))[:batch]
        )
        if not rows:
            return 0
        InboxMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
            send_after=now + CHANNEL_LEASE
        )
    recipients = _contacts(rows)
    for row in rows:
        person = recipients.get(row.recipient, Recipient(row.recipient))
        sent, failed, errors = list(row.sent_channels), [], []
        for channel in row.pending_channels:
            try:
                if channel == "email" and person.email:
                    channels.send_email(person.email, row.title, row.body)
                elif channel == "sms" and person.phone:
                    channels.send_sms(person.phone, row.title)
                else:
                    continue  # the contact is gone: nothing to send it to
                sent.append(channel)
            except Exception as exc:  # a provider's outage must not stop the others
                failed.append(channel)
                errors.append(f"{channel}: {type(exc).__name__}: {exc}"[:500])
        row.channel_attempts += 1
        row.sent_channels, row.channel_error = sent, "; ".join(errors)
        delay = channel_retry_delay(row.channel_attempts) if failed else None
        if delay is not None:
            row.pending_channels, row.send_after = failed, now + delay
            logger.warning(
                "inbox %s: %s failed (attempt %s), retried in %s: %s",
                row.pk,
                ", ".join(failed),
                row.channel_attempts,
                delay,
                row.channel_error,
            )
        else:
            row.pending_channels, row.send_after = [], None
            if failed:
                row.channel_error = (
                    f"gave up after {row.channel_attempts} attempts: {row.channel_error}"
                )
                logger.error("inbox %s: %s", row.pk, row.channel_error)
    with transaction.atomic(durable=True):
        InboxMessage.objects.bulk_update(
            rows,
            [
                "sent_channels",
                "pending_channels",
                "send_after",
                "channel_attempts",
                "channel_error",
            ],
        )
    return len(rows)


def _contacts(rows: list[InboxMessage]) -> dict[str, Recipient]:
    buyer_ids = {r.buyer_id for r in rows if r.buyer_id}
    user_ids = {r.user_id for r in rows if r.user_id}
    out: dict[str, Any] = {p.key: p for p in _buyers(buyer_ids).values()} if buyer_ids else {}
    for uid, email in User.objects.filter(pk__in=user_ids).values_list("id", "email"):
        out[f"u:{uid}"] = Recipient(f"u:{uid}", user_id=uid, email=email)
    return out
