"""The progress engine: how far a measure is towards its target at a point of the year.

Plain Python, no ORM: the rules of "on track" are the product's meaning, so they live where
they are easiest to read and to test exhaustively (see DESIGN.md, "Progress: what on track
means"). All arithmetic is Decimal; nothing is rounded here except inside the explanation
sentence, which is for display.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override, pgettext, pgettext_lazy

from targets.language import language
from targets.numbers import format_number, format_percent, places_to_tell_apart, quantize

HUNDRED = Decimal(100)
# "At risk" = the shortfall is at most 10 % of the value to reach.
AT_RISK_BAND = Decimal("0.1")
QUARTERS = (1, 2, 3, 4)


# StrEnum is a (str, Enum) whose str() is the value, so members render as "met" in templates
# and compare equal to the strings stored in the database.
class Comparison(StrEnum):
    GTE = "gte"
    GT = "gt"
    LTE = "lte"
    DECREASE = "decrease"
    INCREASE = "increase"
    QUALITATIVE = "qualitative"


class Aggregation(StrEnum):
    FLOW = "flow"
    LEVEL = "level"


class Frequency(StrEnum):
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"


class Verdict(StrEnum):
    COMPLETED_WELL = "completed_well"
    COMPLETED = "completed"
    NOT_COMPLETED = "not_completed"


class Status(StrEnum):
    EXCEEDED = "exceeded"
    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BEHIND = "behind"
    NO_DATA = "no_data"
    NOT_MET = "not_met"
    # A yearly (or half-yearly) figure not published yet: not a gap in the unit's reporting.
    AWAITED = "awaited"


# The words for the engine's codes, in one place: gettext msgids in English, Vietnamese in
# locale/vi. The engine itself returns codes and numbers; these name them in a chosen language.
STATUS_NAMES = {
    Status.EXCEEDED: gettext_lazy("Exceeded"),
    Status.MET: gettext_lazy("Met"),
    Status.ON_TRACK: gettext_lazy("On track"),
    Status.AT_RISK: gettext_lazy("At risk"),
    Status.BEHIND: gettext_lazy("Behind"),
    Status.NO_DATA: gettext_lazy("No data"),
    Status.NOT_MET: gettext_lazy("Not met"),
    Status.AWAITED: gettext_lazy("Awaited"),
}
VERDICT_NAMES = {
    # The words of officials' reports (not "Vượt kế hoạch", which is for numbers): the same
    # messages as targets.models.Verdict's choices.
    Verdict.COMPLETED_WELL: pgettext_lazy("verdict", "Completed well"),
    Verdict.COMPLETED: pgettext_lazy("verdict", "Completed"),
    Verdict.NOT_COMPLETED: pgettext_lazy("verdict", "Not completed"),
}
# The year to date after each quarter, as Vietnamese reports name it.
PERIOD_NAMES = {
    1: pgettext_lazy("year to date", "Q1"),
    2: pgettext_lazy("year to date", "First half"),
    3: pgettext_lazy("year to date", "Nine months"),
    4: pgettext_lazy("year to date", "Full year"),
}
# A single quarter, as opposed to the year-to-date period named by PERIOD_NAMES.
QUARTER_NAMES = {
    1: pgettext_lazy("one quarter", "Q1"),
    2: pgettext_lazy("one quarter", "Q2"),
    3: pgettext_lazy("one quarter", "Q3"),
    4: pgettext_lazy("one quarter", "Q4"),
}

# Worst first. NO_DATA sits below ON_TRACK: an indicator with a silent measure must not look
# on track, yet a measure known to be late matters more than one not yet reported.
SEVERITY: tuple[Status, ...] = (
    Status.NOT_MET,
    Status.BEHIND,
    Status.AT_RISK,
    Status.NO_DATA,
    Status.AWAITED,
    Status.ON_TRACK,
    Status.MET,
    Status.EXCEEDED,
)


def severity(status: Status | str | None) -> int:
    """Where `status` stands in SEVERITY: 0 for the most serious; no status at all after every one."""
    return len(SEVERITY) if status is None else SEVERITY.index(Status(status))


def status_label(status: Status | str, lang: str | None = None) -> str:
    """A status in `lang` (the active language when None)."""
    with override(language(lang)):
        return str(STATUS_NAMES[Status(status)])


def verdict_label(verdict: Verdict | str, lang: str | None = None) -> str:
    with override(language(lang)):
        return str(VERDICT_NAMES[Verdict(verdict)])


def judged_label(p: Progress, lang: str | None = None) -> str:
    """A measure's status in words, on the pages and in the report alike: a measure assessed in words
    by its verdict's words ("Hoàn thành tốt nhiệm vụ", never "Vượt kế hoạch": it has no plan figure to
    exceed), while its year is open; any other, and a closed year's without its year verdict, by its
    status (whose colour both keep)."""
    spec = p._spec
    if p.verdict is not None and not p.closed and spec is not None and spec.comparison is Comparison.QUALITATIVE:
        return verdict_label(p.verdict, lang)
    return status_label(p.status, lang)


def period_label(quarter: int, lang: str | None = None) -> str:
    """The year-to-date period ending with `quarter`: "Quý I", "6 tháng", "9 tháng", "Cả năm"."""
    with override(language(lang)):
        return str(PERIOD_NAMES[quarter])


def quarter_label(quarter: int, lang: str | None = None) -> str:
    """One quarter on its own: "quý IV", "Q4"."""
    with override(language(lang)):
        return str(QUARTER_NAMES[quarter])


def period_phrase(quarter: int, year: int, lang: str | None = None) -> str:
    """"9 tháng năm 2024", "năm 2024" for the whole year (never "Cả năm năm 2024"): a period in a sentence."""
    with override(language(lang)):
        if quarter == 4:
            return _("year %(year)s") % {"year": year}
        return _("%(period)s %(year)s") % {"period": PERIOD_NAMES[quarter], "year": year}


# A period's end inside a sentence, after "up to" / "đến": not the names of PERIOD_NAMES, which head
# a column ("up to Nine months" in English, "đến Quý I" in Vietnamese); "đến năm 2024" would read as
# "until the year 2024".
PERIOD_ENDS = {
    1: pgettext_lazy("after up to", "Q1 %(year)s"),
    2: pgettext_lazy("after up to", "the first half of %(year)s"),
    3: pgettext_lazy("after up to", "the first nine months of %(year)s"),
    4: pgettext_lazy("after up to", "the end of %(year)s"),
}


def period_end_phrase(quarter: int, year: int, lang: str | None = None) -> str:
    """A period's end after "up to": "9 tháng năm 2024", "hết năm 2024"; "the first nine months of 2024"."""
    with override(language(lang)):
        return str(PERIOD_ENDS[quarter]) % {"year": year}


