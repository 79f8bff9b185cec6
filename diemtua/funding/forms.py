"""Forms of the budget pages. They check shape (amounts, years, files); the rules a line keeps
live in services.py, whose ValidationErrors come back onto these forms."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from diemtua.cases.forms import ServiceErrorsMixin
from diemtua.core import uploads
from diemtua.core.forms import BootstrapFormMixin, BoundedModelChoiceField
from diemtua.orgs.models import OrgUnit
from diemtua.programs.models import Program

from .models import FIRST_YEAR, MAX_AMOUNT, Purpose, Source
from .services import ALLOWED_FILES, MAX_FILES

_SEPARATORS = re.compile(r"[\s.,_']|đ|vnđ|vnd|đồng", re.IGNORECASE)


class AmountField(forms.CharField):
    """Whole đồng, typed as people write them: "150.000.000", "150 000 000", "150000000 đ"."""

    default_error_messages = {
        "invalid": _("Hãy nhập số tiền bằng chữ số (ví dụ 150.000.000)."),
        "negative": _("Số tiền không được âm."),
        "too_big": _("Số tiền quá lớn; hãy kiểm tra lại (tối đa 15 chữ số)."),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 40})
        )
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, Decimal | int):
            return f"{int(value):,}".replace(",", ".")
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return Decimal(0)
        if text.lstrip().startswith("-"):
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        if len(text) > 40:
            raise forms.ValidationError(self.error_messages["too_big"], code="too_big")
        digits = _SEPARATORS.sub("", text)
        if not digits.isascii() or not digits.isdigit():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            amount = Decimal(digits)
        except InvalidOperation:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if amount > MAX_AMOUNT:
            raise forms.ValidationError(self.error_messages["too_big"], code="too_big")
        return amount


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


_ACCEPT = ",".join(ext for code in sorted(ALLOWED_FILES) for ext in uploads.KINDS[code].extensions)


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": _ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            files = [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        else:
            files = [super().clean(data, initial)] if data else []
        errors = []
        for upload in files:
            try:
                uploads.check_upload(upload, allowed=ALLOWED_FILES)
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return files


def _year_field(required=True, **kwargs):
    return forms.IntegerField(
        min_value=FIRST_YEAR,
        max_value=2100,
        required=required,
        error_messages={
            "invalid": _("Hãy nhập năm bằng 4 chữ số, ví dụ 2025."),
            "min_value": _("Năm ngân sách phải từ %(limit_value)s trở đi."),
            "max_value": _("Năm không hợp lệ."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **kwargs,
    )


class ProgramChoiceField(BoundedModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.starts_on:%m/%Y}–{obj.ends_on:%m/%Y})"


class BudgetLineForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    unit = BoundedModelChoiceField(
        label=_("Đơn vị quản lý kinh phí"), queryset=OrgUnit.objects.none(), empty_label=None
    )
    program = ProgramChoiceField(
        label=_("Chương trình"),
        queryset=Program.objects.none(),
        required=False,
        empty_label=_("— Không gắn chương trình —"),
    )
    fiscal_year = _year_field(label=_("Năm ngân sách"))
    title = forms.CharField(
        label=_("Nội dung"),
        max_length=255,
        error_messages={"required": _("Hãy nhập nội dung của dòng kinh phí.")},
        help_text=_("Ví dụ: Tập huấn cán bộ tư vấn học đường tháng 6/2024."),
    )
    source = forms.ChoiceField(label=_("Nguồn kinh phí"), choices=Source.choices)
    source_detail = forms.CharField(
        label=_("Chi tiết nguồn"),
        max_length=255,
        required=False,
        help_text=_("Với nguồn xã hội hóa, tài trợ: ghi nguồn (ví dụ “nguồn tài trợ”)."),
    )
    purpose = forms.ChoiceField(label=_("Mục đích chi"), choices=Purpose.choices)
    planned = AmountField(label=_("Dự toán (đồng)"))
    committed = AmountField(label=_("Đã cam kết (đồng)"))
    spent = AmountField(label=_("Đã chi (đồng)"))
    over_reason = forms.CharField(
        label=_("Lý do vượt"),
        max_length=500,
        required=False,
        help_text=_("Chỉ cần khi số cam kết lớn hơn dự toán hoặc số đã chi lớn hơn số cam kết."),
    )
    note = forms.CharField(
        label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    files = MultipleFileField(
        label=_("Tệp đính kèm (dự toán, hợp đồng, chứng từ)"),
        required=False,
        help_text=_("Nhận PDF, Word, Excel và ảnh JPEG, PNG, WebP; tối đa %(n)s tệp mỗi lần.")
        % {"n": MAX_FILES},
    )

    def __init__(self, *args, units=None, programs=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["unit"]
        elif units is not None:
            self.fields["unit"].queryset = units
        if programs is not None:
            self.fields["program"].queryset = programs


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Tìm theo nội dung"), max_length=100, required=False)
    year = _year_field(required=False, label=_("Năm ngân sách"))
    source = forms.ChoiceField(
        label=_("Nguồn"), choices=[("", _("Mọi nguồn")), *Source.choices], required=False
    )
    purpose = forms.ChoiceField(
        label=_("Mục đích"), choices=[("", _("Mọi mục đích")), *Purpose.choices], required=False
    )
    program = BoundedModelChoiceField(
        label=_("Chương trình"),
        queryset=Program.objects.none(),
        required=False,
        empty_label=_("Mọi chương trình"),
    )
    unit = BoundedModelChoiceField(
        label=_("Đơn vị"), queryset=OrgUnit.objects.none(), required=False,
        empty_label=_("Mọi đơn vị"),
    )  # fmt: skip

    def __init__(self, *args, units=None, programs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
        if programs is not None:
            self.fields["program"].queryset = programs

    def filters(self) -> dict:
        """The valid filters for selectors.lines_for (invalid ones are left out)."""
        data = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        return {
            "query": data.get("q") or "",
            "year": data.get("year"),
            "source": data.get("source") or "",
            "purpose": data.get("purpose") or "",
            "program": data.get("program"),
            "unit": data.get("unit"),
        }
