"""Bottom-up approval (DHIS2): a province report waits for every school under it; the Ministry
approves it only under the same condition; approval locks; decisions are for the level above."""

import datetime
import html
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind, SchoolLevel
from diemtua.reporting import services
from diemtua.reporting.models import IndicatorValue, PeriodKind, Report, ReportStatus
from diemtua.reporting.periods import get_period
from diemtua.reporting.tests.test_reports import (  # noqa: F401  (fake is a fixture)
    SEMESTER,
    fake,
    semester,
    submitted_report,
)


def province_report(world, period=None):
    officer = world.users["department_officer"]
    report = services.report_start(actor=officer, unit=world.dept_a, period=period or semester())
    return services.report_update(
        actor=officer, report=report, narrative="Toàn tỉnh thực hiện tốt.", signer_name="Phạm Sở"
    )


def approve_school_a(world, period=None):
    report = submitted_report(world, period=period)
    return services.report_approve(actor=world.users["department_officer"], report=report)


def test_a_province_cannot_submit_before_all_its_schools_are_approved(world):
    report = province_report(world)
    officer = world.users["department_officer"]
    with pytest.raises(ValidationError) as error:
        services.report_submit(actor=officer, report=report)
    assert "Còn 1 trường chưa được duyệt" in error.value.messages[0]

    school = submitted_report(world)  # submitted is not enough
    with pytest.raises(ValidationError, match="Còn 1 trường"):
        services.report_submit(actor=officer, report=report)

    services.report_approve(actor=officer, report=school)
    report = services.report_submit(actor=officer, report=report)
    assert report.status == ReportStatus.SUBMITTED


def test_the_ministry_cannot_approve_a_province_while_a_school_is_not_approved(world, client):
    approve_school_a(world)
    report = services.report_submit(
        actor=world.users["department_officer"], report=province_report(world)
    )
    # A school joins the province during the period after the province sent its report.
    org_services.org_unit_create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name="Trường Tiểu học Mới",
        code="01-NEW",
        parent=world.commune_a,
        commune=world.commune_a,
        school_level=SchoolLevel.PRIMARY,
    )
    ministry = world.users["ministry_officer"]
    with pytest.raises(ValidationError, match="Còn 1 trường chưa được duyệt"):
        services.report_approve(actor=ministry, report=report)
    client.force_login(ministry)
    response = client.post(reverse("report_approve", kwargs={"pk": report.pk}), follow=True)
    assert "Còn 1 trường chưa được duyệt" in html.unescape(response.content.decode())
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    # The Ministry may still return it.
    services.report_return(actor=ministry, report=report, comment="Chờ trường mới.")
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED


def test_the_ministry_approves_a_province_when_all_schools_are_approved(world):
    approve_school_a(world)
    report = services.report_submit(
        actor=world.users["department_officer"], report=province_report(world)
    )
    with pytest.raises(PermissionDenied):  # the department cannot approve its own report
        services.report_approve(actor=world.users["department_officer"], report=report)
    with pytest.raises(PermissionDenied):  # nor can another province's officer
        services.report_approve(actor=world.users["department_officer_b"], report=report)
    report = services.report_approve(actor=world.users["ministry_officer"], report=report)
    assert report.status == ReportStatus.APPROVED


def test_a_school_year_province_report_waits_for_both_semesters(world):
    year = get_period(PeriodKind.SCHOOL_YEAR, "2025-2026")
    first = get_period(PeriodKind.SEMESTER, "2025-2026-HK1")
    approve_school_a(world, period=first)
    report = province_report(world, period=year)
    with pytest.raises(ValidationError, match="Còn 1 trường"):
        services.report_submit(actor=world.users["department_officer"], report=report)
    approve_school_a(world, period=semester())
    report = services.report_submit(actor=world.users["department_officer"], report=report)
    assert report.status == ReportStatus.SUBMITTED


def test_schools_of_other_provinces_do_not_hold_a_province_back(world):
    submitted_report(world, unit=world.school_b, actor="counselor_b")  # B's, not approved
    approve_school_a(world)
    report = services.report_submit(
        actor=world.users["department_officer"], report=province_report(world)
    )
    assert report.status == ReportStatus.SUBMITTED


