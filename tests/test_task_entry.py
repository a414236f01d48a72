"""Responsible units report their tasks of themes II–VI on the entry page, like their figures:
assessment and narrative, saved as a draft, submitted, reviewed, locked once approved, kept in history."""

import pytest
from django.urls import reverse

from targets import workflow
from targets.models import MeasureAssignment, Submission, Task, TaskReport, Unit
from tests.conftest import make_user


@pytest.fixture
def finance(open_year):
    unit = Unit.objects.get(code="STC")
    return unit, make_user("reporter-stc", "reporter", units=[unit])


def _tasks(unit):
    return list(Task.objects.filter(responsible_units=unit, is_active=True).order_by("theme__number", "number"))


def post(client, unit, quarter, tasks=None, action="save", versions=None):
    """The entry page's post: every figure row left empty, the given tasks' words."""
    measures = [a.measure for a in MeasureAssignment.objects.filter(unit=unit).select_related("measure").order_by("measure__order")]
    rows = _tasks(unit)
    data = {"unit": unit.code, "year": 2024, "quarter": quarter, "action": action, "send_incomplete": "1",
            "figures-TOTAL_FORMS": len(measures), "figures-INITIAL_FORMS": len(measures),
            "tasks-TOTAL_FORMS": len(rows), "tasks-INITIAL_FORMS": len(rows)}
    for i, m in enumerate(measures):
        data[f"figures-{i}-measure"] = m.pk
        data[f"figures-{i}-kind"] = "official"
    for i, task in enumerate(rows):
        data[f"tasks-{i}-task"] = task.pk
        data[f"tasks-{i}-version"] = (versions or {}).get(task.pk, "")
        verdict, narrative = (tasks or {}).get(task.pk, ("", ""))
        data[f"tasks-{i}-verdict"], data[f"tasks-{i}-narrative"] = verdict, narrative
    return client.post(reverse("entry"), data, follow=True)


def test_a_unit_reports_its_tasks_saves_submits_and_officials_read_them(client, finance, viewer):
    unit, reporter = finance
    budget = next(t for t in _tasks(unit) if t.title == "Quản lý và sử dụng ngân sách tiết kiệm, hiệu quả")
    client.force_login(reporter)
    page = client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode()
    assert "Nhiệm vụ thuộc các nội dung II–VI" in page and "2.2 Quản lý và sử dụng ngân sách tiết kiệm, hiệu quả" in page
    assert "Hoàn thành tốt nhiệm vụ" in page  # the drop-down speaks officials' words
    response = post(client, unit, 1, {budget.pk: ("completed_well", "Tiết kiệm 12 % chi thường xuyên.")})
    assert "Đã lưu báo cáo nhiệm vụ: 1." in response.content.decode()
    # A double click's second post, from the same page: nothing written, and no "saved: 1" said of it.
    again = post(client, unit, 1, {budget.pk: ("completed_well", "Tiết kiệm 12 % chi thường xuyên.")}).content.decode()
    assert "Đã lưu báo cáo nhiệm vụ" not in again and "Đã lưu nháp (0 số liệu)." in again
    report = TaskReport.objects.get(task=budget, submission__unit=unit, submission__quarter=1)
    assert (report.verdict, report.narrative, report.entered_by, report.version) == (
        "completed_well", "Tiết kiệm 12 % chi thường xuyên.", reporter, 1)
    assert report.history.count() == 1
    # Draft words are the unit's own business; once submitted, officials read them.
    client.force_login(viewer)
    assert "Tiết kiệm 12 % chi thường xuyên." not in client.get(reverse("theme", args=[2]), {"year": 2024, "quarter": 1}).content.decode()
    client.force_login(reporter)
    response = post(client, unit, 1, {budget.pk: ("completed_well", "Tiết kiệm 12 % chi thường xuyên.")}, action="submit",
                    versions={budget.pk: 1})
    assert "Đã gửi để thẩm định." in response.content.decode()
    client.force_login(viewer)
    theme = client.get(reverse("theme", args=[2]), {"year": 2024, "quarter": 1}).content.decode()
    assert "Tiết kiệm 12 % chi thường xuyên." in theme and "Hoàn thành tốt nhiệm vụ" in theme


