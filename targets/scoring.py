"""The scoring engine: each bloc's units scored on the campaign's scheme, ranked, and proposed.

Plain Python beside the progress engine (targets.progress), no ORM: the emulation's rules are
what officials argue about at year end, so they live where they are easiest to read and test
(DESIGN.md, "The emulation: pledges, scoring, ranking"). The scheme is data (a campaign's
JSON, parsed by Scheme.from_dict); this module only says how the data is applied:

- each pledged measure earns the scheme's points for its verdict: exceeded / met / not met /
  no figure. In a final ranking the verdict is the year figure's; without a year figure there is
  none ("no figure"). During the year (a provisional ranking) the in-year status stands in for
  it: on track counts as met, at risk and behind as not met; a yearly figure not yet published
  (awaited) has no figure;
- each task of themes II–VI the unit is responsible for earns the points of its latest
  assessment; one it has not reported on is "not assessed" and earns none;
- each quarter due since the unit joined its bloc earns points when its report was sent on
  time, and when it was complete;
- a scheme that scores out of a whole (score_out_of, e.g. 100, as published schemes do) scales what
  the lines above earned to it: earned ÷ the most they could earn (each measure's and task's best
  level, each quarter's reporting points) × the whole, to two decimals (half up), so that a unit
  asked for more items does not outscore one that did all it was asked; one more line says it,
  its points the difference, so the explanation still adds up. A yearly figure still awaited during
  the year is not counted in it (no unit can have it yet), and a unit with no pledge nor task is
  listed, not ranked (its reports alone would give it full marks);
- the secretariat's bonuses and deductions are added as they are, each with its reason;
- the score is the sum of these lines, nothing else, so the explanation always adds up;
- units are ranked by score within their bloc; equal scores share a rank and the next rank
  is skipped (1, 1, 3); a unit that left the bloc during the year is listed, not ranked, and so is
  a member the programme gives nothing to be scored on (its bonuses alone would rank it);
- conditions bar a unit from the flag without changing its score or rank: a key measure not
  met (during the year: behind its pace, or without the figure due for the period judged; a
  yearly figure not yet published bars nothing), not registered for the flag, a score under
  the minimum, a barring deduction, part of the year outside the bloc, no report sent for the
  period;
- proposals come from a final ranking only: the flag for the best-ranked unit that no
  condition bars (all of them when several share that rank: the council decides), then
  certificates of merit for the next ranked units that sent a report, as many as the scheme
  allows (more when units tie at the last place);
- a final ranking is kept as it stood when the year was closed (Ranking.to_data): what changes
  afterwards (a corrected figure, a pledge, the scheme's points) does not move it.

All points are Decimal; nothing is rounded here.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import itertools
import re
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy, override, pgettext_lazy

from targets import validators as limits
from targets.language import language
from targets.numbers import format_number, typed_decimals
from targets.progress import (
    VERDICT_NAMES,
    Comparison,
    MeasureSpec,
    Status,
    Verdict,
    period_label,
    quarter_label,
    status_label,
    verdict_label,
)

ZERO = Decimal(0)


class Outcome(StrEnum):
    """A pledged measure's verdict for scoring."""

    EXCEEDED = "exceeded"
    MET = "met"
    NOT_MET = "not_met"
    NO_FIGURE = "no_figure"


# In-year statuses read as the year-end verdict they point to (provisional rankings only).
OUTCOME_OF_STATUS: dict[Status, Outcome] = {
    Status.EXCEEDED: Outcome.EXCEEDED,
    Status.MET: Outcome.MET,
    Status.ON_TRACK: Outcome.MET,
    Status.AT_RISK: Outcome.NOT_MET,
    Status.BEHIND: Outcome.NOT_MET,
    Status.NOT_MET: Outcome.NOT_MET,
    Status.NO_DATA: Outcome.NO_FIGURE,
    Status.AWAITED: Outcome.NO_FIGURE,
}
# What a final ranking counts: only a year figure's verdict (progress says "not met" of nothing else).
YEAR_END = frozenset({Status.EXCEEDED, Status.MET, Status.NOT_MET})

OUTCOME_LABELS = {
    Outcome.EXCEEDED: pgettext_lazy("scoring outcome", "Exceeded"),
    Outcome.MET: pgettext_lazy("scoring outcome", "Met"),
    Outcome.NOT_MET: pgettext_lazy("scoring outcome", "Not met"),
    Outcome.NO_FIGURE: pgettext_lazy("scoring outcome", "No figure"),
}


def words(text, lang: str, **values) -> str:
    """A gettext message of this module in `lang`, its %(…)s filled: a score's lines are written in
    both languages at once (the API gives both), so each is asked for in its language."""
    with override(language(lang)):
        return str(text) % values if values else str(text)


def outcome_of(status: Status | str, *, final: bool = False, in_year: bool = False) -> Outcome:
    """The verdict a status scores as: in a final ranking, without a year figure (no figure, a
    yearly figure awaited, or in-year figures only: `in_year`) there is no verdict."""
    status = Status(status)
    if final and (in_year or status not in YEAR_END):
        return Outcome.NO_FIGURE
    return OUTCOME_OF_STATUS[status]


def pledge_spec(spec: MeasureSpec, target: Decimal) -> MeasureSpec:
    """The measure as one unit pledged it: the pledged figure is the target, judged like the
    province's target, without the province's baselines (they are not the unit's own).

    A pledge is a number the unit promises to reach: a year-on-year measure (accidents "lower
    than last year") pledged as "at most 20" is judged as at most, "higher than last year" as at
    least, and a pledged figure on a "more than" target (over 95 %) as at least: reaching the
    100 % it pledged, a unit has kept its pledge (strictly more than 100 % cannot be had).
    """
    comparison = {Comparison.DECREASE: Comparison.LTE, Comparison.INCREASE: Comparison.GTE,
                  Comparison.GT: Comparison.GTE}.get(spec.comparison, spec.comparison)
    if comparison is Comparison.QUALITATIVE:
        raise ValueError(f"measure {spec.code} is assessed in words and takes no pledged figure")
    # Said in the unit it was signed in, as the pledge workbook, the entry page and the indicator
    # page's units show it (171.472 / 241.613 lượt khách), not in the province's display unit
    # (0,1715 / 0,2416 triệu), which would make a district's figures unrecognisable.
    return dataclasses.replace(spec, comparison=comparison, target=Decimal(target), previous_year=None, same_period={},
                               seasonal=False, display_divisor=Decimal(1), pledged=True)


# --- the scheme --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Title:
    """An emulation title units register for (Cờ thi đua của UBND tỉnh, Tập thể lao động xuất sắc…)."""

    code: str
    name: str
    name_en: str = ""

    def label(self, lang: str) -> str:
        return self.name_en if language(lang) == "en" and self.name_en else self.name


class SchemeError(Exception):
    """The scheme data is not usable: its problems (SchemeProblem), each a full sentence naming its
    key. `errors` in English (the programme file's loader, logs); `messages()` in the active language
    where the message is translated; the admin says each at its box, in its own words
    (SchemeProblem.sentence)."""

    def __init__(self, problems: list[SchemeProblem]):
        self.problems = problems
        with override("en"):
            self.errors = [p.message() for p in problems]
        super().__init__("\n".join(self.errors))

    def messages(self) -> list[str]:
        return [p.message() for p in self.problems]


