"""Validation of what a user types for a measure, in the page's language.

The same rules serve the entry form and the Excel upload: a number in the page's locale, a
range that fits the kind of value (percent 0–100, counts whole and ≥ 0, growth rates may be
negative), a narrative for every qualitative verdict. Soft warnings (a jump of more than
JUMP_WARNING from the previous quarter) do not block a save; the user confirms them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from targets import progress
from targets.language import language
from targets.models import Figure, Measure, Verdict
from targets.numbers import (
    NumberFormatError,
    format_exact,
    format_number,
    format_percent,
    parse_number,
    places_to_tell_apart,
    typed_decimals,
)
from targets.overview import judged_on, no_figures

JUMP_WARNING = Decimal("0.5")  # more than ±50 % from the previous quarter asks for confirmation
MAX_DECIMALS = 6  # what the database stores

# What is wrong with a typed value, by code; worded by gettext in the language asked for.
MESSAGES = {
    "percent": gettext_lazy("A percentage must be between 0 and 100."),
    "count": gettext_lazy("A count must be a whole number, 0 or more."),
    "negative": gettext_lazy("The value cannot be negative."),
    "decimals": gettext_lazy("At most 6 decimal places: %(value)s has %(count)s. Type the figure rounded to the decimals "
                             "you report (a number copied from a calculation keeps all its digits; in Excel, ROUND)."),
    "too_big": gettext_lazy("The value is too large: a figure has at most 14 digits before the decimal separator."),
    "verdict": gettext_lazy("Choose an assessment."),
    "bad_verdict": gettext_lazy("Unknown assessment."),
    "narrative": gettext_lazy("An assessment needs a narrative."),
    "kind": gettext_lazy("Unknown kind of figure."),
}


def _message(code: str, lang: str) -> str:
    with override(lang):
        return str(MESSAGES[code])


@dataclass
class Checked:
    """The outcome of checking one measure's input: a value or verdict, errors, warnings."""

    value: Decimal | None = None
    verdict: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def value_problems(measure: Measure, value: Decimal, lang: str = "vi") -> list[str]:
    """Why `value` cannot be a figure of `measure` (empty when it can): the range rules."""
    lang = language(lang)
    kind_of_value = measure.value_kind
    if typed_decimals(value) > MAX_DECIMALS:
        # The number itself: a value pasted from a sum (0,30000000000000004) shows 0,3 in its cell.
        return [_message("decimals", lang) % {"value": format_exact(value, 0, lang), "count": typed_decimals(value)}]
    if value.adjusted() >= 14:  # what a figure's column holds (Figure.value: 20 digits, 6 of them decimals)
        return [_message("too_big", lang)]
    if kind_of_value == Measure.ValueKind.PERCENT and not (0 <= value <= 100):
        return [_message("percent", lang)]
    if kind_of_value == Measure.ValueKind.COUNT and (value < 0 or value != value.to_integral_value()):
        return [_message("count", lang)]
    if kind_of_value in (Measure.ValueKind.AMOUNT, Measure.ValueKind.SCORE) and value < 0:
        return [_message("negative", lang)]
    return []


def verdict_problems(verdict: str, narrative: str, lang: str = "vi") -> list[str]:
    """A qualitative verdict needs its narrative, and a narrative its verdict."""
    lang = language(lang)
    if verdict and verdict not in Verdict.values:
        return [_message("bad_verdict", lang)]
    if verdict and not narrative.strip():
        return [_message("narrative", lang)]
    if narrative.strip() and not verdict:
        return [_message("verdict", lang)]
    return []


def read_number(measure: Measure, text: str, lang: str = "vi") -> Decimal:
    """Typed text as a figure of `measure`; raises NumberFormatError.

    "50.000" on a Vietnamese page is fifty thousand or (in English) fifty with three decimals.
    It is refused as ambiguous only when the measure could take both: a count, or a measure
    shown with fewer decimals than the other reading has, can only mean the first.
    """
    try:
        return parse_number(text, lang)
    except NumberFormatError as error:
        if error.problem == error.OTHER_NOTATION and error.reading is not None and value_problems(measure, error.reading, lang):
            # "2.5" for a count: the other notation's reading is no figure of this measure either, so it is not offered.
            raise NumberFormatError(error.NOT_A_NUMBER, error.text, error.lang) from None
        if not error.ambiguous or value_problems(measure, error.value, lang):
            raise
        other = error.reading
        if typed_decimals(other) > measure.decimal_places or value_problems(measure, other, lang):
            return error.value
        raise


