"""/complaints/{id}/tasks and /complaints/{id}/evidence (the investigation), /investigation-tasks
(the overdue list) and /reports/complaints/quality (root causes per SKU and merchant)."""

from __future__ import annotations

from datetime import date, datetime

from django.http import FileResponse, HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from aftersales.complaints import evidence, investigation, reports, selectors
from aftersales.complaints.flows import DEPARTMENTS
from aftersales.complaints.models import ComplaintEvidence, InvestigationTask
from aftersales.core import clock
from aftersales.core.pagination import PageQuery, page_schema, paginate

router = Router(tags=["complaints: investigation"])


class TaskIn(Schema):
    department: str = Field(..., description=f"one of {', '.join(DEPARTMENTS)}")
    question: str = Field(..., min_length=1, max_length=5000)
    due_hours: float | None = Field(
        None, description="business hours; default per department (docs/complaints.md)"
    )


class AnswerIn(Schema):
    answer: str = Field(..., min_length=1, max_length=10000)


class TaskOut(Schema):
    id: int
    complaint_id: int
    department: str
    question: str
    state: str
    opened_by: str
    opened_at: datetime
    due_at: datetime
    overdue: bool
    answer: str
    answered_by: str
    answered_at: datetime | None
    answered_late: bool | None


class TaskFilters(Schema):
    department: str | None = None


class ComplaintEvidenceOut(Schema):
    id: int
    task_id: int | None
    source: str
    kind: str
    content_type: str
    original_name: str
    size: int
    sha256: str
    note: str
    uploaded_by: str
    uploaded_at: datetime


class CauseRow(Schema):
    merchant_code: str
    sku: str | None = None
    responsibility: str | None = None
    reason_code: str | None = None
    complaints: int


class QualityReportOut(Schema):
    from_: date = Field(..., alias="from")
    to: date
    merchant: str | None
    sku: str | None
    complaints: int
    by_sku: list[CauseRow]
    by_merchant: list[CauseRow]
    sku_totals: list[CauseRow]
    merchant_totals: list[CauseRow]


class QualityQuery(Schema):
    from_: date = Field(..., alias="from")
    to: date
    merchant: str | None = None
    sku: str | None = None


def task_out(task: InvestigationTask, now: datetime) -> dict:
    return {
        "id": task.pk,
        "complaint_id": task.complaint_id,
        "department": task.department,
        "question": task.question,
        "state": task.state,
        "opened_by": task.opened_by,
        "opened_at": task.opened_at,
        "due_at": task.due_at,
        "overdue": investigation.is_overdue(task, now=now),
        "answer": task.answer,
        "answered_by": task.answered_by,
        "answered_at": task.answered_at,
        "answered_late": (task.answered_at > task.due_at) if task.answered_at else None,
    }


def evidence_out(item: ComplaintEvidence) -> dict:
    return {
        "id": item.pk,
        "task_id": item.task_id,
        "source": item.source,
        "kind": item.kind,
        "content_type": item.content_type,
        "original_name": item.original_name,
        "size": item.size,
        "sha256": item.sha256,
        "note": item.note,
        "uploaded_by": item.uploaded_by_label,
        "uploaded_at": item.uploaded_at,
    }


@router.post("/complaints/{complaint_id}/tasks", response={201: TaskOut})
def open_task(request: HttpRequest, complaint_id: int, payload: TaskIn):
    """Ask a department (the flow's `open_task`: from received, acknowledged or investigating;
    it moves the complaint to investigating). 409 names the allowed actions otherwise."""
    complaint = selectors.complaint_for(request.auth, complaint_id)
    task = investigation.open_task(
        complaint=complaint,
        actor=request.auth,
        department=payload.department,
        question=payload.question,
        due_hours=payload.due_hours,
    )
    return Status(201, task_out(task, clock.now()))


