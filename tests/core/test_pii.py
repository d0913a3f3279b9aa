import io
import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from aftersales.accounts.models import Buyer
from aftersales.core import pii
from aftersales.core.logging import MaskPersonalData
from tests import factories

KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def keys(settings):
    """Switch the Fernet keys the way an operator does: settings, then reset the cache."""

    def use(*fernet_keys):
        settings.AFTERSALES_PII_KEYS = list(fernet_keys)
        pii.reset_keys()

    yield use
    pii.reset_keys()


def _stored(column: str, buyer: Buyer) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM accounts_buyer WHERE id = %s", [buyer.pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_personal_data_round_trips():
    buyer = factories.buyer(
        name="张三", phone="13812345678", address="浙江省杭州市西湖区文三路 1 号"
    )
    fresh = Buyer.objects.get(pk=buyer.pk)
    assert (fresh.name, fresh.phone, fresh.address) == (
        "张三",
        "13812345678",
        "浙江省杭州市西湖区文三路 1 号",
    )


@pytest.mark.django_db
def test_the_column_holds_fernet_ciphertext_not_the_clear_value():
    buyer = factories.buyer(name="张三", phone="13812345678")
    for column, clear in (("name", "张三"), ("phone", "13812345678"), ("address", "文三路")):
        stored = _stored(column, buyer)
        assert stored.startswith("fernet:")
        assert clear not in stored


@pytest.mark.django_db
def test_lookup_by_phone_uses_the_keyed_hash():
    buyer = factories.buyer(phone="138 1234 5678")
    assert Buyer.objects.get(phone_hash=pii.lookup_hash("+8613812345678", kind="phone")) == buyer


@pytest.mark.django_db
def test_empty_values_stay_empty():
    buyer = factories.buyer(name="", phone="", address="")
    assert _stored("name", buyer) == ""
    assert Buyer.objects.get(pk=buyer.pk).name == ""


@pytest.mark.django_db
def test_data_under_an_old_key_stays_readable_when_a_new_key_is_put_first(keys):
    keys(KEY_A)
    buyer = factories.buyer(phone="13812345678")
    keys(KEY_B, KEY_A)
    assert Buyer.objects.get(pk=buyer.pk).phone == "13812345678"


@pytest.mark.django_db
def test_a_removed_key_can_no_longer_read(keys):
    keys(KEY_A)
    buyer = factories.buyer()
    keys(KEY_B)
    with pytest.raises(ValueError, match="cannot be decrypted"):
        Buyer.objects.get(pk=buyer.pk)


@pytest.mark.django_db
def test_pii_rotate_re_encrypts_everything_so_the_old_key_can_be_retired(keys):
    keys(KEY_A)
    buyers = [factories.buyer(name=f"买家{i}", phone=f"1381234{i:04d}") for i in range(5)]
    empty = factories.buyer(name="", phone="", address="")
    keys(KEY_B, KEY_A)
    out = io.StringIO()

    call_command("pii", "rotate", "--batch-size", "2", stdout=out)

    assert "accounts.Buyer.phone: 5 re-encrypted, 0 already current" in out.getvalue()
    assert "total: 15 re-encrypted" in out.getvalue()
    keys(KEY_B)
    for i, buyer in enumerate(buyers):
        fresh = Buyer.objects.get(pk=buyer.pk)
        assert (fresh.name, fresh.phone) == (f"买家{i}", f"1381234{i:04d}")
    assert _stored("name", empty) == ""


@pytest.mark.django_db
def test_pii_rotate_again_finds_everything_current(keys):
    keys(KEY_A)
    factories.buyer()
    out = io.StringIO()
    call_command("pii", "rotate", stdout=out)
    assert "total: 0 re-encrypted, 3 already current" in out.getvalue()


@pytest.mark.django_db
def test_pii_rotate_leaves_a_row_rewritten_meanwhile_alone(keys):
    from aftersales.core.pii_rotation import rotate_column

    keys(KEY_A)
    buyer = factories.buyer(phone="13812345678")
    old = _stored("phone", buyer)
    keys(KEY_B, KEY_A)
    Buyer.objects.filter(pk=buyer.pk).update(phone="13900000000")  # the app, under key B
    field = Buyer._meta.get_field("phone")
    report = rotate_column(Buyer, field)
    assert report.current == 1 and report.rotated == 0
    assert _stored("phone", buyer) != old
    assert Buyer.objects.get(pk=buyer.pk).phone == "13900000000"


def test_settings_change_resets_the_cached_keys(settings):
    settings.AFTERSALES_PII_KEYS = [KEY_A]
    token = pii.encrypt("x")
    settings.AFTERSALES_PII_KEYS = [KEY_B]
    with pytest.raises(ValueError):
        pii.decrypt(token)


@pytest.mark.parametrize(
    "phone", ["138 1234 5678", "+8613812345678", "13812345678", "+86 138-1234-5678"]
)
def test_lookup_hash_ignores_how_the_number_is_written(phone):
    assert pii.lookup_hash(phone, kind="phone") == pii.lookup_hash("13812345678", kind="phone")


def test_lookup_hash_differs_for_other_numbers_and_kinds():
    assert pii.lookup_hash("13812345678", kind="phone") != pii.lookup_hash(
        "13812345679", kind="phone"
    )
    assert pii.lookup_hash("13812345678", kind="phone") != pii.lookup_hash(
        "13812345678", kind="email"
    )


def test_masks():
    assert pii.mask_phone("13812345678") == "138****5678"
    assert pii.mask_phone("+86 138 1234 5678") == "138****5678"
    assert pii.mask_name("张三") == "张*"
    assert pii.mask_name("欧阳娜娜") == "欧***"
    assert pii.mask_address("浙江省杭州市西湖区文三路 1 号") == "浙江省杭州市****"
    assert pii.mask_address("北京市朝阳区建国路 88 号").startswith("北京市")
    assert "建国路" not in pii.mask_address("北京市朝阳区建国路 88 号")
    assert pii.mask_phone("") == pii.mask_name(None) == pii.mask_address("") == ""


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("buyer 13812345678 called", "buyer 138****5678 called"),
        ("tel:+86 138 1234 5678.", "tel:138****5678."),
        ("order TB20260301001, SF1234567890", "order TB20260301001, SF1234567890"),
    ],
)
def test_mask_text(text, masked):
    assert pii.mask_text(text) == masked


def _log_through_masking_handler(*args, **kwargs) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskPersonalData())
    logger = logging.getLogger("tests.pii")
    logger.addHandler(handler)
    try:
        logger.warning(*args, **kwargs)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_a_log_line_with_a_phone_is_masked():
    line = _log_through_masking_handler("buyer %s asked for a refund", "13812345678")
    assert "138****5678" in line
    assert "13812345678" not in line


def test_a_traceback_with_a_phone_is_masked():
    try:
        raise ValueError("no buyer with phone 13812345678")
    except ValueError:
        line = _log_through_masking_handler("lookup failed", exc_info=True)
    assert "138****5678" in line
    assert "13812345678" not in line


def test_every_configured_handler_masks(settings):
    for handler in settings.LOGGING["handlers"].values():
        assert "mask_pii" in handler.get("filters", [])
