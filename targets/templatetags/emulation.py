"""Display helpers: numbers in the page's language, statuses as colour + icon + word."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy

from targets import history, numbers, progress
from targets.language import language
from targets.models import Figure

register = template.Library()

# django-simple-history's own words for a history row ("Created") have no Vietnamese.
HISTORY_TYPES = {"+": pgettext_lazy("history", "Entered"), "~": pgettext_lazy("history", "Changed"),
                 "-": pgettext_lazy("history", "Removed")}

# Never colour alone: every status also has an icon and a word.
STATUS_ICONS = {
    progress.Status.EXCEEDED: "★",
    progress.Status.MET: "✔",
    progress.Status.ON_TRACK: "➜",
    progress.Status.AT_RISK: "⚠",
    progress.Status.BEHIND: "▼",
    progress.Status.NOT_MET: "✖",
    progress.Status.NO_DATA: "…",
    progress.Status.AWAITED: "◷",
}


@register.filter
def num(value, places=0):
    """1234.5 → "1.234,5" in Vietnamese, "1,234.5" in English."""
    return numbers.format_number(value, int(places), language())


@register.filter
def exact_num(value, places=0):
    """A figure about to be saved, with every digit it has (at least `places` decimals): the
    preview of an upload must show 244,946, not the display-rounded 244,9."""
    return numbers.format_exact(value, int(places), language())


@register.filter
def earlier_estimate(figure, places=0):
    """The estimate an official figure replaced: its quarter's amount, its year to date, or both."""
    return figure.earlier_estimate(int(places), language())


@register.filter
def figure_change(record):
    """A figure history record's change, every digit as typed (targets.history)."""
    return history.figure_change(record)


@register.filter
def task_change(record):
    """A task report history record's change (targets.history)."""
    return history.task_change(record)


@register.filter
def figure_held(record):
    """What a figure history record held after its change (targets.history)."""
    return history.figure_held(record)


@register.filter
def apart(disagreement, places=0):
    """Decimals for a disagreement's two figures: the measure's, or more where they would look equal."""
    return numbers.places_to_tell_apart(int(places), disagreement.reported, disagreement.from_quarters)


@register.filter
def pct(value, places=1):
    return numbers.format_percent(value, int(places), language())


@register.filter
def status_label(status):
    return progress.status_label(progress.Status(status), language())


@register.filter
def status_icon(status):
    return STATUS_ICONS[progress.Status(status)]


@register.filter
def period_label(quarter):
    return progress.period_label(int(quarter), language())


@register.filter
def history_type(record):
    return HISTORY_TYPES[record.history_type]


@register.filter
def ytd_note(result):
    """What a year to date is beside its number: " (ước)" for an estimate, " (6 tháng)" when it is
    not its period's whole (progress.period_note)."""
    notes = [gettext("est.") if result.estimate else "", progress.period_note(result, language())]
    return "".join(f" ({note})" for note in notes if note)


@register.filter
def explanation(result):
    return result.explanation(language())


@register.filter
def target_mark(measure):
    """"≤ " before a ceiling's target, "> " before a "more than" one, as the report writes them
    (progress.target_mark); nothing where there is no target to mark."""
    return progress.target_mark(measure.comparison) if measure.target is not None else ""


@register.filter
def change_reason(text):
    """A history entry's reason: the system's in the page's language, a person's as written."""
    return history.change_reason(text)


@register.filter
def judged(row):
    """A status in words, as the report words it: an indicator row's (overview.IndicatorProgress.judged)
    or a measure's Progress (progress.judged_label), a verdict's words for one assessed in words."""
    if hasattr(row, "judged"):
        return row.judged(language())
    return progress.judged_label(row, language())


@register.filter
def localized(obj, field):
    """The English variant of a text field (name_en, title_en…) on English pages, when there is one."""
    if language() == "en":
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, field)


@register.filter
def sparkline(result):
    """A tiny SVG line of the year-to-date by quarter (decorative: the numbers are in the text)."""
    from django.utils.html import format_html

    points = [(q, v) for q, v in sorted(result.ytd_by_quarter.items()) if v is not None]
    if len(points) < 2:
        return ""
    low = min(v for _q, v in points)
    high = max(v for _q, v in points)
    span = (high - low) or 1
    coordinates = " ".join(f"{(q - 1) * 20},{18 - float((v - low) / span) * 16:.1f}" for q, v in points)
    return format_html('<svg class="sparkline" width="64" height="20" viewBox="0 0 64 20" focusable="false">'
                       '<polyline fill="none" stroke="currentColor" stroke-width="2" points="{}"/></svg>', coordinates)


@register.filter
def state_label(state):
    from targets.models import Submission

    return Submission.State(state).label if state else "–"


@register.filter
def verdict_label(verdict):
    """A qualitative verdict in officials' words ("Hoàn thành tốt nhiệm vụ")."""
    return progress.verdict_label(verdict, language())


@register.filter
def unit_label(unit):
    """A unit as lists name it (Unit.list_name), in the page's language."""
    return unit.list_name(language())


@register.filter
def reported_count(tasks):
    """How many of a theme's tasks (overview.TaskProgress) have at least one report."""
    return sum(1 for t in tasks if t.reports)


@register.filter
def quarter_label(quarter):
    """A single quarter: "Quý I" in Vietnamese, "Q1" in English."""
    return capfirst(progress.quarter_label(int(quarter), language()))


@register.filter
def theme_label(theme):
    """"Hai là" in Vietnamese (the programme's own word), "Theme 2" in English."""
    from django.utils.translation import gettext

    if language() == "en" or not theme.ordinal:
        return gettext("Theme %(number)s") % {"number": theme.number}
    return theme.ordinal


@register.filter
def issuing_body(campaign):
    """The body that issued the programme, in the page's language."""
    from targets.exports import report_heading

    return campaign.issuing_body if language() == "vi" else report_heading(campaign, "en")["body"]


@register.filter
def period_phrase(quarter, year):
    """A period in a sentence: "9 tháng năm 2024", "năm 2024" (progress.period_phrase)."""
    return progress.period_phrase(int(quarter), int(year), language())


@register.filter
def period_end_phrase(quarter, year):
    """A period's end after "up to": "9 tháng năm 2024", "hết năm 2024" (progress.period_end_phrase)."""
    return progress.period_end_phrase(int(quarter), int(year), language())


@register.filter
def quarter_title(quarter, year):
    """A quarter as the entry page names it: "Quý IV năm 2024" ("Cả năm" is the full-year view)."""
    return progress.quarter_title(int(quarter), int(year), language())


@register.filter
def awaited_text(measure):
    """"công bố hằng năm, dự kiến tháng 5/2025" for a measure published after the year."""
    return progress.awaited_text(measure.spec(), language())


@register.filter
def figure_kind(kind) -> str:
    """A figure's kind in the page's words ("Ước tính", "Chính thức")."""
    return Figure.Kind(kind).label


@register.filter
def field_errors(field) -> str:
    """A field's errors right under it, with the id its input names in aria-describedby (Django's
    BoundField does whenever the field has errors): read out with the field, seen beside it."""
    if not field.errors:
        return ""
    return format_html('<div class="invalid-feedback d-block" id="{}_error" role="alert">{}</div>', field.auto_id, " ".join(field.errors))


@register.filter
def limit(field) -> str:
    """After a text field's label, its length limit as every form shows it: " (2000)". `field` is a
    bound form field, or the number itself for an input written by hand."""
    most = field if isinstance(field, int) else getattr(getattr(field, "field", None), "max_length", None)
    return format_html(' <small class="text-muted">({})</small>', most) if most else ""
