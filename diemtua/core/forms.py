import re

from django import forms


class BootstrapFormMixin:
    """Give every widget Bootstrap's classes and tie help text to the input for screen readers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()

    def style_fields(self) -> None:
        """Style the fields; a form that adds fields after __init__ calls it again."""
        for name, field in self.fields.items():
            widget = field.widget
            # RadioSelect and CheckboxSelectMultiple render one input per choice.
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            if css not in widget.attrs.get("class", "").split():
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{name}_help"

    def full_clean(self):
        super().full_clean()
        # Mark invalid fields after validation (not in __init__, which must not validate).
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid"
                widget.attrs["aria-invalid"] = "true"


# SQLite (the `make demo` database) raises OverflowError, a 500, when asked for a primary key
# beyond 64 bits; PostgreSQL just finds nothing. Refuse such values as an invalid choice first.
_PK_MAX = 2**63 - 1


_INTEGER = re.compile(r"-?[0-9]+")


def _check_pk(field, value) -> None:
    text = str(value).strip()
    # ASCII digits only: str.isdigit() accepts "²", which int() then refuses with a ValueError.
    if _INTEGER.fullmatch(text) and not 0 < int(text) <= _PK_MAX:
        raise forms.ValidationError(
            field.error_messages["invalid_choice"],
            code="invalid_choice",
            params={"value": text[:20]},
        )


class BoundedModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values:
            _check_pk(self, value)
        return super().to_python(value)


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for item in value:
            _check_pk(self, item)
        return super()._check_values(value)


def add_service_errors(form, error) -> None:
    """Put a service's ValidationError on a form: on its field where the form has one, on top
    otherwise, so the page comes back with the message next to what the person typed."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
