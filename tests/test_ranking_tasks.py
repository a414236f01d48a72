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
