"""Carriers: the adapter interface (book and cancel a pickup, print a label, read tracking),
the tracking-number format of each carrier we know, the built-in fake carrier that the demo
and the tests drive, and the signature that authenticates a carrier's tracking webhook."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.utils.translation import gettext as _

from aftersales.core import clock
from aftersales.core.errors import InvalidInput

# What a carrier's scan says about a parcel, in our words.
PICKED_UP, IN_TRANSIT, DELIVERED = "picked_up", "in_transit", "delivered"
EXCEPTION, RETURNED = "exception", "returned_to_sender"
INTERCEPTED, INTERCEPTION_FAILED = "intercepted", "interception_failed"
STATUSES = (PICKED_UP, IN_TRANSIT, DELIVERED, EXCEPTION, RETURNED, INTERCEPTED, INTERCEPTION_FAILED)

SIGNATURE_HEADER = "X-Carrier-Signature"  # "v1=<hex HMAC-SHA256 of the raw body>"


@dataclass(frozen=True)
class PickupRequest:
    """What a carrier needs to send a courier: where, when, and where the parcel goes."""

    reference: str  # ours (the case), shown on the label
    pickup_address: str
    contact_phone: str
    slot_start: datetime
    slot_end: datetime
    to_address: str


@dataclass(frozen=True)
class PickupBooking:
    tracking_no: str
    booking_ref: str


@dataclass(frozen=True)
class TrackingUpdate:
    event_id: str
    tracking_no: str
    status: str
    at: datetime
    location: str = ""
    description: str = ""


@dataclass(frozen=True)
class LabelInfo:
    tracking_no: str
    reference: str
    to_address_masked: str


class CarrierError(InvalidInput):
    """The carrier refused or cannot do what was asked; the problem names `carrier`."""


class Carrier(Protocol):
    code: str
    name: str
    supports_pickup: bool

    def valid_tracking_no(self, tracking_no: str) -> bool: ...

    def book_pickup(self, request: PickupRequest) -> PickupBooking: ...

    def cancel_pickup(self, booking_ref: str) -> None: ...

    def label_pdf(self, label: LabelInfo) -> bytes: ...

    def tracking(self, tracking_no: str) -> list[TrackingUpdate]: ...


def _s10_check_digit(serial: str) -> int:
    """UPU S10 (the format of EMS's international numbers, e.g. EA123456785CN)."""
    total = sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def _ems_valid(tracking_no: str) -> bool:
    s10 = re.fullmatch(r"[A-Z]{2}(\d{8})(\d)[A-Z]{2}", tracking_no)
    if s10:
        return _s10_check_digit(s10.group(1)) == int(s10.group(2))
    return re.fullmatch(r"1\d{12}", tracking_no) is not None  # domestic EMS waybills


@dataclass
class FormatOnlyCarrier:
    """A real carrier whose numbers we check; pickups, labels and tracking go through the
    carrier's own systems until an integration is written for it."""

    code: str
    name: str
    pattern: str = ""
    check: object = None  # a callable for formats a regular expression cannot hold
    supports_pickup: bool = False

    def valid_tracking_no(self, tracking_no: str) -> bool:
        if self.check is not None:
            return bool(self.check(tracking_no))
        return re.fullmatch(self.pattern, tracking_no) is not None

    def _unsupported(self):
        return CarrierError.on_field(
            "carrier",
            _("%(carrier)s cannot be booked through this installation; ship it yourself")
            % {"carrier": self.name},
        )

    def book_pickup(self, request: PickupRequest) -> PickupBooking:
        raise self._unsupported()

    def cancel_pickup(self, booking_ref: str) -> None:
        raise self._unsupported()

    def label_pdf(self, label: LabelInfo) -> bytes:
        raise self._unsupported()

    def tracking(self, tracking_no: str) -> list[TrackingUpdate]:
        return []  # updates arrive through the webhook


@dataclass
class FakeCarrier:
    """An in-process carrier for the demo and the tests: books pickups at once (waybills
    FK + 10 digits), prints a one-page label, and remembers what it was asked. Its scans are
    posted to the webhook like a real carrier's (`signed_webhook`)."""

    code: str = "fake"
    name: str = "Fake Express"
    supports_pickup: bool = True
    booked: dict[str, PickupRequest] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)
    _serial: itertools.count = field(default_factory=lambda: itertools.count(1))

    def valid_tracking_no(self, tracking_no: str) -> bool:
        return re.fullmatch(r"FK\d{10}", tracking_no) is not None

    def book_pickup(self, request: PickupRequest) -> PickupBooking:
        # Unique across processes and restarts without a counter table: time plus a serial.
        stamp = int(clock.now().timestamp() * 1000) % 10**7
        tracking_no = f"FK{stamp:07d}{next(self._serial) % 1000:03d}"
        ref = f"fake-pickup-{tracking_no}"
        self.booked[ref] = request
        return PickupBooking(tracking_no=tracking_no, booking_ref=ref)

    def cancel_pickup(self, booking_ref: str) -> None:
        self.cancelled.add(booking_ref)

    def label_pdf(self, label: LabelInfo) -> bytes:
        return simple_pdf(
            [
                f"{self.name}  {label.tracking_no}",
                f"Ref: {label.reference}",
                f"To: {label.to_address_masked.encode('ascii', 'replace').decode()}",
            ]
        )

    def tracking(self, tracking_no: str) -> list[TrackingUpdate]:
        return []


