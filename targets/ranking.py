"""The emulation ranking of a campaign, read from the database and handed to the scoring engine.

One read path for the ranking page, the unit page, the API and the workbook, so they cannot
disagree. Queries are per kind of row (pledges, figures, task reports, reports, bonuses and
deductions, registrations), never per unit. The rules themselves are in targets.scoring.

A ranking is provisional until an admin closes the year (ScoringScheme.ranking_final_at):
until then it judges the submitted and approved figures of the latest quarter that has any.
Closing the year judges the approved figures of the whole year and keeps the result
(ScoringScheme.final_ranking): the final ranking is read from there, so a figure corrected, a
pledge or the scheme's points edited afterwards, in the admin or by any other way, cannot move
a ranking the council has been given.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from targets import exports, progress, scoring, timeliness, versions
from targets.language import language
from targets.models import (
    BlocMembership,
    Campaign,
    EmulationBloc,
    Figure,
    Measure,
    MeasureAssignment,
    Pledge,
    Registration,
    ScoreAdjustment,
    ScoringScheme,
    Submission,
    Task,
    TaskReport,
    Unit,
    takes_part,
)
from targets.numbers import format_exact
from targets.overview import collect, final_year_of, judged_on, owes_reports, state_shown, submission_status


class NoScheme(Exception):
    """The campaign has no scoring scheme yet."""


@dataclass
class PledgeProgress:
    pledge: Pledge
    progress: progress.Progress
    state: str | None = None  # of the reports its figure stands on (overview.state_shown): "(*)" unless approved


def annual_measures(campaign: Campaign) -> frozenset[str]:
    """The scheme's measures published once a year (none without a scheme): a report before the
    fourth quarter is complete without them (scoring.expected_in_report)."""
    record = ScoringScheme.objects.filter(campaign=campaign).first()
    return record.scheme().annual_measures if record else frozenset()


def scheme_record(campaign: Campaign) -> ScoringScheme:
    record = ScoringScheme.objects.filter(campaign=campaign).select_related("ranking_final_by").first()
    if record is None:
        raise NoScheme(_("The %(year)s programme has no scoring scheme.") % {"year": campaign.year})
    return record


def period_of(campaign: Campaign, final: bool) -> tuple[int | None, tuple[str, ...]]:
    """(quarter, submission states) the ranking judges; during the year the quarter is None
    while no report has been sent."""
    if final:
        return 4, (Submission.State.APPROVED,)
    latest = (Submission.objects.filter(campaign=campaign, state__in=Submission.VISIBLE_STATES)
              .order_by("-quarter").values_list("quarter", flat=True).first())
    return latest, Submission.VISIBLE_STATES


@dataclass
class Reported:
    """What the progress engine needs of one unit's figures for one measure (see overview.collect)."""

    values: dict = field(default_factory=dict)
    verdicts: dict = field(default_factory=dict)
    cumulative: dict = field(default_factory=dict)
    estimates: set = field(default_factory=set)
    states: dict = field(default_factory=dict)  # quarter → the state of the report holding its figure

    def evaluate(self, spec: progress.MeasureSpec, quarter: int, *, today: datetime.date) -> progress.Progress:
        return progress.evaluate(spec, quarter, self.values, self.verdicts, self.cumulative, self.estimates, today=today)


def _figures(campaign: Campaign, quarter: int, states, units) -> tuple[dict, dict]:
    """(unit id, measure id) → Reported, and (unit id, quarter) → measure codes reported."""
    figures: dict[tuple[int, int], Reported] = defaultdict(Reported)
    reported: dict[tuple[int, int], set[str]] = defaultdict(set)
    rows = (Figure.objects.filter(submission__campaign=campaign, submission__quarter__lte=quarter, submission__state__in=states,
                                  submission__unit__in=units)
            .select_related("submission", "measure").only("measure_id", "measure__code", "value", "cumulative", "verdict", "kind",
                                                          "submission__unit_id", "submission__quarter", "submission__state"))
    for f in rows:
        r = figures[(f.submission.unit_id, f.measure_id)]
        collect(f, f.submission.quarter, r.values, r.verdicts, r.cumulative, r.estimates)
        r.states[f.submission.quarter] = f.submission.state
        reported[(f.submission.unit_id, f.submission.quarter)].add(f.measure.code)
    return figures, reported


