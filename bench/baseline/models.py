from django.db import models


class BaselineRow(models.Model):
    """One row per request: the cheapest useful write the API could possibly do."""

    external_id = models.CharField(max_length=128)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.external_id
