"""Writes of the report workflow (DESIGN.md "Reporting", learned from DHIS2's data approval).

draft ──submit──▶ submitted ──approve──▶ approved (locked)
  ▲                   │
  └────return─────────┘ (returned: editable again, with the comment shown to the unit)

- A school reports per semester; its commune's or department's officers decide.
- A department reports per semester or school year; the Ministry decides. Bottom-up: the
  province report can be submitted, and approved, only when every school that sat under the
  department in the period has its semester report approved.
- The pilot evaluation is the Ministry's own report: nobody sits above it, so submitting it
  issues it (it is approved and locked at once).
- Submission recomputes the unit's indicators, takes a snapshot of the exact figures and runs
  the validation rules; approval locks the snapshot and the unit's rollup rows for the period
  (reporting.rollup skips the units in `locked_pairs`).

Every transition locks the report row first (`select_for_update(of=("self",))`: PostgreSQL
refuses FOR UPDATE on the nullable side of an outer join), so two officers clicking at once
cannot both decide, and a double click cannot submit twice.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from diemtua.audit import services as audit

from . import access, report_content, rollup, selectors, subtree, validation
from .models import IndicatorValue, Period, Report, ReportEvent, ReportEventKind, ReportKind
from .models import ReportStatus as Status
from .periods import period_label

HEADER_FIELDS = ("number_symbol", "place", "signer_name", "signer_title", "recipients")
# Set by the system (a seeded report may have no creator): not the user's input to check.
_NOT_CHECKED = ("created_by", "submitted_by", "decided_by")
TEXT_FIELDS = ("narrative", "difficulties", "proposals", "lessons")
EDITABLE_FIELDS = HEADER_FIELDS + TEXT_FIELDS


def _locked(report: Report) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("org_unit", "period", "period__program")
        .get(pk=report.pk)
    )


def _period_refusal(kind: str, period: Period) -> str | None:
    if period.kind in selectors.PERIOD_KINDS_FOR[kind]:
        return None
    if kind == ReportKind.SCHOOL_SEMESTER:
        return _("Báo cáo của trường lập theo học kỳ; %(period)s không phải là một học kỳ.") % {
            "period": period_label(period)
        }
    if kind == ReportKind.PROVINCE:
        return _("Báo cáo của Sở lập theo học kỳ hoặc năm học; không lập cho %(period)s.") % {
            "period": period_label(period)
        }
    return _("Báo cáo đánh giá thí điểm lập cho thời gian của một chương trình.")


def _notify(users, text: str, report: Report) -> None:
    from diemtua.notifications.models import Kind
    from diemtua.notifications.services import notify

    link = reverse("report_detail", kwargs={"pk": report.pk})
    notify(users=users, kind=Kind.REMINDER, text=text, link=link)


def _deciders(report: Report):
    from diemtua.accounts.models import User
    from diemtua.orgs.models import OrgUnitAncestor

    above = OrgUnitAncestor.objects.filter(descendant_id=report.org_unit_id, depth__gt=0).values(
        "ancestor_id"
    )
    return User.objects.filter(
        is_active=True,
        memberships__org_unit_id__in=above,
        memberships__role__in=list(access.deciding_roles(report)),
    ).distinct()


def _preparers(report: Report):
    from diemtua.notifications.recipients import at_unit

    return at_unit(report.org_unit_id, access.PREPARER_ROLES.get(report.org_unit.kind, ()))


@transaction.atomic
def report_start(*, actor, unit, period: Period, request=None) -> Report:
    """The unit's report of this kind for the period: the existing one, or a new draft with the
    Decree 30 header filled in from the unit."""
    kind = selectors.KIND_FOR_UNIT.get(unit.kind)
    if kind is None:
        raise ValidationError(_("Đơn vị này không có mẫu báo cáo định kỳ."))
    if not access.can_prepare(actor, unit):
        raise PermissionDenied
    refusal = _period_refusal(kind, period)
    if refusal:
        raise ValidationError({"period": refusal})
    existing = Report.objects.filter(kind=kind, org_unit=unit, period=period).first()
    if existing is not None:
        return existing
    report = Report(kind=kind, org_unit=unit, period=period, created_by=actor)
    header = report_content.letterhead(report)
    report.place = header["place"]
    report.signer_title = header["authority"]
    report.recipients = report_content.default_recipients(report)
    report.full_clean(exclude=_NOT_CHECKED)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # someone else at the unit started it at the same moment
        return Report.objects.get(kind=kind, org_unit=unit, period=period)
    audit.record(
        actor=actor,
        action="reporting.report_start",
        obj=report,
        org_unit=unit,
        request=request,
        extra={"kind": kind, "period": period.code},
    )
    return report


@transaction.atomic
def report_update(*, actor, report: Report, request=None, **fields) -> Report:
    """Save the typed parts and the Decree 30 header fields of a draft or returned report."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    report = _locked(report)
    if not access.can_prepare(actor, report.org_unit):
        raise PermissionDenied
    if not report.is_editable:
        raise ValidationError(_("Báo cáo đã gửi/đã duyệt, không sửa được."))
    changed = [name for name, value in fields.items() if getattr(report, name) != value]
    for name in changed:
        setattr(report, name, fields[name])
    report.full_clean(exclude=_NOT_CHECKED)
    if changed:
        report.save(update_fields=[*changed, "updated_at"])
    audit.record(
        actor=actor,
        action="reporting.report_update",
        obj=report,
        org_unit=report.org_unit_id,
        request=request,
        extra={"fields": changed},
    )
    return report


