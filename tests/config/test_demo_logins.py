"""The logins the demo prints work: each person logs in with the printed password and reaches
their portal's pages."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

from aftersales.accounts.models import User

pytestmark = pytest.mark.django_db

# role → the pages that person reaches after logging in (the first is where home sends them).
PORTAL_PAGES = {
    "buyer": ["/buyer/", "/buyer/orders/"],
    "merchant_admin": ["/merchant/", "/merchant/settings/", "/merchant/metrics/"],
    "merchant_staff": ["/merchant/", "/merchant/metrics/"],
    "agent": ["/desk/"],
    "specialist": ["/desk/", "/desk/policy/", "/desk/calendar/"],
}


def _printed_logins(out: str) -> tuple[str, dict[str, str]]:
    """The password and, for each role, the first username printed with it (the printed role
    is a label in the operator's language, so the role is read from the account)."""
    password = re.search(r"Demo logins \(password for all: (\S+)\)", out).group(1)
    block = out.split("Demo logins", 1)[1].split("\n\n", 1)[0]  # the table ends at a blank line
    names = [line.split()[0] for line in block.splitlines()[1:] if line.strip()]
    roles = dict(User.objects.filter(username__in=names).values_list("username", "role"))
    users: dict[str, str] = {}
    for name in names:
        users.setdefault(roles[name], name)
    return password, users


def test_the_demos_printed_logins_reach_their_portal_pages(capsys):
    call_command("demo", "--orders", "60", "--buyers", "6")
    password, users = _printed_logins(capsys.readouterr().out)
    assert set(PORTAL_PAGES) <= set(users), users
    for role, pages in PORTAL_PAGES.items():
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        response = client.post(
            "/login/", {"username": users[role], "password": password}, follow=True
        )
        assert response.redirect_chain, (role, "the login was refused")
        assert response.redirect_chain[-1][0] == pages[0], (role, response.redirect_chain)
        for page in pages:
            assert client.get(page).status_code == 200, (role, page)
