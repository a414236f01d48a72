"""The province's progress for one period: every theme, indicator and measure with its status.

This is the one read path the home page, the dashboards, the API and the Excel report share,
so they cannot disagree. It loads a campaign's structure and the lead units' figures in a
fixed number of queries and hands each measure to the plain engine in targets.progress.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from targets import progress, timeliness
from targets.models import (
    Campaign,
    Figure,
    Indicator,
    Measure,
    MeasureAssignment,
    Pledge,
    Submission,
    Task,
    TaskReport,
    Theme,
    Unit,
    takes_part,
)
from targets.progress import Status


@dataclass
class MeasureProgress:
    measure: Measure
    progress: progress.Progress
    figure: Figure | None  # the lead unit's figure for the period's own quarter, if any
    values: dict = field(default_factory=dict)  # quarter → value of the figures evaluated
    verdicts: dict = field(default_factory=dict)
    cumulative: dict = field(default_factory=dict)  # quarter → year-to-date as reported
    estimates: set = field(default_factory=set)  # quarters whose figure is an estimate
    today: datetime.date | None = None  # the day it was judged on (judged_on(), when not given)
    figures: dict = field(default_factory=dict)  # quarter → the lead unit's figure

    @property
    def shown(self) -> Figure | None:
        """The figure the period's status stands on, whose notes go with it: the period's own, else
        the one it carries (the nine months' in a full year not yet reported, a rate's latest
        quarter). Its state is not always the figure's shown: a sum of quarters takes all of theirs (`state`)."""
        p = self.progress.in_year or self.progress
        return self.figures.get(p.ytd_quarter or p.quarter)

    def series(self) -> list[progress.Progress]:
        """The same measure evaluated at the end of each quarter up to the period (for charts). A
        full year without its figure is no point of the series: it would show the nine months'
        figure and pace under "full year"."""
        points = (progress.evaluate(self.measure.spec(), q, self.values, self.verdicts, self.cumulative, self.estimates,
                                     today=self.today or judged_on())
                  for q in range(1, self.progress.quarter + 1))
        return [p for p in points if p.in_year is None]

    @property
    def state(self) -> str | None:
        """The state of the figure shown, as the reports of the figures it is made of give it
        (`state_shown`): a sum of quarters is not approved while one of them is not."""
        return state_shown(self.progress, {q: f.submission.state for q, f in self.figures.items()})


@dataclass
class IndicatorProgress:
    indicator: Indicator
    measures: list[MeasureProgress] = field(default_factory=list)

    @property
    def status(self) -> Status:
        return progress.worst(m.progress.status for m in self.measures)

    @property
    def carried(self) -> bool:
        """A full-year status standing on an in-year one for want of the year's figure (Progress.in_year)."""
        return any(m.progress.carried for m in self.measures)

    def judged(self, lang: str | None = None) -> str:
        """Its status in words: an indicator of one measure as that measure is said (progress.judged_label:
        a verdict's words for one assessed in words), one of several by its worst status."""
        if len(self.measures) == 1:
            return progress.judged_label(self.measures[0].progress, lang)
        return progress.status_label(self.status, lang)


@dataclass
class TaskProgress:
    """A theme task (themes II–VI) with each responsible unit's latest words up to the period."""

    task: Task
    units: list[Unit]
    reports: list[TaskReport] = field(default_factory=list)  # the latest per unit, in unit order


@dataclass
class ThemeProgress:
    theme: Theme
    indicators: list[IndicatorProgress] = field(default_factory=list)

    @property
    def status(self) -> Status:
        return progress.worst(i.status for i in self.indicators)