@dataclass(frozen=True)
class SchemeProblem:
    """One problem of a scheme: its sentence (SCHEME_PROBLEMS[name]), the key it is about
    ("measure_points.met", "titles[3].name"; "" for the scheme as a whole) and its values.

    The programme file is JSON, so its loader names the key and quotes the values as JSON has them
    (message()); the admin shows each problem at the box of its key, which names it already, with
    the values in the page's notation and the verdicts in the ranking's words (sentence(words=True)).
    One sentence for both, so they cannot drift apart."""

    name: str
    key: str = ""
    values: Mapping = field(default_factory=dict)

    def sentence(self, *, words: bool = False) -> str:
        """The problem without its key, in the active language."""
        text = SCHEME_PROBLEMS[self.name]
        if not self.values:
            return str(text)
        return str(text) % {name: value.said(words) if isinstance(value, _Said) else value for name, value in self.values.items()}

    def message(self) -> str:
        """The problem after its key: "measure_points.met: -5 is negative; …"."""
        return f"{self.key}: {self.sentence()}" if self.key else self.sentence()


class _Said:
    """A value of a problem, said as the JSON has it, or in the admin's words."""

    def said(self, words: bool) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class _Value(_Said):
    """A value as read from the JSON: repr() for the programme file ('8.5', 'khong-co'); in the
    admin a number in the page's notation (8,5), a text in quotes («khong-co»)."""

    value: object
    quoted: bool = True  # in the JSON's notation: a number the scheme counted with is said as it is
    number: bool = False  # an amount of points: its text ("8.5") said as a number in the admin

    def said(self, words: bool) -> str:
        if not words:
            return repr(self.value) if self.quoted else str(self.value)
        amount = None
        if isinstance(self.value, (int, Decimal)) and not isinstance(self.value, bool) or self.number:
            try:
                amount = Decimal(str(self.value))
            except (InvalidOperation, ValueError):
                pass
        if amount is not None and amount.is_finite():
            return format_number(amount, typed_decimals(amount), language())
        return f"«{self.value}»"


@dataclass(frozen=True)
class _Level(_Said):
    """A level of a table of points with its points: "met (8)", in the admin "Đạt (8)"."""

    table: str
    level: str
    points: Decimal

    def said(self, words: bool) -> str:
        if not words:
            return f"{self.level} ({self.points})"
        label = OUTCOME_LABELS[Outcome(self.level)] if self.table == "measure_points" else VERDICT_NAMES[Verdict(self.level)]
        return f"{label} ({format_number(self.points, typed_decimals(self.points), language())})"


# The scheme's problems, each a sentence about one key (SchemeProblem says the key before it).
SCHEME_PROBLEMS = {
    "object": gettext_lazy("The scoring scheme must be a JSON object."),
    "not_number": gettext_lazy("%(value)s is not a number of points."),
    "not_finite": gettext_lazy("%(value)s is not a finite number."),
    "table": gettext_lazy("give the points for each of %(names)s."),
    "unknown_keys": gettext_lazy("unknown %(unknown)s; expected %(names)s."),
    "missing": gettext_lazy("missing %(names)s."),
    "reporting": gettext_lazy("expected on_time and complete."),
    "title": gettext_lazy("each title needs a code and a name."),
    "title_code": gettext_lazy("the code %(value)s: use letters without accents, digits, “-” or “_”."),
    "title_codes": gettext_lazy("the code %(value)s is already a title's code (letter case aside): codes must be unique."),
    "flag_title": gettext_lazy("%(value)s is not one of the titles."),
    "certificates": gettext_lazy("a whole number, 0 or more."),
    "date": gettext_lazy("%(value)s is not a date (YYYY-MM-DD)."),
    "codes": gettext_lazy("a list of measure codes."),
    "points_range": gettext_lazy("%(value)s is out of range: between -%(max)s and %(max)s, with at most two decimals."),
    "negative": gettext_lazy("%(value)s is negative; the points a unit earns are 0 or more."),
    "min_score_negative": gettext_lazy("%(value)s is negative; the minimum score for the flag is 0 or more."),
    "score_range": gettext_lazy("%(value)s is out of range: between 0 and %(max)s, with at most two decimals."),
    "order": gettext_lazy("%(better)s earns fewer points than %(worse)s."),
    "certificates_max": gettext_lazy("%(value)s is too many; at most %(max)s a bloc."),
    "boolean": gettext_lazy("true or false (without quotes), not %(value)s."),
    "unknown_measure": gettext_lazy("%(value)s is not a measure of the programme."),
    "unknown_top": gettext_lazy("Unknown keys %(unknown)s; a scheme has %(names)s."),
    "control": gettext_lazy("remove the invisible control characters (e.g. pasted from another program)."),
    "too_long": gettext_lazy("at most %(max)s characters (it has %(count)s)."),
    "bonus_max_negative": gettext_lazy("%(value)s is negative; the most a unit's bonuses add up to is 0 or more."),
    "flag_min_unreachable": gettext_lazy("%(value)s is more than a unit can score: at most %(most)s (the score out of "
                                         "%(out_of)s plus bonuses of at most %(bonus)s), so no unit could be proposed for the flag."),
    "out_of_positive": gettext_lazy("%(value)s: a score is out of a whole above 0 (100, say); leave it empty to add up the lines' points as they are."),
}
# A title's code is kept by registrations and said in the proposals' files: letters without
# accents, digits, "-" and "_" (as a unit's code, targets.validators.code_format).
TITLE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
# What a scheme says ("note" is a free comment): a key misspelt ("certificate") would otherwise be
# ignored in silence and its default used, on a ranking the council is given.
SCHEME_KEYS = ("note", "measure_points", "task_points", "reporting_points", "key_measures", "titles", "flag_title",
               "flag_min_score", "flag_requires_full_year", "certificates", "annual_measures", "registration_until",
               "score_out_of", "bonus_max")
# Bounds of what a scheme may say: an item earns at most MAX_ITEM_POINTS, a score's minimum is at
# most MAX_SCORE (a proposal keeps its score in 9 digits, 2 decimals), a bloc has at most
# MAX_CERTIFICATES certificates.
MAX_ITEM_POINTS = Decimal(1000)
MAX_SCORE = Decimal(100000)
MAX_CERTIFICATES = 100
# Points earned for doing well, never negative; the other levels may be a penalty ("no figure": −2).
EARNED = {"measure_points": ("exceeded", "met"), "task_points": ("completed_well", "completed"),
          "reporting_points": ("on_time", "complete")}
# From best to worst: a better verdict never earns fewer points.
ORDER = {"measure_points": ("exceeded", "met", "not_met"), "task_points": ("completed_well", "completed", "not_completed")}


