"""Policies are data: versions are immutable, overrides may be more generous, never less."""

import copy

import pytest

from aftersales.accounts.actors import SYSTEM_ACTOR, actor_for_user
from aftersales.core.errors import NotFound, PermissionDenied, PolicyRefused
from aftersales.core.models import AppendOnlyError
from aftersales.policy import loading
from aftersales.policy.document import DEFAULT_DOCUMENT, json_schema, validate_document
from aftersales.policy.models import PolicyVersion
from aftersales.policy.services import publish_policy, set_merchant_override
from tests import factories

pytestmark = pytest.mark.django_db


def test_cn_default_is_published_as_version_one_with_every_rule_sourced():
    version = PolicyVersion.objects.get(name="cn-default", number=1)
    for name, rule in version.document["rules"].items():
        assert rule["source"], name
        assert rule["verified_at"], name
    for name, duration in version.document["durations"].items():
        assert duration["source"], name


def test_every_change_publishes_a_new_version():
    document = copy.deepcopy(DEFAULT_DOCUMENT)
    document["rules"]["quality_exchange"]["days"] = 30
    version = publish_policy(actor=SYSTEM_ACTOR, document=document, note="longer exchanges")
    assert version.label == "cn-default@2"
    assert loading.current().label == "cn-default@2"


def test_a_published_version_never_changes():
    version = PolicyVersion.objects.get(name="cn-default", number=1)
    version.note = "edited"
    with pytest.raises(AppendOnlyError):
        version.save()


def test_an_old_version_still_judges_by_its_own_rules():
    document = copy.deepcopy(DEFAULT_DOCUMENT)
    document["rules"]["quality_exchange"]["days"] = 30
    publish_policy(actor=SYSTEM_ACTOR, document=document)
    old = loading.compiled("cn-default@1").rules_for("m-x", "apparel")
    new = loading.compiled("cn-default@2").rules_for("m-x", "apparel")
    assert (old.quality_exchange_days, new.quality_exchange_days) == (15, 30)


def test_a_merchant_admin_may_lengthen_their_no_reason_window():
    merchant = factories.merchant("m-kind")
    admin = actor_for_user(factories.user("merchant_admin", merchant=merchant))
    version = set_merchant_override(
        actor=admin, merchant=merchant, override={"rules": {"no_reason_window": {"days": 15}}}
    )
    rules = loading.compiled(version.label).rules_for("m-kind", "apparel")
    assert rules.no_reason_days == 15
    assert rules.sources["no_reason_window"] == "merchant:m-kind"


def test_a_shorter_no_reason_window_is_refused_with_the_legal_row():
    merchant = factories.merchant()
    with pytest.raises(PolicyRefused) as refused:
        set_merchant_override(
            actor=SYSTEM_ACTOR,
            merchant=merchant,
            override={"rules": {"no_reason_window": {"days": 5}}},
        )
    assert refused.value.extensions["sources"] == ["NR-02"]
    assert "at least 7" in refused.value.errors[0].message


def test_a_widened_exclusion_list_is_refused_with_the_legal_row():
    merchant = factories.merchant()
    kinds = [*DEFAULT_DOCUMENT["rules"]["statutory_exclusions"]["kinds"], "luxury_goods"]
    with pytest.raises(PolicyRefused) as refused:
        set_merchant_override(
            actor=SYSTEM_ACTOR,
            merchant=merchant,
            override={"rules": {"statutory_exclusions": {"kinds": kinds}}},
        )
    assert refused.value.extensions["sources"] == ["NR-05"]


def test_turning_off_the_holiday_extension_is_refused():
    merchant = factories.merchant()
    with pytest.raises(PolicyRefused):
        set_merchant_override(
            actor=SYSTEM_ACTOR,
            merchant=merchant,
            override={"rules": {"no_reason_window": {"holiday_extension": "off"}}},
        )


def test_a_merchant_may_review_faster_but_not_slower_than_the_platform_timeout():
    merchant = factories.merchant()
    set_merchant_override(
        actor=SYSTEM_ACTOR,
        merchant=merchant,
        override={"durations": {"merchant_review": {"amount": 2}}},
    )
    assert loading.current().duration("merchant_review", merchant.code)["amount"] == 2
    with pytest.raises(PolicyRefused) as refused:
        set_merchant_override(
            actor=SYSTEM_ACTOR,
            merchant=merchant,
            override={"durations": {"merchant_review": {"amount": 9}}},
        )
    assert refused.value.extensions["sources"] == ["TB-02"]


def test_a_buyers_time_to_ship_may_only_grow():
    merchant = factories.merchant()
    with pytest.raises(PolicyRefused):
        set_merchant_override(
            actor=SYSTEM_ACTOR,
            merchant=merchant,
            override={"durations": {"buyer_ship_return": {"amount": 3}}},
        )


def test_rules_the_law_fixes_are_not_overridable():
    merchant = factories.merchant()
    with pytest.raises(PolicyRefused) as refused:
        set_merchant_override(
            actor=SYSTEM_ACTOR,
            merchant=merchant,
            override={"rules": {"gifts": {"charge": "nothing"}}},
        )
    assert "not something" in refused.value.errors[0].message


def test_merchant_staff_cannot_change_the_policy():
    merchant = factories.merchant()
    staff = actor_for_user(factories.user("merchant_staff", merchant=merchant))
    with pytest.raises(PermissionDenied):
        set_merchant_override(actor=staff, merchant=merchant, override={})


def test_a_merchant_admin_cannot_change_another_merchants_policy():
    mine, theirs = factories.merchant(), factories.merchant()
    admin = actor_for_user(factories.user("merchant_admin", merchant=mine))
    with pytest.raises(NotFound):
        set_merchant_override(
            actor=admin, merchant=theirs, override={"rules": {"no_reason_window": {"days": 10}}}
        )


def test_an_import_that_breaks_the_schema_names_the_field():
    from aftersales.core.errors import InvalidInput

    document = copy.deepcopy(DEFAULT_DOCUMENT)
    document["rules"]["quality_return"]["days"] = "seven"
    with pytest.raises(InvalidInput) as invalid:
        validate_document(document)
    assert invalid.value.errors[0].field == "rules.quality_return.days"


def test_the_schema_describes_the_document():
    schema = json_schema()
    assert schema["$id"] == "aftersales-policy/1"
    assert "no_reason_window" in schema["$defs"]["Rules"]["properties"]
