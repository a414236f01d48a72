"""Display helpers of the ranking pages: an explanation line or a barring condition in the page's language."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from targets import scoring

register = template.Library()


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


@register.filter
def points(value):
    """Points as the scheme writes them: 10, 12,5 (no trailing zeros)."""
    return "" if value is None else scoring.points_text(value, _lang())


@register.filter
def line_label(line):
    return line.label(_lang())


@register.filter
def line_verdict(line):
    return line.verdict(_lang())


@register.filter
def line_note(line):
    return line.note(_lang())


@register.filter
def bar_text(bar):
    return bar.text(_lang())


@register.filter
def label(obj):
    """A bloc's or unit's name from the ranking, in English on English pages when there is one."""
    return obj.label(_lang())
