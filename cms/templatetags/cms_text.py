"""Small text helpers of the course pages."""

from __future__ import annotations

from django import template
from django.utils import translation

register = template.Library()


@register.simple_tag
def sentence_gap() -> str:
    """What goes between two sentences of a paragraph: a space, none in
    Chinese (whose full stop "。" carries its own)."""
    language = translation.get_language() or ""
    return "" if language.startswith("zh") else " "
