"""Cases for the evidence tests, made straight with the ORM (no flow involved), and the files
to upload, made in memory."""

from __future__ import annotations

import io
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.accounts.models import Merchant
from aftersales.cases.models import Case
from aftersales.orders.services import upsert_order
from tests import factories
from tests.orders.factories import order_json

_seq = itertools.count(1)


def case(*, merchant: Merchant | None = None, state: str = "requested") -> Case:
    """A case on a fresh order of a fresh buyer."""
    m = merchant or factories.merchant()
    n = next(_seq)
    order, _ = upsert_order(
        actor=SYSTEM_ACTOR,
        data=order_json(
            merchant=m.code,
            buyer={
                "external_id": f"b-ev-{n}",
                "name": "张三",
                "phone": "13812345678",
                "address": "浙江省杭州市西湖区文三路 1 号",
            },
        ),
    )
    return Case.objects.create(
        merchant=m,
        buyer=order.buyer,
        order=order,
        type="return_refund",
        reason="quality_issue",
        state=state,
        policy_version="cn-default@1",
        decision={},
        currency="CNY",
    )


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt, **save)
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    """What a client sends: the name and Content-Type are the client's word, nothing more."""
    return SimpleUploadedFile(name, data, content_type=content_type)


def pdf_bytes(extra: bytes = b"") -> bytes:
    """A minimal one-page PDF; `extra` goes into the catalog dictionary."""
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R " + extra + b" >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )
