"""The desk's "Unparsed mail" page: kept-but-unparsed inbound mail (received time, sender as
given, the reason), the raw message to download, a dismiss form with a note (audited, the same
service as the API) and the API's permission: the service desk only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.actors import PLATFORM_INTEGRATION, Actor
from aftersales.accounts.models import Role
from aftersales.complaints import mail
from aftersales.complaints.models import InboundEmail
from aftersales.core.models import AuditEvent
from tests import factories
from tests.cases import builders as b
from tests.web.pages import client_for

pytestmark = pytest.mark.django_db

CONNECTOR = Actor(kind="token", role=PLATFORM_INTEGRATION, label="mail relay")
# Session, user, unread count; the unparsed mail (without its raw bytes).
PAGE_STATEMENTS = 4
NO_SENDER = b"To: service@example.com\r\nSubject: =?utf-8?b?5oqV6K+J?=\r\n\r\nhello\r\n"


def _kept(raw: bytes = b"\x00\x01 not a mail \xff") -> InboundEmail:
    row, _ = mail.ingest(raw, actor=CONNECTOR, source="endpoint")
    assert row.state == "unparsed"
    return row


def _agent():
    return client_for(factories.user(Role.AGENT))


def test_the_page_lists_unparsed_mail_with_its_reason(db):
    row = _kept(NO_SENDER)
    page = _agent().get("/desk/mail/unparsed/").content.decode()
    assert f'id="mail-{row.pk}"' in page and "From" in row.error and row.error in page


def test_mail_taken_into_a_timeline_is_not_listed(db):
    kept = _kept()
    other = _kept(b"more garbage")
    InboundEmail.objects.filter(pk=other.pk).update(state="accepted")
    page = _agent().get("/desk/mail/unparsed/").content.decode()
    assert f'id="mail-{kept.pk}"' in page and f'id="mail-{other.pk}"' not in page


def test_the_complaint_queue_links_to_the_unparsed_mail(db):
    assert 'href="/desk/mail/unparsed/"' in _agent().get("/desk/complaints/").content.decode()


def test_the_raw_message_downloads_exactly_as_it_arrived(db):
    raw = b"\x00\x01 exactly these bytes \xff"
    row = _kept(raw)
    response = _agent().get(f"/desk/mail/{row.pk}/raw/")
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"] == f'attachment; filename="email-{row.pk}.eml"'
    assert response.content == raw


def test_dismissing_with_a_note_takes_the_mail_off_the_list_and_is_audited(db):
    row = _kept()
    client = _agent()
    response = client.post(f"/desk/mail/{row.pk}/dismiss/", {"note": "垃圾邮件"})
    assert response.status_code == 302
    assert InboundEmail.objects.get(pk=row.pk).handled_note == "垃圾邮件"
    assert AuditEvent.objects.filter(action="inbound_email.dismissed").count() == 1
    assert f'id="mail-{row.pk}"' not in client.get("/desk/mail/unparsed/").content.decode()


def test_dismissing_without_a_note_is_refused_and_the_mail_stays(db):
    row = _kept()
    response = _agent().post(f"/desk/mail/{row.pk}/dismiss/", {"note": "  "})
    assert response.status_code == 422
    assert InboundEmail.objects.get(pk=row.pk).state == "unparsed"


def test_dismissing_twice_is_a_409(db):
    row = _kept()
    client = _agent()
    client.post(f"/desk/mail/{row.pk}/dismiss/", {"note": "已电话回复"})
    assert client.post(f"/desk/mail/{row.pk}/dismiss/", {"note": "again"}).status_code == 409


def test_a_merchant_cannot_open_the_unparsed_mail(db):
    row = _kept()
    shop = b.shop()
    client = client_for(factories.user(Role.MERCHANT_ADMIN, merchant=shop.merchant))
    assert client.get("/desk/mail/unparsed/").status_code == 403
    assert client.get(f"/desk/mail/{row.pk}/raw/").status_code == 403


def test_a_dismiss_without_the_csrf_token_is_refused(db):
    row = _kept()
    client = Client(enforce_csrf_checks=True)
    client.force_login(factories.user(Role.AGENT))
    assert client.post(f"/desk/mail/{row.pk}/dismiss/", {"note": "spam"}).status_code == 403
    assert InboundEmail.objects.get(pk=row.pk).state == "unparsed"


def test_mail_that_is_not_there_is_the_404_page(db):
    assert _agent().get("/desk/mail/999999/raw/").status_code == 404


def test_the_page_speaks_chinese_to_a_chinese_desk(db):
    _kept()
    client = client_for(factories.user(Role.AGENT), "zh-hans")
    assert "未解析邮件" in client.get("/desk/mail/unparsed/").content.decode()


def test_the_page_costs_the_same_statements_however_many_mails(db):
    client = _agent()
    _kept(b"first")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/desk/mail/unparsed/").status_code == 200
        return len(queries)

    one = count()
    for n in range(4):
        _kept(f"garbage {n}".encode())
    assert count() == one == PAGE_STATEMENTS
