"""Safeguarding alerts: raised by a serious assessment, acknowledged, escalated; the reporting
clock of a child-protection case counts working hours only."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from diemtua.audit.models import AuditEvent
from diemtua.cases import alerts, selectors, services, tasks
from diemtua.cases.models import AlertLevel, SafeguardingAlert

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Monday 02/11/2026, 08:00 in Hà Nội: a working day.
MONDAY_8 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=VN)


@pytest.fixture
def counselor(world):
    return world.users["counselor"]


@pytest.fixture
def case(world, counselor):
    with time_machine.travel(MONDAY_8 - datetime.timedelta(days=1), tick=False):
        return services.case_open(
            actor=counselor, school=world.school_a, student=world.student_a, summary="x"
        )


def _assess(case, counselor, **kwargs):
    values = {"assessed_on": timezone.localdate(), "risk_level": "low"}
    values.update(kwargs)
    return services.assessment_record(actor=counselor, case=case, **values)


def test_a_high_risk_assessment_alerts_the_school_and_a_lead_acknowledges(
    world, case, counselor, client
):
    with time_machine.travel(MONDAY_8, tick=False):
        _assess(case, counselor, risk_level="high", risk_reasons="Em nói muốn biến mất")
        _assess(case, counselor, risk_level="high", risk_reasons="Vẫn vậy")  # no second alert
    alert = SafeguardingAlert.objects.get()
    assert alert.reason == "high_risk" and alert.level == AlertLevel.TEAM
    assert alert.report_due_at is None  # not a child-protection concern: no reporting clock
    lead = world.users["school_lead"]
    client.force_login(lead)
    home = client.get(reverse("home")).content.decode()
    assert f"hồ sơ #{case.pk}" in home and "Nguy cơ cao" in home
    assert "Nguyễn Văn An" not in home and "biến mất" not in home  # metadata only
    assert client.get(reverse("case_detail", kwargs={"pk": case.pk})).status_code == 403
    response = client.post(reverse("alert_acknowledge", kwargs={"pk": alert.pk}))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == lead
    with pytest.raises(ValidationError, match="đã được xác nhận"):
        alerts.acknowledge(actor=counselor, alert=alert)
    assert AuditEvent.objects.filter(action="cases.alert_acknowledge").count() == 1


def test_an_unacknowledged_alert_climbs_to_the_department(world, case, counselor, settings, client):
    settings.DIEMTUA_ALERT_ACK_MINUTES = 60
    with time_machine.travel(MONDAY_8, tick=False):
        _assess(case, counselor, risk_level="imminent", risk_reasons="Có kế hoạch cụ thể")
    alert = SafeguardingAlert.objects.get()
    officer, other_officer = world.users["department_officer"], world.users["department_officer_b"]
    with time_machine.travel(MONDAY_8 + datetime.timedelta(minutes=59), tick=False):
        assert alerts.escalate_overdue() == 0
    with time_machine.travel(MONDAY_8 + datetime.timedelta(minutes=61), tick=False):
        tasks.escalate_alerts.delay()  # as beat would (eager here)
        tasks.escalate_alerts.delay()  # idempotent
    alert.refresh_from_db()
    assert alert.level == AlertLevel.LEAD
    with pytest.raises(PermissionDenied):
        alerts.acknowledge(actor=officer, alert=alert)  # not yet the Department's turn
    assert selectors.escalated_alerts(fetched_by=officer, units=[world.dept_a]) == []
    with time_machine.travel(MONDAY_8 + datetime.timedelta(minutes=125), tick=False):
        assert alerts.escalate_overdue() == 1
    alert.refresh_from_db()
    assert alert.level == AlertLevel.DEPARTMENT
    assert selectors.escalated_alerts(fetched_by=officer, units=[world.dept_a]) == [alert]
    assert selectors.escalated_alerts(fetched_by=other_officer, units=[world.dept_b]) == []
    client.force_login(officer)
    home = client.get(reverse("home")).content.decode()
    assert "chưa được trường xác nhận" in home and "Nguyễn Văn An" not in home
    assert client.post(reverse("alert_acknowledge", kwargs={"pk": alert.pk})).status_code == 302
    client.force_login(other_officer)
    assert client.post(reverse("alert_acknowledge", kwargs={"pk": alert.pk})).status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_by == officer
    with time_machine.travel(MONDAY_8 + datetime.timedelta(days=3), tick=False):
        assert alerts.escalate_overdue() == 0
    assert AuditEvent.objects.filter(action="cases.alert_escalate").count() == 2


def test_a_child_protection_concern_starts_a_working_hour_clock(world, case, counselor, client):
    friday_evening = datetime.datetime(2026, 11, 6, 19, 0, tzinfo=VN)
    with time_machine.travel(friday_evening, tick=False):
        _assess(case, counselor, abuse_concern=True, risk_level="medium")
    alert = SafeguardingAlert.objects.get(reason="abuse")
    # Nothing counts until Monday 07:30; 12 working hours end on Tuesday 11:30.
    assert alert.report_due_at == datetime.datetime(2026, 11, 10, 11, 30, tzinfo=VN)
    case.refresh_from_db()
    assert case.is_urgent
    with time_machine.travel(datetime.datetime(2026, 11, 9, 9, 30, tzinfo=VN), tick=False):
        clock = alerts.clock(alert)
        assert clock["left"] == datetime.timedelta(hours=10) and not clock["overdue"]
        client.force_login(counselor)
        page = client.get(reverse("case_detail", kwargs={"pk": case.pk})).content.decode()
        assert "Hạn báo cáo 111" in page and "10/11/2026 11:30" in page
        url = reverse("child_protection_report", kwargs={"pk": alert.pk})
        bad = client.post(url, {"reported_at": "09/11/2026 09:00", "reported_to": "hotline_111"})
        assert bad.status_code == 400 and not alert.reports.exists()
        ok = client.post(
            url,
            {"reported_at": "09/11/2026 09:00", "reported_to": "hotline_111",
             "reporter": "Cô Hiệu trưởng", "reference": "Cuộc gọi 111 lúc 9:00"},
        )  # fmt: skip
        assert ok.status_code == 302
    clock = alerts.clock(alert)
    assert clock["reported"].get_reported_to_display().startswith("Tổng đài") and not clock["late"]
    event = AuditEvent.objects.get(action="cases.child_protection_report")
    assert event.extra["on_time"] is True and "111 lúc" not in str(event.extra)


def test_a_high_risk_alert_needs_no_report_and_others_cannot_record_one(world, case, counselor):
    with time_machine.travel(MONDAY_8, tick=False):
        _assess(case, counselor, risk_level="high", risk_reasons="x")
    alert = SafeguardingAlert.objects.get()
    with pytest.raises(ValidationError, match="bảo vệ trẻ em"):
        alerts.report_record(
            actor=counselor, alert=alert, reported_at=timezone.now(), reported_to="hotline_111",
            reporter="x",
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        alerts.acknowledge(actor=world.users["teacher"], alert=alert)
    with pytest.raises(PermissionDenied):
        alerts.acknowledge(actor=world.users["counselor_b"], alert=alert)
