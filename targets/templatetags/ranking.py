"""Display helpers of the ranking pages: an explanation line or a barring condition in the page's language."""

from __future__ import annotations

from django import template

from targets import ranking, scoring
from targets.language import language

register = template.Library()


@register.filter
def points(value):
    """Points as the scheme writes them: 10, 12,5 (no trailing zeros)."""
    return "" if value is None else scoring.points_text(value, language())


@register.filter
def score_text(unit):
    """A unit's score as its scheme writes it (UnitScore.score_text)."""
    return unit.score_text(language())


@register.filter
def line_label(line):
    return line.label(language())


@register.filter
def line_verdict(line):
    return line.verdict(language())


@register.filter
def line_note(line):
    return line.note(language())


@register.filter
def bar_text(bar):
    return bar.text(language())


@register.filter
def label(obj):
    """A bloc's or unit's name from the ranking, in English on English pages when there is one."""
    return obj.label(language())


@register.inclusion_tag("targets/_scheme_rules.html")
def scheme_rules(record):
    """The scheme's rules under the ranking (ranking.scheme_rules)."""
    return {"rules": ranking.scheme_rules(record)}


@register.simple_tag
def short_of_the_year(campaign, result):
    """What a provisional full-year ranking stands on while not every unit has sent its year (ranking.short_of_the_year)."""
    return ranking.short_of_the_year(campaign, result)
