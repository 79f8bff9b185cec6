"""Forms of the public help page. Written for a 10-year-old; the rules live in intake.py.

The form's idempotency key is not a form field: the view issues it and reads it back.
"""

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from diemtua.core.forms import (
    BootstrapFormMixin,
    BoundedModelMultipleChoiceField,
)

from .intake import MESSAGE_MAX
from .models import ContactMethod, Requester
from .reference import groups_in_force

# The honeypot's name: a field people never see, that form-filling robots fill.
HONEYPOT = "hp_extra"

REQUESTER_CHOICES = [
    (Requester.STUDENT, _("Em là học sinh, em hỏi cho em")),
    (Requester.FRIEND, _("Em hỏi giúp một bạn")),
    (Requester.PARENT, _("Tôi là bố mẹ hoặc người nhà của học sinh")),
]

CONTACT_CHOICES = [
    (ContactMethod.CODE_ONLY, _("Em tự xem câu trả lời bằng mã tra cứu")),
    (ContactMethod.AT_SCHOOL, _("Gặp thầy cô ở trường")),
    (ContactMethod.PHONE, _("Gọi điện thoại")),
    (ContactMethod.MESSAGE, _("Nhắn tin")),
    (ContactMethod.EMAIL, _("Gửi thư điện tử (email)")),
]


class GroupChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.plain


class HelpRequestForm(BootstrapFormMixin, forms.Form):
    requester = forms.ChoiceField(
        label=_("Ai đang hỏi?"),
        choices=REQUESTER_CHOICES,
        initial=Requester.STUDENT,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Hãy chọn ai đang hỏi."),
            "invalid_choice": _("Hãy chọn ai đang hỏi."),
        },
    )
    is_anonymous = forms.BooleanField(
        label=_("Em muốn giấu tên"),
        required=False,
        help_text=_(
            "Nếu giấu tên, thầy cô sẽ không biết em là ai. Em vẫn đọc được câu trả lời bằng mã "
            "tra cứu."
        ),
    )
    requester_name = forms.CharField(
        label=_("Tên của em"),
        max_length=100,
        required=False,
        help_text=_("Không cần ghi nếu em chọn giấu tên."),
        error_messages={"max_length": _("Tên dài quá, hãy viết ngắn hơn.")},
    )
    class_name = forms.CharField(
        label=_("Lớp"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Ví dụ: 6A")}),
        error_messages={"max_length": _("Tên lớp dài quá, ví dụ: 6A.")},
    )
    content_groups = GroupChoiceField(
        label=_("Em cần giúp về chuyện gì?"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Chọn một hoặc nhiều ô."),
        error_messages={"invalid_choice": _("Có ô không còn dùng nữa. Hãy chọn lại.")},
    )
    message = forms.CharField(
        label=_("Em muốn kể gì với thầy cô?"),
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Viết bao nhiêu cũng được. Chỉ thầy cô tư vấn của trường đọc."),
        error_messages={
            "max_length": format_lazy(
                _("Em viết dài quá, hãy viết ngắn hơn (tối đa {max} ký tự)."), max=MESSAGE_MAX
            )
        },
    )
    contact_method = forms.ChoiceField(
        label=_("Thầy cô trả lời em bằng cách nào?"),
        choices=CONTACT_CHOICES,
        initial=ContactMethod.CODE_ONLY,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Hãy chọn một cách."),
            "invalid_choice": _("Hãy chọn một cách."),
        },
    )
    contact_detail = forms.CharField(
        label=_("Số điện thoại hoặc email"),
        max_length=200,
        required=False,
        help_text=_("Chỉ cần ghi nếu em muốn thầy cô gọi, nhắn tin hoặc gửi email."),
        error_messages={"max_length": _("Dài quá, hãy viết ngắn hơn.")},
    )
    contact_time = forms.CharField(
        label=_("Lúc nào tiện cho em?"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Ví dụ: giờ ra chơi, sau 5 giờ chiều")}),
        error_messages={"max_length": _("Dài quá, hãy viết ngắn hơn.")},
    )
    said_urgent = forms.BooleanField(
        label=_("Có, em đang gặp nguy hiểm hoặc cần giúp ngay"),
        required=False,
    )
    hp_extra = forms.CharField(
        label=_("Không điền ô này"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["content_groups"].queryset = groups_in_force(timezone.localdate())
        self.fields["requester"].widget.attrs["class"] = "form-check-input"
        self.fields["contact_method"].widget.attrs["class"] = "form-check-input"
        self.fields["content_groups"].widget.attrs["class"] = "form-check-input"

    @property
    def caught_robot(self) -> bool:
        """True when the hidden field was filled in: only robots see it."""
        return bool((self.data.get(HONEYPOT) or "").strip())


class StatusForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Mã tra cứu"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "placeholder": "ABCD-EFGH",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
        error_messages={"required": _("Hãy ghi mã tra cứu.")},
    )
    pin = forms.CharField(
        label=_("Mã PIN (6 chữ số)"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9 ]*"}
        ),
        error_messages={"required": _("Hãy ghi mã PIN.")},
    )
