"""Trainings, experience exchanges and the document library (issue 7, items 4 and 5).

The 2024 pilot plan: in June 2024 the Ministry trains and coaches the staff each pilot school
designated, and pilot schools exchange experience; Quảng Ngãi's 2022 letter asks departments to
train staff. A training records who was invited, who came (and for how many hours), the pre- and
post-test scores and the certificates; hours add up per staff member over the school years.
Nothing here is about students: participants are school and office staff.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from diemtua.core.models import BaseModel, StoredFile

# A training lasts at least half an hour; beyond 500 hours a number was mistyped.
MIN_HOURS = Decimal("0.5")
MAX_HOURS = Decimal("500")
# Scores are on the 0–10 scale Vietnamese schools grade on, to two decimals (7,25).
MAX_SCORE = Decimal("10")
_HOURS = [MinValueValidator(Decimal("0")), MaxValueValidator(MAX_HOURS)]
_SCORE = [MinValueValidator(Decimal("0")), MaxValueValidator(MAX_SCORE)]


class Mode(models.TextChoices):
    IN_PERSON = "in_person", _("Trực tiếp")
    ONLINE = "online", _("Trực tuyến")
    BLENDED = "blended", _("Kết hợp trực tiếp và trực tuyến")


class Training(BaseModel):
    owner = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị tổ chức")
    )
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trainings",
        verbose_name=_("thuộc chương trình"),
    )
    title = models.CharField(_("tên khóa tập huấn"), max_length=255)
    search_title = models.CharField(max_length=255, editable=False, db_index=True, default="")
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày"))
    location = models.CharField(_("địa điểm"), max_length=255, blank=True)
    mode = models.CharField(_("hình thức"), max_length=12, choices=Mode.choices)
    hours = models.DecimalField(
        _("số giờ"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(MIN_HOURS), MaxValueValidator(MAX_HOURS)],
    )
    # One topic (session) a line: "Ngày 1 – Sáng: Tổng quan về tư vấn tâm lý học đường".
    curriculum = models.TextField(_("chương trình, nội dung"), blank=True)
    # One trainer a line: "TS. Nguyễn Văn A – Trường ĐHSP Hà Nội".
    trainers = models.TextField(_("giảng viên, báo cáo viên"), blank=True)
    # Certificates go to those who attended in full and, when a pass mark is set, whose
    # post-test score reached it (docs/trainings.md).
    pass_mark = models.DecimalField(
        _("điểm đạt của bài kiểm tra cuối khóa"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=_SCORE,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("khóa tập huấn")
        verbose_name_plural = _("khóa tập huấn")
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["owner", "starts_on"], name="training_owner_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="training_period_valid",
                violation_error_message=_("Ngày kết thúc không được trước ngày bắt đầu."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def curriculum_lines(self) -> list[str]:
        return [line.strip() for line in self.curriculum.splitlines() if line.strip()]

    @property
    def trainer_lines(self) -> list[str]:
        return [line.strip() for line in self.trainers.splitlines() if line.strip()]


class Attendance(models.TextChoices):
    INVITED = "invited", _("Được mời (chưa ghi điểm danh)")
    ATTENDED = "attended", _("Tham gia đầy đủ")
    PARTIAL = "partial", _("Tham gia một phần")
    ABSENT = "absent", _("Vắng mặt")


class Participant(BaseModel):
    """A staff member invited to a training: their account when they have one, else the name
    and their unit. `person_key` groups one person's participations for the hours pages."""

    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tài khoản"),
    )
    full_name = models.CharField(_("họ và tên"), max_length=120)
    search_name = models.CharField(max_length=120, editable=False, default="")
    unit = models.ForeignKey(
        "orgs.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("đơn vị công tác"),
    )
    position = models.CharField(_("chức vụ, công việc"), max_length=120, blank=True)
    # "u:<user id>" for an account, "n:<unit id>:<folded name>" otherwise (set by services).
    person_key = models.CharField(max_length=160, editable=False, db_index=True)
    attendance = models.CharField(
        _("điểm danh"), max_length=10, choices=Attendance.choices, default=Attendance.INVITED
    )
    hours_attended = models.DecimalField(
        _("số giờ tham gia"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_HOURS,
    )
    pre_score = models.DecimalField(
        _("điểm đầu khóa"), max_digits=4, decimal_places=2, null=True, blank=True, validators=_SCORE
    )
    post_score = models.DecimalField(
        _("điểm cuối khóa"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=_SCORE,
    )

    class Meta:
        verbose_name = _("người tham gia tập huấn")
        verbose_name_plural = _("người tham gia tập huấn")
        ordering = ["search_name", "pk"]
        indexes = [models.Index(fields=["unit", "attendance"], name="participant_unit_att")]
        constraints = [
            models.UniqueConstraint(
                fields=["training", "person_key"],
                name="participant_once_per_training",
                violation_error_message=_("Người này đã có trong danh sách mời."),
            ),
            models.CheckConstraint(
                condition=Q(attendance="partial") | Q(hours_attended__isnull=True),
                name="participant_hours_only_when_partial",
                violation_error_message=_("Chỉ ghi số giờ khi tham gia một phần."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def credited_hours(self, training: Training | None = None) -> Decimal:
        """Hours this participation adds to the person's total: all of the training's when
        they attended in full, the hours they were there when in part, none otherwise."""
        training = training or self.training
        if self.attendance == Attendance.ATTENDED:
            return training.hours
        if self.attendance == Attendance.PARTIAL:
            return self.hours_attended or Decimal("0")
        return Decimal("0")


class Certificate(BaseModel):
    """A certificate of completion, verified by anyone with its code (/trainings/verify/)."""

    participant = models.OneToOneField(
        Participant, on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField(_("mã xác thực"), max_length=16, unique=True)
    issued_on = models.DateField(_("ngày cấp"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revoked_on = models.DateField(_("ngày thu hồi"), null=True, blank=True)
    revoke_reason = models.CharField(_("lý do thu hồi"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("giấy chứng nhận")
        verbose_name_plural = _("giấy chứng nhận")
        ordering = ["-issued_on", "-pk"]

    def __str__(self) -> str:
        return self.code

    @property
    def display_code(self) -> str:
        """The code in two groups of five (ABCDE-23456): easier to read aloud and type."""
        return f"{self.code[:5]}-{self.code[5:]}" if len(self.code) == 10 else self.code

    @property
    def is_valid(self) -> bool:
        return self.revoked_on is None


class Exchange(BaseModel):
    """An experience exchange between schools (June 2024: the pilot schools')."""

    owner = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị tổ chức")
    )
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exchanges",
        verbose_name=_("thuộc chương trình"),
    )
    title = models.CharField(_("tên buổi trao đổi"), max_length=255)
    search_title = models.CharField(max_length=255, editable=False, db_index=True, default="")
    held_on = models.DateField(_("ngày tổ chức"))
    mode = models.CharField(_("hình thức"), max_length=12, choices=Mode.choices)
    location = models.CharField(_("địa điểm"), max_length=255, blank=True)
    schools = models.ManyToManyField(
        "orgs.OrgUnit", related_name="+", blank=True, verbose_name=_("trường tham gia")
    )
    lessons = models.TextField(_("bài học kinh nghiệm rút ra"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("buổi trao đổi kinh nghiệm")
        verbose_name_plural = _("buổi trao đổi kinh nghiệm")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class Category(models.TextChoices):
    GUIDANCE = "guidance", _("Văn bản hướng dẫn")
    TEMPLATE = "template", _("Biểu mẫu")
    GOOD_PRACTICE = "good_practice", _("Mô hình, cách làm hay")
    OTHER = "other", _("Tài liệu khác")


class Visibility(models.TextChoices):
    SUBTREE = "subtree", _("Đơn vị và các đơn vị trực thuộc")
    NATIONAL = "national", _("Toàn quốc")
    PROGRAM = "program", _("Các đơn vị tham gia chương trình")


class LibraryDocument(BaseModel):
    owner = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị đăng")
    )
    title = models.CharField(_("tên tài liệu"), max_length=255)
    search_title = models.CharField(max_length=255, editable=False, db_index=True, default="")
    category = models.CharField(_("loại tài liệu"), max_length=16, choices=Category.choices)
    visibility = models.CharField(
        _("phạm vi được xem"), max_length=10, choices=Visibility.choices, default=Visibility.SUBTREE
    )
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chương trình"),
    )
    exchange = models.ForeignKey(
        Exchange,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="materials",
        verbose_name=_("chia sẻ tại buổi trao đổi"),
    )
    description = models.TextField(_("mô tả"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("tài liệu")
        verbose_name_plural = _("tài liệu")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(visibility="program") | Q(program__isnull=False),
                name="library_program_scope_needs_program",
                violation_error_message=_(
                    "Hãy chọn chương trình cho phạm vi “tham gia chương trình”."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class LibraryVersion(StoredFile):
    """One version of a document's file; the newest number is the current one."""

    document = models.ForeignKey(LibraryDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("phiên bản"))
    note = models.CharField(_("ghi chú thay đổi"), max_length=255, blank=True)

    class Meta(StoredFile.Meta):
        verbose_name = _("phiên bản tài liệu")
        verbose_name_plural = _("phiên bản tài liệu")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="library_version_once")
        ]

    @property
    def uploaded_at(self):
        return self.created_at

    @property
    def kind_label(self) -> str:
        from diemtua.core.uploads import KINDS

        kind = KINDS.get(self.file_kind)
        return str(kind.label) if kind else self.file_kind
