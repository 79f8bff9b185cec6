"""Evaluation and awards (issue 7, item 9).

The Quảng Ngãi 2022 letter asks the Department to "evaluate and reward units and individuals
that do school counseling well"; the 2024 pilot ends with an evaluation of its schools. A unit
(the Ministry, a Department) writes a criteria set — the criteria with their maximum points —
for units (schools) or for individuals (the staff in charge), scores each subject against it,
ranks them, nominates the best for an award, and a decision with its signed document approves
the nominations. Nothing here concerns a student.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from diemtua.core.models import BaseModel, StoredFile


class SubjectKind(models.TextChoices):
    UNIT = "unit", _("Tập thể (trường, đơn vị)")
    PERSON = "person", _("Cá nhân")


class SetStatus(models.TextChoices):
    DRAFT = "draft", _("Đang soạn tiêu chí")
    OPEN = "open", _("Đang chấm điểm")
    PUBLISHED = "published", _("Đã công bố kết quả")


class Evidence(models.TextChoices):
    """Evidence the system already holds, shown next to a criterion as a suggestion."""

    NONE = "", _("Không")
    VISITS = "visits", _("Điểm trung bình các đợt giám sát đã hoàn thành")
    STAFF_TRAINED = "staff_trained", _("Số cán bộ được phân công đã tập huấn")
    TRAINING_HOURS = "training_hours", _("Số giờ tập huấn của cá nhân")


MAX_POINTS = 1000


class CriteriaSet(BaseModel):
    owner = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("đơn vị đánh giá"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    program = models.ForeignKey(
        "programs.Program", verbose_name=_("chương trình"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="criteria_sets",
    )  # fmt: skip
    title = models.CharField(_("tên bộ tiêu chí"), max_length=255)
    subject_kind = models.CharField(_("đối tượng"), max_length=8, choices=SubjectKind.choices)
    description = models.TextField(_("căn cứ, hướng dẫn"), blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=SetStatus.choices, default=SetStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("bộ tiêu chí")
        verbose_name_plural = _("bộ tiêu chí")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def max_total(self) -> int:
        return sum(c.max_points for c in self.criteria.all())


class Criterion(models.Model):
    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(_("mã"), max_length=20)
    text = models.CharField(_("nội dung tiêu chí"), max_length=500)
    max_points = models.PositiveSmallIntegerField(
        _("điểm tối đa"), validators=[MinValueValidator(1), MaxValueValidator(MAX_POINTS)]
    )
    evidence = models.CharField(
        _("minh chứng gợi ý"), max_length=16, choices=Evidence.choices, blank=True
    )

    class Meta:
        verbose_name = _("tiêu chí")
        verbose_name_plural = _("tiêu chí")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "code"], name="criterion_code_once")
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.text}"


class Evaluation(BaseModel):
    """One subject scored against a criteria set: a school (unit) or a person of a unit."""

    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.PROTECT, related_name="evaluations"
    )
    # The school or unit evaluated; for a person, the unit they work at.
    subject_unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+"
    )
    person_name = models.CharField(_("họ và tên"), max_length=120, blank=True)
    # Folded name: one evaluation per person of a unit in a set ("" for a unit).
    person_key = models.CharField(max_length=120, blank=True, editable=False)
    person_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    person_staff = models.ForeignKey(
        "programs.DesignatedStaff", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    evaluated_on = models.DateField(_("ngày đánh giá"))
    total = models.DecimalField(_("tổng điểm"), max_digits=8, decimal_places=1, default=0)
    comment = models.TextField(_("nhận xét chung"), blank=True)

    class Meta:
        verbose_name = _("kết quả đánh giá")
        verbose_name_plural = _("kết quả đánh giá")
        ordering = ["-total", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["criteria_set", "subject_unit", "person_key"],
                name="evaluation_subject_once",
                violation_error_message=_("Đối tượng này đã được chấm theo bộ tiêu chí."),
            )
        ]

    def __str__(self) -> str:
        return self.subject_label

    @property
    def subject_label(self) -> str:
        if self.person_name:
            return f"{self.person_name} ({self.subject_unit.name})"
        return self.subject_unit.name


class Score(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(
        _("điểm"), max_digits=6, decimal_places=1, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("ghi chú, minh chứng"), max_length=500, blank=True)

    class Meta:
        ordering = ["criterion__position"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "criterion"], name="score_once"),
            models.CheckConstraint(condition=Q(points__gte=0), name="score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.points}"


class NominationStatus(models.TextChoices):
    PROPOSED = "proposed", _("Đề nghị")
    APPROVED = "approved", _("Được khen thưởng")
    NOT_APPROVED = "not_approved", _("Không được duyệt")


# Common forms of commendation (Law on Emulation and Commendation 2022); free text is allowed.
AWARD_TITLES = [
    "Giấy khen của Giám đốc Sở Giáo dục và Đào tạo",
    "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh",
    "Bằng khen của Bộ trưởng Bộ Giáo dục và Đào tạo",
]


class Nomination(BaseModel):
    nominating_unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("đơn vị đề nghị"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("kết quả đánh giá làm căn cứ"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="nominations",
    )  # fmt: skip
    subject_kind = models.CharField(_("đối tượng"), max_length=8, choices=SubjectKind.choices)
    subject_unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+"
    )
    person_name = models.CharField(_("họ và tên"), max_length=120, blank=True)
    person_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    award_title = models.CharField(_("hình thức khen thưởng"), max_length=255)
    reason = models.TextField(_("thành tích, lý do đề nghị"))
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    nominated_on = models.DateField(_("ngày đề nghị"))
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=NominationStatus.choices,
        default=NominationStatus.PROPOSED,
    )  # fmt: skip
    decision = models.ForeignKey(
        "AwardDecision", on_delete=models.PROTECT, null=True, blank=True,
        related_name="nominations",
    )  # fmt: skip
    decided_note = models.CharField(_("ý kiến khi xét"), max_length=500, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("đề nghị khen thưởng")
        verbose_name_plural = _("đề nghị khen thưởng")
        ordering = ["-nominated_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(decision__isnull=False),
                name="nomination_approved_by_decision",
            )
        ]

    def __str__(self) -> str:
        return f"{self.award_title}: {self.subject_label}"

    @property
    def subject_label(self) -> str:
        if self.person_name:
            return f"{self.person_name} ({self.subject_unit.name})"
        return self.subject_unit.name

    @property
    def is_decided(self) -> bool:
        return self.status != NominationStatus.PROPOSED


class AwardDecision(BaseModel):
    """A commendation decision ("Quyết định khen thưởng") with its signed document."""

    issuing_unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("cơ quan ban hành"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    number = models.CharField(_("số, ký hiệu"), max_length=60)
    signed_on = models.DateField(_("ngày ký"))
    title = models.CharField(_("trích yếu"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("quyết định khen thưởng")
        verbose_name_plural = _("quyết định khen thưởng")
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuing_unit", "number"],
                name="award_decision_number_once",
                violation_error_message=_("Cơ quan này đã có quyết định cùng số, ký hiệu."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.signed_on:%d/%m/%Y})"


class DecisionDocument(StoredFile):
    decision = models.ForeignKey(AwardDecision, on_delete=models.CASCADE, related_name="documents")

    class Meta(StoredFile.Meta):
        verbose_name = _("văn bản quyết định")
        verbose_name_plural = _("văn bản quyết định")
