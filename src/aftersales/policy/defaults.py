"""Publishing the shipped default policy (`cn-default@1`) when the database has none."""

from __future__ import annotations

from typing import Any


def publish_shipped_default(
    *args: Any, using: str = "default", apps: Any = None, **kwargs: Any
) -> bool:
    """Publish cn-default@1 unless a cn-default version exists. Called by the migration (with
    its historical models) and after `flush` (post_migrate). Returns whether it published."""
    from aftersales.policy.document import DEFAULT_DOCUMENT, validate_document

    PolicyVersion = (apps or _live_apps()).get_model("policy", "PolicyVersion")
    if PolicyVersion.objects.using(using).filter(name="cn-default").exists():
        return False
    PolicyVersion.objects.using(using).create(
        name="cn-default",
        number=1,
        document=validate_document(DEFAULT_DOCUMENT),
        published_by="system",
        note="shipped defaults",
    )
    return True


def _live_apps():
    from django.apps import apps

    return apps