def pledge_progress(campaign: Campaign, units, quarter: int, states, figures=None, *, final: bool = False) -> dict[int, list[PledgeProgress]]:
    """unit id → each of its pledges with the unit's own figures judged against it; a closed year's
    full year as it stands for good (progress.final_year), as its final ranking scores it.

    `final`: judged for a final ranking, the year as closed, whether it is yet or not: close_year
    judges the ranking it keeps before the close is recorded, and close_readiness as closing would.
    Else a full year that carries an in-year status for want of its figure would keep it ("9 tháng:
    … → đúng tiến độ") in the explanation of a verdict it does not decide. A yearly figure awaited
    stays so here: scoring.as_ranked says it in the final ranking's words."""
    units = list(units)
    # A full year without its figure is so for good (progress.final_year), said as closed: in-year
    # figures only, or none at all past its publication month; a yearly figure still awaited stays so
    # here (scoring.as_ranked words it for the final ranking).
    closed = ((lambda p: progress.final_year(p, True) if p.in_year is not None or p.status is progress.Status.NO_DATA else p)
              if final else final_year_of(campaign))
    # Judged on the day the overview is (judged_on): a yearly figure past its publication month is
    # "no data" here as on the unit page and in the report, not still awaited. The cached ranking
    # is kept by the day (pagecache.get_or_build), as the pages are.
    today = judged_on()
    if figures is None:
        figures, _reported = _figures(campaign, quarter, states, units)
    result: dict[int, list[PledgeProgress]] = defaultdict(list)
    # A measure assessed in words has no figure to judge a pledge by (scoring.pledge_spec): such a
    # pledge is refused on entry (Pledge.rule_problems), and one from before is left out, not a crash.
    pledges = (Pledge.objects.filter(measure__campaign=campaign, unit__in=units)
               .exclude(measure__comparison=Measure.Comparison.QUALITATIVE)
               .select_related("measure__indicator", "measure__campaign", "unit").order_by("unit_id", "measure__order"))
    for pledge in pledges:
        reported = figures.get((pledge.unit_id, pledge.measure_id), Reported())
        own = closed(reported.evaluate(pledge.spec(), quarter, today=today))
        result[pledge.unit_id].append(PledgeProgress(pledge, own, state_shown(own, reported.states)))
    return result


def members(campaign: Campaign) -> dict[int, list[tuple[Unit, int, int | None]]]:
    """bloc id → (unit, first quarter, last quarter if it left) for every unit of the year: those
    active, and those deactivated since they reported in it (listed, not ranked: scoring.Bar.INACTIVE)."""
    result: dict[int, list] = defaultdict(list)
    explicit = list(BlocMembership.objects.filter(campaign=campaign).select_related("unit"))
    placed = {m.unit_id for m in explicit}
    for m in explicit:
        result[m.bloc_id].append((m.unit, m.from_quarter, m.to_quarter if m.to_quarter < 4 else None))
    in_the_year = takes_part(campaign.year)  # who owes the year reports too (overview.owes_reports)
    took_part = Q(is_active=True) | Q(pk__in=Submission.objects.filter(campaign=campaign).values("unit_id"))
    for unit in Unit.objects.filter(in_the_year, took_part, bloc__isnull=False).exclude(pk__in=placed):
        result[unit.bloc_id].append((unit, 1, None))
    return result


def year_blocs(campaign: Campaign, record: ScoringScheme) -> list[tuple[object, list[Unit]]]:
    """Each bloc of the year (a bloc, or the kept final ranking's) with its units, as the year's
    ranking has them: once the year is closed (`record`), as it was closed, whatever units moved since."""
    if record.final_ranking is not None:
        kept = scoring.Ranking.from_data(record.final_ranking).blocs
        units = Unit.objects.in_bulk([u.code for b in kept for u in b.units], field_name="code")
        return [(b, sorted((units[u.code] for u in b.units if u.code in units), key=lambda u: u.code)) for b in kept]
    by_bloc = members(campaign)
    blocs = EmulationBloc.objects.filter(pk__in=by_bloc).order_by("code")
    return [(bloc, sorted((unit for unit, _first, _last in by_bloc[bloc.pk]), key=lambda u: u.code)) for bloc in blocs]


def build_ranking(campaign: Campaign) -> scoring.Ranking:
    record = scheme_record(campaign)
    if record.final_ranking is not None:
        return scoring.Ranking.from_data(record.final_ranking)
    # A year closed before the ranking was kept at closing (migration 0017) is judged again.
    return judge(campaign, record)


