"""Rating a month: category means, grades, restrictions with notice and appeal, the rules as
versioned policy data."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.core.errors import NotFound, PolicyRefused
from aftersales.credit import policydata, services
from aftersales.credit.metrics import Month
from aftersales.credit.models import (
    CreditPolicyVersion,
    MerchantMetric,
    MerchantRating,
    MerchantRestriction,
)
from aftersales.credit.rating import compute_month
from aftersales.credit.rules import DEFAULT_DOCUMENT, current_rules
from aftersales.notify.models import OutboxMessage
from tests import factories
from tests.credit import history
from tests.credit.actors import desk, shop_admin_of

pytestmark = pytest.mark.django_db

OCT = Month.parse("2026-10")
AT = datetime(2026, 10, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _fresh_rules():
    policydata.forget()
    yield
    policydata.forget()


def _shop_with_appeals(appealed: int, orders: int = 10):
    shop = factories.merchant()
    made = [history.order(shop, factories.buyer(), at=AT) for _ in range(orders)]
    for o in made[:appealed]:
        c = history.case(o, at=AT)
        history.event(c, "appeal", role="buyer", at=AT)
        history.event(c, "rule", role="specialist", at=AT, payload={"ruling": "for_buyer"})
    return shop


def test_each_metric_is_stored_with_the_category_mean_beside_it():
    a, b = _shop_with_appeals(1), _shop_with_appeals(3)
    compute_month(month=OCT)
    row = MerchantMetric.objects.get(merchant=a, month=OCT.first, metric="intervention_rate")
    assert row.value == Decimal("0.1") and row.category_mean == Decimal("0.2")
    assert row.category == "apparel"
    assert MerchantMetric.objects.get(merchant=b, metric="intervention_rate").value == Decimal(
        "0.3"
    )


def test_a_merchant_far_above_its_category_is_graded_down_with_reason_codes():
    _shop_with_appeals(0)
    _shop_with_appeals(0)
    bad = _shop_with_appeals(5)
    compute_month(month=OCT)
    rating = MerchantRating.objects.get(merchant=bad, month=OCT.first)
    assert "intervention_rate.above_peers" in rating.reason_codes
    assert "dispute_refund_rate.above_peers" in rating.reason_codes
    assert rating.grade in {"C", "D"}
    assert rating.snapshot["metrics"]["intervention_rate"]["category_mean"] is not None


def test_a_grade_past_the_line_brings_its_restrictions_with_notice():
    _shop_with_appeals(0)
    bad = _shop_with_appeals(6)
    compute_month(month=OCT)
    kinds = set(MerchantRestriction.objects.filter(merchant=bad).values_list("kind", flat=True))
    assert "manual_rejection_review" in kinds
    told = OutboxMessage.objects.filter(topic="credit.merchant_restricted", merchant_id=bad.pk)
    assert told.count() == len(kinds)


def test_a_month_rated_before_it_ended_places_no_restriction_until_it_has_ended():
    bad = _shop_with_appeals(6)
    with time_machine.travel(AT + timedelta(days=5), tick=False):  # 15 Oct: the month to date
        compute_month(month=OCT)
    assert MerchantRating.objects.get(merchant=bad).grade == "C"
    assert not MerchantRestriction.objects.filter(merchant=bad).exists()

    with time_machine.travel(datetime(2026, 11, 2, 3, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
        compute_month(month=OCT)
    assert MerchantRestriction.objects.filter(merchant=bad).exists()


def test_recomputing_a_month_replaces_its_figures_and_places_nothing_twice():
    _shop_with_appeals(0)
    bad = _shop_with_appeals(6)
    compute_month(month=OCT)
    compute_month(month=OCT)
    assert MerchantMetric.objects.filter(merchant=bad, metric="intervention_rate").count() == 1
    assert MerchantRestriction.objects.filter(merchant=bad, lifted_at__isnull=True).count() == len(
        current_rules().restrictions_for(MerchantRating.objects.get(merchant=bad).grade)
    )


def test_a_merchant_appeals_its_restriction_and_an_upheld_appeal_lifts_it():
    _shop_with_appeals(0)
    bad = _shop_with_appeals(6)
    compute_month(month=OCT)
    restriction = MerchantRestriction.objects.filter(merchant=bad).first()
    appeal = services.file_appeal(
        actor=shop_admin_of(bad),
        restriction_id=restriction.pk,
        reason="a campaign week doubled our orders",
    )
    services.decide_appeal(actor=desk(), appeal_id=appeal.pk, outcome="upheld", note="agreed")
    restriction.refresh_from_db()
    assert restriction.lifted_at is not None
    compute_month(month=OCT)  # the same month again does not bring it back
    assert not MerchantRestriction.objects.filter(
        merchant=bad, kind=restriction.kind, lifted_at__isnull=True
    ).exists()


def test_a_merchant_cannot_appeal_another_merchants_restriction():
    _shop_with_appeals(0)
    bad = _shop_with_appeals(6)
    compute_month(month=OCT)
    restriction = MerchantRestriction.objects.filter(merchant=bad).first()
    with pytest.raises(NotFound):
        services.file_appeal(
            actor=shop_admin_of(factories.merchant()), restriction_id=restriction.pk, reason="x"
        )


def test_the_credit_command_computes_a_month(capsys):
    _shop_with_appeals(1)
    call_command("credit", "compute", "--month", "2026-10")
    assert "2026-10: 1 merchants" in capsys.readouterr().out
    assert MerchantRating.objects.filter(month=OCT.first).count() == 1


def test_the_worker_rates_last_month_once():
    from aftersales.credit.rating import compute_previous_month_once

    _shop_with_appeals(1)
    now = datetime(2026, 11, 2, 3, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert compute_previous_month_once(now=now).merchants == 1
    assert compute_previous_month_once(now=now) is None


def test_published_rules_are_versioned_and_named_on_every_rating():
    doc = copy.deepcopy(DEFAULT_DOCUMENT)
    doc["merchant"]["intervention_rate"]["points"] = 40
    version = policydata.publish_rules(actor=SYSTEM_ACTOR, document=doc, note="heavier")
    assert version.label == "credit@1"
    _shop_with_appeals(1)
    compute_month(month=OCT)
    assert MerchantRating.objects.get().policy_version == "credit@1"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (
            ("buyer", "zodiac_sign"),
            {"threshold": "1", "points": 1, "min_count": 0, "window_days": 30, "source": "[I]"},
        ),
        (("merchant", "likes"), {"points": 1, "bad_above": "1", "source": "[I]"}),
        (("restrictions", "ban"), {"at_grade": "D", "source": "[I]"}),
    ],
)
def test_unknown_components_metrics_or_restrictions_are_refused_at_publish(path, value):
    doc = copy.deepcopy(DEFAULT_DOCUMENT)
    doc[path[0]][path[1]] = value
    with pytest.raises(PolicyRefused) as refused:
        policydata.publish_rules(actor=SYSTEM_ACTOR, document=doc)
    assert refused.value.errors[0].field == path[0]
    assert path[1] in refused.value.detail


def test_a_value_without_its_source_is_refused_at_publish():
    from aftersales.core.errors import InvalidInput

    doc = copy.deepcopy(DEFAULT_DOCUMENT)
    del doc["fast_lane"]["source"]
    with pytest.raises(InvalidInput):
        policydata.publish_rules(actor=SYSTEM_ACTOR, document=doc)


def test_a_flag_review_of_one_shop_is_refused_at_publish():
    from aftersales.core.errors import InvalidInput

    doc = copy.deepcopy(DEFAULT_DOCUMENT)
    doc["flag_review"]["min_shops"] = 1
    with pytest.raises(InvalidInput):
        policydata.publish_rules(actor=SYSTEM_ACTOR, document=doc)


def test_month_boundaries_keep_last_months_orders_out():
    shop = factories.merchant()
    history.order(shop, factories.buyer(), at=OCT.start - timedelta(minutes=1))
    history.order(shop, factories.buyer(), at=AT)
    compute_month(month=OCT)
    row = MerchantMetric.objects.get(merchant=shop, metric="intervention_rate")
    assert row.denominator == 1


def test_a_restriction_in_force_is_what_the_case_engine_reads_and_an_upheld_appeal_clears_it():
    from aftersales.credit.selectors import active_restrictions

    _shop_with_appeals(0)
    bad = _shop_with_appeals(6)
    compute_month(month=OCT)
    restriction = MerchantRestriction.objects.filter(merchant=bad, kind="shorter_review").get()
    assert "shorter_review" in active_restrictions(bad.pk)
    appeal = services.file_appeal(
        actor=shop_admin_of(bad), restriction_id=restriction.pk, reason="campaign"
    )
    services.decide_appeal(actor=desk(), appeal_id=appeal.pk, outcome="upheld", note="agreed")
    assert "shorter_review" not in active_restrictions(bad.pk)


# Per-category values of the merchant metrics (RISK-SIGNALS.md: thresholds are defaults per
# category): every merchant of the category is rated by them, others by the document's.
def _publish_with_categories(categories: dict) -> None:
    doc = copy.deepcopy(DEFAULT_DOCUMENT)
    doc["categories"] = categories
    policydata.publish_rules(actor=SYSTEM_ACTOR, document=doc)


def _shop_with_late_answers(category: str, late: int, of: int = 10):
    shop = factories.merchant()
    for n in range(of):
        o = history.order(shop, factories.buyer(), at=AT, category=category)
        c = history.case(o, at=AT)
        history.event(c, "approve", at=AT + timedelta(hours=60 if n < late else 2))
    return shop


def test_a_category_override_changes_the_line_its_merchants_are_rated_by():
    _publish_with_categories(
        {"fresh": {"late_response_rate": {"bad_above": "0.25", "source": "[I] test"}}}
    )
    fresh, apparel = _shop_with_late_answers("fresh", 2), _shop_with_late_answers("apparel", 2)
    compute_month(month=OCT)
    by_shop = {r.merchant_id: r for r in MerchantRating.objects.filter(month=OCT.first)}
    assert "late_response_rate.above_line" not in by_shop[fresh.pk].reason_codes
    assert "late_response_rate.above_line" in by_shop[apparel.pk].reason_codes
    metric = by_shop[fresh.pk].snapshot["metrics"]["late_response_rate"]
    assert metric["rule_source"] == "[I] test"


def test_a_category_override_keeps_the_values_it_does_not_name():
    _publish_with_categories({"fresh": {"late_response_rate": {"points": 9, "source": "[I]"}}})
    fresh = _shop_with_late_answers("fresh", 2)
    compute_month(month=OCT)
    rating = MerchantRating.objects.get(merchant=fresh)
    assert rating.snapshot["metrics"]["late_response_rate"]["points"] == 9  # past 0.10 still


@pytest.mark.parametrize(
    ("categories", "field", "named"),
    [
        ({"spaceships": {"late_response_rate": {"points": 1, "source": "[I]"}}}, "categories",
         "spaceships"),
        ({"fresh": {"likes": {"points": 1, "source": "[I]"}}}, "categories.fresh", "likes"),
        ({"fresh": {"late_response_rate": {"source": "[I]"}}},
         "categories.fresh.late_response_rate", "no value"),
        ({"fresh": {"self_finish_rate": {"bad_above": "0.9", "source": "[I]"}}},
         "categories.fresh.self_finish_rate", "bad_below"),
    ],
)  # fmt: skip
def test_unknown_or_meaningless_category_overrides_are_refused_at_publish(categories, field, named):
    doc = copy.deepcopy(DEFAULT_DOCUMENT)
    doc["categories"] = categories
    with pytest.raises(PolicyRefused) as refused:
        policydata.publish_rules(actor=SYSTEM_ACTOR, document=doc)
    assert refused.value.errors[0].field == field
    assert named in refused.value.detail
    assert not CreditPolicyVersion.objects.exists()


def test_a_category_override_without_its_source_is_refused_at_publish():
    from aftersales.core.errors import InvalidInput

    doc = copy.deepcopy(DEFAULT_DOCUMENT)
    doc["categories"] = {"fresh": {"late_response_rate": {"points": 1}}}
    with pytest.raises(InvalidInput) as refused:
        policydata.publish_rules(actor=SYSTEM_ACTOR, document=doc)
    assert "categories.fresh.late_response_rate.source" in {e.field for e in refused.value.errors}


def test_a_document_published_before_categories_existed_still_reads():
    from aftersales.credit.rules import rules_from

    doc = copy.deepcopy(DEFAULT_DOCUMENT)
    del doc["categories"]
    CreditPolicyVersion.objects.create(number=1, document=doc, published_by="before")
    rules = policydata.published_rules()
    assert rules.version == "credit@1"
    assert rules.merchant_rules("fresh") == rules_from(
        DEFAULT_DOCUMENT, version="x"
    ).merchant_rules("apparel")


def test_the_worker_rates_again_a_month_rated_before_it_ended():
    from aftersales.credit.rating import compute_previous_month_once

    shop = _shop_with_appeals(1)
    with time_machine.travel(AT + timedelta(days=5), tick=False):  # 15 Oct: the month to date
        compute_month(month=OCT)
    assert MerchantRating.objects.get(merchant=shop).partial
    now = datetime(2026, 11, 2, 3, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(now, tick=False):
        assert compute_previous_month_once(now=now).merchants == 1
        assert not MerchantRating.objects.get(merchant=shop).partial
        assert compute_previous_month_once(now=now) is None
