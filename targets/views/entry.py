"""Nhập số liệu: a unit's figures for one quarter on one page; save as draft, then submit."""

from __future__ import annotations

import re
from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from targets import access, progress, ranking, scoring, timeliness, workflow
from targets.forms import EntryFormSet, TaskFormSet
from targets.language import language
from targets.models import Campaign, Figure, Measure, MeasureAssignment, Pledge, Submission, Task, TaskReport, Unit, takes_part
from targets.overview import (
    figure_series,
    judged_on,
    last_known_quarter,
    no_figures,
    units_owing,
    unsent_reports,
    whole_year_to_date,
)
from targets.templatetags.emulation import localized
from targets.views.common import entry_units, entry_year, entry_year_units, programme_year, quarter_param, unit_codes


def _last_year(campaign: Campaign, unit: Unit, quarter: int, measures) -> dict[str, object]:
    """The unit's own approved year-to-date for the same period last year, by measure code: a
    district compares itself with its own past, never with the province's, and with what was
    approved, as the dashboards do (services.sync_last_year), never with a draft or an unreviewed report."""
    figures = list(Figure.objects.filter(
        submission__campaign__year=campaign.year - 1, submission__unit=unit, submission__quarter__lte=quarter,
        submission__state=Submission.State.APPROVED,
        measure__code__in=[m.code for m in measures]).select_related("submission", "measure__campaign"))
    series = figure_series(figures)
    result = {}
    for measure in {f.measure_id: f.measure for f in figures}.values():
        p = progress.evaluate(measure.spec(), quarter, **series[measure.pk], today=judged_on())
        # Only the same period's: a rate last reported a quarter earlier is not "the same period last year".
        if p.ytd is not None and not p.missing_quarters and p.in_year is None and p.ytd_quarter in (None, quarter):
            result[measure.code] = p.ytd
    return result


def _rows(campaign: Campaign, unit: Unit, quarter: int):
    """One row per assigned measure with the unit's own context beside the input."""
    assignments = list(MeasureAssignment.objects.filter(unit=unit, measure__campaign=campaign)
                       .select_related("measure__campaign").order_by("measure__order"))
    figures = list(Figure.objects.filter(submission__campaign=campaign, submission__unit=unit, submission__quarter__lte=quarter)
                   .select_related("submission"))
    own = {(f.measure_id, f.submission.quarter): f for f in figures}
    series = figure_series(figures)
    earlier = figure_series(f for f in figures if f.submission.quarter < quarter)
    last_year = _last_year(campaign, unit, quarter, [a.measure for a in assignments])
    pledges = {p.measure_id: p for p in Pledge.objects.filter(unit=unit, measure__campaign=campaign)}
    rows, today = [], judged_on()
    for a in assignments:
        m = a.measure
        lead = a.role == MeasureAssignment.Role.LEAD
        now = progress.evaluate(m.spec(), quarter, **series.get(m.pk, no_figures()), today=today)
        previous = own.get((m.pk, quarter - 1))
        # The quarter before as the engine has it (typed, or given by two years to date), else the
        # last one with a figure: shown, and what a jump is measured from.
        last_amount, last_quarter = last_known_quarter(m, quarter, earlier.get(m.pk))
        rows.append({
            "measure": m,
            "figure": own.get((m.pk, quarter)),
            "progress": now if now.in_year is None else None,
            "previous": last_amount,
            "previous_quarter": last_quarter if last_quarter != quarter - 1 else None,
            "previous_verdict": previous.verdict if previous else "",
            "so_far": whole_year_to_date(m, quarter - 1, earlier.get(m.pk)),
            # Only a target set for this unit: the province's target is the lead unit's alone; a
            # district's is the one it pledged (giao ước thi đua), where it signed one.
            "target": m.target if lead else (pledges[m.pk].target if m.pk in pledges else None),
            "pledge": None if lead else pledges.get(m.pk),
            # The lead unit's is the province's, chosen as the dashboards choose it.
            "same_period": progress.last_year(m.spec(), quarter)[0] if lead else last_year.get(m.code),
            "disagreements": [d for d in now.disagreements if d.quarter == quarter],
        })
    return rows


def _task_rows(campaign: Campaign, unit: Unit, submission: Submission | None) -> list[dict]:
    """The active tasks of themes II–VI the unit is responsible for, with its report of the quarter."""
    tasks = Task.objects.filter(theme__campaign=campaign, is_active=True, responsible_units=unit).select_related("theme")
    reports = {r.task_id: r for r in TaskReport.objects.filter(submission=submission)} if submission else {}
    return [{"task": task, "report": reports.get(task.pk)} for task in tasks.order_by("theme__number", "number")]