def judge(campaign: Campaign, record: ScoringScheme, *, final: bool | None = None) -> scoring.Ranking:
    """The ranking from the figures, pledges and reports as they stand now, final if `record` is.
    `final=True` judges it as closing the year now would, without closing it (close_readiness)."""
    scheme = record.scheme()
    final = record.is_final if final is None else final
    latest, states = period_of(campaign, final)
    quarter = latest or 1
    by_bloc = members(campaign)
    units = [u for rows in by_bloc.values() for u, _f, _l in rows]
    figures, reported = _figures(campaign, quarter, states, units)
    pledges = pledge_progress(campaign, units, quarter, states, figures, final=final)
    # Every unit that owes a report is scored on it, one with tasks and no figures included.
    owing = list(Unit.objects.filter(owes_reports(campaign), pk__in={u.pk for u in units}))
    owes = {u.pk for u in owing}
    status_rows = submission_status(campaign, quarter, units=owing)
    # The period each unit is judged on: a provisional ranking's period is the latest report anyone
    # sent, and a unit whose report of it is not yet due (and not sent) is judged on the latest
    # period it owes, as short_of_the_year says ("the others are scored on their figures up to nine
    # months"). Else one unit's early report would judge every other on figures not yet due: a
    # yearly figure "no data" (scored, and barring the flag) where it is awaited. A final ranking
    # (and close_readiness, judging as closing now would) judges everyone on the year.
    own_period: dict[int, int] = {}
    if not final:
        not_due = {(row["unit"].pk, row["quarter"]) for row in status_rows if row["timeliness"] == timeliness.OPEN}
        for unit in owing:
            if (unit.pk, quarter) in not_due:
                own_period[unit.pk] = max((q for q in range(1, quarter) if (unit.pk, q) not in not_due), default=1)
        for period in set(own_period.values()):
            pledges.update(pledge_progress(campaign, [u for u in owing if own_period.get(u.pk) == period], period, states, figures))

    # Each unit's task reports by quarter: the latest one up to a quarter is the task's assessment then.
    task_reports: dict[tuple[int, int], list[TaskReport]] = defaultdict(list)
    for report in (TaskReport.objects.filter(submission__campaign=campaign, submission__quarter__lte=quarter,
                                             submission__state__in=states, submission__unit__in=units, task__theme__number__gte=2)
                   .select_related("task__theme", "submission").order_by("submission__quarter")):
        task_reports[(report.submission.unit_id, report.task_id)].append(report)
        if report.verdict:  # an assessed task, as a complete report carries it
            reported[(report.submission.unit_id, report.submission.quarter)].add(report.task.code)
    # Every active task a unit is responsible for is scored, reported or not: a task it never
    # reported on is "not assessed" (no points), not left out of its score.
    owed = {(r.unit_id, r.task_id): r.task for r in Task.responsible_units.through.objects.filter(
        task__theme__campaign=campaign, task__is_active=True, task__theme__number__gte=2, unit__in=units,
    ).select_related("task__theme")}
    answers_for: dict[int, list[str]] = defaultdict(list)  # the task codes each unit's complete report assesses
    for (unit_id, _task_id), task in sorted(owed.items(), key=lambda kv: (kv[1].theme.number, kv[1].number)):
        answers_for[unit_id].append(task.code)
    for key, rows in task_reports.items():
        owed.setdefault(key, rows[-1].task)
    scored_tasks: dict[int, list[tuple[int, Task]]] = defaultdict(list)
    for (unit_id, task_id), task in sorted(owed.items(), key=lambda kv: (kv[1].theme.number, kv[1].number)):
        scored_tasks[unit_id].append((task_id, task))

    def tasks_of(unit_id: int, until: int) -> tuple[scoring.TaskResult, ...]:
        """The unit's tasks, each with its latest assessment reported up to the quarter `until`."""
        results = []
        for task_id, task in scored_tasks.get(unit_id, []):
            report = next((r for r in reversed(task_reports.get((unit_id, task_id), [])) if r.submission.quarter <= until), None)
            results.append(scoring.TaskResult(task.code, task.title, task.title_en or task.title,
                                              progress.Verdict(report.verdict) if report and report.verdict else None,
                                              report.submission.quarter if report and report.verdict else None))
        return tuple(results)

    assigned: dict[int, set[str]] = defaultdict(set)
    # The measures each unit reports that earn it nothing, named in its explanation (scoring.Unscored).
    pledged = {(row.pledge.unit_id, row.pledge.measure_id) for rows in pledges.values() for row in rows}
    unscored: dict[int, list[scoring.Unscored]] = defaultdict(list)
    for a in (MeasureAssignment.objects.filter(measure__campaign=campaign, unit__in=units).select_related("measure")
              .order_by("measure__order", "measure__code")):
        assigned[a.unit_id].add(a.measure.code)
        in_words = a.measure.comparison == Measure.Comparison.QUALITATIVE
        if in_words or (a.unit_id, a.measure_id) not in pledged:
            m = a.measure
            unscored[a.unit_id].append(scoring.Unscored(m.code, f"{m.code}. {m.name}", f"{m.code}. {m.name_en or m.name}", in_words))
    # The key measures each unit reports and could pledge (scoring.UnitInput.assigned): one without
    # a pledge bars the flag. A measure assessed in words is never pledged (Pledge.rule_problems).
    to_pledge: dict[int, set[str]] = defaultdict(set)
    for unit_id, code in (MeasureAssignment.objects.filter(measure__campaign=campaign, measure__code__in=scheme.key_measures, unit__in=units)
                          .exclude(measure__comparison=Measure.Comparison.QUALITATIVE).values_list("unit_id", "measure__code")):
        to_pledge[unit_id].add(code)
    reports: dict[int, list[scoring.QuarterReport]] = defaultdict(list)
    for row in status_rows:
        unit_id, q = row["unit"].pk, row["quarter"]
        if row["timeliness"] == "open":
            continue  # not yet due
        sent = row["submitted_at"] is not None and row["state"] in states
        lacking = scoring.expected_in_report(assigned[unit_id], q, scheme.annual_measures, answers_for[unit_id]) - reported[(unit_id, q)]
        # Measures by number, then tasks in the programme's order.
        missing = (*sorted(lacking - set(answers_for[unit_id]), key=code_order), *(t for t in answers_for[unit_id] if t in lacking))
        reports[unit_id].append(scoring.QuarterReport(q, sent=sent, on_time=sent and row["timeliness"] == "on_time", missing=missing))

    adjustments: dict[int, list[scoring.Adjustment]] = defaultdict(list)
    for a in ScoreAdjustment.objects.filter(campaign=campaign, unit__in=units).order_by("pk"):
        adjustments[a.unit_id].append(scoring.Adjustment(a.signed_points, a.reason, a.evidence, a.bars_flag))
    registered: dict[int, set[str]] = defaultdict(set)
    for unit_id, title in Registration.objects.filter(campaign=campaign, unit__in=units).values_list("unit_id", "title"):
        registered[unit_id].add(title)

    # A unit that left a bloc before the period judged is listed there (not ranked) with what it
    # earned there only, as a unit that joined a bloc is scored there on its reports from joining:
    # its reports of its quarters in the bloc, its pledges and tasks as they stood at its last
    # quarter there (an in-year status, scored as the provisional ranking of that quarter scored
    # it), and none of the year's bonuses and deductions, which count where it is ranked. Else one
    # unit would stand in two blocs with points for the same quarters.
    changed = pledge_changes(campaign, units)
    measures_at: dict[int, dict[int, tuple[scoring.MeasureResult, ...]]] = {
        quarter: {unit_id: _noting_changes(unit_id, _measure_results(rows), changed) for unit_id, rows in pledges.items()}}
    for last in {last for rows in by_bloc.values() for _u, first, last in rows if last is not None and first <= last < quarter}:
        left = [u for rows in by_bloc.values() for u, first, until in rows if until == last and first <= last]
        measures_at[last] = {unit_id: _noting_changes(unit_id, _measure_results(rows), changed)
                             for unit_id, rows in pledge_progress(campaign, left, last, states, figures).items()}
    placed_in_period = {u.pk for rows in by_bloc.values() for u, first, last in rows
                        if first <= quarter and (last is None or last >= quarter)}

    blocs = []
    for bloc in EmulationBloc.objects.filter(pk__in=by_bloc.keys()).order_by("code"):
        scores = []
        for unit, first, last in by_bloc[bloc.pk]:
            if first > quarter:
                continue  # it joins the bloc after the period judged: not in it yet
            gone = last is not None and last < quarter
            until = last if gone else quarter
            entry = scoring.UnitInput(
                code=unit.code, name=unit.name, measures=measures_at.get(until, {}).get(unit.pk, ()),
                tasks=tasks_of(unit.pk, until if gone else own_period.get(unit.pk, quarter)),
                reports=tuple(r for r in reports.get(unit.pk, []) if r.quarter <= until),
                adjustments=() if gone and unit.pk in placed_in_period else tuple(adjustments.get(unit.pk, [])),
                registered=frozenset(registered.get(unit.pk, set())), joined_quarter=first, left_quarter=last,
                name_en=unit.name_en, owes_reports=unit.pk in owes, assigned=frozenset(to_pledge.get(unit.pk, ())),
                active=unit.is_active, unscored=tuple(unscored.get(unit.pk, ())),
            )
            score = scoring.score_unit(entry, scheme, final=final and not gone, period_quarter=quarter)
            # The pledge sheet lists each unit's progress once, over the period judged (ranking_xlsx).
            scores.append(dataclasses.replace(score, pledges=tuple(scoring.as_ranked(m, final=final)
                                                                   for m in measures_at[quarter].get(unit.pk, ()))) if gone else score)
        blocs.append(scoring.BlocRanking(code=bloc.code, name=bloc.name, name_en=bloc.name_en, final=final,
                                         units=scoring.rank(scores)))
    return scoring.Ranking(year=campaign.year, final=final, quarter=quarter, blocs=tuple(blocs), reported=latest is not None)


