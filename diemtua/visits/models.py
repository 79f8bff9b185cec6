"""Supervision visits: survey, inspection, supervision and support of schools (khảo sát, kiểm tra,
giám sát, hỗ trợ), scored against a checklist, with findings, evidence photos, recommendations
and follow-up actions the visited school answers and the visitor verifies.

Checklists are reference data shipped as JSON (checklists/*.json, loaded by checklists.py after
every migration); a visit keeps the version it was scored on. Nothing here identifies a student:
photos may show children, so they are served only to those who may see the visit (access.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from diemtua.core.models import BaseModel, StoredFile


def localized(texts, language: str | None = None) -> str:
    """The text for the current language from {"vi": …, "en": …} (Vietnamese first)."""
    from django.utils.translation import get_language

    if isinstance(texts, str):
        return texts
    if not texts:
        return ""
    language = (language or get_language() or "vi")[:2]
    return texts.get(language) or texts.get("vi") or next(iter(texts.values()))


class Checklist(BaseModel):
    code = models.CharField(_("mã"), max_length=40, unique=True)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("bảng tiêu chí")
        verbose_name_plural = _("bảng tiêu chí")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def current_version(self) -> "ChecklistVersion":
        return self.versions.order_by("-number").first()


class ChecklistVersion(models.Model):
    """One frozen definition of a checklist; never edited once a visit is scored on it."""

    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("phiên bản"))
    definition = models.JSONField(_("định nghĩa"))
    checksum = models.CharField(max_length=64, editable=False)
    published_at = models.DateTimeField(_("ban hành lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("phiên bản bảng tiêu chí")
        verbose_name_plural = _("phiên bản bảng tiêu chí")
        ordering = ["checklist", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "number"], name="checklist_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    @property
    def title(self) -> str:
        return localized(self.definition.get("title"))

    @property
    def regulation(self) -> str:
        return localized(self.definition.get("regulation"))

    @property
    def criteria(self) -> list[dict]:
        return self.definition.get("criteria", [])

    def scale_label(self, value: int) -> str:
        for step in self.definition.get("scale", []):
            if step["value"] == value:
                return localized(step["label"])
        return str(value)

    def applies_on(self, day) -> bool:
        import datetime

        start = self.definition.get("applies_from")
        end = self.definition.get("applies_to")
        if start and day < datetime.date.fromisoformat(start):
            return False
        return not (end and day > datetime.date.fromisoformat(end))


class VisitKind(models.TextChoices):
    SURVEY = "survey", _("Khảo sát")
    INSPECTION = "inspection", _("Kiểm tra")
    SUPERVISION = "supervision", _("Giám sát")
    SUPPORT = "support", _("Hỗ trợ")


class VisitStatus(models.TextChoices):
    DRAFT = "draft", _("Đang ghi")
    COMPLETED = "completed", _("Đã hoàn thành")


class Visit(BaseModel):
    # The Ministry, Department or commune that visits: one of the school's ancestors.
    visiting_unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    school = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("trường")
    )
    kind = models.CharField(_("hình thức"), max_length=16, choices=VisitKind.choices)
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("thuộc chương trình"),
    )
    visited_on = models.DateField(_("ngày làm việc"))
    checklist = models.ForeignKey(
        ChecklistVersion, on_delete=models.PROTECT, related_name="visits",
        verbose_name=_("bảng tiêu chí"),
    )  # fmt: skip
    team = models.CharField(_("thành phần đoàn"), max_length=500, blank=True)
    findings = models.TextField(_("kết quả, nhận xét"), blank=True)
    recommendations = models.TextField(_("kiến nghị"), blank=True)
    # Weighted sums over the checklist's criteria (score × weight), kept by services.py.
    score_total = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    score_max = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    score_percent = models.DecimalField(max_digits=5, decimal_places=1, default=0)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=VisitStatus.choices, default=VisitStatus.DRAFT
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("đợt làm việc tại trường")
        verbose_name_plural = _("đợt làm việc tại trường")
        ordering = ["-visited_on", "-pk"]
        indexes = [
            models.Index(fields=["visiting_unit", "visited_on"], name="visit_unit_date"),
            models.Index(fields=["school", "status"], name="visit_school_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(completed_at__isnull=False),
                name="visit_completed_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.school} {self.visited_on:%d/%m/%Y}"

    @property
    def is_draft(self) -> bool:
        return self.status == VisitStatus.DRAFT


class VisitScore(models.Model):
    """One criterion's score (None until scored) and the visitor's note on it."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="scores")
    criterion = models.CharField(max_length=40)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "criterion"], name="visit_score_once")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}={self.score}"


class VisitPhoto(StoredFile):
    """An evidence photo (JPEG, PNG or WebP, checked by content)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    caption = models.CharField(_("chú thích"), max_length=255, blank=True)

    class Meta(StoredFile.Meta):
        verbose_name = _("ảnh minh chứng")
        verbose_name_plural = _("ảnh minh chứng")


class VisitAmendment(BaseModel):
    """A correction appended to a completed visit; the visit itself stays as it was sent."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="amendments")
    text = models.TextField(_("nội dung đính chính"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.text[:40]}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Chưa thực hiện xong")
    ANSWERED = "answered", _("Trường đã báo cáo")
    VERIFIED = "verified", _("Đã xác nhận hoàn thành")
    REOPENED = "reopened", _("Yêu cầu làm tiếp")


# Statuses in which the school still owes an answer: overdue once past the due date.
PENDING_STATUSES = (ActionStatus.OPEN, ActionStatus.REOPENED)


class FollowUpAction(BaseModel):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("việc cần khắc phục"), max_length=500)
    # The owner is the visited school; optionally a named person there.
    owner_name = models.CharField(_("người phụ trách ở trường"), max_length=120, blank=True)
    due_on = models.DateField(_("hạn hoàn thành"))
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("việc cần khắc phục")
        verbose_name_plural = _("việc cần khắc phục")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="visit_action_status_due")]

    def __str__(self) -> str:
        return self.description

    def is_overdue_on(self, day) -> bool:
        return self.status in PENDING_STATUSES and self.due_on < day

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.is_overdue_on(timezone.localdate())


class ActionEventKind(models.TextChoices):
    ANSWER = "answer", _("Trường báo cáo kết quả")
    VERIFY = "verify", _("Đoàn xác nhận hoàn thành")
    REOPEN = "reopen", _("Đoàn yêu cầu làm tiếp")


class ActionEvent(BaseModel):
    """The exchange on an action: the school's answers and the visitor's verdicts, in order."""

    action = models.ForeignKey(FollowUpAction, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=8, choices=ActionEventKind.choices)
    text = models.TextField(_("nội dung"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action_id} {self.kind}"


class ActionFile(StoredFile):
    """A file the school sent with its answer (a photo, the plan it issued, minutes)."""

    event = models.ForeignKey(ActionEvent, on_delete=models.CASCADE, related_name="files")

    class Meta(StoredFile.Meta):
        verbose_name = _("tệp báo cáo kết quả")
        verbose_name_plural = _("tệp báo cáo kết quả")
