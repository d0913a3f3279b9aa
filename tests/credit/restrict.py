"""A merchant restriction placed or ended as the rating and the appeals do it (the row, then
`enforce.restriction_changed`), for tests of what a restriction changes elsewhere."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from aftersales.core import clock
from aftersales.credit import enforce
from aftersales.credit.models import MerchantRestriction


def restrict(merchant, kind: str) -> MerchantRestriction:
    with transaction.atomic():
        row = MerchantRestriction.objects.create(
            merchant=merchant, kind=kind, reason_code="grade.C", month=date(2026, 10, 1)
        )
        enforce.restriction_changed(merchant_id=merchant.pk, kind=kind)
    return row


def lift(row: MerchantRestriction) -> None:
    with transaction.atomic():
        row.lifted_at, row.lifted_reason = clock.now(), "rating.improved"
        row.save(update_fields=["lifted_at", "lifted_reason"])
        enforce.restriction_changed(merchant_id=row.merchant_id, kind=row.kind)