@dataclass
class Overview:
    campaign: Campaign
    quarter: int
    themes: list[ThemeProgress]
    last_updated: datetime.datetime | None

    @property
    def indicators(self) -> list[IndicatorProgress]:
        return [i for t in self.themes for i in t.indicators]

    @property
    def measures(self) -> list[MeasureProgress]:
        return [m for i in self.indicators for m in i.measures]

    @property
    def status_counts(self) -> dict[Status, int]:
        """Indicators by status, in the order worst → best, zero counts included."""
        counts = Counter(i.status for i in self.indicators)
        return {status: counts.get(status, 0) for status in progress.SEVERITY}

    @property
    def carried_count(self) -> int:
        """Indicators whose full-year status stands on an in-year one for want of the year's figure
        (IndicatorProgress.carried): the counts above count them under that status."""
        return sum(1 for i in self.indicators if i.carried)

    @property
    def completeness(self) -> tuple[int, int]:
        """(measures with a province figure for the period's quarter, all measures)."""
        measures = self.measures
        return sum(1 for m in measures if m.figure is not None), len(measures)


def collect(figure: Figure, quarter: int, values: dict, verdicts: dict, cumulative: dict, estimates: set) -> None:
    """What the engine needs of one figure: its own value, the year-to-date as reported, the
    verdict, and whether it is an estimate (an official figure has replaced any earlier one)."""
    values[quarter] = figure.value
    if figure.cumulative is not None:
        cumulative[quarter] = figure.cumulative
    if figure.verdict:
        verdicts[quarter] = progress.Verdict(figure.verdict)
    if figure.kind == Figure.Kind.ESTIMATE:
        estimates.add(quarter)


# The least advanced first: a figure made of several reports' figures is as far as the least of them.
_STATE_ORDER = (Submission.State.DRAFT, Submission.State.RETURNED, Submission.State.SUBMITTED, Submission.State.APPROVED)


def state_shown(p: progress.Progress, states: dict[int, str]) -> str | None:
    """The state of the figure `p` shows (its year to date, a level's latest figure, a verdict; the
    in-year one a full year carries), given `states`, quarter → the state of the report holding the
    unit's figure of that quarter: approved only where every figure it is made of
    (Progress.stands_on) is, else the least advanced of their reports' (a first half's sum of an
    approved first quarter and a second only sent is "submitted", marked (*) as not yet reviewed).
    None: no such figure. The one rule for the pages, the API and both sheets of the report."""
    return least_state(p.stands_on, states)


def least_state(quarters, states: dict[int, str]) -> str | None:
    """The least advanced of the reports (`states`, quarter → state) holding the figures of `quarters`."""
    found = [states[q] for q in quarters if q in states]
    return min(found, key=lambda s: _STATE_ORDER.index(s) if s in _STATE_ORDER else -1, default=None)


def no_figures() -> dict:
    """A series without a figure, as figure_series gives each group."""
    return {"values": {}, "verdicts": {}, "cumulative": {}, "estimates": set()}


def figure_series(figures, key=lambda figure: figure.measure_id) -> dict:
    """Figures grouped by `key` (their measure, unless asked otherwise), each group as the engine
    takes it: values, verdicts, years to date and estimates by quarter (figures' submissions loaded)."""
    series: dict = {}
    for f in figures:
        keys = series.setdefault(key(f), no_figures())
        collect(f, f.submission.quarter, keys["values"], keys["verdicts"], keys["cumulative"], keys["estimates"])
    return series


def quarter_amount(measure: Measure, quarter: int, series: dict | None) -> Decimal | None:
    """A unit's figure for `quarter` alone as the engine has it: the one typed, or the one its
    years to date give (a unit that reports flows as years to date only). None before the first
    quarter, or without one."""
    if quarter < 1 or not series:
        return None
    return progress.evaluate(measure.spec(), quarter, **series, today=judged_on()).quarter_value


def last_known_quarter(measure: Measure, quarter: int, series: dict | None) -> tuple[Decimal | None, int | None]:
    """The unit's figure for the latest quarter before `quarter` that has one, and that quarter:
    what a new figure is checked against, so that a fourth quarter typed a thousand times too big
    after a third quarter never sent is still questioned. (None, None) without one."""
    for earlier in range(quarter - 1, 0, -1):
        if (amount := quarter_amount(measure, earlier, series)) is not None:
            return amount, earlier
    return None, None


