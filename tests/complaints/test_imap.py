"""`aftersales mail fetch`: the IMAP mailbox read with the real imaplib against a small fake
IMAP server, into the same intake as the inbound endpoint."""

from __future__ import annotations

import imaplib
from io import StringIO

import pytest
from django.core.management import call_command

from aftersales.complaints import imap
from aftersales.complaints.models import Complaint, ComplaintMessage, InboundEmail
from tests.complaints.conftest import at
from tests.complaints.fake_imap import FakeImapServer, Mailbox
from tests.complaints.mailkit import message


@pytest.fixture
def mailbox(settings):
    box = Mailbox()
    with FakeImapServer(box) as server:
        settings.AFTERSALES_IMAP_HOST = "127.0.0.1"
        settings.AFTERSALES_IMAP_PORT = server.port
        settings.AFTERSALES_IMAP_SSL = False
        settings.AFTERSALES_IMAP_USER = box.user
        settings.AFTERSALES_IMAP_PASSWORD = box.password
        settings.AFTERSALES_IMAP_FOLDER = box.folder
        yield box


def test_fetch_takes_unseen_mail_into_timelines_and_marks_it_seen(db, mailbox):
    mailbox.add(message())
    mailbox.add(message(message_id="<m2@mail.example.com>", subject="第二封"))
    result = imap.fetch()
    assert (result.seen, result.new) == (2, 2)
    assert ComplaintMessage.objects.filter(channel="email").count() == 2
    assert all("\\Seen" in m.flags for m in mailbox.mails.values())
    assert set(InboundEmail.objects.values_list("source", flat=True)) == {"imap"}


def test_fetching_again_takes_nothing_new(db, mailbox):
    mailbox.add(message())
    imap.fetch()
    mailbox.mails[1].flags.clear()  # someone marked it unread in their mail client
    result = imap.fetch()
    assert (result.new, result.duplicates) == (0, 1)
    assert ComplaintMessage.objects.count() == 1


def test_a_fetch_cut_short_before_marking_seen_takes_nothing_twice(db, mailbox):
    mailbox.add(message())
    mailbox.refuse_store = 1
    with pytest.raises(imaplib.IMAP4.error):
        imap.fetch()
    assert "\\Seen" not in mailbox.mails[1].flags  # taken, but not marked
    result = imap.fetch()
    assert (result.new, result.duplicates) == (0, 1)
    assert "\\Seen" in mailbox.mails[1].flags
    assert Complaint.objects.count() == 1


def test_the_mail_servers_arrival_time_starts_the_sla_clock(db, mailbox, travel):
    travel(at(2026, 3, 10, 9, 0))
    mailbox.add(message(), internaldate="06-Mar-2026 17:00:00 +0800")
    imap.fetch()
    assert Complaint.objects.get().received_at == at(2026, 3, 6, 17, 0)


def test_an_unreadable_mail_is_kept_and_marked_seen(db, mailbox):
    mailbox.add(b"\x00\x01 not mail")
    result = imap.fetch()
    assert result.unparsed == 1
    assert InboundEmail.objects.get().state == "unparsed"
    assert "\\Seen" in mailbox.mails[1].flags


def test_the_command_prints_what_it_fetched(db, mailbox):
    mailbox.add(message())
    out = StringIO()
    call_command("mail", "fetch", stdout=out)
    assert out.getvalue().strip() == "1 fetched: 1 new, 0 unparsed, 0 seen before"


def test_the_command_says_which_settings_are_missing(db, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.AFTERSALES_IMAP_HOST = ""
    with pytest.raises(ImproperlyConfigured, match="AFTERSALES_IMAP_HOST"):
        call_command("mail", "fetch")


def test_a_wrong_password_is_an_error_not_a_silent_nothing(db, mailbox, settings):
    from django.core.management.base import CommandError

    settings.AFTERSALES_IMAP_PASSWORD = "wrong"
    with pytest.raises(CommandError, match="mail fetch"):
        call_command("mail", "fetch")
