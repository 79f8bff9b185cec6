"""Students and their guardians: identifiable data, seen only by the school's counselors."""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from diemtua.core.fields import EncryptedTextField
from diemtua.core.models import BaseModel
from diemtua.core.text import fold, name_sort_key
from diemtua.orgs.models import OrgUnit

from .ethnicities import ETHNICITIES


class Gender(models.TextChoices):
    FEMALE = "female", _("Nữ")
    MALE = "male", _("Nam")
    OTHER = "other", _("Khác")


class Disability(models.TextChoices):
    NONE = "none", _("Không khuyết tật")
    PHYSICAL = "physical", _("Khuyết tật vận động")
    HEARING = "hearing", _("Khuyết tật nghe, nói")
    VISUAL = "visual", _("Khuyết tật nhìn")
    INTELLECTUAL = "intellectual", _("Khuyết tật trí tuệ")
    MENTAL = "mental", _("Khuyết tật thần kinh, tâm thần")
    OTHER = "other", _("Khuyết tật khác")


# Circular 42/2021: the national student identifier is a string of digits that never changes.
national_id_validator = RegexValidator(
    r"^[0-9]{8,16}$", _("Mã định danh học sinh gồm 8 đến 16 chữ số.")
)


class Student(BaseModel):
    school = models.ForeignKey(
        OrgUnit,
        verbose_name=_("trường"),
        on_delete=models.PROTECT,
        related_name="students",
        limit_choices_to={"kind": "school"},
    )
    full_name = models.CharField(_("họ và tên"), max_length=120)
    search_name = models.CharField(max_length=120, editable=False, db_index=True)
    sort_name = models.CharField(max_length=160, editable=False, default="")
    gender = models.CharField(_("giới tính"), max_length=8, choices=Gender.choices)
    date_of_birth = models.DateField(_("ngày sinh"))
    grade = models.PositiveSmallIntegerField(
        _("khối"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    class_name = models.CharField(_("lớp"), max_length=20)
    ethnicity = models.CharField(
        _("dân tộc"), max_length=40, choices=[(e, e) for e in ETHNICITIES], default="Kinh"
    )
    national_id = models.CharField(
        _("mã định danh học sinh"),
        max_length=16,
        null=True,
        blank=True,
        validators=[national_id_validator],
    )
    disability = models.CharField(
        _("khuyết tật"), max_length=16, choices=Disability.choices, default=Disability.NONE
    )
    # Free text about a child's needs is sensitive (Law 91/2025): encrypted at rest.
    support_needs = EncryptedTextField(_("nhu cầu hỗ trợ đặc biệt"), blank=True)
    is_active = models.BooleanField(_("đang học"), default=True)

    class Meta:
        verbose_name = _("học sinh")
        verbose_name_plural = _("học sinh")
        ordering = ["grade", "class_name", "sort_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"],
                condition=Q(national_id__isnull=False),
                name="student_national_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(grade__gte=1) & Q(grade__lte=12), name="student_grade_1_12"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "search_name"]),
            models.Index(fields=["school", "class_name", "sort_name"]),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.class_name})"

    def save(self, *args, **kwargs):
        self.search_name = fold(self.full_name)
        self.sort_name = name_sort_key(self.full_name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name", "sort_name"}
        super().save(*args, **kwargs)


class Guardian(BaseModel):
    class Relationship(models.TextChoices):
        MOTHER = "mother", _("Mẹ")
        FATHER = "father", _("Bố")
        GRANDPARENT = "grandparent", _("Ông/bà")
        SIBLING = "sibling", _("Anh/chị")
        OTHER = "other", _("Người giám hộ khác")

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardians")
    full_name = models.CharField(_("họ và tên"), max_length=120)
    relationship = models.CharField(_("quan hệ"), max_length=16, choices=Relationship.choices)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_legal_representative = models.BooleanField(_("người đại diện theo pháp luật"), default=True)

    class Meta:
        verbose_name = _("phụ huynh/người giám hộ")
        verbose_name_plural = _("phụ huynh/người giám hộ")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_relationship_display()})"