@router.get("/complaints/{complaint_id}/tasks", response=list[TaskOut])
def list_tasks(request: HttpRequest, complaint_id: int):
    complaint = selectors.complaint_for(request.auth, complaint_id)
    now = clock.now()
    return [task_out(t, now) for t in investigation.tasks_visible_to(request.auth, complaint)]


@router.get("/complaints/{complaint_id}/tasks/{task_id}", response=TaskOut)
def get_task(request: HttpRequest, complaint_id: int, task_id: int):
    complaint = selectors.complaint_for(request.auth, complaint_id)
    return task_out(investigation.task_for(request.auth, complaint, task_id), clock.now())


@router.post("/complaints/{complaint_id}/tasks/{task_id}/answer", response=TaskOut)
def answer_task(request: HttpRequest, complaint_id: int, task_id: int, payload: AnswerIn):
    """The department's answer (once: 409 after). Quality answers quality tasks, the
    complaint's merchant the merchant's; the desk and platform integrations any."""
    complaint = selectors.complaint_for(request.auth, complaint_id)
    task = investigation.task_for(request.auth, complaint, task_id)
    task = investigation.answer_task(task=task, actor=request.auth, answer=payload.answer)
    return task_out(task, clock.now())


@router.get("/investigation-tasks", response=page_schema(TaskOut))
def overdue_tasks(request: HttpRequest, filters: Query[TaskFilters], page: Query[PageQuery]):
    """Open tasks past their due time, the most overdue first (a query on the open tasks'
    due-time index; nothing fires at the due time)."""
    now = clock.now()
    rows = investigation.overdue_tasks(request.auth, now=now, department=filters.department)
    result = paginate(rows, order_by=("due_at", "id"), limit=page.limit, cursor=page.cursor)
    return {"items": [task_out(t, now) for t in result.items], "next_cursor": result.next_cursor}


@router.post("/complaints/{complaint_id}/evidence", response={201: list[ComplaintEvidenceOut]})
def add_evidence(
    request: HttpRequest,
    complaint_id: int,
    files: File[list[UploadedFile]],
    note: Form[str] = "",
    task: Form[int | None] = None,
):
    """Multipart `files` (judged by content like case evidence), an optional `note`, and
    `task` to attach them to one of the complaint's tasks (its answer's evidence)."""
    complaint = selectors.complaint_for(request.auth, complaint_id)
    task_row = investigation.task_for(request.auth, complaint, task) if task else None
    items = evidence.add_evidence(
        complaint=complaint, actor=request.auth, files=files, note=note, task=task_row
    )
    return Status(201, [evidence_out(i) for i in items])


@router.get("/complaints/{complaint_id}/evidence", response=list[ComplaintEvidenceOut])
def list_evidence(request: HttpRequest, complaint_id: int):
    complaint = selectors.complaint_for(request.auth, complaint_id)
    return [evidence_out(i) for i in evidence.evidence_visible_to(request.auth, complaint)]


@router.get(
    "/complaints/{complaint_id}/evidence/{evidence_id}/file",
    openapi_extra={
        "responses": {
            200: {
                "description": "The stored bytes, with their Content-Type.",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def evidence_file(request: HttpRequest, complaint_id: int, evidence_id: int):
    complaint = selectors.complaint_for(request.auth, complaint_id)
    item = evidence.evidence_for(request.auth, complaint, evidence_id)
    response = FileResponse(
        evidence.open_stored(item),
        content_type=item.content_type,
        as_attachment=item.kind == "pdf",
        filename=f"complaint-evidence-{item.pk}.{item.storage_key.rsplit('.', 1)[-1]}",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@router.get("/reports/complaints/quality", response=QualityReportOut, by_alias=True)
def quality_report(request: HttpRequest, query: Query[QualityQuery]):
    """Root causes (responsibility + reason code, frozen when decided) per SKU and per
    merchant, counting complaints decided between `from` and `to` (local dates, both
    included). For the quality / supply-chain role and managers."""
    return reports.quality_report(
        request.auth, start=query.from_, end=query.to, merchant=query.merchant, sku=query.sku
    )