def quarter_numeral(quarter: int, lang: str | None = None) -> str:
    """A quarter's number inside a sentence: "IV" in Vietnamese ("báo cáo quý IV năm 2024", as
    QUARTER_NAMES write it), "4" in English ("the report for quarter 4 of 2024")."""
    return ("I", "II", "III", "IV")[quarter - 1] if language(lang) == "vi" else str(quarter)


def quarter_title(quarter: int, year: int, lang: str | None = None) -> str:
    """One quarter of a year: "Quý IV năm 2024", "Q4 2024"."""
    with override(language(lang)):
        return _("%(quarter)s %(year)s") % {"quarter": capfirst(QUARTER_NAMES[quarter]), "year": year}


def worst(statuses: Iterable[Status | str]) -> Status:
    """The worst of `statuses` by SEVERITY (an indicator shows its worst measure); none → NO_DATA."""
    found = {Status(s) for s in statuses}
    return next((s for s in SEVERITY if s in found), Status.NO_DATA)


@dataclass(frozen=True)
class MeasureSpec:
    code: str
    comparison: Comparison
    aggregation: Aggregation
    target: Decimal | None
    decimal_places: int = 0
    unit_vi: str = ""
    unit_en: str = ""
    # Last year's actual for the whole year (the baseline).
    previous_year: Decimal | None = None
    # Last year's year-to-date at the end of quarter q (flow: cumulative; level: the value then).
    same_period: Mapping[int, Decimal] = field(default_factory=dict)
    # Flow only: expect the year's amount to come in with last year's cumulative shares.
    seasonal: bool = False
    # Explanations only: e.g. arrivals shown in millions (divisor 1,000,000, "triệu lượt").
    display_divisor: Decimal = Decimal(1)
    display_unit_vi: str = ""
    display_unit_en: str = ""
    frequency: Frequency = Frequency.QUARTERLY
    # (month, year) in which a yearly figure is expected to be published, e.g. (5, 2025).
    publication: tuple[int, int] | None = None
    # Explanations only: the target is a unit's emulation pledge (scoring.pledge_spec), called so
    # ("= 71,0 % giao ước"), never the province's plan, whose own verdict may differ.
    pledged: bool = False


@dataclass(frozen=True)
class Disagreement:
    """A reported year-to-date that differs from the one the other reported figures give."""

    quarter: int
    reported: Decimal  # the year-to-date as reported for `quarter`
    from_quarters: Decimal  # the earlier year-to-date plus the quarter's own reported amount


