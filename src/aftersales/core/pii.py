"""Personal data at rest: Fernet encryption (with key rotation), a keyed hash for exact lookup,
and the masks used in lists, admin, API list views and logs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver

ENCRYPTED_PREFIX = "fernet:"


def _derived_key(purpose: bytes) -> bytes:
    """Development only: a stable key derived from SECRET_KEY, so `make run` needs no setup.
    Production requires AFTERSALES_PII_KEYS and AFTERSALES_PII_HASH_KEY (settings refuse to
    start without them)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"aftersales-pii", info=purpose)
    return hkdf.derive(settings.SECRET_KEY.encode())


@cache
def _fernets() -> tuple[Fernet, ...]:
    keys = list(settings.AFTERSALES_PII_KEYS) or [
        base64.urlsafe_b64encode(_derived_key(b"fernet")).decode()
    ]
    return tuple(Fernet(k) for k in keys)


@cache
def _cipher() -> MultiFernet:
    # The first key encrypts; every key decrypts, which is what makes rotation possible.
    return MultiFernet(list(_fernets()))


@cache
def _hash_key() -> bytes:
    configured = settings.AFTERSALES_PII_HASH_KEY
    return configured.encode() if configured else _derived_key(b"lookup-hash")


def reset_keys() -> None:
    """Forget cached keys (tests that change the key settings call this)."""
    _fernets.cache_clear()
    _cipher.cache_clear()
    _hash_key.cache_clear()


@receiver(setting_changed)
def _on_setting_changed(*, setting: str, **kwargs) -> None:
    # override_settings / pytest-django's `settings` fixture: the cached keys follow.
    if setting in {"AFTERSALES_PII_KEYS", "AFTERSALES_PII_HASH_KEY", "SECRET_KEY"}:
        reset_keys()


def encrypt(plaintext: str) -> str:
    return ENCRYPTED_PREFIX + _cipher().encrypt(plaintext.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(ENCRYPTED_PREFIX):
        raise ValueError("value is not encrypted personal data")
    try:
        return _cipher().decrypt(stored[len(ENCRYPTED_PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ValueError("personal data cannot be decrypted with the configured keys") from exc


def rotate(stored: str) -> str:
    """Re-encrypt under the newest key (used by `aftersales pii rotate`). A value stored in
    clear (written before encryption, or by hand) comes out encrypted."""
    if not stored.startswith(ENCRYPTED_PREFIX):
        return encrypt(stored)
    try:
        token = _cipher().rotate(stored[len(ENCRYPTED_PREFIX) :].encode())
    except InvalidToken as exc:
        raise ValueError("personal data cannot be decrypted with the configured keys") from exc
    return ENCRYPTED_PREFIX + token.decode()


def is_current(stored: str) -> bool:
    """Whether the value is already encrypted under the newest key (rotation skips it)."""
    if not stored.startswith(ENCRYPTED_PREFIX):
        return False
    try:
        _fernets()[0].decrypt(stored[len(ENCRYPTED_PREFIX) :].encode())
    except InvalidToken:
        return False
    return True


def encrypt_bytes(data: bytes) -> bytes:
    """For opaque blobs that may hold personal data (stored idempotent responses)."""
    return _cipher().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _cipher().decrypt(token)
    except InvalidToken as exc:
        raise ValueError("data cannot be decrypted with the configured keys") from exc


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def lookup_hash(value: str, *, kind: str) -> str:
    """A keyed hash (HMAC-SHA256) for exact lookup without decrypting: phones, emails."""
    normalised = normalise_phone(value) if kind == "phone" else value.strip().lower()
    return hmac.new(_hash_key(), f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column whose value is encrypted at rest and plain in Python."""

    description = "Text encrypted at rest (Fernet)"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


# --- Masks -----------------------------------------------------------------------------------


def mask_phone(phone: str | None) -> str:
    """13812345678 → 138****5678."""
    if not phone:
        return ""
    digits = normalise_phone(phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_name(name: str | None) -> str:
    """张三 → 张*; 欧阳娜娜 → 欧***; Alice → A****."""
    if not name:
        return ""
    name = name.strip()
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else "*"


def mask_address(address: str | None) -> str:
    """Keep the province and city part people need to route a parcel; hide the rest."""
    if not address:
        return ""
    address = address.strip()
    match = re.match(r"^(.{2,}?(?:省|自治区|市))?(.{2,}?(?:市|州|盟|区|县))?", address)
    head = "".join(g for g in match.groups() if g) if match else ""
    head = head or address[:3]
    return head + "****"


# A mainland mobile number as people write it: 13812345678, 138 1234 5678, 138-1234-5678,
# +86 138…, 0086138… (the country code is swallowed into the mask, not left as a digit run).
_PHONE_IN_TEXT = re.compile(
    r"(?<![\d+])(?:(?:\+|00)?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)"
)


def mask_text(text: str) -> str:
    """Mask mainland mobile numbers wherever they appear in free text (log lines)."""
    return _PHONE_IN_TEXT.sub(r"\1****\3", text)