def _measure_results(rows: list[PledgeProgress]) -> tuple[scoring.MeasureResult, ...]:
    """A unit's pledges as the scoring engine takes them, each judged by the progress engine."""
    return tuple(
        scoring.MeasureResult(
            code=p.pledge.measure.code,
            label_vi=f"{p.pledge.measure.code}. {p.pledge.measure.name}",
            label_en=f"{p.pledge.measure.code}. {p.pledge.measure.name_en or p.pledge.measure.name}",
            status=p.progress.status,
            in_year=p.progress.in_year is not None,
            explanation_vi=p.progress.explanation("vi"),
            explanation_en=p.progress.explanation("en"),
            name_vi=p.pledge.measure.name,
            name_en=p.pledge.measure.name_en or p.pledge.measure.name,
            unit_vi=p.pledge.measure.unit,
            unit_en=p.pledge.measure.unit_en or p.pledge.measure.unit,
            places=p.pledge.measure.decimal_places,
            target=p.pledge.target,
            # A year to date with quarters missing is no year to date (the explanation says which).
            actual=None if p.progress.missing_quarters else p.progress.ytd,
            percent=None if p.progress.missing_quarters else p.progress.percent_of_plan,
            # Marked as the official report marks the same figure (the report's own rule).
            marked=(p.progress.ytd is not None or p.progress.verdict is not None) and exports.provisional(p.progress, p.state),
            covered=None if p.progress.ytd is None else exports.covered_period(p.progress),
        ) for p in rows)


