"""The organisation tree: ministry → provincial departments → communes → schools, plus partners.

Units carry their history (valid_from, valid_to, successor) because the 2024 pilot must still
report under Hà Giang and Hòa Bình, which merged into Tuyên Quang and Phú Thọ on 01/07/2025
(Resolution 202/2025/QH15), while today's data rolls up to today's 34 provinces.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from diemtua.core.models import BaseModel
from diemtua.core.text import fold


class OrgKind(models.TextChoices):
    MINISTRY = "ministry", _("Bộ GD&ĐT")
    DEPARTMENT = "department", _("Sở GD&ĐT")
    COMMUNE = "commune", _("Xã/phường")
    SCHOOL = "school", _("Trường học")
    PROVIDER = "provider", _("Đơn vị phối hợp")


class SchoolLevel(models.TextChoices):
    PRIMARY = "primary", _("Tiểu học")
    LOWER_SECONDARY = "lower_secondary", _("Trung học cơ sở")
    UPPER_SECONDARY = "upper_secondary", _("Trung học phổ thông")
    MULTI_LEVEL = "multi_level", _("Nhiều cấp học")


# Grades each level teaches (General Education Law 2019: primary 1–5, lower 6–9, upper 10–12).
GRADES_BY_LEVEL = {
    SchoolLevel.PRIMARY: range(1, 6),
    SchoolLevel.LOWER_SECONDARY: range(6, 10),
    SchoolLevel.UPPER_SECONDARY: range(10, 13),
    SchoolLevel.MULTI_LEVEL: range(1, 13),
}

# Which parent kinds a unit of each kind may have.
ALLOWED_PARENT_KINDS = {
    OrgKind.MINISTRY: set(),
    OrgKind.DEPARTMENT: {OrgKind.MINISTRY},
    OrgKind.COMMUNE: {OrgKind.DEPARTMENT},
    # Since 07/2025 communes manage preschool, primary and lower-secondary schools; upper
    # secondary schools stay under the department.
    OrgKind.SCHOOL: {OrgKind.COMMUNE, OrgKind.DEPARTMENT},
    # Partners serve a province; nationwide services (the 111 hotline) sit under the Ministry.
    OrgKind.PROVIDER: {OrgKind.DEPARTMENT, OrgKind.MINISTRY},
}


class OrgUnit(BaseModel):
    kind = models.CharField(_("loại đơn vị"), max_length=16, choices=OrgKind.choices)
    name = models.CharField(_("tên"), max_length=255)
    search_name = models.CharField(max_length=255, editable=False, db_index=True)
    code = models.CharField(
        _("mã"),
        max_length=32,
        help_text=_("Mã chính thức: mã tỉnh, mã xã hoặc mã trường."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị kế thừa"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )
    school_level = models.CharField(
        _("cấp học"), max_length=16, choices=SchoolLevel.choices, blank=True
    )
    commune = models.ForeignKey(
        "self",
        verbose_name=_("xã/phường nơi đặt trường"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="schools_located",
        limit_choices_to={"kind": OrgKind.COMMUNE},
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["kind", "search_name"]
        constraints = [
            # An official code names one unit at a time; an ended unit may share its code with
            # today's unit (e.g. old Yên Bái 15 and today's Lào Cai 15).
            models.UniqueConstraint(
                fields=["kind", "code"],
                condition=Q(valid_to__isnull=True),
                name="orgunit_code_unique_current",
                violation_error_message=_("Đã có một đơn vị đang hoạt động cùng loại và cùng mã."),
            ),
            models.UniqueConstraint(
                fields=["kind", "code", "valid_to"],
                name="orgunit_code_unique_per_end_date",
                violation_error_message=_(
                    "Đã có một đơn vị cùng loại, cùng mã và cùng ngày kết thúc."
                ),
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="orgunit_valid_range",
                violation_error_message=_("Ngày kết thúc phải sau ngày bắt đầu hoạt động."),
            ),
            models.CheckConstraint(
                condition=Q(kind="school") | Q(school_level=""),
                name="orgunit_level_only_for_schools",
            ),
        ]
        indexes = [models.Index(fields=["kind", "valid_to"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name"}
        super().save(*args, **kwargs)

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    @property
    def grades(self) -> range:
        return GRADES_BY_LEVEL.get(self.school_level, range(1, 13))


class OrgUnitAncestor(models.Model):
    """Closure table: one row per (ancestor, descendant) pair, including each unit with itself.

    "Everything under province P" is then one indexed query:
    OrgUnit.objects.filter(ancestor_links__ancestor=P). Maintained by orgs.services only.
    """

    ancestor = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="descendant_links")
    descendant = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="ancestor_links")
    depth = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ancestor", "descendant"], name="organcestor_unique")
        ]
        indexes = [models.Index(fields=["descendant", "depth"])]

    def __str__(self) -> str:
        return f"{self.ancestor_id} → {self.descendant_id} ({self.depth})"


class PastPlacement(models.Model):
    """Where a unit sat in the tree before it moved: under `parent` up to and including `until`.

    The closure table holds today's tree only. Reports of an earlier period must add a school up
    under the unit it belonged to then — the 2024 pilot's Lũng Cú school reports under Hà Giang,
    although today it sits under Tuyên Quang (Resolution 202/2025/QH15 merged the provinces on
    01/07/2025). orgs.services writes a row whenever a unit changes parent; reporting.history
    reads them.
    """

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="past_placements")
    parent = models.ForeignKey(
        OrgUnit,
        verbose_name=_("đơn vị cấp trên trước đây"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    until = models.DateField(_("đến hết ngày"))

    class Meta:
        verbose_name = _("vị trí cũ trong cây đơn vị")
        verbose_name_plural = _("vị trí cũ trong cây đơn vị")
        ordering = ["unit", "until"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "until"], name="pastplacement_once_per_day")
        ]
        indexes = [models.Index(fields=["until"], name="pastplacement_until")]

    def __str__(self) -> str:
        return f"{self.unit_id} ⊂ {self.parent_id} ≤ {self.until}"
