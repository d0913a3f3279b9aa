"""Who is acting: a person, an integration's token, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass

from aftersales.accounts.models import MERCHANT_ROLES, PLATFORM_ROLES, Role

# Integrations act under these roles; people act under their Role.
PLATFORM_INTEGRATION = "platform"
MERCHANT_INTEGRATION = "merchant_integration"
SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    kind: str  # "user", "token" or "system"
    role: str
    label: str
    user_id: int | None = None
    merchant_id: int | None = None
    buyer_id: int | None = None
    token_id: int | None = None

    @property
    def is_platform(self) -> bool:
        """Platform staff and platform integrations see every merchant's data."""
        return self.role in PLATFORM_ROLES or self.role in {PLATFORM_INTEGRATION, SYSTEM}

    @property
    def is_merchant_side(self) -> bool:
        return self.role in MERCHANT_ROLES or self.role == MERCHANT_INTEGRATION

    @property
    def is_buyer(self) -> bool:
        return self.role == Role.BUYER

    def as_event_actor(self) -> dict[str, object]:
        """How the actor is written into event and audit rows."""
        return {
            "kind": self.kind,
            "role": self.role,
            "label": self.label,
            "user_id": self.user_id,
            "token_id": self.token_id,
        }


SYSTEM_ACTOR = Actor(kind="system", role=SYSTEM, label="system")


def actor_for_user(user) -> Actor:
    return Actor(
        kind="user",
        role=user.role,
        label=user.get_username(),
        user_id=user.pk,
        merchant_id=user.merchant_id,
        buyer_id=user.buyer_id,
    )