PLEDGE_CHANGED = gettext_lazy("pledge changed on %(date)s, from %(was)s")


def pledge_changes(campaign: Campaign, units) -> dict[tuple[int, str], tuple[datetime.date, Decimal]]:
    """(unit id, measure code) → (the day, the target before) of the last change of each pledged
    target changed on a later day than it was entered (its history): said with the pledge's line,
    so that a pledge lowered in November is not read as the one signed in January."""
    entered: dict[int, datetime.date] = {}
    target: dict[int, Decimal] = {}
    changes = {}
    for r in (Pledge.history.filter(measure__campaign=campaign, unit__in=units).order_by("history_date", "history_id")
              .values("id", "unit_id", "measure__code", "target", "history_date", "history_type")):
        day = timezone.localdate(r["history_date"])
        if r["history_type"] == "+" or r["id"] not in target:
            entered[r["id"]], target[r["id"]] = day, r["target"]
            changes.pop((r["unit_id"], r["measure__code"]), None)  # entered anew: its history starts again
        elif r["target"] != target[r["id"]]:
            if day > entered[r["id"]]:
                changes[(r["unit_id"], r["measure__code"])] = (day, target[r["id"]])
            target[r["id"]] = r["target"]
    return changes


def _noting_changes(unit_id: int, results, changed) -> tuple[scoring.MeasureResult, ...]:
    """The results with their pledge's last change said after their explanation (pledge_changes)."""
    def said(m: scoring.MeasureResult, lang: str, day: datetime.date, was: Decimal) -> str:
        with override(lang):
            # The pledge before with every digit it had, as the explanation says the pledge now.
            text = str(PLEDGE_CHANGED) % {"date": date_format(day, "SHORT_DATE_FORMAT"),
                                          "was": f"{format_exact(was, 0, lang)} {m.unit_en if lang == 'en' else m.unit_vi}".strip()}
        return f"{getattr(m, f'explanation_{lang}')}; {text}"
    return tuple(dataclasses.replace(m, explanation_vi=said(m, "vi", *changed[unit_id, m.code]),
                                     explanation_en=said(m, "en", *changed[unit_id, m.code]))
                 if (unit_id, m.code) in changed else m for m in results)


def code_order(code: str) -> tuple[int, str]:
    digits = "".join(ch for ch in code if ch.isdigit())
    return int(digits or 0), code


def cached_ranking(campaign: Campaign) -> scoring.Ranking:
    """The ranking, cached like the overview under the data version (every table it reads moves it:
    migration 0016); a failing cache costs a build, never an error page."""
    from targets.pagecache import get_or_build

    return get_or_build(f"emulation:ranking:{campaign.pk}", lambda: build_ranking(campaign))


class CannotClose(Exception):
    pass


def closes_from(campaign: Campaign) -> datetime.date:
    """The first day the year may be closed: a final ranking is of a whole year and cannot be
    undone, so after the year and after the last deadline of its reports, when every report the
    ranking stands on is due: the fourth quarter's, and any unit's extension of any quarter (a
    district given until December for its third quarter would else be ranked without it)."""
    deadlines = list(campaign.deadlines.all())
    programme_due = next((d.due_on for d in deadlines if d.quarter == 4 and d.unit_id is None), campaign.default_deadline(4))
    last_due = max([programme_due, *(d.due_on for d in deadlines)])
    return max(datetime.date(campaign.year + 1, 1, 1), last_due + datetime.timedelta(days=1))


def year_over(campaign: Campaign) -> bool:
    return timezone.localdate() >= closes_from(campaign)


@dataclass
class FlagLoss:
    """A unit the ranking as it stands calls eligible for the flag, and that closing the year now
    would bar (close_readiness)."""

    code: str
    name: str
    reasons: list[str]  # what the final ranking would say bars it, in the active language


@dataclass
class Readiness:
    """What a final ranking would stand on if the year were closed now (close_readiness)."""

    open_from: datetime.date  # closes_from()
    over: bool  # year_over(): the year may be closed from today
    pending: list[Submission]  # reports awaiting review or returned: close_year refuses while any is
    units: int  # the units whose reports are scored (in a bloc of the year, owing reports)
    approved: list[Unit]  # of them, those whose fourth-quarter (full-year) report is approved
    awaiting: list[Unit]  # sent and awaiting review, or returned: among `pending`
    not_sent: list[Unit]  # no fourth-quarter report sent at all: ranked without it
    pledges: int  # pledged measures to be scored
    estimates: int  # of them, judged on a year figure that is an estimate ("ước")
    no_year_figure: int  # of them, with no approved year figure: scored as "no figure"
    document: str | None = None  # document_problem(): close_year refuses while the programme has no number
    losing: list[FlagLoss] = field(default_factory=list)  # eligible now, barred from the flag once closed
    # Units with a report of an earlier quarter never sent (missing, or left as a draft), each with
    # those quarters in words ("quý III (nháp)"): ranked without those reports' points.
    earlier_not_sent: list[tuple[str, list[str]]] = field(default_factory=list)


