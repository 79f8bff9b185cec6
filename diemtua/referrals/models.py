"""The provider directory: what each partner organisation offers and how to reach it.

A provider is an `OrgUnit` of kind "provider" (under a province's department, or under the
Ministry for nationwide services such as the 111 hotline); its profile holds the directory
details. None of this is student data, so nothing here is encrypted.
"""

import json

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diemtua.core.fields import EncryptedTextField
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


# --- Referrals ----------------------------------------------------------------------------------


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Thông thường")
    SOON = "soon", _("Sớm (trong tuần)")
    URGENT = "urgent", _("Khẩn")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Đã gửi, chờ phản hồi")
    ACCEPTED = "accepted", _("Đã tiếp nhận")
    DECLINED = "declined", _("Từ chối")
    CLOSED = "closed", _("Đã kết thúc")


class Outcome(models.TextChoices):
    SUCCESSFUL = "successful", _("Thành công")
    NOT_SUCCESSFUL = "not_successful", _("Không thành công")


class FailureReason(models.TextChoices):
    FAMILY_DECLINED = "family_declined", _("Gia đình từ chối")
    NO_CAPACITY = "no_capacity", _("Đơn vị không đủ khả năng tiếp nhận")
    UNREACHABLE = "unreachable", _("Không liên lạc được")
    NO_LONGER_NEEDED = "no_longer_needed", _("Không còn cần thiết")
    OTHER = "other", _("Lý do khác")


class SharedField(models.TextChoices):
    """What a counselor may pass on, field by field; nothing else of the case ever leaves."""

    FULL_NAME = "full_name", _("Họ và tên học sinh")
    DATE_OF_BIRTH = "date_of_birth", _("Ngày sinh")
    CLASS_NAME = "class_name", _("Lớp")
    GUARDIAN_CONTACT = "guardian_contact", _("Liên hệ của phụ huynh")
    RISK_LEVEL = "risk_level", _("Mức nguy cơ của lần đánh giá gần nhất")
    SUMMARY = "summary", _("Tóm tắt của cán bộ tư vấn")


class Referral(BaseModel):
    """A student referred to a partner organisation, from sending to the partner's feedback.

    `shared` is the snapshot of exactly what the partner sees (JSON of the chosen fields, taken
    when it was sent); the partner never reads the case itself.
    """

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="referrals"
    )
    school = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("trường"), on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("đơn vị nhận"),
        on_delete=models.PROTECT,
        related_name="referrals_received",
        limit_choices_to={"kind": OrgKind.PROVIDER},
    )
    # What the sharing rests on: the consent covering this partner, or the emergency recorded.
    consent = models.ForeignKey(
        "cases.Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    emergency = models.ForeignKey(
        "cases.EmergencyOverride",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = EncryptedTextField(_("lý do chuyển gửi"))
    urgency = models.CharField(_("mức độ khẩn"), max_length=12, choices=Urgency.choices)
    shared_fields = models.CharField(max_length=200, editable=False)  # codes, comma-separated
    shared = EncryptedTextField(editable=False)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    sent_at = models.DateTimeField(_("gửi lúc"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    respond_due_at = models.DateTimeField(_("hạn phản hồi"))
    feedback_due_on = models.DateField(_("hạn gửi kết quả cho trường"))
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = EncryptedTextField(_("lý do từ chối"), blank=True)
    outcome = models.CharField(_("kết quả"), max_length=16, choices=Outcome.choices, blank=True)
    failure_reason = models.CharField(
        _("lý do không thành công"), max_length=20, choices=FailureReason.choices, blank=True
    )
    feedback = EncryptedTextField(_("phản hồi cho trường"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("chuyển gửi")
        verbose_name_plural = _("chuyển gửi")
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["provider", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consent__isnull=False) | models.Q(emergency__isnull=False),
                name="referral_has_basis",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    def shared_items(self) -> list[tuple[str, str]]:
        """(label, value) of what was shared, in the order of the choices."""
        data = json.loads(self.shared or "{}")
        return [(label, data[code]) for code, label in SharedField.choices if code in data]

    @property
    def response_overdue(self) -> bool:
        return self.status == ReferralStatus.SENT and timezone.now() > self.respond_due_at

    @property
    def feedback_overdue(self) -> bool:
        return (
            self.status in (ReferralStatus.SENT, ReferralStatus.ACCEPTED)
            and timezone.localdate() > self.feedback_due_on
        )


class Appointment(BaseModel):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="appointments")
    at = models.DateTimeField(_("thời gian hẹn"))
    details = EncryptedTextField(_("địa điểm, ghi chú"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("lịch hẹn")
        verbose_name_plural = _("lịch hẹn")
        ordering = ["at", "pk"]