def test_an_assessment_without_words_is_refused_and_nothing_is_saved(client, finance):
    unit, reporter = finance
    task = _tasks(unit)[0]
    client.force_login(reporter)
    html = post(client, unit, 1, {task.pk: ("completed", "")}).content.decode()
    assert "Chưa lưu gì: hãy sửa các ô được đánh dấu bên dưới." in html
    assert "đánh giá cần có thuyết minh" in html
    html = post(client, unit, 1, {task.pk: ("", "Đã làm một phần.")}).content.decode()
    assert "Hãy chọn mức đánh giá cho phần thuyết minh này." in html
    assert not TaskReport.objects.exists()


def test_approved_task_reports_are_locked_and_a_stale_page_is_refused(client, finance, reviewer):
    unit, reporter = finance
    task = _tasks(unit)[0]
    client.force_login(reporter)
    post(client, unit, 1, {task.pk: ("completed", "Lần một.")})
    # Someone else's page still shows no report: its save is refused with both texts, nothing lost.
    html = post(client, unit, 1, {task.pk: ("not_completed", "Lần hai.")}).content.decode()
    assert "Lần một." in html and "Lần hai." in html
    assert TaskReport.objects.get(task=task).narrative == "Lần một."
    post(client, unit, 1, {task.pk: ("completed", "Lần một.")}, action="submit", versions={task.pk: 1})
    client.force_login(reviewer)
    submission = Submission.objects.get(unit=unit, quarter=1)
    review = client.get(reverse("submission", args=[submission.pk])).content.decode()
    assert "Lần một." in review and "Hoàn thành nhiệm vụ" in review
    client.post(reverse("submission-decide", args=[submission.pk]), {"action": "approve"})
    client.force_login(reporter)
    response = post(client, unit, 1, {task.pk: ("completed_well", "Sửa sau khi duyệt.")}, versions={task.pk: 1})
    assert response.status_code == 403
    assert TaskReport.objects.get(task=task).narrative == "Lần một."


def test_a_task_assigned_while_the_page_is_open_leaves_the_page_to_save_as_typed(client, finance):
    # Before, the new task took the first place on the page: every save was refused, with no field
    # marked, and saving the page shown again failed the same way.
    from tests.formdata import form_data

    unit, reporter = finance
    client.force_login(reporter)
    data = form_data(client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode())
    first = _tasks(unit)[0]
    data.update({"tasks-0-verdict": "completed", "tasks-0-narrative": "Đã làm.", "action": "save", "send_incomplete": "1"})
    earlier = Task.objects.filter(is_active=True, theme__number=first.theme.number, number__lt=first.number).exclude(
        responsible_units=unit).first() or Task.objects.exclude(responsible_units=unit).filter(is_active=True).order_by(
        "theme__number", "number").first()
    earlier.responsible_units.add(unit)  # meanwhile, by an admin
    saved = client.post(reverse("entry"), data, follow=True).content.decode()
    assert list(TaskReport.objects.values_list("task", "narrative")) == [(first.pk, "Đã làm.")]
    assert (f"Danh sách đã thay đổi từ khi mở trang: {earlier.theme.number}.{earlier.number} không có trên trang của bạn "
            "nên được giữ nguyên.") in saved
    # A page altered by hand is told to reload, beside the task.
    page = client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode()
    altered = {**form_data(page), "tasks-0-version": "abc", "action": "save", "send_incomplete": "1"}
    assert "Trang này đã cũ; hãy tải lại trang." in client.post(reverse("entry"), altered).content.decode()


