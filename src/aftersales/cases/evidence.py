"""Case evidence: photos, videos and PDFs judged by their content (never their name), cleaned,
stored through Django's storage, and shown to each role only as their visibility allows."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from PIL import Image, ImageOps, UnidentifiedImageError

from aftersales.accounts.actors import Actor
from aftersales.accounts.permissions import require
from aftersales.cases.events import record_event
from aftersales.cases.models import Case, Evidence
from aftersales.cases.selectors import case_for
from aftersales.core.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)

V = Evidence.Visibility
STORAGE_ALIAS = "default"
SNIFF_BYTES = 8192  # what filetype reads to decide
THUMBNAIL_SIZE = (320, 320)
MAX_NOTE_LENGTH = 2000
# Pillow's own decompression-bomb threshold (~89 megapixels): a 64 MP phone photo passes.
MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485
# Object streams of a PDF are inflated to look inside them, up to this much in all.
MAX_PDF_INFLATE_BYTES = 32 * 1024 * 1024
JPEG_QUALITY = 90


@dataclass(frozen=True)
class Format:
    kind: str  # image, video, pdf
    content_type: str  # what is stored and served
    ext: str
    pillow: str = ""  # the Pillow format that re-encodes it (images only)


# Sniffed MIME type → how it is kept. Anything else is refused with 415.
# HEIC is not accepted: decoding it needs libheif (pi-heif/pillow-heif binaries), and browsers
# and the photo pickers of iOS hand over JPEG anyway.
FORMATS: dict[str, Format] = {
    "image/jpeg": Format("image", "image/jpeg", "jpg", "JPEG"),
    "image/png": Format("image", "image/png", "png", "PNG"),
    "image/apng": Format("image", "image/png", "png", "PNG"),  # kept as its first frame
    "image/webp": Format("image", "image/webp", "webp", "WEBP"),
    "video/mp4": Format("video", "video/mp4", "mp4"),
    "video/x-m4v": Format("video", "video/mp4", "mp4"),
    "video/quicktime": Format("video", "video/quicktime", "mov"),
    "video/webm": Format("video", "video/webm", "webm"),
    "application/pdf": Format("pdf", "application/pdf", "pdf"),
}
ACCEPTED = "a JPEG, PNG or WebP photo, an MP4, QuickTime or WebM video, or a PDF"

# What each side may choose; platform staff may choose any visibility.
CHOOSABLE: dict[str, frozenset[str]] = {
    "buyer": frozenset({V.ALL, V.BUYER_AND_PLATFORM}),
    "merchant": frozenset({V.ALL, V.MERCHANT_AND_PLATFORM}),
    "platform": frozenset(V.values),
}


def max_bytes(kind: str) -> int:
    return {
        "image": settings.AFTERSALES_EVIDENCE_MAX_IMAGE_BYTES,
        "video": settings.AFTERSALES_EVIDENCE_MAX_VIDEO_BYTES,
        "pdf": settings.AFTERSALES_EVIDENCE_MAX_PDF_BYTES,
    }[kind]


@dataclass
class _Checked:
    """One upload that passed every check, ready to be written."""

    format: Format
    original_name: str
    content: File
    size: int
    sha256: str
    thumbnail: bytes | None = None


# --- Reads ------------------------------------------------------------------------------------


def evidence_visible_to(actor: Actor, case: Case) -> QuerySet[Evidence]:
    """The case's evidence this actor may see: platform all of it; the merchant side what is
    for everyone or for merchant and platform; the case's buyer what is for everyone or for
    buyer and platform. `case` comes from `case_for`, already scoped to the actor."""
    evidence = Evidence.objects.filter(case=case)
    if actor.is_platform:
        return evidence
    if actor.is_merchant_side and actor.merchant_id == case.merchant_id:
        return evidence.filter(visibility__in=[V.ALL, V.MERCHANT_AND_PLATFORM])
    if actor.is_buyer and actor.buyer_id is not None and actor.buyer_id == case.buyer_id:
        return evidence.filter(visibility__in=[V.ALL, V.BUYER_AND_PLATFORM])
    return evidence.none()


def evidence_for(actor: Actor, case_id: int, evidence_id: int) -> Evidence:
    """One piece of evidence; another tenant's case, or evidence hidden from the actor's role,
    does not exist for them."""
    case = case_for(actor, case_id)
    try:
        return evidence_visible_to(actor, case).get(pk=evidence_id)
    except (Evidence.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"No evidence {evidence_id} on case {case_id}.") from None


def open_stored(evidence: Evidence, *, thumbnail: bool = False) -> File:
    key = evidence.thumbnail_key if thumbnail else evidence.storage_key
    if not key:
        raise NotFound(f"Evidence {evidence.pk} has no thumbnail.")
    return storages[STORAGE_ALIAS].open(key, "rb")


# --- Writes -----------------------------------------------------------------------------------


def add_evidence(
    *,
    case: Case,
    actor: Actor,
    files: Sequence[UploadedFile],
    note: str = "",
    visibility: str = V.ALL,
) -> list[Evidence]:
    """Attach `files` to `case`, all or none. Every file is checked before anything is written:
    its type is sniffed from its bytes (the name and the client's Content-Type are ignored),
    held to the size limit of its kind, and then

    - photos are decoded by Pillow and re-encoded without metadata (EXIF with its GPS location,
      XMP, comments), the camera's orientation applied first; a 320 px JPEG thumbnail is made;
    - videos are stored as they came (no thumbnail);
    - PDFs are stored as they came, but refused when they hold JavaScript (`/JS` or
      `/JavaScript`, also #-escaped or inside compressed object streams). That is a cheap
      check against the commonest malicious PDFs, not a malware scan.

    The files are then written to storage and the rows and one `evidence_added` event are
    committed together; if anything fails, the files already written are deleted."""
    require(actor, "evidence.add")
    if case.closed_at is not None:
        raise Conflict(f"Case {case.pk} is closed; evidence can no longer be added.")
    _check_visibility(actor, visibility)
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput.on_field("note", f"may be at most {MAX_NOTE_LENGTH} characters")
    _check_count(files)
    # Cheap checks (type, size) of every file before the costly ones (decoding, scanning).
    formats = [_sniff(f"files[{i}]", upload) for i, upload in enumerate(files)]
    checked = [
        _check(f"files[{i}]", upload, fmt)
        for i, (upload, fmt) in enumerate(zip(files, formats, strict=True))
    ]

    storage = storages[STORAGE_ALIAS]
    written: list[str] = []
    try:
        keys = []
        for item in checked:
            # Never the user's file name: a fresh random name under the tenant and case.
            base = f"evidence/{case.merchant_id}/{case.pk}/{uuid.uuid4().hex}"
            key = storage.save(f"{base}.{item.format.ext}", item.content)
            written.append(key)
            thumb_key = ""
            if item.thumbnail is not None:
                thumb_key = storage.save(f"{base}.thumb.jpg", ContentFile(item.thumbnail))
                written.append(thumb_key)
            keys.append((key, thumb_key))
        with transaction.atomic(durable=True):
            # The event's seq is gap-free per case: take the case row first.
            locked = Case.objects.select_for_update().get(pk=case.pk)
            rows = [
                Evidence.objects.create(
                    case=locked,
                    merchant_id=locked.merchant_id,
                    uploaded_by_role=str(actor.role),
                    uploaded_by_label=actor.label,
                    kind=item.format.kind,
                    content_type=item.format.content_type,
                    original_name=item.original_name,
                    storage_key=key,
                    thumbnail_key=thumb_key,
                    size=item.size,
                    sha256=item.sha256,
                    visibility=visibility,
                    note=note,
                )
                for item, (key, thumb_key) in zip(checked, keys, strict=True)
            ]
            record_event(
                locked,
                actor,
                "evidence_added",
                # The event log is read by every side; a note meant for one side stays on the
                # evidence rows, which are filtered by visibility.
                note=note if visibility == V.ALL else "",
                payload={
                    "evidence_ids": [row.pk for row in rows],
                    "kinds": [row.kind for row in rows],
                    "visibility": visibility,
                },
            )
    except BaseException:
        for key in written:
            storage.delete(key)
        raise
    return rows


def check_file(field: str, upload: UploadedFile) -> _Checked:
    """One file judged exactly as add_evidence judges it (type sniffed from its bytes, the size
    limit of its kind, photos cleaned, PDFs scanned for JavaScript), for the evidence other
    contexts keep (complaints). Raises the same errors, naming `field`."""
    return _check(field, upload, _sniff(field, upload))


def _check_visibility(actor: Actor, visibility: str) -> None:
    if actor.is_platform:
        side = "platform"
    elif actor.is_merchant_side:
        side = "merchant"
    else:
        side = "buyer"
    allowed = CHOOSABLE[side]
    if visibility not in allowed:
        raise InvalidInput.on_field(
            "visibility", f"a {side} may choose {' or '.join(sorted(allowed))}"
        )


def _check_count(files: Sequence[UploadedFile]) -> None:
    limit = settings.AFTERSALES_EVIDENCE_MAX_FILES
    if not files:
        raise InvalidInput.on_field("files", "send at least one file")
    if len(files) > limit:
        raise InvalidInput.on_field(
            "files", f"at most {limit} files per upload; this one has {len(files)}"
        )


def _label(upload: UploadedFile) -> str:
    return repr(upload.name[:255]) if upload.name else "the file"


def _sniff(field: str, upload: UploadedFile) -> Format:
    """The file's format from its first bytes, held to the size limit of its kind."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    guess = filetype.guess(head) if head else None
    fmt = FORMATS.get(guess.mime) if guess else None
    if fmt is None:
        found = guess.mime if guess else None
        raise UnsupportedMediaType.on_field(
            field,
            f"{_label(upload)} is {found or 'of no known type'}; send {ACCEPTED}",
            detected=found,
        )
    limit = max_bytes(fmt.kind)
    if upload.size > limit:
        raise PayloadTooLarge.on_field(
            field,
            f"{_label(upload)} is a {fmt.kind} of {upload.size} bytes; a {fmt.kind} may be at "
            f"most {limit} bytes ({limit // (1024 * 1024)} MB)",
            limit_bytes=limit,
        )
    return fmt


def _check(field: str, upload: UploadedFile, fmt: Format) -> _Checked:
    name = (upload.name or "")[:255]
    label = _label(upload)
    if fmt.kind == "image":
        cleaned, thumbnail = _clean_image(field, label, upload.read(), fmt)
        return _Checked(
            format=fmt,
            original_name=name,
            content=ContentFile(cleaned),
            size=len(cleaned),
            sha256=hashlib.sha256(cleaned).hexdigest(),
            thumbnail=thumbnail,
        )
    if fmt.kind == "pdf":
        data = upload.read()
        if _pdf_has_javascript(data):
            raise InvalidInput.on_field(
                field, f"{label} is a PDF with JavaScript in it; send it printed to a plain PDF"
            )
        return _Checked(
            format=fmt,
            original_name=name,
            content=ContentFile(data),
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
    # Video: stored as sent, streamed from the upload's temporary file.
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return _Checked(
        format=fmt,
        original_name=name,
        content=File(upload),
        size=upload.size,
        sha256=digest.hexdigest(),
    )


def _clean_image(field: str, label: str, data: bytes, fmt: Format) -> tuple[bytes, bytes]:
    """The photo re-encoded upright without its metadata (the ICC colour profile is kept:
    colour is evidence too), and its thumbnail."""
    unreadable = InvalidInput.on_field(field, f"{label} is not a readable {fmt.pillow} image")
    too_big = InvalidInput.on_field(
        field,
        f"{label} has too many pixels; a photo may have at most "
        f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels",
    )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            # Phones often write MPO (a JPEG with a second picture after it): its first
            # picture is the photo.
            if probe.format != fmt.pillow and (fmt.pillow, probe.format) != ("JPEG", "MPO"):
                raise unreadable
            width, height = probe.size
            if width * height > MAX_IMAGE_PIXELS:
                raise too_big
            probe.verify()  # the whole file, before decoding it for real
        with Image.open(io.BytesIO(data)) as original:
            original.load()
            icc = original.info.get("icc_profile")
            transparency = original.info.get("transparency")
            upright = ImageOps.exif_transpose(original)
        # Nothing of the original's metadata goes along: EXIF (GPS), XMP, text chunks.
        upright.info = {} if transparency is None else {"transparency": transparency}
        if fmt.pillow == "WEBP" and upright.mode not in {"RGB", "RGBA"}:
            upright = upright.convert("RGBA" if _has_alpha(upright) else "RGB")
        options: dict[str, object] = {"icc_profile": icc} if icc else {}
        if fmt.pillow in {"JPEG", "WEBP"}:
            options["quality"] = JPEG_QUALITY
        cleaned = io.BytesIO()
        upright.save(cleaned, format=fmt.pillow, **options)
        thumb = _flattened(upright)
        thumb.thumbnail(THUMBNAIL_SIZE)
        thumbnail = io.BytesIO()
        thumb.save(thumbnail, format="JPEG", quality=80)
    except Image.DecompressionBombError:
        raise too_big from None  # Pillow's own guard, at open, past twice the limit
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        EOFError,
        ValueError,
    ):
        # Pillow reports a damaged or forged image with any of these.
        raise unreadable from None
    return cleaned.getvalue(), thumbnail.getvalue()


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info


def _flattened(image: Image.Image) -> Image.Image:
    """RGB for the JPEG thumbnail: transparency over white."""
    if not _has_alpha(image):
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    canvas = Image.new("RGB", rgba.size, (255, 255, 255))
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas


# --- PDFs -------------------------------------------------------------------------------------

_ACTIVE_NAMES = (b"/JS", b"/JavaScript")
# A PDF name with #xx escapes (/J#53 is /JS): the characters a name may hold (ISO 32000 7.3.5).
_ESCAPED_NAME = re.compile(rb"/[^\s/<>\[\]()%{}]*#[^\s/<>\[\]()%{}]*")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream\r?\n")


def _names_javascript(data: bytes) -> bool:
    if any(name in data for name in _ACTIVE_NAMES):
        return True
    for match in _ESCAPED_NAME.finditer(data):
        name = _HEX.sub(lambda m: bytes([int(m.group(1), 16)]), match.group())
        if name in _ACTIVE_NAMES:
            return True
    return False


def _pdf_has_javascript(data: bytes) -> bool:
    """Whether the PDF names JavaScript, in its plain text or in a Flate-compressed object
    stream (where PDF 1.5+ writers put dictionaries). A PDF whose object streams inflate past
    MAX_PDF_INFLATE_BYTES cannot be checked and counts as active."""
    if _names_javascript(data):
        return True
    budget = MAX_PDF_INFLATE_BYTES
    for match in _STREAM.finditer(data):
        start = data.rfind(b"obj", 0, match.start())
        header = data[max(start, match.start() - 2048) : match.start()]
        if b"/ObjStm" not in header or b"/FlateDecode" not in header:
            continue
        end = data.find(b"endstream", match.end())
        raw = data[match.end() : end if end != -1 else len(data)]
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(raw, budget + 1)
        except zlib.error:
            continue  # a damaged stream: no reader will run anything from it either
        budget -= len(inflated)
        if budget < 0 or _names_javascript(inflated):
            return True
    return False