def whole_year_to_date(measure: Measure, quarter: int, series: dict | None) -> Decimal | None:
    """A unit's year to date up to `quarter` where it is whole: none of its quarters lacks a figure
    (and it is not the nine months carried into the full year). None otherwise, and before the first quarter."""
    if quarter < 1 or not series:
        return None
    p = progress.evaluate(measure.spec(), quarter, **series, today=judged_on())
    return p.ytd if not p.missing_quarters and p.in_year is None else None


def judged_on() -> datetime.date:
    """The day progress is judged on (progress.evaluate's `today`: a yearly figure is awaited until
    the end of its publication month, then "no data"): the local date, the day pagecache keeps
    pages, overviews and rankings by. Every path takes it from here, so the pages, the API and the
    workbooks give one unit, measure and period one status on the same day."""
    return timezone.localdate()


def final_year_of(campaign: Campaign):
    """progress.final_year for `campaign`: a closed year's full year without its figure is "no
    data" for good. Whether the year is closed (Campaign.is_closed, one query) is asked once, and
    only once a full year lacks its figure: other periods, and a ranking whose year figures are all
    in, cost no query more (tests count them)."""
    closed: bool | None = None

    def final(p: progress.Progress) -> progress.Progress:
        nonlocal closed
        if not progress.without_year_figure(p):
            return p
        if closed is None:
            closed = campaign.is_closed()
        return progress.final_year(p, closed)

    return final


