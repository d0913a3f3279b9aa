"""Operators read the fund's books; every change goes through guarantee.services, never by
editing a row here (the ledger is append-only and its balances are kept under a lock)."""

from __future__ import annotations

from django.contrib import admin

from aftersales.core.admin import ReadOnlyAdmin
from aftersales.guarantee.models import (
    Claim,
    LedgerAccount,
    Movement,
    PayFirst,
    TopUp,
    TopUpRequest,
)


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ("merchant", "kind", "balance", "currency")
    list_filter = ("kind",)


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdmin):
    list_display = ("at", "merchant", "kind", "amount", "source", "source_id", "actor_label")
    list_filter = ("kind", "source")


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ("opened_at", "merchant", "source", "source_id", "amount", "recovered", "state")
    list_filter = ("state",)


@admin.register(PayFirst)
class PayFirstAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "merchant", "amount", "contest_state", "contest_due_at")
    list_filter = ("contest_state",)


@admin.register(TopUpRequest)
class TopUpRequestAdmin(ReadOnlyAdmin):
    list_display = ("requested_at", "merchant", "requirement", "shortfall", "state")


@admin.register(TopUp)
class TopUpAdmin(ReadOnlyAdmin):
    list_display = ("recorded_at", "merchant", "amount", "reference")