def _window(user, campaign, unit, quarter, submission, rows) -> tuple[str | None, set[int] | None]:
    """Why the page is closed (None when open) and, when only some measures may still be
    entered (yearly figures after the Q4 deadline), which ones."""
    try:
        workflow.check_may_edit(user, campaign=campaign, unit=unit, quarter=quarter, submission=submission)
        return None, None
    except workflow.EntryRefused as refused:
        yearly = [r["measure"] for r in rows if r["measure"].frequency == Measure.Frequency.YEARLY]
        try:
            workflow.check_may_edit(user, campaign=campaign, unit=unit, quarter=quarter, submission=submission, measures=yearly)
        except workflow.EntryRefused:
            return refused.message, None
        return None, {m.pk for m in yearly}


UNSENT_LISTED = 3  # the other reports still owed listed on the entry page; beyond, how many more


def _unsent_more(rest: list[dict]) -> list[tuple[int, int]]:
    """The reports owed beyond those listed, as (year, how many), in the list's order. The box links
    each year to the unit's page for it (/don-vi/<code>/?year=), not to the late page: that one lists
    one quarter of every unit, where a reporter would look for its own among forty; the unit's page
    gives each quarter of its year, its state and whether it was late, each to be opened from there."""
    return list(Counter(r["campaign"].year for r in rest).items())


@require_http_methods(["GET", "POST"])
def entry(request):
    units = access.editable_units(request.user)
    if not access.is_reviewer(request.user) and not access.is_reporter(request.user):
        raise PermissionDenied(_("Only reporters and the secretariat enter figures."))
    # The page reads deadlines up to three times (where it opens, whether it is open, the one it
    # shows): they come with the programmes, in one query.
    try:
        # The one it asks for (?unit=; of several, the first, each checked), else the first of its
        # own (entry_units: the template download's rule too), for a year the unit takes part in.
        codes = unit_codes(request)
        chosen = entry_units(request.user, units, codes)
        year = programme_year(request, Campaign.objects.prefetch_related("deadlines"),
                              default=lambda listed: entry_year(listed, chosen[0]))
        campaign = year["campaign"]
        unit = entry_year_units(chosen, codes, campaign.year)[0]
    except PermissionDenied as refused:
        if request.method != "POST":
            raise
        # The unit taken from the person while their page was open: refused, and what they typed
        # shown back to be copied, not lost (it is their own post: nothing of the unit is read).
        return render(request, "403.html", {"exception": refused, "unsaved": _posted_words(request.POST)}, status=403)
    quarter = quarter_param(request) or campaign.entry_quarter(unit)
    data = request.POST if request.method == "POST" else None
    page = _page(request.user, campaign, unit, quarter, data)
    status = 200
    if request.method == "POST":
        try:
            if page["refusal"]:
                raise workflow.EntryRefused(page["refusal"], forbidden=True)
            outcome = _post(request, campaign, unit, quarter, page["formset"], page["tasks"])
        except workflow.EntryRefused as refused:
            # Sent, approved or closed meanwhile (a colleague, a double click, the deadline): the
            # page again as the report stands now, with why and what was typed and not saved.
            if not page["refusal"]:  # found while saving: read again
                page = _page(request.user, campaign, unit, quarter, data)
            if page["refusal"] is None and not refused.forbidden:  # still open (nothing to send, say): as any message
                messages.error(request, refused.message)
            else:
                messages.error(request, _("Nothing was saved."))
                page["refusal"], status = page["refusal"] or refused.message, 403
        else:
            if outcome is None:
                return redirect(f"{reverse('entry')}?year={campaign.year}&quarter={quarter}&unit={unit.code}")
            page["conflicts"] = outcome
    deadline, submission = campaign.deadline(quarter, unit), page["submission"]
    # The unit's other reports still owed (last year's fourth quarter, once the page has moved on to
    # the new year; an old draft), this year's first, and the quarter being collected when the page
    # opens on another: a few lines on a phone page.
    unsent = unsent_reports(unit, year["campaigns"], shown=(campaign.year, quarter), collected=True)
    return render(request, "targets/entry.html", {
        "unsent": unsent[:UNSENT_LISTED], "unsent_more": _unsent_more(unsent[UNSENT_LISTED:]),
        "unsent_more_count": max(len(unsent) - UNSENT_LISTED, 0),
        # A reporter of several units: which others owe reports, in one line (two queries for all).
        # Not the secretariat's: it enters for every unit, and the late page lists them.
        "others_owing": [] if access.is_reviewer(request.user) else units_owing(
            units.exclude(pk=unit.pk).order_by("kind", "code"), year["campaigns"]),
        # The units to choose from: those taking part in the year (a unit set up for a later one is not offered).
        **page, "campaign": campaign, "unit": unit, "quarter": quarter,
        "units": units.filter(takes_part(campaign.year)).order_by("kind", "code"),
        "quarters": (1, 2, 3, 4), "deadline": deadline, "campaigns": year["campaigns"],
        # Returned as not counted as sent: what that means for it now (the letter's words).
        "not_counted": workflow.not_counted_words(deadline, timezone.localdate())
        if submission is not None and submission.not_counted_as_sent else "",
        "reason_limit": Figure._meta.get_field("reason").max_length,
        # A page shown again (a warning, an error, a conflict) keeps what was ticked and typed below the
        # figures, and asks before it is left: nothing in it is saved.
        "posted": request.POST if request.method == "POST" else {},
    }, status=status)


