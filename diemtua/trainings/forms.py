"""Forms of the training, exchange and library pages. They check shape (numbers, dates, codes,
file content); the rules live in the services, whose ValidationErrors come back onto these
forms next to what the person typed."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from diemtua.accounts.models import User
from diemtua.core import uploads
from diemtua.core.forms import BootstrapFormMixin, BoundedModelChoiceField, add_service_errors
from diemtua.orgs.models import OrgKind, OrgUnit, OrgUnitAncestor
from diemtua.programs.models import Program

from .models import (
    MAX_HOURS,
    MAX_SCORE,
    MIN_HOURS,
    Attendance,
    Category,
    Exchange,
    Mode,
    Visibility,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
# School codes in a textarea: one a line, or separated by commas, semicolons or spaces.
CODE_SPLIT = re.compile(r"[\s,;]+")
MAX_CODES = 500


class ServiceErrors:
    def add_service_errors(self, error) -> None:
        add_service_errors(self, error)


def _date(label, required=True, **kwargs):
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


class CommaDecimalField(forms.DecimalField):
    """A number typed the Vietnamese way ("7,5") or the English way ("7.5")."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        kwargs.setdefault(
            "error_messages",
            {
                "invalid": _("Hãy nhập một số, ví dụ 7,5."),
                "max_value": _("Số này lớn nhất là %(limit_value)s."),
                "min_value": _("Số này nhỏ nhất là %(limit_value)s."),
                "max_decimal_places": _("Chỉ ghi tối đa %(max)s chữ số sau dấu phẩy."),
                "max_digits": _("Số quá dài; hãy kiểm tra lại."),
                "max_whole_digits": _("Số quá lớn; hãy kiểm tra lại."),
            },
        )
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(" ", "").replace(",", ".")[:20]
        try:
            return super().to_python(value)
        except (InvalidOperation, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


def _hours_field(label, required=True):
    return CommaDecimalField(
        label=label,
        required=required,
        min_value=MIN_HOURS,
        max_value=MAX_HOURS,
        max_digits=4,
        decimal_places=1,
    )


def _score_field(label, required=False, **kwargs):
    return CommaDecimalField(
        label=label,
        required=required,
        min_value=Decimal("0"),
        max_value=MAX_SCORE,
        max_digits=4,
        decimal_places=2,
        **kwargs,
    )


class ProgramChoiceField(BoundedModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.owner.name})"


def _programs(owners):
    from .services import programs_for_owner

    if not owners:
        return Program.objects.none()
    pks = set()
    for owner in owners:
        pks.update(programs_for_owner(owner).values_list("pk", flat=True))
    return Program.objects.filter(pk__in=pks).select_related("owner").order_by("-starts_on")


def _owner_field():
    return BoundedModelChoiceField(
        label=_("Đơn vị tổ chức"), queryset=OrgUnit.objects.none(), empty_label=None
    )


def _program_field():
    return ProgramChoiceField(
        label=_("Thuộc chương trình"),
        queryset=Program.objects.none(),
        required=False,
        empty_label=_("— Không thuộc chương trình nào —"),
    )


