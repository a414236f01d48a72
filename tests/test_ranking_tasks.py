"""Tasks of themes II–VI in the score: every task a unit is responsible for is a line of its
explanation, with the points of its latest assessment, or "not assessed" and no points."""

from decimal import Decimal as D

from targets import ranking
from targets.models import Submission, Task, TaskReport, Unit
from tests.test_ranking import send


def _city(campaign):
    bloc = next(b for b in ranking.build_ranking(campaign).blocs if b.code == "KHOI-HUYEN")
    return bloc.unit("024")


def test_a_task_the_unit_never_reported_on_is_listed_as_not_assessed(programme):
    city = Unit.objects.get(code="024")
    owed = Task.objects.filter(theme__campaign=programme, is_active=True, theme__number__gte=2, responsible_units=city)
    assert owed.exists()
    lines = [line for line in _city(programme).lines if line.kind == "task"]
    assert len(lines) == owed.count()
    assert all(line.verdict("vi") == "Chưa đánh giá" and line.points == 0 for line in lines), [line.verdict("vi") for line in lines]


def test_a_reported_task_earns_the_points_of_its_assessment(programme):
    city = Unit.objects.get(code="024")
    task = Task.objects.filter(theme__campaign=programme, is_active=True, theme__number__gte=2, responsible_units=city).first()
    submission = send(programme, "024", 1, {}, state=Submission.State.APPROVED)
    TaskReport.objects.create(submission=submission, task=task, verdict="completed_well", narrative="Hoàn thành sớm")
    scheme = ranking.scheme_record(programme).scheme()
    line = next(line for line in _city(programme).lines if line.kind == "task" and line.label("vi") == task.title)
    assert line.points == scheme.task_points["completed_well"] and line.points > D(0)


def test_a_tasks_assessment_from_a_report_before_the_period_judged_says_which(programme):
    """Assessed in the first quarter's report only, judged on the second quarter's: the line says
    the assessment is the first quarter's; one from the period judged says nothing more."""
    city = Unit.objects.get(code="024")
    task = Task.objects.filter(theme__campaign=programme, is_active=True, theme__number__gte=2, responsible_units=city).first()
    TaskReport.objects.create(submission=send(programme, "024", 1, {}), task=task, verdict="completed_well", narrative="Q1")
    second = send(programme, "024", 2, {})  # the period judged, without the task
    line = next(line for line in _city(programme).lines if line.kind == "task" and line.label("vi") == task.title)
    assert (line.note("vi"), line.note("en")) == ("Theo báo cáo quý I", "As assessed in the Q1 report")
    TaskReport.objects.create(submission=second, task=task, verdict="completed", narrative="Q2")
    line = next(line for line in _city(programme).lines if line.kind == "task" and line.label("vi") == task.title)
    assert line.note("vi") == "" and line.verdict("en") == "Completed"


def test_a_unit_that_reports_only_tasks_is_scored_on_its_reports_like_any_other(programme):
    # The Department of Transport reports on tasks and on no measure; its quarterly reports are
    # owed all the same, so they are lines of its score: on time, late, or not sent at all.
    transport = Unit.objects.get(code="SGTVT")
    assert not transport.assignments.exists()
    task = Task.objects.filter(theme__campaign=programme, is_active=True, responsible_units=transport).first()
    for quarter, days_before_deadline in ((1, 3), (2, -5), (4, 3)):  # Q2 five days late, Q3 never sent
        submission = send(programme, "SGTVT", quarter, {}, days_before_deadline=days_before_deadline)
        TaskReport.objects.create(submission=submission, task=task, verdict="completed", narrative="Đúng kế hoạch")
    bloc = next(b for b in ranking.build_ranking(programme).blocs if b.code == "KHOI-KT")
    reports = [(line.kind, line.item, line.verdict("vi"), line.points) for line in bloc.unit("SGTVT").lines
               if line.kind in ("on_time", "complete")]
    assert reports == [
        ("on_time", "1", "Có", D(2)), ("complete", "1", "Có", D(1)),
        ("on_time", "2", "Trễ hạn", D(0)), ("complete", "2", "Có", D(1)),  # complete: it owes no figure
        ("on_time", "3", "Chưa gửi", D(0)), ("complete", "3", "Chưa gửi", D(0)),
        ("on_time", "4", "Có", D(2)), ("complete", "4", "Có", D(1)),
    ]
    # One that sent nothing says so, quarter by quarter, rather than showing no reports at all.
    science = bloc.unit("SKHCN")
    assert [line.verdict("en") for line in science.lines if line.kind == "on_time"] == ["Not sent"] * 4
    # A unit that owes no report (no measure, no task) has no report lines.
    tax = bloc.unit("CT")
    assert not Unit.objects.get(code="CT").tasks.exists() and not [line for line in tax.lines if line.kind in ("on_time", "complete")]


def test_a_report_that_does_not_assess_the_units_tasks_is_not_complete(programme):
    # A report sent empty by a unit that reports only tasks carried nothing: it is on time, not complete.
    transport = Unit.objects.get(code="SGTVT")
    task = Task.objects.get(theme__campaign=programme, is_active=True, responsible_units=transport)
    send(programme, "SGTVT", 1, {})
    assessed = send(programme, "SGTVT", 2, {})
    TaskReport.objects.create(submission=assessed, task=task, verdict="completed", narrative="Đúng kế hoạch")
    unassessed = send(programme, "SGTVT", 3, {})
    TaskReport.objects.create(submission=unassessed, task=task, narrative="Chưa đánh giá được")  # words, no assessment
    unit = next(b for b in ranking.build_ranking(programme).blocs if b.code == "KHOI-KT").unit("SGTVT")
    complete = [(line.item, line.verdict("vi"), line.points) for line in unit.lines if line.kind == "complete"]
    assert complete[:3] == [("1", f"Thiếu: {task.code}", D(0)), ("2", "Có", D(1)), ("3", f"Thiếu: {task.code}", D(0))]
