"""Builders for pure decisions: a line's facts, the shipped policy, the seeded calendar."""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from aftersales.policy.compiled import CompiledPolicy
from aftersales.policy.decide import EligibilityRequest, History, LineFacts, decide
from aftersales.policy.document import DEFAULT_DOCUMENT, validate_document

SHANGHAI = ZoneInfo("Asia/Shanghai")


def t(text: str) -> datetime:
    """'2026-03-01 10:00' in Shanghai, aware."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def line(**overrides) -> LineFacts:
    values = dict(
        merchant="m-shop",
        line_id="1",
        sku="SKU-1",
        category="apparel",
        quantity=1,
        unit_price=Decimal("60.00"),
        paid_amount=Decimal("40.00"),
        currency="CNY",
        placed_at=t("2026-02-27 20:15"),
        paid_at=t("2026-02-27 20:16"),
        shipped_at=t("2026-02-28 10:00"),
        signed_at=t("2026-03-01 10:00"),
    )
    values.update(overrides)
    return LineFacts(**values)


def policy(
    merchants: dict | None = None, categories: dict | None = None, label: str = "cn-default@1"
) -> CompiledPolicy:
    document = copy.deepcopy(DEFAULT_DOCUMENT)
    document["merchants"] = merchants or {}
    document["categories"] = categories or {}
    return CompiledPolicy(label, validate_document(document))


DEFAULT_POLICY = policy()


@pytest.fixture(scope="session")
def cn_calendar(django_db_setup, django_db_blocker):
    from aftersales.core.calendar import business_calendar

    with django_db_blocker.unblock():
        return business_calendar()


@pytest.fixture
def ask(cn_calendar):
    """ask(type, reason, at, line=..., quantity=..., condition=..., history=..., policy=...)"""

    def _ask(
        type_: str,
        reason: str,
        at: str | datetime,
        *,
        on: LineFacts | None = None,
        quantity: int = 1,
        condition: str = "unopened",
        history: History | None = None,
        rules: CompiledPolicy = DEFAULT_POLICY,
        explain: bool = False,
        **extra,
    ):
        request = EligibilityRequest(
            line=on or line(),
            type=type_,
            reason=reason,
            quantity=quantity,
            at=t(at) if isinstance(at, str) else at,
            condition=condition,
            history=history or History(),
            **extra,
        )
        return decide(request, rules, cn_calendar, SHANGHAI, explain=explain)

    return _ask


def codes(decision) -> list[str]:
    return [r.code for r in decision.reasons]
