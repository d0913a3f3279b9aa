"""The operators' admin shows return logistics with personal data masked."""

from __future__ import annotations

import pytest
from django.test import Client

from aftersales.accounts.models import Role, User
from tests.returns import builders as rb

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Client:
    user = User.objects.create_superuser("root", "root@example.com", "pw-root-123", role=Role.ADMIN)
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_never_shows_a_return_address_or_phone_in_clear(operator):
    rb.shipped()
    for page in ("returnsettings", "shipment"):
        text = operator.get(f"/admin/returns/{page}/").content.decode()
        assert rb.ADDRESS["contact_phone"] not in text
        assert rb.ADDRESS["address"] not in text
