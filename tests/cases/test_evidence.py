"""Evidence uploads: type from content, size limits, EXIF stripped, thumbnails, storage, and
visibility by role, all through HTTP."""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage, storages
from django.test import Client
from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo

from aftersales.accounts.models import Role
from aftersales.cases.models import CaseEvent, Evidence
from tests import factories
from tests.cases import factories_evidence as ev
from tests.config.processes import aftersales_env, python

pytestmark = pytest.mark.django_db

GPS = ExifTags.IFD.GPSInfo
ORIENTATION = ExifTags.Base.Orientation
# An MP4 as phones write it: an ftyp box (brand mp42), then the rest of the file.
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="30,15.5N"/></rdf:RDF></x:xmpmeta>'
)
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free" * 100


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Uploaded files land in this test's own folder."""
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def post_files(token: str, case_id: int, files: list, headers: dict | None = None, **fields):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for k, v in (headers or {}).items():
        extra["HTTP_" + k.upper().replace("-", "_")] = v
    return Client().post(f"/api/v1/cases/{case_id}/evidence", {"files": files, **fields}, **extra)


def get(token: str, path: str):
    return Client().get("/api/v1" + path, HTTP_AUTHORIZATION=f"Bearer {token}")


def jpeg_with_gps_taken_sideways() -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # the camera was turned: show it rotated 90° clockwise
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[GPS] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (30.0, 15.0, 30.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (120.0, 10.0, 5.0),
    }
    data = ev.image_bytes("JPEG", (64, 48), exif=exif, xmp=XMP)
    with Image.open(io.BytesIO(data)) as check:  # the test's own premise
        assert check.getexif().get_ifd(GPS)
        assert b"GPSLatitude" in check.info["xmp"]
    return data


def single_item(response) -> dict:
    assert response.status_code == 201, response.content
    (item,) = response.json()["items"]
    return item


def download(token: str, url: str):
    response = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    return response, b"".join(response.streaming_content)


# --- Photos -----------------------------------------------------------------------------------


def test_photo_location_is_stripped_from_what_is_stored():
    case = ev.case()
    token = factories.buyer_token(case.buyer)
    item = single_item(
        post_files(token, case.pk, [ev.upload("IMG_0001.jpg", jpeg_with_gps_taken_sideways())])
    )

    _, data = download(token, item["url"])
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif().get_ifd(GPS)
        assert len(stored.getexif()) == 0  # no camera, no time, no orientation left over
    assert b"PhoneMaker" not in data
    assert b"GPSLatitude" not in data  # nor in XMP


def test_png_metadata_is_stripped_too():
    case = ev.case()
    token = factories.buyer_token(case.buyer)
    exif = Image.Exif()
    exif[GPS] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (30.0, 1.0, 2.0)}
    text = PngInfo()
    text.add_text("Comment", "收货地址 浙江省杭州市")
    png = ev.image_bytes("PNG", exif=exif, pnginfo=text)
    item = single_item(post_files(token, case.pk, [ev.upload("a.png", png, "image/png")]))

    _, data = download(token, item["url"])
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.format == "PNG"
        assert len(stored.getexif()) == 0
        assert "Comment" not in stored.info


def test_photo_orientation_is_applied_before_the_metadata_goes():
    case = ev.case()
    token = factories.buyer_token(case.buyer)
    item = single_item(
        post_files(token, case.pk, [ev.upload("a.jpg", jpeg_with_gps_taken_sideways())])
    )

    _, data = download(token, item["url"])
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.size == (48, 64)  # upright: the 64×48 sensor image turned


