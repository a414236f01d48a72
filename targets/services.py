"""Writes that span several models, each in one transaction."""

from __future__ import annotations

import datetime
import re

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from targets import history, progress
from targets.models import (
    Campaign,
    Deadline,
    Indicator,
    Measure,
    MeasureAssignment,
    ScoringScheme,
    Submission,
    Task,
    Theme,
    Unit,
    programme_year_problem,
    unit_label,
)
from targets.overview import build_overview

# How the official report is headed and signed carries over to the next year.
REPORT_FIELDS = ("report_issuer", "report_issuer_en", "report_code", "report_signature", "report_signature_en", "report_signer",
                 "report_recipients", "report_recipients_en")


class CopyError(Exception):
    pass


@transaction.atomic
def copy_campaign(*, source_year: int, target_year: int) -> Campaign:
    """Set up next year's programme from this year's: structure, targets and assignments, no figures.

    Last year's values of the new programme are filled from the source year's approved
    province figures where they exist (its year-to-date at each quarter), so the new year's
    "same period last year" needs no retyping; targets are copied as they are, for admins to
    edit once the new programme is issued.
    """
    source = Campaign.objects.filter(year=source_year).first()
    if source is None:
        raise CopyError(_("There is no programme for %(year)s.") % {"year": source_year})
    if Campaign.objects.filter(year=target_year).exists():
        raise CopyError(_("A programme for %(year)s already exists.") % {"year": target_year})

    if problem := programme_year_problem(target_year):  # the bounds of the programme's own year box
        raise CopyError(str(problem))
    plan_start, plan_end = source.plan_start, source.plan_end
    while target_year > plan_end:  # the next five-year plan
        plan_start, plan_end = plan_end + 1, plan_end + 5
    while target_year < plan_start:  # an earlier one, for a year entered afterwards
        plan_start, plan_end = plan_start - 5, plan_start - 1

    # "… năm 2024" (in 2024, for 2024) in a title or a theme's description names the programme's own
    # year; a period ("nhiệm kỳ 2020 - 2025"), a date ("10/01/2025") or a document's number does not.
    own_year = re.compile(rf"(?<![\w/.\-–])((?:năm|in|for|of|year|the)\s+){source_year}(?![\w/\-–]|\.\d|\s*[-–]\s*\d)", re.IGNORECASE)

    def renamed(text: str) -> str:
        return own_year.sub(rf"\g<1>{target_year}", text)

    target = Campaign.objects.create(
        province=source.province,
        province_code=source.province_code,
        year=target_year,
        # The new year's programme is not issued yet: no number (pages and reports then say so,
        # Campaign.document_words) rather than last year's number under a date moved a year, which
        # names a document that does not exist. Its date is entered with it.
        number="",
        issued_on=None,
        issuing_body=source.issuing_body,
        title=renamed(source.title),
        slogan=renamed(source.slogan),
        plan_start=plan_start,
        plan_end=plan_end,
        source=_("Copied from the %(year)s programme %(number)s; replace with the new programme's document.") % {
            "year": source_year, "number": source.number or "–"},
        **{name: getattr(source, name) for name in REPORT_FIELDS},
    )
    themes = {}
    for theme in source.themes.all():
        themes[theme.pk] = Theme.objects.create(
            campaign=target, number=theme.number, ordinal=theme.ordinal, title=renamed(theme.title),
            title_en=renamed(theme.title_en), description=renamed(theme.description),
        )
    for task in Task.objects.filter(theme__campaign=source, is_active=True).prefetch_related("responsible_units"):
        copy = Task.objects.create(theme=themes[task.theme_id], number=task.number, title=task.title, title_en=task.title_en)
        copy.responsible_units.set(task.responsible_units.all())
    indicators = {}
    for indicator in source.indicators.all():
        indicators[indicator.pk] = Indicator.objects.create(
            campaign=target, theme=themes[indicator.theme_id], number=indicator.number, name=indicator.name,
            name_en=indicator.name_en, official_text=indicator.official_text, lead_unit_id=indicator.lead_unit_id,
        )
    assignments = list(MeasureAssignment.objects.filter(measure__campaign=source))
    for measure in source.measures.all():
        old_pk = measure.pk
        measure.pk = None
        measure._state.adding = True
        measure.campaign = target
        measure.indicator = indicators[measure.indicator_id]
        # Last year's values come from the source's approved figures (sync_last_year, below), not
        # from the source's own last year.
        for name in Measure.BASELINES:
            setattr(measure, name, None)
        measure.baseline_source = ""
        measure.save()
        MeasureAssignment.objects.bulk_create(
            MeasureAssignment(measure=measure, unit_id=a.unit_id, role=a.role) for a in assignments if a.measure_id == old_pk
        )
    deadlines = [Deadline(campaign=target, quarter=d.quarter, unit=None, due_on=_shift_year(d.due_on, target_year - source_year))
                 for d in source.deadlines.filter(unit__isnull=True)]
    # A date the admin would refuse (a last quarter kept open for months, as the demo does) is not
    # copied: the quarter takes the default deadline, which copy_campaign's command says.
    Deadline.objects.bulk_create(d for d in deadlines if not d.rule_problems())
    _copy_scoring_scheme(source, target, target_year - source_year)
    sync_last_year(source)
    return target


