"""The merchant's settings page: return address, automatic approval, own rules, staff."""

import re

import pytest
from django.db import connection

from aftersales.accounts.models import Merchant, Role, User
from aftersales.cases.models import Case
from aftersales.core.models import AuditEvent
from aftersales.policy import loading
from aftersales.returns.models import ReturnSettings
from tests import factories
from tests.cases import builders as b
from tests.web.pages import client_for

pytestmark = pytest.mark.django_db

ADDRESS = {
    "contact_name": "李四",
    "contact_phone": "13912345678",
    "address": "浙江省杭州市余杭区仓前街道 8 号",
}


def _admin(s: b.Shop, language: str = "en"):
    return client_for(factories.user(Role.MERCHANT_ADMIN, merchant=s.merchant), language)


def test_the_settings_page_writes_the_return_settings_the_return_flow_reads():
    s = b.shop()
    response = _admin(s).post(
        "/merchant/settings/return-address/",
        {**ADDRESS, "carriers": ["sf", "fake"], "pickup_carrier": "fake"},
    )
    assert response.status_code == 302
    row = ReturnSettings.objects.get(merchant=s.merchant)
    assert (row.contact_name, row.contact_phone, row.address) == tuple(ADDRESS.values())
    assert (row.carriers, row.pickup_carrier) == (["sf", "fake"], "fake")
    assert "return_address" not in Merchant.objects.get(pk=s.merchant.pk).settings


def test_the_return_address_saved_on_the_page_is_encrypted_at_rest():
    s = b.shop()
    _admin(s).post("/merchant/settings/return-address/", ADDRESS)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact_phone, address FROM returns_returnsettings WHERE merchant_id = %s",
            [s.merchant.pk],
        )
        stored = cursor.fetchone()
    assert all(v.startswith("fernet:") for v in stored)


def test_return_address_is_shown_masked_and_audited_masked():
    s = b.shop()
    client = _admin(s)
    client.post("/merchant/settings/return-address/", ADDRESS)
    html = client.get("/merchant/settings/").content.decode()
    assert "139****5678" in html and "李*" in html
    assert "13912345678" not in html and "仓前街道" not in html
    audit = AuditEvent.objects.get(action="merchant.return_address_set")
    assert audit.payload["phone"] == "139****5678"
    assert "13912345678" not in str(audit.payload)


def test_the_page_shows_the_carriers_the_merchant_takes():
    s = b.shop()
    client = _admin(s)
    client.post("/merchant/settings/return-address/", {**ADDRESS, "carriers": ["jd"]})
    html = client.get("/merchant/settings/").content.decode()
    assert re.search(r'value="jd" checked', html)
    assert not re.search(r'value="sf" checked', html)


def test_incomplete_return_address_is_refused_inline_in_the_users_language():
    s = b.shop()
    response = _admin(s, "zh-hans").post(
        "/merchant/settings/return-address/", {**ADDRESS, "contact_phone": ""}
    )
    assert response.status_code == 422
    assert "必填" in response.content.decode()
    assert not ReturnSettings.objects.filter(merchant=s.merchant).exists()


def test_the_carriers_change_without_the_return_address_typed_again():
    s = b.shop()
    client = _admin(s)
    client.post("/merchant/settings/return-address/", ADDRESS)
    response = client.post(
        "/merchant/settings/return-address/",
        {"contact_name": "", "contact_phone": "", "address": "", "carriers": ["jd", "fake"]},
    )
    assert response.status_code == 302
    row = ReturnSettings.objects.get(merchant=s.merchant)
    assert row.carriers == ["jd", "fake"]
    assert (row.contact_name, row.contact_phone, row.address) == tuple(ADDRESS.values())


