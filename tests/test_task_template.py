"""Responsible units report their tasks of themes II–VI in the Excel template too: the "Nhiệm vụ"
sheet lists them with the saved words, and the upload checks and saves them like the entry page."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from targets import workflow
from targets.models import Figure, Submission, Task, TaskReport, Unit
from tests.conftest import make_user

BUDGET = "Quản lý và sử dụng ngân sách tiết kiệm, hiệu quả"


@pytest.fixture
def finance(open_year):
    unit = Unit.objects.get(code="STC")
    return unit, make_user("reporter-stc", "reporter", units=[unit])


def budget_task(unit):
    return Task.objects.get(responsible_units=unit, title=BUDGET)


def download(client):
    response = client.get(reverse("template-download"), {"year": 2024, "quarter": 1})
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def as_upload(wb):
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("mau.xlsx", buffer.getvalue())


def task_rows(wb):
    ws = wb["Nhiệm vụ"]
    header = [c.value for c in ws[1]]
    return header, {row[0].value: row for row in ws.iter_rows(min_row=2)}


def write(wb, code, verdict=None, narrative=None, **others):
    header, rows = task_rows(wb)
    row = rows[code]
    row[header.index("Đánh giá")].value = verdict
    row[header.index("Thuyết minh")].value = narrative
    for column, value in others.items():
        row[header.index(column)].value = value
    return wb


def upload(client, wb):
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    html = response.content.decode()
    if "token" not in response.context:
        return html, None
    return html, client.post(reverse("upload"), {"token": response.context["token"]}, follow=True).content.decode()


def test_the_template_lists_the_units_tasks_with_a_drop_down_and_instructions(client, finance):
    unit, reporter = finance
    client.force_login(reporter)
    wb = download(client)
    header, rows = task_rows(wb)
    assert header == ["Mã nhiệm vụ", "Nhiệm vụ", "Mã đơn vị", "Đơn vị", "Đánh giá", "Thuyết minh", "Phiên bản"]
    expected = {f"{t.theme.number}.{t.number}" for t in Task.objects.filter(responsible_units=unit, is_active=True)}
    assert set(rows) == expected and expected
    assert rows["2.2"][1].value == BUDGET and rows["2.2"][2].value == "STC"
    ws = wb["Nhiệm vụ"]
    assert ws.protection.sheet and rows["2.2"][4].protection.locked is False and rows["2.2"][0].protection.locked is True
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert lists == ['"Hoàn thành tốt nhiệm vụ,Hoàn thành nhiệm vụ,Chưa hoàn thành nhiệm vụ"']
    assert "Nhiệm vụ" in " ".join(str(c.value) for c in wb["Hướng dẫn"]["A"])


@pytest.mark.template_context
def test_a_task_row_uploads_through_the_page_with_history_and_comes_back_filled(client, finance):
    unit, reporter = finance
    client.force_login(reporter)
    wb = _fill_a_figure(write(download(client), "2.2", "Hoàn thành tốt nhiệm vụ", "Tiết kiệm 12 % chi thường xuyên."))
    preview, saved = upload(client, wb)
    assert Figure.objects.get(submission__unit=unit, submission__quarter=1, measure__code="3").value == 500
    assert "Xem trước" in preview and "Hoàn thành tốt nhiệm vụ" in preview
    assert "Đã lưu 1 báo cáo nhiệm vụ từ biểu mẫu." in saved
    report = TaskReport.objects.get(task=budget_task(unit), submission__unit=unit, submission__quarter=1)
    assert (report.verdict, report.narrative, report.entered_by, report.version) == (
        "completed_well", "Tiết kiệm 12 % chi thường xuyên.", reporter, 1)
    assert report.history.count() == 1
    # Words that look like a formula, written on the page, download as text and upload unchanged:
    # nothing is written.
    workflow.save_task_reports(user=reporter, campaign=report.task.theme.campaign, unit=unit, quarter=1, entries=[
        workflow.TaskEntry(task=report.task, verdict="completed_well", narrative="=12 % tiết kiệm", version=1)])
    header, rows = task_rows(download(client))
    row = rows["2.2"]
    assert (row[4].value, row[5].value, row[5].data_type, row[6].value) == ("Hoàn thành tốt nhiệm vụ", "=12 % tiết kiệm", "s", 2)
    preview, saved = upload(client, download(client))
    assert "Không có gì để lưu" in preview and saved is None  # nothing offered for saving
    assert TaskReport.objects.get(pk=report.pk).narrative == "=12 % tiết kiệm"
    assert TaskReport.objects.get(pk=report.pk).history.count() == 2


def test_import_command_saves_task_reports_in_the_same_transaction_as_figures(finance, tmp_path):
    unit, reporter = finance
    path = tmp_path / "mau.xlsx"
    call_command("export_template", "--year", "2024", "--quarter", "1", "--unit", "STC", "--user", "reporter-stc", "-o", str(path))
    wb = write(load_workbook(path), "2.2", "Hoàn thành nhiệm vụ", "Đã rà soát chi thường xuyên.")
    wb.save(path)
    out = io.StringIO()
    call_command("import_figures", str(path), "--user", "reporter-stc", stdout=out)
    assert "1 báo cáo nhiệm vụ" in out.getvalue()
    assert TaskReport.objects.get(task=budget_task(unit), submission__unit=unit).verdict == "completed"
    # Someone changes the report on the page meanwhile: the stale workbook is refused whole, its row named.
    workflow.save_task_reports(user=reporter, campaign=unit.tasks.first().theme.campaign, unit=unit, quarter=1, entries=[
        workflow.TaskEntry(task=budget_task(unit), verdict="completed_well", narrative="Bản mới.", version=1)])
    wb = write(load_workbook(path), "2.2", "Chưa hoàn thành nhiệm vụ", "Bản cũ.")
    wb.save(path)
    with pytest.raises(CommandError, match=r"Nhiệm vụ, dòng 2, cột «Đánh giá»: Nhiệm vụ 2\.2 đã được sửa sau khi tải biểu mẫu"):
        call_command("import_figures", str(path), "--user", "reporter-stc")
    assert TaskReport.objects.get(task=budget_task(unit), submission__unit=unit).narrative == "Bản mới."


@pytest.mark.template_context
@pytest.mark.parametrize("change, message", [
    ({"verdict": "Hoàn thành nhiệm vụ"}, "cột «Thuyết minh»: Hãy nêu ngắn gọn kết quả đã làm: đánh giá cần có thuyết minh."),
    ({"narrative": "Chỉ có lời."}, "cột «Đánh giá»: Hãy chọn mức đánh giá cho phần thuyết minh này."),
    ({"verdict": "Hoàn thành nhiệm vụ", "narrative": "x" * 5001}, "cột «Thuyết minh»: Giá trị này chỉ có tối đa 4000 kí tự (hiện có 5001)"),
    ({"verdict": "Hoàn thành nhiệm vụ", "narrative": "Có ký tự\x7f điều khiển"},
     "cột «Thuyết minh»: Thuyết minh: Hãy xoá các ký tự điều khiển không nhìn thấy"),
    # A word of neither list: the words to choose, once, not Django's "not one of the available choices" and a missing one.
    ({"verdict": "Đã làm", "narrative": "Đã triển khai."},
     "cột «Đánh giá»: Hãy chọn một trong: “Hoàn thành tốt nhiệm vụ”, “Hoàn thành nhiệm vụ”, “Chưa hoàn thành nhiệm vụ”."),
])
def test_bad_task_rows_are_listed_with_sheet_row_and_column_and_nothing_is_saved(client, finance, change, message):
    unit, reporter = finance
    client.force_login(reporter)
    wb = download(client)
    header, rows = task_rows(wb)
    row_number = rows["2.2"][0].row
    wb = write(wb, "2.2", change.get("verdict"), change.get("narrative"))
    wb = _fill_a_figure(wb)
    html, saved = upload(client, wb)
    assert saved is None and f"Nhiệm vụ, dòng {row_number}, {message}" in html
    assert html.count(f"Nhiệm vụ, dòng {row_number}") == 1  # one message per problem, not a missing narrative too
    assert not TaskReport.objects.exists() and not Figure.objects.filter(submission__unit=unit).exists()


@pytest.mark.template_context
def test_a_task_on_two_rows_is_refused(client, finance):
    unit, reporter = finance
    client.force_login(reporter)
    wb = write(download(client), "2.2", "Hoàn thành nhiệm vụ", "Đã làm.")
    header, rows = task_rows(wb)
    wb["Nhiệm vụ"].append([c.value for c in rows["2.2"]])
    wb["Nhiệm vụ"].cell(wb["Nhiệm vụ"].max_row, header.index("Thuyết minh") + 1, "Khác.")
    html, saved = upload(client, wb)
    assert saved is None
    assert f"Nhiệm vụ, dòng {wb['Nhiệm vụ'].max_row}, cột «Mã nhiệm vụ»: Trùng đơn vị và nhiệm vụ với dòng {rows['2.2'][0].row}." in html
    assert not TaskReport.objects.exists()


def _fill_a_figure(wb):
    """A valid figure beside the bad task row (the budget revenue, measure 3): refused with it."""
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[header.index("Mã chỉ tiêu")].value == "3")
    row[header.index("Giá trị")].value = 500
    return wb


@pytest.mark.template_context
def test_another_units_task_is_refused(client, finance):
    unit, reporter = finance
    client.force_login(reporter)
    other = Task.objects.filter(is_active=True, responsible_units__isnull=False).exclude(responsible_units=unit).select_related("theme").first()
    owner = other.responsible_units.first()
    wb = write(download(client), "2.2", "Hoàn thành nhiệm vụ", "Lời của đơn vị khác.", **{"Mã nhiệm vụ": f"{other.theme.number}.{other.number}"})
    html, saved = upload(client, wb)
    assert saved is None and f"Nhiệm vụ {other} không thuộc đơn vị {unit.name}." in html
    # The right task code under another unit's code: that unit's words are not this reporter's to write.
    wb = write(download(client), "2.2", "Hoàn thành nhiệm vụ", "Lời của đơn vị khác.",
               **{"Mã nhiệm vụ": f"{other.theme.number}.{other.number}", "Mã đơn vị": owner.code})
    html, saved = upload(client, wb)
    assert saved is None and f"Không đọc các dòng của những đơn vị bạn không nhập số liệu: không lưu gì từ các dòng này. Đơn vị (số dòng): {owner.name} (1)." in html
    assert not TaskReport.objects.exists()


@pytest.mark.template_context
def test_the_reading_limits_and_the_formula_rule_hold_on_the_tasks_sheet(client, finance, monkeypatch):
    unit, reporter = finance
    client.force_login(reporter)
    wb = download(client)
    header, rows = task_rows(wb)
    ws = wb["Nhiệm vụ"]
    ws.cell(rows["2.2"][0].row, header.index("Thuyết minh") + 1).value = "=1+1"
    html, saved = upload(client, wb)
    assert saved is None and f"Nhiệm vụ, dòng {rows['2.2'][0].row}, cột «Thuyết minh»: Ô chứa công thức" in html
    # Rows and cells are counted on this sheet too (the cell budget is shared with the figures).
    ws.cell(rows["2.2"][0].row, header.index("Thuyết minh") + 1).value = None
    for _extra in range(3):
        ws.append(["2.2", "…", "STC"])
    monkeypatch.setattr("targets.template_xlsx.MAX_ROWS", ws.max_row - 2)
    html, saved = upload(client, wb)
    assert saved is None and f"Nhiệm vụ, dòng {ws.max_row}: Quá {ws.max_row - 2} dòng." in html
    monkeypatch.setattr("targets.template_xlsx.MAX_ROWS", 20_000)
    monkeypatch.setattr("targets.template_xlsx.MAX_CELLS", sum(c.value is not None for r in wb["Nhập liệu"].iter_rows(min_row=2) for c in r) + 1)
    html, saved = upload(client, wb)
    assert saved is None and "Nhiệm vụ, dòng 2: Bảng tính quá lớn" in html
    assert not TaskReport.objects.exists()



@pytest.mark.template_context
@pytest.mark.parametrize("word", ["hoàn thành tốt nhiệm vụ ", "Hoàn thành tốt", "HOÀN THÀNH TỐT  NHIỆM VỤ"])
def test_an_assessment_reads_in_either_sheets_words_whatever_its_case_and_spacing(client, finance, word):
    unit, reporter = finance
    client.force_login(reporter)
    html, saved = upload(client, write(download(client), "2.2", word, "Đã triển khai."))
    assert saved is not None, html
    assert TaskReport.objects.get(submission__unit=unit).verdict == "completed_well"


@pytest.mark.template_context
def test_an_old_template_is_judged_in_as_many_queries_whatever_number_of_rows_changed_on_the_web_since(client, open_year):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from targets.models import MeasureAssignment

    # One workbook for two units: the city's measures, the planning department's tasks.
    city, planning = Unit.objects.get(code="024"), Unit.objects.get(code="SKHDT")
    reporter = make_user("reporter-two-units", "reporter", units=[city, planning])
    measures = [a.measure for a in MeasureAssignment.objects.filter(unit=city, measure__campaign=open_year)
                .exclude(measure__comparison="qualitative")
                .select_related("measure").order_by("measure__code")][:3]
    tasks = list(Task.objects.filter(responsible_units=planning).order_by("pk"))[:3]
    client.force_login(reporter)

    def queries(changed: int) -> int:
        """Queries to read a template downloaded before `changed` figures and task reports were corrected on the web."""
        Figure.objects.all().delete()
        TaskReport.objects.all().delete()
        save = dict(user=reporter, campaign=open_year, quarter=1)
        workflow.save_figures(**save, unit=city, entries=[workflow.Entry(measure=m, value=10) for m in measures])
        workflow.save_task_reports(**save, unit=planning, entries=[workflow.TaskEntry(task=t, verdict="completed", narrative="Đã làm.")
                                                                   for t in tasks])
        old = as_upload(download(client))
        workflow.save_figures(**save, unit=city, entries=[workflow.Entry(measure=m, value=11, version=1) for m in measures[:changed]])
        workflow.save_task_reports(**save, unit=planning, entries=[workflow.TaskEntry(task=t, verdict="completed", narrative="Đã sửa.", version=1)
                                                    for t in tasks[:changed]])
        with CaptureQueriesContext(connection) as captured:
            response = client.post(reverse("upload"), {"file": old})
        result = response.context["result"]
        assert result.ok and result.rows == [] and result.task_rows == [], result.problems  # as downloaded: nothing to write
        return len(captured)

    assert len(measures) == len(tasks) == 3
    queries(1)  # the first request reads what later ones find cached (the site's settings, the content types)
    assert queries(1) == queries(3)


@pytest.mark.template_context
def test_a_file_uploaded_twice_has_nothing_to_save_the_second_time(client, finance):
    unit, reporter = finance
    client.force_login(reporter)
    wb = download(client)
    header, rows = task_rows(wb)
    write(wb, rows[next(iter(rows))][0].value, "Hoàn thành nhiệm vụ", "Đã thực hiện.")
    ws = wb["Nhập liệu"]
    figure_header = [c.value for c in ws[1]]
    ws.cell(2, figure_header.index("Giá trị") + 1, 100)
    first_html, saved = upload(client, wb)
    assert "Đã lưu 1 số liệu từ bảng tính." in saved
    # The same file again, unsure the first went through: nothing offered as a change, nothing to confirm.
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    result = response.context["result"]
    assert result.ok and result.rows == [] and result.task_rows == []
    assert "Không có gì để lưu" in response.content.decode()


def test_the_second_of_two_saves_of_one_preview_writes_nothing_and_counts_nothing(client, finance):
    # A double click on "Save": both requests read the preview before either saved; the second
    # waits for the first's locks, then finds every row as typed.
    from targets import template_xlsx

    unit, reporter = finance
    client.force_login(reporter)
    buffer = io.BytesIO()
    _fill_a_figure(write(download(client), "2.2", "Hoàn thành nhiệm vụ", "Đã thực hiện.")).save(buffer)
    result = template_xlsx.read_upload(io.BytesIO(buffer.getvalue()), len(buffer.getvalue()), user=reporter)
    assert template_xlsx.save_upload(result, user=reporter) == template_xlsx.Saved(figures=1, tasks=1)
    assert template_xlsx.save_upload(result, user=reporter) == template_xlsx.Saved(figures=0, tasks=0)
    assert TaskReport.objects.get(submission__unit=unit).version == 1


@pytest.mark.template_context
def test_after_the_deadline_a_workbook_with_a_yearly_figure_and_a_task_is_refused_at_the_preview(client, open_year):
    import datetime

    from targets.models import Deadline, Measure

    unit = Unit.objects.filter(tasks__isnull=False, assignments__measure__frequency=Measure.Frequency.YEARLY,
                               kind="locality").distinct().order_by("code").first()
    Deadline.objects.filter(campaign=open_year, quarter=4).update(due_on=datetime.date(2024, 1, 15))  # closed
    yearly = Measure.objects.filter(assignments__unit=unit, frequency=Measure.Frequency.YEARLY, campaign=open_year).order_by("code")[0]
    reporter = make_user("reporter-late", "reporter", units=[unit])
    client.force_login(reporter)
    response = client.get(reverse("template-download"), {"year": 2024, "quarter": 4})
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    next(r for r in ws.iter_rows(min_row=2) if r[0].value == yearly.code)[header.index("Giá trị")].value = 3
    _header, rows = task_rows(wb)
    write(wb, next(iter(rows)), "Hoàn thành nhiệm vụ", "Làm muộn.")
    preview = client.post(reverse("upload"), {"file": as_upload(wb)})
    html = preview.content.decode()
    assert "token" not in preview.context  # said at once: nothing offered to save
    assert "Kỳ báo cáo đã đóng ngày 15/01/2024" in html
    assert "Số liệu năm vẫn gửi được: hãy để trống các dòng nhiệm vụ của trang này." in html  # and how to send the rest


@pytest.mark.template_context
def test_task_rows_for_an_approved_report_are_refused_on_the_tasks_sheet_without_a_false_hint(client, finance, reviewer):
    unit, reporter = finance
    client.force_login(reporter)
    task = budget_task(unit)
    workflow.save_task_reports(user=reporter, campaign=task.theme.campaign, unit=unit, quarter=1,
                               entries=[workflow.TaskEntry(task=task, verdict="completed", narrative="Đã làm.")])
    workflow.submit(user=reporter, campaign=task.theme.campaign, unit=unit, quarter=1)
    workflow.approve(user=reviewer, submissions=[Submission.objects.get(unit=unit, quarter=1)])
    # Downloaded once approved (one downloaded before would be a conflict on its row, as on the figures sheet).
    wb = download(client)
    write(wb, task.code, "Hoàn thành tốt nhiệm vụ", "Sửa sau khi duyệt.")
    html, saved = upload(client, wb)
    assert saved is None and f"Nhiệm vụ: {unit.name}: Đã duyệt bởi" in html  # on the sheet whose rows are refused
    assert "Số liệu năm vẫn gửi được" not in html


@pytest.mark.template_context
def test_the_preview_names_each_measure_and_titles_the_tasks_above_their_cards(client, finance):
    unit, reporter = finance
    client.force_login(reporter)
    wb = download(client)
    write(wb, budget_task(unit).code, "Hoàn thành nhiệm vụ", "Đã làm.")
    ws = wb["Nhập liệu"]
    ws.cell(2, [c.value for c in ws[1]].index("Giá trị") + 1, 100)
    html = client.post(reverse("upload"), {"file": as_upload(wb)}).content.decode()
    assert '<td data-label="Chỉ số">3. Thu ngân sách nhà nước trên địa bàn</td>' in html  # not "3" alone on a phone
    assert '<table class="table table-sm table-cards caption-top">' in html and '<td data-label="Đánh giá">' in html


@pytest.mark.template_context
def test_a_cleared_task_row_shows_what_is_saved_asks_before_deleting_it_and_says_it_deleted(client, finance):
    unit, reporter = finance
    client.force_login(reporter)
    upload(client, write(download(client), "2.2", "Hoàn thành tốt nhiệm vụ", "Tiết kiệm 12 % chi thường xuyên."))
    header, rows = task_rows(wb := download(client))
    number = rows["2.2"][0].row
    response = client.post(reverse("upload"), {"file": as_upload(write(wb, "2.2"))})
    preview = response.content.decode()
    # The saved report beside the file's empty row, marked to be deleted and asked about.
    assert "Tiết kiệm 12 % chi thường xuyên." in preview and "sẽ bị xóa" in preview
    assert f"Nhiệm vụ, dòng {number}, cột «Đánh giá»: Dòng để trống: báo cáo đã lưu của nhiệm vụ 2.2 (Hoàn thành tốt nhiệm vụ) sẽ bị xóa." in preview
    assert 'name="confirm"' in preview
    refused = client.post(reverse("upload"), {"token": response.context["token"]}).content.decode()
    assert TaskReport.objects.filter(task=budget_task(unit), submission__unit=unit).exists(), refused
    saved = client.post(reverse("upload"), {"token": response.context["token"], "confirm": "1"}, follow=True).content.decode()
    assert not TaskReport.objects.filter(task=budget_task(unit), submission__unit=unit).exists()
    assert "Đã lưu 0 số liệu" not in saved  # only a task report was in the file
    assert "Đã xóa 1 báo cáo nhiệm vụ đã lưu có dòng được để trống." in saved and "Đã lưu 1 báo cáo nhiệm vụ" not in saved



def _saved_on_the_web(unit, reporter, narrative="Trên trang web", version=None):
    task = budget_task(unit)
    outcome = workflow.save_task_reports(user=reporter, campaign=task.theme.campaign, unit=unit, quarter=1, entries=[
        workflow.TaskEntry(task=task, verdict="completed", narrative=narrative, version=version)])
    assert not outcome.conflicts


@pytest.mark.template_context
def test_a_task_row_that_came_empty_and_was_written_on_the_web_since_is_kept_when_left_empty(client, finance):
    """As on the figures sheet: the row left as downloaded is not announced as a deletion, nor blocks the upload."""
    unit, reporter = finance
    client.force_login(reporter)
    old = download(client)  # task 2.2 not reported yet: its row comes empty
    _saved_on_the_web(unit, reporter)
    response = client.post(reverse("upload"), {"file": as_upload(_fill_a_figure(old))})
    preview = response.content.decode()
    assert "sẽ xóa" not in preview and "sẽ bị xóa" not in preview and "Trên trang web" not in preview
    assert response.context["result"].task_rows == []
    saved = client.post(reverse("upload"), {"token": response.context["token"]}, follow=True).content.decode()
    assert "Đã lưu 1 số liệu từ bảng tính." in saved and "đã được sửa sau khi tải" not in saved
    assert Figure.objects.get(submission__unit=unit, submission__quarter=1, measure__code="3").value == 500
    report = TaskReport.objects.get(task=budget_task(unit), submission__unit=unit, submission__quarter=1)
    assert (report.verdict, report.narrative, report.version) == ("completed", "Trên trang web", 1)


@pytest.mark.template_context
@pytest.mark.parametrize("before", [None, "Từ lần tải"])
def test_a_task_row_changed_in_the_file_over_a_report_changed_on_the_web_since_is_said_at_the_preview(client, finance, before):
    """Not shown as a plain change and refused only after "Save": said on its row, with what is saved now."""
    unit, reporter = finance
    client.force_login(reporter)
    if before:
        _saved_on_the_web(unit, reporter, narrative=before)
    old = download(client)
    number = task_rows(old)[1]["2.2"][0].row
    _saved_on_the_web(unit, reporter, version=1 if before else None)
    response = client.post(reverse("upload"), {"file": as_upload(_fill_a_figure(
        write(old, "2.2", "Hoàn thành tốt nhiệm vụ", "Từ Excel")))})
    preview = response.content.decode()
    assert "Chưa lưu gì" in preview and 'name="token"' not in preview
    assert (f"Nhiệm vụ, dòng {number}, cột «Đánh giá»: Nhiệm vụ 2.2 đã được sửa sau khi tải biểu mẫu này "
            "(đang lưu: Hoàn thành nhiệm vụ); hãy tải biểu mẫu mới, hoặc để nguyên dòng này như khi tải về.") in preview
    report = TaskReport.objects.get(task=budget_task(unit), submission__unit=unit, submission__quarter=1)
    assert report.narrative == "Trên trang web" and not Figure.objects.filter(submission__unit=unit).exists()

@pytest.mark.template_context
def test_a_task_row_that_came_with_a_report_deleted_on_the_web_since_is_no_conflict_when_left_as_downloaded(client, finance):
    """As on the figures sheet; a row changed over the deleted report is a conflict worded for a task report."""
    unit, reporter = finance
    client.force_login(reporter)
    _saved_on_the_web(unit, reporter, narrative="Từ lần tải")
    old = download(client)  # task 2.2 comes with its report, version 1
    number = task_rows(old)[1]["2.2"][0].row
    task = budget_task(unit)
    workflow.save_task_reports(user=reporter, campaign=task.theme.campaign, unit=unit, quarter=1,
                               entries=[workflow.TaskEntry(task=task, verdict="", narrative="", version=1)])  # cleared on the page
    assert not TaskReport.objects.exists()
    response = client.post(reverse("upload"), {"file": as_upload(_fill_a_figure(old))})
    preview = response.content.decode()
    assert "Chưa lưu gì" not in preview and "đã được sửa sau khi tải" not in preview and response.context["result"].task_rows == []
    assert "(đang lưu: không có, báo cáo nhiệm vụ đã bị xóa): dòng này không được ghi" in preview
    saved = client.post(reverse("upload"), {"token": response.context["token"]}, follow=True).content.decode()
    assert "Đã lưu 1 số liệu từ bảng tính." in saved and not TaskReport.objects.exists()
    preview = client.post(reverse("upload"), {"file": as_upload(write(old, "2.2", "Hoàn thành tốt nhiệm vụ", "Từ Excel"))}
                          ).content.decode()
    assert (f"Nhiệm vụ, dòng {number}, cột «Đánh giá»: Nhiệm vụ 2.2 đã được sửa sau khi tải biểu mẫu này "
            "(đang lưu: không có, báo cáo nhiệm vụ đã bị xóa)") in preview
    assert not TaskReport.objects.exists()


def test_a_task_row_left_as_downloaded_over_a_report_changed_since_is_named_not_called_as_saved(client, finance):
    """"Nothing to save" with a row showing a report changed, then deleted, on the web since: the row
    is named with what stands, and the file is not said to be as saved."""
    unit, reporter = finance
    client.force_login(reporter)
    _saved_on_the_web(unit, reporter, narrative="Từ lần tải")
    old = download(client)  # task 2.2 comes with its report, version 1
    number = task_rows(old)[1]["2.2"][0].row
    task = budget_task(unit)
    _saved_on_the_web(unit, reporter, narrative="Sửa trên trang web", version=1)
    page = client.post(reverse("upload"), {"file": as_upload(old)}).content.decode()
    assert (f"Nhiệm vụ, dòng {number}, cột «Đánh giá»: Dòng còn nguyên như khi tải về, nhưng nhiệm vụ 2.2 đã được sửa trên "
            "trang web sau đó (đang lưu: Hoàn thành nhiệm vụ): dòng này không được ghi; giữ nguyên báo cáo đang lưu.") in page
    assert "Không có gì để lưu: các dòng để nguyên như khi tải về" in page and "đã được lưu như vậy" not in page
    workflow.save_task_reports(user=reporter, campaign=task.theme.campaign, unit=unit, quarter=1,
                               entries=[workflow.TaskEntry(task=task, verdict="", narrative="", version=2)])  # cleared
    page = client.post(reverse("upload"), {"file": as_upload(old)}).content.decode()
    assert "nhiệm vụ 2.2 đã được sửa trên trang web sau đó (đang lưu: không có, báo cáo nhiệm vụ đã bị xóa)" in page
    assert not TaskReport.objects.exists()


@pytest.mark.template_context
def test_the_preview_names_the_units_it_writes_to_not_every_unit_of_the_workbook(client, open_year, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("template-download"), {"year": 2024, "quarter": 1})
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[header.index("Mã đơn vị")].value == "024" and r[0].value == "3")
    row[header.index("Giá trị")].value = 50
    preview = client.post(reverse("upload"), {"file": as_upload(wb)}).content.decode()
    heading = preview.split("<h2", 2)[1].split("</h2>")[0]
    assert "Thành phố Hà Giang" in heading and "Sở Tài chính" not in heading and "Huyện Đồng Văn" not in heading
