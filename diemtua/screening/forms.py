"""Forms built from an instrument's definition, and the counselor's screening forms."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diemtua.core.forms import BootstrapFormMixin

from .models import ConsentMethod, InstrumentVersion, localized
from .scoring import TEXT_MAX, AnswerError, clean_answers, options_of


class AnswerForm(BootstrapFormMixin, forms.Form):
    """One field per item of a definition, labelled in the page's language (Vietnamese first).

    `answers` (after is_valid) holds the checked answers the scoring engine takes; a missing or
    impossible answer is reported on its own item, and every other answer stays as typed.
    """

    def __init__(self, *args, definition: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.answers: dict = {}
        for number, item in enumerate(definition["items"], start=1):
            label = f"{number}. {localized(item['text'])}"
            required = item.get("required", True)
            choices = [
                (str(option["value"]), localized(option["label"]))
                for option in options_of(definition, item)
            ]
            kind = item["type"]
            if kind == "choice":
                field = forms.ChoiceField(
                    label=label, choices=choices, widget=forms.RadioSelect, required=required
                )
            elif kind == "multi":
                field = forms.MultipleChoiceField(
                    label=label,
                    choices=choices,
                    widget=forms.CheckboxSelectMultiple,
                    required=required,
                )
            elif kind == "number":
                field = forms.IntegerField(
                    label=label,
                    min_value=item.get("min", 0),
                    max_value=item.get("max", 100000),
                    required=required,
                )
            else:
                field = forms.CharField(
                    label=label,
                    max_length=TEXT_MAX,
                    widget=forms.Textarea(attrs={"rows": 3}),
                    required=required,
                )
            field.error_messages["required"] = _("Bạn chưa trả lời câu này.")
            self.fields[item["code"]] = field
        self.style_fields()

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        raw = {
            code: value
            for code, value in cleaned.items()
            if value is not None and value != "" and value != []
        }
        try:
            self.answers = clean_answers(self.definition, raw)
        except AnswerError as error:
            for code, message in error.errors.items():
                self.add_error(code if code in self.fields else None, message)
        return cleaned


class AdministrationForm(BootstrapFormMixin, forms.Form):
    """Open a screening (or an anonymous student survey) for one class of the school."""

    version = forms.ModelChoiceField(
        label=_("Bảng hỏi"),
        queryset=InstrumentVersion.objects.none(),
        empty_label=None,
    )
    group_name = forms.ChoiceField(label=_("Lớp"))
    closes_on = forms.DateField(
        label=_("Hạn trả lời (ngày)"),
        help_text=_("dd/mm/yyyy; sau ngày này mã trả lời hết hiệu lực."),
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}),
    )

    def __init__(self, *args, versions, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = versions
        self.fields["version"].label_from_instance = lambda v: (
            f"{v.title} ({v.instrument.code}, v{v.number})"
        )
        self.fields["group_name"].choices = [("", "—")] + [(c, c) for c in classes]
        if not self.is_bound:
            self.initial.setdefault("closes_on", timezone.localdate() + datetime.timedelta(days=7))

    def clean_closes_on(self):
        closes_on = self.cleaned_data["closes_on"]
        today = timezone.localdate()
        if closes_on < today:
            raise forms.ValidationError(_("Hạn trả lời không được trước hôm nay."))
        if closes_on > today + datetime.timedelta(days=60):
            raise forms.ValidationError(_("Hạn trả lời không quá 60 ngày kể từ hôm nay."))
        return closes_on


class ConsentSheetForm(BootstrapFormMixin, forms.Form):
    """The paper consent slips of a class came back: how and when they were given."""

    method = forms.ChoiceField(label=_("Cách đồng ý"), choices=ConsentMethod.choices)
    given_on = forms.DateField(
        label=_("Ngày đồng ý"), widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})
    )

    def clean_given_on(self):
        given_on = self.cleaned_data["given_on"]
        if given_on > timezone.localdate():
            raise forms.ValidationError(_("Ngày đồng ý không được sau hôm nay."))
        return given_on


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Mã trả lời"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg text-uppercase",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )
