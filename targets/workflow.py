"""Quarterly entry and review: who may change which figures when, and the state changes.

Each write is one transaction; every refusal is an `EntryRefused` whose message says why in
plain words ("the period closed on …", "approved by … on …", "belongs to another unit").
Figures carry a version number, so a save made against a stale page is refused with both
values shown instead of silently overwriting a colleague's figure.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.mail import send_mail
from django.db import connections, router, transaction
from django.db.models import Max, prefetch_related_objects
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override
from simple_history.utils import bulk_create_with_history

from targets import access, history, progress, ranking, scoring, services, validators
from targets.language import language
from targets.models import Campaign, Figure, Measure, MeasureAssignment, Reminder, Submission, Task, TaskReport, Unit
from targets.overview import submission_status

State = Submission.State


class EntryRefused(Exception):
    """A change that is not allowed; `message` is for the user, `forbidden` means HTTP 403."""

    def __init__(self, message: str, forbidden: bool = False, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.forbidden = forbidden
        self.field = field  # the form field the message is about, where there is one (shown beside it)


@dataclass
class Entry:
    """What the user typed for one measure (already validated)."""

    measure: Measure
    value: Decimal | None = None
    cumulative: Decimal | None = None  # the year-to-date as reported (flows)
    verdict: str = ""
    narrative: str = ""
    note: str = ""
    source: str = ""
    kind: str = Figure.Kind.OFFICIAL
    version: int | None = None  # the version the user's page showed; None for a new figure

    @property
    def empty(self) -> bool:
        return self.value is None and self.cumulative is None and not self.verdict

    @property
    def words_without_figure(self) -> str | None:
        """Which of a note and a source is typed on a row without a figure: a figure carries them,
        so without one they would be lost (None when there is no such text)."""
        if self.empty:
            return "note" if self.note else "source" if self.source else None
        return None


def words_without_figure_message() -> str:
    return _("A note or a source goes with a figure: type the figure, or clear the note and the source (clearing the whole "
             "row deletes a saved figure).")


def conflicts(theirs: Figure | None, entry: Entry) -> bool:
    """Whether saving `entry` would overwrite a change made since its page or workbook was read:
    the stored figure `theirs` is at another version and says something else (a row that says what
    is stored already is no conflict, whatever version it was read at), or it was deleted since."""
    if theirs is not None:
        return entry.version != theirs.version and differs(theirs, entry)
    return entry.version is not None and not entry.empty


@dataclass
class Conflict:
    measure: Measure
    theirs: Figure
    mine: Entry


@dataclass
class SaveResult:
    submission: Submission
    saved: list[Figure] = field(default_factory=list)
    removed: int = 0
    conflicts: list[Conflict] = field(default_factory=list)


def _when(moment: datetime.datetime | datetime.date | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime.datetime):
        return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    return date_format(moment, "SHORT_DATE_FORMAT")


def check_may_edit(user, *, campaign: Campaign, unit: Unit, quarter: int, submission: Submission | None,
                   today: datetime.date | None = None, measures=None) -> None:
    """Raise EntryRefused unless `user` may change `unit`'s figures for the quarter now.

    `measures` are the ones to be changed, when known: after the Q4 deadline a unit may still
    enter its yearly measures (published months later) until the year is closed.
    """
    if not (access.is_reviewer(user) or (access.is_reporter(user) and user.units.filter(pk=unit.pk).exists())):
        raise EntryRefused(_("These figures belong to another unit (%(unit)s); you can only enter your own unit's.")
                           % {"unit": unit.name}, forbidden=True)
    refuse_if_year_closed(campaign)
    if submission is not None and submission.state == State.APPROVED:
        raise EntryRefused(_("Approved by %(who)s on %(when)s; ask the secretariat to reopen it.")
                           % {"who": submission.reviewed_by or "?", "when": _when(submission.reviewed_at)})
    if submission is not None and submission.state == State.SUBMITTED:
        raise EntryRefused(_("Submitted on %(when)s and waiting for review; it can be changed again if the secretariat returns it.")
                           % {"when": _when(submission.submitted_at)})
    deadline = campaign.deadline(quarter, unit)
    today = today or timezone.localdate()
    if campaign.year > today.year:
        # A programme set up ahead: a report of a year not begun is a mistake (last year's fourth
        # quarter typed into next year's first), never a figure anyone publishes.
        raise EntryRefused(_("The %(year)s programme's year has not begun: its reports are entered from January %(year)s.")
                           % {"year": campaign.year})
    # The secretariat may still enter late figures on a unit's behalf; a report returned for
    # correction stays open to its unit until it is sent again, whatever the date.
    if today <= deadline or access.is_reviewer(user) or (submission is not None and submission.sent_back):
        return
    # A closed year was refused above (refuse_if_year_closed), so no extension opens its fourth quarter again.
    if measures and all(m.frequency == Measure.Frequency.YEARLY for m in measures) and yearly_still_open(campaign, quarter):
        return
    raise EntryRefused(_("The period closed on %(date)s; ask the secretariat for an extension.")
                       % {"date": _when(deadline)})


def refuse_if_year_closed(campaign: Campaign) -> None:
    """Once the year is closed (Campaign.is_closed: ranking.close_year, or the programme's "year
    closed" box), its final ranking and its signed report stand on its reports as they were then:
    none of them is entered, sent, approved, returned or reopened again, by anyone (the secretariat
    and administrators included; a yearly figure published later is entered before the close, which
    waits for it). Raises EntryRefused with Campaign.closed_problem's words.

    Decided under a key-share lock of the programme's row, which closing the year locks FOR UPDATE
    (ranking.close_year), taken by every caller after the report's own row lock: a change and the
    closing cannot both pass, whichever comes first. A key-share lock stands in no ordinary
    update's way (an admin editing the programme, tests/test_lock_scope.py), only in closing's.
    Read as the database has it then, not as the request loaded the programme."""
    with connections[router.db_for_write(Campaign)].cursor() as cursor:
        cursor.execute("SELECT 1 FROM targets_campaign WHERE id = %s FOR KEY SHARE", [campaign.pk])
    stored = Campaign.objects.filter(pk=campaign.pk).first()
    if stored is not None and (problem := stored.closed_problem()):
        raise EntryRefused(problem)


def yearly_still_open(campaign: Campaign, quarter: int) -> bool:
    """Yearly figures (PCI, PAPI, the poverty rate…) come after the year: their unit may enter
    them in Q4 after its deadline until an administrator closes the year.

    Read as the database has it now, under a share lock of the programme's row, which closing the
    year locks to write it (ranking.close_year): a late yearly report and the closing cannot both
    pass, whichever comes first; not as the request loaded the programme."""
    if quarter != 4:
        return False
    with connections[router.db_for_write(Campaign)].cursor() as cursor:
        cursor.execute("SELECT year_closed FROM targets_campaign WHERE id = %s FOR SHARE", [campaign.pk])
        row = cursor.fetchone()
    return row is not None and not row[0]


def _submission(campaign: Campaign, unit: Unit, quarter: int, lock: bool = False) -> Submission | None:
    query = Submission.objects.filter(campaign=campaign, unit=unit, quarter=quarter)
    # Under a lock, the reviewer is read after it (see _locked).
    return query.select_for_update(of=("self",)).first() if lock else query.select_related("reviewed_by").first()


def lock_reports(campaign: Campaign, quarter: int, units) -> None:
    """Lock the reports of several units in id order before anything is written, and only then
    make the missing ones (as save_figures makes one): a writer of many units (an upload) never
    holds the data version, which any write takes (versions.py), while it waits for a report that
    a page's save holds, the save waiting for the data version."""
    reports = Submission.objects.select_for_update(of=("self",)).filter(campaign=campaign, quarter=quarter).order_by("pk")
    held = set(reports.filter(unit__in=units).values_list("unit_id", flat=True))
    if missing := [unit for unit in units if unit.pk not in held]:
        Submission.objects.bulk_create([Submission(campaign=campaign, unit=unit, quarter=quarter) for unit in missing],
                                       ignore_conflicts=True)
        list(reports.filter(unit__in=missing).values_list("pk", flat=True))


@transaction.atomic
def save_figures(*, user, campaign: Campaign, unit: Unit, quarter: int, entries: list[Entry],
                 reason: str = "", today: datetime.date | None = None) -> SaveResult:
    """Save a unit's figures for a quarter as a draft. Nothing is saved if any figure conflicts."""
    if not entries:
        # Nothing to write (a page sent back unchanged, to be submitted): submit() checks what it sends.
        # Checked here, no figure would pass as "only yearly ones" after the Q4 deadline.
        return SaveResult(_submission(campaign, unit, quarter))
    # Two people saving a unit's first figures at the same moment must not collide on the
    # one-report-per-quarter constraint: insert-if-missing, then lock the row for this save.
    if not Submission.objects.filter(campaign=campaign, unit=unit, quarter=quarter).exists():
        Submission.objects.bulk_create([Submission(campaign=campaign, unit=unit, quarter=quarter)], ignore_conflicts=True)
    submission = _submission(campaign, unit, quarter, lock=True)
    submission._history_user = user  # its history names who did it, a command's user too (no request there)
    if not submission.history.exists():
        submission.save()  # bulk_create keeps no history; record the report's creation as a draft
    check_may_edit(user, campaign=campaign, unit=unit, quarter=quarter, submission=submission, today=today,
                   measures=[entry.measure for entry in entries])
    _check_texts(entries, reason)
    assigned = set(unit.assignments.filter(measure__campaign=campaign).values_list("measure_id", flat=True))
    for entry in entries:
        if entry.measure.pk not in assigned:
            raise EntryRefused(_("Measure %(code)s is not reported by %(unit)s.") % {"code": entry.measure.code, "unit": unit.name},
                               forbidden=True)
    current = {f.measure_id: f for f in submission.figures.select_for_update(of=("self",))}
    result = SaveResult(submission)
    for entry in entries:
        theirs = current.get(entry.measure.pk)
        if conflicts(theirs, entry):
            result.conflicts.append(Conflict(entry.measure, theirs or Figure(measure=entry.measure, version=0), entry))
    if result.conflicts:
        transaction.set_rollback(True)
        return result
    on_behalf = not user.units.filter(pk=unit.pk).exists()
    now = timezone.now()
    created, updated = [], []
    # A figure entered again after it was cleared goes on from the old one's last version: a page
    # opened before the clearing shows that version, and must meet a conflict, not the new figure.
    new = [e.measure.pk for e in entries if not e.empty and e.measure.pk not in current]
    last_version = dict(Figure.history.filter(submission_id=submission.pk, measure_id__in=new).values("measure_id")
                        .annotate(last=Max("version")).values_list("measure_id", "last")) if new else {}
    for entry in entries:
        figure = current.get(entry.measure.pk)
        if entry.empty:
            if figure is not None:
                figure.reason = reason  # the deletion's history record carries this change's reason, not the last one's
                figure._change_reason = validators.history_reason(reason or history.system_reason(history.CLEARED))
                figure._history_user = user
                figure.delete()
                result.removed += 1
            continue
        if figure is None:
            figure = Figure(submission=submission, measure=entry.measure, version=last_version.get(entry.measure.pk) or 0)
            created.append(figure)
        elif not differs(figure, entry):
            continue
        else:
            updated.append(figure)
        if figure.pk and figure.kind == Figure.Kind.ESTIMATE and entry.kind == Figure.Kind.OFFICIAL:
            # The official figure revises the estimate; keep both (the history keeps the rest).
            figure.estimate_value, figure.estimate_cumulative = figure.value, figure.cumulative
        elif entry.kind == Figure.Kind.ESTIMATE:
            figure.estimate_value = figure.estimate_cumulative = None  # an estimate again: no official figure has replaced it
        figure.value, figure.cumulative, figure.verdict, figure.narrative = entry.value, entry.cumulative, entry.verdict, entry.narrative
        figure.note, figure.source, figure.kind, figure.reason = entry.note, entry.source, entry.kind, reason
        figure.entered_by, figure.on_behalf, figure.entered_at = user, on_behalf, now
        figure.version += 1
        result.saved.append(figure)
    # A whole quarter (or a workbook of many) in a few statements, each with its history entry.
    if created:
        bulk_create_with_history(created, Figure, default_user=user, default_change_reason=validators.history_reason(reason),
                                 default_date=now)
    if updated:
        _update_figures(updated)
        Figure.history.bulk_history_create(updated, update=True, default_user=user,
                                           default_change_reason=validators.history_reason(reason), default_date=now)
    if submission.state == State.RETURNED and result.saved:
        submission.state = State.DRAFT
        submission._change_reason = history.system_reason(history.CORRECTED)
        submission.save(update_fields=["state"])
    return result


@dataclass
class TaskEntry:
    """What the user wrote on one task of themes II–VI (already validated)."""

    task: Task
    verdict: str = ""
    narrative: str = ""
    version: int | None = None  # the version the user's page showed; None for a new report

    @property
    def empty(self) -> bool:
        return not self.verdict and not self.narrative


@dataclass
class TaskConflict:
    task: Task
    theirs: TaskReport
    mine: TaskEntry


@dataclass
class TaskSaveResult:
    saved: int = 0  # reports written or cleared; one already as typed (a double click) is not counted
    conflicts: list[TaskConflict] = field(default_factory=list)
    removed: int = 0  # of them, cleared


@transaction.atomic
def save_task_reports(*, user, campaign: Campaign, unit: Unit, quarter: int, entries: list[TaskEntry],
                      today: datetime.date | None = None) -> TaskSaveResult:
    """Save a unit's words on its tasks for a quarter, under the same rules and row lock as its
    figures (save_figures): nothing is saved if any report conflicts."""
    if not entries:
        # Nothing changed: nothing to check either (a late yearly figure is saved with the tasks' period closed).
        return TaskSaveResult()
    if not Submission.objects.filter(campaign=campaign, unit=unit, quarter=quarter).exists():
        Submission.objects.bulk_create([Submission(campaign=campaign, unit=unit, quarter=quarter)], ignore_conflicts=True)
    submission = _submission(campaign, unit, quarter, lock=True)
    submission._history_user = user
    if not submission.history.exists():
        submission.save()
    check_may_edit(user, campaign=campaign, unit=unit, quarter=quarter, submission=submission, today=today)
    responsible = set(unit.tasks.filter(theme__campaign=campaign, is_active=True).values_list("pk", flat=True))
    found = []
    for entry in entries:
        if entry.task.pk not in responsible:
            raise EntryRefused(_("Task %(task)s is not reported by %(unit)s.") % {"task": entry.task, "unit": unit.name}, forbidden=True)
        found += validators.problems(TaskReport, {"narrative": entry.narrative})
    if found:
        raise EntryRefused(" ".join(found))
    current = {r.task_id: r for r in submission.task_reports.select_for_update(of=("self",))}
    conflicts = []
    for entry in entries:
        theirs = current.get(entry.task.pk)
        stale = (theirs is not None and entry.version != theirs.version) or (theirs is None and entry.version is not None)
        # Already what is saved (a double click, a file sent twice): nothing to write, no conflict, as for figures.
        same = (theirs.verdict, theirs.narrative) == (entry.verdict, entry.narrative) if theirs is not None else entry.empty
        if stale and not same:
            conflicts.append(TaskConflict(entry.task, theirs or TaskReport(task=entry.task, version=0), entry))
    if conflicts:
        transaction.set_rollback(True)
        return TaskSaveResult(conflicts=conflicts)
    saved = removed = 0
    # A report written again after it was cleared goes on from the old one's last version, as a
    # figure does: a page opened before the clearing shows that version, and must meet a conflict.
    new = [e.task.pk for e in entries if not e.empty and e.task.pk not in current]
    last_version = dict(TaskReport.history.filter(submission_id=submission.pk, task_id__in=new).values("task_id")
                        .annotate(last=Max("version")).values_list("task_id", "last")) if new else {}
    for entry in entries:
        report = current.get(entry.task.pk)
        if entry.empty:
            if report is not None:
                report._history_user = user
                report.delete()  # kept in the history, like a cleared figure
                saved += 1
                removed += 1
            continue
        if report is None:
            report = TaskReport(submission=submission, task=entry.task, version=last_version.get(entry.task.pk) or 0)
        elif (report.verdict, report.narrative) == (entry.verdict, entry.narrative):
            continue
        report.verdict, report.narrative, report.entered_by = entry.verdict, entry.narrative, user
        report.version += 1
        report._history_user = user
        report.save()
        saved += 1
    if submission.state == State.RETURNED and saved:
        submission.state = State.DRAFT
        submission._change_reason = history.system_reason(history.CORRECTED)
        submission.save(update_fields=["state"])
    return TaskSaveResult(saved=saved, removed=removed)


def lacking_from_report(campaign: Campaign, unit: Unit, quarter: int) -> list[str]:
    """The codes of what the unit's report of the quarter lacks to be complete (the ranking's rule,
    scoring.expected_in_report), in the entry page's order: measures without a figure, then tasks
    without an assessment."""
    assigned = list(MeasureAssignment.objects.filter(unit=unit, measure__campaign=campaign)
                    .order_by("measure__order", "measure__code").values_list("measure__code", flat=True))
    tasks = [task.code for task in unit.tasks.filter(theme__campaign=campaign, theme__number__gte=2, is_active=True)
             .select_related("theme").order_by("theme__number", "number")]
    expected = scoring.expected_in_report(assigned, quarter, ranking.annual_measures(campaign), tasks)
    report = Submission.objects.filter(campaign=campaign, unit=unit, quarter=quarter)
    reported = {*Figure.objects.filter(submission__in=report).values_list("measure__code", flat=True),
                *(r.task.code for r in TaskReport.objects.filter(submission__in=report).exclude(verdict="").select_related("task__theme"))}
    return [code for code in dict.fromkeys([*assigned, *tasks]) if code in expected and code not in reported]


def _check_texts(entries: list[Entry], reason: str) -> None:
    """Every path that saves figures (page, upload, command) meets the fields' limits here, so an
    over-long note or a pasted control character is a message, never a database error."""
    found = validators.problems(Figure, {"reason": reason})
    for entry in entries:
        found += [f"{entry.measure.code}: {p}" for p in validators.problems(
            Figure, {"narrative": entry.narrative, "note": entry.note, "source": entry.source})]
    if found:
        raise EntryRefused(" ".join(found))


def _update_figures(figures: list[Figure]) -> None:
    """One UPDATE … FROM (VALUES …) for many figures. Django's bulk_update builds a CASE per field
    per row: 81 s for a 10,000-figure workbook against 0.6 s here (docs/benchmarks.md)."""
    from psycopg2.extras import execute_values

    rows = [(f.pk, f.value, f.cumulative, f.verdict, f.narrative, f.note, f.source, f.reason, f.kind, f.estimate_value,
             f.estimate_cumulative, f.entered_by_id, f.on_behalf, f.entered_at, f.version) for f in figures]
    with connections[router.db_for_write(Figure)].cursor() as cursor:
        execute_values(cursor.cursor, f"""
            UPDATE {Figure._meta.db_table} AS f SET value = v.value, cumulative = v.cumulative, verdict = v.verdict,
                   narrative = v.narrative, note = v.note, source = v.source, reason = v.reason, kind = v.kind,
                   estimate_value = v.estimate_value, estimate_cumulative = v.estimate_cumulative,
                   entered_by_id = v.entered_by_id, on_behalf = v.on_behalf, entered_at = v.entered_at, version = v.version
            FROM (VALUES %s) AS v(id, value, cumulative, verdict, narrative, note, source, reason, kind, estimate_value,
                                  estimate_cumulative, entered_by_id, on_behalf, entered_at, version)
            WHERE f.id = v.id""", rows,
            template="(%s::bigint, %s::numeric, %s::numeric, %s, %s, %s, %s, %s, %s, %s::numeric, %s::numeric, %s::integer, "
                     "%s::boolean, %s::timestamptz, %s::integer)")


def differs(figure: Figure, entry: Entry) -> bool:
    """Whether saving `entry` would change the stored `figure`. Decimals compare by value:
    10.170000 from the database is the 10.17 typed."""
    return (figure.value, figure.cumulative, figure.verdict, figure.narrative, figure.note, figure.source, figure.kind) != (
        entry.value, entry.cumulative, entry.verdict, entry.narrative, entry.note, entry.source, entry.kind)


def changed_since_shown(*, campaign: Campaign, unit: Unit, quarter: int, figures: dict[int, int | None],
                        tasks: dict[int, int | None]) -> list[str]:
    """The codes of the rows a page showed (measure or task id → the version shown, None for none)
    that are stored otherwise now: changed, entered or deleted by someone else since. A report is
    sent only as its sender saw it; called under the report's lock (the save before it took it)."""
    here = {"submission__campaign": campaign, "submission__unit": unit, "submission__quarter": quarter}
    stored = dict(Figure.objects.filter(**here).values_list("measure_id", "version"))
    reports = dict(TaskReport.objects.filter(**here).values_list("task_id", "version"))
    changed = [mid for mid, shown in figures.items() if stored.get(mid) != shown]
    changed_tasks = [tid for tid, shown in tasks.items() if reports.get(tid) != shown]
    return [*Measure.objects.filter(pk__in=changed).order_by("order", "code").values_list("code", flat=True),
            *(t.code for t in Task.objects.filter(pk__in=changed_tasks).select_related("theme").order_by("theme__number", "number"))]


@transaction.atomic
def submit(*, user, campaign: Campaign, unit: Unit, quarter: int, today: datetime.date | None = None) -> Submission:
    """Send the whole quarter for review."""
    submission = _submission(campaign, unit, quarter, lock=True)
    # Late in Q4, a report holding a yearly figure may still be sent until the year is closed.
    yearly = [f.measure for f in submission.figures.select_related("measure")
              if f.measure.frequency == Measure.Frequency.YEARLY] if submission is not None else []
    check_may_edit(user, campaign=campaign, unit=unit, quarter=quarter, submission=submission, today=today, measures=yearly)
    if submission is None or not (submission.figures.exists() or submission.task_reports.exists()):
        raise EntryRefused(_("There is nothing to submit yet: enter and save at least one figure or task report first."))
    submission.state = State.SUBMITTED
    submission.submitted_by = user
    submission.submitted_at = timezone.now()
    submission.version += 1
    submission._change_reason = history.system_reason(history.SUBMITTED)
    submission._history_user = user
    submission.save()
    return submission


def _locked(submissions: list[Submission]) -> list[Submission]:
    """The reports re-read under row locks, in one query: a state is decided by whoever locks the
    row first, and the other waits, then sees the state the first left (never the one its page
    showed). Locked in id order, so two reviewers approving overlapping sets cannot deadlock.
    Joined is only what a decision cannot change (the unit): after waiting on a lock, PostgreSQL
    gives the row's new version but a joined row as it was before the wait, so a report approved
    meanwhile would come with no reviewer; the reviewer is read after the lock, when a refusal names them."""
    return list(Submission.objects.select_for_update(of=("self",)).select_related("unit")
                .filter(pk__in=[s.pk for s in submissions]).order_by("pk"))


def _check_state(submission: Submission, allowed: tuple[str, ...]) -> None:
    if submission.state not in allowed:
        who = f" ({submission.reviewed_by}, {_when(submission.reviewed_at)})" if submission.reviewed_by else ""
        raise EntryRefused(_("%(unit)s's report is %(state)s%(who)s, so it cannot be changed now; reload the page to see it.")
                           % {"unit": submission.unit.name, "state": submission.get_state_display().lower(), "who": who})


def no_comment(text: str | None) -> bool:
    """Whether a decision's comment box says nothing: empty, spaces (a non-breaking one too) and
    invisible marks only (a zero-width space, joiner or word joiner, a byte-order mark: paste
    artefacts in a box that looks empty). The one rule for every decision: such a box neither
    returns nor reopens a report, nor keeps one from being approved."""
    return validators.shows_nothing(text)


def _check_comment(text: str, required: str) -> str:
    text = text.strip()
    if no_comment(text):  # a zero-width space alone is no comment the unit could read
        raise EntryRefused(required, field="comment")
    found = validators.problems(Submission, {"review_comment": text})
    if found:
        raise EntryRefused(" ".join(found), field="comment")
    return text


def _unit_name(unit: Unit) -> str:
    # In the page's language: an English page says "Meo Vac District's report", not the Vietnamese name.
    return unit.name_en if language() == "en" and unit.name_en else unit.name


def check_version(submission: Submission, seen: int | None) -> None:
    """A decision is taken on the report as its reviewer read it: one sent again (or returned, or
    corrected) since the page was opened is another report, which they have not read. Under the
    report's row lock; `seen` None: no page to compare with (a command, a test)."""
    if seen is not None and submission.version != seen:
        raise EntryRefused(_("%(unit)s's report changed after you opened the page (it is %(state)s now): reload the page and "
                             "read it again before deciding.") % {"unit": _unit_name(submission.unit), "state": submission.get_state_display().lower()})


def _require_reviewer(user) -> None:
    if not access.is_reviewer(user):
        raise EntryRefused(_("Only the emulation secretariat reviews submissions."), forbidden=True)


@transaction.atomic
def approve(*, user, submissions: list[Submission], seen: dict[int, int | None] | None = None) -> int:
    """Approve several units' submitted reports at once; all or none. `seen`: the version of each
    report as the page showed it (check_version)."""
    _require_reviewer(user)
    locked = _locked(submissions)
    for campaign in Campaign.objects.filter(pk__in={s.campaign_id for s in locked}).order_by("pk"):
        refuse_if_year_closed(campaign)
    for submission in locked:
        _check_state(submission, (State.SUBMITTED,))
        check_version(submission, (seen or {}).get(submission.pk))
    now = timezone.now()
    for submission in locked:
        submission.state = State.APPROVED
        submission.reviewed_by, submission.reviewed_at = user, now
        submission.review_comment = ""
        submission.version += 1
        submission._change_reason = history.system_reason(history.APPROVED)
        submission._history_user = user
        submission.save()
    for campaign in Campaign.objects.filter(pk__in={s.campaign_id for s in locked}):
        services.sync_last_year(campaign, user)
    return len(locked)


def return_for_correction(*, user, submission: Submission, comment: str, counts_as_sent: bool = True,
                          seen: int | None = None) -> Decision:
    """Send a submitted report back to its unit; the comment (as long as the reviewer writes it)
    is kept in the report and its history, and the unit's members are told by e-mail.

    A report sent by its deadline stays on time while it is corrected (targets/timeliness.py). Not
    when the secretariat says it does not count as sent (`counts_as_sent=False`: a report sent
    nearly empty on the last day, to be filled in weeks later): its next sending then decides
    whether it is on time, in the late list, the reminders and the emulation's points. Not when an
    earlier sending counts already (returned before without the box): the report stays on time by
    it, and the box is refused rather than undo a sending another decision counted.
    `seen`: the report's version as the page showed it (check_version)."""
    submission = _return(user=user, submission=submission, comment=comment, counts_as_sent=counts_as_sent, seen=seen)
    return Decision(submission, _tell_sent_back(submission, counts_as_sent))


@transaction.atomic
def _return(*, user, submission: Submission, comment: str, counts_as_sent: bool, seen: int | None) -> Submission:
    _require_reviewer(user)
    comment = _check_comment(comment, _("Say what needs correcting: a comment is required to return a report."))
    [submission] = _locked([submission])
    refuse_if_year_closed(submission.campaign)
    _check_state(submission, (State.SUBMITTED,))
    check_version(submission, seen)
    if not counts_as_sent and submission.earlier_sending_counts:
        raise EntryRefused(_("An earlier sending of this report (%(date)s) counts already: the report stays on time by it. Return "
                             "it without this box.") % {"date": _when(submission.first_submitted_at)})
    submission.state = State.RETURNED
    submission.reviewed_by, submission.reviewed_at = user, timezone.now()
    submission.review_comment = comment
    if not counts_as_sent:
        submission.first_submitted_at = None  # its history keeps when it was sent
    submission.version += 1
    submission._change_reason = history.system_reason(history.RETURNED if counts_as_sent else history.RETURNED_UNSENT)
    submission._history_user = user
    submission.save()
    return submission


def reopen(*, user, submission: Submission, reason: str, seen: int | None = None) -> Decision:
    """Admins only: unlock an approved report, with the reason kept in its history; the unit's
    members are told by e-mail, as of a return."""
    submission = _reopen(user=user, submission=submission, reason=reason, seen=seen)
    return Decision(submission, _tell_sent_back(submission))


@transaction.atomic
def _reopen(*, user, submission: Submission, reason: str, seen: int | None) -> Submission:
    if not access.is_admin(user):
        raise EntryRefused(_("Only an administrator can reopen an approved report."), forbidden=True)
    reason = _check_comment(reason, _("A reason is required to reopen an approved report."))
    [submission] = _locked([submission])
    refuse_if_year_closed(submission.campaign)
    if submission.state != State.APPROVED:
        raise EntryRefused(_("Only approved reports can be reopened; %(unit)s's report is %(state)s now.")
                           % {"unit": submission.unit.name, "state": submission.get_state_display().lower()})
    check_version(submission, seen)
    submission.state = State.RETURNED
    # The report's last decision is now the admin's: the page names who reopened it beside the reason.
    submission.reviewed_by, submission.reviewed_at = user, timezone.now()
    submission.review_comment = reason
    submission.version += 1
    submission._change_reason = history.system_reason(history.REOPENED)
    submission._history_user = user
    submission.save()
    services.sync_last_year(submission.campaign, user)
    return submission


def late_units(campaign: Campaign, quarter: int, today: datetime.date | None = None) -> list[dict]:
    """The quarter's reports that are late and still missing (targets/timeliness.py), as rows of
    overview.submission_status: the same rule as the late-units page and the workbook."""
    return [row for row in submission_status(campaign, quarter, today) if row["quarter"] == quarter and row["overdue"]]


MAIL_ERRORS = (smtplib.SMTPException, OSError)  # a mail server refusing, unreachable, or timing out
log = logging.getLogger(__name__)


class MailFailed(Exception):
    def __init__(self, sent: int):
        super().__init__(sent)
        self.sent = sent


@dataclass(frozen=True)
class Reminded:
    """The late units e-mailed, those no member of which has an address (told another way), and
    those already reminded today (not written to again), with the last such reminder."""

    sent: int
    unreachable: list[Unit]
    already: list[Unit] = field(default_factory=list)
    last: Reminder | None = None


def send_reminders(*, campaign: Campaign, quarter: int, user=None, today: datetime.date | None = None) -> Reminded:
    """E-mail the members of late units (only them), each unit once a day: under a lock for the
    programme's quarter, a second sending (a double click, another secretary) finds the units
    reminded today and leaves them. Raises MailFailed, with the number e-mailed before it (and
    recorded), when the mail server fails."""
    sent, unreachable, failure = 0, [], None
    with transaction.atomic():
        # A closed year's late units can send nothing any more: no one is asked to.
        refuse_if_year_closed(campaign)
        with connections[router.db_for_write(Reminder)].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [campaign.pk, quarter])
        start_of_day = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time()))
        earlier = {r.unit_id: r for r in Reminder.objects.filter(campaign=campaign, quarter=quarter, sent_at__gte=start_of_day)
                   .select_related("sent_by").order_by("sent_at")}
        late = late_units(campaign, quarter, today)
        already = [row["unit"] for row in late if row["unit"].pk in earlier]
        due = [row for row in late if row["unit"].pk not in earlier]
        prefetch_related_objects([row["unit"] for row in due], "members")
        for row in due:
            unit, deadline = row["unit"], row["deadline"]
            with override("vi"):
                subject = _("[Emulation %(year)s] Reminder: quarter %(quarter)s report – %(unit)s") % {
                    "year": campaign.year, "quarter": progress.quarter_numeral(quarter, "vi"), "unit": unit.name}
            try:
                told = _mail_unit(unit, subject, lambda lang, unit=unit, due=deadline: _reminder(unit, campaign, quarter, due, lang))
            except MAIL_ERRORS as problem:
                failure = problem  # those e-mailed so far stay recorded
                break
            if told:
                sent += 1
                Reminder.objects.create(campaign=campaign, quarter=quarter, unit=unit, sent_by=user)
            else:
                unreachable.append(unit)
    if failure is not None:
        log.warning("reminders stopped after %s units: %s", sent, failure)
        raise MailFailed(sent) from failure
    return Reminded(sent, unreachable, already, max(earlier.values(), key=lambda r: r.sent_at, default=None))


