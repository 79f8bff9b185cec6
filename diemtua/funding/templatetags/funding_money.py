"""Amounts in đồng as Vietnamese write them: 150.000.000 (dots between thousands)."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def vnd(value) -> str:
    if value in (None, ""):
        return ""
    try:
        return f"{int(Decimal(value)):,}".replace(",", ".")
    except (ArithmeticError, ValueError, TypeError):
        return str(value)
