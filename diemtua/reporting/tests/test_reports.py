"""Report forms: the workflow through the pages, who may do what, suppression on the page, the
report lists, the tracker and the pilot evaluation report.

Indicator values come from small fake indicators (FakeIndicators) so each figure is known;
the real registry is put back after each test.
"""

import datetime
import html
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from diemtua.audit.models import AuditEvent
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind, SchoolLevel
from diemtua.reporting import selectors, services
from diemtua.reporting.indicators import base
from diemtua.reporting.indicators.base import Indicator, Kind
from diemtua.reporting.models import (
    IndicatorValue,
    PeriodKind,
    Report,
    ReportEvent,
    ReportStatus,
)
from diemtua.reporting.periods import get_period

SEMESTER = "2025-2026-HK2"  # 16/01/2026–31/05/2026, due 10/06/2026 (10 days)


class FakeIndicators:
    """A registry of indicators whose values the test sets: {code: {unit id: value}}."""

    def __init__(self, monkeypatch, extra_registry=False):
        self.values: dict[str, dict[int, Decimal]] = {}
        registry = dict(base._REGISTRY) if extra_registry else {}
        monkeypatch.setattr(base, "_REGISTRY", registry)
        self.registry = registry

    def add(self, code, *, kind=Kind.COUNT, sensitive=True, name=None, section="Thử", dims=()):
        def compute(period, unit_ids, code=code):
            return [
                (unit, key, Decimal(value))
                for (unit, key), value in self.values.get(code, {}).items()
                if unit_ids is None or unit in unit_ids
            ]

        self.registry[code] = Indicator(
            code=code,
            name=name or f"Chỉ số {code}",
            description="",
            section=section,
            compute=compute,
            kind=kind,
            sensitive=sensitive,
            dimensions=dims,
        )
        self.values.setdefault(code, {})
        return self

    def set(self, code, unit, value, key=""):
        self.values[code][(getattr(unit, "pk", unit), key)] = value


@pytest.fixture
def fake(monkeypatch):
    return FakeIndicators(monkeypatch)


@pytest.fixture
def uploads_root(settings, tmp_path):
    root = tmp_path / "uploads"
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "base_url": None},
        },
    }
    return root


def semester():
    return get_period(PeriodKind.SEMESTER, SEMESTER)


def ready_report(world, *, unit=None, actor="counselor", period=None, **text):
    """A school report with the text the rules ask for."""
    actor = world.users[actor]
    report = services.report_start(
        actor=actor, unit=unit or world.school_a, period=period or semester()
    )
    values = {"narrative": "Trường đã tổ chức tư vấn đều đặn.", "signer_name": "Lê Thị Hoa"}
    values.update(text)
    return services.report_update(actor=actor, report=report, **values)


def submitted_report(world, **kwargs):
    report = ready_report(world, **kwargs)
    actor = world.users[kwargs.get("actor", "counselor")]
    return services.report_submit(actor=actor, report=report)


def token(client, url) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="once" value="([0-9a-f]{32})"', page).group(1)


# --- helpers for the authorization matrix (the lead imports them) -----------------------------


def matrix_report(world, side: str) -> Report:
    """A draft semester report of school_a (side "a") or school_b ("b"), ready to submit, for
    the authorization matrix. With it: the edit page answers 200 to the school's counselor and
    lead; submit, approve and docx answer 302 to those allowed (approving a draft is refused
    with a message and a redirect); return with an empty form answers 400 to its commune's and
    department's officers; the other side gets 404."""
    school = world.school_a if side == "a" else world.school_b
    actor = world.users["counselor" if side == "a" else "counselor_b"]
    report = services.report_start(actor=actor, unit=school, period=semester())
    return services.report_update(
        actor=actor, report=report, narrative="Tổng kết học kỳ.", signer_name="Nguyễn Văn Hiệu"
    )


def matrix_export_job(user):
    """A finished .docx export of `user` (their own): the job page and download answer 200 for
    them and 404 for anyone else. Needs the uploads storage pointed at a temporary folder."""
    from django.core.files.base import ContentFile

    from diemtua.core import uploads
    from diemtua.reporting import exports
    from diemtua.reporting.models import ExportJob, ExportStatus

    stored = uploads.storage().save("exports/matrix.docx", ContentFile(b"PK\x03\x04 test"))
    return ExportJob.objects.create(
        requested_by=user,
        kind="report_docx",
        params={},
        status=ExportStatus.DONE,
        progress=100,
        stored_name=stored,
        filename="BaoCao.docx",
        content_type=exports.DOCX,
        finished_at=timezone.now(),
    )


