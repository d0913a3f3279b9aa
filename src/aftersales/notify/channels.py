"""Channels beyond the inbox: email through Django's email backends (console or file in
development, SMTP by setting) and SMS through an adapter (a fake in development and tests).

An SMS carries no personal data beyond a masked phone in the logs: the text is the message's
title (a case number, an amount), cut to AFTERSALES_SMS_MAX_CHARS."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from aftersales.core.pii import mask_phone

logger = logging.getLogger("aftersales.notify.channels")


class SmsError(Exception):
    """The provider refused or failed the text."""


class SmsBackend:
    """The adapter a provider implements (Aliyun SMS, Tencent Cloud SMS, Twilio …)."""

    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class SentSms:
    phone: str
    text: str


class FakeSms(SmsBackend):
    """Keeps every text in `FakeSms.sent` (tests read it) and logs it with the phone masked."""

    sent: list[SentSms] = []
    _lock = threading.Lock()

    def send(self, phone: str, text: str) -> None:
        with self._lock:
            FakeSms.sent.append(SentSms(phone, text))
        logger.info("sms to %s: %s", mask_phone(phone), text)


def sms_backend() -> SmsBackend:
    return import_string(settings.AFTERSALES_SMS_BACKEND)()


def sms_text(title: str) -> str:
    limit = settings.AFTERSALES_SMS_MAX_CHARS
    prefix = settings.AFTERSALES_SMS_SIGNATURE
    text = f"{prefix}{title}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def send_sms(phone: str, title: str) -> None:
    sms_backend().send(phone, sms_text(title))


def send_email(address: str, title: str, body: str) -> None:
    send_mail(
        subject=title,
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[address],
        fail_silently=False,
    )
