import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_pages_speak_simplified_chinese_by_default():
    page = Client().get("/login/").content.decode()
    assert "用户名" in page and "密码" in page


def test_pages_follow_the_browsers_language():
    page = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Username" in page


def test_the_language_switch_remembers_the_choice():
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert "Username" in client.get("/login/").content.decode()
