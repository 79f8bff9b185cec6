from django import template

from diemtua.screening.models import localized as _localized

register = template.Library()


@register.filter
def localized(texts) -> str:
    """{"vi": …, "en": …} → the text in the page's language (Vietnamese first)."""
    return _localized(texts)