def build_overview(campaign: Campaign, quarter: int, states=Submission.VISIBLE_STATES) -> Overview:
    """Evaluate every measure of the campaign for quarter 1..4 (Quý I, 6 tháng, 9 tháng, cả năm)."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1–4, not {quarter!r}")
    themes = [ThemeProgress(theme) for theme in campaign.themes.all()]
    by_theme = {t.theme.pk: t for t in themes}
    indicators = {}
    for indicator in campaign.indicators.select_related("lead_unit", "theme").order_by("number"):
        campaign.as_closed([indicator.lead_unit] if indicator.lead_unit else [])  # its page names it (Campaign.as_closed)
        row = IndicatorProgress(indicator)
        indicators[indicator.pk] = row
        by_theme[indicator.theme_id].indicators.append(row)

    values: dict[int, dict[int, object]] = defaultdict(dict)
    verdicts: dict[int, dict[int, object]] = defaultdict(dict)
    cumulative: dict[int, dict[int, object]] = defaultdict(dict)
    estimates: dict[int, set[int]] = defaultdict(set)
    figures: dict[int, dict[int, Figure]] = defaultdict(dict)
    last_updated = None
    for figure in Figure.objects.province(campaign, quarter, states):
        q = figure.submission.quarter
        collect(figure, q, values[figure.measure_id], verdicts[figure.measure_id], cumulative[figure.measure_id],
                estimates[figure.measure_id])
        figures[figure.measure_id][q] = figure
        if last_updated is None or figure.entered_at > last_updated:
            last_updated = figure.entered_at

    today = judged_on()
    final = final_year_of(campaign)
    for measure in campaign.measures.all():
        key = measure.pk
        result = final(progress.evaluate(measure.spec(), quarter, values[key], verdicts[key], cumulative[key], estimates[key], today=today))
        indicators[measure.indicator_id].measures.append(MeasureProgress(
            measure, result, figures[key].get(quarter), values[key], verdicts[key], cumulative[key], estimates[key], today,
            figures[key]))
    return Overview(campaign=campaign, quarter=quarter, themes=themes, last_updated=last_updated)


def task_progress(campaign: Campaign, quarter: int, states=Submission.VISIBLE_STATES) -> dict[int, list[TaskProgress]]:
    """The campaign's active tasks, by theme id, with each unit's latest report up to the quarter
    (three queries; apart from the overview, which the indicator pages and the API share)."""
    tasks = (Task.objects.filter(theme__campaign=campaign, is_active=True).order_by("theme__number", "number")
             .prefetch_related(Prefetch("responsible_units", queryset=Unit.objects.order_by("kind", "code"))))
    latest: dict[tuple[int, int], TaskReport] = {}
    reports = (TaskReport.objects.filter(task__theme__campaign=campaign, task__is_active=True,
                                         submission__quarter__lte=quarter, submission__state__in=states)
               .select_related("submission__unit").order_by("submission__quarter"))
    for report in reports:  # later quarters overwrite earlier ones
        latest[(report.task_id, report.submission.unit_id)] = report
    by_task: dict[int, list[TaskReport]] = defaultdict(list)
    for (task_id, _unit), report in sorted(latest.items(), key=lambda kv: (kv[1].submission.unit.kind, kv[1].submission.unit.code)):
        by_task[task_id].append(report)
    themes: dict[int, list[TaskProgress]] = defaultdict(list)
    campaign.as_closed(report.submission.unit for report in latest.values())  # named as the year names them
    for task in tasks:
        themes[task.theme_id].append(TaskProgress(task, campaign.as_closed(task.responsible_units.all()), by_task[task.pk]))
    return themes


def unit_breakdown(campaign: Campaign, quarter: int, states=Submission.VISIBLE_STATES, units=None, measures=None,
                   pledges: bool = False) -> list[dict]:
    """Every reporting unit's figure and year-to-date for each measure, for the period.

    Two queries: the assignments and the figures; the engine gives each unit's year-to-date. With
    `pledges`, each unit's emulation pledge too, read with its assignment, and its figures judged
    against it.
    """
    assignments = MeasureAssignment.objects.filter(measure__campaign=campaign).select_related("unit")
    if pledges:
        # A unit's own target is its emulation pledge: its figures are judged against that, never
        # against the province's target, which is the lead unit's alone.
        pledge = Pledge.objects.filter(unit=OuterRef("unit"), measure=OuterRef("measure"))
        assignments = assignments.annotate(own_pledge_id=Subquery(pledge.values("pk")[:1]),
                                           own_pledge_target=Subquery(pledge.values("target")[:1]))
    # Only what the pages show of each figure: at region size these are thousands of rows.
    figures = Figure.objects.filter(
        submission__campaign=campaign, submission__quarter__lte=quarter, submission__state__in=states,
    ).select_related("submission").only(
        "measure_id", "value", "cumulative", "verdict", "narrative", "note", "kind",
        "submission__unit_id", "submission__quarter", "submission__state")
    if units is not None:
        assignments = assignments.filter(unit__in=units)
        figures = figures.filter(submission__unit__in=units)
    if measures is not None:
        assignments = assignments.filter(measure__in=measures)
        figures = figures.filter(measure__in=measures)
        # The caller's measures, shared by all their units' rows, rather than a copy per row.
        by_id = {m.pk: m for m in measures}
        assignments = list(assignments)
        for a in assignments:
            a.measure = by_id[a.measure_id]
    else:
        assignments = assignments.select_related("measure__indicator", "measure__campaign")
    values: dict[tuple[int, int], dict[int, Decimal]] = defaultdict(dict)
    verdicts: dict[tuple[int, int], dict[int, str]] = defaultdict(dict)
    cumulative: dict[tuple[int, int], dict[int, Decimal]] = defaultdict(dict)
    estimates: dict[tuple[int, int], set[int]] = defaultdict(set)
    own: dict[tuple[int, int], Figure] = {}
    reports: dict[tuple[int, int], dict[int, str]] = defaultdict(dict)  # quarter → the state of its figure's report
    for f in figures:
        key = (f.measure_id, f.submission.unit_id)
        collect(f, f.submission.quarter, values[key], verdicts[key], cumulative[key], estimates[key])
        reports[key][f.submission.quarter] = f.submission.state
        if f.submission.quarter == quarter:
            own[key] = f
    rows, today = [], judged_on()
    assignments = list(assignments)
    campaign.as_closed(a.unit for a in assignments)  # a closed year's units named as it was closed (Campaign.as_closed)
    final = final_year_of(campaign)
    for a in sorted(assignments, key=lambda a: (a.measure.order, a.role != "lead", a.unit.code)):
        key = (a.measure_id, a.unit_id)
        series = (values[key], verdicts[key], cumulative[key], estimates[key])
        result = final(progress.evaluate(a.measure.spec(), quarter, *series, today=today))
        pledge = None
        # A verdict in words has no figure to pledge (pledge_xlsx): such a row is never judged by one.
        if pledges and a.own_pledge_id is not None and not a.measure.is_qualitative:
            # The row's unit and measure, not one more query each.
            pledge = Pledge(pk=a.own_pledge_id, unit=a.unit, measure=a.measure, target=a.own_pledge_target)
        figure = own.get(key)
        rows.append({"assignment": a, "progress": result, "figure": figure, "state": figure.submission.state if figure else None,
                     # The state of the year to date's figures (state_shown), as the measure's on the pages.
                     "state_shown": state_shown(result, reports[key]),
                     # And of the quarter's own figure, which one derived from two years to date stands on both.
                     "quarter_state": least_state(result.quarter_stands_on, reports[key]),
                     "quarter_estimate": any(q in estimates[key] for q in result.quarter_stands_on),
                     "pledge": pledge, "pledge_progress": final(progress.evaluate(pledge.spec(), quarter, *series, today=today)) if pledge else None})
    return rows


def judged(row: dict) -> progress.Progress | None:
    """What a unit's figures are judged by (a row of `unit_breakdown` with pledges): the lead unit's
    against the province's target, another unit's against its own pledge; a verdict needs no
    target. None: the unit pledged nothing, and the province's target is not its own. The one rule
    of the indicator pages and the report's by-unit sheet: the lead unit's row never disagrees with
    the province's status."""
    if row["assignment"].role == MeasureAssignment.Role.LEAD or row["assignment"].measure.is_qualitative:
        return row["progress"]
    return row["pledge_progress"]


