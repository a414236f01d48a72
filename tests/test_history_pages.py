"""What the history of a report and of an indicator shows: every change, by whom, exactly as typed."""

import html
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from targets import workflow
from targets.models import Figure, Measure, Submission, TaskReport, Unit
from tests.conftest import make_user


@pytest.fixture
def city(open_year):
    unit = Unit.objects.get(code="024")
    return unit, make_user("reporter-city", "reporter", units=[unit])


def _save(user, campaign, unit, code, **fields):
    measure = Measure.objects.get(campaign=campaign, code=code)
    figure = Figure.objects.filter(submission__unit=unit, submission__quarter=1, measure=measure).first()
    result = workflow.save_figures(user=user, campaign=campaign, unit=unit, quarter=1, reason=fields.pop("reason", ""),
                                   entries=[workflow.Entry(measure=measure, version=figure.version if figure else None, **fields)])
    assert not result.conflicts


def _report_history(client, user, unit) -> str:
    client.force_login(user)
    report = Submission.objects.get(unit=unit, quarter=1)
    page = html.unescape(client.get(reverse("submission", args=[report.pk])).content.decode())
    return page.split("Lịch sử số liệu", 1)[1]


def test_a_correction_shows_every_digit_typed_before_and_after(client, city, open_year, reviewer):
    unit, reporter = city
    _save(reporter, open_year, unit, "3", value=Decimal("244.946"))
    _save(reporter, open_year, unit, "3", value=Decimal("244.94"), reason="Sửa theo Kho bạc")
    page = _report_history(client, reviewer, unit)
    assert "mới: 244,946" in page and "244,946 → 244,94" in page and "Sửa theo Kho bạc" in page


def test_a_year_to_date_an_estimate_made_official_a_note_and_an_entry_on_the_units_behalf_are_shown(client, city, open_year, reviewer):
    unit, reporter = city
    _save(reporter, open_year, unit, "4", cumulative=Decimal("50000"), kind=Figure.Kind.ESTIMATE)
    _save(reporter, open_year, unit, "4", cumulative=Decimal("52000"), kind=Figure.Kind.ESTIMATE)
    _save(reporter, open_year, unit, "4", cumulative=Decimal("52000"), kind=Figure.Kind.OFFICIAL)
    _save(reviewer, open_year, unit, "4", cumulative=Decimal("52000"), note="Theo Cục Thống kê")
    page = _report_history(client, reviewer, unit)
    assert "mới: lũy kế 50.000 (Ước tính)" in page
    assert "lũy kế 50.000 → lũy kế 52.000" in page
    assert "Ước tính → Chính thức" in page
    assert "Ghi chú: Theo Cục Thống kê (nhập thay đơn vị)" in page
    workflow.submit(user=reporter, campaign=open_year, unit=unit, quarter=1)  # the indicator page shows what was sent
    client.force_login(reviewer)
    indicator = html.unescape(client.get(reverse("indicator", args=[4]), {"year": 2024, "quarter": 1}).content.decode())
    # Named as the pages name them: the unit and the measure by their names, the quarter as "Quý I".
    assert "secretariat · TP Hà Giang · 4. Số lượt khách du lịch · Quý I: lũy kế 52.000 (nhập thay đơn vị)" in indicator
    assert "reporter-city · TP Hà Giang · 4. Số lượt khách du lịch · Quý I: lũy kế 50.000 (Ước tính)" in indicator


def test_a_figure_cleared_and_a_report_sent_by_the_import_command_name_who_did_it(client, city, open_year, reviewer, tmp_path):
    unit, reporter = city
    _save(reporter, open_year, unit, "3", value=Decimal("650.5"))
    path = tmp_path / "mau.xlsx"
    call_command("export_template", "--year", "2024", "--quarter", "1", "--unit", "024", "--user", reporter.username, "-o", str(path))
    wb = load_workbook(path)
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "3":
            row[header.index("Giá trị")].value = None  # cleared
        if row[0].value == "6":
            row[header.index("Giá trị")].value = 1.5
    wb.save(path)
    with pytest.raises(CommandError, match="accept-warnings"):  # deleting a saved figure is confirmed
        call_command("import_figures", str(path), "--user", reporter.username, "--submit", stdout=io.StringIO())
    call_command("import_figures", str(path), "--user", reporter.username, "--submit", "--accept-warnings", "--send-incomplete",
                 stdout=io.StringIO())
    report = Submission.objects.get(unit=unit, quarter=1)
    assert set(report.history.values_list("history_user__username", flat=True)) == {reporter.username}
    assert set(Figure.history.filter(submission_id=report.pk).values_list("history_user__username", flat=True)) == {reporter.username}
    assert "đã xóa (650,5)" in _report_history(client, reviewer, unit)


