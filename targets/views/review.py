"""Thẩm định: the secretariat's queue by period, approve several at once, return with a comment,
reopen (admins), late units and reminders; and the history of a quarterly report."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from targets import access, history, ranking, scoring, validators, workflow
from targets.models import (
    Campaign,
    Figure,
    MeasureAssignment,
    Reminder,
    Submission,
    Task,
    TaskReport,
    reports_waiting_for_review,
    review_campaign,
)
from targets.overview import unit_breakdown
from targets.tables import ReviewTable, sorted_and_paginated, state_rank
from targets.templatetags.emulation import localized
from targets.views.common import as_id, programme_year, quarter_param


class DecisionForm(forms.Form):
    """The comment of a return or the reason of a reopening: the report's comment field, with its limit."""

    comment = validators.form_field(Submission, "review_comment", required=False,
                                    widget=forms.Textarea(attrs={"class": "form-control mb-2", "rows": 3}))
    # The report's version as the page showed it: a decision is on what the reviewer read (workflow.check_version).
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # With a return only (workflow.return_for_correction).
    # Its help text as Django names it (id_unsent_helptext), so that an error under it is described too.
    unsent = forms.BooleanField(required=False, label=gettext_lazy("Do not count it as sent: it will be on time or late by the "
                                                                    "day the unit sends it again"),
                                help_text=gettext_lazy("When returning a report that was not a real report (nearly empty, or "
                                                       "another quarter's): without this, a report sent by its deadline stays on "
                                                       "time while it is corrected."),
                                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))


def _require_reviewer(user) -> None:
    if not access.is_reviewer(user):
        raise PermissionDenied(_("Only the emulation secretariat reviews submissions."))


@require_http_methods(["GET", "POST"])
def queue(request):
    _require_reviewer(request.user)
    # Deadlines (the late units, the quarter to open) come with the programmes, in one query.
    everywhere = reports_waiting_for_review()
    year = programme_year(request, Campaign.objects.prefetch_related("deadlines"), default=lambda listed: review_campaign(listed, everywhere))
    campaign = year["campaign"]
    waiting = {q: n for (y, q), n in everywhere.items() if y == campaign.year}
    quarter = quarter_param(request) or campaign.review_quarter(waiting=waiting)
    if request.method == "POST":
        return _bulk(request, campaign, quarter)
    submissions = list(Submission.objects.filter(campaign=campaign, quarter=quarter).select_related("unit", "submitted_by", "reviewed_by"))
    campaign.as_closed(s.unit for s in submissions)  # a closed year's units named as its signed report names them; never saved
    expected, reported = _expected_and_reported(campaign, quarter)
    disagreements = _disagreements(campaign, quarter, [s.unit_id for s in submissions])
    select_all = request.GET.get("select") == "all"  # every report waiting for review ticked, to approve at once
    for s in submissions:
        s.selected = select_all and s.state == Submission.State.SUBMITTED
        s.expected = len(expected[s.unit_id])
        s.filled = len(expected[s.unit_id] & reported[s.pk])
        s.lacking = s.expected - s.filled  # sorting by completeness puts the report that lacks the most first
        s.disagreements = disagreements.get(s.unit_id, [])
        s.state_rank = state_rank(s)
    # A closed year's reports are neither approved nor sent any more (workflow.refuse_if_year_closed):
    # reports waiting in it (a year closed by its box) get no button, late units no reminder; the reason instead.
    closed = campaign.closed_problem()
    return render(request, "targets/review.html", {
        **year, "quarter": quarter, "quarters": (1, 2, 3, 4),
        "table": sorted_and_paginated(ReviewTable(submissions), request),
        "late": workflow.late_units(campaign, quarter),
        "last_reminder": Reminder.objects.filter(campaign=campaign, quarter=quarter).select_related("sent_by").order_by("-sent_at").first(),
        # Reports waiting elsewhere, other years' too (last year's fourth quarter in April).
        "elsewhere": sorted((y, q, n) for (y, q), n in everywhere.items() if (y, q) != (campaign.year, quarter)),
        "approvable": quarter in waiting and not closed, "select_all": select_all, "closed": closed,
    })