@dataclass(frozen=True)
class Progress:
    """Where a measure stands for the year-to-date period ending with `quarter`.

    ytd_quarter is, for level measures, the quarter the latest figure came from; for
    qualitative measures, the quarter of the latest verdict; None for flows.
    """

    quarter: int
    quarter_value: Decimal | None
    ytd: Decimal | None
    ytd_quarter: int | None
    expected: Decimal | None
    percent_of_plan: Decimal | None
    same_period: Decimal | None
    percent_of_same_period: Decimal | None
    change_percent: Decimal | None
    status: Status
    verdict: Verdict | None
    missing_quarters: tuple[int, ...]
    ytd_by_quarter: Mapping[int, Decimal | None]
    is_year_end: bool
    # The quarter's own amount was derived from two year-to-date figures, not reported.
    quarter_value_derived: bool = False
    disagreements: tuple[Disagreement, ...] = ()
    # An estimate ("ước") stands in the year-to-date.
    estimate: bool = False
    # The quarters whose figures the year-to-date (a level's latest figure, a verdict) is made of: a
    # flow's quarters added up from its last reported cumulative on. Any of them an estimate
    # (`estimate`) or in a report not yet approved (overview.state_shown) marks it (*).
    stands_on: tuple[int, ...] = ()
    # The same for the quarter's own figure: the quarter's, or, derived from two years to date (its
    # own less the one before it), those both stand on.
    quarter_stands_on: tuple[int, ...] = ()
    # Full-year view without the year's figure: the status is the latest in-year one (in_year),
    # never a final "not met" from nine-month data.
    in_year: Progress | None = field(default=None, compare=False)
    # A closed year's full year without its figure (final_year): "no data" for good, never the
    # in-year status nor "awaited", as the final ranking scores it.
    closed: bool = False
    # What the explanation needs beyond the public figures; not part of equality.
    _spec: MeasureSpec | None = field(default=None, repr=False, compare=False)
    _same_period_is_last_year: bool = field(default=False, repr=False, compare=False)

    @property
    def carried(self) -> bool:
        """The full-year status stands on an in-year one for want of the year's figure (in_year),
        to be replaced by the year's: never in a closed year, whose full year is final (final_year)."""
        return self.in_year is not None and not self.closed

    def explanation(self, lang: str | None = None) -> str:
        """One sentence saying how the status was reached, in `lang` ("vi" or "en"; the active
        language when None)."""
        lang = language(lang)
        with override(lang):
            return _explain(self, lang)

    @property
    def places(self) -> int:
        """Decimals to show the figure and its target with: the measure's, or more where rounding
        would make the figure look equal to what it is judged against (10.17 vs 10.2)."""
        base = self._spec.decimal_places if self._spec else 0
        return places_to_tell_apart(base, self.ytd, *self._references())

    @property
    def percent_places(self) -> int:
        """Decimals for the percent of plan: one, or more where it would read 100,0 % although the
        figure is not its target (2.459,96 of 2.460 is 99,998 %: not met), or read as the pace a
        flow is judged against during the year although it is not (20,827 % of plan against a
        pace of 20,833 %: at risk, never "20,8 %; expected pace 20,8 %")."""
        return places_to_tell_apart(1, self.percent_of_plan, HUNDRED, self.pace_percent)

    @property
    def pace_percent(self) -> Decimal | None:
        """During the year, the share of a flow's plan expected by now, in percent (what the
        percent of plan is judged against); None at year end and for other measures."""
        spec = self._spec
        if self.is_year_end or spec is None or spec.aggregation is not Aggregation.FLOW or not spec.target:
            return None
        return seasonal_share(spec, self.quarter) * HUNDRED

    def _references(self) -> tuple[Decimal | None, ...]:
        target = self._spec.target if self._spec else None
        return (Decimal(target) if target is not None else None, self.expected, self.same_period)


def target_mark(comparison: str, strict: bool = True) -> str:
    """The words a target is written with, which say the way it is judged, in the report and on the
    pages alike: "≤ " for a ceiling (a rate to stay at or under) or a decrease, "> " for "more than";
    nothing for "at least". strict=False for a unit's pledge of "more than", kept by reaching it
    (scoring.pledge_spec)."""
    if comparison in (Comparison.LTE, Comparison.DECREASE):
        return "≤ "
    return "> " if strict and comparison == Comparison.GT else ""


def percent_places(percent: Decimal | None) -> int:
    """Decimals to show a percentage of a reference with: one, or as many as it takes not to read
    100 % when the figure is not the reference."""
    return places_to_tell_apart(1, percent, HUNDRED)


# --- evaluation ----------------------------------------------------------------------------


def _band(reference: Decimal) -> Decimal:
    # abs(): the band must widen the tolerance even for a negative reference (growth rates).
    return abs(reference) * AT_RISK_BAND


def _pace_status(value: Decimal, expected: Decimal, strict: bool = False) -> Status:
    """In-year status of a "more is better" figure against the expected pace; `strict` where the
    pace is the line of a "more than" target itself, which a figure standing on it has not passed."""
    if value > expected or (value == expected and not strict):
        return Status.ON_TRACK
    if expected - value <= _band(expected):
        return Status.AT_RISK
    return Status.BEHIND


