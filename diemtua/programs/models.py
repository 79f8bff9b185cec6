"""Programs run across units: the Ministry's 2024 pilot, a province's plan under Circular 18/2025.

A program belongs to its owner unit (the Ministry, a Department); it names the localities that
take part, the rules for choosing schools and staff, the schools enrolled and the staff each
school designated. Directives, trainings, visits, funding and awards (their own apps) may point
at a program.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from diemtua.core.models import BaseModel, StoredFile
from diemtua.orgs.models import OrgUnit


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", _("Đang chuẩn bị")
    ACTIVE = "active", _("Đang thực hiện")
    CLOSED = "closed", _("Đã kết thúc")


class Program(BaseModel):
    owner = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị chủ trì")
    )
    code = models.SlugField(_("mã chương trình"), max_length=40, unique=True)
    title = models.CharField(_("tên chương trình"), max_length=255)
    search_title = models.CharField(max_length=255, editable=False, db_index=True, default="")
    # The decision or plan the program rests on, e.g. "Kế hoạch số 1255/KH-BGDĐT".
    legal_basis = models.CharField(_("căn cứ (số, ký hiệu văn bản)"), max_length=200, blank=True)
    legal_basis_date = models.DateField(_("ngày ban hành văn bản"), null=True, blank=True)
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày"))
    description = models.TextField(_("mục tiêu, nội dung"), blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("chương trình")
        verbose_name_plural = _("chương trình")
        ordering = ["-starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="program_period_valid"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        from diemtua.core.text import fold

        self.search_title = fold(self.title)
        super().save(*args, **kwargs)


class ProgramLocality(models.Model):
    """A locality (a province's Department of Education) taking part in a program."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="localities")
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("địa phương")
    )

    class Meta:
        verbose_name = _("địa phương tham gia")
        verbose_name_plural = _("địa phương tham gia")
        constraints = [
            models.UniqueConstraint(fields=["program", "unit"], name="program_locality_once")
        ]

    def __str__(self) -> str:
        return f"{self.program_id}:{self.unit_id}"


class RuleKind(models.TextChoices):
    SCHOOLS_PER_LOCALITY = "schools_per_locality", _("Số trường mỗi địa phương")
    ONE_PER_LEVEL = "one_per_level", _("Mỗi cấp học một trường ở mỗi địa phương")
    STAFF_PER_SCHOOL = "staff_per_school", _("Số cán bộ được phân công mỗi trường")
    STAFF_TRAINED = "staff_trained", _("Cán bộ được phân công đã được tập huấn")


class SelectionRule(models.Model):
    """A rule for choosing schools and staff, checked live (programs/rules.py)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("quy tắc"), max_length=32, choices=RuleKind.choices)
    # The number the rule asks for (3 schools, 1 staff member); levels for ONE_PER_LEVEL,
    # comma-separated SchoolLevel values.
    number = models.PositiveSmallIntegerField(_("số lượng"), default=1)
    levels = models.CharField(_("cấp học"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("quy tắc lựa chọn")
        verbose_name_plural = _("quy tắc lựa chọn")
        constraints = [
            models.UniqueConstraint(fields=["program", "kind"], name="program_rule_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.number}"


class Enrolment(BaseModel):
    """A school taking part in a program, for its locality."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="enrolments")
    school = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("trường")
    )
    locality = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("địa phương")
    )
    enrolled_on = models.DateField(_("ngày tham gia"))
    left_on = models.DateField(_("ngày rời chương trình"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("trường tham gia")
        verbose_name_plural = _("trường tham gia")
        ordering = ["locality__name", "school__name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "school"], name="program_school_once")
        ]

    def __str__(self) -> str:
        return f"{self.program_id}:{self.school_id}"


class Employment(models.TextChoices):
    FULL_TIME = "full_time", _("Chuyên trách")
    PART_TIME = "part_time", _("Kiêm nhiệm")


class Qualification(models.TextChoices):
    PSYCHOLOGY = "psychology", _("Tâm lý học")
    SOCIAL_WORK = "social_work", _("Công tác xã hội")
    EDUCATION = "education", _("Sư phạm, giáo dục học")
    OTHER = "other", _("Khác")


class DesignatedStaff(BaseModel):
    """A staff member a school designated for the program's counseling and social work."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="staff")
    # The person's account when they have one (a counselor); the name is kept either way.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tài khoản"),
    )
    full_name = models.CharField(_("họ và tên"), max_length=120)
    position = models.CharField(_("chức vụ, công việc"), max_length=120, blank=True)
    employment = models.CharField(_("hình thức"), max_length=16, choices=Employment.choices)
    qualification = models.CharField(_("chuyên môn"), max_length=16, choices=Qualification.choices)
    trained = models.BooleanField(_("đã được tập huấn"), default=False)
    trained_on = models.DateField(_("ngày tập huấn"), null=True, blank=True)
    since = models.DateField(_("được phân công từ"))
    until = models.DateField(_("đến ngày"), null=True, blank=True)

    class Meta:
        verbose_name = _("cán bộ được phân công")
        verbose_name_plural = _("cán bộ được phân công")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name


class TaskStatus(models.TextChoices):
    PLANNED = "planned", _("Chưa bắt đầu")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    DONE = "done", _("Đã hoàn thành")


class ProgramTask(BaseModel):
    """A task or milestone of a program's plan, carried out by one unit.

    A milestone (selection, training, the end, the evaluation report) is shown to everyone who
    takes part in the program; an ordinary task only to its responsible unit, the units above it
    and the program's owner: a school sees only its own tasks.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("nhiệm vụ"), max_length=255)
    search_title = models.CharField(max_length=255, editable=False, db_index=True, default="")
    responsible = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị thực hiện")
    )
    starts_on = models.DateField(_("ngày bắt đầu"))
    due_on = models.DateField(_("hạn hoàn thành"))
    milestone = models.BooleanField(
        _("mốc chung của chương trình"),
        default=False,
        help_text=_("Mốc được hiển thị cho mọi đơn vị tham gia chương trình."),
    )
    description = models.TextField(_("nội dung, sản phẩm"), blank=True)
    depends_on = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="dependents",
        verbose_name=_("chỉ bắt đầu khi đã xong"),
    )
    status = models.CharField(
        _("tình trạng"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.PLANNED
    )
    done_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    evidence_note = models.TextField(_("minh chứng, kết quả"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("nhiệm vụ của chương trình")
        verbose_name_plural = _("nhiệm vụ của chương trình")
        ordering = ["starts_on", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("starts_on")), name="program_task_dates_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="done", done_on__isnull=False) | ~Q(status="done"),
                name="program_task_done_has_date",
            ),
        ]
        indexes = [models.Index(fields=["program", "responsible"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        from diemtua.core.text import fold

        self.search_title = fold(self.title)
        if kwargs.get("update_fields") is not None and "title" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_title"}
        super().save(*args, **kwargs)

    def is_overdue(self, today) -> bool:
        return self.status != TaskStatus.DONE and self.due_on < today


class TaskEvidence(StoredFile):
    """A file showing a task was done (minutes, a report, photos of a training)."""

    task = models.ForeignKey(ProgramTask, on_delete=models.CASCADE, related_name="evidence")

    class Meta(StoredFile.Meta):
        verbose_name = _("tệp minh chứng")
        verbose_name_plural = _("tệp minh chứng")
