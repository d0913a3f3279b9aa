"""The inbox page: every logged-in person's messages unread first, mark-read with and without
JavaScript, preferences through notify's services, and the unread count in the navigation."""

import re

import pytest

from aftersales.accounts.models import Role
from aftersales.notify.models import InboxMessage, Preference
from tests import factories
from tests.cases import builders as b
from tests.notify.helpers import work
from tests.web.pages import buyer_client, client_for, desk_client

pytestmark = pytest.mark.django_db


def _steps() -> b.Opened:
    opened = b.open_case(type="return_refund")
    opened.act("merchant", "approve")
    work()
    return opened


def _titles(html: str) -> list[str]:
    return re.findall(r'<a href="/buyer/cases/\d+/">([^<]+)</a>', html)


def test_the_buyer_reads_unread_messages_first_then_newest_first():
    opened = _steps()
    received, approved = InboxMessage.objects.filter(buyer__external_id=opened.buyer).order_by(
        "created_at", "id"
    )
    approved.read_at = approved.created_at
    approved.save(update_fields=["read_at"])
    html = buyer_client(opened.buyer, "zh-hans").get("/inbox/").content.decode()
    assert _titles(html) == [received.title, approved.title]


def test_a_message_about_a_case_links_to_the_case_in_the_readers_portal():
    opened = _steps()
    html = buyer_client(opened.buyer).get("/inbox/").content.decode()
    assert f'href="/buyer/cases/{opened.id}/"' in html


def test_marking_read_without_javascript_is_a_form_post_back_to_the_inbox():
    opened = _steps()
    message = InboxMessage.objects.filter(buyer__external_id=opened.buyer).first()
    response = buyer_client(opened.buyer).post(f"/inbox/{message.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert InboxMessage.objects.get(pk=message.pk).read_at is not None


def test_marking_read_with_htmx_answers_the_row_and_the_navigation_count():
    opened = _steps()
    message = InboxMessage.objects.filter(buyer__external_id=opened.buyer).first()
    response = buyer_client(opened.buyer).post(f"/inbox/{message.pk}/read/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert f'id="message-{message.pk}"' in html and "Mark as read" not in html
    assert 'id="nav-inbox" hx-swap-oob="true"' in html
    assert re.search(r'id="unread-count"[^>]*>1<', html)


def test_another_persons_message_cannot_be_marked_read():
    mine, theirs = _steps(), _steps()
    message = InboxMessage.objects.filter(buyer__external_id=theirs.buyer).first()
    assert buyer_client(mine.buyer).post(f"/inbox/{message.pk}/read/").status_code == 404
    assert InboxMessage.objects.get(pk=message.pk).read_at is None


def test_the_navigation_shows_how_many_messages_are_unread():
    opened = _steps()
    html = buyer_client(opened.buyer).get("/buyer/").content.decode()
    assert re.search(r'id="unread-count"[^>]*>2<', html)


def test_preferences_are_saved_through_notify_and_unticked_boxes_turn_channels_off():
    opened = _steps()
    response = buyer_client(opened.buyer).post(
        "/inbox/preferences/", {"language": "en", "email": "1"}
    )
    assert response.status_code == 302
    pref = Preference.objects.get(recipient__startswith="b:")
    assert (pref.language, pref.email, pref.sms, pref.quiet_hours) == ("en", True, False, False)


def test_an_unknown_language_is_refused_inline():
    opened = _steps()
    response = buyer_client(opened.buyer).post("/inbox/preferences/", {"language": "fr"})
    assert response.status_code == 422
    assert "must be one of" in response.content.decode()


def test_merchant_staff_read_their_own_inbox():
    s = b.shop()
    staff = factories.user(Role.MERCHANT_STAFF, merchant=s.merchant)
    opened = b.open_case(s, type="return_refund")
    work()
    html = client_for(staff).get("/inbox/").content.decode()
    assert f'href="/merchant/cases/{opened.id}/"' in html


def test_the_desk_has_an_inbox_page_too():
    assert desk_client().get("/inbox/").status_code == 200