def _reached(value: Decimal, comparison: Comparison, target: Decimal) -> Status | None:
    """EXCEEDED/MET when the full-year condition of a gte/gt target already holds, else None."""
    if comparison is Comparison.GT:
        # "More than 95 %" has no "exceeded": going past the line is what meeting it means.
        return Status.MET if value > target else None
    if value > target:
        return Status.EXCEEDED
    if value == target:
        return Status.MET
    return None


def seasonal_share(spec: MeasureSpec, quarter: int) -> Decimal:
    """Share of a flow's year expected by the end of `quarter` (Decimal, 0..1).

    Seasonal measures follow last year's cumulative shares when all four quarters of last
    year are known and the year's total is not zero; otherwise a quarter of the year each.
    """
    if spec.seasonal and spec.aggregation is Aggregation.FLOW:
        known = [spec.same_period.get(q) for q in QUARTERS]
        if all(v is not None for v in known) and Decimal(known[3]) != 0:
            return Decimal(known[quarter - 1]) / Decimal(known[3])
    return Decimal(quarter) / 4


def _percent(value: Decimal | None, base: Decimal | None) -> Decimal | None:
    if value is None or base is None or base == 0:
        return None
    return value / base * HUNDRED


def _qualitative(spec: MeasureSpec, quarter: int, verdicts: Mapping[int, Verdict | str | None] | None,
                 estimates: Iterable[int]) -> Progress:
    latest = max((q for q in range(1, quarter + 1) if verdicts and verdicts.get(q)), default=None)
    verdict = Verdict(verdicts[latest]) if latest is not None else None
    year_end = quarter == 4
    status = {
        None: Status.NO_DATA,
        Verdict.COMPLETED_WELL: Status.EXCEEDED,
        Verdict.COMPLETED: Status.MET,
        Verdict.NOT_COMPLETED: Status.NOT_MET if year_end else Status.BEHIND,
    }[verdict]
    return Progress(
        quarter=quarter, quarter_value=None, ytd=None, ytd_quarter=latest, expected=None,
        percent_of_plan=None, same_period=None, percent_of_same_period=None, change_percent=None,
        status=status, verdict=verdict, missing_quarters=(), ytd_by_quarter={}, is_year_end=year_end,
        stands_on=(latest,) if latest is not None else (),
        estimate=latest in set(estimates), _spec=spec,  # an assessment given as an estimate ("ước") is one
    )


def _known(mapping: Mapping[int, object] | None, period: range) -> dict[int, Decimal]:
    return {q: Decimal(mapping[q]) for q in period if mapping and mapping.get(q) is not None}


def _flow_ytd(period: range, own: dict[int, Decimal], reported: dict[int, Decimal]):
    """Year-to-date after each quarter of a flow, the quarters' own amounts (reported or derived),
    and where reported figures disagree.

    A reported year-to-date stands as reported; otherwise it is the previous year-to-date plus
    the quarter's own amount, unknown from the first gap on (a partial sum would mislead a
    chart). A quarter's own amount is derived only where the previous year-to-date is known.
    """
    by_quarter: dict[int, Decimal | None] = {}
    amounts = dict(own)
    disagreements = []
    previous: Decimal | None = Decimal(0)
    for q in period:
        from_quarters = previous + own[q] if previous is not None and q in own else None
        if q in reported:
            if from_quarters is not None and from_quarters != reported[q]:
                disagreements.append(Disagreement(q, reported[q], from_quarters))
            if q not in amounts and previous is not None:
                amounts[q] = reported[q] - previous
            by_quarter[q] = reported[q]
        else:
            by_quarter[q] = from_quarters
        previous = by_quarter[q]
    return by_quarter, amounts, tuple(disagreements)


def _has_figure(values, cumulative, verdicts, q: int) -> bool:
    return any(m is not None and m.get(q) not in (None, "") for m in (values, cumulative, verdicts))


def last_year(spec: MeasureSpec, quarter: int) -> tuple[Decimal | None, bool]:
    """What a measure's figure of `quarter` is compared with last year, and whether that is last
    year's whole-year actual: the same period's, else, at year end or for a measure that must
    increase, last year's actual (annual scores, PAR Index, PCI, PAPI, have only that during the year)."""
    value = spec.same_period.get(quarter)
    if value is None and (quarter == 4 or spec.comparison is Comparison.INCREASE) and spec.previous_year is not None:
        return Decimal(spec.previous_year), True
    return (Decimal(value) if value is not None else None), False


