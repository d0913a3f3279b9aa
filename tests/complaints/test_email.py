"""Email intake: raw RFC 822 messages parsed, matched to the customer, threaded, kept."""

from __future__ import annotations

import os

from aftersales.complaints.models import (
    Complaint,
    ComplaintEvidence,
    ComplaintMessage,
    ContactIdentity,
    InboundEmail,
)
from tests import factories
from tests.complaints.conftest import file
from tests.complaints.mailkit import EXE, message, png, post


def test_an_email_opens_a_complaint_on_the_email_channel(db, connector):
    response = post(connector, message())
    assert response.status_code == 202
    body = response.json()
    assert body["state"] == "accepted"
    complaint = Complaint.objects.get(pk=body["complaint_id"])
    assert complaint.channel == "email"
    assert "左耳没有声音" in complaint.messages.get().text
    assert complaint.messages.get().email_message_id == "m1@mail.example.com"


def test_the_sender_known_by_address_joins_their_own_timeline(db, connector):
    known = file(connector, customer="b-known", email="li.lei@example.com").json()
    body = post(connector, message()).json()
    assert body["customer"] == known["customer"] == "b-known"


def test_an_unknown_sender_gets_a_new_timeline_and_is_known_next_time(db, connector):
    first = post(connector, message()).json()
    second = post(connector, message(message_id="<m2@mail.example.com>", subject="另一件事")).json()
    assert first["customer"].startswith("mail-")
    assert second["customer"] == first["customer"]
    assert "li.lei" not in first["customer"]  # the id does not spell the address out


def test_an_order_number_in_the_subject_matches_the_order_and_its_customer(db, connector, order_of):
    order_of("ORD-20260301-7", buyer="b-order")
    body = post(connector, message(subject="订单 ORD-20260301-7 耳机坏了")).json()
    complaint = Complaint.objects.get(pk=body["complaint_id"])
    assert complaint.order.external_id == "ORD-20260301-7"
    assert body["customer"] == "b-order"


def test_an_order_number_in_the_body_matches_too(db, connector, order_of):
    order_of("ORD-42", buyer="b-order")
    body = post(connector, message(text="我的订单号是 ORD-42，收到就坏了")).json()
    assert Complaint.objects.get(pk=body["complaint_id"]).order.external_id == "ORD-42"


def test_a_stranger_naming_an_order_is_not_remembered_as_its_buyers_address(
    db, connector, order_of
):
    order_of("ORD-42", buyer="b-order")
    post(connector, message(subject="ORD-42"))
    assert not ContactIdentity.objects.filter(value="li.lei@example.com").exists()


def test_a_known_sender_is_not_matched_to_another_customers_order(db, connector, order_of):
    order_of("ORD-42", buyer="b-order")
    file(connector, customer="b-known", email="li.lei@example.com")
    body = post(connector, message(subject="ORD-42 的问题")).json()
    assert body["customer"] == "b-known"
    assert Complaint.objects.get(pk=body["complaint_id"]).order is None


def test_an_email_about_an_order_with_an_open_complaint_joins_it(db, connector, order_of):
    order_of("ORD-42", buyer="b-order")
    opened = file(connector, customer="b-order", order="ORD-42", channel="chat").json()
    body = post(connector, message(subject="ORD-42 还没处理")).json()
    assert body["complaint_id"] == opened["id"]


def test_a_reply_joins_its_complaint_by_in_reply_to(db, connector):
    first = post(connector, message()).json()
    reply = message(
        message_id="<m2@mail.example.com>",
        subject="Re: 耳机坏了",
        text="还有右耳也有杂音\n\nOn Mon, 9 Mar 2026 李雷 wrote:\n> 左耳没有声音",
        in_reply_to="<m1@mail.example.com>",
    )
    body = post(connector, reply).json()
    assert body["complaint_id"] == first["complaint_id"]
    assert body["threaded"] is True
    texts = list(ComplaintMessage.objects.order_by("pk").values_list("text", flat=True))
    assert len(texts) == 2
    assert "右耳" in texts[1] and "左耳没有声音" not in texts[1]  # the quote is left out


def test_a_reply_joins_its_complaint_by_references(db, connector):
    first = post(connector, message()).json()
    reply = message(
        sender="someone.else@example.com",
        message_id="<m3@mail.example.com>",
        subject="Fwd",
        references="<unknown@x> <m1@mail.example.com>",
    )
    assert post(connector, reply).json()["complaint_id"] == first["complaint_id"]


def test_an_html_only_email_is_read_as_text(db, connector):
    html = (
        "<html><head><style>p{color:red}</style></head><body><p>屏幕&nbsp;碎了</p>"
        "<p>请<b>尽快</b>处理</p><script>alert(1)</script></body></html>"
    )
    body = post(connector, message(text=None, html=html)).json()
    text = Complaint.objects.get(pk=body["complaint_id"]).messages.get().text
    assert "屏幕 碎了" in text and "请尽快处理" in text
    assert "<p>" not in text and "alert" not in text and "color" not in text


