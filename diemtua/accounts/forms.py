from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from diemtua.core.forms import BootstrapFormMixin
from diemtua.orgs.models import OrgUnit

from .models import User
from .roles import ROLE_UNIT_KIND, Role


class UnitCodeField(forms.CharField):
    """Pick a unit by its official code (schools, communes, departments: codes people know)."""

    def clean(self, value):
        code = super().clean(value).strip()
        units = list(OrgUnit.objects.filter(code__iexact=code, valid_to__isnull=True)[:2])
        if not units:
            raise forms.ValidationError(_("Không có đơn vị đang hoạt động nào mang mã này."))
        if len(units) > 1:
            raise forms.ValidationError(_("Mã này trùng ở nhiều loại đơn vị; hãy dùng mã khác."))
        return units[0]


class MembershipForm(BootstrapFormMixin, forms.Form):
    role = forms.ChoiceField(label=_("Vai trò"), choices=Role.choices)
    org_unit = UnitCodeField(
        label=_("Mã đơn vị"),
        max_length=32,
        help_text=_("Ví dụ: 01 (Sở GD&ĐT Hà Nội), 00235 (Phường Đống Đa), mã trường."),
    )

    def clean(self):
        data = super().clean()
        unit, role = data.get("org_unit"), data.get("role")
        if unit and role and unit.kind != ROLE_UNIT_KIND[Role(role)]:
            self.add_error(
                "org_unit",
                _("Vai trò “%(role)s” chỉ gán được cho đơn vị loại “%(kind)s”.")
                % {"role": Role(role).label, "kind": ROLE_UNIT_KIND[Role(role)].label},
            )
        return data


class UserCreateForm(MembershipForm):
    username = forms.RegexField(
        label=_("Tên đăng nhập"),
        max_length=150,
        regex=r"^[a-z0-9._-]+$",
        error_messages={"invalid": _("Chỉ dùng chữ thường không dấu, số và . _ -")},
    )
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.RegexField(
        label=_("Điện thoại"),
        max_length=20,
        required=False,
        regex=r"^\+?[0-9 .-]{8,20}$",
        error_messages={"invalid": _("Số điện thoại chỉ gồm chữ số, ví dụ 0912345678.")},
    )
    password = forms.CharField(
        label=_("Mật khẩu ban đầu"),
        widget=forms.PasswordInput,
        help_text=_(
            "Ít nhất 10 ký tự, không phải mật khẩu phổ biến. Người dùng phải đổi mật khẩu này "
            "ngay khi đăng nhập lần đầu."
        ),
    )

    field_order = ["username", "full_name", "email", "phone", "password", "role", "org_unit"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("Tên đăng nhập này đã có người dùng."))
        return username

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password)
        return password
