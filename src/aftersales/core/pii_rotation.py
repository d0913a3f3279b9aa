"""Re-encrypt stored personal data under the newest key, after a new key is put first in
AFTERSALES_PII_KEYS; once done, the old keys can be retired. Run by `aftersales pii rotate`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.db.models import ExpressionWrapper, F, Value

from aftersales.core import pii

DEFAULT_BATCH = 500


@dataclass
class ColumnReport:
    label: str  # app_label.Model.field
    rotated: int = 0
    current: int = 0  # already under the newest key: nothing to do


def encrypted_columns() -> Iterator[tuple[type[models.Model], models.Field]]:
    """Every EncryptedTextField of every installed model, found by type: a new context's
    personal data is rotated without anyone remembering to add it here."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, pii.EncryptedTextField):
                yield model, field


def rotate_column(
    model: type[models.Model], field: models.Field, *, batch_size: int = DEFAULT_BATCH
) -> ColumnReport:
    report = ColumnReport(f"{model._meta.label}.{field.name}")
    # The column as stored (ciphertext), not decrypted: rotation never needs the clear text
    # in Python, and a plain-text TextField output skips the field's own conversion.
    stored = ExpressionWrapper(F(field.attname), output_field=models.TextField())
    rows = model._base_manager.annotate(_stored=stored).filter(_stored__gt="").order_by("pk")
    last_pk = None
    while True:
        page = rows if last_pk is None else rows.filter(pk__gt=last_pk)
        batch = list(page.values_list("pk", "_stored")[:batch_size])
        if not batch:
            return report
        with transaction.atomic():  # one short transaction per batch
            for pk, value in batch:
                if pii.is_current(value):
                    report.current += 1
                    continue
                # Compare-and-set on the old ciphertext: a row the application rewrote
                # meanwhile already holds the newest key and is left alone.
                report.rotated += rows.filter(pk=pk, _stored=value).update(
                    **{field.attname: Value(pii.rotate(value), output_field=models.TextField())}
                )
        last_pk = batch[-1][0]


def rotate_all(*, batch_size: int = DEFAULT_BATCH) -> list[ColumnReport]:
    return [rotate_column(m, f, batch_size=batch_size) for m, f in encrypted_columns()]
