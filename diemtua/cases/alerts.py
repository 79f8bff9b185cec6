"""Safeguarding alerts: raised, acknowledged, escalated; child-protection reporting clocks.

An assessment at high or imminent risk, or a concern of abuse, violence or neglect, raises an
alert to the school's counselors and leadership. Someone must acknowledge it; otherwise it
climbs a level every DIEMTUA_ALERT_ACK_MINUTES (team → leadership → the Department's officers).
A concern of abuse also starts the reporting clock: the school reports to 111 or the competent
authority within DIEMTUA_CHILD_PROTECTION_REPORT_HOURS working hours (Circular 33/2018).
These are writes, like services.py; the alert itself never holds case content.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from diemtua.accounts import access as account_access
from diemtua.accounts.roles import Role
from diemtua.audit import services as audit
from diemtua.core import working_hours

from .models import AlertLevel, AlertReason, ChildProtectionReport, ReportedTo, SafeguardingAlert

# Who may acknowledge at each level (roles held over the school).
ACK_ROLES = {
    AlertLevel.TEAM: {Role.COUNSELOR, Role.SCHOOL_LEAD},
    AlertLevel.LEAD: {Role.COUNSELOR, Role.SCHOOL_LEAD},
    AlertLevel.DEPARTMENT: {Role.COUNSELOR, Role.SCHOOL_LEAD, Role.DEPARTMENT_OFFICER},
}


def _ack_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.DIEMTUA_ALERT_ACK_MINUTES)


def raise_for_assessment(*, actor, case, risk_level: str, abuse_concern: bool, request=None):
    """Called by services.assessment_record inside its transaction; returns the new alerts.

    One open alert per reason and case: a second high-risk assessment while the first alert
    is unacknowledged does not add noise.
    """
    reasons = []
    if risk_level == "imminent":
        reasons.append(AlertReason.IMMINENT_RISK)
    elif risk_level == "high":
        reasons.append(AlertReason.HIGH_RISK)
    if abuse_concern:
        reasons.append(AlertReason.ABUSE)
    now = timezone.now()
    raised = []
    for reason in reasons:
        if case.alerts.filter(reason=reason, acknowledged_at__isnull=True).exists():
            continue
        alert = SafeguardingAlert.objects.create(
            case=case,
            school_id=case.school_id,
            reason=reason,
            raised_at=now,
            raised_by=actor,
            ack_due_at=now + _ack_window(),
            report_due_at=(
                working_hours.child_protection_deadline(now)
                if reason == AlertReason.ABUSE
                else None
            ),
        )
        audit.record(
            actor=actor,
            action="cases.alert_raise",
            obj=alert,
            org_unit=case.school_id,
            request=request,
            extra={"case": case.pk, "reason": reason},
        )
        raised.append(alert)
        _tell(
            alert,
            gettext_noop("Cảnh báo an toàn mới ở %(subject)s: cần xác nhận"),
            roles=TEAM_ROLES,
        )
    return raised


def raise_for_screening(*, help_request) -> SafeguardingAlert:
    """A screening answer raised an urgent flag (PHQ-9 item 9 above zero): start the same
    safeguarding path as a high-risk assessment, before anyone has opened a case.

    Called inside the student's submission transaction; the system raises it (no actor).
    """
    now = timezone.now()
    alert = SafeguardingAlert.objects.create(
        help_request=help_request,
        school_id=help_request.school_id,
        reason=AlertReason.SCREENING_SELF_HARM,
        raised_at=now,
        raised_by=None,
        ack_due_at=now + _ack_window(),
    )
    audit.record(
        actor=None,
        action="cases.alert_raise",
        obj=alert,
        org_unit=help_request.school_id,
        extra={"help_request": help_request.pk, "reason": alert.reason},
    )
    _tell(
        alert,
        gettext_noop("Cảnh báo an toàn mới ở %(subject)s: cần xác nhận"),
        roles=TEAM_ROLES,
    )
    return alert


TEAM_ROLES = (Role.COUNSELOR, Role.SCHOOL_LEAD)


def _tell(alert, text: str, *, roles=(), department: bool = False) -> None:
    """Notify the people who must act; the text names no student, only the case number."""
    from django.urls import reverse
    from django.utils.translation import override

    from diemtua.notifications import recipients
    from diemtua.notifications.models import Kind
    from diemtua.notifications.services import notify

    with override("vi"):
        message = _(text) % {"subject": alert.subject}
    users = recipients.at_unit(alert.school_id, roles) if roles else []
    if department:
        users += recipients.department_officers_over(alert.school_id)
    transaction.on_commit(
        lambda: notify(
            users=users,
            kind=Kind.ALERT,
            text=message,
            link=reverse("home"),
            dedupe_key=f"alert:{alert.pk}:level{alert.level}",
        )
    )


@transaction.atomic
def acknowledge(*, actor, alert: SafeguardingAlert, request=None) -> SafeguardingAlert:
    alert = SafeguardingAlert.objects.select_for_update().get(pk=alert.pk)
    if not account_access.roles_over(actor, alert.school_id) & ACK_ROLES[alert.level]:
        raise PermissionDenied
    if alert.acknowledged_at is not None:
        raise ValidationError(_("Cảnh báo này đã được xác nhận rồi."))
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = actor
    alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit.record(
        actor=actor,
        action="cases.alert_acknowledge",
        obj=alert,
        org_unit=alert.school_id,
        request=request,
        extra={"level": alert.level},
    )
    return alert


def escalate_overdue(now: datetime.datetime | None = None) -> int:
    """Move every unacknowledged alert past its deadline up one level; returns how many.

    Idempotent and safe to run from several workers at once: each alert is locked and
    re-checked, and a level is only raised once per window.
    """
    now = now or timezone.now()
    moved = 0
    overdue = SafeguardingAlert.objects.filter(
        acknowledged_at__isnull=True, ack_due_at__lte=now, level__lt=AlertLevel.DEPARTMENT
    ).values_list("pk", flat=True)
    for pk in list(overdue):
        with transaction.atomic():
            alert = SafeguardingAlert.objects.select_for_update().get(pk=pk)
            if alert.acknowledged_at or alert.ack_due_at > now or alert.level >= 2:
                continue
            alert.level += 1
            alert.escalated_at = now
            alert.ack_due_at = now + _ack_window()
            alert.save(update_fields=["level", "escalated_at", "ack_due_at"])
            _tell(
                alert,
                gettext_noop("Cảnh báo an toàn ở %(subject)s chưa ai xác nhận: đã chuyển lên"),
                roles=(Role.SCHOOL_LEAD,),
                department=alert.level == AlertLevel.DEPARTMENT,
            )
            audit.record(
                actor=None,
                action="cases.alert_escalate",
                obj=alert,
                org_unit=alert.school_id,
                extra={"level": alert.level},
            )
            moved += 1
    return moved


@transaction.atomic
def report_record(
    *,
    actor,
    alert: SafeguardingAlert,
    reported_at: datetime.datetime,
    reported_to: str,
    reporter: str,
    reference: str = "",
    notes: str = "",
    request=None,
) -> ChildProtectionReport:
    """The school reported the case to 111 or the competent authority: the clock stops."""
    alert = SafeguardingAlert.objects.select_for_update().get(pk=alert.pk)
    if not account_access.roles_over(actor, alert.school_id) & set(TEAM_ROLES):
        raise PermissionDenied
    if alert.reason != AlertReason.ABUSE:
        raise ValidationError(_("Chỉ vụ việc bảo vệ trẻ em mới cần ghi nhận báo cáo."))
    errors = {}
    if reported_to not in ReportedTo.values:
        errors["reported_to"] = _("Hãy chọn nơi đã báo cáo.")
    if not (reporter or "").strip():
        errors["reporter"] = _("Hãy ghi ai đã báo cáo.")
    if reported_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["reported_at"] = _("Thời gian báo cáo không được sau bây giờ.")
    elif reported_at < alert.raised_at - datetime.timedelta(days=1):
        errors["reported_at"] = _("Thời gian báo cáo trước khi có cảnh báo quá xa; hãy kiểm tra.")
    if errors:
        raise ValidationError(errors)
    report = ChildProtectionReport.objects.create(
        alert=alert,
        reported_at=reported_at,
        reported_to=reported_to,
        reporter=reporter.strip(),
        reference=(reference or "").strip(),
        notes=(notes or "").strip(),
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="cases.child_protection_report",
        obj=alert,
        org_unit=alert.school_id,
        request=request,
        extra={"reported_to": reported_to, "on_time": reported_at <= alert.report_due_at},
    )
    return report


def clock(alert: SafeguardingAlert, now: datetime.datetime | None = None) -> dict | None:
    """The reporting clock of a child-protection alert: due, left, reported or overdue."""
    if alert.report_due_at is None:
        return None
    now = now or timezone.now()
    reports = list(alert.reports.all())
    if reports:
        first = reports[0]
        return {
            "due": alert.report_due_at,
            "reported": first,
            "late": first.reported_at > alert.report_due_at,
        }
    left = working_hours.calendar().between(now, alert.report_due_at)
    return {"due": alert.report_due_at, "left": left, "overdue": now > alert.report_due_at}
