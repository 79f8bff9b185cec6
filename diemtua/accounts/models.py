from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from diemtua.core.models import BaseModel
from diemtua.core.text import fold
from diemtua.orgs.models import OrgUnit

from .roles import ROLE_UNIT_KIND, Role


class User(AbstractUser):
    """A person who logs in. What they may do comes from their memberships, never from flags."""

    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    search_name = models.CharField(max_length=150, blank=True, editable=False, db_index=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    # Set when an administrator chose the password: the person must replace it before anything
    # else, so no administrator keeps a working password of a counselor.
    must_change_password = models.BooleanField(_("phải đổi mật khẩu"), default=False)

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    def save(self, *args, **kwargs):
        self.search_name = fold(f"{self.full_name} {self.username}")
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name"}
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.full_name or self.username


class Membership(BaseModel):
    """A user holds a role at one org unit; a user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("vai trò"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "org_unit", "role"], name="membership_unique_role_at_unit"
            )
        ]
        indexes = [models.Index(fields=["org_unit", "role"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.org_unit}"

    def clean(self):
        expected_kind = ROLE_UNIT_KIND.get(Role(self.role)) if self.role else None
        if expected_kind and self.org_unit_id and self.org_unit.kind != expected_kind:
            raise ValidationError(
                {
                    "org_unit": _("Vai trò này chỉ gán được cho đơn vị loại: %(kind)s.")
                    % {"kind": expected_kind.label}
                }
            )
