"""In-app notifications and each person's choice of channels.

A notification says *that* something needs attention and links to it; it never carries a
student's name or case content (those stay behind the link, where access rules and the audit
trail apply). E-mails are built from the same text.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ALERT = "alert", _("Cảnh báo an toàn")
    REFERRAL = "referral", _("Chuyển gửi đến đơn vị phối hợp")
    REMINDER = "reminder", _("Nhắc việc")


# What a person gets when they have not chosen: alerts and referrals at once by e-mail too,
# reminders in the daily digest.
DEFAULT_CHANNELS = {
    Kind.ALERT: {"email": True, "digest": False},
    Kind.REFERRAL: {"email": True, "digest": False},
    Kind.REMINDER: {"email": False, "digest": True},
}


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    text = models.CharField(_("nội dung"), max_length=255)
    link = models.CharField(_("đường dẫn"), max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)
    # The same reminder is not sent twice (e.g. "follow-up due: case 12 on 25/11/2026").
    dedupe_key = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_unique_dedupe_key",
            )
        ]

    def __str__(self) -> str:
        return self.text


class Preference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    email = models.BooleanField(_("gửi thư điện tử ngay"), default=False)
    digest = models.BooleanField(_("gộp vào thư tóm tắt hằng ngày"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_unique_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"