def after_copy(campaign: Campaign, source_year: int) -> tuple[str, list[str]]:
    """What copy_campaign did, and what the admin is to see to next, in the site's words: the
    command and the admin's "copy to the next year" say the same."""
    done = _("Created the %(year)s programme from %(source)s: %(themes)s themes, %(indicators)s indicators, %(measures)s "
             "measures. Once the %(year)s programme is issued, enter its number and date of issue in the admin (until then "
             "the pages and reports say it has none), and review its deadlines and targets.") % {
        "year": campaign.year, "source": source_year, "themes": campaign.themes.count(),
        "indicators": campaign.indicators.count(), "measures": campaign.measures.count()}
    notes = []
    copied = set(campaign.deadlines.filter(unit__isnull=True).values_list("quarter", flat=True))
    for quarter in sorted(set(Deadline.objects.filter(campaign__year=source_year, unit__isnull=True).values_list("quarter", flat=True))
                          - copied):
        notes.append(_("The %(quarter)s deadline of %(source)s, moved to %(year)s, falls outside the dates a deadline may have; "
                       "%(quarter)s %(year)s is due on the default %(date)s. Set it in the admin.") % {
            "quarter": progress.quarter_label(quarter), "source": source_year, "year": campaign.year,
            "date": campaign.default_deadline(quarter).strftime("%d/%m/%Y")})
    # Copied as they were: a unit retired since would be owed reports it will never send.
    if note := retired_still_reporting(campaign):
        notes.append(note)
    return done, notes


def retired_still_reporting(campaign: Campaign, units=None) -> str | None:
    """What units no longer active (of `units`, a queryset; all when None) are still given in
    `campaign`: its measures, active tasks and indicators they lead, each unit with what it holds;
    None when none. Said by the copy to a new year (after_copy) and when a unit is deactivated in
    the admin: in the same words."""
    retired = Unit.objects.filter(is_active=False) if units is None else units.filter(is_active=False)
    held: dict[int, list[str]] = {}
    measures, tasks, indicators = {}, {}, {}
    for unit_id, code in (MeasureAssignment.objects.filter(measure__campaign=campaign, unit__in=retired)
                          .order_by("measure__order", "measure__code").values_list("unit_id", "measure__code")):
        measures.setdefault(unit_id, []).append(code)
    for given in (Task.responsible_units.through.objects.filter(task__theme__campaign=campaign, task__is_active=True, unit__in=retired)
                  .select_related("task__theme").order_by("task__theme__number", "task__number")):
        tasks.setdefault(given.unit_id, []).append(given.task.code)
    for unit_id, number in (Indicator.objects.filter(campaign=campaign, lead_unit__in=retired).order_by("number")
                            .values_list("lead_unit_id", "number")):
        indicators.setdefault(unit_id, []).append(str(number))
    for unit_id in {*measures, *tasks, *indicators}:
        held[unit_id] = ([_("measures %(codes)s") % {"codes": ", ".join(measures[unit_id])}] if unit_id in measures else []) + (
            [_("tasks %(codes)s") % {"codes": ", ".join(tasks[unit_id])}] if unit_id in tasks else []) + (
            [_("lead of indicators %(numbers)s") % {"numbers": ", ".join(indicators[unit_id])}] if unit_id in indicators else [])
    if not held:
        return None
    units = ", ".join(f"{unit_label(unit)} ({'; '.join(held[unit.pk])})" for unit in Unit.objects.filter(pk__in=held).order_by("code"))
    return _("Units no longer active still report in %(year)s: %(units)s. Give their measures, tasks and indicators "
             "to other units in the admin, or make them active again.") % {"year": campaign.year, "units": units}


