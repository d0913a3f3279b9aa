"""The one permission module services ask: which role may do what, declared as data."""

from __future__ import annotations

from aftersales.accounts.actors import MERCHANT_INTEGRATION, PLATFORM_INTEGRATION, SYSTEM, Actor
from aftersales.accounts.models import Role
from aftersales.core.errors import NotFound, PermissionDenied

R = Role
PLATFORM_DESK = {R.AGENT, R.SPECIALIST, R.QUALITY, R.MANAGER, R.RISK, R.ADMIN}

# permission → the roles holding it. Tenancy (which merchant's rows) is the selectors' job;
# this table answers only "may this kind of actor do this at all".
PERMISSIONS: dict[str, frozenset[str]] = {
    "merchants.create": frozenset({PLATFORM_INTEGRATION, R.ADMIN, SYSTEM}),
    "merchants.view": frozenset(
        {
            PLATFORM_INTEGRATION,
            MERCHANT_INTEGRATION,
            R.MERCHANT_ADMIN,
            R.MERCHANT_STAFF,
            *PLATFORM_DESK,
        }
    ),
    "orders.write": frozenset(
        {PLATFORM_INTEGRATION, MERCHANT_INTEGRATION, R.MERCHANT_ADMIN, R.ADMIN, SYSTEM}
    ),
    "orders.view": frozenset(
        {
            PLATFORM_INTEGRATION,
            MERCHANT_INTEGRATION,
            R.MERCHANT_ADMIN,
            R.MERCHANT_STAFF,
            R.BUYER,
            *PLATFORM_DESK,
            SYSTEM,
        }
    ),
    # Cases: who may see them at all (selectors scope them to the tenant or buyer) and open
    # them; what each may do to a case is the flow's business (cases/flows.py).
    "cases.view": frozenset(
        {
            PLATFORM_INTEGRATION,
            MERCHANT_INTEGRATION,
            R.MERCHANT_ADMIN,
            R.MERCHANT_STAFF,
            R.BUYER,
            *PLATFORM_DESK,
            SYSTEM,
        }
    ),
    "cases.open": frozenset(
        {
            PLATFORM_INTEGRATION,
            MERCHANT_INTEGRATION,
            R.BUYER,
            R.AGENT,
            R.SPECIALIST,
            R.MANAGER,
            R.ADMIN,
            SYSTEM,
        }
    ),
    "cases.review": frozenset({PLATFORM_INTEGRATION, R.AGENT, R.SPECIALIST, R.MANAGER, R.ADMIN}),
    "evidence.add": frozenset(
        {
            PLATFORM_INTEGRATION,
            MERCHANT_INTEGRATION,
            R.MERCHANT_ADMIN,
            R.MERCHANT_STAFF,
            R.BUYER,
            R.AGENT,
            R.SPECIALIST,
            R.MANAGER,
            R.ADMIN,
        }
    ),
    "policy.publish": frozenset({R.MANAGER, R.ADMIN, SYSTEM}),
    # The risk desk (risk/): the flagged queue, its reviews, the thresholds.
    "risk.view": frozenset({R.RISK, R.SPECIALIST, R.MANAGER, R.ADMIN, SYSTEM}),
    "risk.review": frozenset({R.RISK, R.MANAGER, R.ADMIN}),
    "risk.publish": frozenset({R.RISK, R.MANAGER, R.ADMIN, SYSTEM}),
    # A merchant's own rules (their merchant only; selectors and services check the tenant).
    "policy.override": frozenset({R.MERCHANT_ADMIN, R.MANAGER, R.ADMIN, SYSTEM}),
    "tokens.create": frozenset({R.ADMIN, R.MERCHANT_ADMIN, SYSTEM}),
    # Webhook endpoints of a merchant (selectors scope them), or platform-wide ones.
    "webhooks.manage": frozenset(
        {PLATFORM_INTEGRATION, MERCHANT_INTEGRATION, R.MERCHANT_ADMIN, R.ADMIN, SYSTEM}
    ),
    # Everyone reads their own inbox (integrations have none: an empty list).
    "inbox.read": frozenset(
        {
            PLATFORM_INTEGRATION,
            MERCHANT_INTEGRATION,
            R.MERCHANT_ADMIN,
            R.MERCHANT_STAFF,
            R.BUYER,
            *PLATFORM_DESK,
        }
    ),
    # A shop's settings (return address) and its staff accounts: the shop's admin, or the
    # platform's administrator for them (tenancy checked by require_merchant_access).
    "merchants.configure": frozenset({R.MERCHANT_ADMIN, R.ADMIN, SYSTEM}),
    "staff.manage": frozenset({R.MERCHANT_ADMIN, R.ADMIN, SYSTEM}),
    # The business calendar (holidays, 调休): the desk's specialists and up read it, managers
    # and administrators correct it.
    "calendar.view": frozenset({R.SPECIALIST, R.MANAGER, R.ADMIN, SYSTEM}),
    "calendar.edit": frozenset({R.MANAGER, R.ADMIN, SYSTEM}),
    "policy.view": frozenset({R.SPECIALIST, R.MANAGER, R.ADMIN, SYSTEM}),
    # Complaint root causes per SKU and merchant: the quality / supply-chain role and managers.
    "complaints.quality_report": frozenset({R.QUALITY, R.MANAGER, R.ADMIN, SYSTEM}),
    # Credit (credit/): the desk reads every buyer's and merchant's credit; a person decides
    # appeals and flag reviews; penalties come from those people or the system's rules; shops
    # flag buyers (never blacklist them).
    "credit.view_all": frozenset({PLATFORM_INTEGRATION, *PLATFORM_DESK, SYSTEM}),
    "credit.decide": frozenset({R.SPECIALIST, R.RISK, R.MANAGER, R.ADMIN}),
    "credit.penalise": frozenset({R.SPECIALIST, R.RISK, R.MANAGER, R.ADMIN, SYSTEM}),
    "credit.flag": frozenset({MERCHANT_INTEGRATION, R.MERCHANT_ADMIN, R.MERCHANT_STAFF}),
    "credit.compute": frozenset({R.RISK, R.MANAGER, R.ADMIN, SYSTEM}),
}


def has_permission(actor: Actor, permission: str) -> bool:
    try:
        return actor.role in PERMISSIONS[permission]
    except KeyError:
        raise ValueError(f"unknown permission {permission!r}") from None


def require(actor: Actor, permission: str) -> None:
    if not has_permission(actor, permission):
        raise PermissionDenied(f"{actor.role} may not {permission.replace('.', ' ')}.")


def require_merchant_access(actor: Actor, merchant_id: int) -> None:
    """A merchant-side actor touching another tenant gets 404: the other tenant does not exist
    for them. Buyers never act for a merchant."""
    if actor.is_platform:
        return
    if actor.is_merchant_side and actor.merchant_id == merchant_id:
        return
    raise NotFound("No such merchant.")
