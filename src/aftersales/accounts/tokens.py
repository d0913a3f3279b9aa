"""API tokens: made random, shown once, stored hashed, looked up by hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from django.db import connection, transaction

from aftersales.accounts.actors import (
    MERCHANT_INTEGRATION,
    PLATFORM_INTEGRATION,
    SYSTEM_ACTOR,
    Actor,
)
from aftersales.accounts.models import ApiToken, Buyer, Merchant, TokenScope, User
from aftersales.core import clock
from aftersales.core.audit import record

TOKEN_PREFIX = "as_"  # noqa: S105 - a public prefix, not a secret
# Writing last_used_at on every request would turn each read into a write; once a minute is
# precise enough for "when was this token last used".
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is safe here (no guessing to slow down).
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str  # shown once, never stored


@transaction.atomic
def issue_token(
    *,
    scope: str,
    merchant: Merchant | None = None,
    buyer: Buyer | None = None,
    user: User | None = None,
    name: str = "",
    actor: Actor = SYSTEM_ACTOR,
) -> IssuedToken:
    """`actor` is who issues it: an operator at the command line acts as the system."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name,
        prefix=raw[:10],
        token_hash=hash_token(raw),
        scope=scope,
        merchant=merchant,
        buyer=buyer,
        user=user,
    )
    record(
        actor=actor,
        action="token.issued",
        subject=token,
        merchant_id=token.merchant_id,
        payload={"prefix": token.prefix, "scope": scope, "name": name},
    )
    return IssuedToken(token=token, raw=raw)


@transaction.atomic
def revoke_token(token: ApiToken, *, actor: Actor = SYSTEM_ACTOR) -> bool:
    """Revoke at once; True if this call revoked it, False if it already was."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )
    if revoked:
        record(
            actor=actor,
            action="token.revoked",
            subject=token,
            merchant_id=token.merchant_id,
            payload={"prefix": token.prefix, "scope": token.scope},
        )
    return bool(revoked)


class _TokenRow(NamedTuple):
    pk: int
    prefix: str
    scope: str
    merchant_id: int | None
    buyer_id: int | None
    stale: bool  # last_used_at is due to be written
    user_id: int | None
    user__is_active: bool | None
    user__role: str | None
    user__username: str | None
    user__merchant_id: int | None
    user__buyer_id: int | None


_LAST_USED = ApiToken._meta.get_field("last_used_at")
# Table names from the models; every value a parameter.
_TOKEN_SQL = (
    "SELECT t.id, t.prefix, t.scope, t.merchant_id, t.buyer_id,"  # noqa: S608
    " (t.last_used_at IS NULL OR t.last_used_at < %s),"
    " t.user_id, u.is_active, u.role, u.username, u.merchant_id, u.buyer_id"
    f" FROM {ApiToken._meta.db_table} t LEFT JOIN {User._meta.db_table} u ON u.id = t.user_id"
    " WHERE t.token_hash = %s AND t.revoked_at IS NULL"
    " LIMIT 1"
)


def actor_for_token(raw: str) -> Actor | None:
    """The actor a bearer token stands for, or None when unknown, revoked or inactive."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    # Every API request asks this: one plain row by the token's unique hash, written as SQL
    # (the ORM spent more time building this query than the database answering it); only a
    # user-scoped token has a user to join. Whether last_used_at is due is asked in the same row.
    now = clock.now()
    stale_before = _LAST_USED.get_db_prep_value(now - LAST_USED_PRECISION, connection)
    with connection.cursor() as cursor:
        cursor.execute(_TOKEN_SQL, [stale_before, hash_token(raw)])
        found = cursor.fetchone()
    if found is None:
        return None
    token = _TokenRow(*found)
    if token.stale:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    label = f"token:{token.prefix}"
    match token.scope:
        case TokenScope.PLATFORM:
            return Actor(kind="token", role=PLATFORM_INTEGRATION, label=label, token_id=token.pk)
        case TokenScope.MERCHANT:
            return Actor(
                kind="token",
                role=MERCHANT_INTEGRATION,
                label=label,
                merchant_id=token.merchant_id,
                token_id=token.pk,
            )
        case TokenScope.BUYER:
            return Actor(
                kind="token", role="buyer", label=label, buyer_id=token.buyer_id, token_id=token.pk
            )
        case TokenScope.USER:
            if not token.user__is_active:
                return None
            return Actor(
                kind="token",
                role=token.user__role,
                label=f"{token.user__username} ({label})",
                user_id=token.user_id,
                merchant_id=token.user__merchant_id,
                buyer_id=token.user__buyer_id,
                token_id=token.pk,
            )
    return None
