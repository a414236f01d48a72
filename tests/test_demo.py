"""Demo data: plausible, marked as demo, idempotent, refused outside demo mode."""

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from targets.demo import DEMO_PASSWORD, DEMO_SOURCE, demo_accounts
from targets.models import Figure, Submission, Unit
from targets.overview import build_overview
from targets.progress import Status


def test_demo_accounts_exist_for_every_role_and_every_reporting_unit(demo):
    usernames = {a[0] for a in demo_accounts(demo)}
    assert {"quantri", "thamdinh", "lanhdao", "nhaplieu.ctk", "nhaplieu.024"} <= usernames
    reporter = User.objects.get(username="nhaplieu.024")
    assert reporter.check_password(DEMO_PASSWORD)
    assert list(reporter.units.values_list("code", flat=True)) == ["024"]
    assert reporter.groups.filter(name="reporter").exists()
    assert User.objects.get(username="quantri").is_superuser



def test_the_demo_has_reporters_and_reports_for_units_that_report_only_tasks(demo):
    # The Department of Transport owes quarterly reports on its tasks, and has no measure.
    transport = Unit.objects.get(code="SGTVT")
    assert not transport.assignments.exists()
    assert ("nhaplieu.sgtvt", "reporter", "SGTVT") in demo_accounts(demo)
    reports = Submission.objects.filter(unit=transport).order_by("quarter")
    assert [(r.quarter, r.state) for r in reports] == [(1, "approved"), (2, "approved"), (3, "submitted")]
    assert all(r.task_reports.exists() for r in reports)

def test_demo_figures_cover_q1_to_q3_and_say_they_are_demo(demo):
    quarters = set(Submission.objects.values_list("quarter", flat=True))
    assert quarters == {1, 2, 3}
    assert Figure.objects.exclude(source=DEMO_SOURCE).count() == 0
    # Late units for the secretariat to chase: no Q3 report at all.
    assert not Submission.objects.filter(unit__code="033", quarter=3).exists()
    assert Submission.objects.filter(unit__code="029", quarter=3, state="draft").exists()


def test_demo_dashboard_has_a_spread_of_statuses(demo):
    overview = build_overview(demo, 2)
    statuses = {row.progress.status for row in overview.measures}
    assert len(statuses) >= 3
    assert Status.AWAITED in statuses  # annual indicators have no mid-year figure: awaited, not missing
    budget = next(m for m in overview.measures if m.measure.code == "3")
    assert budget.progress.ytd is not None and budget.progress.status is not Status.NO_DATA


def test_seeding_twice_adds_nothing(demo):
    counts = (User.objects.count(), Submission.objects.count(), Figure.objects.count())
    call_command("seed_demo", "--year", "2024")
    assert (User.objects.count(), Submission.objects.count(), Figure.objects.count()) == counts


def test_seed_demo_writes_nothing_into_a_real_sites_database(programme, settings):
    from tests.conftest import PASSWORD, make_user

    settings.DEMO_MODE = True  # a shell where DEBUG was left at its default, pointed at production
    make_user("nguyenvana", "reviewer")
    # Its real admin happens to bear the demo's name ("quantri" is Vietnamese for "admin").
    make_user("quantri", "admin", is_superuser=True, is_staff=True)
    with pytest.raises(CommandError, match="no demo admin with the demo's password: it looks like a real site's"):
        call_command("seed_demo", "--year", "2024")
    assert sorted(User.objects.values_list("username", flat=True)) == ["nguyenvana", "quantri"] and not Figure.objects.exists()
    assert User.objects.get(username="quantri").check_password(PASSWORD)  # untouched


def test_seed_demo_refuses_outside_demo_mode(programme, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="only runs in demo mode"):
        call_command("seed_demo")
    assert Figure.objects.count() == 0
    assert Unit.objects.filter(members__isnull=False).count() == 0


def test_the_demo_keeps_the_last_quarter_open_for_entry(demo):
    import datetime

    from django.utils import timezone

    assert demo.deadline(4) > timezone.localdate()
    assert demo.deadline(3) == datetime.date(2024, 10, 15)


def test_the_demo_figures_and_reports_have_their_history_as_entered_and_sent(demo):
    from targets import history as history_words

    # Each figure entered by its unit's reporter when the report was sent, so a correction reads "old → new".
    assert Figure.history.count() == Figure.objects.count() > 0
    figure = Figure.objects.select_related("submission__unit").filter(value__isnull=False).first()
    [record] = figure.history.all()
    assert record.history_user.username == f"nhaplieu.{figure.submission.unit.code.lower()}"
    assert record.history_date == figure.submission.submitted_at
    figure.value += 1
    figure.save()
    latest = history_words.with_previous(figure.history.order_by("history_date"))[0]
    assert "→" in history_words.figure_change(latest)
    report = figure.submission
    assert report.history.get().history_date in (report.submitted_at, report.reviewed_at)
