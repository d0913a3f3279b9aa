"""The desk's decisions are labels, audited; accounts link through shared identifiers, except
an allowlisted shared address (a dormitory, a parcel station) and IPs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from aftersales.accounts.actors import actor_for_user
from aftersales.accounts.models import Role
from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied
from aftersales.core.models import AuditEvent
from aftersales.risk import linking, services
from aftersales.risk.models import Identifier, Review
from tests import factories
from tests.cases import builders as b
from tests.risk.builders import latest

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst():
    return actor_for_user(factories.user(Role.RISK))


def test_confirming_a_flag_saves_the_label_and_audits_it(analyst):
    row = latest(b.open_case().id)
    review = services.review(actor=analyst, assessment_id=row.pk, decision="confirm",
                             note="空包退货，称重 50 g")  # fmt: skip
    assert (review.decision, review.buyer_id) == ("confirm", row.buyer_id)
    assert AuditEvent.objects.filter(action="risk.confirm").count() == 1


def test_a_flag_is_reviewed_once(analyst):
    row = latest(b.open_case().id)
    services.review(actor=analyst, assessment_id=row.pk, decision="clear", note="家庭共用设备")
    with pytest.raises(Conflict):
        services.review(actor=analyst, assessment_id=row.pk, decision="confirm", note="再看")


def test_a_review_says_why(analyst):
    row = latest(b.open_case().id)
    with pytest.raises(InvalidInput):
        services.review(actor=analyst, assessment_id=row.pk, decision="clear", note="  ")
    assert not Review.objects.exists()


def test_a_merchant_cannot_review_flags():
    row = latest(b.open_case().id)
    staff = actor_for_user(factories.user(Role.MERCHANT_ADMIN))
    with pytest.raises(PermissionDenied):
        services.review(actor=staff, assessment_id=row.pk, decision="confirm", note="x")


def test_an_identifier_seen_again_is_kept_once_with_its_first_sighting():
    buyer = factories.buyer().pk
    first = timezone.now()
    linking.record(buyer, {"device": "dev-1", "ip": "10.0.0.7"}, at=first)
    linking.record(buyer, {"device": "dev-1"}, at=first + timedelta(days=1))
    rows = Identifier.objects.filter(buyer_id=buyer).order_by("kind")
    assert [(r.kind, r.shared_type, r.first_seen_at) for r in rows] == [
        ("device", "", first),
        ("ip", "private_network", first),  # a private address links no one
    ]


def test_accounts_sharing_a_device_form_one_cluster():
    a, c, d = (factories.buyer().pk for _ in range(3))
    now = timezone.now()
    linking.record(a, {"device": "dev-1"}, at=now)
    linking.record(c, {"device": "dev-1", "payment": "alipay:8"}, at=now)
    linking.record(d, {"payment": "alipay:8"}, at=now)
    assert linking.clusters() == [{a, c, d}]  # transitively, through the payment account


def test_a_dormitory_address_links_no_one():
    linking.allow_shared_address("浙江大学紫金港校区 蓝田宿舍 3 幢", shared_type="dormitory")
    students = [factories.buyer().pk for _ in range(4)]
    for pk in students:
        linking.record(pk, {"address": "浙江大学紫金港校区蓝田宿舍3幢"}, at=timezone.now())
    assert linking.clusters() == []


def test_an_address_added_to_the_allowlist_later_stops_linking():
    a, c = factories.buyer().pk, factories.buyer().pk
    for pk in (a, c):
        linking.record(pk, {"address": "上海市浦东新区 菜鸟驿站 12 号"}, at=timezone.now())
    assert linking.clusters() == [{a, c}]
    linking.allow_shared_address("上海市浦东新区菜鸟驿站12号", shared_type="parcel_station")
    assert linking.clusters() == []


def test_the_same_ip_links_no_one():
    a, c = factories.buyer().pk, factories.buyer().pk
    for pk in (a, c):
        linking.record(pk, {"ip": "203.0.113.7"}, at=timezone.now())
    assert linking.clusters() == []
