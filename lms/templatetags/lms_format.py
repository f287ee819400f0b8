"""Template filters for how figures read: ``{{ attempt.score|score }}``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def score(value) -> str:
    """A score without useless decimals: 60.00 → 60, 87.50 → 87.5, 83.33
    stays 83.33 (in the reader's number format)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    places = max(-number.normalize().as_tuple().exponent, 0)
    return number_format(number, decimal_pos=places)
