"""Refunds as the API shows them."""

from __future__ import annotations

from typing import Any

from aftersales.core.clock import localtime
from aftersales.refunds.models import PriceChange, Refund


def _local(value):
    return None if value is None else localtime(value)


def refund_out(refund: Refund) -> dict[str, Any]:
    return {
        "id": refund.pk,
        "case": refund.case_id,
        "merchant": refund.merchant.code,
        "purpose": refund.purpose,
        "kind": refund.kind,
        "amount": f"{refund.amount:.2f}",
        "currency": refund.currency,
        "method": refund.method,
        "payment": refund.payment.seq if refund.payment_id else None,
        "state": refund.state,
        "idempotency_key": refund.idempotency_key,
        "provider": refund.provider,
        "provider_ref": refund.provider_ref,
        "needs_approval": refund.needs_approval,
        "approved_by": refund.approved_by_label,
        "requested_at": _local(refund.requested_at),
        "submitted_at": _local(refund.submitted_at),
        "settled_at": _local(refund.settled_at),
        "expected_at": _local(refund.expected_at),
        "attempts": refund.attempts,
        "last_error": refund.last_error,
        "lines": [
            {
                "kind": ln.kind,
                "line_id": ln.order_line.line_id if ln.order_line_id else None,
                "sku": ln.order_line.sku if ln.order_line_id else None,
                "gross": f"{ln.gross:.2f}",
                "deducted": f"{ln.deducted:.2f}",
                "amount": f"{ln.amount:.2f}",
                "deduction_reason": ln.deduction_reason,
            }
            for ln in refund.lines.all()
        ],
    }


def price_change_out(change: PriceChange, merchant_code: str) -> dict[str, Any]:
    return {
        "id": change.pk,
        "merchant": merchant_code,
        "sku": change.sku,
        "price": f"{change.price:.2f}",
        "kind": change.kind,
        "effective_at": _local(change.effective_at),
    }