def _pending_message(count: int) -> str:
    return ngettext(
        "Còn %(n)s trường chưa được duyệt báo cáo học kỳ; báo cáo của Sở chờ các trường "
        "được duyệt hết.",
        "Còn %(n)s trường chưa được duyệt báo cáo học kỳ; báo cáo của Sở chờ các trường "
        "được duyệt hết.",
        count,
    ) % {"n": count}


def _refresh_before_snapshot(report: Report) -> None:
    """Recompute the indicators the report reads, so its snapshot reflects today's records."""
    if report.kind == ReportKind.PILOT_EVALUATION:
        from diemtua.programs.models import Enrolment

        schools = list(
            Enrolment.objects.filter(program=report.period.program).values_list(
                "school_id", flat=True
            )
        )
        for period in report_content.pilot_periods(report.period.program):
            rollup.refresh_period(period, schools)
        return
    rollup.refresh_period(report.period, [report.org_unit_id])


@transaction.atomic
def report_submit(*, actor, report: Report, request=None) -> Report:
    """Send the report to the level above: validation rules first, then the figures snapshot.

    Returns the report with `.warnings` (rules that warn but do not block)."""
    report = _locked(report)
    if not access.can_prepare(actor, report.org_unit):
        raise PermissionDenied
    if report.status == Status.SUBMITTED:
        raise ValidationError(_("Báo cáo đã được gửi, đang chờ cấp trên duyệt."))
    if report.status == Status.APPROVED:
        raise ValidationError(_("Báo cáo đã được duyệt, không gửi lại được."))
    if report.kind == ReportKind.PROVINCE:
        pending = selectors.pending_schools(report)
        if pending:
            raise ValidationError(_pending_message(len(pending)))
    _refresh_before_snapshot(report)
    figures = report_content.collect(report)
    exact = access.sees_exact(actor, report.org_unit)
    findings = validation.run(
        report,
        report_content.totals_of(figures),
        exact=exact,
        # A department officer's messages quote the figures as their tables show them.
        as_shown=None if exact else report_content.present(report, figures, exact=False).totals,
    )
    problems = validation.errors(findings)
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    report.figures = figures
    report.figures_at = now
    report.submitted_at = now
    report.submitted_by = actor
    report.status = Status.SUBMITTED
    issued = not access.deciding_roles(report)
    if issued:
        # Nobody sits above the Ministry: sending its own report issues it.
        report.status = Status.APPROVED
        report.decided_at, report.decided_by = now, actor
    report.full_clean(exclude=_NOT_CHECKED)
    report.save(
        update_fields=[
            "figures",
            "figures_at",
            "submitted_at",
            "submitted_by",
            "status",
            "decided_at",
            "decided_by",
            "updated_at",
        ]
    )
    ReportEvent.objects.create(report=report, kind=ReportEventKind.SUBMITTED, at=now, by=actor)
    if issued:
        ReportEvent.objects.create(
            report=report,
            kind=ReportEventKind.APPROVED,
            at=now,
            by=actor,
            comment=_("Báo cáo của Bộ: không có cấp trên duyệt, gửi là ban hành."),
        )
    warnings = validation.warnings(findings)
    audit.record(
        actor=actor,
        action="reporting.report_submit",
        obj=report,
        org_unit=report.org_unit_id,
        request=request,
        extra={"period": report.period.code, "warnings": len(warnings)},
    )
    if not issued:
        _notify(
            _deciders(report),
            _("%(unit)s đã gửi báo cáo %(period)s, chờ duyệt.")
            % {"unit": report.org_unit.name, "period": period_label(report.period)},
            report,
        )
    report.warnings = warnings
    return report