def close_readiness(campaign: Campaign, current: scoring.Ranking | None = None) -> Readiness:
    """Before the irreversible close, what the final ranking would rest on: the reports that bar
    closing (close_year refuses while any report awaits review or was returned), the units whose
    full-year report is missing or not approved, the pledged measures that would be judged on
    an estimate or without a year figure, and the units the ranking as it stands (`current`, by
    default the cached one) calls eligible for the flag that the final ranking would bar.
    Information only: close_year still decides, under its locks."""
    pending = list(Submission.objects.filter(campaign=campaign, state__in=(Submission.State.SUBMITTED, Submission.State.RETURNED))
                   .select_related("unit").order_by("unit__code", "quarter"))
    in_blocs = {u.pk for rows in members(campaign).values() for u, _first, _last in rows}
    owing = list(Unit.objects.filter(owes_reports(campaign), pk__in=in_blocs).order_by("code"))
    year_end = dict(Submission.objects.filter(campaign=campaign, quarter=4, unit__in=owing).values_list("unit_id", "state"))
    approved = [u for u in owing if year_end.get(u.pk) == Submission.State.APPROVED]
    awaiting = [u for u in owing if year_end.get(u.pk) in (Submission.State.SUBMITTED, Submission.State.RETURNED)]
    not_sent = [u for u in owing if year_end.get(u.pk) in (None, Submission.State.DRAFT)]
    # The pledges as the final ranking would judge them: the approved figures of the whole year.
    pledged = [p for rows in pledge_progress(campaign, Unit.objects.filter(pk__in=in_blocs), 4,
                                             (Submission.State.APPROVED,)).values() for p in rows]
    judged = [p.progress for p in pledged]
    no_year_figure = [scoring.outcome_of(p.status, final=True, in_year=p.in_year is not None) is scoring.Outcome.NO_FIGURE
                      for p in judged]
    estimates = [p.estimate and not missing for p, missing in zip(judged, no_year_figure, strict=True)]
    # Closing changes who may have the flag, not only the points: during the year a yearly key
    # figure not yet published bars nothing, once the year is closed it is a key measure with no
    # year figure (scoring.score_unit). The final ranking is judged as closing now would judge it,
    # nothing kept, and each unit it would bar that the ranking as it stands calls eligible is
    # named with its bars; an awaited figure with when it was expected, the remedy being to enter
    # it (its report reopened by an admin) before closing.
    from targets.pagecache import get_or_build

    # Cached as the ranking is (the admin's ranking page asks for it at each visit).
    final = get_or_build(f"emulation:ranking-if-closed:{campaign.pk}", lambda: judge(campaign, scheme_record(campaign), final=True))
    current = cached_ranking(campaign) if current is None else current
    awaited = {(p.pledge.unit.code, p.pledge.measure.code): progress.awaited_text(p.pledge.spec())
               for p in pledged if p.progress.status is progress.Status.AWAITED}
    losing = []
    for bloc in final.blocs:
        now = next((b for b in current.blocs if b.code == bloc.code), None)
        for unit in bloc.units:
            before = now.unit(unit.code) if now is not None else None
            if before is None or not before.eligible_for_flag or unit.eligible_for_flag:
                continue
            reasons = [f"{b.text(language())} ({awaited[unit.code, b.detail]})"
                       if b.reason is scoring.Bar.KEY_MEASURE_NO_FIGURE and (unit.code, b.detail) in awaited else b.text(language())
                       for b in unit.bars]
            losing.append(FlagLoss(unit.code, unit.label(language()), reasons))
    # The fourth quarter is said above; an earlier quarter's report never sent (missing, or a draft)
    # costs its on-time and complete points too, by the one rule of sent and due (submission_status,
    # as the ranking reads it). A returned one is among `pending`; one not yet due is not missing.
    earlier: dict[str, list[str]] = {}
    for row in submission_status(campaign, 3, units=owing):
        if row["submitted_at"] is None and row["state"] != Submission.State.RETURNED and row["timeliness"] != "open":
            quarter = progress.quarter_label(row["quarter"], language())
            earlier.setdefault(row["unit"].code, []).append(
                _("%(quarter)s (draft)") % {"quarter": quarter} if row["state"] == Submission.State.DRAFT else quarter)
    open_from = closes_from(campaign)
    return Readiness(open_from=open_from, over=timezone.localdate() >= open_from, pending=pending, units=len(owing),
                     approved=approved, awaiting=awaiting, not_sent=not_sent, pledges=len(judged),
                     estimates=sum(estimates), no_year_figure=sum(no_year_figure), document=document_problem(campaign),
                     losing=losing, earlier_not_sent=list(earlier.items()))


@dataclass
class ClosingCaveat:
    """What closing a year that is over would change in its provisional ranking (closing_caveat)."""

    sentences: list[str] = field(default_factory=list)  # in the active language; [] when nothing to say
    losing: dict[str, list[str]] = field(default_factory=dict)  # unit code → what would bar it from the flag
    # Of `sentences`, those that name no unit: what a unit's own page and the API say of the year,
    # beside that unit's own reasons in `losing` (a reporter sees no other unit).
    of_the_year: list[str] = field(default_factory=list)