def test_a_partial_update_validates_only_the_field_it_changes():
    s = b.shop()
    client = _admin(s, "zh-hans")
    client.post("/merchant/settings/return-address/", ADDRESS)
    response = client.post(
        "/merchant/settings/return-address/",
        {"contact_phone": "12", "carriers": ["nonesuch"]},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "请填写手机或座机号码" in html
    assert "nonesuch" in html
    assert "必填" not in html
    assert ReturnSettings.objects.get(merchant=s.merchant).contact_phone == ADDRESS["contact_phone"]


def test_a_changed_address_field_alone_replaces_only_that_field():
    s = b.shop()
    client = _admin(s)
    client.post("/merchant/settings/return-address/", {**ADDRESS, "carriers": ["sf"]})
    client.post(
        "/merchant/settings/return-address/", {"address": "上海市浦东新区 1 号", "carriers": ["sf"]}
    )
    row = ReturnSettings.objects.get(merchant=s.merchant)
    assert (row.address, row.contact_phone, row.carriers) == (
        "上海市浦东新区 1 号",
        ADDRESS["contact_phone"],
        ["sf"],
    )


def test_automatic_approval_is_saved_without_a_return_address():
    s = b.shop()
    response = _admin(s).post(
        "/merchant/settings/approval/", {"rules__no_reason_auto_approval__enabled": "1"}
    )
    assert response.status_code == 302
    assert not ReturnSettings.objects.filter(merchant=s.merchant).exists()


def test_a_pickup_carrier_that_cannot_collect_is_refused_inline():
    s = b.shop()
    response = _admin(s).post(
        "/merchant/settings/return-address/", {**ADDRESS, "pickup_carrier": "sf"}
    )
    assert response.status_code == 422
    assert "this carrier cannot be booked here" in response.content.decode()


def test_merchant_staff_may_not_change_the_return_address():
    s = b.shop()
    staff = client_for(factories.user(Role.MERCHANT_STAFF, merchant=s.merchant))
    assert staff.post("/merchant/settings/return-address/", ADDRESS).status_code == 403


def test_automatic_approval_turns_on_the_policy_rule_the_case_engine_reads():
    s = b.shop()
    _admin(s).post("/merchant/settings/approval/", {"rules__no_reason_auto_approval__enabled": "1"})
    override = loading.current().document["merchants"][s.code]
    assert override["rules"]["no_reason_auto_approval"]["enabled"] is True
    opened = b.open_case(s)
    assert Case.objects.get(pk=opened.id).state == "approved"


def test_own_rules_below_the_law_are_refused_inline_with_the_row():
    s = b.shop()
    response = _admin(s).post(
        "/merchant/settings/rules/",
        {
            "rules__no_reason_window__days": "5",
            "rules__quality_return__days": "7",
            "rules__quality_exchange__days": "15",
            "rules__return_shipping__no_reason": "buyer",
            "durations__merchant_review__amount": "5",
            "durations__merchant_confirm_receipt__amount": "10",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "At least 7 (NR-02)" in html
    assert s.code not in loading.current().document["merchants"]


def test_own_rules_more_generous_than_the_law_are_published_and_keep_the_others():
    s = b.shop()
    client = _admin(s)
    client.post("/merchant/settings/approval/", {"rules__no_reason_auto_approval__enabled": "1"})
    response = client.post(
        "/merchant/settings/rules/",
        {
            "rules__no_reason_window__days": "15",
            "rules__quality_return__days": "7",
            "rules__quality_exchange__days": "15",
            "rules__return_shipping__no_reason": "merchant",
            "durations__merchant_review__amount": "3",
            "durations__merchant_confirm_receipt__amount": "10",
        },
    )
    assert response.status_code == 302
    override = loading.current().document["merchants"][s.code]
    assert override == {
        "rules": {
            "no_reason_auto_approval": {"enabled": True},
            "no_reason_window": {"days": 15},
            "return_shipping": {"no_reason": "merchant"},
        },
        "durations": {"merchant_review": {"amount": 3}},
    }


def test_merchant_admin_adds_a_staff_user_with_a_role_and_it_is_audited():
    s = b.shop()
    response = _admin(s).post(
        "/merchant/settings/staff/",
        {"username": "xiaowang", "password": "a-long-pass-phrase-9", "role": "merchant_staff"},
    )
    assert response.status_code == 302
    user = User.objects.get(username="xiaowang")
    assert (user.merchant_id, user.role) == (s.merchant.pk, "merchant_staff")
    assert AuditEvent.objects.filter(action="staff.added", subject_id=str(user.pk)).exists()


def test_adding_staff_with_a_taken_username_is_refused_inline():
    s = b.shop()
    factories.user(Role.BUYER, username="taken")
    response = _admin(s).post(
        "/merchant/settings/staff/",
        {"username": "taken", "password": "a-long-pass-phrase-9", "role": "merchant_staff"},
    )
    assert response.status_code == 422
    assert "this username is taken" in response.content.decode()


def test_deactivated_staff_cannot_log_in_and_the_step_is_audited():
    s = b.shop()
    member = factories.user(Role.MERCHANT_STAFF, merchant=s.merchant, username="leaving")
    client = _admin(s)
    assert client.post(f"/merchant/settings/staff/{member.pk}/deactivate/").status_code == 302
    member.refresh_from_db()
    assert member.is_active is False
    assert AuditEvent.objects.filter(action="staff.deactivated").count() == 1
    from django.test import Client

    login = Client().post("/login/", {"username": "leaving", "password": "correct-horse-battery"})
    assert login.status_code == 200  # the form again, not the redirect to the portal


def test_another_shops_staff_cannot_be_deactivated():
    s, other = b.shop(), b.shop()
    theirs = factories.user(Role.MERCHANT_STAFF, merchant=other.merchant)
    assert _admin(s).post(f"/merchant/settings/staff/{theirs.pk}/deactivate/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


def test_settings_page_lists_the_shops_staff_only():
    s, other = b.shop(), b.shop()
    factories.user(Role.MERCHANT_STAFF, merchant=s.merchant, username="ours")
    factories.user(Role.MERCHANT_STAFF, merchant=other.merchant, username="theirs")
    html = _admin(s).get("/merchant/settings/").content.decode()
    names = re.findall(r'<tr id="staff-\d+">\s*<td>([^<]+)</td>', html)
    assert "ours" in names and "theirs" not in names