def _expected_and_reported(campaign, quarter: int) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """What each unit's complete report of the quarter carries (the ranking's rule:
    scoring.expected_in_report), and what each report carries: measures with a figure, tasks assessed."""
    annual = ranking.annual_measures(campaign)
    assigned: dict[int, set[str]] = defaultdict(set)
    for unit_id, code in MeasureAssignment.objects.filter(measure__campaign=campaign).values_list("unit_id", "measure__code"):
        assigned[unit_id].add(code)
    answers_for: dict[int, set[str]] = defaultdict(set)
    for link in Task.responsible_units.through.objects.filter(
            task__theme__campaign=campaign, task__is_active=True, task__theme__number__gte=2).select_related("task__theme"):
        answers_for[link.unit_id].add(link.task.code)
    reported: dict[int, set[str]] = defaultdict(set)
    for submission_id, code in Figure.objects.filter(submission__campaign=campaign, submission__quarter=quarter).values_list(
            "submission_id", "measure__code"):
        reported[submission_id].add(code)
    for report in TaskReport.objects.filter(submission__campaign=campaign, submission__quarter=quarter).exclude(verdict="").select_related(
            "task__theme"):
        reported[report.submission_id].add(report.task.code)
    expected = defaultdict(set, {unit_id: scoring.expected_in_report(assigned[unit_id], quarter, annual, answers_for[unit_id])
                                 for unit_id in assigned.keys() | answers_for.keys()})
    return expected, reported


def _disagreements(campaign, quarter: int, unit_ids, rows: list[dict] | None = None) -> dict[int, list]:
    """Each unit's reported year-to-date figures for the quarter that do not add up with its
    reported quarters, with both numbers, so the reviewer asks before approving: by unit, a
    (measure, its disagreements) pair for each measure that has one. `rows`: the units' rows of
    unit_breakdown (_units_progress) where the caller has them already."""
    if rows is None:
        rows = _units_progress(campaign, quarter, unit_ids)
    found: dict[int, list] = {}
    for row in rows:
        if here := [d for d in row["progress"].disagreements if d.quarter == quarter]:
            found.setdefault(row["assignment"].unit_id, []).append((row["assignment"].measure, here))
    return found


def _units_progress(campaign, quarter: int, unit_ids) -> list[dict]:
    """The units' rows of unit_breakdown for the quarter, their reports in any state: what the
    reviewer reads is what was sent (and what the entry page showed its reporter)."""
    return unit_breakdown(campaign, quarter, states=Submission.State.values, units=unit_ids)


def _bulk(request, campaign, quarter):
    # Back to the queue sorted as it was (the form posts to the page's own address), so the rows stay in place.
    kept = {"sort": request.GET["sort"]} if request.GET.get("sort") else {}
    target = f"{reverse('review')}?{urlencode({'year': campaign.year, 'quarter': quarter, **kept})}"
    if request.POST.get("action") == "remind":
        try:
            reminded = workflow.send_reminders(campaign=campaign, quarter=quarter, user=request.user)
        except workflow.MailFailed as failed:
            messages.error(request, _("The mail server did not answer: reminders went to %(count)s late units only; try again later.")
                           % {"count": failed.sent})
        except workflow.EntryRefused as refused:  # the year is closed
            messages.error(request, refused.message)
        else:
            if reminded.sent or not reminded.already:
                messages.success(request, _("Reminders sent to %(count)s late units.") % {"count": reminded.sent})
            if reminded.already:
                messages.info(request, _("%(count)s late units were already reminded today (last at %(when)s, by %(who)s): "
                                         "they are not written to again.") % {
                    "count": len(reminded.already), "when": date_format(timezone.localtime(reminded.last.sent_at), "SHORT_DATETIME_FORMAT"),
                    "who": reminded.last.sent_by or "–"})
            for unit in reminded.unreachable:  # as after a return: no late unit is believed reminded when it was not
                _unreachable(request, unit)
        return redirect(target)
    ids = [i for i in map(as_id, request.POST.getlist("submission")) if i is not None]
    # Only the reports this page lists (its quarter's): a report of another quarter is approved from its own page.
    chosen = list(Submission.objects.filter(pk__in=ids, campaign=campaign, quarter=quarter).select_related("unit"))
    if not chosen:
        messages.error(request, _("Tick at least one report to approve."))
        return redirect(target)
    seen = {s.pk: as_id(request.POST.get(f"version-{s.pk}")) for s in chosen}
    # A report ticked without the version its row showed (a page from before the check, a post made by
    # hand; or one no page writes) is on a page older than it: nothing approved unchecked.
    if any(version is None for version in seen.values()):
        messages.error(request, _("Nothing was approved: this page is out of date; reload it and tick the reports again."))
        return redirect(target)
    try:
        count = workflow.approve(user=request.user, submissions=chosen, seen=seen)
    except workflow.EntryRefused as refused:  # all or none: say that the others were not approved either
        messages.error(request, _("Nothing was approved: %(reason)s") % {"reason": refused.message})
        return redirect(target)
    messages.success(request, _("Approved %(count)s reports.") % {"count": count})
    return redirect(target)


