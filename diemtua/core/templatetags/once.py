"""`{% once_token %}`: a hidden field that lets a view recognise the same form sent twice."""

import secrets

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def once_token():
    return format_html('<input type="hidden" name="once" value="{}">', secrets.token_hex(16))
