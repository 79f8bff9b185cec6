"""Forms of the awards pages: shape only (numbers, dates, files, the criteria lines); the rules
live in services.py, whose ValidationErrors come back onto these forms."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from diemtua.cases.forms import ServiceErrorsMixin
from diemtua.core import uploads
from diemtua.core.forms import (
    BootstrapFormMixin,
    BoundedModelChoiceField,
    BoundedModelMultipleChoiceField,
)
from diemtua.funding.forms import MultipleFileField as _BaseMultipleFileField
from diemtua.orgs.models import OrgUnit
from diemtua.programs.models import DesignatedStaff, Program

from .models import (
    AWARD_TITLES,
    MAX_POINTS,
    Evaluation,
    Evidence,
    Nomination,
    SetStatus,
    SubjectKind,
)
from .services import DOCUMENT_KINDS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label, required=True):
    return forms.DateField(
        label=label,
        required=required,
        widget=DATE_INPUT,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": _("Hãy nhập ngày theo dạng dd/mm/yyyy.")},
    )


def parse_criteria(text: str) -> tuple[list[dict], list[str]]:
    """Lines "code | text | max points | evidence" → criteria, and the messages of bad lines."""
    criteria, errors = [], []
    evidence_codes = {c for c in Evidence.values if c}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 3 or not parts[0] or not parts[1]:
            errors.append(_g("Dòng %(n)s: cần dạng “mã | nội dung | điểm tối đa”.") % {"n": number})
            continue
        code, text_, points = parts[0][:20], parts[1][:500], parts[2]
        if not points.isascii() or not points.isdigit() or not 1 <= int(points) <= MAX_POINTS:
            errors.append(
                _g("Dòng %(n)s: điểm tối đa phải là số nguyên từ 1 đến %(max)s.")
                % {"n": number, "max": MAX_POINTS}
            )
            continue
        evidence = parts[3] if len(parts) > 3 else ""
        if evidence and evidence not in evidence_codes:
            errors.append(
                _g("Dòng %(n)s: minh chứng gợi ý phải là một trong: %(codes)s.")
                % {"n": number, "codes": ", ".join(sorted(evidence_codes))}
            )
            continue
        criteria.append(
            {"code": code, "text": text_, "max_points": int(points), "evidence": evidence}
        )
    return criteria, errors


def criteria_text(criteria_set) -> str:
    return "\n".join(
        " | ".join([c.code, c.text, str(c.max_points), *([c.evidence] if c.evidence else [])])
        for c in criteria_set.criteria.all()
    )


class CriteriaSetForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    owner = BoundedModelChoiceField(
        label=_("Đơn vị đánh giá"), queryset=OrgUnit.objects.none(), empty_label=None
    )
    program = BoundedModelChoiceField(
        label=_("Chương trình"), queryset=Program.objects.none(), required=False,
        empty_label=_("— Không gắn chương trình —"),
    )  # fmt: skip
    title = forms.CharField(
        label=_("Tên bộ tiêu chí"), max_length=255,
        error_messages={"required": _("Hãy nhập tên bộ tiêu chí.")},
    )  # fmt: skip
    subject_kind = forms.ChoiceField(label=_("Đối tượng đánh giá"), choices=SubjectKind.choices)
    description = forms.CharField(
        label=_("Căn cứ, hướng dẫn chấm"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    status = forms.ChoiceField(label=_("Trạng thái"), choices=SetStatus.choices)
    criteria = forms.CharField(
        label=_("Tiêu chí"),
        widget=forms.Textarea(attrs={"rows": 10, "class": "font-monospace"}),
        error_messages={"required": _("Hãy nhập ít nhất một tiêu chí.")},
        help_text=_(
            "Mỗi dòng một tiêu chí: mã | nội dung | điểm tối đa | minh chứng gợi ý (không bắt "
            "buộc: visits, staff_trained hoặc training_hours). Ví dụ: TC1 | Thành lập tổ tư vấn "
            "học đường | 10 | staff_trained"
        ),
    )

    def __init__(self, *args, units=None, programs=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("owner", "program", "subject_kind"):
                del self.fields[name]
        else:
            del self.fields["status"]
            self.fields["owner"].queryset = units if units is not None else OrgUnit.objects.none()
            if programs is not None:
                self.fields["program"].queryset = programs

    def clean_criteria(self):
        criteria, errors = parse_criteria(self.cleaned_data["criteria"])
        if errors:
            raise forms.ValidationError(errors)
        return criteria


class PointsField(forms.CharField):
    """Points with at most one decimal, comma or dot: "7,5" and "7.5" are the same."""

    def __init__(self, *args, maximum: int, **kwargs):
        self.maximum = maximum
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "size": 6, "maxlength": 10})
        )
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        text = (super().to_python(value) or "").replace(",", ".").strip()
        if not text:
            return None
        if len(text) > 10:
            raise forms.ValidationError(_("Hãy nhập điểm bằng số, ví dụ 7,5."))
        try:
            points = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(_("Hãy nhập điểm bằng số, ví dụ 7,5.")) from None
        if not points.is_finite() or points != points.quantize(Decimal("0.1")):
            raise forms.ValidationError(_("Điểm chỉ lấy tới một chữ số thập phân (ví dụ 7,5)."))
        if not 0 <= points <= self.maximum:
            raise forms.ValidationError(_("Điểm phải từ 0 đến %(max)s.") % {"max": self.maximum})
        return points


class StaffChoiceField(BoundedModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} – {obj.enrolment.school.name}"


class EvaluationForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    subject = BoundedModelChoiceField(
        label=_("Trường được đánh giá"), queryset=OrgUnit.objects.none(), required=False
    )
    subject_code = forms.CharField(
        label=_("Mã trường (đơn vị)"), max_length=32, required=False,
        help_text=_("Mã trường như trong cây đơn vị, ví dụ 01-TRUNGTU."),
    )  # fmt: skip
    staff = StaffChoiceField(
        label=_("Cán bộ được phân công"), queryset=DesignatedStaff.objects.none(), required=False
    )
    person_name = forms.CharField(label=_("Họ và tên"), max_length=120, required=False)
    evaluated_on = _date(_("Ngày đánh giá"))
    comment = forms.CharField(
        label=_("Nhận xét chung"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, criteria_set, criteria, schools=None, staff=None, editing=False,
                 **kwargs):  # fmt: skip
        super().__init__(*args, **kwargs)
        self.criteria_set, self.criteria = criteria_set, criteria
        person = criteria_set.subject_kind == SubjectKind.PERSON
        if schools is not None and schools.exists():
            self.fields["subject"].queryset = schools
            self.fields["subject_code"].required = False
        else:
            del self.fields["subject"]
        if not person:
            del self.fields["staff"], self.fields["person_name"]
        else:
            self.fields["person_name"].help_text = _(
                "Chọn cán bộ trong danh sách, hoặc nhập họ tên và mã trường."
            )
            if staff is not None:
                self.fields["staff"].queryset = staff
        if editing:
            for name in ("subject", "subject_code", "staff", "person_name"):
                self.fields.pop(name, None)
        for criterion in criteria:
            self.fields[f"c{criterion.pk}_points"] = PointsField(
                label=f"{criterion.code}. {criterion.text}",
                maximum=criterion.max_points,
                required=True,
                error_messages={"required": _("Hãy chấm điểm tiêu chí này.")},
            )
            self.fields[f"c{criterion.pk}_note"] = forms.CharField(
                label=_("Ghi chú, minh chứng"), max_length=500, required=False
            )
        self.style_fields()

    def score_rows(self):
        return [(c, self[f"c{c.pk}_points"], self[f"c{c.pk}_note"]) for c in self.criteria]

    def scores(self) -> dict:
        data = self.cleaned_data
        return {c.pk: (data[f"c{c.pk}_points"], data[f"c{c.pk}_note"]) for c in self.criteria}


class NominationForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    nominating_unit = BoundedModelChoiceField(
        label=_("Đơn vị đề nghị"), queryset=OrgUnit.objects.none(), empty_label=None
    )
    evaluation = BoundedModelChoiceField(
        label=_("Căn cứ kết quả đánh giá"), queryset=Evaluation.objects.none(), required=False,
        empty_label=_("— Không —"),
    )  # fmt: skip
    subject_kind = forms.ChoiceField(label=_("Đối tượng"), choices=SubjectKind.choices)
    subject_code = forms.CharField(
        label=_("Mã trường (đơn vị)"), max_length=32, required=False,
        help_text=_("Không cần nhập khi đã chọn kết quả đánh giá làm căn cứ."),
    )  # fmt: skip
    person_name = forms.CharField(
        label=_("Họ và tên (khen cá nhân)"), max_length=120, required=False
    )
    award_title = forms.CharField(
        label=_("Hình thức khen thưởng"), max_length=255,
        widget=forms.TextInput(attrs={"list": "award-titles"}),
        error_messages={"required": _("Hãy nhập hình thức khen thưởng.")},
    )  # fmt: skip
    reason = forms.CharField(
        label=_("Thành tích, lý do đề nghị"), widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Hãy ghi thành tích, lý do đề nghị.")},
    )  # fmt: skip

    titles = AWARD_TITLES

    def __init__(self, *args, units=None, evaluations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["nominating_unit"].queryset = units
        if evaluations is not None:
            self.fields["evaluation"].queryset = evaluations


class RefuseForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Lý do không duyệt"), max_length=500,
        error_messages={"required": _("Hãy ghi lý do không duyệt.")},
    )  # fmt: skip


class DocumentField(_BaseMultipleFileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.ClearableFileInput(attrs={"accept": ".pdf,.docx"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [forms.FileField.clean(self, data, initial)] if data else []
        errors = []
        for upload in files:
            try:
                uploads.check_upload(upload, allowed=DOCUMENT_KINDS)
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return files


class NominationChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj: Nomination):
        return f"{obj.award_title}: {obj.subject_label} — {obj.nominating_unit.name}"


class DecisionForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    issuing_unit = BoundedModelChoiceField(
        label=_("Cơ quan ban hành"), queryset=OrgUnit.objects.none(), empty_label=None
    )
    number = forms.CharField(
        label=_("Số, ký hiệu"), max_length=60,
        help_text=_("Ví dụ: 2468/QĐ-BGDĐT."),
        error_messages={"required": _("Hãy nhập số, ký hiệu của quyết định.")},
    )  # fmt: skip
    signed_on = _date(_("Ngày ký"))
    title = forms.CharField(
        label=_("Trích yếu"), max_length=255,
        error_messages={"required": _("Hãy nhập trích yếu của quyết định.")},
    )  # fmt: skip
    nominations = NominationChoiceField(
        label=_("Các đề nghị được khen thưởng"), queryset=Nomination.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Hãy chọn ít nhất một đề nghị được khen thưởng.")},
    )  # fmt: skip
    files = DocumentField(
        label=_("Văn bản quyết định (PDF hoặc Word)"), required=False,
    )  # fmt: skip

    def __init__(self, *args, units=None, proposals=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["issuing_unit"].queryset = units
        if proposals is not None:
            self.fields["nominations"].queryset = proposals
