"""The return address kept by the old portal path moves into ReturnSettings, its one home."""

import importlib

import pytest
from django.apps import apps

from aftersales.accounts.models import Merchant
from aftersales.core import pii
from aftersales.returns.models import ReturnSettings
from tests.cases import builders as b

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "aftersales.returns.migrations.0003_return_address_moves_from_merchant_settings"
)


def _keep_the_old_way(merchant: Merchant, name: str, phone: str, address: str) -> None:
    merchant.settings["return_address"] = {
        "name": pii.encrypt(name),
        "phone": pii.encrypt(phone),
        "address": pii.encrypt(address),
    }
    merchant.save(update_fields=["settings"])


def test_an_address_in_the_merchants_settings_moves_into_its_return_settings():
    s = b.shop()
    _keep_the_old_way(s.merchant, "李四", "13912345678", "浙江省杭州市余杭区仓前街道 8 号")
    migration.move_addresses(apps, None)
    row = ReturnSettings.objects.get(merchant=s.merchant)
    assert (row.contact_name, row.contact_phone) == ("李四", "13912345678")
    assert "return_address" not in Merchant.objects.get(pk=s.merchant.pk).settings


def test_existing_return_settings_win_over_the_old_address():
    s = b.shop()
    ReturnSettings.objects.create(
        merchant=s.merchant, contact_name="王", contact_phone="13900000000", address="新仓"
    )
    _keep_the_old_way(s.merchant, "李四", "13912345678", "旧仓")
    migration.move_addresses(apps, None)
    assert ReturnSettings.objects.get(merchant=s.merchant).address == "新仓"
    assert "return_address" not in Merchant.objects.get(pk=s.merchant.pk).settings