def evaluate(
    spec: MeasureSpec,
    quarter: int,
    values: Mapping[int, Decimal | None],
    verdicts: Mapping[int, Verdict | None] | None = None,
    cumulative: Mapping[int, Decimal | None] | None = None,
    estimates: Iterable[int] = (),
    *,
    today: datetime.date,
) -> Progress:
    """Progress of the measure `spec` for the year-to-date ending with `quarter` (1..4).

    `values` are the quarters' own figures keyed 1..4 and `cumulative` the year-to-date figures
    as reported (flows only; "lũy kế"); None or absent = not reported. Figures of quarters after
    `quarter` are ignored, so a past period reads as it did at the time. `verdicts` are used only
    by qualitative measures; `estimates` are the quarters whose figure is an estimate.

    The full-year view (quarter 4) says "not met" only of a year figure: without one it carries
    the latest in-year status (`in_year`). A yearly measure with no figure yet is AWAITED until
    the end of its expected publication month, and "no data" once `today` is past it. `today` has
    no default: every page, API answer and workbook judges on the same day (overview.judged_on,
    the day cached content is kept by), so one unit, measure and period has one status everywhere.
    """
    if quarter not in QUARTERS:
        raise ValueError(f"quarter must be 1, 2, 3 or 4, not {quarter!r}")
    if not any(_has_figure(values, cumulative, verdicts, q) for q in range(1, quarter + 1)) and _not_due(spec, quarter, today):
        return _awaited(spec, quarter)
    if quarter == 4 and not _has_figure(values, cumulative, verdicts, 4):
        latest = max((q for q in (1, 2, 3) if _has_figure(values, cumulative, verdicts, q)), default=None)
        if latest is not None:
            # A flow carries the nine months' status, as the nine-month view says it: a unit that
            # sent nothing after June is "no data" there, never "on track (first half)" for the
            # year. A level (a rate, a score) carries its latest figure's.
            if spec.aggregation is Aggregation.FLOW and spec.comparison is not Comparison.QUALITATIVE:
                latest = 3
            in_year = evaluate(spec, latest, values, verdicts, cumulative, estimates, today=today)
            return replace(in_year, quarter=4, quarter_value=None, quarter_value_derived=False, quarter_stands_on=(), in_year=in_year,
                           ytd_by_quarter={**in_year.ytd_by_quarter, **{q: None for q in range(latest + 1, 5)}})
    if spec.comparison is Comparison.QUALITATIVE:
        return _qualitative(spec, quarter, verdicts, estimates)

    period = range(1, quarter + 1)
    known = _known(values, period)
    year_end = quarter == 4
    comparison = spec.comparison
    target = Decimal(spec.target) if spec.target is not None else None
    estimates = set(estimates)

    ytd: Decimal | None = None
    ytd_quarter: int | None = None
    missing: tuple[int, ...] = ()
    by_quarter: dict[int, Decimal | None] = {}
    quarter_value = known.get(quarter)
    derived = False
    disagreements: tuple[Disagreement, ...] = ()
    is_estimate = False
    stands_on: tuple[int, ...] = ()
    quarter_stands_on: tuple[int, ...] = (quarter,) if quarter_value is not None else ()
    if spec.aggregation is Aggregation.FLOW:
        reported = _known(cumulative, period)
        by_quarter, amounts, disagreements = _flow_ytd(period, known, reported)
        # The last quarter up to which the year-to-date is known; what follows must add up.
        last = max((q for q in period if by_quarter[q] is not None), default=0)
        missing = tuple(q for q in period if q > last and q not in amounts)
        if last or amounts:
            ytd = (by_quarter[last] if last else Decimal(0)) + sum((amounts[q] for q in period if q > last and q in amounts),
                                                                    Decimal(0))
        if quarter_value is None and quarter in amounts:
            quarter_value, derived = amounts[quarter], True
        # Only the figures the year-to-date stands on: a reported cumulative supersedes what came before it.
        anchor = max(reported, default=1)
        stands_on = tuple(q for q in period if q >= anchor and (q in known or q in reported))
        is_estimate = any(q in estimates for q in stands_on)
        if derived:
            before = max((q for q in reported if q < quarter), default=1)
            quarter_stands_on = (*(q for q in range(1, quarter) if q >= before and (q in known or q in reported)), quarter)
    else:
        by_quarter = {q: known.get(q) for q in period}
        if known:
            ytd_quarter = max(known)
            ytd = known[ytd_quarter]
            stands_on = (ytd_quarter,)
            is_estimate = ytd_quarter in estimates

    # A level measure's latest figure may be of an earlier quarter than the period (a rate known for
    # Q1 only, read for the first half): it is judged as of its own quarter, against that quarter's
    # pace and last year's same quarter, like with like, never against a later period's.
    as_of = ytd_quarter or quarter
    same_period, from_last_year = last_year(spec, as_of)

    expected: Decimal | None = None
    if comparison in (Comparison.GTE, Comparison.GT) and target is not None:
        if spec.aggregation is Aggregation.FLOW:
            expected = target * seasonal_share(spec, quarter)
        elif spec.previous_year is not None:
            baseline = Decimal(spec.previous_year)
            expected = baseline + (target - baseline) * as_of / 4
        else:
            expected = target
    elif comparison is Comparison.LTE:
        # A ceiling on a count that only grows (at most 102 accidents in the year) is paced like a
        # flow target during the year: 79 after nine months is over the pace of 76,5, not "met".
        paced = spec.aggregation is Aggregation.FLOW and target is not None and not year_end
        expected = target * seasonal_share(spec, quarter) if paced else target
    elif comparison in (Comparison.DECREASE, Comparison.INCREASE):
        expected = same_period

    status = _status(comparison, ytd, missing, expected, target, year_end)

    percent_of_plan = None
    if comparison in (Comparison.GTE, Comparison.GT, Comparison.LTE):
        percent_of_plan = _percent(ytd, target)
    # Like with like: a year to date that lacks a quarter is not set against last year's whole period.
    percent_same = _percent(ytd, same_period) if not missing else None
    return Progress(
        quarter=quarter,
        quarter_value=quarter_value,
        ytd=ytd,
        ytd_quarter=ytd_quarter,
        expected=expected,
        percent_of_plan=percent_of_plan,
        same_period=same_period,
        percent_of_same_period=percent_same,
        change_percent=percent_same - HUNDRED if percent_same is not None else None,
        status=status,
        verdict=None,
        missing_quarters=missing,
        ytd_by_quarter=by_quarter,
        is_year_end=year_end,
        quarter_value_derived=derived,
        disagreements=disagreements,
        estimate=is_estimate,
        stands_on=stands_on,
        quarter_stands_on=quarter_stands_on,
        _spec=spec,
        _same_period_is_last_year=from_last_year,
    )


