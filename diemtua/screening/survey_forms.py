"""Forms of the survey pages. They check shape; survey_services enforces the rules and its
ValidationErrors come back onto these forms, with everything typed kept."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diemtua.accounts.roles import Role
from diemtua.cases.forms import ServiceErrorsMixin
from diemtua.core.forms import (
    BootstrapFormMixin,
    BoundedModelChoiceField,
    BoundedModelMultipleChoiceField,
)
from diemtua.orgs.models import OrgUnit, SchoolLevel

from .forms import AnswerForm
from .models import InstrumentVersion

# Beyond this many schools a checkbox list is unusable (and heavy on a school PC): the sender
# then targets all schools, or all schools of a level.
SCHOOL_PICK_LIMIT = 300

TARGET_ALL, TARGET_LEVEL, TARGET_CHOSEN = "all", "level", "chosen"


class SurveyCreateForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    version = BoundedModelChoiceField(
        label=_("Phiếu khảo sát"),
        queryset=InstrumentVersion.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    title = forms.CharField(
        label=_("Tên đợt khảo sát"),
        max_length=200,
        help_text=_("Ví dụ: Khảo sát điều kiện triển khai tư vấn học đường, học kỳ I 2025-2026."),
    )
    instructions = forms.CharField(
        label=_("Hướng dẫn cho người trả lời"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    deadline = forms.DateField(
        label=_("Hạn trả lời"),
        help_text=_("dd/mm/yyyy. Nhận câu trả lời đến hết ngày này."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": _("Hãy nhập ngày theo dạng dd/mm/yyyy.")},
    )
    target = forms.ChoiceField(
        label=_("Gửi tới"),
        widget=forms.RadioSelect,
        choices=[
            (TARGET_ALL, _("Tất cả các trường thuộc đơn vị")),
            (TARGET_LEVEL, _("Các trường của một cấp học")),
            (TARGET_CHOSEN, _("Chọn từng trường")),
        ],
        initial=TARGET_ALL,
    )
    level = forms.ChoiceField(
        label=_("Cấp học"),
        required=False,
        choices=[("", "—"), *SchoolLevel.choices],
    )
    schools = BoundedModelMultipleChoiceField(
        label=_("Các trường nhận phiếu"),
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    staff_roles = forms.MultipleChoiceField(
        label=_("Phiếu cho cán bộ: gửi thêm tới"),
        required=False,
        choices=[
            (Role.SCHOOL_LEAD.value, Role.SCHOOL_LEAD.label),
            (Role.TEACHER.value, Role.TEACHER.label),
        ],
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Phiếu cho cán bộ luôn gửi tới cán bộ tư vấn của các trường; "
            "phiếu cho nhà trường thì không cần chọn."
        ),
    )

    def __init__(self, *args, versions, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.all_schools = schools
        self.fields["version"].queryset = versions
        self.fields["version"].label_from_instance = lambda v: (
            f"{v.title} — {v.instrument.get_audience_display()} ({v.instrument.code})"
        )
        if schools.count() > SCHOOL_PICK_LIMIT:
            del self.fields["schools"]
            self.fields["target"].choices = self.fields["target"].choices[:2]
        else:
            self.fields["schools"].queryset = schools
            self.fields["schools"].label_from_instance = lambda s: (
                f"{s.name} ({s.get_school_level_display() or s.code})"
            )
        if not self.is_bound:
            self.initial.setdefault("deadline", timezone.localdate() + datetime.timedelta(days=14))
            self.initial.setdefault("target", TARGET_ALL)

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError(_("Hạn trả lời không được trước hôm nay."))
        return deadline

    def clean(self):
        cleaned = super().clean()
        target = cleaned.get("target")
        self.target_schools = []
        if target == TARGET_LEVEL:
            if not cleaned.get("level"):
                self.add_error("level", _("Hãy chọn cấp học."))
                return cleaned
            self.target_schools = list(self.all_schools.filter(school_level=cleaned["level"]))
        elif target == TARGET_CHOSEN:
            self.target_schools = list(cleaned.get("schools") or [])
            if not self.target_schools and "schools" not in self.errors:
                self.add_error("schools", _("Hãy chọn ít nhất một trường."))
                return cleaned
        elif target == TARGET_ALL:
            self.target_schools = list(self.all_schools)
        if target and not self.target_schools and not self.errors:
            self.add_error("target", _("Không có trường nào phù hợp để gửi phiếu."))
        return cleaned


class SurveyAnswerForm(ServiceErrorsMixin, AnswerForm):
    """The instrument's questions; a refusal of the service (already answered) shows on top."""
