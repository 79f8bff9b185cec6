"""Files built in the background with a progress bar: dashboard tables (xlsx), official
reports (docx). DESIGN.md: "Long exports run as background jobs" via Celery.

A builder is registered per kind: `builder(job, progress) -> (filename, content_type, bytes)`.
It must check, for `job.requested_by`, the same access as the page the export came from (the
job may run minutes later, after a role was withdrawn) and raise PermissionDenied or Http404
if it no longer holds. `progress(percent)` saves how far it got for the progress bar.
Without a worker (make demo) Celery runs the job in-process before the page returns.
"""

import logging
import secrets
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from diemtua.audit import services as audit
from diemtua.core import uploads

from .models import ExportJob, ExportStatus

log = logging.getLogger(__name__)

Builder = Callable[[ExportJob, Callable[[int], None]], tuple[str, str, bytes]]
BUILDERS: dict[str, Builder] = {}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {XLSX: ".xlsx", DOCX: ".docx"}


def register(kind: str):
    def decorate(builder: Builder) -> Builder:
        BUILDERS[kind] = builder
        return builder

    return decorate


@transaction.atomic
def export_request(*, actor, kind: str, params: dict) -> ExportJob:
    """Queue an export for `actor`; the job runs after the transaction commits."""
    if kind not in BUILDERS:
        raise ValueError(f"unknown export kind {kind}")
    job = ExportJob.objects.create(requested_by=actor, kind=kind, params=params)
    audit.record(actor=actor, action="reporting.export_request", obj=job, extra={"kind": kind})
    from .tasks import run_export_task

    transaction.on_commit(lambda: run_export_task.delay(job.pk))
    return job


def run(job_id: int) -> ExportJob | None:
    """Build the file of a queued job (idempotent: a finished job is left as it is)."""
    job = ExportJob.objects.filter(pk=job_id).select_related("requested_by").first()
    if job is None or job.status in {ExportStatus.DONE, ExportStatus.FAILED}:
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, progress=1)

    def progress(percent: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(progress=max(1, min(99, int(percent))))

    try:
        filename, content_type, content = BUILDERS[job.kind](job, progress)
    except (PermissionDenied, Http404):
        return _fail(job, "Bạn không còn quyền xem dữ liệu này.")
    except Exception:  # noqa: BLE001 — recorded for the user; the traceback goes to the log
        log.exception("export %s failed", job.pk)
        return _fail(job, "Không tạo được tệp. Hãy thử lại; nếu vẫn lỗi, báo quản trị.")
    extension = EXTENSIONS.get(content_type, "")
    stored = uploads.storage().save(
        f"exports/{secrets.token_hex(16)}{extension}", ContentFile(content)
    )
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.DONE,
        progress=100,
        stored_name=stored,
        filename=filename,
        content_type=content_type,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def _fail(job: ExportJob, message: str) -> ExportJob:
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.FAILED, error=message, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def get_job_for_user(user, pk) -> ExportJob:
    """A job is its requester's alone: anybody else gets 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk <= 2**63 - 1:
        raise Http404
    job = ExportJob.objects.filter(pk=pk, requested_by=user).first()
    if job is None:
        raise Http404
    return job
