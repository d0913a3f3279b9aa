import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.accounts.models import ApiToken, Buyer, Role, User
from aftersales.core.audit import record
from aftersales.core.models import AuditEvent, IdempotencyRecord
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Client:
    user = User.objects.create_superuser("root", "root@example.com", "pw-root-123", role=Role.ADMIN)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def some_of_everything():
    m = factories.merchant()
    b = factories.buyer(name="张三", phone="13812345678")
    factories.user(Role.MERCHANT_STAFF, merchant=m)
    factories.merchant_token(m)
    factories.buyer_token(b)
    factories.platform_token()
    record(actor=SYSTEM_ACTOR, action="merchant.created", subject=m, merchant_id=m.pk)
    IdempotencyRecord.objects.create(caller="token:x", key="k", request_hash="h", status_code=201)
    return b


def _url(model, view="changelist", *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_registered_changelist_renders(operator, some_of_everything):
    for model in admin.site._registry:
        response = operator.get(_url(model))
        assert response.status_code == 200, model
        assert operator.get(_url(model), {"q": "1"}).status_code == 200, model


def test_the_buyer_changelist_never_shows_a_clear_phone_or_name(operator, some_of_everything):
    html = operator.get(_url(Buyer)).content.decode()
    assert "138****5678" in html
    assert "13812345678" not in html
    assert "张三" not in html


def test_buyers_are_found_by_a_whole_phone_number(operator, some_of_everything):
    html = operator.get(_url(Buyer), {"q": "138 1234 5678"}).content.decode()
    assert some_of_everything.external_id in html
    assert "13812345678" not in html


def test_the_buyer_form_edits_personal_data_and_keeps_the_hash_in_step(
    operator, some_of_everything
):
    buyer = some_of_everything
    assert "13812345678" in operator.get(_url(Buyer, "change", buyer.pk)).content.decode()
    response = operator.post(
        _url(Buyer, "change", buyer.pk),
        {"external_id": buyer.external_id, "name": "李四", "phone": "13900001111", "address": ""},
    )
    assert response.status_code == 302
    fresh = Buyer.objects.get(pk=buyer.pk)
    assert (fresh.name, fresh.phone) == ("李四", "13900001111")
    from aftersales.core.pii import lookup_hash

    assert fresh.phone_hash == lookup_hash("13900001111", kind="phone")


def test_audit_events_and_idempotency_records_are_read_only(operator, some_of_everything):
    for model in (AuditEvent, IdempotencyRecord):
        obj = model.objects.first()
        assert operator.get(_url(model, "add")).status_code == 403
        assert operator.get(_url(model, "delete", obj.pk)).status_code == 403
        page = operator.get(_url(model, "change", obj.pk))
        assert page.status_code == 200  # view only
        assert 'name="_save"' not in page.content.decode()


def test_tokens_cannot_be_added_or_deleted_and_never_show_their_hash(operator, some_of_everything):
    token = ApiToken.objects.first()
    assert operator.get(_url(ApiToken, "add")).status_code == 403
    assert operator.get(_url(ApiToken, "delete", token.pk)).status_code == 403
    for page in (_url(ApiToken), _url(ApiToken, "change", token.pk)):
        assert token.token_hash not in operator.get(page).content.decode()


def test_revoke_action_revokes_the_selected_tokens(operator, some_of_everything):
    chosen = list(ApiToken.objects.values_list("pk", flat=True)[:2])
    response = operator.post(
        _url(ApiToken), {"action": "revoke", "_selected_action": chosen}, follow=True
    )
    assert response.status_code == 200
    assert set(
        ApiToken.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True)
    ) == set(chosen)


def test_the_user_forms_carry_the_role(operator):
    assert 'name="role"' in operator.get(_url(User, "add")).content.decode()
    staff = factories.user(Role.AGENT)
    assert 'name="role"' in operator.get(_url(User, "change", staff.pk)).content.decode()
