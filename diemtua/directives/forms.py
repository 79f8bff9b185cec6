"""Forms of the directive pages. They check shape (dates, numbers, file content); the rules
live in services.py, whose ValidationErrors come back onto these forms with what was typed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from diemtua.cases.forms import ServiceErrorsMixin
from diemtua.core import uploads
from diemtua.core.forms import (
    BootstrapFormMixin,
    BoundedModelChoiceField,
    BoundedModelMultipleChoiceField,
)
from diemtua.orgs.models import OrgUnit
from diemtua.programs.models import Program

from .selectors import KIND_GROUPS, STATUS_LABELS
from .services import DOCUMENT_KINDS, SUBMISSION_KINDS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


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


def _accept(kinds) -> str:
    return ",".join(ext for code in sorted(kinds) for ext in uploads.KINDS[code].extensions)


class UnitChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj):
        if obj.valid_to:
            return _("%(name)s (đến %(date)s)") % {
                "name": obj.name,
                "date": obj.valid_to.strftime("%d/%m/%Y"),
            }
        return f"{obj.name} ({obj.get_kind_display()})"


class DirectiveForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    number_symbol = forms.CharField(
        label=_("Số, ký hiệu"),
        max_length=80,
        error_messages={"required": _("Hãy nhập số, ký hiệu của công văn.")},
        help_text=_("Ví dụ: 4576/UBND-KGVX."),
    )
    issued_on = _date(_("Ngày ban hành"))
    subject = forms.CharField(
        label=_("Trích yếu"),
        max_length=500,
        error_messages={"required": _("Hãy nhập trích yếu (V/v …).")},
        help_text=_(
            "Ví dụ: V/v tăng cường triển khai công tác hỗ trợ, tư vấn tâm lý cho học sinh."
        ),
    )
    issuer_name = forms.CharField(
        label=_("Cơ quan ký ban hành (nếu không phải đơn vị mình)"),
        max_length=200,
        required=False,
        help_text=_("Ví dụ: UBND tỉnh Quảng Ngãi. Để trống khi đơn vị mình ban hành."),
    )
    summary = forms.CharField(
        label=_("Nội dung chính"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    program = BoundedModelChoiceField(
        label=_("Thuộc chương trình"),
        queryset=Program.objects.none(),
        required=False,
        empty_label=_("— Không thuộc chương trình nào —"),
    )
    document = forms.FileField(
        label=_("Văn bản (PDF hoặc Word)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": _accept(DOCUMENT_KINDS)}),
    )
    groups = forms.MultipleChoiceField(
        label=_("Gửi tới cả nhóm"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=list(KIND_GROUPS.items()),
        help_text=_("Mọi đơn vị đang hoạt động của loại này thuộc đơn vị mình."),
    )
    recipients = UnitChoiceField(
        label=_("Nơi nhận"),
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, programs=None, units=None, sent=False, **kwargs):
        super().__init__(*args, **kwargs)
        if programs is not None:
            self.fields["program"].queryset = programs
        if sent:
            del self.fields["groups"]
            del self.fields["recipients"]
        elif units is not None:
            self.fields["recipients"].queryset = units
        limit = uploads.max_bytes() // (1024 * 1024)
        self.fields["document"].help_text = _(
            "Bản PDF hoặc Word (.docx) của công văn, tối đa %(limit)s MB. Bắt buộc trước khi gửi."
        ) % {"limit": limit}

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document:
            uploads.check_upload(document, allowed=DOCUMENT_KINDS)
        return document or None


class TaskForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    description = forms.CharField(
        label=_("Nhiệm vụ"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Hãy ghi nhiệm vụ được giao.")},
        help_text=_("Ví dụ: Xây dựng và ban hành Kế hoạch triển khai; báo cáo trước ngày 31/10."),
    )
    deadline = _date(_("Hạn hoàn thành, báo cáo"))
    units = UnitChoiceField(
        label=_("Giao cho"),
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Để trống: giao cho mọi nơi nhận công văn."),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["units"].queryset = units


class SubmissionForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Kết quả thực hiện, ghi chú"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    file = forms.FileField(
        label=_("Tệp báo cáo (PDF, Word hoặc Excel)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": _accept(SUBMISSION_KINDS)}),
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            uploads.check_upload(upload, allowed=SUBMISSION_KINDS)
        return upload or None


class TrackerFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[("", _("Mọi trạng thái")), *STATUS_LABELS.items()],
    )
    task = BoundedModelChoiceField(
        label=_("Nhiệm vụ"), queryset=None, required=False, empty_label=_("Mọi nhiệm vụ")
    )
    q = forms.CharField(label=_("Tìm đơn vị"), max_length=100, required=False)

    def __init__(self, *args, tasks=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = tasks
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} form-control-sm"

    def filters(self) -> dict:
        data = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        return {
            "status": data.get("status") or "",
            "task": data.get("task"),
            "query": data.get("q") or "",
        }
