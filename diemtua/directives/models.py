"""Directives (công văn) and the tasks they assign, with the recipients' submissions.

A directive is an official letter a unit of our tree issues and tracks — a Department's plan, the
Ministry's pilot plan — or one it tracks on behalf of the authority that signed it (the Quảng Ngãi
People's Committee's letter 4576/UBND-KGVX of 13/09/2022, tracked by the province's Department of
Education). It names its recipients (units below the owner) and the tasks it assigns to them,
each with a deadline ("issue an implementation plan and report by 31/10/2022"). Each task ×
recipient is an assignment; the recipient answers it with a submission (a note and a document).
Nothing here concerns a student.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from diemtua.core.models import BaseModel, StoredFile


class DirectiveStatus(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    SENT = "sent", _("Đã gửi")


class Directive(BaseModel):
    owner = models.ForeignKey(
        "orgs.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("đơn vị ban hành, theo dõi"),
    )
    # The signing authority when it is outside our tree, e.g. "UBND tỉnh Quảng Ngãi".
    issuer_name = models.CharField(_("cơ quan ký ban hành (nếu khác)"), max_length=200, blank=True)
    number_symbol = models.CharField(_("số, ký hiệu"), max_length=80)
    issued_on = models.DateField(_("ngày ban hành"))
    subject = models.CharField(_("trích yếu"), max_length=500)
    search_text = models.CharField(max_length=600, editable=False, default="")
    summary = models.TextField(_("nội dung chính"), blank=True)
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directives",
        verbose_name=_("thuộc chương trình"),
    )
    status = models.CharField(
        _("trạng thái"),
        max_length=8,
        choices=DirectiveStatus.choices,
        default=DirectiveStatus.DRAFT,
    )
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("công văn")
        verbose_name_plural = _("công văn")
        ordering = ["-issued_on", "-pk"]
        indexes = [models.Index(fields=["owner", "issued_on"], name="directive_owner_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(sent_at__isnull=False),
                name="directive_sent_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number_symbol}: {self.subject}"

    @property
    def is_draft(self) -> bool:
        return self.status == DirectiveStatus.DRAFT

    @property
    def signed_by(self) -> str:
        return self.issuer_name or self.owner.name


class DirectiveDocument(StoredFile):
    """The letter itself (PDF or Word), one per directive; replacing it keeps no old copy."""

    directive = models.OneToOneField(Directive, on_delete=models.CASCADE, related_name="document")

    class Meta(StoredFile.Meta):
        verbose_name = _("văn bản")
        verbose_name_plural = _("văn bản")


class Recipient(models.Model):
    """A unit the directive is addressed to ("Kính gửi"), below its owner."""

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="recipients")
    unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị nhận")
    )

    class Meta:
        verbose_name = _("nơi nhận")
        verbose_name_plural = _("nơi nhận")
        constraints = [
            models.UniqueConstraint(fields=["directive", "unit"], name="directive_recipient_once")
        ]

    def __str__(self) -> str:
        return f"{self.directive_id}:{self.unit_id}"


class Task(BaseModel):
    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="tasks")
    description = models.TextField(_("nhiệm vụ"))
    deadline = models.DateField(_("hạn hoàn thành, báo cáo"))

    class Meta:
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return self.description[:80]


class Assignment(BaseModel):
    """A task given to one recipient unit; what the tracker counts.

    `submitted_at`/`submitted_on` are those of the *first* submission: a corrected resubmission
    (allowed until the issuer accepts the report) refines the content, not the timeliness.
    """

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    submitted_at = models.DateTimeField(_("nộp lúc"), null=True, blank=True)
    submitted_on = models.DateField(null=True, blank=True, editable=False)
    current = models.ForeignKey(
        "Submission", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    last_reminded_at = models.DateTimeField(_("nhắc lần cuối"), null=True, blank=True)
    # The issuer's "remind now": at most once a day per assignment.
    manual_reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("nhiệm vụ của đơn vị")
        verbose_name_plural = _("nhiệm vụ của đơn vị")
        constraints = [
            models.UniqueConstraint(fields=["task", "unit"], name="directive_assignment_once"),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | Q(submitted_on__isnull=False),
                name="directive_assignment_submitted_on",
            ),
        ]
        indexes = [models.Index(fields=["unit", "submitted_at"], name="directive_assign_unit")]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.unit_id}"


class Submission(BaseModel):
    """What a recipient sent for an assignment. Rows are never changed or deleted: a corrected
    resubmission is a new row that becomes the assignment's current one (history kept)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="submissions")
    note = models.TextField(_("ghi chú, kết quả thực hiện"), blank=True)
    submitted_at = models.DateTimeField(_("nộp lúc"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("báo cáo đã nộp")
        verbose_name_plural = _("báo cáo đã nộp")
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.assignment_id}@{self.submitted_at:%Y-%m-%d}"


class SubmissionFile(StoredFile):
    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="file")

    class Meta(StoredFile.Meta):
        verbose_name = _("tệp báo cáo")
        verbose_name_plural = _("tệp báo cáo")