def last_year_source(year: int) -> str:
    """The source named on the last-year values that sync_last_year writes: stored as it is, in
    English (what sync_last_year looks for); the admin shows it as last_year_source_shown."""
    return f"Approved figures of {year} in this system"


def last_year_source_shown(year: int) -> str:
    """last_year_source in the page's language: what the measure's admin page shows in its place,
    and takes for it (admin.MeasureForm)."""
    return _("Approved figures of %(year)s in this system") % {"year": year}


def sync_last_year(campaign: Campaign, user=None) -> int:
    """Next year's "same period last year" and "last year's actual", as `campaign`'s approved
    figures stand now (their year-to-date at each quarter). Called wherever `campaign`'s approved
    reports change (workflow.approve and reopen, and copy_campaign), in the same transaction: next
    year is set up before this year's fourth quarter is approved and months before its yearly
    figures (PCI, PAPI), and a correction may come later still; a copy taken once would leave next
    year comparing with nothing, or with a figure since corrected. A measure whose last-year values
    an admin entered from a publication (another source) keeps them. The measures' history names
    `user`, whose approval or reopening moved them. Returns the measures changed."""
    following = Campaign.objects.filter(year=campaign.year + 1).first()
    if following is None:
        return 0
    system = last_year_source(campaign.year)
    # Locked before the figures are read: an approval at the same moment waits here, then reads
    # this one too, and never writes values without it. (Every write also waits on the data
    # version's row, which orders them already; this rule does not lean on that.)
    measures = list(following.measures.select_for_update().filter(baseline_source__in=("", system)).order_by("pk"))
    if not measures:
        return 0
    codes = dict(campaign.measures.values_list("pk", "code"))
    actuals = {codes[pk]: ytd for pk, ytd in _approved_ytd(campaign).items()}
    changed = 0
    for measure in measures:
        ytd = actuals.get(measure.code, {})
        values = {"previous_year": ytd.get(4), **{f"same_period_q{q}": ytd.get(q) for q in (1, 2, 3, 4)},
                  "baseline_source": system if ytd else ""}
        if all(getattr(measure, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(measure, name, value)
        measure._change_reason = history.system_reason(history.LAST_YEAR)
        measure._history_user = user
        measure.save()
        changed += 1
    return changed


def _copy_scoring_scheme(source: Campaign, target: Campaign, years: int) -> None:
    """Next year starts from this year's scoring scheme, open (not closed), registration date moved on."""
    scheme = ScoringScheme.objects.filter(campaign=source).first()
    if scheme is None:
        return
    data = dict(scheme.data)
    if data.get("registration_until"):
        data["registration_until"] = _shift_year(datetime.date.fromisoformat(data["registration_until"]), years).isoformat()
    ScoringScheme.objects.create(campaign=target, data=data)


def _approved_ytd(campaign: Campaign) -> dict[int, dict[int, object]]:
    """measure id → {quarter: approved year-to-date} for the quarters that have data."""
    reported = (
        Submission.objects.filter(campaign=campaign, state=Submission.State.APPROVED).aggregate(q=Max("quarter"))["q"]
    )
    result: dict[int, dict[int, object]] = {}
    for quarter in range(1, (reported or 0) + 1):
        overview = build_overview(campaign, quarter, states=(Submission.State.APPROVED,))
        for row in overview.measures:
            p = row.progress
            # A full-year view without the year figure (in_year) carries nine-month data: not a year figure.
            if p.ytd is not None and not p.missing_quarters and p.ytd_quarter in (None, quarter) and p.in_year is None:
                result.setdefault(row.measure.pk, {})[quarter] = p.ytd
    return result


def _shift_year(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