def judged_target(row: dict) -> Decimal | None:
    """The target `judged` sets a row's figures against: the province's for the lead unit, the unit's
    pledge for another; None for a verdict in words, or a unit that pledged nothing."""
    a = row["assignment"]
    if a.measure.is_qualitative:
        return None
    if a.role == MeasureAssignment.Role.LEAD:
        return a.measure.target
    return row["pledge"].target if row["pledge"] is not None else None


def submission_status(campaign: Campaign, quarter: int, today: datetime.date | None = None, units=None) -> list[dict]:
    """Which unit submitted which quarter, when, and whether on time (targets/timeliness.py): for
    every unit that owes the campaign its reports (reporting_units), or for the given units, named
    as the year names them (Campaign.as_closed). A row is `overdue` when its report is late and
    still missing."""
    today = today or timezone.localdate()
    deadline = campaign.deadline_table()
    submissions = Submission.objects.filter(campaign=campaign, quarter__lte=quarter)
    if units is None:
        units = reporting_units(campaign)
    else:
        submissions = submissions.filter(unit__in=units)
    units = campaign.as_closed(units)
    submissions = {(s.unit_id, s.quarter): s for s in submissions}
    rows = []
    for unit in units:
        for q in range(1, quarter + 1):
            s = submissions.get((unit.pk, q))
            due = deadline(q, unit.pk)
            sent = s.submitted_at if s and s.state in Submission.VISIBLE_STATES else None
            sent_on = timezone.localtime(sent).date() if sent else None
            first = s.first_submitted_at if s else None
            first_on = timezone.localtime(first).date() if first else None
            rows.append({"unit": unit, "quarter": q, "state": s.state if s else None, "submission": s,
                         "submitted_at": sent, "deadline": due,
                         # Shown where it is not the sending that stands: what kept it on time.
                         "first_submitted_at": first if first and first_on != sent_on else None,
                         "timeliness": timeliness.timeliness(due, today, sent_on, first_on),
                         "overdue": timeliness.overdue(due, today, sent_on, first_on)})
    return rows


