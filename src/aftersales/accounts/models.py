"""Merchants (the tenants), users with one role each, buyers, and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.core.pii import EncryptedTextField, lookup_hash, mask_name, mask_phone


class Role(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    MERCHANT_STAFF = "merchant_staff", _("Merchant staff")
    MERCHANT_ADMIN = "merchant_admin", _("Merchant admin")
    AGENT = "agent", _("Service agent")
    SPECIALIST = "specialist", _("Specialist")
    QUALITY = "quality", _("Quality / supply chain")
    MANAGER = "manager", _("Manager")
    RISK = "risk", _("Risk analyst")
    ADMIN = "admin", _("Administrator")


# A tuple, not a set: the check constraint below is written into migrations, and a set's
# order changes from process to process (makemigrations would see a change that is not one).
MERCHANT_ROLE_ORDER = (Role.MERCHANT_STAFF, Role.MERCHANT_ADMIN)
MERCHANT_ROLES = frozenset(MERCHANT_ROLE_ORDER)
PLATFORM_ROLES = frozenset(
    {Role.AGENT, Role.SPECIALIST, Role.QUALITY, Role.MANAGER, Role.RISK, Role.ADMIN}
)


class Merchant(models.Model):
    """A shop: the tenant every merchant-side row is keyed by."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Buyer(models.Model):
    """One buyer across shops, known by the external_id the shops send with their orders."""

    external_id = models.CharField(max_length=128, unique=True)
    name = EncryptedTextField(blank=True, default="")
    phone = EncryptedTextField(blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    address = EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["external_id"]

    def __str__(self) -> str:
        return f"{self.external_id} {self.masked_name}"

    def set_phone(self, phone: str) -> None:
        self.phone = phone
        self.phone_hash = lookup_hash(phone, kind="phone") if phone else ""

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class UserManager(DjangoUserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `createsuperuser` knows nothing of roles; a superuser is the platform's administrator.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in. One role per account; merchant roles belong to one merchant."""

    objects = UserManager()

    role = models.CharField(max_length=32, choices=Role.choices)
    merchant = models.ForeignKey(
        Merchant, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    buyer = models.OneToOneField(
        Buyer, null=True, blank=True, on_delete=models.PROTECT, related_name="user"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="merchant_roles_have_a_merchant",
                condition=(Q(role__in=list(MERCHANT_ROLE_ORDER)) & Q(merchant__isnull=False))
                | (~Q(role__in=list(MERCHANT_ROLE_ORDER)) & Q(merchant__isnull=True)),
            ),
            models.CheckConstraint(
                name="only_buyers_have_a_buyer",
                condition=Q(buyer__isnull=True) | Q(role=Role.BUYER),
            ),
        ]


class TokenScope(models.TextChoices):
    MERCHANT = "merchant", _("Merchant integration")
    PLATFORM = "platform", _("Platform integration")
    BUYER = "buyer", _("Buyer")
    USER = "user", _("Staff user")


class ApiToken(models.Model):
    """A bearer token: random, shown once, stored as a SHA-256 hash, revocable."""

    name = models.CharField(max_length=200, blank=True, default="")
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise it.")
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=16, choices=TokenScope.choices)
    merchant = models.ForeignKey(
        Merchant, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    buyer = models.ForeignKey(
        Buyer, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="token_subject_matches_scope",
                condition=(
                    Q(
                        scope="merchant",
                        merchant__isnull=False,
                        buyer__isnull=True,
                        user__isnull=True,
                    )
                    | Q(
                        scope="platform",
                        merchant__isnull=True,
                        buyer__isnull=True,
                        user__isnull=True,
                    )
                    | Q(
                        scope="buyer", merchant__isnull=True, buyer__isnull=False, user__isnull=True
                    )
                    | Q(scope="user", merchant__isnull=True, buyer__isnull=True, user__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.scope})"