def test_matrix_helpers_make_what_they_say(world, uploads_root, login):
    report = matrix_report(world, "a")
    assert report.status == ReportStatus.DRAFT and report.is_editable
    job = matrix_export_job(world.users["teacher"])
    client = login(world.users["teacher"])
    assert client.get(reverse("export_job", kwargs={"pk": job.pk})).status_code == 200
    assert client.get(reverse("export_download", kwargs={"pk": job.pk})).status_code == 200


# --- the whole workflow through the pages ---------------------------------------------------


def test_school_submits_department_returns_school_fixes_department_approves(world, client, fake):
    fake.add("help_requests_x", name="Yêu cầu hỗ trợ").set("help_requests_x", world.school_a, 12)
    counselor, officer = world.users["counselor"], world.users["department_officer"]
    period = semester()

    client.force_login(counselor)
    response = client.post(
        reverse("report_start"),
        {"target": f"{world.school_a.pk}:{period.code}", "once": "a" * 32},
    )
    report = Report.objects.get(org_unit=world.school_a, period=period)
    assert response.status_code == 302 and response["Location"] == reverse(
        "report_edit", kwargs={"pk": report.pk}
    )
    assert report.status == ReportStatus.DRAFT
    assert report.signer_title == "HIỆU TRƯỞNG" and "Lưu: VT." in report.recipients

    edit = reverse("report_edit", kwargs={"pk": report.pk})
    fields = {
        "narrative": "Học kỳ này trường tư vấn cho nhiều học sinh lớp 6.",
        "difficulties": "Thiếu phòng riêng.",
        "proposals": "Đề nghị bố trí phòng.",
        "number_symbol": "05",
        "place": "Hà Nội",
        "signer_name": "Trần Văn Bình",
        "signer_title": "HIỆU TRƯỞNG",
        "recipients": "- Như trên;\n- Lưu: VT.",
    }
    response = client.post(edit, {**fields, "then": "submit", "once": token(client, edit)})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.figures["totals"]["help_requests_x|"] == "12"
    assert report.figures_at is not None and report.submitted_by == counselor
    assert IndicatorValue.objects.get(
        org_unit=world.school_a, period=period, indicator="help_requests_x"
    ).value == Decimal(12)

    # The department officer sees it waiting and returns it with a comment.
    client.force_login(officer)
    page = client.get(reverse("report_list")).content.decode()
    assert reverse("report_detail", kwargs={"pk": report.pk}) in page
    detail = reverse("report_detail", kwargs={"pk": report.pk})
    response = client.post(
        reverse("report_return", kwargs={"pk": report.pk}),
        {"comment": "Bổ sung số liệu lớp 7.", "once": token(client, detail)},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.is_editable

    # The school sees the comment, fixes and resubmits.
    client.force_login(counselor)
    page = client.get(detail).content.decode()
    assert "Bổ sung số liệu lớp 7." in page
    assert "Bổ sung số liệu lớp 7." in client.get(edit).content.decode()
    fake.set("help_requests_x", world.school_a, 14)
    fields["narrative"] += " Đã bổ sung lớp 7."
    response = client.post(edit, {**fields, "then": "submit", "once": token(client, edit)})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.figures["totals"]["help_requests_x|"] == "14"

    # The department approves: the report and the school's values for the period are locked.
    client.force_login(officer)
    response = client.post(
        reverse("report_approve", kwargs={"pk": report.pk}), {"once": token(client, detail)}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED and report.is_locked
    assert [e.kind for e in report.events.all()] == [
        "submitted",
        "returned",
        "submitted",
        "approved",
    ]
    assert report.events.get(kind="returned").comment == "Bổ sung số liệu lớp 7."
    for action in ("reporting.report_start", "reporting.report_submit", "reporting.report_return",
                   "reporting.report_approve", "reporting.report_update"):  # fmt: skip
        assert AuditEvent.objects.filter(action=action, object_id=str(report.pk)).exists()

    # Locked: nothing changes it any more.
    with pytest.raises(ValidationError, match="không sửa được"):
        services.report_update(actor=counselor, report=report, narrative="Sửa lén.")
    with pytest.raises(ValidationError, match="đã được duyệt"):
        services.report_submit(actor=counselor, report=report)
    with pytest.raises(ValidationError, match="đã được duyệt"):
        services.report_return(actor=officer, report=report, comment="Xem lại")
    with pytest.raises(ValidationError, match="đã được duyệt"):
        services.report_approve(actor=officer, report=report)
    client.force_login(counselor)
    response = client.get(edit)
    assert response.status_code == 302  # back to the detail page, with a message
    response = client.post(edit, {**fields, "narrative": "Sửa lén."})
    report.refresh_from_db()
    assert "Sửa lén" not in report.narrative

    # The rollup keeps the approved figure even when the records change and refresh runs.
    from diemtua.reporting.rollup import refresh_period

    fake.set("help_requests_x", world.school_a, 99)
    refresh_period(period, [world.school_a.pk])
    assert IndicatorValue.objects.get(
        org_unit=world.school_a, period=period, indicator="help_requests_x"
    ).value == Decimal(14)


def test_an_unapproved_schools_values_follow_the_records(world, fake):
    """The contrast to the lock above: without approval, a refresh replaces the values."""
    from diemtua.reporting.rollup import refresh_period

    fake.add("help_requests_x").set("help_requests_x", world.school_a, 14)
    submitted_report(world)
    fake.set("help_requests_x", world.school_a, 99)
    refresh_period(semester(), [world.school_a.pk])
    assert IndicatorValue.objects.get(
        org_unit=world.school_a, period=semester(), indicator="help_requests_x"
    ).value == Decimal(99)


def test_start_refuses_a_school_report_for_anything_but_a_semester(world):
    counselor = world.users["counselor"]
    year = get_period(PeriodKind.SCHOOL_YEAR, "2025-2026")
    with pytest.raises(ValidationError) as error:
        services.report_start(actor=counselor, unit=world.school_a, period=year)
    assert "lập theo học kỳ" in str(error.value)
    month = get_period(PeriodKind.MONTH, "2026-03")
    with pytest.raises(ValidationError):
        services.report_start(actor=counselor, unit=world.school_a, period=month)
    assert not Report.objects.exists()


def test_start_returns_the_existing_report_and_refuses_outsiders(world):
    first = services.report_start(
        actor=world.users["counselor"], unit=world.school_a, period=semester()
    )
    again = services.report_start(
        actor=world.users["school_lead"], unit=world.school_a, period=semester()
    )
    assert again.pk == first.pk and Report.objects.count() == 1
    for person in ("teacher", "department_officer", "counselor_b"):
        with pytest.raises(PermissionDenied):
            services.report_start(actor=world.users[person], unit=world.school_a, period=semester())


def test_start_page_refuses_a_period_not_offered_and_roles_without_a_report(world, client):
    client.force_login(world.users["counselor"])
    response = client.post(reverse("report_start"), {"target": f"{world.school_b.pk}:{SEMESTER}"})
    assert response.status_code == 400
    assert not Report.objects.exists()
    for person in ("teacher", "partner_staff", "system_admin", "commune_officer"):
        client.force_login(world.users[person])
        assert client.post(reverse("report_start"), {"target": "x"}).status_code == 403


def test_returning_without_a_comment_is_refused(world, client):
    report = submitted_report(world)
    officer = world.users["department_officer"]
    with pytest.raises(ValidationError) as error:
        services.report_return(actor=officer, report=report, comment="   ")
    assert "comment" in error.value.message_dict
    client.force_login(officer)
    response = client.post(reverse("report_return", kwargs={"pk": report.pk}), {"comment": ""})
    assert response.status_code == 400
    assert "Hãy ghi ý kiến" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and not report.events.filter(kind="returned")


def test_a_second_submission_is_refused(world, client):
    report = submitted_report(world)
    with pytest.raises(ValidationError, match="đã được gửi"):
        services.report_submit(actor=world.users["counselor"], report=report)
    assert report.events.filter(kind="submitted").count() == 1
    client.force_login(world.users["counselor"])
    response = client.post(reverse("report_submit", kwargs={"pk": report.pk}), follow=True)
    assert "đã được gửi" in response.content.decode()
    assert report.events.filter(kind="submitted").count() == 1


def test_the_same_submit_form_sent_twice_submits_once(world, client):
    report = ready_report(world)
    client.force_login(world.users["counselor"])
    detail = reverse("report_detail", kwargs={"pk": report.pk})
    once = token(client, detail)
    url = reverse("report_submit", kwargs={"pk": report.pk})
    assert client.post(url, {"once": once}).status_code == 302
    response = client.post(url, {"once": once}, follow=True)
    assert "gửi hai lần" in response.content.decode()
    assert ReportEvent.objects.filter(report=report, kind="submitted").count() == 1


def test_validation_failure_blocks_submission_and_keeps_the_typed_text(world, client, fake):
    fake.add("students_counseled").add("sessions").add("group_participants")
    fake.set("students_counseled", world.school_a, 30)
    fake.set("sessions", world.school_a, 10)
    fake.set("group_participants", world.school_a, 5)
    report = services.report_start(
        actor=world.users["counselor"], unit=world.school_a, period=semester()
    )
    client.force_login(world.users["counselor"])
    edit = reverse("report_edit", kwargs={"pk": report.pk})
    typed = "Một đoạn nhận xét rất dài mà cô tư vấn đã gõ cả buổi chiều."
    response = client.post(
        edit,
        {
            "narrative": typed,
            "difficulties": "Khó khăn A",
            "then": "submit",
            "once": token(client, edit),
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert typed in page and "Khó khăn A" in page
    assert "Chưa ghi họ tên và chức vụ người ký." in page
    assert "Số học sinh được tư vấn (30) lớn hơn số buổi tư vấn (10)" in page
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and not report.figures
    assert report.narrative == typed  # saved, so nothing typed is lost
    assert not ReportEvent.objects.filter(report=report).exists()


def test_decisions_are_for_the_level_above_only(world, client):
    report = submitted_report(world)
    approve = reverse("report_approve", kwargs={"pk": report.pk})
    expected = {
        "counselor": 403,  # the school itself cannot approve its own report
        "school_lead": 403,
        "teacher": 403,
        "ministry_officer": 403,  # the Ministry decides province reports, not schools'
        "system_admin": 403,
        "counselor_b": 404,
        "department_officer_b": 404,
        "partner_staff": 404,
    }
    for person, status in expected.items():
        client.force_login(world.users[person])
        assert client.post(approve).status_code == status, person
        assert (
            client.post(
                reverse("report_return", kwargs={"pk": report.pk}), {"comment": "x"}
            ).status_code
            == status
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    # The commune's officer is above the school too, and may decide.
    client.force_login(world.users["commune_officer"])
    assert client.post(approve).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED


def test_who_sees_a_school_report(world, client):
    report = ready_report(world)
    urls = [reverse("report_detail", kwargs={"pk": report.pk})]
    expected = {
        "counselor": 200,
        "school_lead": 200,
        "commune_officer": 200,
        "department_officer": 200,
        "ministry_officer": 200,
        "teacher": 403,
        "system_admin": 403,
        "counselor_b": 404,
        "department_officer_b": 404,
        "partner_staff": 404,
    }
    for person, status in expected.items():
        client.force_login(world.users[person])
        for url in urls:
            assert client.get(url).status_code == status, (person, url)
    edit = reverse("report_edit", kwargs={"pk": report.pk})
    for person, status in {"department_officer": 403, "teacher": 403, "counselor_b": 404}.items():
        client.force_login(world.users[person])
        assert client.get(edit).status_code == status
        assert client.post(reverse("report_submit", kwargs={"pk": report.pk})).status_code == status
    assert AuditEvent.objects.filter(action="reporting.refused").exists()


def test_an_officer_reads_small_counts_suppressed_the_school_exactly(world, client, fake):
    fake.add("help_requests_x", name="Yêu cầu hỗ trợ (thử)").add(
        "sessions_x", name="Buổi tư vấn (thử)"
    )
    fake.add("staff_x", name="Cán bộ (thử)", sensitive=False)
    fake.set("help_requests_x", world.school_a, 3)
    fake.set("sessions_x", world.school_a, 27)
    fake.set("staff_x", world.school_a, 2)
    report = submitted_report(world)
    url = reverse("report_detail", kwargs={"pk": report.pk})

    def figure(page, label):
        row = re.search(rf"{re.escape(label)}</th>\s*<td[^>]*>([^<]*)</td>", page)
        return row.group(1).strip()

    client.force_login(world.users["counselor"])
    page = client.get(url).content.decode()
    assert figure(page, "Yêu cầu hỗ trợ (thử)") == "3"
    client.force_login(world.users["department_officer"])
    page = client.get(url).content.decode()
    assert figure(page, "Yêu cầu hỗ trợ (thử)") == "&lt;5"
    assert figure(page, "Buổi tư vấn (thử)") == "27"
    assert figure(page, "Cán bộ (thử)") == "2"  # staff are not children: never hidden


def test_report_list_shows_own_reports_and_those_waiting_for_a_decision(world, client):
    report = submitted_report(world)
    submitted_report(world, unit=world.school_b, actor="counselor_b")
    client.force_login(world.users["department_officer"])
    response = client.get(reverse("report_list"))
    assert response.status_code == 200
    waiting = list(response.context["waiting"])
    assert waiting == [report]  # not province B's
    client.force_login(world.users["counselor"])
    response = client.get(reverse("report_list"))
    assert list(response.context["mine"]) == [report]
    assert list(response.context["waiting"]) == []
    client.force_login(world.users["teacher"])
    assert client.get(reverse("report_list")).status_code == 403


# --- the tracker -------------------------------------------------------------------------------


def _school(world, name, code, parent):
    return org_services.org_unit_create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name=name,
        code=code,
        parent=parent,
        commune=parent if parent.kind == OrgKind.COMMUNE else None,
        school_level=SchoolLevel.PRIMARY,
    )


def test_tracker_shows_each_school_with_status_dates_and_totals(
    world, client, django_assert_max_num_queries
):
    late_school = _school(world, "Trường Tiểu học Kim Liên", "01-C", world.commune_a)
    _school(world, "Trường Tiểu học Trung Tự", "01-D", world.commune_a)
    period = semester()
    # school_a: submitted on 02/06/2026 (on time, due 10/06) and approved.
    with time_machine.travel(datetime.datetime(2026, 6, 2, 9, tzinfo=datetime.UTC), tick=False):
        report = submitted_report(world)
        services.report_approve(actor=world.users["department_officer"], report=report)
    # Kim Liên: first submitted on 20/06/2026, late.
    from diemtua.accounts import services as account_services
    from diemtua.accounts.roles import Role

    kim = account_services.user_create(
        actor=None, username="tv.kim", full_name="Kim", password="x-123456789"
    )
    account_services.membership_grant(
        actor=None, user=kim, org_unit=late_school, role=Role.COUNSELOR
    )
    with time_machine.travel(datetime.datetime(2026, 6, 20, 9, tzinfo=datetime.UTC), tick=False):
        late = services.report_start(actor=kim, unit=late_school, period=period)
        services.report_update(actor=kim, report=late, narrative="x", signer_name="y")
        services.report_submit(actor=kim, report=late)

    client.force_login(world.users["department_officer"])
    client.get(reverse("report_tracker"))  # the periods of the menu are created on first use
    with django_assert_max_num_queries(15):
        response = client.get(reverse("report_tracker"), {"period": SEMESTER})
    assert response.status_code == 200
    tracker = response.context["tracker"]
    rows = {row.unit.code: row for row in tracker.rows}
    assert set(rows) == {"01-A", "01-C", "01-D"}  # only province A's schools
    assert rows["01-A"].status == "approved" and rows["01-A"].on_time is True
    assert rows["01-C"].status == "submitted" and rows["01-C"].on_time is False
    assert rows["01-D"].report is None and rows["01-D"].on_time is False  # overdue, not sent
    assert rows["01-A"].due == datetime.date(2026, 6, 10)
    assert (tracker.percent_submitted, tracker.percent_on_time, tracker.percent_approved) == (
        67,
        33,
        33,
    )
    page = response.content.decode()
    assert "02/06/2026" in page and "20/06/2026" in page and "10/06/2026" in page

    # The Ministry sees the provinces, then drills down to A's schools.
    client.force_login(world.users["ministry_officer"])
    with django_assert_max_num_queries(15):
        response = client.get(reverse("report_tracker"), {"period": SEMESTER})
    provinces = {row.unit.pk: row for row in response.context["tracker"].provinces}
    assert provinces[world.dept_a.pk].schools == 3 and provinces[world.dept_a.pk].approved == 1
    assert provinces[world.dept_b.pk].schools == 1 and provinces[world.dept_b.pk].submitted == 0
    response = client.get(reverse("report_tracker"), {"period": SEMESTER, "unit": world.dept_a.pk})
    assert {row.unit.code for row in response.context["tracker"].rows} == {"01-A", "01-C", "01-D"}


def test_tracker_queries_do_not_grow_with_the_number_of_schools(
    world, client, django_assert_max_num_queries
):
    for number in range(12):
        _school(world, f"Trường Tiểu học Số {number}", f"01-S{number}", world.commune_a)
    client.force_login(world.users["ministry_officer"])
    client.get(reverse("report_tracker"))
    with django_assert_max_num_queries(15):
        assert client.get(reverse("report_tracker"), {"period": SEMESTER}).status_code == 200


def test_tracker_access(world, client):
    for person in ("counselor", "school_lead", "teacher", "partner_staff", "system_admin"):
        client.force_login(world.users[person])
        assert client.get(reverse("report_tracker")).status_code == 403, person
    client.force_login(world.users["department_officer"])
    assert client.get(reverse("report_tracker"), {"unit": world.dept_b.pk}).status_code == 404
    assert client.get(reverse("report_tracker"), {"unit": "abc"}).status_code == 404
    response = client.get(reverse("report_tracker"), {"period": "1999-HK9"})
    assert response.status_code == 200
    assert "Không có học kỳ này" in response.content.decode()


def test_tracker_follows_the_tree_as_it_was(world, client):
    """A school that sat under province B until a merger counts for B's earlier semesters."""
    moved = _school(world, "Trường Tiểu học Sáp Nhập", "01-M", world.commune_a)
    org_services.past_placement_record(
        actor=None, unit=moved, parent=world.commune_b, until=datetime.date(2025, 6, 30)
    )
    old = get_period(PeriodKind.SEMESTER, "2024-2025-HK2")
    assert {s.code for s in selectors.schools_under([world.dept_b], old)[world.dept_b.pk]} == {
        "01-M",
        "38-B",
    }
    assert "01-M" not in [
        s.code for s in selectors.schools_under([world.dept_a], old)[world.dept_a.pk]
    ]
    assert "01-M" in [
        s.code for s in selectors.schools_under([world.dept_a], semester())[world.dept_a.pk]
    ]


# --- the pilot evaluation report ----------------------------------------------------------------


def _pilot(world):
    from diemtua.programs.models import Enrolment, Program

    program = Program.objects.create(
        owner=world.ministry,
        code="thi-diem-test",
        title="Chương trình thí điểm tư vấn học đường",
        starts_on=datetime.date(2024, 2, 1),
        ends_on=datetime.date(2024, 8, 31),
        created_by=world.users["ministry_officer"],
    )
    for school, locality in ((world.school_a, world.dept_a), (world.school_b, world.dept_b)):
        Enrolment.objects.create(
            program=program, school=school, locality=locality, enrolled_on=program.starts_on
        )
    return program


def test_pilot_report_compares_baseline_and_end_per_locality_and_is_issued_on_submit(
    world, client, fake
):
    from diemtua.reporting import report_content
    from diemtua.reporting.periods import program_period

    program = _pilot(world)
    fake.add("help_requests", name="Yêu cầu (thử)")
    fake.set("help_requests", world.school_a, 20)
    fake.set("help_requests", world.school_b, 7)
    baseline, end, whole = report_content.pilot_periods(program)
    assert (baseline.code, end.code, whole.code) == ("2024-02", "2024-08", f"program-{program.pk}")
    officer = world.users["ministry_officer"]
    with pytest.raises(ValidationError):  # a pilot report is for a program's span only
        services.report_start(actor=officer, unit=world.ministry, period=semester())
    report = services.report_start(
        actor=officer, unit=world.ministry, period=program_period(program)
    )
    services.report_update(
        actor=officer,
        report=report,
        narrative="Thí điểm tại hai địa phương.",
        lessons="Cần phòng tư vấn riêng.",
        proposals="Nhân rộng.",
        signer_name="Nguyễn Văn Bộ",
    )
    report = services.report_submit(actor=officer, report=report)
    assert report.status == ReportStatus.APPROVED  # nobody above the Ministry
    places = {p["name"]: p for p in report.figures["localities"]}
    assert set(places) == {"Sở GD&ĐT Hà Nội", "Sở GD&ĐT Thanh Hóa"}
    assert report.figures["periods"]["whole"]["help_requests|"] == "27"
    assert report.figures["periods"]["baseline"]["help_requests|"] == "27"

    client.force_login(officer)
    page = html.unescape(
        client.get(reverse("report_detail", kwargs={"pk": report.pk})).content.decode()
    )
    assert "Đầu kỳ (Tháng 02/2024)" in page and "Cuối kỳ (Tháng 08/2024)" in page
    assert "Cần phòng tư vấn riêng." in page
    assert "Sở GD&ĐT Thanh Hóa" in page and "Trường THCS Trần Mai Ninh" in page
    assert ">27<" in page and ">20<" in page and ">7<" in page