def _page(user, campaign: Campaign, unit: Unit, quarter: int, data) -> dict:
    """The entry page's report, rows and forms (bound to `data` when posted) as the report stands now."""
    submission = Submission.objects.filter(campaign=campaign, unit=unit, quarter=quarter).select_related(
        "reviewed_by", "submitted_by").first()
    rows = _rows(campaign, unit, quarter)
    refusal, only = _window(user, campaign, unit, quarter, submission, rows)
    formset = EntryFormSet(data, rows=rows, lang=language(), prefix="figures")
    # A post without the task rows (a page opened before the unit had tasks) leaves its tasks alone.
    task_data = data if data is not None and "tasks-TOTAL_FORMS" in data else None
    tasks = TaskFormSet(task_data, rows=_task_rows(campaign, unit, submission), lang=language(), prefix="tasks")
    # Read before the fields are disabled, which hides what was sent: a post refused by the report's
    # state shows what differs from what is saved now, to be copied, not lost.
    unsaved = _typed(formset, tasks) if refusal and data is not None else []
    for form in formset:
        if refusal or (only is not None and form.row["measure"].pk not in only):
            _read_only(form, keep_row=not refusal)
    for form in tasks:
        if refusal or only is not None:  # tasks are quarterly, never among the late yearly figures
            _read_only(form, keep_row=not refusal)
    return {"submission": submission, "formset": formset, "tasks": tasks, "refusal": refusal, "yearly_only": only is not None,
            "unsaved": unsaved, "conflicts": []}


def _read_only(form, *, keep_row: bool) -> None:
    """Its fields shown, not editable (Django keeps what is stored, whatever is posted). With
    `keep_row` (rows read-only on a page that still saves and sends: the late yearly figures') the
    row's name and version stay in the post: sending sends such a row as stored, which must be what
    the page showed (workflow.changed_since_shown), and a row the page showed is not said "not on it"."""
    for name, field in form.fields.items():
        field.disabled = not (keep_row and name in ("measure", "task", "version"))


def _posted_words(data) -> list[tuple[str, list[str]]]:
    """What a refused entry page's post holds, row by row (a measure's or task's code and name, then
    each text typed in it), to be shown back so that nothing typed is lost."""
    rows = []
    for prefix, key, model, name in (("figures", "measure", Measure, "name"), ("tasks", "task", Task, "title")):
        found = re.compile(rf"{prefix}-([0-9]+)-{key}")
        # Ids as a page writes them (a few digits); anything else names no row (never a query error).
        posted = {m[1]: int(value) for field, value in data.items()
                  if (m := found.fullmatch(field)) and re.fullmatch(r"[0-9]{1,9}", value)}
        known = model.objects.in_bulk(list(posted.values()))
        for index, pk in sorted(posted.items(), key=lambda kv: (len(kv[0]), kv[0])):  # in the page's order
            item = known.get(pk)
            words = [value for field, value in data.items()
                     if field.startswith(f"{prefix}-{index}-") and field.rsplit("-", 1)[-1] not in (key, "version", "kind")
                     and str(value).strip()]
            if item is not None and words:
                rows.append((f"{item.code}. {localized(item, name)}", words))
    return rows


def _typed(formset, tasks) -> list[tuple[str, list[tuple[str, str]]]]:
    """What the person changed on each row, as sent: (row, [(field, text)])."""
    rows = [*((f"{f.row['measure'].code}. {localized(f.row['measure'], 'name')}", f) for f in formset),
            *((f"{f.row['task'].code}. {localized(f.row['task'], 'title')}", f) for f in tasks if f.is_bound)]
    return [(label, typed) for label, form in rows if (typed := form.typed())]