def owes_reports(campaign: Campaign) -> Q:
    """The units that owe the campaign a quarterly report: those that report one of its measures,
    and those responsible for one of its active tasks, whose words they report each quarter
    (Task.responsible_units) even when they have no figure to give. The one rule for who can be
    late (submission_status) and whose reports are scored (ranking). A unit taking part only from
    a later year (models.takes_part, the ranking's rule) owes this one nothing, whatever it was
    given: neither chased nor ranked for it."""
    measures = (MeasureAssignment.objects.filter(measure__campaign=campaign)
                .filter(takes_part(F("measure__campaign__year"), "unit__")).values("unit_id"))
    tasks = (Task.responsible_units.through.objects.filter(task__theme__campaign=campaign, task__is_active=True)
             .filter(takes_part(F("task__theme__campaign__year"), "unit__")).values("unit_id"))
    return Q(pk__in=measures) | Q(pk__in=tasks)


def reporting_units(campaign: Campaign):
    """The units that owe the campaign a quarterly report, in the order pages list them. An open
    year's active ones: a unit deactivated (merged away) no longer reports. A closed year's, those
    active when it was closed (Campaign.units_kept_active), deactivated since or not: its signed
    report (the submissions sheet) and late page list the units it had, as they were
    (Campaign.as_closed), and never add one that had stopped reporting before the close (its open
    year's pages had left it out). A closed year without kept names: every one that owed it."""
    units = Unit.objects.filter(owes_reports(campaign))
    if not campaign.is_closed():
        units = units.filter(is_active=True)
    elif campaign.kept_unit_names:
        units = units.filter(pk__in=campaign.units_kept_active())
    return units.order_by("kind", "code")


def unsent_reports(unit: Unit, campaigns, today: datetime.date | None = None, shown: tuple[int, int] | None = None,
                   collected: bool = False) -> list[dict]:
    """The unit's reports it owes and has not sent, in its open years (not closed: Campaign.is_closed),
    but the one `shown` ((year, quarter)): missing after their deadline, drafts, and reports returned
    to it. So that a reporter whom the entry page opens on the quarter being collected learns that
    last year's fourth quarter (or an older draft) is still owed: the year-end report the flag needs.
    The current year's first (the year of the quarter being collected, what the emulation scores
    now), then the older years', newest first, each year's quarters in order: an old year an
    administrator left unclosed must not bury this year's under "and 8 more". `collected`: also the
    quarter being collected, not begun yet, when it is not `shown`: a reporter working through an
    old year's list is told that this one is open too. Each: campaign, quarter, state (None: not
    started), deadline (the unit's, Campaign.deadline_table), late, by the one rule of the late page
    (timeliness, as submission_status has it), and open (the quarter being collected: never late).
    `campaigns`: the programmes, their deadlines prefetched; two queries in all, however many years."""
    today = today or timezone.localdate()
    [(_, reports)] = _unit_reports(Unit.objects.filter(pk=unit.pk), campaigns, today)
    now = _collected_quarter(reports, today)
    rows = [r for r in reports if (r["campaign"].year, r["quarter"]) != shown and (
        r["owed"] or (collected and r is now and r["state"] not in Submission.VISIBLE_STATES))]
    years = sorted({r["campaign"].year for r in reports if r["campaign"].year <= today.year}, reverse=True)
    current = now["campaign"].year if now is not None else (years[0] if years else None)
    for r in rows:
        r["open"] = r is now

    def order(r):  # this year, then the older ones newest first, then a programme set up ahead
        year = r["campaign"].year
        return (0 if year == current else 1 if current is None or year < current else 2, -year, r["quarter"])

    return [{key: r[key] for key in ("campaign", "quarter", "state", "deadline", "late", "open")} for r in sorted(rows, key=order)]


