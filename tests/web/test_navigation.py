"""Every role's navigation links only to pages that role may open: no link leads to a 403."""

import re

import pytest

from aftersales.accounts.models import Role
from tests import factories
from tests.web.pages import client_for

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<nav aria-label="[^"]*">(.*?)</nav>', re.S)


def _user(role: str):
    if role == Role.BUYER:
        return factories.user(role, buyer=factories.buyer())
    return factories.user(role)


def _nav_links(client) -> list[str]:
    response = client.get("/", follow=True)
    assert response.status_code == 200
    found = NAV.search(response.content.decode())
    return re.findall(r'href="([^"]+)"', found.group(1)) if found else []


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_link_in_a_roles_navigation_opens(role):
    client = client_for(_user(role))
    for href in _nav_links(client):
        assert client.get(href).status_code == 200, (role, href)


@pytest.mark.parametrize("role", [Role.QUALITY, Role.RISK])
def test_roles_without_a_portal_are_not_shown_the_desks_pages(role):
    links = _nav_links(client_for(_user(role)))
    assert not any(href.startswith(("/desk/", "/inbox/")) for href in links)
