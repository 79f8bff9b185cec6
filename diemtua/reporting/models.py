"""Indicator rollups, report forms with bottom-up approval, and background exports.

DESIGN.md "Reporting (learned from DHIS2)": indicators are defined once in code
(reporting/indicators); a job keeps one IndicatorValue row per unit where the records are kept
(the school, mostly), period, indicator and disaggregation; totals above come from those rows
through the org closure table, never from scanning raw cases.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from diemtua.core.models import BaseModel


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Tháng")
    SEMESTER = "semester", _("Học kỳ")
    SCHOOL_YEAR = "school_year", _("Năm học")
    PROGRAM = "program", _("Thời gian chương trình")


class Period(models.Model):
    """A reporting period: a month, a semester, a school year or a program's span.

    Codes are stable and readable: "2026-10", "2026-2027-HK1", "2026-2027", "program-7".
    Created on demand by reporting.periods.
    """

    kind = models.CharField(_("loại kỳ"), max_length=16, choices=PeriodKind.choices)
    code = models.CharField(_("mã kỳ"), max_length=32, unique=True)
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày"))
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("chương trình"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # When SubtreeTotal rows were last computed for every unit of this period; empty means
    # readers must add up IndicatorValue rows themselves (reporting.subtree).
    totals_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("kỳ báo cáo")
        verbose_name_plural = _("kỳ báo cáo")
        ordering = ["-starts_on", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="period_range"
            ),
            models.CheckConstraint(
                condition=Q(kind="program", program__isnull=False)
                | (~Q(kind="program") & Q(program__isnull=True)),
                name="period_program_only_for_program_kind",
            ),
        ]

    def __str__(self) -> str:
        from .periods import period_label

        return str(period_label(self))


class IndicatorValue(models.Model):
    """One number: an indicator for one unit and period, in total ("") or for one
    disaggregation value ("gender=female").

    The unit is where the records are kept (a school for cases; a department for its own
    activities and trainings). Distribution indicators (medians) keep one row per bucket
    ("bucket=3": three days) so medians stay exact at any level of the tree.
    """

    org_unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.CASCADE, related_name="indicator_values"
    )
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="values")
    indicator = models.CharField(max_length=48)
    disaggregation = models.CharField(max_length=96, blank=True, default="")
    value = models.DecimalField(max_digits=16, decimal_places=2)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "period", "indicator", "disaggregation"],
                name="indicatorvalue_once",
            )
        ]
        indexes = [
            models.Index(fields=["period", "indicator", "org_unit"], name="indicatorvalue_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.indicator}[{self.disaggregation}] {self.org_unit_id}/{self.period_id}"


class SubtreeTotal(models.Model):
    """IndicatorValue rows added up over a unit's whole subtree (the unit itself included),
    in today's tree: what a province's or the nation's dashboard shows, read as one row per
    figure instead of summing every school's rows on each page view (issue 9). Kept by
    reporting.subtree whenever values change; dropped when the tree changes."""

    org_unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    indicator = models.CharField(max_length=48)
    disaggregation = models.CharField(max_length=96, blank=True, default="")
    value = models.DecimalField(max_digits=18, decimal_places=2)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "period", "indicator", "disaggregation"],
                name="subtreetotal_once",
            )
        ]
        indexes = [models.Index(fields=["period", "indicator"], name="subtreetotal_period")]

    def __str__(self) -> str:
        return f"Σ {self.indicator}[{self.disaggregation}] {self.org_unit_id}/{self.period_id}"


class StaleUnit(models.Model):
    """A unit whose records changed since its indicators were computed, from `since` on.

    Written after commit by reporting.signals; emptied by the debounced refresh job.
    """

    org_unit = models.OneToOneField(
        "orgs.OrgUnit", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    since = models.DateField()
    marked_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.org_unit_id} ≥ {self.since}"


class ReportKind(models.TextChoices):
    SCHOOL_SEMESTER = "school_semester", _("Báo cáo học kỳ của trường")
    PROVINCE = "province", _("Báo cáo của Sở GD&ĐT")
    PILOT_EVALUATION = "pilot_evaluation", _("Báo cáo đánh giá thí điểm")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Đang soạn")
    SUBMITTED = "submitted", _("Đã gửi, chờ duyệt")
    RETURNED = "returned", _("Bị trả lại")
    APPROVED = "approved", _("Đã duyệt")


class Report(BaseModel):
    """An official report of a unit for a period: figures from indicators plus typed text.

    Bottom-up approval as in DHIS2: the unit submits, the level above approves or returns it
    with a comment. Approval freezes `figures` (a snapshot of the indicator values) and the
    text; a returned report is editable again.
    """

    kind = models.CharField(_("loại báo cáo"), max_length=20, choices=ReportKind.choices)
    org_unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("đơn vị báo cáo"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    period = models.ForeignKey(
        Period, verbose_name=_("kỳ báo cáo"), on_delete=models.PROTECT, related_name="reports"
    )
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    # Decree 30/2020 header and signature fields.
    number_symbol = models.CharField(_("số, ký hiệu"), max_length=80, blank=True)
    place = models.CharField(_("địa danh"), max_length=80, blank=True)
    signer_name = models.CharField(_("người ký"), max_length=120, blank=True)
    signer_title = models.CharField(_("chức vụ người ký"), max_length=120, blank=True)
    recipients = models.TextField(_("nơi nhận"), blank=True)
    # Typed parts (not student data: aggregate narrative written for the level above).
    narrative = models.TextField(_("tình hình thực hiện"), blank=True)
    difficulties = models.TextField(_("khó khăn, vướng mắc"), blank=True)
    proposals = models.TextField(_("đề xuất, kiến nghị"), blank=True)
    lessons = models.TextField(_("bài học kinh nghiệm"), blank=True)
    figures = models.JSONField(_("số liệu"), default=dict, blank=True)
    figures_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("duyệt/trả lúc"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("báo cáo")
        verbose_name_plural = _("báo cáo")
        ordering = ["-period__starts_on", "org_unit__search_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "org_unit", "period"], name="report_once_per_unit_period"
            )
        ]
        indexes = [models.Index(fields=["period", "kind", "status"], name="report_period_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.org_unit} — {self.period}"

    @property
    def is_editable(self) -> bool:
        return self.status in {ReportStatus.DRAFT, ReportStatus.RETURNED}

    @property
    def is_locked(self) -> bool:
        return self.status == ReportStatus.APPROVED


class ReportEventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Gửi báo cáo")
    RETURNED = "returned", _("Trả lại")
    APPROVED = "approved", _("Phê duyệt")


class ReportEvent(models.Model):
    """The history of a report: each submission, return (with its comment) and approval."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=ReportEventKind.choices)
    comment = models.TextField(_("ý kiến"), blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind} {self.at:%d/%m/%Y}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang tạo")
    DONE = "done", _("Xong")
    FAILED = "failed", _("Lỗi")


class ExportJob(BaseModel):
    """A file built in the background (a large xlsx, a .docx report), with its progress.

    The file is kept in the "uploads" storage under a random name and served only to the user
    who asked for it, after the same access checks as the page it came from.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=32)
    params = models.JSONField(default=dict)
    status = models.CharField(
        max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    stored_name = models.CharField(max_length=255, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=255, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} {self.progress}%"