def without_year_figure(p: Progress) -> bool:
    """A full year without the year's figure: the in-year status carried, a yearly figure awaited,
    or nothing at all."""
    return p.quarter == 4 and (p.in_year is not None or (p.ytd is None and p.verdict is None))


def final_year(p: Progress, closed: bool) -> Progress:
    """The full year of a year that is `closed` (Campaign.is_closed) as it stands for good: without
    the year's figure (without_year_figure) it is "no data", as the final ranking scores it
    (scoring.outcome_of), since no figure can come any more. The in-year figures stay (`in_year`),
    shown for what they are. Any other period, an open year, and a full year with its figure: `p`
    as it is."""
    if not closed or not without_year_figure(p):
        return p
    return replace(p, status=Status.NO_DATA, closed=True)


def _not_due(spec: MeasureSpec, quarter: int, today: datetime.date) -> bool:
    """No figure is expected yet on `today`: a yearly measure's comes after the year (by the end of
    its publication month; without a publication month, it stays awaited), a half-yearly one's with the
    half-year and the year."""
    if spec.frequency is Frequency.YEARLY:
        if quarter == 4 and spec.publication:
            month, year = spec.publication
            return (today.year, today.month) <= (year, month)
        return True
    return spec.frequency is Frequency.HALF_YEARLY and quarter in (1, 3)


def _awaited(spec: MeasureSpec, quarter: int) -> Progress:
    return Progress(
        quarter=quarter, quarter_value=None, ytd=None, ytd_quarter=None, expected=None, percent_of_plan=None,
        same_period=None, percent_of_same_period=None, change_percent=None, status=Status.AWAITED, verdict=None,
        missing_quarters=(), ytd_by_quarter={}, is_year_end=quarter == 4, _spec=spec,
    )


def _status(
    comparison: Comparison,
    ytd: Decimal | None,
    missing: tuple[int, ...],
    expected: Decimal | None,
    target: Decimal | None,
    year_end: bool,
) -> Status:
    """The status of a numeric measure; `expected` is the pace, the ceiling or last year's figure."""
    if ytd is None or missing or expected is None:
        return Status.NO_DATA

    if comparison in (Comparison.GTE, Comparison.GT):
        reached = _reached(ytd, comparison, target)
        if reached is not None:
            return reached
        # "More than 95 %" with 95 now: at risk during the year, as it is "not met" at its end.
        return Status.NOT_MET if year_end else _pace_status(ytd, expected, strict=comparison is Comparison.GT and expected == target)

    if comparison is Comparison.LTE:  # `expected`: the ceiling, or a count's pace towards it (evaluate)
        if ytd <= expected:
            # A level under its ceiling is met as it stands; a count under its pace is on track.
            return Status.MET if expected == target else Status.ON_TRACK
        if year_end:
            return Status.NOT_MET
        return Status.AT_RISK if ytd - expected <= _band(expected) else Status.BEHIND

    # DECREASE / INCREASE against the same period last year: strictly better is required.
    if comparison is Comparison.DECREASE:
        # Kept at none, as last year (no road death): nothing is left to decrease; the best there is.
        better, gap = ytd < expected or ytd == expected == 0, ytd - expected
    else:
        better, gap = ytd > expected, expected - ytd
    if better:
        return Status.MET if year_end else Status.ON_TRACK
    if year_end:
        return Status.NOT_MET
    return Status.AT_RISK if gap <= _band(expected) else Status.BEHIND


