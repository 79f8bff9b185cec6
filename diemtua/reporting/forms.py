"""Forms of the report pages: start a report, edit its text and header, return or approve it,
choose the tracker's period."""

from django import forms
from django.utils.translation import gettext_lazy as _

from diemtua.core.forms import BootstrapFormMixin

from .models import Report, ReportKind
from .periods import period_label

NO_NAMES = _(
    "Báo cáo gửi cấp trên: viết số liệu, nhận xét chung; không nêu tên hay chi tiết nhận ra "
    "được học sinh."
)


class ReportStartForm(BootstrapFormMixin, forms.Form):
    target = forms.ChoiceField(label=_("Báo cáo"))

    def __init__(self, *args, options, **kwargs):
        super().__init__(*args, **kwargs)
        self.options = {}
        groups = []
        for unit, _kind, periods in options:
            choices = []
            for period in periods:
                value = f"{unit.pk}:{period.code}"
                self.options[value] = (unit, period)
                choices.append((value, str(period_label(period))))
            groups.append((unit.name, choices))
        self.fields["target"].choices = (
            groups if len(groups) > 1 else (groups[0][1] if groups else [])
        )
        self.fields["target"].label = (
            _("Đơn vị và kỳ báo cáo") if len(groups) > 1 else _("Kỳ báo cáo")
        )
        self.style_fields()

    def chosen(self):
        return self.options[self.cleaned_data["target"]]


def _field(name: str, **overrides):
    field = Report._meta.get_field(name).formfield(**overrides)
    return field


class ReportEditForm(BootstrapFormMixin, forms.Form):
    """The typed parts and the Decree 30/2020 header fields."""

    narrative = _field(
        "narrative",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Kết quả chính trong kỳ: đã làm gì, cho ai, kết quả ra sao.") + " " + NO_NAMES,
    )
    difficulties = _field("difficulties", widget=forms.Textarea(attrs={"rows": 4}))
    proposals = _field("proposals", widget=forms.Textarea(attrs={"rows": 4}))
    lessons = _field("lessons", widget=forms.Textarea(attrs={"rows": 4}))
    number_symbol = _field(
        "number_symbol",
        help_text=_("Ví dụ 12/BC-SGDĐT. Để trống nếu văn thư sẽ cấp số khi ban hành."),
    )
    place = _field("place", help_text=_("Địa danh ghi trước ngày tháng, ví dụ Tuyên Quang."))
    signer_name = _field("signer_name")
    signer_title = _field(
        "signer_title",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Mỗi dòng một dòng của thẩm quyền ký, ví dụ: KT. GIÁM ĐỐC ↵ PHÓ GIÁM ĐỐC."),
    )
    recipients = _field(
        "recipients",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Mỗi dòng một nơi nhận, bắt đầu bằng dấu gạch ngang; dòng cuối: - Lưu: VT."),
    )

    def __init__(self, *args, report: Report, **kwargs):
        super().__init__(*args, **kwargs)
        if report.kind != ReportKind.PILOT_EVALUATION:
            del self.fields["lessons"]
        else:
            self.fields["proposals"].label = _("Kiến nghị")
        self.style_fields()

    def clean_signer_title(self):
        return "\n".join(
            line.strip() for line in self.cleaned_data["signer_title"].splitlines() if line.strip()
        )

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}

    text_fields = ("narrative", "difficulties", "proposals", "lessons")
    header_fields = ("number_symbol", "place", "signer_name", "signer_title", "recipients")


class ReturnForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("Ý kiến (lý do trả lại, việc cần sửa)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={
            "required": _("Hãy ghi ý kiến: đơn vị cần biết phải sửa gì trước khi gửi lại.")
        },
    )

    def __init__(self, *args, **kwargs):
        # Both decision forms sit on one page: distinct ids keep each label on its own box
        # (the field name stays "comment").
        kwargs.setdefault("auto_id", "id_return_%s")
        super().__init__(*args, **kwargs)


class ApproveForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("Ý kiến (nếu có)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_approve_%s")
        super().__init__(*args, **kwargs)


class TrackerForm(BootstrapFormMixin, forms.Form):
    period = forms.ChoiceField(label=_("Học kỳ"), required=False)

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.periods = {p.code: p for p in periods}
        self.fields["period"].choices = [(p.code, str(period_label(p))) for p in periods]
        self.fields["period"].error_messages["invalid_choice"] = _(
            "Không có học kỳ này; đang hiện học kỳ gần nhất."
        )
        self.style_fields()

    def chosen_period(self):
        if self.is_valid() and self.cleaned_data.get("period"):
            return self.periods[self.cleaned_data["period"]]
        return next(iter(self.periods.values()))