def _texts(value, where: str = ""):
    """Every text of a scheme's JSON, keys included, with where it is ("titles[0].name")."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield where, str(key)
            yield from _texts(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _texts(item, f"{where}[{i}]")


@dataclass(frozen=True)
class Scheme:
    measure_points: Mapping[Outcome, Decimal]
    task_points: Mapping[Verdict, Decimal]
    on_time_points: Decimal = ZERO
    complete_points: Decimal = ZERO
    key_measures: frozenset[str] = frozenset()
    # The title a unit must have registered for to be proposed for the flag (None: no such rule).
    flag_title: str | None = None
    flag_min_score: Decimal | None = None
    flag_requires_full_year: bool = True
    certificates: int = 0
    # Measures published once a year: a quarterly report is complete without them before Q4.
    annual_measures: frozenset[str] = frozenset()
    titles: tuple[Title, ...] = ()
    registration_until: datetime.date | None = None
    # The whole a unit is scored out of (100), its lines scaled to it; None: the lines' sum as it is.
    score_out_of: Decimal | None = None
    # The most a unit's bonuses add up to (None: no limit); more, entered before the limit, is taken off.
    bonus_max: Decimal | None = None

    def most(self, kind: LineKind) -> Decimal:
        """The most one line of `kind` can earn (what score_out_of scales against)."""
        if kind is LineKind.MEASURE:
            return max(self.measure_points.values(), default=ZERO)
        if kind is LineKind.TASK:
            return max(self.task_points.values(), default=ZERO)
        return {LineKind.ON_TIME: self.on_time_points, LineKind.COMPLETE: self.complete_points}.get(kind, ZERO)

    def title(self, code: str) -> Title | None:
        return next((t for t in self.titles if t.code == code), None)

    @classmethod
    def from_dict(cls, data: Mapping, *, measure_codes: Iterable[str] | None = None, strict: bool = True) -> Scheme:
        """The scheme from its JSON form (programme file or admin edit); every problem listed at once.

        `measure_codes`: the programme's measures, which key_measures and annual_measures must name.
        `strict` (the default, for what is about to be saved) also refuses what the scheme would
        be misread with: a boolean in quotes, negative points earned or a negative minimum score, a
        better verdict earning fewer points, absurd amounts. A scheme saved before those rules is
        read with strict=False (ScoringScheme.scheme()), as it was then, until it is next edited."""
        problems: list[SchemeProblem] = []
        refused: set[str] = set()  # the numbers refused: read as 0, not compared with the others

        def problem(name: str, key: str = "", **values) -> None:
            problems.append(SchemeProblem(name, key, values))

        if not isinstance(data, Mapping):
            raise SchemeError([SchemeProblem("object")])
        for where, text in _texts(data) if strict else ():
            # PostgreSQL's JSON cannot hold NUL; a title's name is printed on pages and proposals.
            if limits.has_control_characters(text):
                problem("control", key=where or "(key)")
            elif len(text) > (limit := limits.SHORT if where.startswith("titles[") else limits.NOTE):
                problem("too_long", key=where, max=limit, count=len(text))
        if strict and (unknown := set(map(str, data)) - set(SCHEME_KEYS)):
            problem("unknown_top", unknown=", ".join(sorted(unknown)), names=", ".join(SCHEME_KEYS))

        def points(value, where: str, limit: Decimal = MAX_ITEM_POINTS, *, score: bool = False,
                   negative: str = "min_score_negative") -> Decimal:
            # `score`: a score to reach (the flag's minimum), 0 or more: a negative one would bar
            # no unit while the page shows a rule, and its range is said from 0.
            try:
                number = Decimal(str(value))
            except (InvalidOperation, ValueError):
                problem("not_number", key=where, value=_Value(value, number=True))
                refused.add(where)
                return ZERO
            if not number.is_finite():
                problem("not_finite", key=where, value=_Value(value, number=True))
                refused.add(where)
                return ZERO
            if strict and score and number < 0:
                problem(negative, key=where, value=_Value(number, quoted=False))
                refused.add(where)
                return ZERO
            if strict and (abs(number) > limit or -number.as_tuple().exponent > 2):
                problem("score_range" if score else "points_range", key=where, value=_Value(value, number=True),
                        max=_Value(limit, quoted=False))
                refused.add(where)
                return ZERO  # refused: said once, not again as out of order (it is not 0)
            return number

        def table(key: str, kinds) -> dict:
            given = data.get(key)
            names = ", ".join(k.value for k in kinds)
            if not isinstance(given, Mapping):
                problem("table", key=key, names=names)
                return {k: ZERO for k in kinds}
            unknown = set(given) - {k.value for k in kinds}
            if unknown:
                problem("unknown_keys", key=key, unknown=", ".join(sorted(map(str, unknown))), names=names)
            missing = [k.value for k in kinds if k.value not in given]
            if missing:
                problem("missing", key=key, names=", ".join(missing))
            return {k: points(given.get(k.value, 0), f"{key}.{k.value}") for k in kinds}

        def earned(key: str, values: Mapping[str, Decimal]) -> None:
            # Checked once every number read: "exceeded" −10 is one problem, said once.
            if not strict:
                return
            for name in EARNED[key]:
                if values[name] < 0:
                    problem("negative", key=f"{key}.{name}", value=_Value(values[name], quoted=False))
            order = ORDER.get(key, ())
            for better, worse in itertools.pairwise(order):
                if {f"{key}.{better}", f"{key}.{worse}"} & refused:
                    continue
                if values[better] < values[worse] and values[better] >= 0:
                    problem("order", key=key, better=_Level(key, better, values[better]), worse=_Level(key, worse, values[worse]))

        measure_points = table("measure_points", list(Outcome))
        earned("measure_points", {k.value: v for k, v in measure_points.items()})
        task_points = table("task_points", list(Verdict))
        earned("task_points", {k.value: v for k, v in task_points.items()})
        reporting = data.get("reporting_points") or {}
        if not isinstance(reporting, Mapping):
            problem("reporting", key="reporting_points")
            reporting = {}
        elif strict and (unknown := set(map(str, reporting)) - set(EARNED["reporting_points"])):
            problem("unknown_keys", key="reporting_points", unknown=", ".join(sorted(unknown)), names="on_time, complete")
        on_time = points(reporting.get("on_time", 0), "reporting_points.on_time")
        complete = points(reporting.get("complete", 0), "reporting_points.complete")
        earned("reporting_points", {"on_time": on_time, "complete": complete})
        titles = []
        seen = set()
        for i, t in enumerate(data.get("titles") or []):
            if not isinstance(t, Mapping) or not t.get("code") or not t.get("name"):
                problem("title", key=f"titles[{i}]")
                continue
            title = Title(code=str(t["code"]), name=str(t["name"]), name_en=str(t.get("name_en", "")))
            # Strict: two codes differing only in letter case are one title to a person. A scheme
            # saved before is read with the rule it was saved with (the same code twice).
            same = title.code.lower() if strict else title.code
            if strict and not TITLE_CODE.fullmatch(title.code):
                problem("title_code", key=f"titles[{i}].code", value=_Value(title.code))
            elif same in seen:
                problem("title_codes", key=f"titles[{i}].code", value=_Value(title.code))
            seen.add(same)
            titles.append(title)
        flag_title = data.get("flag_title") or None
        if flag_title is not None and flag_title not in {t.code for t in titles}:
            problem("flag_title", key="flag_title", value=_Value(flag_title))
        certificates = data.get("certificates", 0)
        if not isinstance(certificates, int) or isinstance(certificates, bool) or certificates < 0:
            problem("certificates", key="certificates")
            certificates = 0
        elif strict and certificates > MAX_CERTIFICATES:
            problem("certificates_max", key="certificates", value=_Value(certificates, quoted=False), max=MAX_CERTIFICATES)
        minimum = data.get("flag_min_score")
        out_of = data.get("score_out_of")
        out_of = points(out_of, "score_out_of", MAX_SCORE, score=True, negative="out_of_positive") if out_of not in (None, "") else None
        if out_of is not None and out_of <= 0:
            if "score_out_of" not in refused:  # 0; a negative one is said by points()
                problem("out_of_positive", key="score_out_of", value=_Value(out_of, quoted=False))
            out_of = None
        full_year = data.get("flag_requires_full_year", True)
        if not isinstance(full_year, bool):
            if strict:
                problem("boolean", key="flag_requires_full_year", value=_Value(full_year))
            full_year = bool(full_year)
        until = data.get("registration_until")
        if until:
            try:
                until = datetime.date.fromisoformat(str(until))
            except ValueError:
                problem("date", key="registration_until", value=_Value(until))
                until = None
        known = None if measure_codes is None else set(measure_codes)
        lists = {}
        for key in ("key_measures", "annual_measures"):
            value = data.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problem("codes", key=key)
                value = []
            if known is not None:
                for code in value:
                    if code not in known:
                        problem("unknown_measure", key=key, value=_Value(code))
            lists[key] = frozenset(value)
        scheme = cls(
            measure_points=measure_points,
            task_points=task_points,
            on_time_points=on_time,
            complete_points=complete,
            key_measures=lists["key_measures"],
            flag_title=flag_title,
            flag_min_score=points(minimum, "flag_min_score", MAX_SCORE, score=True) if minimum not in (None, "") else None,
            flag_requires_full_year=full_year,
            certificates=certificates,
            annual_measures=lists["annual_measures"],
            titles=tuple(titles),
            registration_until=until or None,
            score_out_of=out_of,
            bonus_max=points(data["bonus_max"], "bonus_max", MAX_SCORE, score=True, negative="bonus_max_negative")
            if data.get("bonus_max") not in (None, "") else None,
        )
        # Out of a whole, with bonuses capped, a unit scores at most the two together: a minimum above
        # that bars every unit from the flag (adjustments entered before the cap are capped too).
        if (strict and None not in (scheme.flag_min_score, scheme.score_out_of, scheme.bonus_max)
                and not refused & {"flag_min_score", "score_out_of", "bonus_max"}
                and scheme.flag_min_score > scheme.score_out_of + scheme.bonus_max):
            problem("flag_min_unreachable", key="flag_min_score", value=_Value(scheme.flag_min_score, quoted=False),
                    most=_Value(scheme.score_out_of + scheme.bonus_max, quoted=False),
                    out_of=_Value(scheme.score_out_of, quoted=False), bonus=_Value(scheme.bonus_max, quoted=False))
        if problems:
            raise SchemeError(problems)
        return scheme


def expected_in_report(assigned: Iterable[str], quarter: int, annual_measures: frozenset[str] = frozenset(),
                       tasks: Iterable[str] = ()) -> set[str]:
    """What a unit's report of `quarter` carries when it is complete, by code: a figure for each
    measure assigned to the unit, less the annual ones before the fourth quarter (published once a
    year, they cannot be in an earlier report), and an assessment of each task it answers for
    ("2.3"). One rule for the entry page, the review queue and the ranking's "complete" points."""
    return (set(assigned) - (annual_measures if quarter < 4 else frozenset())) | set(tasks)


