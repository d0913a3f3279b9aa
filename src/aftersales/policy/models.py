"""Policy versions: each publish is a new immutable row (`cn-default@4`); cases point at one."""

from __future__ import annotations

from django.db import models

from aftersales.core import clock
from aftersales.core.models import AppendOnlyModel


class PolicyVersion(AppendOnlyModel):
    name = models.CharField(max_length=64)
    number = models.PositiveIntegerField()
    document = models.JSONField()
    published_at = models.DateTimeField(default=clock.now)
    published_by = models.CharField(max_length=200)
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["name", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["name", "number"], name="one_number_per_policy")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.name}@{self.number}"


class PolicyDraft(models.Model):
    """The editable copy operators change in the admin; publishing it validates it and makes
    the next immutable version. Nothing reads a draft to decide anything."""

    name = models.CharField(max_length=64, unique=True)
    document = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"draft of {self.name}"