def test_only_the_responsible_units_report_a_task(finance):
    unit, reporter = finance
    other = Task.objects.exclude(responsible_units=unit).filter(is_active=True).first()
    with pytest.raises(workflow.EntryRefused) as refused:
        workflow.save_task_reports(user=reporter, campaign=other.theme.campaign, unit=unit, quarter=1,
                                   entries=[workflow.TaskEntry(task=other, verdict="completed", narrative="x")])
    assert refused.value.forbidden and not TaskReport.objects.exists()


def test_a_unit_with_tasks_and_no_measures_reports_and_submits(client, open_year):
    unit = Unit.objects.get(code="SKHCN")
    reporter = make_user("reporter-khcn", "reporter", units=[unit])
    tasks = _tasks(unit)
    assert tasks and not MeasureAssignment.objects.filter(unit=unit).exists()
    client.force_login(reporter)
    words = {t.pk: ("completed", f"Kết quả {t.number}.") for t in tasks}
    html = post(client, unit, 2, words, action="submit").content.decode()
    assert "Đã gửi để thẩm định." in html
    assert Submission.objects.get(unit=unit, quarter=2).state == "submitted"
    assert TaskReport.objects.filter(submission__unit=unit).count() == len(tasks)


def test_a_double_click_on_save_is_no_conflict_with_oneself(finance, open_year):
    from targets import workflow

    unit, reporter = finance
    task = _tasks(unit)[0]
    # Both requests of the double click were made from the page as it was: no report yet.
    # The second writes nothing and says so (the page and the upload count what was written).
    for click, written in ((1, 1), (2, 0)):
        result = workflow.save_task_reports(user=reporter, campaign=open_year, unit=unit, quarter=1, entries=[
            workflow.TaskEntry(task=task, verdict="completed", narrative="Đã làm.", version=None)])
        assert (result.conflicts, result.saved) == ([], written), click
    report = TaskReport.objects.get(task=task)
    assert (report.narrative, report.version) == ("Đã làm.", 1)
    # A different text from the same stale page is still a conflict.
    assert workflow.save_task_reports(user=reporter, campaign=open_year, unit=unit, quarter=1, entries=[
        workflow.TaskEntry(task=task, verdict="completed", narrative="Khác.", version=None)]).conflicts


def test_a_task_report_cleared_and_written_again_goes_on_from_its_last_version_so_an_older_page_meets_it(client, finance, reviewer):
    """The reporter's page showed the report at version 1; the secretariat cleared it and wrote it
    again meanwhile. Written again, it does not start over at version 1: "Send" on the old page is
    refused as changed since, never sending the secretariat's words unseen nor putting back the old."""
    from tests.formdata import form_data

    unit, reporter = finance
    task = _tasks(unit)[0]
    campaign = task.theme.campaign
    workflow.save_task_reports(user=reporter, campaign=campaign, unit=unit, quarter=1,
                               entries=[workflow.TaskEntry(task=task, verdict="completed", narrative="Việc đã làm")])
    client.force_login(reporter)
    data = form_data(client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode())
    workflow.save_task_reports(user=reviewer, campaign=campaign, unit=unit, quarter=1,
                               entries=[workflow.TaskEntry(task=task, verdict="", narrative="", version=1)])
    workflow.save_task_reports(user=reviewer, campaign=campaign, unit=unit, quarter=1,
                               entries=[workflow.TaskEntry(task=task, verdict="not_completed", narrative="Chưa xong: số liệu sai")])
    assert TaskReport.objects.get().version == 2  # on from the cleared one's 1, not 1 again
    page = client.post(reverse("entry"), {**data, "action": "submit", "send_incomplete": "1"}, follow=True).content.decode()
    assert f"có người đã sửa {task.code}" in page
    report = TaskReport.objects.get()
    assert (report.verdict, report.narrative, report.submission.state) == ("not_completed", "Chưa xong: số liệu sai", Submission.State.DRAFT)

