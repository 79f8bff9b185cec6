"""Forms of the activity pages. They check shape (numbers, dates, file content); the rules an
activity keeps live in services.py, whose ValidationErrors come back onto these forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from diemtua.cases.forms import ServiceErrorsMixin
from diemtua.cases.models import ContentGroup
from diemtua.core import uploads
from diemtua.core.forms import (
    BootstrapFormMixin,
    BoundedModelChoiceField,
    BoundedModelMultipleChoiceField,
)
from diemtua.orgs.models import OrgUnit
from diemtua.referrals.models import ProviderProfile

from .models import MAX_PARTICIPANTS, MAX_REACH, ActivityKind, ReachMeasure, TargetGroup

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _date(label, required=True, **kwargs):
    # <input type=date> sends ISO dates whatever the language; typed dd/mm/yyyy works too.
    return forms.DateField(
        label=label,
        required=required,
        widget=DATE_INPUT,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": _("Hãy nhập ngày theo dạng dd/mm/yyyy.")},
        **kwargs,
    )


def _count(label, maximum=MAX_PARTICIPANTS):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=maximum,
        widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
        error_messages={
            "min_value": _("Số người không thể âm; hãy nhập 0 hoặc số lớn hơn."),
            "max_value": _("Số này quá lớn (tối đa %(limit_value)s); hãy kiểm tra lại."),
            "invalid": _("Hãy nhập một số nguyên."),
        },
    )


class GroupChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.label} ({obj.get_regulation_display()})"


class PartnerChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.unit.name


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern), each checked by content."""

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
                uploads.check_upload(upload)
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return files


_ACCEPT = ",".join(ext for kind in uploads.KINDS.values() for ext in kind.extensions)


class ActivityForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    org_unit = BoundedModelChoiceField(
        label=_("Đơn vị tổ chức"), queryset=OrgUnit.objects.none(), empty_label=None
    )
    kind = forms.ChoiceField(label=_("Hình thức"), choices=ActivityKind.choices)
    title = forms.CharField(
        label=_("Tên hoạt động"),
        max_length=255,
        error_messages={"required": _("Hãy nhập tên hoạt động.")},
        help_text=_("Ví dụ: Chuyên đề “Phòng chống bạo lực học đường” cho khối 8."),
    )
    held_on = _date(_("Ngày tổ chức (ngày bắt đầu)"))
    end_on = _date(
        _("Ngày kết thúc"),
        required=False,
        help_text=_("Chỉ cho chiến dịch truyền thông hoặc câu lạc bộ kéo dài nhiều ngày."),
    )
    target_group = forms.ChoiceField(label=_("Đối tượng"), choices=TargetGroup.choices)
    content_groups = GroupChoiceField(
        label=_("Nhóm nội dung"),
        queryset=ContentGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Hoạt động từ 31/10/2025 dùng nhóm của Thông tư 18/2025 (ở đầu danh sách); "
            "trước đó, của Thông tư 31/2017."
        ),
    )
    male_count = _count(_("Số người tham gia: nam"))
    female_count = _count(_("Số người tham gia: nữ"))
    primary_count = _count(_("Trong đó học sinh tiểu học"))
    lower_secondary_count = _count(_("Trong đó học sinh THCS"))
    upper_secondary_count = _count(_("Trong đó học sinh THPT"))
    reach = _count(_("Lượt tiếp cận (truyền thông)"), maximum=MAX_REACH)
    reach_measure = forms.ChoiceField(
        label=_("Đơn vị tính lượt tiếp cận"),
        choices=[("", "—"), *ReachMeasure.choices],
        required=False,
    )
    partners = PartnerChoiceField(
        label=_("Đơn vị phối hợp (trong danh bạ)"),
        queryset=ProviderProfile.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    partners_other = forms.CharField(
        label=_("Đơn vị phối hợp khác"),
        max_length=255,
        required=False,
        help_text=_("Ví dụ: Đoàn Thanh niên phường, Trạm y tế xã, Hội Cha mẹ học sinh."),
    )
    description = forms.CharField(
        label=_("Nội dung, kết quả"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Không ghi tên học sinh: chỉ ghi số lượng."),
    )
    files = MultipleFileField(
        label=_("Tệp đính kèm (ảnh, bài trình chiếu, tài liệu)"),
        required=False,
    )

    def __init__(self, *args, units=None, providers=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["org_unit"]
        elif units is not None:
            self.fields["org_unit"].queryset = units
        self.fields["content_groups"].queryset = ContentGroup.objects.order_by(
            "regulation", "position"
        )
        if providers is not None:
            self.fields["partners"].queryset = providers
        limit = uploads.max_bytes() // (1024 * 1024)
        self.fields["files"].help_text = _(
            "Chọn được nhiều tệp một lúc (tối đa 10). Nhận ảnh JPEG, PNG, WebP; PDF; Word, "
            "PowerPoint, Excel; OpenDocument. Mỗi tệp tối đa %(limit)s MB. Ảnh có học sinh chỉ "
            "người được xem hoạt động này mới tải được."
        ) % {"limit": limit}


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Tìm theo tên"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=_("Hình thức"), choices=[("", _("Mọi hình thức")), *ActivityKind.choices],
        required=False,
    )  # fmt: skip
    group = BoundedModelChoiceField(
        label=_("Nhóm nội dung"),
        queryset=ContentGroup.objects.order_by("regulation", "position"),
        required=False,
        empty_label=_("Mọi nhóm nội dung"),
    )
    date_from = _date(_("Từ ngày"), required=False)
    date_to = _date(_("Đến ngày"), required=False)
    unit = BoundedModelChoiceField(
        label=_("Đơn vị"), queryset=OrgUnit.objects.none(), required=False,
        empty_label=_("Mọi đơn vị"),
    )  # fmt: skip

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("“Đến ngày” không được trước “Từ ngày”."))
        return data

    def filters(self) -> dict:
        """The valid filters for selectors.activities_for (the invalid ones are left out)."""
        data = {}
        if self.is_bound:
            self.is_valid()  # fills cleaned_data with the fields that are valid
            data = self.cleaned_data
        return {
            "query": data.get("q") or "",
            "kind": data.get("kind") or "",
            "content_group": data.get("group"),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "unit": data.get("unit"),
        }


class PeriodForm(forms.Form):
    date_from = _date(_("Từ ngày"))
    date_to = _date(_("Đến ngày"))
    sort = forms.CharField(required=False, max_length=20)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("“Đến ngày” không được trước “Từ ngày”."))
        return data
