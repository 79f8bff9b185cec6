"""The page of a background export (a .docx report, a dashboard's xlsx) and its download.

The page shows a progress bar that htmx refreshes every second (the fragment stops polling once
the job is done or failed); without JavaScript a <noscript> meta refresh and a "Tải lại" link
do the same. A job belongs to the user who asked for it: anyone else gets 404
(exports.get_job_for_user). The file is always an attachment and every download is audited.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from diemtua.audit import services as audit
from diemtua.core import uploads

from . import exports
from .models import ExportStatus

FINISHED = {ExportStatus.DONE, ExportStatus.FAILED}


@require_GET
@login_required
def export_job(request, pk: int):
    job = exports.get_job_for_user(request.user, pk)
    context = {"job": job, "finished": job.status in FINISHED}
    if getattr(request, "htmx", False):
        return render(request, "reporting/export_job_status.html", context)
    return render(request, "reporting/export_job.html", context)


@require_GET
@login_required
def export_download(request, pk: int):
    job = exports.get_job_for_user(request.user, pk)
    if job.status != ExportStatus.DONE or not job.stored_name:
        return redirect("export_job", pk=job.pk)
    try:
        handle = uploads.open_stored(job.stored_name)
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=job.filename, content_type=job.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    audit.record(
        actor=request.user,
        action="reporting.export_download",
        obj=job,
        request=request,
        extra={"kind": job.kind, "params": job.params},
    )
    return response
