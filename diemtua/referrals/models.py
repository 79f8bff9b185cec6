"""The provider directory: what each partner organisation offers and how to reach it.

A provider is an `OrgUnit` of kind "provider" (under a province's department, or under the
Ministry for nationwide services such as the 111 hotline); its profile holds the directory
details. None of this is student data, so nothing here is encrypted.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from diemtua.core.models import BaseModel
from diemtua.orgs.models import OrgKind


class ProviderCategory(models.TextChoices):
    HEALTH = "health", _("Cơ sở y tế")
    PSYCHIATRIC = "psychiatric", _("Bệnh viện/phòng khám tâm thần")
    SOCIAL_WORK = "social_work", _("Trung tâm Công tác xã hội")
    HOTLINE = "hotline", _("Tổng đài bảo vệ trẻ em")
    POLICE = "police", _("Công an")
    YOUTH_UNION = "youth_union", _("Đoàn Thanh niên")
    WOMEN_UNION = "women_union", _("Hội Liên hiệp Phụ nữ")
    OTHER = "other", _("Tổ chức xã hội/khác")


class ProviderProfile(BaseModel):
    unit = models.OneToOneField(
        "orgs.OrgUnit",
        verbose_name=_("đơn vị"),
        on_delete=models.PROTECT,
        related_name="provider_profile",
        limit_choices_to={"kind": OrgKind.PROVIDER},
    )
    category = models.CharField(_("loại hình"), max_length=16, choices=ProviderCategory.choices)
    services = models.TextField(_("dịch vụ cung cấp"), blank=True)
    phone = models.CharField(_("điện thoại"), max_length=64, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    opening_hours = models.CharField(_("giờ làm việc"), max_length=255, blank=True)
    catchment = models.CharField(
        _("địa bàn phục vụ"),
        max_length=255,
        blank=True,
        help_text=_("Ví dụ: các xã/phường được phục vụ, hoặc “toàn tỉnh”."),
    )
    accepts_referrals = models.BooleanField(
        _("nhận chuyển gửi qua Điểm Tựa"),
        default=False,
        help_text=_("Đơn vị có cán bộ nhận và phản hồi chuyển gửi trên Điểm Tựa."),
    )
    notes = models.TextField(_("ghi chú"), blank=True)
    # Folded name, services and catchment, for search without diacritics (set by services).
    search_text = models.TextField(editable=False, blank=True)

    class Meta:
        verbose_name = _("đơn vị phối hợp")
        verbose_name_plural = _("đơn vị phối hợp")
        indexes = [models.Index(fields=["category", "accepts_referrals"])]

    def __str__(self) -> str:
        return str(self.unit)
