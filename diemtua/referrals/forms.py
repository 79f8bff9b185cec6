from django import forms
from django.utils.translation import gettext_lazy as _

from diemtua.core.forms import BootstrapFormMixin

from .models import ProviderCategory


class ProviderFilterForm(forms.Form):
    q = forms.CharField(label=_("Tìm"), max_length=100, required=False)
    category = forms.ChoiceField(
        label=_("Loại hình"),
        choices=[("", _("Tất cả loại hình")), *ProviderCategory.choices],
        required=False,
    )
    accepts = forms.BooleanField(label=_("Chỉ đơn vị nhận chuyển gửi qua Điểm Tựa"), required=False)


class ProviderForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Tên đơn vị"), max_length=255)
    category = forms.ChoiceField(label=_("Loại hình"), choices=ProviderCategory.choices)
    services = forms.CharField(
        label=_("Dịch vụ cung cấp"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ví dụ: khám và điều trị tâm thần nhi, tư vấn tâm lý, hỗ trợ pháp lý."),
    )
    phone = forms.CharField(label=_("Điện thoại"), max_length=64, required=False)
    email = forms.EmailField(
        label=_("Thư điện tử"),
        required=False,
        error_messages={"invalid": _("Hãy nhập một địa chỉ thư điện tử hợp lệ.")},
    )
    address = forms.CharField(label=_("Địa chỉ"), max_length=255, required=False)
    opening_hours = forms.CharField(
        label=_("Giờ làm việc"),
        max_length=255,
        required=False,
        help_text=_("Ví dụ: 7h30–17h00, thứ Hai đến thứ Sáu; cấp cứu 24/7."),
    )
    catchment = forms.CharField(
        label=_("Địa bàn phục vụ"),
        max_length=255,
        required=False,
        help_text=_("Ví dụ: các xã/phường được phục vụ, hoặc “toàn tỉnh”."),
    )
    accepts_referrals = forms.BooleanField(label=_("Nhận chuyển gửi qua Điểm Tựa"), required=False)
    notes = forms.CharField(
        label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = _("Hãy nhập tên đơn vị.")


class ProviderCreateForm(ProviderForm):
    code = forms.RegexField(
        label=_("Mã đơn vị"),
        max_length=32,
        required=False,
        regex=r"^[A-Za-z0-9-]+$",
        help_text=_("Không bắt buộc; để trống để hệ thống tự đặt mã."),
        error_messages={"invalid": _("Mã chỉ gồm chữ không dấu, số và dấu gạch ngang.")},
    )