class TrainingForm(ServiceErrors, BootstrapFormMixin, forms.Form):
    owner = _owner_field()
    program = _program_field()
    title = forms.CharField(
        label=_("Tên khóa tập huấn"),
        max_length=255,
        error_messages={"required": _("Hãy nhập tên khóa tập huấn.")},
        help_text=_("Ví dụ: Tập huấn công tác tư vấn tâm lý và công tác xã hội trường học."),
    )
    starts_on = _date(_("Từ ngày"))
    ends_on = _date(_("Đến ngày"))
    mode = forms.ChoiceField(label=_("Hình thức"), choices=Mode.choices)
    location = forms.CharField(label=_("Địa điểm"), max_length=255, required=False)
    hours = _hours_field(_("Số giờ tập huấn"))
    curriculum = forms.CharField(
        label=_("Chương trình, nội dung"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Mỗi dòng một chuyên đề hoặc một buổi."),
    )
    trainers = forms.CharField(
        label=_("Giảng viên, báo cáo viên"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mỗi dòng một người: họ tên – đơn vị."),
    )
    pass_mark = _score_field(
        _("Điểm đạt của bài kiểm tra cuối khóa (thang 10)"),
        help_text=_(
            "Để trống nếu không xét điểm: ai tham gia đầy đủ đều được cấp giấy chứng nhận."
        ),
    )

    def __init__(self, *args, owners=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["owner"]
        else:
            self.fields["owner"].queryset = OrgUnit.objects.filter(
                pk__in=[u.pk for u in owners or []]
            ).order_by("kind", "search_name")
        self.fields["program"].queryset = _programs(owners or [])

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("“Đến ngày” không được trước “Từ ngày”."))
        return data


def _unit_by_code(code: str, top) -> OrgUnit | None:
    """A current unit with this code inside `top`'s subtree; a school first (codes of other
    kinds never look like a school's "01-TRUNGTU")."""
    inside = OrgUnitAncestor.objects.filter(ancestor=top).values("descendant_id")
    units = list(
        OrgUnit.objects.filter(code__iexact=code.strip(), valid_to=None, pk__in=inside)[:5]
    )
    units.sort(key=lambda u: (u.kind != OrgKind.SCHOOL, u.pk))
    return units[0] if units else None


class ParticipantForm(ServiceErrors, BootstrapFormMixin, forms.Form):
    username = forms.CharField(
        label=_("Tên đăng nhập (nếu có tài khoản)"),
        max_length=150,
        required=False,
        help_text=_("Ví dụ tv.trungtu. Khi có tài khoản, họ tên và đơn vị lấy theo tài khoản."),
    )
    full_name = forms.CharField(label=_("Họ và tên"), max_length=120, required=False)
    unit_code = forms.CharField(
        label=_("Mã đơn vị công tác"),
        max_length=32,
        required=False,
        help_text=_("Mã trường (ví dụ 01-TRUNGTU) hoặc mã xã/phường, mã Sở."),
    )
    position = forms.CharField(label=_("Chức vụ, công việc"), max_length=120, required=False)

    def __init__(self, *args, training=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.training = training

    def clean(self):
        data = super().clean()
        user, unit = None, None
        username = (data.get("username") or "").strip()
        code = (data.get("unit_code") or "").strip()
        inside = OrgUnitAncestor.objects.filter(ancestor=self.training.owner).values(
            "descendant_id"
        )
        if username:
            # Only accounts inside the organiser's area are found, and a missing one reads the
            # same as one elsewhere: the form must not tell who has an account in other provinces.
            user = (
                User.objects.filter(username__iexact=username, memberships__org_unit_id__in=inside)
                .distinct()
                .first()
            )
            if user is None:
                self.add_error(
                    "username",
                    _("Không có tài khoản “%(u)s” trong phạm vi của %(owner)s.")
                    % {"u": username[:40], "owner": self.training.owner.name},
                )
        if code:
            unit = _unit_by_code(code, self.training.owner)
            if unit is None:
                self.add_error(
                    "unit_code",
                    _("Không có đơn vị mã “%(code)s” thuộc %(owner)s.")
                    % {"code": code[:32], "owner": self.training.owner.name},
                )
        elif user is not None:
            membership = (
                user.memberships.filter(org_unit_id__in=inside, org_unit__valid_to=None)
                .select_related("org_unit")
                .order_by("org_unit__kind")
                .first()
            )
            if membership is None:
                self.add_error(
                    "username",
                    _("Tài khoản “%(u)s” không thuộc đơn vị nào trong phạm vi của %(owner)s.")
                    % {"u": username[:40], "owner": self.training.owner.name},
                )
            else:
                unit = membership.org_unit
        elif not self.errors:
            self.add_error("unit_code", _("Hãy nhập mã đơn vị công tác hoặc tên đăng nhập."))
        if not username and not (data.get("full_name") or "").strip():
            self.add_error("full_name", _("Hãy nhập họ và tên."))
        data["user"], data["unit"] = user, unit
        return data


class AttendanceForm(ServiceErrors, BootstrapFormMixin, forms.Form):
    """One row per participant: attendance, hours when partial, pre- and post-test scores."""

    def __init__(self, *args, participants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = list(participants)
        for p in self.participants:
            self.fields[f"attendance_{p.pk}"] = forms.ChoiceField(
                label=_("Điểm danh: %(name)s") % {"name": p.full_name},
                choices=Attendance.choices,
                initial=p.attendance,
            )
            self.fields[f"hours_{p.pk}"] = _hours_field(
                _("Số giờ tham gia: %(name)s") % {"name": p.full_name}, required=False
            )
            self.fields[f"hours_{p.pk}"].initial = p.hours_attended
            self.fields[f"pre_{p.pk}"] = _score_field(
                _("Điểm đầu khóa: %(name)s") % {"name": p.full_name}, initial=p.pre_score
            )
            self.fields[f"post_{p.pk}"] = _score_field(
                _("Điểm cuối khóa: %(name)s") % {"name": p.full_name}, initial=p.post_score
            )
        self.style_fields()
        for name, field in self.fields.items():
            field.widget.attrs["class"] += " form-control-sm" if not name.startswith("att") else ""

    def table(self):
        """(participant, attendance, hours, pre, post) bound fields for the template."""
        return [
            (
                p,
                self[f"attendance_{p.pk}"],
                self[f"hours_{p.pk}"],
                self[f"pre_{p.pk}"],
                self[f"post_{p.pk}"],
            )
            for p in self.participants
        ]

    def rows(self) -> dict[int, dict]:
        data = self.cleaned_data
        return {
            p.pk: {
                "attendance": data[f"attendance_{p.pk}"],
                "hours_attended": data.get(f"hours_{p.pk}"),
                "pre_score": data.get(f"pre_{p.pk}"),
                "post_score": data.get(f"post_{p.pk}"),
            }
            for p in self.participants
        }


class RevokeForm(ServiceErrors, BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Lý do thu hồi"),
        max_length=255,
        error_messages={"required": _("Hãy ghi lý do thu hồi giấy chứng nhận.")},
    )


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Mã xác thực trên giấy chứng nhận"),
        max_length=40,
        error_messages={"required": _("Hãy nhập mã xác thực.")},
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "ABCDE-23456",
            }
        ),
    )


def _year_field(years):
    return forms.TypedChoiceField(
        label=_("Năm học"),
        choices=[("", _("Mọi năm học")), *[(str(y), label) for y, label in years]],
        coerce=int,
        empty_value=None,
        required=False,
    )


class ListFilterForm(forms.Form):
    q = forms.CharField(label=_("Tìm theo tên"), max_length=100, required=False)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"] = _year_field(years)

    def values(self) -> dict:
        data = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        return {"query": data.get("q") or "", "year": data.get("year")}


class HoursFilterForm(ListFilterForm):
    unit = BoundedModelChoiceField(
        label=_("Đơn vị"), queryset=OrgUnit.objects.none(), required=False,
        empty_label=_("Mọi đơn vị trong phạm vi"),
    )  # fmt: skip

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units

    def values(self) -> dict:
        values = super().values()
        values["unit"] = self.cleaned_data.get("unit") if self.is_bound else None
        return values


def schools_from_codes(text: str, owner) -> tuple[list[OrgUnit], list[str]]:
    """The current schools in `owner`'s subtree named by `text`, and the codes not found."""
    codes = [c for c in CODE_SPLIT.split(text or "") if c][:MAX_CODES]
    if not codes:
        return [], []
    inside = OrgUnitAncestor.objects.filter(ancestor=owner).values("descendant_id")
    found = {
        u.code.upper(): u
        for u in OrgUnit.objects.filter(
            kind=OrgKind.SCHOOL, valid_to=None, pk__in=inside, code__in={c.upper() for c in codes}
        )
    }
    missing = [c for c in codes if c.upper() not in found]
    seen, schools = set(), []
    for code in codes:
        unit = found.get(code.upper())
        if unit and unit.pk not in seen:
            seen.add(unit.pk)
            schools.append(unit)
    return schools, missing


class ExchangeForm(ServiceErrors, BootstrapFormMixin, forms.Form):
    owner = _owner_field()
    program = _program_field()
    title = forms.CharField(
        label=_("Tên buổi trao đổi"),
        max_length=255,
        error_messages={"required": _("Hãy nhập tên buổi trao đổi kinh nghiệm.")},
    )
    held_on = _date(_("Ngày tổ chức"))
    mode = forms.ChoiceField(label=_("Hình thức"), choices=Mode.choices)
    location = forms.CharField(label=_("Địa điểm"), max_length=255, required=False)
    school_codes = forms.CharField(
        label=_("Trường tham gia (mã trường)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mỗi dòng một mã trường, ví dụ 01-TRUNGTU; có thể cách nhau bằng dấu phẩy."),
    )
    program_schools = forms.BooleanField(
        label=_("Thêm tất cả các trường tham gia chương trình đã chọn (trong phạm vi đơn vị)"),
        required=False,
    )
    lessons = forms.CharField(
        label=_("Bài học kinh nghiệm rút ra"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Không ghi tên hay thông tin nhận diện học sinh."),
    )

    def __init__(self, *args, owners=None, owner=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_owner = owner
        if editing:
            del self.fields["owner"]
        else:
            self.fields["owner"].queryset = OrgUnit.objects.filter(
                pk__in=[u.pk for u in owners or []]
            ).order_by("kind", "search_name")
        self.fields["program"].queryset = _programs(owners or ([owner] if owner else []))

    def clean(self):
        from diemtua.programs.models import Enrolment

        data = super().clean()
        owner = self.fixed_owner or data.get("owner")
        if owner is None:
            return data
        schools, missing = schools_from_codes(data.get("school_codes", ""), owner)
        if missing:
            self.add_error(
                "school_codes",
                _("Không tìm thấy trường có mã sau trong phạm vi của %(owner)s: %(codes)s.")
                % {"owner": owner.name, "codes": ", ".join(m[:32] for m in missing[:20])},
            )
        if data.get("program_schools"):
            program = data.get("program")
            if program is None:
                self.add_error("program_schools", _("Hãy chọn chương trình trước."))
            else:
                inside = OrgUnitAncestor.objects.filter(ancestor=owner).values("descendant_id")
                known = {s.pk for s in schools}
                for enrolment in (
                    Enrolment.objects.filter(program=program, school_id__in=inside)
                    .select_related("school")
                    .order_by("school__search_name")
                ):
                    if enrolment.school_id not in known:
                        known.add(enrolment.school_id)
                        schools.append(enrolment.school)
        data["schools"] = schools
        return data


def exchange_initial(exchange: Exchange) -> dict:
    return {
        "program": exchange.program_id,
        "title": exchange.title,
        "held_on": exchange.held_on,
        "mode": exchange.mode,
        "location": exchange.location,
        "lessons": exchange.lessons,
        "school_codes": "\n".join(s.code for s in exchange.schools.order_by("search_name")),
    }


_ACCEPT = ",".join(ext for kind in uploads.KINDS.values() for ext in kind.extensions)


class DocumentFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": _ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            uploads.check_upload(upload)
        return upload


class DocumentForm(ServiceErrors, BootstrapFormMixin, forms.Form):
    owner = _owner_field()
    title = forms.CharField(
        label=_("Tên tài liệu"),
        max_length=255,
        error_messages={"required": _("Hãy nhập tên tài liệu.")},
    )
    category = forms.ChoiceField(label=_("Loại tài liệu"), choices=Category.choices)
    visibility = forms.ChoiceField(
        label=_("Ai được xem"),
        choices=Visibility.choices,
        help_text=_(
            "Toàn quốc: chỉ Bộ GD&ĐT đăng. Chương trình: các trường, địa phương tham gia "
            "chương trình đã chọn."
        ),
    )
    program = _program_field()
    exchange = BoundedModelChoiceField(
        label=_("Chia sẻ tại buổi trao đổi kinh nghiệm"),
        queryset=Exchange.objects.none(),
        required=False,
        empty_label=_("— Không —"),
    )
    description = forms.CharField(
        label=_("Mô tả"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    file = DocumentFileField(
        label=_("Tệp tài liệu"),
        error_messages={"required": _("Hãy chọn tệp tài liệu.")},
    )
    note = forms.CharField(
        label=_("Ghi chú phiên bản"),
        max_length=255,
        required=False,
        help_text=_("Ví dụ: Bản ban hành kèm Công văn số …"),
    )

    def __init__(self, *args, owners=None, document=None, **kwargs):
        super().__init__(*args, **kwargs)
        owner_list = list(owners or []) if document is None else [document.owner]
        if document is not None:
            for name in ("owner", "file", "note"):
                del self.fields[name]
        else:
            self.fields["owner"].queryset = OrgUnit.objects.filter(
                pk__in=[u.pk for u in owner_list]
            ).order_by("kind", "search_name")
        self.fields["program"].queryset = _programs(owner_list)
        self.fields["exchange"].queryset = Exchange.objects.filter(
            owner_id__in=[u.pk for u in owner_list]
        ).order_by("-held_on")
        if "file" in self.fields:
            self.fields["file"].help_text = _(
                "PDF; Word, Excel, PowerPoint; OpenDocument; ảnh. Tối đa %(limit)s MB."
            ) % {"limit": uploads.max_bytes() // (1024 * 1024)}


class VersionForm(ServiceErrors, BootstrapFormMixin, forms.Form):
    file = DocumentFileField(
        label=_("Tệp của phiên bản mới"),
        error_messages={"required": _("Hãy chọn tệp tài liệu.")},
    )
    note = forms.CharField(
        label=_("Điều gì thay đổi"),
        max_length=255,
        error_messages={"required": _("Hãy ghi ngắn gọn điều gì thay đổi ở phiên bản này.")},
    )


class LibraryFilterForm(forms.Form):
    q = forms.CharField(label=_("Tìm theo tên"), max_length=100, required=False)
    category = forms.ChoiceField(
        label=_("Loại tài liệu"),
        choices=[("", _("Mọi loại")), *Category.choices],
        required=False,
    )

    def values(self) -> dict:
        data = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        return {"query": data.get("q") or "", "category": data.get("category") or ""}