def test_a_reopened_report_names_the_admin_beside_the_reason_not_the_reviewer_who_approved_it(client, city, open_year, reviewer, admin_user):
    unit, reporter = city
    _save(reporter, open_year, unit, "3", value=Decimal("650.5"))
    report = workflow.submit(user=reporter, campaign=open_year, unit=unit, quarter=1)
    workflow.approve(user=reviewer, submissions=[report])
    workflow.reopen(user=admin_user, submission=Submission.objects.get(pk=report.pk), reason="Cục Thống kê công bố số chính thức.")
    client.force_login(reviewer)
    page = html.unescape(client.get(reverse("submission", args=[report.pk])).content.decode())
    header = page.split('<main id="main"', 1)[1].split("<div", 1)[0]
    assert f"({admin_user.username})" in header and f"({reviewer.username})" not in header.split("Thẩm định", 1)[1]
    assert "Cục Thống kê công bố số chính thức." in header


def test_each_line_of_a_reports_history_says_its_state_once_and_keeps_the_reason_that_says_more(client, city, open_year, reviewer,
                                                                                                 admin_user):
    unit, reporter = city
    _save(reporter, open_year, unit, "3", value=Decimal("650.5"))
    report = workflow.submit(user=reporter, campaign=open_year, unit=unit, quarter=1)
    workflow.approve(user=reviewer, submissions=[report])
    workflow.reopen(user=admin_user, submission=Submission.objects.get(pk=report.pk), reason="Cục Thống kê công bố số chính thức.")
    client.force_login(reviewer)
    for heading, states in (
            ("Lịch sử báo cáo", ["Trả lại · Mở lại: Cục Thống kê công bố số chính thức.", "Đã duyệt", "Đã gửi · Gửi thẩm định", "Nháp"]),
            ("History of the report", ["Returned · Reopened: Cục Thống kê công bố số chính thức.", "Approved",
                                       "Submitted · Submitted for review", "Draft"])):
        if heading.startswith("History"):
            client.post(reverse("set_language"), {"language": "en"})
        page = html.unescape(client.get(reverse("submission", args=[report.pk])).content.decode())
        lines = page.split(f"{heading}</h2>", 1)[1].split("<ul>", 1)[1].split("</ul>", 1)[0].split("<li>")[1:]
        # When, who, then what: the approval once, not "Đã duyệt · Đã duyệt".
        assert [line.split("</li>")[0].split(" · ", 2)[2] for line in lines] == states


def test_a_task_assessment_changed_is_in_the_reports_history(client, open_year, reviewer):
    from targets.models import Task

    finance = Unit.objects.get(code="STC")
    reporter = make_user("reporter-stc", "reporter", units=[finance])
    task = Task.objects.get(theme__campaign=open_year, theme__number=2, number=2)
    for verdict, narrative in (("completed_well", "Làm tốt."), ("completed", "Làm được.")):
        report = TaskReport.objects.filter(task=task, submission__unit=finance).first()
        workflow.save_task_reports(user=reporter, campaign=open_year, unit=finance, quarter=1, entries=[
            workflow.TaskEntry(task=task, verdict=verdict, narrative=narrative, version=report.version if report else None)])
    page = _report_history(client, reviewer, finance).split("Lịch sử báo cáo nhiệm vụ", 1)[1]
    assert "2.2" in page and "mới: Hoàn thành tốt nhiệm vụ: Làm tốt." in page
    assert "Hoàn thành tốt nhiệm vụ → Hoàn thành nhiệm vụ; Thuyết minh: Làm được." in page


def test_the_reasons_the_system_writes_in_a_history_are_read_in_the_readers_language(client, city, open_year, reviewer):
    from django.utils import translation

    city, reporter = city
    _save(reporter, open_year, city, "3", value=Decimal(50))
    workflow.submit(user=reporter, campaign=open_year, unit=city, quarter=1)  # on a Vietnamese page
    with translation.override("en"):  # the reviewer works in English
        workflow.return_for_correction(user=reviewer, submission=Submission.objects.get(), comment="Kiểm tra lại")
    report = Submission.objects.get()
    client.force_login(reviewer)
    vietnamese = html.unescape(client.get(reverse("submission", args=[report.pk])).content.decode())
    assert "Trả lại để chỉnh sửa" in vietnamese and "Gửi thẩm định" in vietnamese and "Returned for correction" not in vietnamese
    client.post(reverse("set_language"), {"language": "en"})
    english = html.unescape(client.get(reverse("submission", args=[report.pk])).content.decode())
    assert "Returned for correction" in english and "Submitted for review" in english and "Gửi thẩm định" not in english
