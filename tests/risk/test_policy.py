"""Thresholds are versioned policy data, per tenant and category: a version naming an unknown
signal or threshold, or a value of the wrong kind, is refused at publish time with the reason;
a published version is what scores read."""

from __future__ import annotations

import pytest

from aftersales.accounts.actors import actor_for_user
from aftersales.accounts.models import Role
from aftersales.core.errors import InvalidInput, PermissionDenied
from aftersales.risk import services
from aftersales.risk.document import BUILTIN
from aftersales.risk.models import RiskPolicy
from aftersales.risk.scoring import score
from aftersales.risk.signals import OPEN
from tests import factories
from tests.risk.inputs import honest

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst():
    return actor_for_user(factories.user(Role.RISK))


def refusal(analyst, document) -> dict[str, str]:
    with pytest.raises(InvalidInput) as exc:
        services.publish_policy(actor=analyst, document_json=document)
    assert not RiskPolicy.objects.exists()  # nothing half-published
    return {e.field: e.message for e in exc.value.errors}


def test_an_unknown_signal_is_refused_naming_it(analyst):
    errors = refusal(analyst, {"signals": {"RS-99": {"points": 5}}})
    assert "signals.RS-99" in errors and "unknown signal" in errors["signals.RS-99"]


def test_an_unknown_threshold_is_refused_naming_the_ones_the_signal_has(analyst):
    errors = refusal(analyst, {"signals": {"RS-06": {"ratoi": 0.4}}})
    assert "unknown threshold" in errors["signals.RS-06.ratoi"]
    assert "ratio" in errors["signals.RS-06.ratoi"]


def test_an_unknown_category_or_a_negative_threshold_is_refused(analyst):
    errors = refusal(
        analyst,
        {"categories": {"spaceships": {}, "apparel": {"RS-01": {"multiple": -1}}}},
    )
    assert set(errors) == {"categories.spaceships", "categories.apparel.RS-01.multiple"}


def test_a_ladder_out_of_order_is_refused(analyst):
    assert "ladder" in refusal(analyst, {"ladder": {"warn": 50, "friction": 40, "review": 60}})


def test_an_unknown_fast_lane_limit_is_refused(analyst):
    assert "fast_lane.max_amonut" in refusal(analyst, {"fast_lane": {"max_amonut": "100.00"}})


def test_a_buyer_may_not_publish_thresholds():
    buyer = actor_for_user(factories.user(Role.BUYER, buyer=factories.buyer()))
    with pytest.raises(PermissionDenied):
        services.publish_policy(actor=buyer, document_json={})


def test_each_publish_is_a_new_version_and_scores_read_the_latest(analyst):
    m = factories.merchant()
    services.publish_policy(actor=analyst, document_json={})
    row = services.publish_policy(
        actor=analyst, document_json={"signals": {"RS-08": {"count": 2}}}, merchant=m
    )
    services.forget_policies()
    policy = services.policy_for_merchant(m.pk)
    assert policy.label == row.label == f"risk-m{m.pk}@1"
    assert policy.thresholds("RS-08", "apparel")["count"] == 2
    other = services.policy_for_merchant(factories.merchant().pk)
    assert other.label == "risk-platform@1"


def test_a_category_threshold_applies_to_that_category_only(analyst):
    row = services.publish_policy(
        actor=analyst, document_json={"categories": {"electronics": {"RS-09": {"count": 5}}}}
    )
    services.forget_policies()
    policy = services.policy_for_merchant(factories.merchant().pk)
    assert policy.label == row.label
    claim = {"inr_despite_pod_90d": 3, "claim_is_inr_despite_pod": True}
    assert score(honest(category="apparel", **claim), policy, trigger=OPEN).codes == ["RS-09"]
    assert score(honest(category="electronics", **claim), policy, trigger=OPEN).codes == []


def test_no_category_is_perishable_by_default_so_rs08_counts_every_quality_claim():
    assert not any(BUILTIN.perishable(c) for c in ("food", "fresh", "apparel"))


def test_an_unknown_perishable_category_is_refused(analyst):
    errors = refusal(analyst, {"perishable_categories": ["food", "fruit"]})
    assert "unknown category 'fruit'" in errors["perishable_categories"]


def test_a_shop_may_declare_its_fresh_produce_perishable(analyst):
    services.publish_policy(actor=analyst, document_json={"perishable_categories": ["fresh"]})
    services.forget_policies()
    policy = services.policy_for_merchant(factories.merchant().pk)
    assert (policy.perishable("fresh"), policy.perishable("food")) == (True, False)