def _check_decidable(actor, report: Report, verb: str) -> None:
    if not access.can_decide(actor, report):
        raise PermissionDenied
    if report.status == Status.APPROVED:
        raise ValidationError(_("Báo cáo đã được duyệt, không %(verb)s được nữa.") % {"verb": verb})
    if report.status == Status.RETURNED:
        raise ValidationError(_("Báo cáo đã trả lại cho đơn vị sửa; hãy chờ đơn vị gửi lại."))
    if report.status != Status.SUBMITTED:
        raise ValidationError(_("Báo cáo chưa được gửi, nên chưa %(verb)s được.") % {"verb": verb})


@transaction.atomic
def report_return(*, actor, report: Report, comment: str, request=None) -> Report:
    """Send the report back to the unit with a comment; it becomes editable again."""
    report = _locked(report)
    _check_decidable(actor, report, _("trả lại"))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(
            {"comment": _("Hãy ghi ý kiến: đơn vị cần biết phải sửa gì trước khi gửi lại.")}
        )
    now = timezone.now()
    report.status = Status.RETURNED
    report.decided_at, report.decided_by = now, actor
    report.full_clean(exclude=_NOT_CHECKED)
    report.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
    ReportEvent.objects.create(
        report=report, kind=ReportEventKind.RETURNED, at=now, by=actor, comment=comment
    )
    audit.record(
        actor=actor,
        action="reporting.report_return",
        obj=report,
        org_unit=report.org_unit_id,
        request=request,
        extra={"period": report.period.code},
    )
    _notify(
        _preparers(report),
        _("Báo cáo %(period)s bị trả lại, xem ý kiến và sửa để gửi lại.")
        % {"period": period_label(report.period)},
        report,
    )
    return report


def _freeze_rollup(report: Report) -> None:
    """A school's rollup rows for the period become exactly what was approved: its snapshot.

    Later refreshes leave them alone (rollup.locked_pairs); this makes sure that what is
    locked is what the officer saw, even if a refresh ran between submission and approval."""
    if report.kind != ReportKind.SCHOOL_SEMESTER or not report.figures.get("totals"):
        return
    rows = []
    for name, value in report.figures["totals"].items():
        code, _sep, disaggregation = name.partition("|")
        rows.append(
            IndicatorValue(
                org_unit_id=report.org_unit_id,
                period=report.period,
                indicator=code,
                disaggregation=disaggregation,
                value=report_content._dec(value),
            )
        )
    IndicatorValue.objects.filter(org_unit_id=report.org_unit_id, period=report.period).delete()
    IndicatorValue.objects.bulk_create(rows, batch_size=2000)
    subtree.refresh(report.period, [report.org_unit_id])


@transaction.atomic
def report_approve(*, actor, report: Report, comment: str = "", request=None) -> Report:
    """Approve a submitted report: it and its figures are locked from now on."""
    report = _locked(report)
    _check_decidable(actor, report, _("duyệt"))
    if report.kind == ReportKind.PROVINCE:
        pending = selectors.pending_schools(report)
        if pending:
            raise ValidationError(_pending_message(len(pending)))
    now = timezone.now()
    report.status = Status.APPROVED
    report.decided_at, report.decided_by = now, actor
    report.full_clean(exclude=_NOT_CHECKED)
    report.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
    ReportEvent.objects.create(
        report=report,
        kind=ReportEventKind.APPROVED,
        at=now,
        by=actor,
        comment=(comment or "").strip(),
    )
    _freeze_rollup(report)
    audit.record(
        actor=actor,
        action="reporting.report_approve",
        obj=report,
        org_unit=report.org_unit_id,
        request=request,
        extra={"period": report.period.code},
    )
    _notify(
        _preparers(report),
        _("Báo cáo %(period)s đã được duyệt.") % {"period": period_label(report.period)},
        report,
    )
    return report
