"""Budget lines of the counseling and social-work programs (issue 7, item 8).

The Quảng Ngãi 2022 letter asks the province to "secure funding and mobilise financial sources
beyond the state budget"; the 2024 pilot was paid by the Ministry (the June training, the
supervision) and by each Department. A budget line is one amount a unit holds for one purpose in
one fiscal year, from one source: planned (dự toán), committed (đã cam kết, hợp đồng) and spent
(đã giải ngân, chi). Amounts are whole Vietnamese đồng and are not personal data, so changes are
audited with their old and new values. Nothing here names a student.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from diemtua.core.models import BaseModel, StoredFile


class Source(models.TextChoices):
    STATE = "state", _("Ngân sách nhà nước")
    MOBILISED = "mobilised", _("Nguồn xã hội hóa, tài trợ")
    OTHER = "other", _("Nguồn hợp pháp khác")


class Purpose(models.TextChoices):
    TRAINING = "training", _("Tập huấn, bồi dưỡng")
    COMMUNICATION = "communication", _("Truyền thông")
    EQUIPMENT = "equipment", _("Trang thiết bị phòng tư vấn")
    ALLOWANCE = "allowance", _("Phụ cấp, thù lao cán bộ")
    SUPERVISION = "supervision", _("Khảo sát, kiểm tra, giám sát")
    OTHER = "other", _("Khác")


# 10^15 − 1 đồng: far above any line of this kind; beyond it a number was mistyped.
MAX_AMOUNT = Decimal(999_999_999_999_999)
FIRST_YEAR = 2015
_AMOUNT = [MinValueValidator(Decimal(0)), MaxValueValidator(MAX_AMOUNT)]


def _amount(label):
    return models.DecimalField(
        label, max_digits=15, decimal_places=0, default=Decimal(0), validators=_AMOUNT
    )


class BudgetLine(BaseModel):
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("chương trình"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="budget_lines",
    )
    # The unit that holds the money: the Ministry, a Department, a commune or a school.
    unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("đơn vị quản lý kinh phí"),
        on_delete=models.PROTECT,
        related_name="budget_lines",
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("năm ngân sách"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(2100)]
    )
    source = models.CharField(_("nguồn kinh phí"), max_length=12, choices=Source.choices)
    # Who gives the money when it is not the state budget ("nguồn tài trợ của …").
    source_detail = models.CharField(_("chi tiết nguồn"), max_length=255, blank=True)
    purpose = models.CharField(_("mục đích chi"), max_length=16, choices=Purpose.choices)
    title = models.CharField(_("nội dung"), max_length=255)
    search_title = models.CharField(max_length=255, editable=False, default="")
    planned = _amount(_("dự toán (đồng)"))
    committed = _amount(_("đã cam kết (đồng)"))
    spent = _amount(_("đã chi (đồng)"))
    # Committing more than planned, or spending more than committed, needs a recorded reason
    # (a supplementary estimate, an advance to be settled): docs/funding.md.
    over_reason = models.CharField(_("lý do vượt"), max_length=500, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("dòng kinh phí")
        verbose_name_plural = _("dòng kinh phí")
        ordering = ["-fiscal_year", "unit__search_name", "pk"]
        indexes = [
            models.Index(fields=["unit", "fiscal_year"], name="budget_unit_year"),
            models.Index(fields=["fiscal_year", "source"], name="budget_year_source"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned__gte=0) & Q(committed__gte=0) & Q(spent__gte=0),
                name="budget_amounts_not_negative",
                violation_error_message=_("Số tiền không được âm."),
            ),
            models.CheckConstraint(
                condition=(Q(committed__lte=F("planned")) & Q(spent__lte=F("committed")))
                | ~Q(over_reason=""),
                name="budget_over_needs_reason",
                violation_error_message=_(
                    "Số cam kết vượt dự toán hoặc số đã chi vượt số cam kết: hãy ghi lý do."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def spent_percent(self) -> int | None:
        if not self.planned:
            return None
        return round(self.spent * 100 / self.planned)

    @property
    def is_over(self) -> bool:
        return self.committed > self.planned or self.spent > self.committed


class BudgetAttachment(StoredFile):
    """An estimate, a contract, a settlement or a sponsor's letter of a budget line."""

    line = models.ForeignKey(BudgetLine, on_delete=models.CASCADE, related_name="attachments")

    class Meta(StoredFile.Meta):
        verbose_name = _("tệp đính kèm kinh phí")
        verbose_name_plural = _("tệp đính kèm kinh phí")

    @property
    def kind_label(self) -> str:
        from diemtua.core.uploads import KINDS

        kind = KINDS.get(self.file_kind)
        return str(kind.label) if kind else self.file_kind