def test_the_province_page_names_how_many_schools_wait(world, client):
    report = province_report(world)
    client.force_login(world.users["department_officer"])
    page = client.get(reverse("report_detail", kwargs={"pk": report.pk})).content.decode()
    assert "Còn 1 trường chưa được duyệt báo cáo học kỳ" in page
    response = client.post(reverse("report_submit", kwargs={"pk": report.pk}), follow=True)
    assert "Còn 1 trường" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_province_report_officers_see_only_suppressed_figures(world, client, fake):  # noqa: F811
    fake.add("help_requests", name="Yêu cầu hỗ trợ (thử)")
    fake.set("help_requests", world.school_a, 3)
    approve_school_a(world)
    report = services.report_submit(
        actor=world.users["department_officer"], report=province_report(world)
    )
    assert report.figures["totals"]["help_requests|"] == "3"  # the snapshot is exact
    client.force_login(world.users["ministry_officer"])
    page = client.get(reverse("report_detail", kwargs={"pk": report.pk})).content.decode()
    assert "&lt;5" in page
    assert ">3<" not in page


def test_approval_freezes_the_schools_rollup_to_what_was_approved(world, fake):  # noqa: F811
    """A refresh between submission and approval cannot change what gets locked."""
    from diemtua.reporting.rollup import refresh_period

    fake.add("help_requests_x").set("help_requests_x", world.school_a, 10)
    report = submitted_report(world)
    fake.set("help_requests_x", world.school_a, 11)
    refresh_period(semester(), [world.school_a.pk])  # the nightly job ran meanwhile
    services.report_approve(actor=world.users["department_officer"], report=report)
    value = IndicatorValue.objects.get(
        org_unit=world.school_a, period=semester(), indicator="help_requests_x"
    ).value
    assert value == Decimal(10)


def test_a_returned_report_is_editable_again_and_can_be_resubmitted(world):
    report = submitted_report(world)
    counselor, officer = world.users["counselor"], world.users["department_officer"]
    with pytest.raises(ValidationError, match="không sửa được"):
        services.report_update(actor=counselor, report=report, narrative="Sửa khi đang chờ duyệt")
    services.report_return(actor=officer, report=report, comment="Thiếu phần khó khăn.")
    with pytest.raises(ValidationError, match="trả lại cho đơn vị sửa"):
        services.report_approve(actor=officer, report=report)
    services.report_update(actor=counselor, report=report, difficulties="Thiếu phòng.")
    report = services.report_submit(actor=counselor, report=report)
    assert report.status == ReportStatus.SUBMITTED
    assert report.events.filter(kind="submitted").count() == 2


def test_a_draft_cannot_be_decided(world):
    report = services.report_start(
        actor=world.users["counselor"], unit=world.school_a, period=semester()
    )
    with pytest.raises(ValidationError, match="chưa được gửi"):
        services.report_approve(actor=world.users["department_officer"], report=report)
    with pytest.raises(ValidationError, match="chưa được gửi"):
        services.report_return(actor=world.users["department_officer"], report=report, comment="x")


def test_every_transition_locks_the_report_row(world, monkeypatch):
    """select_for_update(of=("self",)) on each transition (PostgreSQL would otherwise refuse
    FOR UPDATE on the outer joins of select_related)."""
    from django.db.models.query import QuerySet

    calls = []
    original = QuerySet.select_for_update

    def spy(self, *args, **kwargs):
        if self.model is Report:
            calls.append(kwargs.get("of"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", spy)
    report = submitted_report(world)
    services.report_return(actor=world.users["department_officer"], report=report, comment="x")
    services.report_update(actor=world.users["counselor"], report=report, narrative="y")
    report = services.report_submit(actor=world.users["counselor"], report=report)
    services.report_approve(actor=world.users["department_officer"], report=report)
    assert calls and all(of == ("self",) for of in calls)
    assert len(calls) == 6  # update, submit, return, update, submit, approve


def test_report_period_must_match_its_kind_for_a_province(world):
    month = get_period(PeriodKind.MONTH, "2026-03")
    with pytest.raises(ValidationError, match="học kỳ hoặc năm học"):
        services.report_start(
            actor=world.users["department_officer"], unit=world.dept_a, period=month
        )
    assert not Report.objects.filter(org_unit=world.dept_a).exists()


def test_tracker_due_date_follows_the_setting(world, client, settings):
    settings.DIEMTUA_REPORT_DUE_DAYS = 20
    client.force_login(world.users["department_officer"])
    response = client.get(reverse("report_tracker"), {"period": SEMESTER})
    assert response.context["tracker"].due == datetime.date(2026, 6, 20)
