from django import forms
from django.utils.translation import gettext_lazy as _

from diemtua.cases.forms import CaseFormBase
from diemtua.core.forms import BootstrapFormMixin
from diemtua.orgs.models import OrgUnit

from .models import FailureReason, Outcome, ProviderCategory, SharedField, Urgency


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


# --- Referrals ----------------------------------------------------------------------------------

TEXT = forms.Textarea(attrs={"rows": 3})
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ReferralSendForm(CaseFormBase):
    provider = forms.ModelChoiceField(
        label=_("Đơn vị nhận"), queryset=OrgUnit.objects.none(), empty_label=None
    )
    reason = forms.CharField(label=_("Lý do chuyển gửi"), widget=TEXT)
    urgency = forms.ChoiceField(
        label=_("Mức độ khẩn"),
        choices=Urgency.choices,
        initial=Urgency.ROUTINE,
        widget=forms.RadioSelect,
    )
    fields = forms.MultipleChoiceField(
        label=_("Thông tin gửi cho đơn vị nhận (chỉ những gì đơn vị cần)"),
        choices=SharedField.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    summary = forms.CharField(
        label=_("Tóm tắt của cán bộ tư vấn"),
        widget=TEXT,
        required=False,
        help_text=_("Chỉ gửi khi đã chọn ở trên. Không chép ghi chép các buổi tư vấn."),
    )
    feedback_due_on = forms.DateField(
        label=_("Hạn đơn vị gửi kết quả cho trường"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    emergency_reason = forms.CharField(
        label=_("Lý do khẩn cấp (chỉ khi chưa có sự đồng ý chia sẻ với đơn vị này)"),
        widget=TEXT,
        required=False,
    )

    def __init__(self, *args, providers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if providers is not None:
            self.fields["provider"].queryset = providers


class AcceptForm(CaseFormBase):
    """Accepting takes no fields; the form carries the once token and any refusal."""


class DeclineForm(CaseFormBase):
    reason = forms.CharField(label=_("Lý do từ chối"), widget=TEXT, required=False)


class AppointmentForm(CaseFormBase):
    at = forms.DateTimeField(
        label=_("Thời gian hẹn"),
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        required=False,
    )
    details = forms.CharField(label=_("Địa điểm, ghi chú"), widget=TEXT, required=False)


class CloseForm(CaseFormBase):
    outcome = forms.ChoiceField(
        label=_("Kết quả"), choices=Outcome.choices, widget=forms.RadioSelect, required=False
    )
    failure_reason = forms.ChoiceField(
        label=_("Lý do không thành công"),
        choices=[("", "—"), *FailureReason.choices],
        required=False,
    )
    feedback = forms.CharField(
        label=_("Phản hồi cho nhà trường"),
        widget=TEXT,
        required=False,
        help_text=_("Những gì trường cần để tiếp tục hỗ trợ em; không cần chi tiết điều trị."),
    )
