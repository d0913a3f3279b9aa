"""Operators edit a draft and publish it; published versions are read-only history."""

from __future__ import annotations

import copy
import json

from django.contrib import admin, messages
from django.utils.html import format_html

from aftersales.accounts.actors import actor_for_user
from aftersales.core.admin import ReadOnlyAdmin
from aftersales.core.errors import DomainError
from aftersales.policy import loading
from aftersales.policy.models import PolicyDraft, PolicyVersion
from aftersales.policy.services import publish_policy


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ("label", "published_at", "published_by", "note")
    list_filter = ("name",)
    readonly_fields = ("name", "number", "published_at", "published_by", "note", "pretty")
    exclude = ("document",)
    actions = ["make_draft"]

    @admin.display(description="document")
    def pretty(self, obj: PolicyVersion) -> str:
        text = json.dumps(obj.document, ensure_ascii=False, indent=2)
        return format_html("<pre style='max-height:40em;overflow:auto'>{}</pre>", text)

    @admin.action(description="Copy into the draft, to edit and publish")
    def make_draft(self, request, queryset):
        version = queryset.order_by("-number").first()
        PolicyDraft.objects.update_or_create(
            name=version.name, defaults={"document": copy.deepcopy(version.document)}
        )
        self.message_user(request, f"The draft of {version.name} now holds {version.label}.")


@admin.register(PolicyDraft)
class PolicyDraftAdmin(admin.ModelAdmin):
    list_display = ("name", "updated_at", "current_version")
    actions = ["publish"]

    @admin.display(description="current version")
    def current_version(self, obj: PolicyDraft) -> str:
        try:
            return loading.current(obj.name).label
        except DomainError:
            return "—"

    @admin.action(description="Validate and publish as the next version")
    def publish(self, request, queryset):
        actor = actor_for_user(request.user)
        for draft in queryset:
            try:
                version = publish_policy(
                    actor=actor,
                    document=draft.document,
                    note=f"published from the admin by {actor.label}",
                )
            except DomainError as exc:
                reasons = "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.detail
                self.message_user(
                    request, f"{draft.name} was not published: {reasons}", messages.ERROR
                )
            else:
                self.message_user(request, f"Published {version.label}.", messages.SUCCESS)