def check_input(measure: Measure, *, text: str = "", value: Decimal | None = None, verdict: str = "", narrative: str = "",
                kind: str = Figure.Kind.OFFICIAL, previous: Decimal | None = None, lang: str = "vi",
                words: str | None = None, earlier_quarter: int | None = None) -> Checked:
    """Check one measure's input: typed `text` in `lang`'s notation, or an exact `value` (a number
    cell of a workbook, which is a number already and never goes through the text parser). The
    messages are in `words` (by default `lang`): an upload reads the template's Vietnamese
    notation whatever the language of the page showing its problems."""
    notation = language(lang)
    lang = language(words or lang)
    result = Checked()
    if kind not in Figure.Kind.values:
        result.errors.append(_message("kind", lang))
    if measure.is_qualitative:
        result.errors += verdict_problems(verdict, narrative, lang)
        result.verdict = verdict
        return result
    if value is None:
        if not (text or "").strip():
            return result  # an empty field clears the figure
        try:
            value = read_number(measure, text, notation)
        except NumberFormatError as error:
            result.errors.append(error.message(lang))
            return result
    result.errors += value_problems(measure, value, lang)
    if result.errors:
        return result
    result.value = value
    result.warnings += jump_warnings(measure, value, previous, lang, earlier_quarter)
    return result


def _jumps(value: Decimal, previous: Decimal | None) -> bool:
    return previous is not None and previous != 0 and abs(value - previous) > abs(previous) * JUMP_WARNING


def jump_warnings(measure: Measure, value: Decimal, previous: Decimal | None, lang: str = "vi",
                  earlier_quarter: int | None = None) -> list[str]:
    """A soft warning when `value` moves more than JUMP_WARNING from the previous quarter, or from
    `earlier_quarter`'s figure (`previous`) where the quarters between have none."""
    if not _jumps(value, previous):
        return []
    lang = language(lang)
    change = (value - previous) / abs(previous) * 100
    places = places_to_tell_apart(measure.decimal_places, previous, value)
    words = {"change": format_percent(change, 0, lang), "previous": format_number(previous, places, lang)}
    with override(lang):
        if earlier_quarter is not None:
            return [_("Changes by %(change)s from %(quarter)s (%(previous)s), the last quarter with a figure; check it and "
                      "confirm.") % {**words, "quarter": progress.quarter_label(earlier_quarter, lang)}]
        return [_("Changes by %(change)s from the previous quarter (%(previous)s); check it and confirm.") % words]


def disagreement_warnings(measure: Measure, quarter: int, earlier: dict | None, value: Decimal | None, cumulative: Decimal | None,
                          lang: str = "vi") -> list[str]:
    """A year to date given beside the quarter's figure that does not add up with it and the
    quarters before (`earlier`, as overview.figure_series gives them), as the entry page says it."""
    if value is None or cumulative is None:
        return []
    series = earlier or no_figures()
    series = {**series, "values": {**series["values"], quarter: value}, "cumulative": {**series["cumulative"], quarter: cumulative}}
    found = [d for d in progress.evaluate(measure.spec(), quarter, **series, today=judged_on()).disagreements if d.quarter == quarter]
    lang = language(lang)
    warnings = []
    with override(lang):
        for d in found:
            places = places_to_tell_apart(measure.decimal_places, d.reported, d.from_quarters)
            warnings.append(_("%(q)s: the year to date reported (%(reported)s) differs from the quarters' figures added up "
                              "(%(quarters)s).") % {"q": progress.period_label(d.quarter, lang), "reported": format_exact(d.reported, places, lang),
                                                    "quarters": format_exact(d.from_quarters, places, lang)})
    return warnings


def year_to_date_warnings(measure: Measure, cumulative: Decimal, so_far: Decimal | None, previous: Decimal | None,
                          lang: str = "vi") -> list[str]:
    """The same check for a quarter given as a year to date alone (as provinces publish flows), on
    the quarter it implies: the year to date less the whole one of the quarters before (`so_far`)."""
    if so_far is None or not _jumps(quarter := cumulative - so_far, previous):
        return []
    lang = language(lang)
    places = places_to_tell_apart(measure.decimal_places, previous, quarter)
    with override(lang):
        return [_("The year to date (%(ytd)s) means %(quarter)s for this quarter, %(change)s from the previous quarter "
                  "(%(previous)s); check it and confirm.") % {
            "ytd": format_number(cumulative, places_to_tell_apart(measure.decimal_places, cumulative, so_far), lang),
            "quarter": format_number(quarter, places, lang),
            "change": format_percent((quarter - previous) / abs(previous) * 100, 0, lang),
            "previous": format_number(previous, places, lang)}]