# --- the one-sentence explanation ------------------------------------------------------------

# Figures shown in a larger unit (millions of arrivals) need decimals to be readable.
DISPLAY_PLACES_WITH_DIVISOR = 2


# A month as it follows "expected" (Vietnamese: "tháng 5", then "/2025").
MONTHS = (pgettext_lazy("month", "January"), pgettext_lazy("month", "February"), pgettext_lazy("month", "March"),
          pgettext_lazy("month", "April"), pgettext_lazy("month", "May"), pgettext_lazy("month", "June"),
          pgettext_lazy("month", "July"), pgettext_lazy("month", "August"), pgettext_lazy("month", "September"),
          pgettext_lazy("month", "October"), pgettext_lazy("month", "November"), pgettext_lazy("month", "December"))


def period_note(p: Progress, lang: str | None = None) -> str:
    """What a year to date shown under its period's heading does not cover ("" when it covers it
    all): the period it really is (a full year not yet reported carries the nine months', a rate
    not reported since the first half is the first half's), or the quarters without a figure."""
    if p.in_year is not None:
        # The period carried, and what it lacks itself ("9 tháng, thiếu số liệu quý III").
        carried = period_label(p.in_year.quarter, lang)
        return f"{carried}, {lacking}" if (lacking := period_note(p.in_year, lang)) else carried
    if p.ytd is not None and p.ytd_quarter not in (None, p.quarter):  # a level known for an earlier quarter only
        return period_label(p.ytd_quarter, lang)
    if p.missing_quarters and p.ytd is not None:
        with override(language(lang)):
            return _("no figure for %(quarters)s") % {"quarters": ", ".join(str(QUARTER_NAMES[q]) for q in p.missing_quarters)}
    return ""


def awaited_text(spec: MeasureSpec, lang: str | None = None) -> str:
    """"công bố hằng năm, dự kiến tháng 5/2025": when a measure's figure is to be expected."""
    with override(language(lang)):
        text = _("published half-yearly") if spec.frequency is Frequency.HALF_YEARLY else _("published yearly")
        if spec.publication:
            month, year = spec.publication
            text += ", " + _("expected %(month)s %(year)s") % {"month": MONTHS[month - 1], "year": year}
        return text


