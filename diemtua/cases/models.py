"""Counseling reference data. Help requests and cases come next (issue 4)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Regulation(models.TextChoices):
    # Circular 31/2017/TT-BGDĐT (psychological counseling): governed records until 30/10/2025.
    CIRCULAR_31_2017 = "tt31_2017", _("Thông tư 31/2017/TT-BGDĐT")
    # Circular 18/2025/TT-BGDĐT (counseling and school social work): in force from 31/10/2025.
    CIRCULAR_18_2025 = "tt18_2025", _("Thông tư 18/2025/TT-BGDĐT")


class ContentGroup(models.Model):
    """A counseling content group of one regulation, valid for records dated in its period.

    Records keep the group they were filed under: 2024 cases carry Circular 31/2017's groups,
    new ones Circular 18/2025's, so reports of either period read as they were.
    """

    regulation = models.CharField(_("văn bản"), max_length=16, choices=Regulation.choices)
    code = models.CharField(_("mã"), max_length=32)
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên theo văn bản"), max_length=255)
    plain_label = models.CharField(
        _("cách nói cho học sinh"),
        max_length=255,
        help_text=_("Lời lẽ đơn giản, một em 10 tuổi hiểu được."),
    )
    valid_from = models.DateField(_("áp dụng từ"), null=True, blank=True)
    valid_to = models.DateField(_("áp dụng đến"), null=True, blank=True)

    class Meta:
        verbose_name = _("nhóm nội dung tư vấn")
        verbose_name_plural = _("nhóm nội dung tư vấn")
        ordering = ["regulation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["regulation", "code"], name="contentgroup_unique_code"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="contentgroup_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name
