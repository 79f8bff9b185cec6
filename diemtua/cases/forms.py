"""Forms of the counselor's and the teacher's pages. They check shape only; rules live in
services.py, whose ValidationErrors are put back on these forms."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from diemtua.core.forms import (
    BootstrapFormMixin,
    BoundedModelChoiceField,
    BoundedModelMultipleChoiceField,
    add_service_errors,
)
from diemtua.students.models import Guardian, Student

from .models import (
    ActionStatus,
    ConsentGiver,
    ConsentMethod,
    ContentGroup,
    Outcome,
    ReportedTo,
    RiskLevel,
    Scope,
    SessionForm,
    Stage,
)
from .reference import groups_in_force

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 4})


def _date_field(label, required=True, **kwargs):
    # <input type=date> sends ISO dates whatever the display language; typed dd/mm/yyyy works too.
    return forms.DateField(
        label=label,
        required=required,
        widget=DATE_INPUT,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        **kwargs,
    )


class ServiceErrorsMixin:
    def add_service_errors(self, error) -> None:
        add_service_errors(self, error)


class CaseFormBase(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    pass


class GroupsMixin:
    """Content groups of the generation in force on a date (the case's opening date)."""

    def set_groups(self, on):
        self.fields["content_groups"].queryset = groups_in_force(on)


GROUPS_LABEL = _("Nhóm nội dung")


def _groups_field(label=GROUPS_LABEL):
    return BoundedModelMultipleChoiceField(
        label=label,
        queryset=ContentGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class StudentChoiceField(BoundedModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} — {obj.class_name}"


class CaseForm(GroupsMixin, CaseFormBase):
    student = StudentChoiceField(
        label=pgettext_lazy("một học sinh", "Học sinh"),
        queryset=Student.objects.none(),
        required=False,
        help_text=_("Để trống nếu em chưa muốn nói tên."),
    )
    alias = forms.CharField(
        label=_("Tên gọi tạm"),
        max_length=60,
        required=False,
        help_text=_("Cách thầy cô nhận ra hồ sơ khi em ẩn danh, ví dụ “em lớp 7A hay buồn”."),
    )
    summary = forms.CharField(label=_("Vấn đề ban đầu"), widget=TEXTAREA, required=False)
    content_groups = _groups_field()
    is_urgent = forms.BooleanField(label=_("Gấp"), required=False)
    follow_up_on = _date_field(_("Hẹn theo dõi"), required=False)

    def __init__(self, *args, school, on, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = Student.objects.filter(
            school=school, is_active=True
        ).only("pk", "full_name", "class_name", "grade", "sort_name")
        self.set_groups(on)


class StageForm(CaseFormBase):
    to_stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)


class CloseForm(CaseFormBase):
    outcome = forms.ChoiceField(label=_("Kết quả"), choices=[("", "—"), *Outcome.choices])
    closing_summary = forms.CharField(label=_("Tóm tắt khi kết thúc"), widget=TEXTAREA)


class ReopenForm(CaseFormBase):
    reason = forms.CharField(label=_("Lý do mở lại"), widget=forms.Textarea(attrs={"rows": 2}))


class TakeOverForm(CaseFormBase):
    reason = forms.CharField(
        label=_("Lý do nhận phụ trách"),
        max_length=255,
        help_text=_("Ví dụ: cô phụ trách đã chuyển trường. Không ghi thông tin về học sinh."),
    )


class TeamForm(CaseFormBase):
    counselors = BoundedModelMultipleChoiceField(
        label=_("Cán bộ phụ trách"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    restricted = forms.BooleanField(
        label=_("Chỉ người phụ trách được xem hồ sơ này"), required=False
    )

    def __init__(self, *args, counselors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counselors"].queryset = counselors
        self.fields["counselors"].label_from_instance = lambda user: user.full_name


class ConsentForm(CaseFormBase):
    given_by = forms.ChoiceField(
        label=_("Người đồng ý"), choices=ConsentGiver.choices, widget=forms.RadioSelect
    )
    guardian = BoundedModelChoiceField(
        label=_("Phụ huynh"), queryset=Guardian.objects.none(), required=False
    )
    guardian_name = forms.CharField(
        label=_("Tên phụ huynh (nếu không có trong danh sách)"), max_length=120, required=False
    )
    scopes = forms.MultipleChoiceField(
        label=_("Đồng ý cho"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    partner_name = forms.CharField(
        label=_("Đơn vị được chia sẻ"),
        max_length=200,
        required=False,
        help_text=_("Bắt buộc khi đồng ý chia sẻ thông tin: ghi đúng tên đơn vị."),
    )
    method = forms.ChoiceField(label=_("Cách đồng ý"), choices=ConsentMethod.choices)
    given_on = _date_field(_("Ngày đồng ý"))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        if case.student_id:
            self.fields["guardian"].queryset = Guardian.objects.filter(student=case.student)
        self.fields["guardian"].label_from_instance = lambda g: (
            f"{g.full_name} ({g.get_relationship_display()})"
        )
        self.initial.setdefault("given_on", timezone.localdate())


class WithdrawForm(CaseFormBase):
    withdrawn_on = _date_field(_("Ngày rút lại"))
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea({"rows": 2}))


class AssessmentForm(CaseFormBase):
    assessed_on = _date_field(_("Ngày đánh giá"))
    risk_level = forms.ChoiceField(label=_("Mức nguy cơ"), choices=RiskLevel.choices)
    risk_reasons = forms.CharField(
        label=_("Lý do đánh giá mức nguy cơ"), widget=TEXTAREA, required=False
    )
    protective_factors = forms.CharField(
        label=_("Yếu tố bảo vệ"),
        widget=TEXTAREA,
        required=False,
        help_text=_("Người em tin tưởng, điểm mạnh, điều giúp em vững vàng."),
    )
    needs = forms.CharField(label=_("Nhu cầu của học sinh"), widget=TEXTAREA, required=False)
    abuse_concern = forms.BooleanField(
        label=_("Nghi bị xâm hại, bạo lực hoặc bỏ mặc"),
        required=False,
        help_text=_("Đánh dấu sẽ báo ngay Ban giám hiệu và bắt đầu tính hạn báo cáo (111)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("assessed_on", timezone.localdate())


class PlanForm(CaseFormBase):
    goals = forms.CharField(label=_("Mục tiêu hỗ trợ"), widget=TEXTAREA)
    review_on = _date_field(_("Ngày rà soát"))


class ActionForm(CaseFormBase):
    description = forms.CharField(label=_("Việc cần làm"), max_length=500)
    owner = forms.CharField(
        label=pgettext_lazy("việc trong kế hoạch", "Người thực hiện"), max_length=120
    )
    due_on = _date_field(_("Hạn"))


class ActionStatusForm(CaseFormBase):
    status = forms.ChoiceField(choices=ActionStatus.choices)


class SessionRecordForm(GroupsMixin, CaseFormBase):
    held_at = forms.DateTimeField(
        label=_("Thời gian"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
    )
    form = forms.ChoiceField(label=_("Hình thức"), choices=SessionForm.choices)
    duration_minutes = forms.IntegerField(label=_("Thời lượng (phút)"), min_value=5, max_value=480)
    other_students = BoundedModelMultipleChoiceField(
        label=_("Học sinh khác cùng tham gia (buổi nhóm)"),
        queryset=Student.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    others_present = forms.CharField(
        label=_("Người khác tham gia"),
        max_length=200,
        required=False,
        help_text=_("Ví dụ: mẹ của em, giáo viên chủ nhiệm."),
    )
    content_groups = _groups_field()
    notes = forms.CharField(label=_("Ghi chép"), widget=forms.Textarea({"rows": 6}), required=False)
    next_steps = forms.CharField(label=_("Bước tiếp theo"), widget=TEXTAREA, required=False)
    follow_up_on = _date_field(_("Hẹn theo dõi"), required=False)
    emergency_reason = forms.CharField(
        label=_("Lý do khẩn cấp (chỉ khi chưa có sự đồng ý)"),
        widget=forms.Textarea({"rows": 2}),
        required=False,
        help_text=_(
            "Chỉ dùng khi học sinh hoặc người khác có nguy cơ bị tổn hại nghiêm trọng. "
            "Lý do được ghi vào hồ sơ và nhật ký truy cập."
        ),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_groups(case.opened_on)
        self.fields["other_students"].queryset = (
            Student.objects.filter(school_id=case.school_id, is_active=True)
            .exclude(pk=case.student_id)
            .only("pk", "full_name", "class_name", "grade", "sort_name")
        )
        self.fields["other_students"].label_from_instance = lambda s: (
            f"{s.full_name} — {s.class_name}"
        )
        self.initial.setdefault("held_at", timezone.localtime().replace(second=0, microsecond=0))
        self.initial.setdefault("duration_minutes", 45)


class DisclosureForm(CaseFormBase):
    partner_name = forms.CharField(label=_("Đơn vị nhận"), max_length=200)
    content = forms.CharField(label=_("Thông tin đã chia sẻ"), widget=TEXTAREA)
    emergency_reason = forms.CharField(
        label=_("Lý do khẩn cấp (chỉ khi chưa có sự đồng ý)"),
        widget=forms.Textarea({"rows": 2}),
        required=False,
    )


class TriageForm(CaseFormBase):
    student = StudentChoiceField(
        label=_("Học sinh (nếu biết)"), queryset=Student.objects.none(), required=False
    )
    alias = forms.CharField(label=_("Tên gọi tạm"), max_length=60, required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = Student.objects.filter(
            school=school, is_active=True
        ).only("pk", "full_name", "class_name", "grade", "sort_name")


class AttachForm(CaseFormBase):
    case = BoundedModelChoiceField(label=_("Hồ sơ đang mở"), queryset=None)

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases
        self.fields["case"].label_from_instance = lambda c: f"#{c.pk} · {c.subject}"


class ReplyForm(CaseFormBase):
    reply = forms.CharField(
        label=_("Lời nhắn cho em"),
        widget=TEXTAREA,
        help_text=_("Em đọc lời nhắn này bằng mã tra cứu và mã PIN. Viết ngắn, ấm áp, dễ hiểu."),
    )
    close = forms.BooleanField(label=_("Trả lời và đóng yêu cầu (không mở hồ sơ)"), required=False)


class ReferralForm(GroupsMixin, CaseFormBase):
    student = StudentChoiceField(
        label=pgettext_lazy("một học sinh", "Học sinh"), queryset=Student.objects.none()
    )
    message = forms.CharField(
        label=_("Điều thầy cô thấy đáng lo"),
        widget=TEXTAREA,
        help_text=_("Ghi điều thầy cô đã thấy hoặc nghe, không cần phán đoán."),
    )
    content_groups = _groups_field(_("Về chuyện gì"))
    said_urgent = forms.BooleanField(label=_("Gấp: em có thể đang gặp nguy hiểm"), required=False)

    def __init__(self, *args, students, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = students
        self.set_groups(timezone.localdate())


class ChildProtectionReportForm(CaseFormBase):
    reported_at = forms.DateTimeField(
        label=_("Báo cáo lúc"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
    )
    reported_to = forms.ChoiceField(label=_("Báo cho"), choices=ReportedTo.choices)
    reporter = forms.CharField(label=_("Người báo cáo"), max_length=120)
    reference = forms.CharField(
        label=_("Số công văn hoặc mã cuộc gọi"), max_length=120, required=False
    )
    notes = forms.CharField(label=_("Ghi chú"), widget=forms.Textarea({"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault(
            "reported_at", timezone.localtime().replace(second=0, microsecond=0)
        )
