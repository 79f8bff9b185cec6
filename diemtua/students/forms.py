from django import forms
from django.utils.translation import gettext_lazy as _

from .roster import XLSX_CONTENT_TYPE


class RosterImportForm(forms.Form):
    """The upload only; the file's content is checked by services.roster_import."""

    file = forms.FileField(
        label=_("Tệp danh sách học sinh (.xlsx)"),
        widget=forms.FileInput(
            attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}", "class": "form-control"}
        ),
    )