def units_owing(units, campaigns, today: datetime.date | None = None) -> list[tuple[Unit, int]]:
    """Of `units` (a queryset, in its order), those owing reports (unsent_reports' rule, none shown,
    the quarter being collected not counted until it is late or begun) and how many: for a reporter
    of several units, on the entry page of one. Two queries for all of them, none without a unit."""
    today = today or timezone.localdate()
    counts = [(u, sum(r["owed"] for r in rows)) for u, rows in _unit_reports(units, campaigns, today)]
    return [(u, count) for u, count in counts if count]


def _unit_reports(units, campaigns, today: datetime.date) -> list[tuple[Unit, list[dict]]]:
    """Each of `units` (a queryset, in its order) with every quarter of every open year it owes
    (owes_reports: a unit new this year owes last year nothing), oldest first: its campaign,
    quarter, state (None: not started), deadline (the unit's), late (the late page's rule) and owed
    (unsent_reports' rule). Two queries: the units with the years each owes, and their reports."""
    listed = {c.pk: c for c in campaigns}
    # Open (Campaign.is_closed's rule, for every year at once) and owed, for every unit in one query.
    open_owed = (Campaign.objects.filter(pk__in=listed, year_closed=False).exclude(scoring_scheme__ranking_final_at__isnull=False)
                 .filter(Exists(Unit.objects.filter(owes_reports(OuterRef(OuterRef("pk"))), pk=OuterRef(OuterRef("pk")))))
                 .order_by().values("pk"))
    units = list(units.annotate(years=ArraySubquery(open_owed)))
    submissions = {(s.unit_id, s.campaign_id, s.quarter): s for s in Submission.objects.filter(
        unit__in=[u.pk for u in units], campaign__in={pk for u in units for pk in u.years})} if units else {}
    reports = []
    for unit in units:
        rows = []
        reports.append((unit, rows))
        for campaign in sorted((listed[pk] for pk in unit.years), key=lambda c: c.year):
            deadline = campaign.deadline_table()
            for quarter in (1, 2, 3, 4):
                s = submissions.get((unit.pk, campaign.pk, quarter))
                due = deadline(quarter, unit.pk)
                first = s.first_submitted_at if s else None  # a report returned after a sending in time stays on time
                late = timeliness.timeliness(due, today, None, timezone.localtime(first).date() if first else None) == timeliness.LATE
                unsent = s is None or s.state not in Submission.VISIBLE_STATES
                rows.append({"campaign": campaign, "quarter": quarter, "state": s.state if s else None, "deadline": due,
                             "late": late, "owed": unsent and (s is not None or late)})  # not begun: owed once late
    return reports


def _collected_quarter(reports: list[dict], today: datetime.date) -> dict | None:
    """Of a unit's reports (_unit_reports), the quarter being collected: as Campaign.open_quarter has
    it, in this year's programme, the first whose deadline (the unit's, with its extension) has not
    passed; but last year's fourth while it is open and not yet due (in January, where
    entry_campaign opens). None once this year's are all due, or when the unit owes no year begun."""
    years = sorted({r["campaign"].year for r in reports if r["campaign"].year <= today.year}, reverse=True)
    if not years:
        return None
    return next((r for r in reports if today <= r["deadline"] and (
        r["campaign"].year == years[0] or (r["campaign"].year == years[0] - 1 and r["quarter"] == 4))), None)


# --- caching -------------------------------------------------------------------------------
# The overview is read far more often than figures change. It is cached under the data version,
# which PostgreSQL moves with every write to what it shows (targets/versions.py), so a stale
# overview is never served, from any process or shared cache.


def cached_overview(campaign: Campaign, quarter: int) -> Overview:
    from targets.pagecache import get_or_build

    return get_or_build(f"emulation:overview:{campaign.pk}:{quarter}", lambda: build_overview(campaign, quarter))
