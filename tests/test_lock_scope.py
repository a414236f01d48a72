"""A write locks its own rows, never the programme's shared ones.

`select_for_update()` without `of=` locks every table its query joins, and a model's default
ordering joins its foreign keys: a unit saving its figures locked the campaign's row and the
measures. Two districts saving at once then each held a row the other waited for, on top of
the data-version row every write moves, and PostgreSQL broke the deadlock by failing one save
(the soak reproduced it: a 503 page and a lost save). Each write below runs in an open
transaction while a second connection tries to lock the shared rows as any other writer or
the admin would; nothing may stand in its way.
"""

import datetime
from decimal import Decimal

import psycopg2
import pytest
from django.db import connection, transaction

from targets import commendation, workflow
from targets.models import Campaign, Figure, Measure, Pledge, ScoringScheme, Submission, Task, Unit
from targets.pledge_xlsx import PledgeResult, save_pledges
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)

# The rows every unit's writes share: the programme, its units, measures and tasks, the users.
SHARED = ("targets_campaign", "targets_unit", "targets_emulationbloc", "targets_theme", "targets_task", "targets_indicator",
          "targets_measure", "targets_measureassignment", "targets_deadline", "auth_user")


def _blocked_elsewhere() -> list[str]:
    """The shared tables in which a second connection cannot lock a row for an update right now.
    FOR NO KEY UPDATE is what an ordinary UPDATE takes: it waits for a row locked FOR UPDATE or
    updated, but not for the key-share locks that other rows' foreign keys hold."""
    other = psycopg2.connect(**connection.get_connection_params())
    blocked = []
    try:
        with other.cursor() as cursor:
            for table in SHARED:
                cursor.execute("SAVEPOINT probe")
                try:
                    cursor.execute(f"SELECT id FROM {table} FOR NO KEY UPDATE NOWAIT")
                except psycopg2.errors.LockNotAvailable:
                    blocked.append(table)
                cursor.execute("ROLLBACK TO SAVEPOINT probe")
        other.rollback()
    finally:
        other.close()
    return blocked


@pytest.fixture
def unit(open_year):
    return Unit.objects.get(code="024")


@pytest.fixture
def reporter(unit):
    return make_user("reporter-024", "reporter", units=[unit])


def _save(user, campaign, unit, value):
    result = workflow.save_figures(user=user, campaign=campaign, unit=unit, quarter=1,
                                   entries=[workflow.Entry(measure=Measure.objects.get(code="3"), value=Decimal(value),
                                                           version=Figure.objects.filter(measure__code="3").values_list("version", flat=True).first())])
    assert result.saved and not result.conflicts


def test_the_probe_sees_a_locked_campaign(programme):
    # The check below can fail: a campaign locked the way the old figure save did is seen.
    with transaction.atomic():
        list(Campaign.objects.select_for_update())
        assert _blocked_elsewhere() == ["targets_campaign"]
    assert _blocked_elsewhere() == []


def test_saving_a_units_first_and_then_changed_figures_locks_no_shared_row(open_year, unit, reporter):
    with transaction.atomic():
        _save(reporter, open_year, unit, "10")
        assert _blocked_elsewhere() == []
    with transaction.atomic():
        _save(reporter, open_year, unit, "11")  # the path that deadlocked: the figures re-read under lock
        assert _blocked_elsewhere() == []
    assert Figure.objects.get().value == Decimal("11")


def test_task_reports_submitting_and_reviewing_lock_no_shared_row(open_year, unit, reporter):
    task = Task.objects.filter(responsible_units=unit, is_active=True).first()
    with transaction.atomic():
        workflow.save_task_reports(user=reporter, campaign=open_year, unit=unit, quarter=1,
                                   entries=[workflow.TaskEntry(task=task, verdict="completed", narrative="Đã làm.")])
        assert _blocked_elsewhere() == []
    with transaction.atomic():
        workflow.save_task_reports(user=reporter, campaign=open_year, unit=unit, quarter=1,
                                   entries=[workflow.TaskEntry(task=task, verdict="completed", narrative="Sửa.", version=1)])
        assert _blocked_elsewhere() == []
    _save(reporter, open_year, unit, "10")
    with transaction.atomic():
        workflow.submit(user=reporter, campaign=open_year, unit=unit, quarter=1)
        assert _blocked_elsewhere() == []
    reviewer = make_user("secretariat", "reviewer")
    with transaction.atomic():
        workflow.approve(user=reviewer, submissions=list(Submission.objects.all()))
        assert _blocked_elsewhere() == []
    assert Submission.objects.get().state == Submission.State.APPROVED


def test_pledges_and_the_emulation_entries_lock_no_shared_row(open_year, unit):
    reviewer = make_user("secretariat", "reviewer")
    assignment = unit.assignments.filter(measure__campaign=open_year).first()
    rows = [{"row": 2, "assignment": assignment, "target": Decimal("250"), "signed_on": datetime.date(2024, 1, 15),
             "document": "GUTĐ 01/2024"}]
    for target in ("250", "260"):  # created, then updated under its row lock
        rows[0]["target"] = Decimal(target)
        with transaction.atomic():
            save_pledges(PledgeResult(rows=rows, campaign=open_year), user=reviewer)
            assert _blocked_elsewhere() == []
    assert Pledge.objects.get().target == Decimal("260")
    record = ScoringScheme.objects.get(campaign=open_year)
    record.data = {**record.data, "registration_until": "2099-12-31"}
    record.save()
    title = record.scheme().flag_title
    for registered in (True, False):
        with transaction.atomic():
            commendation.set_registration(open_year, unit=unit, title=title, registered=registered, user=reviewer,
                                          today=datetime.date(2024, 3, 1))
            assert _blocked_elsewhere() == []
    with transaction.atomic():
        adjustment = commendation.add_adjustment(open_year, unit=unit, kind="bonus", points=Decimal("2"), reason="Giải thưởng",
                                                 evidence="QĐ 1", bars_flag=False, user=reviewer)
        assert _blocked_elsewhere() == []
    with transaction.atomic():
        commendation.remove_adjustment(open_year, adjustment.pk, why="Nhập nhầm")
        assert _blocked_elsewhere() == []
