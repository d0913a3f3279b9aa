"""API tokens: made random, shown once, stored hashed, looked up by hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

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


def actor_for_token(raw: str) -> Actor | None:
    """The actor a bearer token stands for, or None when unknown, revoked or inactive."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    # Every API request asks this: one plain row (the token's hash is unique, so no ORDER BY),
    # no model instance; only a user-scoped token has a user to join.
    row = (
        ApiToken.objects.filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .order_by()
        .values_list(
            "pk",
            "prefix",
            "scope",
            "merchant_id",
            "buyer_id",
            "last_used_at",
            "user_id",
            "user__is_active",
            "user__role",
            "user__username",
            "user__merchant_id",
            "user__buyer_id",
            named=True,
        )[:1]
    )
    token = next(iter(row), None)
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
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
