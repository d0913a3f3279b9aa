"""Evidence on a complaint or one of its investigation tasks: an email's attachments and
uploads, judged by content exactly as case evidence is (cases.evidence.check_file: type
sniffed from the bytes, the size limit of its kind, photos re-encoded without metadata, PDFs
with JavaScript refused) and stored through Django's storage under a fresh random name."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet

from aftersales.accounts.actors import PLATFORM_INTEGRATION, Actor
from aftersales.accounts.models import PLATFORM_ROLES
from aftersales.cases.evidence import check_file
from aftersales.complaints import services
from aftersales.complaints.models import Complaint, ComplaintEvidence, InvestigationTask
from aftersales.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied

STORAGE_ALIAS = "default"


@dataclass
class Judged:
    """One file after the checks: accepted (ready to store) or refused with the reason."""

    name: str
    size: int
    checked: object | None = None  # cases.evidence._Checked
    reason: str = ""

    @property
    def accepted(self) -> bool:
        return self.checked is not None

    def as_dict(self, evidence_id: int | None = None) -> dict:
        return {
            "name": self.name,
            "size": self.size,
            "content_type": self.checked.format.content_type if self.checked else "",
            "accepted": self.accepted,
            "reason": self.reason,
            "evidence_id": evidence_id,
        }


def judge_bytes(items: Sequence[tuple[str, bytes]], *, field: str = "attachments") -> list[Judged]:
    """Each (name, bytes) judged on its own: a refused one is kept with its reason, the rest
    go on. More than AFTERSALES_EVIDENCE_MAX_FILES: the ones past the limit are refused."""
    limit = settings.AFTERSALES_EVIDENCE_MAX_FILES
    judged = []
    for i, (name, data) in enumerate(items):
        label = name[:255]
        if i >= limit:
            judged.append(Judged(label, len(data), reason=f"more than {limit} attachments"))
            continue
        upload = SimpleUploadedFile(label or "attachment", data)
        try:
            judged.append(Judged(label, len(data), checked=check_file(f"{field}[{i}]", upload)))
        except DomainError as exc:
            reason = exc.errors[0].message if exc.errors else exc.detail
            judged.append(Judged(label, len(data), reason=reason))
    return judged


def write(complaint_merchant_id: int | None, complaint_id: int, judged: Sequence[Judged]):
    """Store the accepted files; returns their storage keys (None for refused ones). The
    caller deletes them (`discard`) if its transaction fails."""
    storage = storages[STORAGE_ALIAS]
    keys: list[str | None] = []
    for item in judged:
        if not item.accepted:
            keys.append(None)
            continue
        base = f"complaints/{complaint_merchant_id or 'platform'}/{complaint_id}/{uuid.uuid4().hex}"
        keys.append(storage.save(f"{base}.{item.checked.format.ext}", item.checked.content))
    return keys


def discard(keys: Sequence[str | None]) -> None:
    storage = storages[STORAGE_ALIAS]
    for key in keys:
        if key:
            storage.delete(key)


def rows(
    complaint: Complaint,
    actor: Actor,
    judged: Sequence[Judged],
    keys: Sequence[str | None],
    *,
    source: str,
    note: str = "",
    task: InvestigationTask | None = None,
) -> list[ComplaintEvidence | None]:
    out: list[ComplaintEvidence | None] = []
    for item, key in zip(judged, keys, strict=True):
        if key is None:
            out.append(None)
            continue
        out.append(
            ComplaintEvidence.objects.create(
                complaint=complaint,
                task=task,
                merchant_id=complaint.merchant_id,
                source=source,
                uploaded_by_label=actor.label,
                kind=item.checked.format.kind,
                content_type=item.checked.format.content_type,
                original_name=item.name,
                storage_key=key,
                size=item.checked.size,
                sha256=item.checked.sha256,
                note=note,
            )
        )
    return out


def may_add(actor: Actor, complaint: Complaint) -> bool:
    if actor.role in PLATFORM_ROLES or actor.role == PLATFORM_INTEGRATION:
        return True
    if actor.is_buyer:
        return actor.buyer_id == complaint.buyer_id
    return actor.is_merchant_side and actor.merchant_id == complaint.merchant_id


def add_evidence(
    *,
    complaint: Complaint,
    actor: Actor,
    files: Sequence[UploadedFile],
    note: str = "",
    task: InvestigationTask | None = None,
) -> list[ComplaintEvidence]:
    """Upload files to a complaint (or a task of it), all or none: one refused file refuses
    the upload with its reason (415, 413 or 422, naming `files[i]`)."""
    if not may_add(actor, complaint):
        raise PermissionDenied(f"{actor.role} may not add evidence to this complaint.")
    if not complaint.is_open:
        raise Conflict(f"Complaint {complaint.pk} is {complaint.state}; evidence is closed.")
    if not files:
        raise InvalidInput.on_field("files", "send at least one file")
    limit = settings.AFTERSALES_EVIDENCE_MAX_FILES
    if len(files) > limit:
        raise InvalidInput.on_field("files", f"at most {limit} files per upload")
    if len(note) > 2000:
        raise InvalidInput.on_field("note", "at most 2000 characters")
    checked = [check_file(f"files[{i}]", upload) for i, upload in enumerate(files)]
    judged = [
        Judged((f.name or "")[:255], c.size, checked=c) for f, c in zip(files, checked, strict=True)
    ]
    keys = write(complaint.merchant_id, complaint.pk, judged)
    try:
        with transaction.atomic():
            locked = services._lock(complaint)
            made = rows(locked, actor, judged, keys, source="upload", note=note, task=task)
            services._event(
                locked,
                actor,
                "evidence_added",
                locked.state,
                locked.state,
                at=made[0].uploaded_at,
                payload={
                    "evidence_ids": [r.pk for r in made],
                    "task_id": task.pk if task else None,
                },
            )
            services._save(locked)
    except BaseException:
        discard(keys)
        raise
    return made


def evidence_visible_to(actor: Actor, complaint: Complaint) -> QuerySet[ComplaintEvidence]:
    """Evidence on the complaint itself: whoever sees the complaint. Evidence on a task: whoever
    sees the task (the merchant side only the merchant's tasks; buyers none)."""
    from aftersales.complaints.investigation import tasks_visible_to

    found = ComplaintEvidence.objects.filter(complaint=complaint)
    if actor.role in PLATFORM_ROLES or actor.role == PLATFORM_INTEGRATION:
        return found
    return found.filter(Q(task__isnull=True) | Q(task__in=tasks_visible_to(actor, complaint)))


def evidence_for(actor: Actor, complaint: Complaint, evidence_id: int) -> ComplaintEvidence:
    try:
        return evidence_visible_to(actor, complaint).get(pk=evidence_id)
    except (ComplaintEvidence.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"No evidence {evidence_id} on complaint {complaint.pk}.") from None


def open_stored(item: ComplaintEvidence):
    return storages[STORAGE_ALIAS].open(item.storage_key, "rb")
