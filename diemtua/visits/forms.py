"""Forms of the visit pages. They check shape (numbers, dates, file content); the rules a
visit keeps live in services.py, whose ValidationErrors come back onto these forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from diemtua.core import uploads
from diemtua.core.forms import BootstrapFormMixin, BoundedModelChoiceField
from diemtua.orgs.models import OrgUnit
from diemtua.programs.models import Program

from . import selectors
from .models import ChecklistVersion, VisitKind, VisitStatus, localized
from .services import PHOTO_KINDS

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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input, each checked by its content against `allowed` kinds."""

    def __init__(self, *args, allowed=uploads.ALL_KINDS, **kwargs):
        self.allowed = allowed
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": _accept(allowed)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            files = [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        else:
            files = [super().clean(data, initial)] if data else []
        errors = []
        for upload in files:
            try:
                uploads.check_upload(upload, allowed=self.allowed)
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return files


class ProgramChoiceField(BoundedModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class ChecklistChoiceField(BoundedModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} — {obj.regulation}"


class ServiceErrorsMixin:
    def add_service_errors(self, error) -> None:
        from diemtua.core.forms import add_service_errors

        add_service_errors(self, error)


class VisitCreateForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    visiting_unit = BoundedModelChoiceField(
        label=_("Đơn vị làm việc"), queryset=OrgUnit.objects.none(), empty_label=None
    )
    school = forms.CharField(
        label=_("Trường"),
        max_length=255,
        error_messages={"required": _("Hãy nhập mã hoặc tên trường.")},
        help_text=_("Gõ mã trường hoặc tên trường (không dấu cũng được) rồi chọn trong gợi ý."),
        widget=forms.TextInput(attrs={"list": "schools", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=_("Hình thức"), choices=VisitKind.choices)
    visited_on = _date(_("Ngày làm việc"))
    checklist = ChecklistChoiceField(
        label=_("Bảng tiêu chí"), queryset=ChecklistVersion.objects.none(), empty_label=None,
        help_text=_("Đợt làm việc trước 31/10/2025 dùng bảng tiêu chí của đợt thí điểm 2024."),
    )  # fmt: skip
    program = ProgramChoiceField(
        label=_("Thuộc chương trình"), queryset=Program.objects.none(), required=False,
        empty_label=_("Không thuộc chương trình nào"),
    )  # fmt: skip
    team = forms.CharField(
        label=_("Thành phần đoàn"), max_length=500, required=False,
        help_text=_("Ví dụ: Bà Nguyễn Thị Lan Anh (trưởng đoàn), chuyên viên Phòng CTHSSV."),
    )  # fmt: skip

    def __init__(self, *args, units=(), programs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visiting_unit"].queryset = OrgUnit.objects.filter(
            pk__in=[u.pk for u in units]
        ).order_by("kind", "search_name")
        versions = selectors.checklist_versions()
        self.fields["checklist"].queryset = ChecklistVersion.objects.filter(
            pk__in=[v.pk for v in versions]
        ).select_related("checklist")
        if programs is not None:
            self.fields["program"].queryset = programs

    def clean(self):
        data = super().clean()
        unit, text = data.get("visiting_unit"), data.get("school")
        if unit is not None and text:
            found = selectors.find_school(visiting_unit=unit, text=text)
            if not found:
                self.add_error(
                    "school",
                    _("Không tìm thấy trường “%(text)s” thuộc %(unit)s.")
                    % {"text": text[:60], "unit": unit.name},
                )
            elif len(found) > 1:
                self.add_error(
                    "school",
                    _("Có nhiều trường phù hợp: %(names)s. Hãy nhập mã trường.")
                    % {"names": "; ".join(f"{s.code} — {s.name}" for s in found[:5])},
                )
            else:
                data["school"] = found[0]
        return data


class VisitEditForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Hình thức"), choices=VisitKind.choices)
    visited_on = _date(_("Ngày làm việc"))
    program = ProgramChoiceField(
        label=_("Thuộc chương trình"), queryset=Program.objects.none(), required=False,
        empty_label=_("Không thuộc chương trình nào"),
    )  # fmt: skip
    team = forms.CharField(label=_("Thành phần đoàn"), max_length=500, required=False)
    findings = forms.CharField(
        label=_("Kết quả, nhận xét"), required=False, max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Những việc trường đã làm tốt và những điểm còn hạn chế. Không ghi tên học sinh."
        ),
    )  # fmt: skip
    recommendations = forms.CharField(
        label=_("Kiến nghị"), required=False, max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip
    photos = MultipleFileField(
        label=_("Thêm ảnh minh chứng"), required=False, allowed=PHOTO_KINDS,
        help_text=_("Ảnh JPEG, PNG hoặc WebP; tối đa 10 ảnh mỗi lần. Tránh chụp rõ mặt học sinh."),
    )  # fmt: skip

    def __init__(self, *args, visit, programs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programs is not None:
            self.fields["program"].queryset = programs
        self.criteria = []
        checklist = visit.checklist
        for criterion in checklist.criteria:
            code = criterion["code"]
            choices = [("", _("Chưa chấm"))] + [
                (str(v), f"{v} – {checklist.scale_label(v)}")
                for v in range(criterion["max_score"] + 1)
            ]
            self.fields[f"score_{code}"] = forms.TypedChoiceField(
                label=localized(criterion.get("text")),
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
                help_text=localized(criterion.get("guidance")),
            )
            self.fields[f"note_{code}"] = forms.CharField(
                label=_("Ghi chú"), max_length=500, required=False
            )
            self.criteria.append(
                {
                    "code": code,
                    "weight": criterion.get("weight", 1),
                    "score": f"score_{code}",
                    "note": f"note_{code}",
                }
            )
        photos = list(visit.photos.all())
        if photos:
            self.fields["remove_photos"] = forms.MultipleChoiceField(
                label=_("Bỏ ảnh"),
                choices=[(str(p.pk), p.original_name) for p in photos],
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        self.style_fields()

    def score_fields(self):
        return [
            {"score": self[c["score"]], "note": self[c["note"]], "weight": c["weight"]}
            for c in self.criteria
        ]

    def scores(self) -> dict:
        data = self.cleaned_data
        return {c["code"]: (data.get(c["score"]), data.get(c["note"]) or "") for c in self.criteria}

    def removed_photos(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data.get("remove_photos", [])]


class ActionForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    description = forms.CharField(
        label=_("Việc cần khắc phục"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Hãy ghi việc trường cần làm.")},
    )  # fmt: skip
    owner_name = forms.CharField(
        label=_("Người phụ trách ở trường (nếu có)"), max_length=120, required=False,
        help_text=_("Trường là đơn vị chịu trách nhiệm; có thể ghi thêm người phụ trách."),
    )  # fmt: skip
    due_on = _date(_("Hạn hoàn thành"))


class AmendForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Nội dung đính chính"), max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Hãy ghi nội dung đính chính.")},
    )  # fmt: skip


class AnswerForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Trường đã thực hiện"), max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Hãy ghi trường đã làm gì.")},
    )  # fmt: skip
    files = MultipleFileField(
        label=_("Tệp minh chứng (nếu có)"), required=False,
        help_text=_(
            "Ảnh, PDF, Word, Excel, PowerPoint; tối đa 10 tệp. Không gửi tệp có tên học sinh."
        ),
    )  # fmt: skip


class ReviewForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Kết luận"),
        choices=[
            ("verify", _("Xác nhận đã hoàn thành")),
            ("reopen", _("Trả lại, yêu cầu làm tiếp")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Hãy chọn xác nhận hoặc trả lại.")},
    )
    comment = forms.CharField(
        label=_("Nhận xét"), max_length=10_000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Bắt buộc khi trả lại: ghi rõ trường cần làm thêm gì."),
    )  # fmt: skip
    due_on = _date(_("Hạn mới (khi trả lại)"), required=False)


class VisitFilterForm(forms.Form):
    q = forms.CharField(label=_("Tìm theo trường"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=_("Hình thức"), choices=[("", _("Mọi hình thức")), *VisitKind.choices],
        required=False,
    )  # fmt: skip
    status = forms.ChoiceField(
        label=_("Trạng thái"), choices=[("", _("Mọi trạng thái")), *VisitStatus.choices],
        required=False,
    )  # fmt: skip
    school = BoundedModelChoiceField(
        label=_("Trường"), queryset=OrgUnit.objects.none(), required=False,
        empty_label=_("Mọi trường"),
    )  # fmt: skip
    date_from = _date(_("Từ ngày"), required=False)
    date_to = _date(_("Đến ngày"), required=False)

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        if schools is not None:
            self.fields["school"].queryset = schools

    def filters(self) -> dict:
        data = {}
        if self.is_bound:
            self.is_valid()  # cleaned_data then holds the valid filters only
            data = self.cleaned_data
        return {
            "query": data.get("q") or "",
            "kind": data.get("kind") or "",
            "status": data.get("status") or "",
            "school": data.get("school"),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


class ActionFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Trạng thái"),
        choices=[
            ("pending", _("Chưa xác nhận hoàn thành")),
            ("overdue", _("Quá hạn")),
            ("answered", _("Trường đã báo cáo, chờ xác nhận")),
            ("verified", _("Đã xác nhận hoàn thành")),
            ("all", _("Tất cả")),
        ],
        required=False,
    )

    def state_value(self) -> str:
        if self.is_bound and self.is_valid():
            return self.cleaned_data.get("state") or "pending"
        return "pending"