@require_http_methods(["GET"])
def submission(request, pk: int):
    """A quarterly report: its figures and the full history of figures and states."""
    report = get_object_or_404(Submission.objects.select_related("unit", "campaign", "submitted_by", "reviewed_by"), pk=pk)
    return _report_page(request, report, DecisionForm())


def _report_page(request, report: Submission, form: DecisionForm, *, posted: tuple[str | None, int | None] | None = None):
    """`posted`: a decision refused, as (its action, the report's version its page showed). On a report
    changed since (decided or sent again meanwhile, or a page without its version), or with a box now
    for another decision, what was typed is shown apart, said to be not sent. It stays in the box, its
    error beside it, only where the box is for the same decision; never in another's (an approved
    report's reopening reason, one click from sending a return's comment as one)."""
    user = request.user
    own = user.units.filter(pk=report.unit_id).exists()
    if not (access.is_reviewer(user) or own or (report.state in Submission.VISIBLE_STATES and access.roles(user))):
        raise PermissionDenied(_("You cannot see this unit's unsent figures."))
    figures = list(report.figures.select_related("measure", "entered_by").order_by("measure__order"))
    rows = _units_progress(report.campaign, report.quarter, [report.unit_id])
    # A quarter's own amount not typed but worked out from two years to date by the engine
    # (progress.evaluate), as the entry page, the indicator page and the API show it.
    derived = {row["assignment"].measure_id: row["progress"].quarter_value for row in rows if row["progress"].quarter_value_derived}
    for f in figures:
        f.derived_quarter_value = derived.get(f.measure_id) if f.value is None else None
    figure_history = history.with_previous(
        Figure.history.filter(submission_id=report.pk).select_related("history_user", "measure").order_by("history_date"))
    task_history = history.with_previous(
        TaskReport.history.filter(submission_id=report.pk).select_related("history_user", "task__theme").order_by("history_date"))
    state_history = report.history.select_related("history_user").order_by("-history_date")
    # What the queue says of the report, here too, where it is approved: how complete it is, and
    # the year-to-date figures that do not add up.
    expected, reported = _expected_and_reported(report.campaign, report.quarter)
    missing = expected[report.unit_id] - reported[report.pk]
    # A closed year's reports are neither reviewed nor reopened (workflow.refuse_if_year_closed): no
    # button that would be refused, and the reason said instead.
    closed = report.campaign.closed_problem() if access.is_reviewer(user) else None
    report.campaign.as_closed([report.unit])  # headed as the year's signed report names the unit; never saved
    may_review = access.is_reviewer(user) and report.state == Submission.State.SUBMITTED and not closed
    may_reopen = access.is_admin(user) and report.state == Submission.State.APPROVED and not closed
    unsent = ""
    if posted is not None:
        action, seen = posted
        box = "reopen" if may_reopen else "review" if may_review else None
        same_box = box == ("reopen" if action == "reopen" else "review")
        if seen != report.version or not same_box:
            typed = form.data.get("comment", "")
            unsent = "" if workflow.no_comment(typed) else typed.replace("\r\n", "\n")
        if not same_box:
            form = DecisionForm()
    return render(request, "targets/submission.html", {
        "expected": len(expected[report.unit_id]), "filled": len(expected[report.unit_id]) - len(missing),
        "missing": ", ".join(sorted(missing, key=ranking.code_order)),
        "disagreements": _disagreements(report.campaign, report.quarter, [report.unit_id], rows).get(report.unit_id, []),
        "report": report, "figures": figures, "figure_history": figure_history, "task_history": task_history,
        "state_history": state_history,
        "may_review": may_review, "may_reopen": may_reopen, "closed": closed, "unsent": unsent,
        "task_reports": report.task_reports.select_related("task__theme").order_by("task__theme__number", "task__number"),
        "form": form,
    })


