import copy

import pytest
from django.test import Client

from aftersales.policy.document import DEFAULT_DOCUMENT
from aftersales.policy.models import PolicyDraft, PolicyVersion
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    user = factories.user("admin", username="ops")
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def publish(client, draft):
    return client.post(
        "/admin/policy/policydraft/",
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )


def test_publishing_a_draft_from_the_admin_makes_the_next_version(admin_client):
    document = copy.deepcopy(DEFAULT_DOCUMENT)
    document["rules"]["quality_exchange"]["days"] = 20
    draft = PolicyDraft.objects.create(name="cn-default", document=document)
    response = publish(admin_client, draft)
    assert "Published cn-default@2" in response.content.decode()
    assert PolicyVersion.objects.filter(name="cn-default").count() == 2


def test_a_draft_below_the_law_is_not_published_and_says_why(admin_client):
    document = copy.deepcopy(DEFAULT_DOCUMENT)
    document["merchants"] = {"m-a": {"rules": {"no_reason_window": {"days": 3}}}}
    draft = PolicyDraft.objects.create(name="cn-default", document=document)
    response = publish(admin_client, draft)
    assert "NR-02" in response.content.decode()
    assert PolicyVersion.objects.filter(name="cn-default").count() == 1


def test_versions_are_shown_but_not_editable(admin_client):
    version = PolicyVersion.objects.get(name="cn-default", number=1)
    page = admin_client.get(f"/admin/policy/policyversion/{version.pk}/change/")
    assert page.status_code == 200
    assert "NR-02" in page.content.decode()
    assert admin_client.post(f"/admin/policy/policyversion/{version.pk}/delete/").status_code == 403