@dataclass(frozen=True)
class Decision:
    """A report as a decision left it, and whether its unit was told: True (e-mailed), False (no
    member has an address), None (the mail server failed; the decision stands)."""

    submission: Submission
    told: bool | None


def _mail_unit(unit: Unit, subject: str, letter: Callable[[str], str]) -> bool:
    """E-mail the unit's active members who have an address; False when none has. Members have no
    language of their own: the letter in Vietnamese, then in English."""
    recipients = [m.email for m in unit.members.all() if m.email and m.is_active]  # not those who have left
    if not recipients:
        return False
    send_mail(subject, "\n\n---\n\n".join(letter(lang) for lang in ("vi", "en")), None, recipients)
    return True


def not_counted_words(due: datetime.date, today: datetime.date) -> str:
    """What a return not counted as sent means for the report, by its unit's deadline: the letter
    and the entry page say it alike."""
    if today <= due:
        return _("The report as it was sent does not count as sent: send it again by %(date)s for it to be on time.") % {
            "date": due.strftime("%d/%m/%Y")}
    return _("The report as it was sent does not count as sent, and its deadline (%(date)s) has passed: it will count as "
             "sent late, on the day you send it again.") % {"date": due.strftime("%d/%m/%Y")}


def _tell_sent_back(submission: Submission, counts_as_sent: bool = True) -> bool | None:
    # After the decision is committed: a mail server down never undoes a return.
    unit, campaign = submission.unit, submission.campaign
    with override("vi"):
        subject = _("[Emulation %(year)s] Quarter %(quarter)s report sent back for correction – %(unit)s") % {
            "year": campaign.year, "quarter": progress.quarter_numeral(submission.quarter, "vi"), "unit": unit.name}

    due = campaign.deadline(submission.quarter, unit)

    def letter(lang: str) -> str:
        with override(lang):
            unsent = "" if counts_as_sent else not_counted_words(due, timezone.localdate())
            return _("Dear %(unit)s,\n\nYour unit's report for quarter %(quarter)s of %(year)s was sent back for correction:\n\n"
                     "%(comment)s\n\nPlease correct it and send it again in the system.%(unsent)s\n\nThe Emulation and Commendation Board") % {
                "unit": unit.name_en or unit.name if lang == "en" else unit.name, "quarter": progress.quarter_numeral(submission.quarter, lang),
                "year": campaign.year, "comment": submission.review_comment, "unsent": f" {unsent}" if unsent else ""}

    try:
        return _mail_unit(unit, subject, letter)
    except MAIL_ERRORS as problem:
        log.warning("could not tell %s its report was sent back: %s", unit.code, problem)
        return None


def _reminder(unit: Unit, campaign: Campaign, quarter: int, due: datetime.date, lang: str) -> str:
    with override(lang):
        return _("Dear %(unit)s,\n\nYour unit has not sent its report for quarter %(quarter)s of %(year)s yet (due %(date)s). "
                 "Please enter and send it in the system.\n\nThe Emulation and Commendation Board") % {
            "unit": unit.name_en or unit.name if lang == "en" else unit.name, "quarter": progress.quarter_numeral(quarter, lang),
            "year": campaign.year,
            "date": date_format(due, "SHORT_DATE_FORMAT")}