def test_photo_gets_a_jpeg_thumbnail_of_at_most_320_px():
    case = ev.case()
    token = factories.buyer_token(case.buyer)
    big = ev.image_bytes("PNG", (1000, 500))
    item = single_item(post_files(token, case.pk, [ev.upload("big.png", big, "image/png")]))

    response, data = download(token, item["thumbnail_url"])
    assert response["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(data)) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (320, 160)


def test_sha256_and_size_are_those_of_the_stored_bytes():
    case = ev.case()
    token = factories.buyer_token(case.buyer)
    item = single_item(
        post_files(token, case.pk, [ev.upload("a.jpg", jpeg_with_gps_taken_sideways())])
    )

    _, data = download(token, item["url"])
    assert item["sha256"] == hashlib.sha256(data).hexdigest()
    assert item["size"] == len(data)


def test_a_damaged_photo_is_refused_naming_the_file(media):
    case = ev.case()
    token = factories.buyer_token(case.buyer)
    broken = ev.image_bytes("JPEG")[:40]  # a JPEG header and nothing after it

    response = post_files(token, case.pk, [ev.upload("broken.jpg", broken)])

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "files[0]"
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("side", [10_000, 20_000], ids=["over-the-limit", "over-twice-it"])
def test_a_photo_of_too_many_pixels_is_refused_before_it_is_decoded(side, media):
    case = ev.case()
    token = factories.buyer_token(case.buyer)

    # A PNG claiming side × side pixels in a few bytes: what a decompression bomb looks like.
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 99))

    response = post_files(token, case.pk, [ev.upload("bomb.png", bomb, "image/png")])

    assert response.status_code == 422
    assert "megapixels" in response.json()["errors"][0]["message"]
    assert stored_files(media) == []


# --- Type from content, not the name ---------------------------------------------------------


def test_a_pdf_named_jpg_is_stored_as_a_pdf():
    case = ev.case()
    token = factories.buyer_token(case.buyer)

    item = single_item(post_files(token, case.pk, [ev.upload("photo.jpg", ev.pdf_bytes())]))

    assert item["kind"] == "pdf"
    assert item["content_type"] == "application/pdf"
    assert item["thumbnail_url"] is None
    assert Evidence.objects.get().storage_key.endswith(".pdf")