def _unreachable(request, unit) -> None:
    messages.warning(request, _("No active member of %(unit)s has an e-mail address: tell its staff another way.")
                     % {"unit": localized(unit, "name")})


def _say_if_not_told(request, decision: workflow.Decision) -> None:
    unit = decision.submission.unit
    if decision.told is None:
        messages.warning(request, _("The mail server did not answer: %(unit)s was not told by e-mail; tell its staff another way.")
                         % {"unit": localized(unit, "name")})
    elif decision.told is False:
        _unreachable(request, unit)


@require_POST
def decide(request, pk: int):
    """Approve, return with a comment, or reopen (admins) one report."""
    _require_reviewer(request.user)
    report = get_object_or_404(Submission.objects.select_related("unit", "campaign", "submitted_by", "reviewed_by"), pk=pk)
    request.page_address = reverse("submission", args=[report.pk])  # this address takes only the form (context_processors)
    action = request.POST.get("action")
    if action not in ("approve", "return", "reopen"):  # no button of the page posts it: nothing to decide, nor typed to keep
        messages.error(request, _("Unknown action."))
        return redirect("submission", pk=report.pk)
    form = DecisionForm(request.POST)
    form.is_valid()  # what was typed, read whatever is refused below: shown back, never lost (_report_page)
    seen = as_id(request.POST.get("version"))
    posted = (action, seen)
    # A page opened before the report changed is said so first, whatever else is wrong with what was
    # posted: the page shown again carries the report's new version, so only a reviewer told of the
    # change decides on it (the decision itself is checked again under the row lock). A post without
    # the version (a page from before the check, one made by hand; or a version no page writes) is
    # from a page older than the report: never a decision applied unchecked.
    try:
        if seen is None:
            raise workflow.EntryRefused(_("This page is out of date: reload it, read the report again and decide."))
        workflow.check_version(report, seen)
    except workflow.EntryRefused as changed:
        messages.error(request, changed.message)
        return _report_page(request, report, form, posted=posted)
    if not form.is_valid():
        # The page again with the comment as typed, its error beside it: a comment too long is cut
        # by its writer, not lost.
        return _report_page(request, report, form, posted=posted)
    text = form.cleaned_data["comment"]
    if action == "approve" and (form.cleaned_data["unsent"] or not workflow.no_comment(text)):
        # What was ticked or typed belongs to a return: approving would drop it unsaid (a click on
        # the wrong button). Said at its box, with what was typed kept.
        if form.cleaned_data["unsent"]:
            form.add_error("unsent", _("This box goes with “Return for correction”: untick it to approve the report."))
        if not workflow.no_comment(text):
            form.add_error("comment", _("An approval carries no comment: return the report with it, or clear it to approve."))
        return _report_page(request, report, form, posted=posted)
    try:
        if action == "approve":
            workflow.approve(user=request.user, submissions=[report], seen={report.pk: seen})
            messages.success(request, _("Approved."))
        elif action == "return":
            counts_as_sent = not form.cleaned_data["unsent"]
            decision = workflow.return_for_correction(user=request.user, submission=report, comment=text, counts_as_sent=counts_as_sent,
                                                      seen=seen)
            messages.success(request, _("Returned to the unit with your comment.") if counts_as_sent else
                             _("Returned to the unit with your comment; the report does not count as sent."))
            _say_if_not_told(request, decision)
        elif action == "reopen":
            decision = workflow.reopen(user=request.user, submission=report, reason=text, seen=seen)
            messages.success(request, _("Reopened; the unit can correct its figures."))
            _say_if_not_told(request, decision)
    except workflow.EntryRefused as refused:
        if refused.forbidden:
            raise PermissionDenied(refused.message) from None
        if refused.field in form.fields:
            form.add_error(refused.field, refused.message)  # beside the comment box, which gets the focus
        else:
            messages.error(request, refused.message)
        report.refresh_from_db()  # as it stands now, with the comment kept to send again, or shown as not sent
        return _report_page(request, report, form, posted=posted)
    return redirect("submission", pk=report.pk)