def closing_caveat(campaign: Campaign, result: scoring.Ranking, readiness: Readiness | None = None) -> ClosingCaveat:
    """A provisional ranking of a year that is over and not closed yet: what closing it now would
    score as "no figure" and which units eligible for the flag it would bar (close_readiness), said
    the same on the ranking page, to everyone who sees it, and in the workbook (a unit's own page and
    the API: the sentences naming no unit, and that unit's own reasons); nothing during the
    year or once the year is closed. Cached as the ranking is (the data version and the day), in
    each language: every visit to the ranking page asks for it."""
    if result.final or timezone.localdate() <= datetime.date(result.year, 12, 31):
        return ClosingCaveat()
    from targets.pagecache import get_or_build

    def build() -> ClosingCaveat:
        ready = readiness or close_readiness(campaign, result)
        if not (ready.no_year_figure or ready.losing):
            return ClosingCaveat()
        # Counted over every bloc (close_readiness), and said so: a page showing one bloc says it too.
        year = _("The %(year)s year is over and not closed yet. If it were closed now, %(missing)s of the "
                 "%(pledges)s pledged measures scored in all blocs would have no approved full-year figure and be "
                 "scored as “no figure”.") % {"year": result.year, "missing": ready.no_year_figure, "pledges": ready.pledges}
        differ = _("The final scores and ranks may differ widely from these provisional ones.")
        sentences = [year]
        if ready.losing:
            sentences.append(_("Units eligible for the flag in this ranking that would no longer be: %(units)s.") % {
                "units": ", ".join(loss.name for loss in ready.losing)})
        sentences.append(differ)
        return ClosingCaveat(sentences, {loss.code: loss.reasons for loss in ready.losing}, [year, differ])

    return get_or_build(f"emulation:closing-caveat:{campaign.pk}:{language()}", build)


def document_problem(campaign: Campaign) -> str | None:
    """A year is closed on its programme's document: the signed report and the final ranking cite
    it, and once closed it can no longer be entered (the programme is read-only). The rule of the
    admin's "year closed" box too (Campaign.closing_problem)."""
    return campaign.closing_problem()


def close_year(campaign: Campaign, user) -> ScoringScheme:
    """Close the year: the ranking becomes final, and the campaign's entry closes (year_closed).
    Refused before closes_from(), and while any of the year's reports awaits review or was
    returned: a final ranking stands on approved figures only."""
    with transaction.atomic():
        record = ScoringScheme.objects.select_for_update(of=("self",)).filter(campaign=campaign).first()
        if record is None:
            raise NoScheme(_("The %(year)s programme has no scoring scheme.") % {"year": campaign.year})
        # The programme's row, which a late yearly report reads under a share lock (workflow.yearly_still_open):
        # a report sent meanwhile is among the pending ones below, and none can be sent after. The
        # data version first, which any save takes at its first write, so that a save waiting
        # for this row never holds what this closing waits for.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {versions.TABLE} FOR UPDATE")
        locked = Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        if record.is_final:
            raise CannotClose(_("The year is already closed."))
        if not year_over(campaign):
            raise CannotClose(_("%(year)s cannot be closed yet: its ranking can be made final from %(date)s, once the year "
                                "is over and every report of it is due, units' extensions included.")
                              % {"year": campaign.year, "date": closes_from(campaign).strftime("%d/%m/%Y")})
        if problem := document_problem(locked):
            raise CannotClose(problem)
        pending = list(Submission.objects.filter(campaign=campaign, state__in=(Submission.State.SUBMITTED, Submission.State.RETURNED))
                       .select_related("unit").order_by("unit__code", "quarter"))
        if pending:
            names = ", ".join(f"{s.unit.code} {progress.quarter_label(s.quarter)}" for s in pending[:10])
            if len(pending) > 10:
                names += " " + _("and %(count)s more") % {"count": len(pending) - 10}
            raise CannotClose(_("Reports still await review or were returned: %(reports)s.") % {"reports": names})
        record.ranking_final_at = timezone.now()
        record.ranking_final_by = user
        record.final_ranking = judge(campaign, record).to_data()
        record.save()
        # One "close the year" for the whole product: entry closes too (Campaign.year_closed), for
        # everyone (workflow.refuse_if_year_closed): late yearly figures are entered before the close.
        # Its units' names are kept as they are now (Campaign.unit_name), the ranking's with them: a
        # unit renamed or merged later never renames it in this year's signed report.
        campaign.refresh_from_db(fields=["year_closed", "kept_unit_names"])  # as locked above
        campaign.keep_unit_names(u["code"] for bloc in record.final_ranking.get("blocs", []) for u in bloc.get("units", []))
        campaign.year_closed = True
        campaign.save(update_fields=["year_closed", "kept_unit_names"])
    return record


def scheme_as_ranked(record: ScoringScheme) -> scoring.Scheme:
    """The scheme the ranking was judged on: a closed year's as it stood at the close (the history
    record the close wrote), whatever was written since, as the kept ranking is; else as it is."""
    if record.is_final:
        closing = record.history.filter(ranking_final_at__isnull=False).order_by("history_date", "history_id").first()
        if closing is not None:
            return scoring.Scheme.from_dict(closing.data, strict=False)
    return record.scheme()