@pytest.mark.parametrize(
    "header",
    [b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", b"\x7fELF\x02\x01\x01\x00"],
    ids=["exe", "elf"],
)
def test_an_executable_named_jpg_is_refused_with_415_and_nothing_is_stored(header, media):
    case = ev.case()
    token = factories.buyer_token(case.buyer)
    program = header + b"\x00" * 512

    response = post_files(token, case.pk, [ev.upload("cute-cat.jpg", program)])

    assert response.status_code == 415
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/unsupported-media-type"
    assert body["errors"][0]["field"] == "files[0]"
    assert "cute-cat.jpg" in body["errors"][0]["message"]
    assert not Evidence.objects.exists()
    assert not CaseEvent.objects.exists()
    assert stored_files(media) == []


def test_heic_is_refused_with_415_for_now():
    case = ev.case()
    token = factories.buyer_token(case.buyer)
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100

    response = post_files(token, case.pk, [ev.upload("IMG_0002.HEIC", heic, "image/heic")])

    assert response.status_code == 415
    assert response.json()["detected"] == "image/heic"


def test_one_bad_file_among_good_ones_stores_none_of_them(media):
    case = ev.case()
    token = factories.buyer_token(case.buyer)
    files = [
        ev.upload("a.jpg", ev.image_bytes("JPEG")),
        ev.upload("b.png", ev.image_bytes("PNG"), "image/png"),
        ev.upload("c.jpg", b"MZ" + b"\x00" * 200),
    ]

    response = post_files(token, case.pk, files)

    assert response.status_code == 415
    assert response.json()["errors"][0]["field"] == "files[2]"
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_a_video_is_stored_as_sent_without_a_thumbnail():
    case = ev.case()
    token = factories.buyer_token(case.buyer)

    item = single_item(post_files(token, case.pk, [ev.upload("clip.bin", MP4, "application/x")]))

    assert (item["kind"], item["content_type"], item["thumbnail_url"]) == (
        "video",
        "video/mp4",
        None,
    )
    response, data = download(token, item["url"])
    assert data == MP4
    assert response["Content-Type"] == "video/mp4"
    thumb = get(token, f"/cases/{case.pk}/evidence/{item['id']}/thumbnail")
    assert thumb.status_code == 404


# --- Sizes and counts -------------------------------------------------------------------------


def test_an_oversize_image_is_refused_naming_the_file(settings, media):
    settings.AFTERSALES_EVIDENCE_MAX_IMAGE_BYTES = 2000
    case = ev.case()
    token = factories.buyer_token(case.buyer)
    noise = Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    files = [ev.upload("small.jpg", ev.image_bytes("JPEG")), ev.upload("huge.png", out.getvalue())]

    response = post_files(token, case.pk, files)

    assert response.status_code == 413
    body = response.json()
    assert body["errors"][0]["field"] == "files[1]"
    assert "huge.png" in body["errors"][0]["message"]
    assert body["limit_bytes"] == 2000
    assert stored_files(media) == []


def test_the_size_limit_follows_the_sniffed_kind_not_the_name(settings):
    settings.AFTERSALES_EVIDENCE_MAX_IMAGE_BYTES = 100  # a PDF named .jpg is held to the PDF's
    case = ev.case()
    token = factories.buyer_token(case.buyer)

    response = post_files(token, case.pk, [ev.upload("scan.jpg", ev.pdf_bytes())])

    assert response.status_code == 201


def test_more_than_nine_files_are_refused(media):
    case = ev.case()
    token = factories.buyer_token(case.buyer)
    files = [ev.upload(f"{i}.jpg", ev.image_bytes("JPEG")) for i in range(10)]

    response = post_files(token, case.pk, files)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "files"
    assert stored_files(media) == []


def test_an_upload_over_the_1mb_api_limit_is_accepted_on_the_evidence_route():
    case = ev.case()
    token = factories.buyer_token(case.buyer)
    noise = Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    assert len(out.getvalue()) > 1_048_576

    response = post_files(token, case.pk, [ev.upload("noise.png", out.getvalue(), "image/png")])

    assert response.status_code == 201


def test_a_large_upload_with_an_idempotency_key_is_answered_once():
    case = ev.case()
    token = factories.buyer_token(case.buyer)
    noise = Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    key = {"Idempotency-Key": "upload-1"}

    def send():
        return post_files(token, case.pk, [ev.upload("n.png", out.getvalue())], headers=key)

    first, again = send(), send()

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Evidence.objects.count() == 1


def test_an_upload_over_the_upload_limit_is_413_before_it_is_read(settings):
    settings.AFTERSALES_MAX_UPLOAD_BYTES = 10_000
    case = ev.case()
    token = factories.buyer_token(case.buyer)
    noise = Image.frombytes("RGB", (100, 100), os.urandom(100 * 100 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG")

    response = post_files(token, case.pk, [ev.upload("n.png", out.getvalue())])

    assert response.status_code == 413
    assert response.json()["type"] == "/problems/payload-too-large"


# --- PDFs -------------------------------------------------------------------------------------


def _object_stream_pdf(content: bytes) -> bytes:
    packed = zlib.compress(content)
    return (
        b"%PDF-1.5\n4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
        + str(len(packed)).encode()
        + b" >>\nstream\n"
        + packed
        + b"\nendstream\nendobj\n"
        + ev.pdf_bytes()[len(b"%PDF-1.4\n") :]
    )


@pytest.mark.parametrize(
    "pdf",
    [
        ev.pdf_bytes(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
        ev.pdf_bytes(b"/OpenAction << /S /Java#53cript /J#53 (app.alert(1)) >>"),
        _object_stream_pdf(b"5 0 << /S /JavaScript /JS (app.alert(1)) >>"),
    ],
    ids=["plain", "escaped-names", "in-object-stream"],
)
def test_a_pdf_with_javascript_is_refused(pdf, media):
    case = ev.case()
    token = factories.buyer_token(case.buyer)

    response = post_files(token, case.pk, [ev.upload("invoice.pdf", pdf, "application/pdf")])

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "files[0]"
    assert "JavaScript" in response.json()["errors"][0]["message"]
    assert stored_files(media) == []


def test_a_pdf_is_downloaded_as_an_attachment_with_its_bytes():
    case = ev.case()
    token = factories.buyer_token(case.buyer)
    pdf = ev.pdf_bytes()
    item = single_item(post_files(token, case.pk, [ev.upload("x.pdf", pdf, "application/pdf")]))

    response, data = download(token, item["url"])

    assert data == pdf
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"evidence-{item['id']}.pdf" in response["Content-Disposition"]


# --- Tenancy and visibility -------------------------------------------------------------------


def test_download_returns_the_bytes_with_their_content_type():
    case = ev.case()
    token = factories.buyer_token(case.buyer)
    item = single_item(post_files(token, case.pk, [ev.upload("a.webp", ev.image_bytes("WEBP"))]))

    response, data = download(token, item["url"])

    assert response["Content-Type"] == "image/webp"
    assert response["Content-Disposition"].startswith("inline;")
    assert Image.open(io.BytesIO(data)).format == "WEBP"


def test_another_merchants_token_gets_404():
    case = ev.case()
    item = single_item(
        post_files(
            factories.merchant_token(case.merchant), case.pk, [ev.upload("a.jpg", ev.image_bytes())]
        )
    )
    other = factories.merchant_token(factories.merchant())

    assert post_files(other, case.pk, [ev.upload("b.jpg", ev.image_bytes())]).status_code == 404
    assert get(other, f"/cases/{case.pk}/evidence").status_code == 404
    assert get(other, f"/cases/{case.pk}/evidence/{item['id']}/file").status_code == 404
    assert Evidence.objects.count() == 1


def test_a_buyer_cannot_add_to_another_buyers_case():
    case = ev.case()
    stranger = factories.buyer_token(factories.buyer())

    response = post_files(stranger, case.pk, [ev.upload("a.jpg", ev.image_bytes())])

    assert response.status_code == 404
    assert not Evidence.objects.exists()


def test_buyer_and_platform_evidence_is_hidden_from_the_merchant():
    case = ev.case()
    buyer = factories.buyer_token(case.buyer)
    merchant = factories.merchant_token(case.merchant)
    item = single_item(
        post_files(
            buyer, case.pk, [ev.upload("a.jpg", ev.image_bytes())], visibility="buyer_and_platform"
        )
    )

    assert get(merchant, f"/cases/{case.pk}/evidence").json()["items"] == []
    assert get(merchant, f"/cases/{case.pk}/evidence/{item['id']}/file").status_code == 404
    assert get(merchant, f"/cases/{case.pk}/evidence/{item['id']}/thumbnail").status_code == 404


def test_the_merchant_does_not_even_see_that_buyer_only_evidence_was_added():
    case = ev.case()
    buyer = factories.buyer_token(case.buyer)
    merchant = factories.merchant_token(case.merchant)
    post_files(
        buyer, case.pk, [ev.upload("a.jpg", ev.image_bytes())], visibility="buyer_and_platform"
    )

    def actions(token):
        return [e["action"] for e in get(token, f"/cases/{case.pk}/events").json()["items"]]

    assert "evidence_added" not in actions(merchant)
    assert "evidence_added" in actions(buyer)
    assert "evidence_added" in actions(factories.platform_token())


def test_buyer_and_platform_evidence_is_seen_by_the_buyer_and_the_platform():
    case = ev.case()
    buyer = factories.buyer_token(case.buyer)
    item = single_item(
        post_files(
            buyer, case.pk, [ev.upload("a.jpg", ev.image_bytes())], visibility="buyer_and_platform"
        )
    )

    for token in (buyer, factories.platform_token()):
        listed = get(token, f"/cases/{case.pk}/evidence").json()["items"]
        assert [i["id"] for i in listed] == [item["id"]]


def test_merchant_and_platform_evidence_is_hidden_from_the_buyer():
    case = ev.case()
    merchant = factories.merchant_token(case.merchant)
    item = single_item(
        post_files(
            merchant,
            case.pk,
            [ev.upload("a.jpg", ev.image_bytes())],
            visibility="merchant_and_platform",
        )
    )
    buyer = factories.buyer_token(case.buyer)

    assert get(buyer, f"/cases/{case.pk}/evidence").json()["items"] == []
    assert get(buyer, f"/cases/{case.pk}/evidence/{item['id']}/file").status_code == 404
    assert len(get(merchant, f"/cases/{case.pk}/evidence").json()["items"]) == 1


def test_a_merchant_may_not_choose_buyer_and_platform():
    case = ev.case()
    merchant = factories.merchant_token(case.merchant)

    response = post_files(
        merchant, case.pk, [ev.upload("a.jpg", ev.image_bytes())], visibility="buyer_and_platform"
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "visibility"


def test_only_platform_staff_may_choose_platform_only():
    case = ev.case()
    buyer = factories.buyer_token(case.buyer)
    agent = factories.user_token(factories.user(Role.AGENT))

    refused = post_files(
        buyer, case.pk, [ev.upload("a.jpg", ev.image_bytes())], visibility="platform"
    )
    item = single_item(
        post_files(agent, case.pk, [ev.upload("a.jpg", ev.image_bytes())], visibility="platform")
    )

    assert refused.status_code == 422
    assert get(buyer, f"/cases/{case.pk}/evidence/{item['id']}/file").status_code == 404
    merchant = factories.merchant_token(case.merchant)
    assert get(merchant, f"/cases/{case.pk}/evidence").json()["items"] == []


def test_an_unknown_visibility_is_422():
    case = ev.case()
    buyer = factories.buyer_token(case.buyer)

    response = post_files(buyer, case.pk, [ev.upload("a.jpg", ev.image_bytes())], visibility="me")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "visibility"


def test_the_list_is_cursor_paginated():
    case = ev.case()
    buyer = factories.buyer_token(case.buyer)
    post_files(buyer, case.pk, [ev.upload(f"{i}.jpg", ev.image_bytes()) for i in range(3)])

    first = get(buyer, f"/cases/{case.pk}/evidence?limit=2").json()
    rest = get(buyer, f"/cases/{case.pk}/evidence?limit=2&cursor={first['next_cursor']}").json()

    assert len(first["items"]) == 2
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None


# --- Event, storage keys, failures ------------------------------------------------------------


def test_an_upload_records_one_evidence_added_event():
    case = ev.case()
    buyer = factories.buyer_token(case.buyer)
    response = post_files(
        buyer,
        case.pk,
        [ev.upload("a.jpg", ev.image_bytes()), ev.upload("b.pdf", ev.pdf_bytes())],
        note="外包装破损",
    )
    ids = [i["id"] for i in response.json()["items"]]

    (event,) = CaseEvent.objects.filter(case=case)
    assert event.action == "evidence_added"
    assert event.payload["evidence_ids"] == ids
    assert event.note == "外包装破损"
    assert (event.from_state, event.to_state) == (case.state, case.state)


def test_a_note_on_one_sided_evidence_stays_out_of_the_shared_event_log():
    case = ev.case()
    buyer = factories.buyer_token(case.buyer)
    post_files(
        buyer,
        case.pk,
        [ev.upload("a.jpg", ev.image_bytes())],
        note="只给平台看",
        visibility="buyer_and_platform",
    )

    event = CaseEvent.objects.get(case=case)
    assert event.note == ""
    assert Evidence.objects.get().note == "只给平台看"


def test_storage_keys_are_random_under_merchant_and_case_never_the_users_name():
    case = ev.case()
    buyer = factories.buyer_token(case.buyer)
    post_files(buyer, case.pk, [ev.upload("../../etc/passwd.jpg", ev.image_bytes())])

    evidence = Evidence.objects.get()
    prefix = f"evidence/{case.merchant_id}/{case.pk}/"
    assert evidence.storage_key.startswith(prefix)
    assert evidence.thumbnail_key.startswith(prefix)
    assert "passwd" not in evidence.storage_key


def test_a_storage_failure_midway_deletes_what_was_stored(monkeypatch, media):
    case = ev.case()
    buyer = factories.buyer_token(case.buyer)
    real_save = FileSystemStorage.save
    calls = []

    def failing_save(self, name, content, max_length=None):
        calls.append(name)
        if len(calls) == 3:  # the first photo and its thumbnail are in; the second fails
            raise OSError("disk full")
        return real_save(self, name, content, max_length=max_length)

    monkeypatch.setattr(FileSystemStorage, "save", failing_save)
    files = [ev.upload("a.jpg", ev.image_bytes()), ev.upload("b.jpg", ev.image_bytes())]

    response = post_files(buyer, case.pk, files)

    assert response.status_code == 500
    assert len(calls) == 3
    assert stored_files(media) == []
    assert not Evidence.objects.exists()
    assert not CaseEvent.objects.exists()


def test_a_closed_case_takes_no_more_evidence():
    case = ev.case(state="closed")
    case.closed_at = case.opened_at
    case.save(update_fields=["closed_at"])
    buyer = factories.buyer_token(case.buyer)

    response = post_files(buyer, case.pk, [ev.upload("a.jpg", ev.image_bytes())])

    assert response.status_code == 409


def test_files_are_written_to_the_default_storage(media):
    case = ev.case()
    buyer = factories.buyer_token(case.buyer)
    post_files(buyer, case.pk, [ev.upload("a.jpg", ev.image_bytes())])

    evidence = Evidence.objects.get()
    assert storages["default"].exists(evidence.storage_key)
    assert (media / evidence.storage_key).is_file()


# --- Settings ---------------------------------------------------------------------------------


def test_an_s3_bucket_setting_switches_the_default_storage_to_s3(tmp_path):
    env = aftersales_env(
        tmp_path / "var",
        AFTERSALES_S3_BUCKET="evidence-bucket",
        AFTERSALES_S3_ENDPOINT_URL="https://oss-cn-hangzhou.aliyuncs.com",
        AFTERSALES_S3_ACCESS_KEY_ID="AKID",
        AFTERSALES_S3_SECRET_ACCESS_KEY="secret",
        AFTERSALES_S3_REGION="cn-hangzhou",
    )
    code = (
        "import json\n"
        "from django.conf import settings\n"
        "from django.core.files.storage import storages\n"
        "s = storages['default']\n"
        "print(json.dumps({'backend': settings.STORAGES['default']['BACKEND'],"
        " 'cls': type(s).__name__, 'bucket': s.bucket_name, 'endpoint': s.endpoint_url,"
        " 'region': s.region_name, 'key': s.access_key, 'acl': s.default_acl}))"
    )
    done = python(code, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "backend": "storages.backends.s3.S3Storage",
        "cls": "S3Storage",
        "bucket": "evidence-bucket",
        "endpoint": "https://oss-cn-hangzhou.aliyuncs.com",
        "region": "cn-hangzhou",
        "key": "AKID",
        "acl": None,
    }


def test_without_a_bucket_the_default_storage_is_the_filesystem_under_var(tmp_path):
    env = aftersales_env(tmp_path / "var")
    code = (
        "from django.conf import settings\n"
        "d = settings.STORAGES['default']\n"
        "print(d['BACKEND'], d['OPTIONS']['location'])"
    )
    done = python(code, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "django.core.files.storage.FileSystemStorage",
        str(tmp_path / "var" / "media"),
    ]
