from django import forms
from django.utils.translation import gettext_lazy as _

from diemtua.core.forms import BootstrapFormMixin

from .models import OrgKind, OrgUnit, SchoolLevel


def _current_unit(code: str, kind: str) -> OrgUnit | None:
    return OrgUnit.objects.filter(kind=kind, code=code.strip(), valid_to__isnull=True).first()


class SchoolCreateForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Tên trường"), max_length=255)
    code = forms.RegexField(
        label=_("Mã trường"),
        max_length=32,
        regex=r"^[A-Za-z0-9-]+$",
        help_text=_("Mã trường trên CSDL ngành; chỉ chữ không dấu, số và dấu gạch ngang."),
        error_messages={"invalid": _("Mã chỉ gồm chữ không dấu, số và dấu gạch ngang.")},
    )
    school_level = forms.ChoiceField(label=_("Cấp học"), choices=SchoolLevel.choices)
    commune_code = forms.CharField(
        label=_("Mã xã/phường nơi đặt trường"), max_length=16, help_text=_("Ví dụ: 00235")
    )
    address = forms.CharField(label=_("Địa chỉ"), max_length=255, required=False)

    def __init__(self, *args, department: OrgUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.department = department

    def clean_code(self):
        code = self.cleaned_data["code"].upper()
        if _current_unit(code, OrgKind.SCHOOL):
            raise forms.ValidationError(_("Mã trường này đã có trên hệ thống."))
        return code

    def clean_commune_code(self):
        commune = _current_unit(self.cleaned_data["commune_code"], OrgKind.COMMUNE)
        if commune is None or commune.parent_id != self.department.pk:
            raise forms.ValidationError(
                _("Không có xã/phường đang hoạt động nào mang mã này trong tỉnh.")
            )
        return commune


class UnitEditForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Tên"), max_length=255)
    address = forms.CharField(label=_("Địa chỉ"), max_length=255, required=False)
    valid_to = forms.DateField(
        label=_("Ngày kết thúc hoạt động"),
        required=False,
        help_text=_("dd/mm/yyyy. Để trống nếu đơn vị còn hoạt động."),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(format="%d/%m/%Y"),
    )
    successor_code = forms.CharField(
        label=_("Mã đơn vị kế thừa"),
        max_length=32,
        required=False,
        help_text=_("Khi sáp nhập: mã của đơn vị cùng loại tiếp nhận."),
    )

    def __init__(self, *args, unit: OrgUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit

    def clean_successor_code(self):
        code = self.cleaned_data["successor_code"].strip()
        if not code:
            return None
        successor = _current_unit(code, self.unit.kind)
        if successor is None or successor.pk == self.unit.pk:
            raise forms.ValidationError(_("Không có đơn vị cùng loại đang hoạt động mang mã này."))
        return successor

    def clean(self):
        data = super().clean()
        if data.get("successor_code") and not data.get("valid_to"):
            self.add_error("valid_to", _("Hãy nhập ngày kết thúc khi có đơn vị kế thừa."))
        return data