def scheme_rules(record: ScoringScheme) -> list[tuple[str, str]]:
    """The scheme a ranking applies, in the page's language, as (what, rule) rows: shown to everyone
    who sees the ranking (a unit, the council, the secretariat), so that each line's points can be
    checked against the rule that gave them."""
    scheme, lang = scheme_as_ranked(record), language()

    def pts(value: Decimal) -> str:
        return scoring.points_text(value, lang)

    names = {m.code: f"{m.code}. {(m.name_en if lang == 'en' else '') or m.name}"
             for m in Measure.objects.filter(campaign_id=record.campaign_id, code__in=scheme.key_measures)}
    flag = scheme.title(scheme.flag_title) if scheme.flag_title else None
    conditions = [_("registered for “%(title)s”") % {"title": flag.label(lang)}] if flag else []
    if scheme.flag_min_score is not None:
        conditions.append(_("a score of at least %(points)s") % {"points": pts(scheme.flag_min_score)})
    if scheme.flag_requires_full_year:
        conditions.append(_("in the bloc the whole year"))
    conditions.append(_("every key measure pledged and met, its reports sent, no deduction for a fault"))
    return [
        (_("Each pledged measure, by its verdict"), " · ".join(
            f"{scoring.OUTCOME_LABELS[o]} {pts(scheme.measure_points[o])}" for o in scoring.Outcome)),
        (_("Each task of themes II–VI, by its latest assessment"), " · ".join(
            f"{progress.VERDICT_NAMES[v]} {pts(scheme.task_points[v])}" for v in progress.Verdict)),
        (_("Each quarter's report"), _("on time %(on_time)s · complete %(complete)s") % {
            "on_time": pts(scheme.on_time_points), "complete": pts(scheme.complete_points)}),
        (_("The score"), _("out of %(out_of)s: what the lines above earn, scaled to it; then bonuses and deductions") % {
            "out_of": pts(scheme.score_out_of)} if scheme.score_out_of is not None else
         _("the sum of the lines, bonuses and deductions included")),
        (_("Bonuses and deductions"), _("entered by the secretariat, each with its reason and evidence; a unit's bonuses "
                                         "count at most %(most)s points") % {"most": pts(scheme.bonus_max)}
         if scheme.bonus_max is not None else _("entered by the secretariat, each with its reason and evidence")),
        (_("Key measures"), "; ".join(names.get(code, code) for code in sorted(scheme.key_measures, key=code_order)) or _("none")),
        (_("Proposed for the flag"), _("the best-ranked unit %(conditions)s; the council decides") % {
            "conditions": ", ".join(conditions)}),
        (_("Certificates of merit per bloc"), str(scheme.certificates)),
        (_("Registration for titles until"), date_format(scheme.registration_until, "SHORT_DATE_FORMAT")
         if scheme.registration_until else _("no deadline")),
    ]


def short_of_the_year(campaign: Campaign, result: scoring.Ranking) -> list[str]:
    """A provisional ranking of the full year while not every unit has sent its year (its period is
    the latest report sent: one unit's fourth quarter makes it "the end of the year"): how many did,
    and what the others are scored on, in sentences for the page and the workbook; [] otherwise."""
    if result.final or not result.reported or result.quarter != 4:
        return []
    sent, units, others = _year_end_reports(campaign, result)
    if sent >= units:
        return []
    details = []
    # Each period the others' figures reach, with how many units where they differ.
    reached = sorted((q for q in others if q is not None), reverse=True)
    periods = ", ".join(progress.period_end_phrase(q, result.year) + (
        f" ({_('number of units: %(count)s') % {'count': others[q]}})" if len(reached) > 1 else "") for q in reached)
    if periods:
        details.append(_("%(sent)s of %(units)s units have sent their fourth-quarter (full-year) report; the others "
                         "are scored on their figures up to %(period)s.") % {"sent": sent, "units": units, "period": periods})
    if others[None]:
        details.append(_("Units that have sent no report of the year: %(count)s.") % {"count": others[None]})
    return details


def _year_end_reports(campaign: Campaign, result: scoring.Ranking) -> tuple[int, int, Counter]:
    """Of the units the ranking scores on reports (overview.owes_reports): how many have sent their
    fourth-quarter report as the provisional ranking reads reports (Submission.VISIBLE_STATES), of
    how many, and how many of the others have sent each quarter as their latest (None: none)."""
    codes = {u.code for bloc in result.blocs for u in bloc.units}
    owing = set(Unit.objects.filter(owes_reports(campaign), code__in=codes).values_list("code", flat=True))
    latest: dict[str, int] = {}
    for code, quarter in Submission.objects.filter(campaign=campaign, unit__code__in=owing, quarter__lte=result.quarter,
                                                   state__in=Submission.VISIBLE_STATES).values_list("unit__code", "quarter"):
        latest[code] = max(quarter, latest.get(code, 0))
    sent = sum(1 for code in owing if latest.get(code) == 4)
    return sent, len(owing), Counter(latest.get(code) for code in owing if latest.get(code) != 4)
