import pytest
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_a_user_logs_in_on_the_login_page():
    factories.user("agent", username="desk1", password="right-password-123")
    client = Client()
    response = login(client, "desk1", "right-password-123")
    assert response.status_code == 302
    # The home page sends each role to its portal: the desk's appeal queue for an agent.
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/desk/"


def test_repeated_failed_logins_lock_the_account_out(settings):
    factories.user("agent", username="desk2", password="right-password-123")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "desk2", "wrong")
    # Even the right password is refused while the lockout lasts.
    response = login(client, "desk2", "right-password-123")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert b"Too many attempts" in response.content or "尝试次数过多".encode() in response.content


def test_pages_need_a_login():
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_passwords_are_hashed_with_argon2_outside_tests():
    from aftersales.config import settings as production_settings

    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