def _explain(p: Progress, lang: str) -> str:
    spec = p._spec
    head = period_label(p.quarter, lang)
    outcome = status_label(p.status, lang).lower()
    if p.closed:
        # The final ranking's words (scoring.as_ranked); then the in-year figures as such, without
        # their in-year status ("→ đúng tiến độ"), which the year's "no data" replaces.
        text = f"{head}: {pgettext('score line', 'no full-year figure was approved before the year was closed')}"
        if p.in_year is not None:
            carried = _explain(p.in_year, lang).removesuffix(f" → {status_label(p.in_year.status, lang).lower()}")
            text += f"; {carried}"
        return text
    if p.status is Status.AWAITED:
        return f"{head}: {awaited_text(spec, lang)}"
    if p.in_year is not None:
        # "Cả năm: chưa có số cả năm; 9 tháng: … → đúng tiến độ"
        return f"{head}: {_('no full-year figure yet')}; {_explain(p.in_year, lang)}"
    if p.estimate:
        head += f" ({_('estimate')})"

    if spec.comparison is Comparison.QUALITATIVE:
        if p.verdict is None:
            return f"{head}: {_('not assessed yet')}"
        verdict = _("assessed as %(verdict)s") % {"verdict": verdict_label(p.verdict, lang).lower()}
        return f"{head}: {verdict}{_older(p, lang, bracket=True)} → {outcome}"

    divisor = Decimal(spec.display_divisor or 1)
    places = spec.decimal_places if divisor == 1 else DISPLAY_PLACES_WITH_DIVISOR
    if p.ytd is not None:
        # Never "10,2 / 10,2 → not met": as many decimals as it takes to tell them apart.
        places = places_to_tell_apart(places, p.ytd / divisor, *(r / divisor for r in p._references() if r is not None))
    if divisor == 1:
        unit = spec.unit_en if lang == "en" else spec.unit_vi
    else:
        unit = (spec.display_unit_en if lang == "en" else spec.display_unit_vi) or spec.unit_vi
    unit = f" {unit}" if unit else ""

    def num(value: Decimal) -> str:
        return format_number(value / divisor, places, lang)

    def planned(value: Decimal) -> str:
        """A target as the programme writes it (2.460, 59,3, 3,2 triệu), at most `places` decimals."""
        shown = (value / divisor).normalize()
        return format_number(value / divisor, min(places, max(0, -shown.as_tuple().exponent)), lang)

    if p.missing_quarters and p.ytd is not None:
        quarters = ", ".join(str(QUARTER_NAMES[q]) for q in p.missing_quarters)
        reason = _("no figure for %(quarters)s") % {"quarters": quarters}
        if spec.comparison is Comparison.DECREASE and p.same_period is None:
            reason += f"; {_('no figure for the same period last year to compare with')}"
        return f"{head}: {reason} → {outcome}"
    if p.ytd is None:
        return f"{head}: {_('no figure yet')}"

    # A whole count ("5 người") is shown whole: the decimals that tell it from a pace of 5,3 are the
    # pace's to show, and "5,0 người" reads as a count that could have been 5,2.
    whole = spec.decimal_places == 0 and divisor == 1 and p.ytd == p.ytd.to_integral_value()
    figure = f"{format_number(p.ytd, 0, lang) if whole else num(p.ytd)}{unit}"
    older = _older(p, lang, bracket=False)

    if spec.comparison in (Comparison.DECREASE, Comparison.INCREASE):
        figure += f" ({older})" if older else ""
        if p.same_period is None:
            return f"{head}: {figure}; {_('no figure for the same period last year to compare with')} → {outcome}"
        label = _("last year") if p._same_period_is_last_year else _("same period last year")
        change = ""
        if p.ytd == p.same_period:  # 0 against 0 too, where no percentage can be had
            change = f" ({_('unchanged') if not p._same_period_is_last_year else _('same as last year')})"
        elif p.change_percent is not None:
            direction = _("down") if p.change_percent < 0 else _("up")
            # Never "down 0,0 %": as many decimals as it takes to show the change is not nothing.
            shown = places_to_tell_apart(1, p.change_percent, Decimal(0))
            change = f" ({direction} {format_percent(abs(p.change_percent), shown, lang)})"
        return f"{head}: {figure}, {label} {num(p.same_period)}{unit}{change} → {outcome}"

    if spec.target is None:
        figure += f" ({older})" if older else ""
        return f"{head}: {figure}; {_('no target to compare with')} → {outcome}"
    target = Decimal(spec.target)

    if spec.comparison is Comparison.LTE:
        note = "; ".join(filter(None, [older, f"{_('at most')} {planned(target)}{unit}"]))
        if p.expected is not None and p.expected != target:
            # The pace of a ceiling is the most allowed by now, not a figure to reach.
            note += f"; {_('at most %(figure)s by now') % {'figure': f'{num(p.expected)}{unit}'}}"
        return f"{head}: {figure} ({note}) → {outcome}"

    if spec.aggregation is Aggregation.FLOW:
        if p.percent_of_plan is not None:
            places = _places_that_divide(places, p.ytd / divisor, target / divisor, p.percent_of_plan, p.percent_places)
        text = f"{head}: {num(p.ytd)} / {planned(target)}{unit}"
        if p.percent_of_plan is not None:
            text += f" = {format_percent(p.percent_of_plan, p.percent_places, lang)} {pgettext('explanation', 'of the pledge') if spec.pledged else _('of plan')}"
        if p.pace_percent is not None:
            # The pace is a share of the plan; at year end it is the whole plan and goes unsaid.
            text += f"; {_('expected pace')} {format_percent(p.pace_percent, p.percent_places, lang)}"
        if spec.comparison is Comparison.GT:  # "more than": 100 % of it is the miss it is, said so
            text += f" ({_('target over')} {planned(target)}{unit})"
        return f"{text} → {outcome}"

    # "Over 95 %" is met only above it: said, so that 95 against 95 reads as the miss it is.
    label = _("target over") if spec.comparison is Comparison.GT else pgettext("explanation", "pledge") if spec.pledged else _("target")
    note = "; ".join(filter(None, [older, f"{label} {planned(target)}{unit}"]))
    text = f"{head}: {figure} ({note})"
    if not p.is_year_end and p.expected is not None and p.expected != target:
        text += f"; {_('expected')} {num(p.expected)}{unit}"
    return f"{text} → {outcome}"


def _places_that_divide(places: int, actual: Decimal, target: Decimal, percent: Decimal, percent_places: int) -> int:
    """Decimals for "actual / target = percent" to add up as shown: "0,22 / 0,28 triệu = 76,6 %"
    reads as 78,6 %; "0,216 / 0,282" as the 76,6 % it is. (At most six more; then as it was.)"""
    shown = quantize(percent, percent_places)
    for more in range(places, places + 7):
        shown_target = quantize(target, more)
        if shown_target and quantize(quantize(actual, more) / shown_target * HUNDRED, percent_places) == shown:
            return more
    return places


def _older(p: Progress, lang: str, bracket: bool) -> str:
    """Which earlier quarter a standing figure or verdict comes from; empty when it is current."""
    if p.ytd_quarter is None or p.ytd_quarter == p.quarter:
        return ""
    if bracket:
        return f" ({QUARTER_NAMES[p.ytd_quarter]})"
    return _("%(quarter)s figure") % {"quarter": QUARTER_NAMES[p.ytd_quarter]}