# --- what a unit brings --------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureResult:
    """A pledged measure: its status against the unit's own pledge, from the progress engine."""

    code: str
    label_vi: str
    label_en: str
    status: Status
    explanation_vi: str = ""
    explanation_en: str = ""
    # No year figure: at the year's end the status is the latest in-year one (progress's
    # Progress.in_year), which may say "met" of a six-month count under a year's ceiling.
    in_year: bool = False
    # What the status was judged on, kept with the ranking for its pledge sheet.
    name_vi: str = ""
    name_en: str = ""
    unit_vi: str = ""  # of measure
    unit_en: str = ""
    places: int = 0  # decimals the measure is shown with
    target: Decimal | None = None  # the unit's pledge
    actual: Decimal | None = None  # the unit's year to date (its latest figure for a level measure)
    percent: Decimal | None = None  # of the pledge
    # The marks the official report prints beside the same figure (exports.provisional, covered_period):
    # "(*)" an estimate or not yet approved; the period the figure is of where not the ranking's ("9 tháng").
    marked: bool = False
    covered: int | None = None


@dataclass(frozen=True)
class TaskResult:
    """A task of themes II–VI the unit reported on, with its latest assessment (None: not assessed)."""

    code: str  # "2.3" (Task.code)
    label_vi: str
    label_en: str
    verdict: Verdict | None
    quarter: int | None = None  # the report the assessment is from


@dataclass(frozen=True)
class QuarterReport:
    """A quarter's report that was due (or sent): whether on time, and which measures it lacked."""

    quarter: int
    sent: bool
    on_time: bool
    missing: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.sent and not self.missing


@dataclass(frozen=True)
class Adjustment:
    """A bonus (points > 0) or deduction (points < 0) entered by the secretariat."""

    points: Decimal
    reason: str
    evidence: str = ""
    bars_flag: bool = False


@dataclass(frozen=True)
class Unscored:
    """A measure the unit reports that the scheme gives no points: not pledged, or assessed in words
    (only pledged figures are scored). Listed at 0, so that the explanation names what it leaves out."""

    code: str
    label_vi: str
    label_en: str
    in_words: bool = False