def test_the_same_message_id_twice_is_taken_once(db, connector):
    first = post(connector, message())
    again = post(connector, message())
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["duplicate"] is True and again.json()["id"] == first.json()["id"]
    assert ComplaintMessage.objects.count() == 1 and InboundEmail.objects.count() == 1


def test_bytes_that_are_not_an_email_are_kept_and_listed_for_an_agent(db, connector, desk):
    garbage = b"\x00\x01\x02 not a mail at all \xff\xfe"
    response = post(connector, garbage)
    assert response.status_code == 202
    assert response.json()["state"] == "unparsed"
    assert response.json()["error"]
    listed = desk().get("/inbound/email", state="unparsed").json()["items"]
    assert [i["id"] for i in listed] == [response.json()["id"]]
    raw = desk().get(f"/inbound/email/{response.json()['id']}/raw")
    assert raw["Content-Type"] == "message/rfc822"
    assert b"".join(raw.streaming_content if raw.streaming else [raw.content]) == garbage


def test_an_email_without_a_sender_address_is_kept_unparsed_with_the_reason(db, connector):
    body = post(connector, message(sender="")).json()
    assert body["state"] == "unparsed"
    assert "From" in body["error"]
    assert Complaint.objects.count() == 0
    assert bytes(InboundEmail.objects.get().raw).startswith(b"To:")


def test_an_unparsed_email_arriving_twice_is_kept_once(db, connector):
    post(connector, b"garbage")
    assert post(connector, b"garbage").status_code == 200
    assert InboundEmail.objects.count() == 1


def test_an_agent_dismisses_an_unparsed_email_with_a_note(db, connector, desk):
    eid = post(connector, b"garbage").json()["id"]
    agent = desk()
    assert agent.post(f"/inbound/email/{eid}/dismiss", {"note": "spam"}).json()["state"] == (
        "dismissed"
    )
    assert agent.get("/inbound/email", state="unparsed").json()["items"] == []
    assert agent.post(f"/inbound/email/{eid}/dismiss", {"note": "again"}).status_code == 409


def test_an_accepted_attachment_becomes_evidence_of_the_complaint(db, connector):
    raw = message(attachments=(("photo.png", "image/png", png()),))
    body = post(connector, raw).json()
    (attachment,) = body["attachments"]
    assert attachment["accepted"] is True and attachment["content_type"] == "image/png"
    evidence = ComplaintEvidence.objects.get(pk=attachment["evidence_id"])
    assert (evidence.complaint_id, evidence.source, evidence.kind) == (
        body["complaint_id"],
        "email",
        "image",
    )


def test_a_malicious_attachment_is_refused_with_a_reason_and_the_message_kept(db, connector):
    # An executable named like a photo: its bytes say what it is.
    raw = message(attachments=(("photo.jpg", "image/jpeg", EXE),))
    response = post(connector, raw)
    assert response.status_code == 202
    body = response.json()
    (attachment,) = body["attachments"]
    assert attachment["accepted"] is False and attachment["evidence_id"] is None
    assert "photo.jpg" in attachment["reason"]
    assert body["state"] == "accepted" and body["complaint_id"] is not None
    assert ComplaintEvidence.objects.count() == 0
    assert Complaint.objects.get().messages.count() == 1


def test_a_pdf_with_javascript_is_refused_with_the_reason(db, connector):
    pdf = b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n%%EOF"
    body = post(connector, message(attachments=(("a.pdf", "application/pdf", pdf),))).json()
    assert "JavaScript" in body["attachments"][0]["reason"]


def test_an_oversize_attachment_is_refused_with_a_reason_and_the_rest_kept(db, connector, settings):
    settings.AFTERSALES_EVIDENCE_MAX_IMAGE_BYTES = 200
    raw = message(
        attachments=(
            ("big.png", "image/png", png((400, 400))),
            ("ok.pdf", "application/pdf", b"%PDF-1.4\n%%EOF"),
        )
    )
    body = post(connector, raw).json()
    big, ok = body["attachments"]
    assert big["accepted"] is False and "at most 200 bytes" in big["reason"]
    assert ok["accepted"] is True
    assert ComplaintEvidence.objects.count() == 1


def test_a_message_over_the_email_limit_is_refused_whole(db, connector, settings):
    settings.AFTERSALES_INBOUND_EMAIL_MAX_BYTES = 2000
    raw = message(attachments=(("p.bin", "application/octet-stream", os.urandom(3000)),))
    response = post(connector, raw)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert InboundEmail.objects.count() == 0


def test_a_message_over_the_api_limit_but_under_the_email_limit_is_taken(db, connector, settings):
    settings.AFTERSALES_MAX_REQUEST_BYTES = 1000  # what other /api bodies are held to
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    raw = message(attachments=(("p.bin", "application/octet-stream", os.urandom(3000)),))
    assert post(connector, raw).status_code == 202


def test_only_a_platform_token_posts_raw_email(db, desk):
    response = post(desk(), message())
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_a_merchant_does_not_read_inbound_mail(db, api, connector, shop):
    post(connector, b"garbage")
    assert api(factories.merchant_token(shop)).get("/inbound/email").status_code == 403
