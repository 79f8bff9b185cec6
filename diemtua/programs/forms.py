"""Forms of the program pages. They check shape (numbers, dates, choices, file content); the
rules live in services.py, whose ValidationErrors come back onto these forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from diemtua.cases.forms import ServiceErrorsMixin
from diemtua.core import uploads
from diemtua.core.forms import (
    BootstrapFormMixin,
    BoundedModelChoiceField,
    BoundedModelMultipleChoiceField,
)
from diemtua.orgs.models import SchoolLevel

from .models import Employment, ProgramStatus, Qualification, TaskStatus

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
PROGRAM_LEVELS = [
    (SchoolLevel.PRIMARY, SchoolLevel.PRIMARY.label),
    (SchoolLevel.LOWER_SECONDARY, SchoolLevel.LOWER_SECONDARY.label),
    (SchoolLevel.UPPER_SECONDARY, SchoolLevel.UPPER_SECONDARY.label),
]


def _date(label, required=True, **kwargs):
    # <input type=date> sends ISO dates whatever the language; typed dd/mm/yyyy works too.
    return forms.DateField(
        label=label,
        required=required,
        widget=DATE_INPUT,
        input_formats=DATE_FORMATS,
        error_messages={
            "invalid": _("Hãy nhập ngày theo dạng dd/mm/yyyy."),
            "required": _("Hãy nhập ngày."),
        },
        **kwargs,
    )


def _number(label, maximum=1000, **kwargs):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=maximum,
        widget=forms.NumberInput(attrs={"min": 0, "max": maximum, "inputmode": "numeric"}),
        error_messages={
            "min_value": _("Số này không thể âm."),
            "max_value": _("Số này quá lớn (tối đa %(limit_value)s)."),
            "invalid": _("Hãy nhập một số nguyên."),
        },
        **kwargs,
    )


class UnitChoiceField(BoundedModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class UnitsChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj):
        if obj.valid_to:
            return _("%(name)s (đến %(day)s)") % {
                "name": obj.name,
                "day": obj.valid_to.strftime("%d/%m/%Y"),
            }
        return obj.name


class ProgramForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    owner = UnitChoiceField(queryset=None, label=_("Đơn vị chủ trì"), empty_label=None)
    code = forms.SlugField(
        label=_("Mã chương trình"),
        max_length=40,
        help_text=_("Chữ không dấu, số và gạch nối, ví dụ: tt18-2025-2026."),
        error_messages={"invalid": _("Mã chỉ gồm chữ không dấu, số, gạch nối và gạch dưới.")},
    )
    title = forms.CharField(label=_("Tên chương trình"), max_length=255)
    legal_basis = forms.CharField(
        label=_("Căn cứ (số, ký hiệu văn bản)"),
        max_length=200,
        required=False,
        help_text=_("Ví dụ: Kế hoạch số 1255/KH-BGDĐT."),
    )
    legal_basis_date = _date(_("Ngày ban hành văn bản"), required=False)
    starts_on = _date(_("Từ ngày"))
    ends_on = _date(_("Đến ngày"))
    status = forms.ChoiceField(label=_("Trạng thái"), choices=ProgramStatus.choices)
    description = forms.CharField(
        label=_("Mục tiêu, nội dung"), required=False, max_length=5000, widget=forms.Textarea
    )

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owners is None:
            del self.fields["owner"]
        else:
            self.fields["owner"].queryset = owners


class ConfigureForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    localities = UnitsChoiceField(
        queryset=None,
        label=_("Địa phương tham gia"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    schools_per_locality = _number(
        _("Số trường mỗi địa phương"), help_text=_("Để trống hoặc 0 nếu không quy định.")
    )
    levels = forms.MultipleChoiceField(
        label=_("Mỗi cấp học một trường ở mỗi địa phương"),
        choices=PROGRAM_LEVELS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    staff_per_school = _number(
        _("Số cán bộ được phân công mỗi trường"), help_text=_("Để trống hoặc 0 nếu không quy định.")
    )
    staff_trained = forms.BooleanField(
        label=_("Cán bộ được phân công phải được tập huấn"), required=False
    )

    def __init__(self, *args, localities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["localities"].queryset = localities


class EnrolForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    school = UnitChoiceField(queryset=None, label=_("Trường"))
    locality = UnitChoiceField(queryset=None, label=_("Địa phương"))
    enrolled_on = _date(_("Ngày tham gia"))
    note = forms.CharField(label=_("Ghi chú"), max_length=255, required=False)

    def __init__(self, *args, schools=None, localities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["locality"].queryset = localities


class UserChoiceField(BoundedModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name or obj.username} ({obj.username})"


class StaffForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    user = UserChoiceField(
        queryset=None,
        label=_("Tài khoản (nếu có)"),
        required=False,
        help_text=_("Người của trường đã có tài khoản; bỏ trống nếu chưa có."),
    )
    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=120,
        required=False,
        help_text=_("Bỏ trống thì lấy tên của tài khoản đã chọn."),
    )
    position = forms.CharField(label=_("Chức vụ, công việc"), max_length=120, required=False)
    employment = forms.ChoiceField(label=_("Hình thức"), choices=Employment.choices)
    qualification = forms.ChoiceField(label=_("Chuyên môn"), choices=Qualification.choices)
    trained = forms.BooleanField(label=_("Đã được tập huấn"), required=False)
    trained_on = _date(_("Ngày tập huấn"), required=False)
    since = _date(_("Được phân công từ"))
    until = _date(_("Đến ngày"), required=False)

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users

    def clean(self):
        data = super().clean()
        if not data.get("full_name") and not data.get("user") and "full_name" not in self.errors:
            self.add_error("full_name", _("Hãy nhập họ và tên hoặc chọn tài khoản."))
        return data


class StaffEndForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    until = _date(_("Thôi phân công từ sau ngày"))
    reason = forms.CharField(label=_("Lý do"), max_length=200, required=False)


class TaskForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Nhiệm vụ"), max_length=255)
    responsible = UnitChoiceField(queryset=None, label=_("Đơn vị thực hiện"))
    starts_on = _date(_("Ngày bắt đầu"))
    due_on = _date(_("Hạn hoàn thành"))
    milestone = forms.BooleanField(
        label=_("Mốc chung của chương trình"),
        required=False,
        help_text=_("Mốc được hiển thị cho mọi đơn vị tham gia chương trình."),
    )
    depends_on = BoundedModelMultipleChoiceField(
        queryset=None,
        label=_("Chỉ bắt đầu khi đã xong"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("Nội dung, sản phẩm"), required=False, max_length=5000, widget=forms.Textarea
    )

    def __init__(self, *args, units=None, tasks=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = units
        self.fields["depends_on"].queryset = tasks


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


_ACCEPT = ",".join(ext for kind in uploads.KINDS.values() for ext in kind.extensions)


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by its content in the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": _ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class TaskStatusForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Tình trạng"), choices=TaskStatus.choices)
    done_on = _date(_("Ngày hoàn thành"), required=False)
    evidence_note = forms.CharField(
        label=_("Minh chứng, kết quả"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Số, ngày văn bản; biên bản; báo cáo; số người tham gia…"),
    )
    files = MultipleFileField(
        label=_("Tệp minh chứng"),
        required=False,
        help_text=_("PDF, Word, Excel, PowerPoint hoặc ảnh; tối đa 10 tệp mỗi lần."),
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Tìm"), max_length=100, required=False)
