"""Background exports: the job page (progress, failures in Vietnamese), the download (only the
requester, attachment, audited), run in-process as in tests and `make demo`."""

import io

import pytest
from django.urls import reverse
from docx import Document

from diemtua.accounts.models import Membership
from diemtua.audit.models import AuditEvent
from diemtua.reporting import exports
from diemtua.reporting.models import ExportJob, ExportStatus
from diemtua.reporting.tests.test_reports import (  # noqa: F401  (fixtures)
    ready_report,
    uploads_root,
)


@pytest.fixture(autouse=True)
def _files_in_tmp(uploads_root):  # noqa: F811
    return uploads_root


def request_docx(client, report, django_capture_on_commit_callbacks):
    """POST the export button; the job runs when the transaction commits (eagerly here)."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report_docx", kwargs={"pk": report.pk}))
    job = ExportJob.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == reverse("export_job", kwargs={"pk": job.pk})
    return job


def test_docx_export_runs_and_downloads_for_the_requester(
    world, client, django_capture_on_commit_callbacks
):
    report = ready_report(world)
    client.force_login(world.users["counselor"])
    job = request_docx(client, report, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.progress == 100

    page = client.get(reverse("export_job", kwargs={"pk": job.pk})).content.decode()
    download_url = reverse("export_download", kwargs={"pk": job.pk})
    assert download_url in page and "BaoCao_01-A_2025-2026-HK2.docx" in page
    assert 'hx-trigger="every 1s"' not in page  # finished: no more polling

    response = client.get(download_url)
    assert response.status_code == 200
    assert response["Content-Type"] == exports.DOCX
    assert response["Content-Disposition"].startswith("attachment;")
    assert "BaoCao_01-A_2025-2026-HK2.docx" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    assert any(p.text == "BÁO CÁO" for p in document.paragraphs)
    assert AuditEvent.objects.filter(
        action="reporting.export_download",
        object_id=str(job.pk),
        actor_id=world.users["counselor"].pk,
    ).exists()
    assert AuditEvent.objects.filter(action="reporting.export_request").exists()


def test_nobody_else_sees_or_downloads_a_job(world, client, django_capture_on_commit_callbacks):
    report = ready_report(world)
    client.force_login(world.users["counselor"])
    job = request_docx(client, report, django_capture_on_commit_callbacks)
    for person in ("school_lead", "department_officer", "ministry_officer", "counselor_b"):
        client.force_login(world.users[person])
        assert client.get(reverse("export_job", kwargs={"pk": job.pk})).status_code == 404
        assert client.get(reverse("export_download", kwargs={"pk": job.pk})).status_code == 404
    assert not AuditEvent.objects.filter(action="reporting.export_download").exists()


def test_only_those_who_may_see_a_report_can_export_it(world, client):
    report = ready_report(world)
    for person, status in {"teacher": 403, "counselor_b": 404, "partner_staff": 404}.items():
        client.force_login(world.users[person])
        assert client.post(reverse("report_docx", kwargs={"pk": report.pk})).status_code == status
    assert not ExportJob.objects.exists()


def test_the_job_page_polls_with_htmx_until_done_and_works_without_javascript(world, client):
    user = world.users["department_officer"]
    job = ExportJob.objects.create(
        requested_by=user, kind="report_docx", params={}, status=ExportStatus.RUNNING, progress=40
    )
    client.force_login(user)
    url = reverse("export_job", kwargs={"pk": job.pk})
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and f'hx-get="{url}"' in page
    assert 'data-progress="40"' in page and "40%" in page
    assert '<meta http-equiv="refresh" content="2">' in page  # inside <noscript>
    assert "Tải lại" in page and "js/reporting_export.js" in page
    assert "<script>" not in page  # CSP: no inline script
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="export-status"') and "<html" not in fragment
    # Not finished: the download sends back to the job page.
    response = client.get(reverse("export_download", kwargs={"pk": job.pk}))
    assert response.status_code == 302 and response["Location"] == url


def test_a_job_whose_access_was_withdrawn_fails_with_a_vietnamese_message(
    world, client, django_capture_on_commit_callbacks
):
    report = ready_report(world)
    user = world.users["department_officer"]
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("report_docx", kwargs={"pk": report.pk}))
    job = ExportJob.objects.get()
    Membership.objects.filter(user=user).delete()  # the role was withdrawn before the job ran
    job = exports.run(job.pk)
    assert job.status == ExportStatus.FAILED
    page = client.get(reverse("export_job", kwargs={"pk": job.pk})).content.decode()
    assert "Không tạo được tệp." in page and "Bạn không còn quyền xem dữ liệu này." in page
    assert 'hx-trigger="every 1s"' not in page


def test_a_crash_while_building_is_shown_as_a_failure(
    world, client, monkeypatch, django_capture_on_commit_callbacks
):
    from diemtua.reporting import docx

    def broken(report, *, exact):
        raise RuntimeError("boom")

    monkeypatch.setattr(docx, "build_docx", broken)
    report = ready_report(world)
    client.force_login(world.users["counselor"])
    job = request_docx(client, report, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    page = client.get(reverse("export_job", kwargs={"pk": job.pk})).content.decode()
    assert "Hãy thử lại; nếu vẫn lỗi, báo quản trị." in page
    assert "boom" not in page


def test_a_missing_or_foreign_job_number_is_404(world, client):
    client.force_login(world.users["counselor"])
    assert client.get(reverse("export_job", kwargs={"pk": 999999})).status_code == 404
    assert client.get("/reports/exports/99999999999999999999/").status_code == 404