def _post(request, campaign, unit, quarter, formset, tasks):
    """Save (and submit) only if every form is valid. Returns conflicts, or None when done."""
    formset.compare_with_the_page()
    if tasks.is_bound:
        tasks.compare_with_the_page()
    tasks_valid = tasks.is_valid() if tasks.is_bound else True
    if not (formset.is_valid() and tasks_valid):  # both validated first, so every field shows its message
        messages.error(request, _("Nothing was saved: please correct the fields marked below."))
        return []
    if formset.warnings and not request.POST.get("confirm"):
        messages.warning(request, _("Nothing was saved yet: some figures look unusual. Check them, tick the confirmation and save again."))
        return []
    if request.POST.get("action") == "submit" and not request.POST.get("send_incomplete"):
        # A report the secretariat would find incomplete (the ranking's rule) is sent only when meant.
        expected = scoring.expected_in_report([row["measure"].code for row in formset.rows], quarter,
                                              ranking.annual_measures(campaign), [row["task"].code for row in tasks.rows])
        measures = [m.code for m in formset.without_figure() if m.code in expected]
        lacking = [t.code for t in tasks.without_assessment() if t.code in expected]
        formset.incomplete = [*measures, *lacking]
        if lacking:
            messages.warning(request, _("Nothing was saved or sent yet: %(count)s measures or tasks of this report have no "
                                        "figure or assessment (%(codes)s). Enter them, or tick “Send without them” and send "
                                        "again.") % {"count": len(formset.incomplete), "codes": ", ".join(formset.incomplete)})
            return []
        if measures:
            messages.warning(request, _("Nothing was saved or sent yet: %(count)s measures of this report have no figure "
                                        "(%(codes)s). Enter them, or tick “Send without them” and send again.") % {
                "count": len(measures), "codes": ", ".join(measures)})
            return []
    task_entries = tasks.entries() if tasks.is_bound else []
    submitting = request.POST.get("action") == "submit"
    # Figures, task reports and the sending together, or nothing: a report that cannot be sent
    # (nothing left in it) keeps what was saved before, and the page its versions. A refusal (sent,
    # approved or closed meanwhile; nothing to send) goes up to entry(), which shows the page as
    # the report stands now.
    with transaction.atomic():
        if submitting:
            # The report locked first: the check of rows changed since the page was opened and the
            # sending see the same report (a save with nothing typed takes no lock of its own).
            workflow.lock_reports(campaign, quarter, [unit])
        result = workflow.save_figures(user=request.user, campaign=campaign, unit=unit, quarter=quarter,
                                       entries=formset.entries(), reason=request.POST.get("reason", "").strip())
        tasks_result = workflow.TaskSaveResult() if result.conflicts else workflow.save_task_reports(
            user=request.user, campaign=campaign, unit=unit, quarter=quarter, entries=task_entries)
        task_conflicts = tasks_result.conflicts
        # Rows left as the page showed them are sent as stored: if someone changed one since, the
        # report is not sent on a figure its sender never saw (what they typed is saved).
        changed = workflow.changed_since_shown(campaign=campaign, unit=unit, quarter=quarter, figures=formset.shown_versions(),
                                               tasks=tasks.shown_versions() if tasks.is_bound else {}) if submitting else []
        if result.conflicts or task_conflicts:
            transaction.set_rollback(True)
        elif submitting and not changed:
            workflow.submit(user=request.user, campaign=campaign, unit=unit, quarter=quarter)
    if result.conflicts or task_conflicts:
        messages.error(request, _("Nothing was saved: someone changed these figures after you opened the page. "
                                  "Compare the values below and save again."))
        return result.conflicts + task_conflicts
    if changed and (result.saved or result.removed or tasks_result.saved):
        messages.warning(request, _("Not sent: since you opened the page, someone changed %(rows)s. What you typed is saved; "
                                    "the page now shows every figure as it stands: check them and send again.") % {
            "rows": ", ".join(changed)})
    elif changed:  # nothing typed: nothing to say was saved
        messages.warning(request, _("Not sent: since you opened the page, someone changed %(rows)s. The page now shows every "
                                    "figure as it stands: check them and send again.") % {"rows": ", ".join(changed)})
    elif submitting:
        messages.success(request, _("Submitted for review."))
        # Sent after its deadline (and not kept on time by an earlier sending): the unit is told now,
        # not at the year's ranking.
        sent = Submission.objects.get(campaign=campaign, unit=unit, quarter=quarter)
        due, today = campaign.deadline(quarter, unit), timezone.localdate()
        if timeliness.timeliness(due, today, today, timezone.localtime(sent.first_submitted_at).date()) == timeliness.LATE:
            messages.warning(request, _("Sent after its deadline (%(date)s): the report counts as sent late.") % {
                "date": due.strftime("%d/%m/%Y")})
    else:
        messages.success(request, _("Saved as a draft (%(count)s figures).") % {"count": len(result.saved)})
        if tasks_result.saved:
            messages.success(request, _("Task reports saved: %(count)s.") % {"count": tasks_result.saved})
    if not_sent := formset.not_sent() + tasks.not_sent():
        messages.info(request, _("The list changed since you opened the page: %(rows)s, not on your page, was left as it "
                                 "was. Check it below.") % {"rows": ", ".join(not_sent)})
    return None