CARRIERS: dict[str, Carrier] = {
    c.code: c
    for c in (
        # 顺丰: SF + 12-13 digits on current waybills (10+ in older ones), or 12 digits bare.
        FormatOnlyCarrier("sf", "顺丰速运", r"SF\d{10,13}|\d{12}"),
        # 中通: 12 or 14-15 digits.
        FormatOnlyCarrier("zto", "中通快递", r"\d{12}|\d{14,15}"),
        # 圆通: YT + 13 digits (older: 10 digits).
        FormatOnlyCarrier("yto", "圆通速递", r"YT\d{13}|\d{10}"),
        # 京东: JD + 13 letters/digits (JDVA…, JDX…).
        FormatOnlyCarrier("jd", "京东物流", r"JD[A-Z0-9]{11,15}"),
        # EMS: UPU S10 with its check digit, or 13-digit domestic waybills.
        FormatOnlyCarrier("ems", "EMS", check=_ems_valid),
        FakeCarrier(),
    )
}


def carrier_for(code: str) -> Carrier:
    try:
        return CARRIERS[code]
    except KeyError:
        raise InvalidInput.on_field(
            "carrier",
            _("unknown carrier %(code)r; one of %(codes)s")
            % {"code": code, "codes": ", ".join(sorted(CARRIERS))},
        ) from None


def check_tracking_no(carrier_code: str, tracking_no: str, *, field_name: str = "tracking_no"):
    """A tracking number that cannot be this carrier's is refused, naming the field."""
    carrier = carrier_for(carrier_code)
    normalised = tracking_no.strip().upper()
    if not carrier.valid_tracking_no(normalised):
        raise InvalidInput.on_field(
            field_name,
            _("%(no)r is not a %(carrier)s tracking number")
            % {"no": tracking_no, "carrier": carrier.name},
        )
    return normalised


# --- Webhook authentication -------------------------------------------------------------------


def webhook_secret(carrier_code: str) -> str:
    """Each carrier signs with its own secret (AFTERSALES_CARRIER_WEBHOOK_SECRETS); a carrier
    without one cannot post at all."""
    return settings.AFTERSALES_CARRIER_WEBHOOK_SECRETS.get(carrier_code, "")


def sign(secret: str, body: bytes) -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(carrier_code: str, body: bytes, signature: str) -> bool:
    secret = webhook_secret(carrier_code)
    if not secret or not signature:
        return False
    return hmac.compare_digest(sign(secret, body), signature.strip())


# --- A label anyone can print -----------------------------------------------------------------


def simple_pdf(lines: list[str]) -> bytes:
    """A one-page A6 PDF of ASCII lines in Helvetica (no font files needed)."""

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 12 Tf 20 380 Td 16 TL " + " ".join(f"({esc(ln)}) '" for ln in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 298 420] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out