@dataclass(frozen=True)
class UnitInput:
    code: str
    name: str
    measures: tuple[MeasureResult, ...] = ()
    tasks: tuple[TaskResult, ...] = ()
    reports: tuple[QuarterReport, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    registered: frozenset[str] = frozenset()  # title codes
    joined_quarter: int = 1  # the first quarter the unit belonged to the bloc
    left_quarter: int | None = None  # the last quarter it belonged to the bloc, when it left
    name_en: str = ""
    owes_reports: bool = True  # it reports a measure or answers for a task (overview.owes_reports)
    # The measures it reports (MeasureAssignment) that a pledge can be signed for (not assessed in
    # words): a key measure among them without a pledge bars the flag (Bar.KEY_MEASURE_NOT_PLEDGED).
    assigned: frozenset[str] = frozenset()
    unscored: tuple[Unscored, ...] = ()
    active: bool = True  # False: deactivated (Unit.is_active) after reporting in the year (Bar.INACTIVE)


# --- what comes out -----------------------------------------------------------------------------


class LineKind(StrEnum):
    MEASURE = "measure"
    TASK = "task"
    ON_TIME = "on_time"
    COMPLETE = "complete"
    UNSCORED = "unscored"  # a measure reported and not scored (Unscored): 0 points, never scaled
    SCALE = "scale"  # what the lines above earned, scaled to the scheme's whole (Scheme.score_out_of)
    BONUS = "bonus"
    DEDUCTION = "deduction"
    BONUS_CAP = "bonus_cap"  # bonuses over the scheme's most (Scheme.bonus_max), taken off


# The lines a scheme's whole scales: what the unit was asked for, not the secretariat's adjustments.
SCALED = (LineKind.MEASURE, LineKind.TASK, LineKind.ON_TIME, LineKind.COMPLETE)


WORDS = {
    LineKind.ON_TIME: pgettext_lazy("score line", "%(quarter)s report on time"),
    LineKind.COMPLETE: pgettext_lazy("score line", "%(quarter)s report complete"),
    LineKind.BONUS: pgettext_lazy("score line", "Bonus"),
    LineKind.DEDUCTION: pgettext_lazy("score line", "Deduction"),
    "yes": pgettext_lazy("score line", "Yes"),
    "late": pgettext_lazy("score line", "Late"),
    "not_sent": pgettext_lazy("score line", "Not sent"),
    "missing": pgettext_lazy("score line", "Lacks: %(codes)s"),
    "not_assessed": pgettext_lazy("score line", "Not assessed"),
    "no_year_figure": pgettext_lazy("score line", "no full-year figure"),
    "none_when_closed": pgettext_lazy("score line", "no full-year figure was approved before the year was closed"),
    "scored_as": pgettext_lazy("score line", "provisional, scored as %(outcome)s"),
    "assessed_in": pgettext_lazy("score line", "As assessed in the %(quarter)s report"),
    "no_pledge": pgettext_lazy("score line", "No pledge"),
    "no_pledge_note": pgettext_lazy("score line", "The unit reports this measure and no emulation pledge was entered for it: "
                                                  "it earns no points."),
    "in_words": pgettext_lazy("score line", "Assessed in words"),
    "in_words_note": pgettext_lazy("score line", "The scheme gives points to pledged figures and to tasks: a measure assessed "
                                                 "in words earns none."),
    LineKind.SCALE: pgettext_lazy("score line", "Scaled to %(out_of)s points"),
    LineKind.BONUS_CAP: pgettext_lazy("score line", "Bonuses over the most of %(most)s"),
    "capped": pgettext_lazy("score line", "bonuses of %(total)s points, of which the scheme counts %(most)s"),
    "scaled": pgettext_lazy("score line", "%(earned)s of the %(most)s points the lines above could earn = %(scaled)s of %(out_of)s"),
}


@dataclass(frozen=True)
class Line:
    """One line of a unit's explanation: which item, which verdict, how many points."""

    kind: LineKind
    item: str  # measure or task code, quarter number, or the bonus/deduction's reason
    label_vi: str
    label_en: str
    verdict_vi: str
    verdict_en: str
    points: Decimal
    note_vi: str = ""
    note_en: str = ""
    # Counted by a scheme's whole (Scheme.score_out_of): not a yearly figure still awaited during the
    # year, which no unit can have yet (it would count against every unit that reports it).
    scaled: bool = True

    def label(self, lang: str) -> str:
        return self.label_en if language(lang) == "en" else self.label_vi

    def verdict(self, lang: str) -> str:
        return self.verdict_en if language(lang) == "en" else self.verdict_vi

    def note(self, lang: str) -> str:
        return self.note_en if language(lang) == "en" else self.note_vi


class Bar(StrEnum):
    """Why a unit cannot be proposed for the flag."""

    KEY_MEASURE_NOT_MET = "key_measure_not_met"
    KEY_MEASURE_BEHIND = "key_measure_behind"  # during the year: "not met" is said of a year figure only
    KEY_MEASURE_NO_FIGURE = "key_measure_no_figure"  # at year end: not shown to be met
    KEY_MEASURE_NOT_REPORTED = "key_measure_not_reported"  # during the year: its figure was due and is missing
    KEY_MEASURE_NOT_PLEDGED = "key_measure_not_pledged"  # it reports the key measure and signed no pledge for it
    # During the year the same, provisional: the pledge may still be entered (as BEHIND is to NOT_MET).
    KEY_MEASURE_NOT_PLEDGED_YET = "key_measure_not_pledged_yet"
    NOT_REGISTERED = "not_registered"
    BELOW_MIN_SCORE = "below_min_score"
    BARRING_DEDUCTION = "barring_deduction"
    PART_YEAR = "part_year"
    LEFT_BLOC = "left_bloc"
    NO_REPORT = "no_report"
    NO_YEAR_END_REPORT = "no_year_end_report"
    NOTHING_TO_SCORE = "nothing_to_score"
    NOTHING_PLEDGED = "nothing_pledged"
    INACTIVE = "inactive"


# What keeps a unit out of its bloc's ranking (listed after the ranked units, scoring.rank): its
# quarters in the bloc ended, the programme gave it nothing to be scored on, or it was
# deactivated (merged away) after reporting in the year: listed with what it earned, never
# proposed, and never silently gone from the bloc it took part in.
UNRANKED = (Bar.LEFT_BLOC, Bar.NOTHING_TO_SCORE, Bar.NOTHING_PLEDGED, Bar.INACTIVE)


BAR_LABELS = {
    Bar.KEY_MEASURE_NOT_MET: pgettext_lazy("flag condition", "Key measure %(detail)s not met"),
    Bar.KEY_MEASURE_BEHIND: pgettext_lazy("flag condition", "Key measure %(detail)s behind its pace (provisional)"),
    Bar.KEY_MEASURE_NO_FIGURE: pgettext_lazy("flag condition", "Key measure %(detail)s has no year figure"),
    Bar.KEY_MEASURE_NOT_REPORTED: pgettext_lazy("flag condition", "Key measure %(detail)s: no figure for the period (provisional)"),
    Bar.KEY_MEASURE_NOT_PLEDGED: pgettext_lazy("flag condition", "No emulation pledge for key measure %(detail)s"),
    Bar.KEY_MEASURE_NOT_PLEDGED_YET: pgettext_lazy("flag condition", "No emulation pledge for key measure %(detail)s (provisional)"),
    Bar.NOT_REGISTERED: pgettext_lazy("flag condition", "Not registered for “%(detail)s”"),
    Bar.BELOW_MIN_SCORE: pgettext_lazy("flag condition", "Score under the minimum of %(detail)s"),
    Bar.BARRING_DEDUCTION: pgettext_lazy("flag condition", "Deduction for a fault: %(detail)s"),
    Bar.PART_YEAR: pgettext_lazy("flag condition", "In the bloc only from %(detail)s, not the whole year"),
    Bar.LEFT_BLOC: pgettext_lazy("flag condition", "Left the bloc after %(detail)s"),
    Bar.NO_REPORT: pgettext_lazy("flag condition", "No report sent for the period"),
    Bar.NO_YEAR_END_REPORT: pgettext_lazy("flag condition", "The fourth-quarter (full-year) report was not sent"),
    Bar.NOTHING_TO_SCORE: pgettext_lazy("flag condition", "No measure, pledge or task of the programme is assigned to the unit: nothing to score"),
    Bar.NOTHING_PLEDGED: pgettext_lazy("flag condition", "No pledge or task of the programme to be scored out of the whole "
                                                         "on: its reports alone would give it full marks"),
    Bar.INACTIVE: pgettext_lazy("flag condition", "The unit was deactivated: listed with what it earned, not ranked"),
}


# A key measure behind during the year, by its status: "Key measure 3 at risk (provisional)".
KEY_MEASURE_AT_STATUS = pgettext_lazy("flag condition", "Key measure %(detail)s %(status)s (provisional)")


@dataclass(frozen=True)
class Barring:
    reason: Bar
    detail: str = ""
    detail_en: str = ""  # where the detail is words (a title's name), in English
    # A key measure behind during the year: its in-year status (progress.Status), named in the words
    # the dashboards give it (progress.status_label): "at risk" is not said "behind".
    status: str = ""

    def text(self, lang: str) -> str:
        lang = language(lang)
        if self.reason is Bar.KEY_MEASURE_BEHIND and self.status:
            return words(KEY_MEASURE_AT_STATUS, lang, detail=self.detail, status=status_label(self.status, lang).lower())
        if self.reason is Bar.BELOW_MIN_SCORE:
            detail = points_text(Decimal(self.detail), lang)
        elif self.reason in (Bar.PART_YEAR, Bar.LEFT_BLOC):
            detail = quarter_label(int(self.detail), lang)
        else:
            detail = self.detail_en if lang == "en" and self.detail_en else self.detail
        return words(BAR_LABELS[self.reason], lang, detail=detail)


@dataclass(frozen=True)
class UnitScore:
    code: str
    name: str
    lines: tuple[Line, ...]
    bars: tuple[Barring, ...]
    rank: int | None = None  # None: not ranked (unranked_because)
    name_en: str = ""
    pledges: tuple[MeasureResult, ...] = ()  # the pledged measures as judged, numbers included

    def label(self, lang: str) -> str:
        return self.name_en if language(lang) == "en" and self.name_en else self.name

    @property
    def score(self) -> Decimal:
        """The sum of the lines: by construction, the explanation adds up to the score."""
        return sum((line.points for line in self.lines), ZERO)

    @property
    def ranked(self) -> bool:
        return self.rank is not None

    @property
    def unranked_because(self) -> Barring | None:
        """What keeps it out of the bloc's ranking (UNRANKED), said where its rank would be."""
        return next((b for b in self.bars if b.reason in UNRANKED), None)

    @property
    def shown_places(self) -> int | None:
        """The decimals its score is shown with: out of a whole, two, as the scaling rounds it (83,20
        beside 78,04, never 83,2); as a sum, None: those it has (75, 12,5)."""
        return 2 if any(line.kind is LineKind.SCALE for line in self.lines) else None

    def score_text(self, lang: str) -> str:
        """Its score as every page, workbook and drafted proposal writes it (shown_places)."""
        return shown_points(self.score, self.shown_places, lang)

    @property
    def has_total(self) -> bool:
        """Whether a total is shown beside its place: not for a unit given nothing (or no pledge or task)
        to score, whose points (a bonus, its reports alone) are no score of the programme; its lines
        still say them."""
        return not (self.unranked_because is not None and self.unranked_because.reason in (Bar.NOTHING_TO_SCORE, Bar.NOTHING_PLEDGED))

    @property
    def eligible_for_flag(self) -> bool:
        return self.ranked and not self.bars

    @property
    def nothing_to_commend(self) -> bool:
        """It sent none of its reports, or the programme gave it nothing (no pledge or task) to be scored on."""
        return any(b.reason in (Bar.NO_REPORT, Bar.NOTHING_TO_SCORE, Bar.NOTHING_PLEDGED) for b in self.bars)


@dataclass(frozen=True)
class BlocRanking:
    code: str
    name: str
    units: tuple[UnitScore, ...]  # ranked units by rank (then code), then the unranked
    final: bool
    name_en: str = ""

    def label(self, lang: str) -> str:
        return self.name_en if language(lang) == "en" and self.name_en else self.name

    def unit(self, code: str) -> UnitScore | None:
        return next((u for u in self.units if u.code == code), None)

    @property
    def ranked_count(self) -> int:
        """How many units the bloc ranks ("rank N of M"): not those listed unranked (UnitScore.unranked_because)."""
        return sum(1 for u in self.units if u.ranked)


# --- scoring -------------------------------------------------------------------------------------


def points_text(points: Decimal, lang: str) -> str:
    shown = points.normalize()
    return format_number(points, max(0, -shown.as_tuple().exponent), lang)


def shown_points(points: Decimal, places: int | None, lang: str) -> str:
    """A score with `places` decimals (UnitScore.shown_places), or those it has where None."""
    return points_text(points, lang) if places is None else format_number(points, places, lang)


def _measure_verdict(status: Status, outcome: Outcome, final: bool, in_year: bool, lang: str) -> str:
    """The verdict's words, saying what it stands for when it is not a year figure's own verdict.
    During the year the in-year status is the verdict, and the points level it earns is named
    after it: "met" and "not met" are said of a year figure only (DESIGN.md)."""
    text = words(OUTCOME_LABELS[outcome], lang)
    # A final ranking's full year without its figure is "no data" for good (progress.final_year),
    # with the in-year figures it lacked the year's for (`in_year`): said as without the year figure.
    if (status in YEAR_END or status is Status.NO_DATA) and not (final and in_year):
        return text
    if final:
        # Without the year's figure, for good (a yearly figure awaited too: once the year is closed
        # none can come; "awaited" would say one will): said once, not "no figure (no year figure)".
        return capfirst(words(WORDS["no_year_figure"], lang))
    if status is Status.AWAITED:
        return f"{text} ({status_label(status, lang).lower()})"
    return f"{status_label(status, lang)} ({words(WORDS['scored_as'], lang, outcome=text.lower())})"


def as_ranked(m: MeasureResult, *, final: bool) -> MeasureResult:
    """The pledged measure in the words of the ranking it is in. A final ranking is judged once
    the year is closed, when nothing more can be entered: a yearly figure still awaited then
    ("published yearly, expected February 2025") will never count, so its explanation says there
    is no full-year figure, as its verdict and its flag condition do (outcome_of). A provisional
    ranking keeps "awaited"."""
    if not final or Status(m.status) is not Status.AWAITED:
        return m
    vi, en = (f"{period_label(4, lang)}: {words(WORDS['none_when_closed'], lang)}" for lang in ("vi", "en"))
    return dataclasses.replace(m, explanation_vi=vi, explanation_en=en)


def score_unit(unit: UnitInput, scheme: Scheme, *, final: bool = False, period_quarter: int = 4) -> UnitScore:
    """The unit's explanation lines and the conditions that bar it from the flag (no rank yet).

    `final`: the year is closed, only year figures' verdicts count. `period_quarter` is the last
    quarter the ranking covers: a unit whose last quarter in the bloc is before it has left the bloc.
    """
    lines: list[Line] = []
    bars: list[Barring] = []
    measures = tuple(as_ranked(m, final=final) for m in unit.measures)
    for m in measures:
        status = Status(m.status)
        outcome = outcome_of(status, final=final, in_year=m.in_year)
        verdict_vi, verdict_en = (_measure_verdict(status, outcome, final, m.in_year, lang) for lang in ("vi", "en"))
        lines.append(Line(LineKind.MEASURE, m.code, m.label_vi, m.label_en, verdict_vi, verdict_en,
                          scheme.measure_points[outcome], m.explanation_vi, m.explanation_en,
                          scaled=final or status is not Status.AWAITED))
        if m.code in scheme.key_measures and outcome is Outcome.NOT_MET:
            if status in YEAR_END and not m.in_year:
                bars.append(Barring(Bar.KEY_MEASURE_NOT_MET, m.code))
            else:  # named by its status, as the dashboards name it
                bars.append(Barring(Bar.KEY_MEASURE_BEHIND, m.code, status=status.value))
        elif m.code in scheme.key_measures and outcome is Outcome.NO_FIGURE and final:
            # The flag goes to a unit that meets the conditions: a key measure it never reported
            # for the year is not one it met.
            bars.append(Barring(Bar.KEY_MEASURE_NO_FIGURE, m.code))
        elif m.code in scheme.key_measures and status is Status.NO_DATA:
            # During the year too: a figure that was due for the period judged and was not sent
            # is not a key measure on track. Else a unit that kept its lagging figure to itself
            # would stand eligible where one that sent it honestly is barred. A yearly figure not
            # yet published (awaited) is not due: it bars nothing.
            bars.append(Barring(Bar.KEY_MEASURE_NOT_REPORTED, m.code))
    for u in unit.unscored:
        verdict, note = ("in_words", "in_words_note") if u.in_words else ("no_pledge", "no_pledge_note")
        lines.append(Line(LineKind.UNSCORED, u.code, u.label_vi, u.label_en, words(WORDS[verdict], "vi"), words(WORDS[verdict], "en"),
                          ZERO, words(WORDS[note], "vi"), words(WORDS[note], "en")))
    # Key measures are judged against the unit's own pledge: one it reports and never pledged
    # (none signed, or not yet entered) cannot be judged at all, so it is not a condition met.
    # Else a unit would stand eligible until its pledge is entered, and the one that signed an
    # ambitious pledge and fell short would be barred where the one that signed none is not.
    # During the year as at its end; a key measure the unit does not report bars nothing.
    pledged = {m.code for m in unit.measures}
    for code in sorted(scheme.key_measures & unit.assigned - pledged,
                       key=lambda c: (int("".join(ch for ch in c if ch.isdigit()) or 0), c)):  # 3 before 11
        bars.append(Barring(Bar.KEY_MEASURE_NOT_PLEDGED if final else Bar.KEY_MEASURE_NOT_PLEDGED_YET, code))
    for t in unit.tasks:
        if t.verdict is None:
            verdict_vi, verdict_en, points = words(WORDS["not_assessed"], "vi"), words(WORDS["not_assessed"], "en"), ZERO
        else:
            verdict = Verdict(t.verdict)
            verdict_vi, verdict_en = verdict_label(verdict, "vi"), verdict_label(verdict, "en")
            points = scheme.task_points[verdict]
        # Which report the assessment is from, where earlier than the period judged: a year's
        # "completed well" from a unit that reported nothing after June is said to be June's.
        notes = [words(WORDS["assessed_in"], lang, quarter=quarter_label(t.quarter, lang))
                 if t.quarter is not None and t.quarter < period_quarter else "" for lang in ("vi", "en")]
        lines.append(Line(LineKind.TASK, t.code, t.label_vi, t.label_en, verdict_vi, verdict_en, points, *notes))
    for r in sorted(unit.reports, key=lambda r: r.quarter):
        if r.quarter < unit.joined_quarter:
            continue  # reports before joining belong to the unit's former bloc
        both = [("vi", quarter_label(r.quarter, "vi")), ("en", quarter_label(r.quarter, "en"))]
        sent = "yes" if r.sent and r.on_time else "late" if r.sent else "not_sent"
        lines.append(Line(LineKind.ON_TIME, str(r.quarter), *(words(WORDS[LineKind.ON_TIME], lang, quarter=q) for lang, q in both),
                          *(words(WORDS[sent], lang) for lang, _q in both),
                          scheme.on_time_points if r.sent and r.on_time else ZERO))
        if r.complete:
            done = [words(WORDS["yes"], lang) for lang, _q in both]
        elif not r.sent:
            done = [words(WORDS["not_sent"], lang) for lang, _q in both]
        else:
            done = [words(WORDS["missing"], lang, codes=", ".join(r.missing)) for lang, _q in both]
        lines.append(Line(LineKind.COMPLETE, str(r.quarter), *(words(WORDS[LineKind.COMPLETE], lang, quarter=q) for lang, q in both),
                          *done, scheme.complete_points if r.complete else ZERO))
    if scheme.score_out_of is not None and any(line.kind in SCALED and line.scaled for line in lines):
        lines.append(_scale_line(lines, scheme))
    for a in unit.adjustments:
        kind = LineKind.BONUS if a.points >= 0 else LineKind.DEDUCTION
        lines.append(Line(kind, a.reason, words(WORDS[kind], "vi"), words(WORDS[kind], "en"), a.reason, a.reason, Decimal(a.points),
                          a.evidence, a.evidence))
        if a.bars_flag:
            bars.append(Barring(Bar.BARRING_DEDUCTION, a.reason))
    bonuses = sum((a.points for a in unit.adjustments if a.points > 0), ZERO)
    if scheme.bonus_max is not None and bonuses > scheme.bonus_max:
        # Entered before the limit was set (the page refuses more): counted up to it, said in one line.
        lines.append(Line(LineKind.BONUS_CAP, str(scheme.bonus_max),
                          *(words(WORDS[LineKind.BONUS_CAP], lang, most=points_text(scheme.bonus_max, lang)) for lang in ("vi", "en")),
                          *(words(WORDS["capped"], lang, total=points_text(bonuses, lang), most=points_text(scheme.bonus_max, lang))
                            for lang in ("vi", "en")), scheme.bonus_max - bonuses))
    score = sum((line.points for line in lines), ZERO)
    if scheme.flag_title is not None and scheme.flag_title not in unit.registered:
        title = scheme.title(scheme.flag_title)
        bars.append(Barring(Bar.NOT_REGISTERED, title.name if title else scheme.flag_title, title.label("en") if title else ""))
    if scheme.flag_min_score is not None and score < scheme.flag_min_score:
        bars.append(Barring(Bar.BELOW_MIN_SCORE, str(scheme.flag_min_score)))
    if scheme.flag_requires_full_year and unit.joined_quarter > 1:
        bars.append(Barring(Bar.PART_YEAR, str(unit.joined_quarter)))
    if unit.left_quarter is not None and unit.left_quarter < period_quarter:
        bars.append(Barring(Bar.LEFT_BLOC, str(unit.left_quarter)))
    owed = [r for r in unit.reports if r.quarter >= unit.joined_quarter]
    if owed and not any(r.sent for r in owed):
        bars.append(Barring(Bar.NO_REPORT))
    elif period_quarter == 4 and any(r.quarter == 4 and not r.sent for r in owed):
        # The year's ranking with the year's own report missing, once it was due: the flag is not
        # proposed on three quarters' words (a certificate may still be: it bars the flag only).
        bars.append(Barring(Bar.NO_YEAR_END_REPORT))
    if not unit.owes_reports and not unit.measures:
        # A bloc member left out of the programme's assignments (a set-up gap, or a unit the
        # programme does not concern) would otherwise stand "eligible" on its adjustments alone.
        bars.append(Barring(Bar.NOTHING_TO_SCORE))
    elif scheme.score_out_of is not None and not unit.measures and not unit.tasks:
        # Scored out of a whole on its pledges and tasks, a unit with neither would be scored on its
        # reports alone: sent on time and complete, full marks, first of a bloc that worked all year.
        bars.append(Barring(Bar.NOTHING_PLEDGED))
    if not unit.active:
        bars.append(Barring(Bar.INACTIVE))
    return UnitScore(code=unit.code, name=unit.name, name_en=unit.name_en, lines=tuple(lines), bars=tuple(bars),
                     pledges=measures)


def _scale_line(lines: list[Line], scheme: Scheme) -> Line:
    """The line that scales what `lines` earned to the scheme's whole: its points are the scaled
    score less what the lines earned, so that every line still adds up to the score."""
    scaled_lines = [line for line in lines if line.kind in SCALED and line.scaled]
    earned = sum((line.points for line in scaled_lines), ZERO)
    most = sum((scheme.most(line.kind) for line in scaled_lines), ZERO)
    out_of = scheme.score_out_of
    scaled = (earned * out_of / most).quantize(Decimal("0.01"), ROUND_HALF_UP) if most > 0 else ZERO
    said = {lang: words(WORDS["scaled"], lang, earned=points_text(earned, lang), most=points_text(most, lang),
                        scaled=points_text(scaled, lang), out_of=points_text(out_of, lang)) for lang in ("vi", "en")}
    return Line(LineKind.SCALE, str(out_of), *(words(WORDS[LineKind.SCALE], lang, out_of=points_text(out_of, lang)) for lang in ("vi", "en")),
                said["vi"], said["en"], scaled - earned)


def rank(scores: Iterable[UnitScore]) -> tuple[UnitScore, ...]:
    """Competition ranking: equal scores share a rank and the next rank is skipped (1, 1, 3).

    Units that left the bloc, and units given nothing to be scored on, are kept, unranked, after
    the ranked ones: a bonus alone (a flag of a ministry) would else put a unit the programme does
    not concern first of a bloc whose members worked all year."""
    scores = list(scores)
    unranked = [s for s in scores if s.unranked_because is not None]
    ranked = sorted((s for s in scores if s not in unranked), key=lambda s: (-s.score, s.code))
    result = []
    for s in ranked:
        position = 1 + sum(1 for other in ranked if other.score > s.score)
        result.append(dataclasses.replace(s, rank=position))
    return (*result, *(dataclasses.replace(s, rank=None) for s in sorted(unranked, key=lambda s: s.code)))


# --- proposals -------------------------------------------------------------------------------------


class ProposalKind(StrEnum):
    FLAG = "flag"
    CERTIFICATE = "certificate"


@dataclass(frozen=True)
class DraftProposal:
    unit: str
    kind: ProposalKind
    rank: int
    score: Decimal
    reason_vi: str
    reason_en: str


class NotFinal(Exception):
    """Proposals are drafted from a final ranking only."""


def draft_proposals(ranking: BlocRanking, scheme: Scheme, withdrawn: Iterable[tuple[str, str]] = ()) -> list[DraftProposal]:
    """The bloc's proposals by its final ranking. `withdrawn`: (unit code, kind) of proposals the
    secretariat withdrew. A withdrawn proposal holds no place: its unit is never proposed again for
    that title, and the title goes to the next unit by the same rule. A unit whose flag was
    withdrawn keeps the flag's place for the certificates (they stay where they were drafted; the
    flag's withdrawal does not make it a certificate of its own)."""
    if not ranking.final:
        raise NotFinal("Proposals are drafted from the final ranking, once the year is closed.")
    ranked = [u for u in ranking.units if u.ranked]
    proposals: list[DraftProposal] = []
    withdrawn = set(withdrawn)
    withdrawn_flag = {code for code, kind in withdrawn if kind == ProposalKind.FLAG}
    withdrawn_certificate = {code for code, kind in withdrawn if kind == ProposalKind.CERTIFICATE}
    eligible = [u for u in ranked if u.eligible_for_flag and u.code not in withdrawn_flag]
    flagged: set[str] = {u.code for u in ranked if u.code in withdrawn_flag}
    # Proposed instead of a withdrawn flag: the council is told whose.
    instead = [u for u in ranked if u.code in withdrawn_flag]
    instead_vi = f"; thay đề nghị đã rút của {', '.join(u.name for u in instead)}" if instead else ""
    instead_en = f"; instead of the withdrawn proposal of {', '.join(u.label('en') for u in instead)}" if instead else ""
    if eligible:
        best = eligible[0].rank
        leaders = [u for u in eligible if u.rank == best]
        tie_vi = f"; đồng hạng với {len(leaders) - 1} đơn vị khác, Hội đồng quyết định" if len(leaders) > 1 else ""
        tie_en = f"; tied with {len(leaders) - 1} other unit(s), the council decides" if len(leaders) > 1 else ""
        # Units of the same rank that a condition bars: the council is told the rank is shared.
        if barred := [u for u in ranked if u.rank == best and not u.eligible_for_flag]:
            tie_vi += f"; cùng hạng {best} có {len(barred)} đơn vị không đủ điều kiện ({', '.join(u.name for u in barred)})"
            tie_en += f"; {len(barred)} unit(s) of the same rank not eligible ({', '.join(u.label('en') for u in barred)})"
        for u in leaders:
            flagged.add(u.code)
            points_vi, points_en = u.score_text("vi"), u.score_text("en")
            proposals.append(DraftProposal(
                u.code, ProposalKind.FLAG, u.rank, u.score,
                f"Dẫn đầu khối trong các đơn vị đủ điều kiện: hạng {u.rank}, {points_vi} điểm{tie_vi}{instead_vi}",
                f"Leads the bloc among the eligible units: rank {u.rank}, {points_en} points{tie_en}{instead_en}",
            ))
    # A unit that sent none of its reports, or had nothing to be scored on, has shown nothing to
    # commend, whatever its rank: in a bloc where nobody reported, every unit shares the first rank at no points.
    rest = [u for u in ranked if u.code not in flagged and u.code not in withdrawn_certificate and not u.nothing_to_commend]
    # A certificate drafted once another was withdrawn says whose place it takes (only new drafts
    # carry it: those drafted before keep their reason).
    gave_way = [u for u in ranked if u.code in withdrawn_certificate]
    instead_vi = f"; thay đề nghị đã rút của {', '.join(u.name for u in gave_way)}" if gave_way else ""
    instead_en = f"; instead of the withdrawn proposal of {', '.join(u.label('en') for u in gave_way)}" if gave_way else ""
    if scheme.certificates and rest:
        # Units tied with the last one allowed are all proposed: no arbitrary cut between equals.
        cutoff = rest[min(scheme.certificates, len(rest)) - 1].rank
        for u in rest:
            if u.rank > cutoff:
                break
            points_vi, points_en = u.score_text("vi"), u.score_text("en")
            # What bars it from the flag is said to the council with the proposal (e.g. the year's
            # own report never sent): a certificate is proposed on its rank, not on a clean record.
            barred_vi = f"; không đủ điều kiện đề nghị Cờ thi đua: {'; '.join(b.text('vi') for b in u.bars)}" if u.bars else ""
            barred_en = f"; not eligible for the flag: {'; '.join(b.text('en') for b in u.bars)}" if u.bars else ""
            proposals.append(DraftProposal(u.code, ProposalKind.CERTIFICATE, u.rank, u.score,
                                           f"Hạng {u.rank} của khối, {points_vi} điểm{barred_vi}{instead_vi}",
                                           f"Rank {u.rank} in the bloc, {points_en} points{barred_en}{instead_en}"))
    return proposals


@dataclass(frozen=True)
class Ranking:
    """Every bloc's ranking of one campaign, provisional or final."""

    year: int
    final: bool
    quarter: int  # the period the figures cover (4 when final)
    blocs: tuple[BlocRanking, ...] = field(default_factory=tuple)
    reported: bool = True  # False while no unit has sent a report of the year

    def to_data(self) -> dict:
        """The ranking as JSON: points as exact text, so it reads back the same (from_data)."""
        return _to_data(self)

    @classmethod
    def from_data(cls, data: Mapping) -> Ranking:
        return _from_data(cls, data)

    def of_unit(self, code: str) -> tuple[BlocRanking, UnitScore] | None:
        """The unit's place: where it is ranked, else (it left its bloc) where it is listed."""
        found = [(bloc, score) for bloc in self.blocs if (score := bloc.unit(code)) is not None]
        return next((f for f in found if f[1].ranked), next(iter(found), None))


def _to_data(value):
    if dataclasses.is_dataclass(value):
        return {f.name: _to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple):
        return [_to_data(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value  # str (the enums included), int, bool, None


# A kept ranking is read back on every ranking page; resolving the dataclasses' hints (strings, as
# `from __future__ import annotations` leaves them) each time was most of that reading.
_hints = functools.cache(typing.get_type_hints)


def _from_data(kind, data):
    """`data` as a `kind`, led by the dataclasses' type hints (the inverse of _to_data)."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):  # "X | None"
        if data is None:
            return None
        kind = next(k for k in typing.get_args(kind) if k is not type(None))
    if typing.get_origin(kind) is tuple:
        return tuple(_from_data(typing.get_args(kind)[0], v) for v in data)
    if dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        # A field added since the ranking was kept takes its default.
        return kind(**{f.name: _from_data(hints[f.name], data[f.name]) for f in dataclasses.fields(kind) if f.name in data})
    return kind(data)  # Decimal from its text, the enums from their values, str, int, bool
