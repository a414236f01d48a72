"""The workbooks, read back with openpyxl: they must say exactly what the dashboard says."""

import csv
import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from targets import exports, progress
from targets.models import Figure, Measure, Pledge, Submission, Unit
from targets.overview import build_overview, judged_on
from targets.progress import status_label
from tests.conftest import make_user

TODAY = datetime.date(2024, 10, 20)




def _report_bytes(campaign, quarter, lang="vi") -> bytes:
    buffer = io.BytesIO()
    exports.report_workbook(campaign, quarter, lang=lang, today=TODAY).save(buffer)
    return buffer.getvalue()


def _report(campaign, quarter, lang="vi"):
    return load_workbook(io.BytesIO(_report_bytes(campaign, quarter, lang)))


def _rows_by_code(ws):
    """The indicator rows of theme I keyed by the STT column (indicator number or measure code)."""
    rows = {}
    for row in ws.iter_rows(min_row=exports.BODY_ROW):
        if row[0].value == "II":
            return rows
        if row[0].value is not None:
            rows[str(row[0].value)] = row
    return rows


def _unit_rows(ws):
    """The rows of the by-unit table: from under its header to the blank row above its footnotes."""
    for row in ws.iter_rows(min_row=4):
        if row[0].value is None:
            return
        yield row


def _texts(ws):
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_report_is_headed_and_signed_as_decree_30_asks(demo):
    ws = _report(demo, 3).worksheets[0]
    assert ws.title == "Báo cáo"
    assert (ws["A1"].value, ws["A2"].value, ws["A3"].value) == ("ỦY BAN NHÂN DÂN", "TỈNH HÀ GIANG", "Số: …/BC-UBND")
    assert ws["D1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert ws["D2"].value == "Độc lập - Tự do - Hạnh phúc" and ws["D2"].font.b and ws["D2"].font.sz == 13
    # Left for the office to fill when it signs, not the day of the export.
    assert ws["D4"].value == "Hà Giang, ngày …… tháng …… năm ……"
    assert ws["A5"].value == "BÁO CÁO" and ws["A5"].font.sz == 14 and ws["A5"].font.b
    assert ws["A6"].value == "Kết quả thực hiện các chỉ tiêu, nhiệm vụ thi đua 9 tháng năm 2024"
    assert "322/CTr-UBND ngày 26/12/2023" in ws["A7"].value
    fonts = {c.font.name for row in ws.iter_rows() for c in row if c.value is not None}
    assert fonts == {"Times New Roman"}
    texts = _texts(ws)
    assert "Nơi nhận:" in texts and "- Lưu: VT, TĐKT." in texts
    assert ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"] == [t for t in texts if t in ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")]
    nơi_nhận = next(c for row in ws.iter_rows() for c in row if c.value == "Nơi nhận:")
    signature = next(c for row in ws.iter_rows() for c in row if c.value == "TM. ỦY BAN NHÂN DÂN")
    assert nơi_nhận.column == 1 and signature.column > 5 and signature.row == nơi_nhận.row


def test_the_signature_block_and_issuing_body_are_the_campaigns(demo):
    demo.report_issuer = "UBND TỈNH HÀ GIANG\nSỞ NỘI VỤ"
    demo.report_code = "BC-SNV"
    demo.report_signature = "GIÁM ĐỐC"
    demo.report_signer = "Nguyễn Văn A"
    demo.report_recipients = "- UBND tỉnh;\n- Lưu: VT."
    demo.save()
    ws = _report(demo, 3).worksheets[0]
    assert (ws["A1"].value, ws["A2"].value, ws["A3"].value) == ("UBND TỈNH HÀ GIANG", "SỞ NỘI VỤ", "Số: …/BC-SNV")
    texts = _texts(ws)
    assert "GIÁM ĐỐC" in texts and "Nguyễn Văn A" in texts and "- UBND tỉnh;" in texts
    assert "TM. ỦY BAN NHÂN DÂN" not in texts


def test_table_header_names_the_years_and_spans_the_comparison(demo):
    ws = _report(demo, 3).worksheets[0]
    header = [c.value for c in ws[exports.HEADER_ROW]]
    assert header == ["STT", "Chỉ tiêu, nhiệm vụ", "ĐVT", "Thực hiện năm 2023", "Kế hoạch năm 2024",
                      "Thực hiện / Ước thực hiện 9 tháng năm 2024", "Cùng kỳ 9 tháng năm 2023", "So sánh (%)", None,
                      "Đánh giá", "Ghi chú"]
    assert [c.value for c in ws[exports.HEADER_ROW + 1]][7:9] == ["TH/KH", "TH/cùng kỳ"]
    assert "H9:I9" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.freeze_panes == "C11"
    # No print titles: they would repeat the indicators' header over the pages of tasks. The pages are
    # cut by the report, each new one starting with the header of its table (test_report_pdf).
    assert ws.print_title_rows is None and ws.row_breaks.brk
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # Decree 30/2020/NĐ-CP: numbered from 1 in the top margin, the first page without its number.
    assert ws.oddHeader.center.text == "&P" and ws.HeaderFooter.differentFirst and not ws.firstHeader.center.text
    assert ws.page_setup.firstPageNumber == 1 and ws.page_setup.useFirstPageNumber


def test_the_year_end_report_reads_nam_2024(demo):
    ws = _report(demo, 4).worksheets[0]
    assert ws["A6"].value == "Kết quả thực hiện các chỉ tiêu, nhiệm vụ thi đua năm 2024"
    header = [c.value for c in ws[exports.HEADER_ROW]]
    assert header[5] == "Thực hiện / Ước thực hiện năm 2024" and header[6] == "Cùng kỳ năm 2023"
    assert not any("Cả năm năm" in t for t in _texts(ws))


def test_report_groups_the_six_themes_with_roman_numerals(demo):
    ws = _report(demo, 3).worksheets[0]
    themes = [(r[0].value, r[1].value) for r in ws.iter_rows(min_row=10) if r[0].value in ("I", "II", "III", "IV", "V", "VI")]
    assert [t[0] for t in themes] == ["I", "II", "III", "IV", "V", "VI"]
    assert themes[0][1].startswith("Một là, thi đua thực hiện thắng lợi")


def test_themes_two_to_six_list_their_tasks_with_units_assessment_and_narrative(demo):
    from targets.models import Task, TaskReport

    budget = Task.objects.get(theme__campaign=demo, theme__number=2, number=2)
    TaskReport.objects.filter(task=budget, submission__quarter=3).delete()
    report = TaskReport.objects.get(task=budget, submission__quarter=2)
    report.verdict, report.narrative = "completed_well", "Tiết kiệm chi thường xuyên " + "rất nhiều " * 60
    report.save()
    ws = _report(demo, 3).worksheets[0]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=exports.BODY_ROW)]
    second = next(i for i, r in enumerate(rows) if r[0] == "II")
    assert rows[second + 1][:4] == ["STT", "Nhiệm vụ", "Đơn vị chủ trì", None]
    task_rows = {r[1]: r for r in rows[second + 2:] if r[1] and r[0] and r[0].isdigit()}
    row = task_rows["Quản lý và sử dụng ngân sách tiết kiệm, hiệu quả"]
    assert row[0] == "2" and row[2] == "Sở Tài chính"
    assert row[9] == "Hoàn thành tốt nhiệm vụ"  # approved: no (*)
    assert row[5].startswith("Tiết kiệm chi thường xuyên") and row[5].endswith("…") and len(row[5]) <= exports.NARRATIVE_CHARS + 2
    assert row[10] == "6 tháng"
    titles = set(Task.objects.filter(theme__campaign=demo, is_active=True).values_list("title", flat=True))
    assert titles <= set(task_rows) | {r[1] for r in rows}
    # A unit's Q3 words are only submitted: the assessment says so with (*), explained under the table.
    submitted = next(r for r in rows[second:] if isinstance(r[9], str) and r[9].endswith("(*)"))
    assert submitted
    assert "(*) Số liệu ước tính hoặc chưa được thẩm định." in [r[0] for r in rows]


def test_every_number_and_status_equals_the_engine(demo):
    overview = build_overview(demo, 3)
    rows = _rows_by_code(_report(demo, 3).worksheets[0])
    checked = 0
    for indicator in overview.indicators:
        for m in indicator.measures:
            key = str(indicator.indicator.number) if len(indicator.measures) == 1 else m.measure.code
            row = rows[key]
            p = m.progress
            # A task assessed in words is assessed in its verdict's words (in its status's colour).
            words = progress.verdict_label(p.verdict, "vi") if m.measure.is_qualitative and p.verdict else status_label(p.status, "vi")
            assert row[9].value == words, key
            if p.ytd is not None:
                assert Decimal(str(row[5].value)) == p.ytd, key
                checked += 1
            if p.percent_of_plan is not None:
                # Rounded as displayed.
                assert Decimal(str(row[7].value)) == p.percent_of_plan.quantize(Decimal("0.1")), key
            if m.measure.target is not None:
                assert Decimal(str(row[4].value)) == m.measure.target
        if len(indicator.measures) > 1:
            assert rows[str(indicator.indicator.number)][9].value == status_label(indicator.status, "vi")
    assert checked >= 15


def test_numbers_are_numbers_with_number_formats_and_statuses_are_coloured(demo):
    rows = _rows_by_code(_report(demo, 3).worksheets[0])
    budget = rows["3"]
    assert isinstance(budget[5].value, (int, float))
    # The demo's nine-month figures are estimates, and only submitted: still numbers, marked (*).
    assert budget[5].number_format == '[$-42A]#,##0.0 "(*)"'
    assert budget[7].number_format == "[$-42A]#,##0.0"
    assert budget[4].value == 2460
    assert budget[9].fill.fgColor.rgb.endswith(exports.STATUS_FILLS[build_overview(demo, 3).measures[2].progress.status])
    assert rows["4"][5].number_format.startswith("[$-42A]#,##0 ")


def test_lower_is_better_measures_say_so(demo):
    ws = _report(demo, 3).worksheets[0]
    population = _rows_by_code(ws)["8"]
    assert population[4].number_format == '[$-42A]"≤ "#,##0.00'
    assert "(≤) Chỉ tiêu càng thấp càng tốt: đạt khi thực hiện không vượt kế hoạch." in _texts(ws)


def test_the_lower_is_better_mark_is_explained_only_where_a_target_carries_it(demo):
    # Without a ceiling to print, "fewer than last year" measures (14a–c) carry no "≤ ": no footnote
    # for it, once no measure with a ceiling is left.
    Measure.objects.filter(campaign=demo, comparison=Measure.Comparison.LTE).update(comparison=Measure.Comparison.GTE)
    assert Measure.objects.filter(campaign=demo, comparison=Measure.Comparison.DECREASE).exists()
    texts = _texts(_report(demo, 3).worksheets[0])
    assert not any(t.startswith("(≤)") for t in texts)


def test_approved_figures_carry_no_estimate_mark(demo):
    ws = _report(demo, 2).worksheets[0]
    assert _rows_by_code(ws)["3"][5].number_format == "[$-42A]#,##0.0"  # Q1 and Q2 are approved official figures


def test_row_heights_fit_their_wrapped_text(demo):
    ws = _report(demo, 3).worksheets[0]
    checked = 0
    for row in ws.iter_rows(min_row=exports.BODY_ROW):
        # The indicator/task column is 46 characters wide: longer texts need two lines or more.
        name = row[1].value
        if isinstance(name, str) and len(name) > 70 and row[1].coordinate not in ws.merged_cells:
            assert (ws.row_dimensions[row[1].row].height or 0) >= exports.LINE_HEIGHT * 2, name
            checked += 1
    assert checked >= 5


def test_text_lines_counts_wrapped_lines_without_splitting_words():
    assert exports.text_lines("ngắn", 20) == 1
    assert exports.text_lines("một hai ba bốn năm sáu bảy tám chín mười", 10) == 5  # một hai / ba bốn / …
    assert exports.text_lines("a\nb\nc", 50) == 3
    assert exports.text_lines("x" * 100, 11) == 10
    # The report's status column (16 wide) in bold: two lines, as Excel and LibreOffice with Calibri print it.
    assert exports.text_lines("Có nguy cơ chậm", 16, bold=True) == 2
    assert exports.text_lines("Đúng tiến độ", 16, bold=True) == 1


def test_qualitative_indicators_show_their_verdict_and_narrative(demo):
    rows = _rows_by_code(_report(demo, 3).worksheets[0])
    defence = rows["15"]
    assert defence[5].value.rstrip(" (*)") in ("Hoàn thành nhiệm vụ", "Hoàn thành tốt nhiệm vụ")
    assert defence[10].value.startswith("[Demo] Thực hiện nội dung chỉ tiêu 15")


def test_bundled_indicators_have_a_row_per_measure(demo):
    rows = _rows_by_code(_report(demo, 3).worksheets[0])
    assert {"9a", "9b", "14a", "14b", "14c", "16a", "16b", "16c"} <= set(rows)
    assert rows["9a"][1].value.startswith("– Số bác sĩ")


def test_english_variant(demo):
    wb = _report(demo, 2, lang="en")
    ws = wb.worksheets[0]
    assert ws.title == "Report"
    assert (ws["A1"].value, ws["A2"].value, ws["A3"].value) == ("PEOPLE'S COMMITTEE", "OF HA GIANG PROVINCE", "No.: …/BC-UBND")
    assert ws["D4"].value == "Ha Giang, …… (day) …… (month) …… (year)"
    assert ws["A6"].value == "Results of the emulation targets and tasks for the first half of 2024"
    assert "of 26 December 2023 of the Ha Giang Provincial People's Committee" in ws["A7"].value
    assert ws["B9"].value == "Indicator, task"
    assert ws["D9"].value == "Actual 2023" and ws["F9"].value == "Actual / estimate for the first half of 2024"
    assert _rows_by_code(ws)["3"][1].value == "State budget revenue in the province"
    assert "Recipients:" in _texts(ws) and "ON BEHALF OF THE PEOPLE'S COMMITTEE" in _texts(ws)
    assert "- Central Emulation and Commendation Board;" in _texts(ws) and "- Lưu: VT, TĐKT." not in _texts(ws)
    assert [s.title for s in wb.worksheets] == ["Report", "By unit", "Submissions"]
    # A programme without an English list prints its own; one with no list at all, no "Recipients:" heading.
    demo.report_recipients_en = ""
    demo.save()
    assert "- Lưu: VT, TĐKT." in _texts(_report(demo, 2, lang="en").worksheets[0])
    demo.report_recipients = ""
    demo.save()
    assert "Recipients:" not in _texts(_report(demo, 2, lang="en").worksheets[0])


def test_a_workbook_is_in_the_language_asked_for_whatever_the_page_is_in(demo):
    with translation.override("en"):
        ws = _report(demo, 2, lang="vi").worksheets[0]
        assert ws.title == "Báo cáo" and ws["B9"].value == "Chỉ tiêu, nhiệm vụ"
        lines = exports.raw_csv_lines(exports.raw_figures(Figure.objects.all()), lang="vi")
        assert next(lines).lstrip("\ufeff").startswith("Năm,Quý,Mã đơn vị")
        assert ",Chính thức,Đã duyệt," in next(lines)
        # A half-read CSV stream holds no language: the page around it stays English.
        assert translation.get_language() == "en"
    with translation.override("vi"):
        ws = _report(demo, 2, lang="en")["Submissions"]
        assert [c.value for c in ws[3]] == ["Unit code", "Unit", "Quarter", "State", "Submitted at", "Deadline", "On time or late", "First submitted at"]
        assert translation.get_language() == "vi"


def test_breakdown_sheet_lists_each_unit_with_its_year_to_date(demo):
    ws = _report(demo, 2)["Chi tiết theo đơn vị"]
    assert ws["A1"].value == "SỐ LIỆU CHI TIẾT THEO ĐƠN VỊ 6 THÁNG NĂM 2024"
    assert ws.print_title_rows == "$3:$3" and ws.auto_filter.ref == "A3:L3"
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    budget = [r for r in rows if r[0] == "3"]
    assert len(budget) == 12  # the lead (finance) and eleven localities
    assert budget[0][3] == "STC" and budget[0][5] == "Chủ trì"
    city = next(r for r in budget if r[3] == "024")
    q1, q2 = (Figure.objects.get(measure__code="3", submission__unit__code="024", submission__quarter=q).value for q in (1, 2))
    assert Decimal(str(city[7])) == q1 + q2
    assert Decimal(str(city[6])) == q2
    assert ws.freeze_panes == "A4"
    # The city is judged against its own pledge, never the province's 2.460 billion.
    pledge = Pledge.objects.get(unit__code="024", measure__code="3")
    expected = progress.evaluate(pledge.spec(), 2, {1: q1, 2: q2}, today=judged_on()).status
    assert Decimal(str(city[10])) == pledge.target and city[11] == progress.status_label(expected, "vi")


def test_a_districts_cumulative_with_a_missing_quarter_is_marked(demo):
    Figure.objects.filter(measure__code="3", submission__unit__code="024", submission__quarter=1).delete()
    ws = _report(demo, 2)["Chi tiết theo đơn vị"]
    city = next(r for r in ws.iter_rows(min_row=4) if r[0].value == "3" and r[3].value == "024")
    assert city[7].number_format.endswith('"(!)"')
    assert city[9].value == "chưa đủ quý: quý I"


def test_the_by_unit_sheet_never_calls_a_sent_report_not_submitted_and_marks_carried_verdicts(demo):
    # The city's second-quarter report was sent and approved; it holds no budget figure.
    Figure.objects.filter(measure__code="3", submission__unit__code="024", submission__quarter=2).delete()
    assert Submission.objects.get(unit__code="024", quarter=2).state == "approved"
    ws = _report(demo, 2)["Chi tiết theo đơn vị"]
    city = next([c.value for c in r] for r in ws.iter_rows(min_row=4) if r[0].value == "3" and r[3].value == "024")
    assert city[8] == "Chưa có số liệu"
    # The full year without the year's figures: the verdict against the target or pledge is the nine
    # months', and says so (a unit with no figure at all has "no data", which needs no such mark).
    ws = _report(demo, 4)["Chi tiết theo đơn vị"]
    pledged = [[c.value for c in r] for r in ws.iter_rows(min_row=4) if r[10].value is not None and r[7].value is not None]
    assert pledged and all(row[11].endswith("(chưa có số cả năm)") for row in pledged)


def test_the_by_unit_sheet_judges_the_lead_unit_as_the_report_sheet_does_and_other_units_by_their_pledge(demo):
    """One workbook, one verdict: the lead unit's row is judged against the province's target, as
    the report sheet judges the measure, even when the lead unit signed a pledge of its own that
    would give another status; every other unit is judged against its own pledge."""
    budget = Measure.objects.get(campaign=demo, code="3")
    lead = budget.assignments.get(role="lead").unit
    series = {q: Figure.objects.get(measure=budget, submission__unit=lead, submission__quarter=q).value for q in (1, 2, 3)}
    province = build_overview(demo, 3).measures[2]
    assert province.measure == budget
    # A pledge far below the province's target: judged against it, the lead unit would have exceeded.
    pledge = Pledge.objects.update_or_create(unit=lead, measure=budget, defaults={"target": budget.target / 10, "signed_on": datetime.date(2024, 1, 15)})[0]
    assert progress.evaluate(pledge.spec(), 3, series, today=judged_on()).status != province.progress.status
    wb = _report(demo, 3)
    report_status = _rows_by_code(wb.worksheets[0])["3"][9].value
    assert report_status == status_label(province.progress.status, "vi")
    ws = wb["Chi tiết theo đơn vị"]
    assert [c.value for c in ws[3]][10:] == ["Kế hoạch hoặc giao ước", "Đánh giá"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4) if r[0].value == "3"]
    lead_row = next(r for r in rows if r[3] == lead.code)
    assert lead_row[5] == "Chủ trì"
    assert lead_row[11] == report_status and Decimal(str(lead_row[10])) == budget.target
    # The city against its own pledge, in the report sheet's words and colours.
    city = Pledge.objects.get(unit__code="024", measure=budget)
    own = {q: Figure.objects.get(measure=budget, submission__unit__code="024", submission__quarter=q).value for q in (1, 2, 3)}
    city_row = next(r for r in ws.iter_rows(min_row=4) if r[0].value == "3" and r[3].value == "024")
    expected = progress.evaluate(city.spec(), 3, own, today=judged_on()).status
    assert Decimal(str(city_row[10].value)) == city.target and city_row[11].value == status_label(expected, "vi")
    assert city_row[11].fill.fgColor.rgb.endswith(exports.STATUS_FILLS[expected])
    # A unit that pledged nothing has no target of its own and is judged by nothing.
    unpledged = [r for r in rows if r[5] != "Chủ trì" and not Pledge.objects.filter(unit__code=r[3], measure=budget).exists()]
    Pledge.objects.filter(unit__code="026", measure=budget).delete()
    row = next([c.value for c in r] for r in _report(demo, 3)["Chi tiết theo đơn vị"].iter_rows(min_row=4)
               if r[0].value == "3" and r[3].value == "026")
    assert row[10] is None and row[11] is None
    assert all(r[10] is None and r[11] is None for r in unpledged)


def test_the_by_unit_sheet_says_a_full_year_status_stands_on_the_nine_months_as_the_report_sheet_does(demo):
    wb = _report(demo, 4)
    report = _rows_by_code(wb.worksheets[0])["3"][9].value
    assert report.endswith("(chưa có số cả năm)")
    lead = next(r for r in wb["Chi tiết theo đơn vị"].iter_rows(min_row=4) if r[0].value == "3" and r[5].value == "Chủ trì")
    assert lead[11].value == report


def test_the_by_unit_sheet_wraps_long_names_in_rows_tall_enough_for_them(demo):
    ws = _report(demo, 3)["Chi tiết theo đơn vị"]
    checked = 0
    for row in _unit_rows(ws):
        for cell in (row[1], row[4]):  # the indicator and the unit
            assert cell.alignment.wrap_text, cell.coordinate
            width = ws.column_dimensions[cell.column_letter].width
            lines = exports.text_lines(cell.value, width)
            if lines > 1:
                assert (ws.row_dimensions[cell.row].height or 0) >= exports.LINE_HEIGHT * lines, cell.value
                checked += 1
    assert checked >= 10


def test_the_by_unit_sheet_names_each_line_as_the_report_sheet_does_and_keeps_short_rows_on_one_line(demo):
    workbook = _report(demo, 3)
    report = [row[1] for row in workbook["Báo cáo"].iter_rows(min_row=11, values_only=True) if row[1]]
    by_unit = workbook["Chi tiết theo đơn vị"]
    names = {row[1].value for row in _unit_rows(by_unit)}
    # GRDP, an indicator of one measure: its name on the report sheet, not its measure's.
    assert "Tăng trưởng tổng sản phẩm trên địa bàn tỉnh (GRDP)" in names
    assert "Tốc độ tăng trưởng tổng sản phẩm trên địa bàn tỉnh (GRDP)" not in names
    assert names <= {re.sub(r"^– ", "", name) for name in report}, names - set(report)
    # A district's row whose words fit their columns is one line high ("Số liệu riêng" fits its column).
    short = [row for row in _unit_rows(by_unit)
             if all(exports.text_lines(c.value, by_unit.column_dimensions[c.column_letter].width) == 1
                    for c in row if isinstance(c.value, str))]
    assert short and all((by_unit.row_dimensions[row[0].row].height or exports.LINE_HEIGHT) <= exports.LINE_HEIGHT for row in short)
    assert any(row[5].value == "Số liệu riêng" for row in short)


def test_completeness_sheet_says_who_was_late(demo):
    ws = _report(demo, 3)["Tình hình báo cáo"]
    assert ws["A1"].value == "TÌNH HÌNH GỬI BÁO CÁO CỦA CÁC ĐƠN VỊ 9 THÁNG NĂM 2024"
    assert ws.print_title_rows == "$3:$3"
    rows = {(r[0].value, r[2].value): [c.value for c in r] for r in ws.iter_rows(min_row=4)}
    assert rows[("033", 3)][3] == "Chưa gửi"
    assert rows[("033", 3)][6] == "Chưa gửi"  # Q3 deadline 15/10/2024 passed on 20/10, nothing sent
    assert rows[("024", 3)][3] == "Đã gửi"
    assert rows[("024", 3)][6] == "Đúng hạn"
    assert rows[("024", 1)][3] == "Đã duyệt"
    assert rows[("024", 1)][5] == datetime.datetime(2024, 4, 15)


@pytest.mark.parametrize("lang, sheet, words", [
    ("vi", "Tình hình báo cáo", ("Đúng hạn", "Gửi trễ hạn", "Chưa gửi")),
    ("en", "Submissions", ("On time", "Submitted late", "Not submitted")),
])
def test_the_submissions_sheet_tells_a_report_sent_late_from_one_never_sent_as_the_late_page_does(demo, lang, sheet, words):
    from django.utils import timezone

    on_time, sent_late, not_sent = words
    # 028 sends its nine months three days after the deadline (15/10/2024); 029 left its report a
    # draft and 033 has none: neither was sent.
    sent = timezone.make_aware(datetime.datetime(2024, 10, 18, 10, 0))
    Submission.objects.filter(campaign=demo, unit__code="028", quarter=3).update(submitted_at=sent, first_submitted_at=sent)
    ws = _report(demo, 3, lang=lang)[sheet]
    rows = {(r[0], r[2]): r for r in ws.iter_rows(min_row=4, values_only=True)}
    assert rows[("024", 3)][6] == on_time
    assert rows[("028", 3)][6] == sent_late
    assert rows[("029", 3)][6] == not_sent and rows[("029", 3)][4] is None
    assert rows[("033", 3)][6] == not_sent


def test_raw_data_xlsx_has_every_visible_figure_in_long_format(demo, tmp_path):
    path = tmp_path / "raw.xlsx"
    count = exports.write_raw_xlsx(exports.raw_figures(Figure.objects.all()), path)
    assert count == Figure.objects.count()
    ws = load_workbook(path, read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:8] == ("Năm", "Quý", "Mã đơn vị", "Đơn vị", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Giá trị")
    assert len(rows) == count + 1
    figure = Figure.objects.select_related("submission__unit", "measure").get(
        measure__code="3", submission__unit__code="STC", submission__quarter=1)
    row = next(r for r in rows if r[2] == "STC" and r[4] == "3" and r[1] == 1)
    assert Decimal(str(row[7])) == figure.value
    assert row[3] == "Sở Tài chính tỉnh Hà Giang" and row[6] == "tỷ đồng"
    assert row[13] == "Đã duyệt"
    assert row[16] == "thamdinh"
    assert row[15].microsecond == 0


def test_the_raw_data_in_english_names_units_and_measures_in_english(demo, tmp_path):
    path = tmp_path / "raw.xlsx"
    exports.write_raw_xlsx(exports.raw_figures(Figure.objects.filter(submission__unit__code="STC", measure__code="3")), path, lang="en")
    rows = list(load_workbook(path).worksheets[0].iter_rows(values_only=True))
    assert rows[0][3] == "Unit" and rows[1][3] == Unit.objects.get(code="STC").name_en
    assert rows[1][5] == Measure.objects.get(code="3").name_en and rows[1][6] == "billion VND"
    lines = list(csv.reader(io.StringIO("".join(exports.raw_csv_lines(exports.raw_figures(Figure.objects.filter(
        submission__unit__code="STC", measure__code="3")), lang="en")).lstrip("\ufeff"))))
    assert lines[1][3] == Unit.objects.get(code="STC").name_en and lines[1][6] == "billion VND"


def test_raw_xlsx_keeps_every_digit_of_a_figure_a_number_cell_cannot_hold(programme, tmp_path):
    # A number cell is a double: 1234567890123.456789 would come out as 1234567890123.457.
    submission = Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="STC"), quarter=1, state="submitted")
    Figure.objects.create(submission=submission, measure=Measure.objects.get(code="3"), value=Decimal("1234567890123.456789"),
                          cumulative=Decimal("9999999999999.999999"))
    Figure.objects.create(submission=submission, measure=Measure.objects.get(code="4"), value=Decimal("244.946"))
    path = tmp_path / "raw.xlsx"
    exports.write_raw_xlsx(exports.raw_figures(Figure.objects.all()), path)
    rows = {r[4].value: r for r in load_workbook(path).worksheets[0].iter_rows(min_row=2)}
    assert (rows["3"][7].value, rows["3"][7].data_type, rows["3"][18].value) == ("1234567890123.456789", "s", "9999999999999.999999")
    assert rows["4"][7].value == 244.946  # a number, where the cell holds it


def test_raw_xlsx_has_widths_a_bold_header_and_a_filter(demo, tmp_path):
    path = tmp_path / "raw.xlsx"
    exports.write_raw_xlsx(exports.raw_figures(Figure.objects.all()), path)
    ws = load_workbook(path).worksheets[0]
    assert ws["A1"].font.b and ws["F1"].font.b
    assert ws.auto_filter.ref == "A1:U1"
    assert ws.column_dimensions["F"].width == 40 and ws.column_dimensions["B"].width == 6
    assert ws.freeze_panes == "A2"


def test_raw_csv_numbers_carry_no_trailing_zeros_and_times_stop_at_the_second(programme):
    submission = Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="STC"), quarter=1, state="submitted")
    Figure.objects.create(submission=submission, measure=Measure.objects.get(code="3"), value=Decimal("42.7"))
    Figure.objects.create(submission=submission, measure=Measure.objects.get(code="4"), value=Decimal("2460"))
    Figure.objects.create(submission=submission, measure=Measure.objects.get(code="17"), verdict="completed",
                          narrative="Đã triển khai đầy đủ.")
    lines = list(csv.reader(io.StringIO("".join(exports.raw_csv_lines(exports.raw_figures(Figure.objects.all()))).lstrip("\ufeff"))))
    by_code = {line[4]: line for line in lines[1:]}
    assert by_code["3"][7] == "42.7" and by_code["3"][6] == "tỷ đồng"
    assert by_code["4"][7] == "2460"
    assert by_code["17"][7] == "" and by_code["17"][8] == "Hoàn thành nhiệm vụ" and by_code["17"][9] == "Đã triển khai đầy đủ."
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", by_code["3"][15])
    assert exports.plain_decimal(Decimal("244.946000")) == "244.946" and exports.plain_decimal(Decimal("-0.500")) == "-0.5"


def test_csv_round_trips_with_vietnamese_text(demo):
    text = "".join(exports.raw_csv_lines(exports.raw_figures(Figure.objects.all())))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "Năm"
    assert len(rows) == Figure.objects.count() + 1
    assert any(r[3] == "Huyện Hoàng Su Phì" for r in rows)
    assert any(r[8] in ("Hoàn thành nhiệm vụ", "Hoàn thành tốt nhiệm vụ") for r in rows)


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+2", "-3+cmd", "@SUM(A1)", "\tx"])
def test_text_that_reads_like_a_formula_is_never_a_formula_in_any_export(programme, text, tmp_path):
    submission = Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="STC"), quarter=1, state="submitted")
    Figure.objects.create(submission=submission, measure=Measure.objects.get(code="3"), value=Decimal("10"), note=text, source=text)
    path = tmp_path / "raw.xlsx"
    exports.write_raw_xlsx(exports.raw_figures(Figure.objects.all()), path)
    with zipfile.ZipFile(path) as package:
        assert b"<f>" not in package.read("xl/worksheets/sheet1.xml")
    row = next(load_workbook(path).worksheets[0].iter_rows(min_row=2))
    # The workbook keeps the text as written, marked as text (Excel's apostrophe is not part of the value).
    assert [(c.value, c.data_type, c.quotePrefix) for c in row[10:12]] == [(text, "s", True)] * 2
    assert row[7].value == 10 and not row[7].quotePrefix
    # CSV cannot mark a text as text: the apostrophe is written.
    lines = list(csv.reader(io.StringIO("".join(exports.raw_csv_lines(exports.raw_figures(Figure.objects.all()))).lstrip("\ufeff"))))
    assert lines[1][10] == "'" + text


def test_the_official_report_prints_a_narrative_that_starts_with_a_dash_as_written(demo):
    # "- Đã …" is how Vietnamese reports write their points; it must not become "'- Đã …" on paper.
    narrative = "- Đã tổ chức diễn tập khu vực phòng thủ.\n- Hoàn thành chỉ tiêu tuyển quân."
    assert Figure.objects.filter(measure__code="15", measure__campaign=demo).update(narrative=narrative)
    report = _report_bytes(demo, 3)
    with zipfile.ZipFile(io.BytesIO(report)) as package:
        assert b"<f>" not in package.read("xl/worksheets/sheet1.xml")
    cell = _rows_by_code(load_workbook(io.BytesIO(report)).worksheets[0])["15"][10]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (narrative, "s", True)


def test_export_report_command(demo, tmp_path):
    path = tmp_path / "report.xlsx"
    call_command("export_report", "--year", "2024", "--quarter", "4", "--lang", "en", "-o", str(path))
    ws = load_workbook(path).worksheets[0]
    assert ws["A6"].value == "Results of the emulation targets and tasks for the year 2024"


def test_export_figures_command_csv(demo, tmp_path):
    path = tmp_path / "figures.csv"
    call_command("export_figures", "--year", "2024", "--format", "csv", "-o", str(path))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert len(raw.decode("utf-8-sig").splitlines()) == Figure.objects.count() + 1


# --- downloads, per role -------------------------------------------------------------------

def test_anonymous_users_cannot_download(client, programme):
    for url in (reverse("exports:report") + "?year=2024&quarter=1", reverse("exports:figures") + "?year=2024"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("role", ["viewer", "reviewer", "admin_user"])
def test_every_role_downloads_the_official_report(client, demo, role, request):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("exports:report"), {"year": 2024, "quarter": 2})
    assert response.status_code == 200
    assert response["Content-Type"] == exports_content_type()
    assert 'filename="bao-cao-thi-dua-2024-q2.xlsx"' in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert wb.worksheets[0]["A6"].value == "Kết quả thực hiện các chỉ tiêu, nhiệm vụ thi đua 6 tháng năm 2024"


def exports_content_type():
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_bad_period_is_a_clear_404_or_the_dashboards_quarter_not_a_crash(client, programme, viewer):
    client.force_login(viewer)
    # No report sent yet: the dashboard shows quarter 1, and so does its download, at an address that says so.
    response = client.get(reverse("exports:report"), {"year": 2024, "quarter": 7})
    assert response.status_code == 302 and response["Location"] == f"{reverse('exports:report')}?year=2024&quarter=1&lang=vi"
    assert 'filename="bao-cao-thi-dua-2024-q1.xlsx"' in client.get(response["Location"])["Content-Disposition"]
    for malformed in ({"lang": "xx"}, {"quarter": ["1", "2"]}, {"year": "abc"}):
        assert client.get(reverse("exports:report"), {"year": 2024, "quarter": 1, **malformed}).status_code in (302, 404)
    # A well-formed address, with or without the language, is the download itself.
    assert client.get(reverse("exports:report"), {"year": 2024, "quarter": 1}).status_code == 200
    assert client.get(reverse("exports:report"), {"year": 2024, "quarter": 1, "lang": "en"}).status_code == 200
    assert client.get(reverse("exports:report"), {"year": 1999, "quarter": 1}).status_code == 404


def _raw_units(client, **params):
    response = client.get(reverse("exports:figures"), {"year": 2024, "format": "csv", **params})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    return {r[2] for r in rows}, {r[13] for r in rows}


def test_reporters_download_only_their_own_units_figures(client, demo):
    reporter = make_user("reporter-024", "reporter", units=[Unit.objects.get(code="024")])
    client.force_login(reporter)
    units, states = _raw_units(client)
    assert units == {"024"}


def test_viewers_download_what_the_dashboards_show_and_the_secretariat_everything(client, demo, viewer, reviewer):
    client.force_login(viewer)
    units, states = _raw_units(client)
    assert "Nháp" not in states and "029" in units
    client.force_login(reviewer)
    units, states = _raw_units(client)
    assert "Nháp" in states  # district 029's Q3 draft
    units, _ = _raw_units(client, unit="029")
    assert units == {"029"}


def test_the_overview_links_to_the_downloads_of_its_period(client, programme, viewer):
    client.force_login(viewer)
    html = client.get(reverse("home"), {"year": 2024, "quarter": 2}).content.decode()
    assert f'{reverse("exports:report")}?year=2024&amp;quarter=2' in html
    assert f'{reverse("exports:figures")}?year=2024&amp;format=csv' in html
    assert "Báo cáo chính thức (Excel)" in html


def test_the_year_end_report_says_which_period_stands_in_for_a_missing_year_figure(demo):
    ws = _report(demo, 4).worksheets[0]
    budget = _rows_by_code(ws)["3"]
    # Nine months of figures, no year figure yet: the number says "(9 tháng)", the assessment says why.
    assert budget[5].number_format.endswith('"(9 tháng)"')
    assert budget[9].value.endswith("(chưa có số cả năm)")


def test_a_rate_known_for_an_earlier_quarter_only_says_so_and_is_compared_with_that_quarter_last_year(programme):
    from tests.test_ranking import send

    rate = Measure.objects.get(campaign=programme, code="12")  # a level measure, in %
    rate.same_period_q1, rate.same_period_q2 = Decimal("58.9"), Decimal("59.6")
    rate.save()
    lead = rate.assignments.get(role="lead").unit.code
    send(programme, lead, 1, {"12": "59.2"})
    row = _rows_by_code(_report(programme, 2).worksheets[0])["12"]
    # Under "6 tháng", the first quarter's figure, marked as such, beside last year's first quarter
    # (not its first half, 59,6, against which it would read 99,3 %).
    assert (row[5].value, row[6].value, row[8].value) == (59.2, 58.9, 100.5)
    assert row[5].number_format.endswith('"(Quý I)"') and row[6].number_format.endswith('"(Quý I)"')
    # Its own period's figure is compared with its own period's.
    send(programme, lead, 2, {"12": "59.4"})
    row = _rows_by_code(_report(programme, 2).worksheets[0])["12"]
    assert (row[5].value, row[6].value, row[6].number_format) == (59.4, 59.6, "[$-42A]#,##0.0")


def test_a_task_many_units_answer_for_keeps_a_readable_start_of_each_within_one_printable_row(demo):
    ws = _report(demo, 3).worksheets[0]
    narrative_col = exports.TASK_NARRATIVE[0]
    shared = max((row for row in ws.iter_rows(min_row=exports.BODY_ROW) if isinstance(row[narrative_col - 1].value, str)),
                 key=lambda row: row[narrative_col - 1].value.count("\n"))
    lines = shared[narrative_col - 1].value.split("\n")
    assert len(lines) >= 10  # the demo's task of theme II answered by a dozen units
    for line in lines:
        unit, _sep, text = line.partition(": ")
        assert len(text) >= 60, line  # not "triển khai …" after the unit's name
    assert ws.row_dimensions[shared[0].row].height <= 409  # the most a row can be, in Excel and LibreOffice


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_year_to_date_lacking_a_quarter_is_not_set_against_last_years_nine_months(client, demo, lang):
    from targets.models import Measure

    # The province's budget for nine months lacks the third quarter; last year's nine months are known.
    Measure.objects.filter(campaign=demo, code="3").update(same_period_q3=Decimal("1600"))
    Figure.objects.filter(measure__code="3", submission__unit__code="STC", submission__quarter=3).delete()
    budget = _rows_by_code(_report(demo, 3, lang).worksheets[0])["3"]
    assert budget[5].number_format.endswith('"(!)"') and Decimal(str(budget[6].value)) == 1600
    assert budget[8].value is None  # TH/cùng kỳ: no percentage of six months over nine
    client.force_login(make_user("official", "viewer"))
    client.post(reverse("set_language"), {"language": lang})
    page = client.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 3}).content.decode()
    assert ("9 tháng (thiếu số liệu quý III)" if lang == "vi" else "Nine months (no figure for Q3)") in page


def test_the_full_year_report_without_q4_figures_marks_what_it_carries(client, demo):
    rows = _rows_by_code(_report(demo, 4).worksheets[0])
    # The nine months' figures stand in for the year, and so do last year's nine months beside them.
    accidents = rows["14a"]
    assert accidents[5].number_format.endswith('"(9 tháng)"') and accidents[6].number_format.endswith('"(9 tháng)"')
    # A verdict sent for nine months and not yet reviewed is marked as such, with its narrative.
    defence = rows["15"]
    state = Figure.objects.get(measure__code="15", submission__quarter=3, submission__unit=defence_unit(demo)).submission.state
    assert state != "approved"
    assert defence[5].value.endswith("(*) (9 tháng)") and defence[10].value
    # The overview says the same of the figure it carries: its state.
    client.force_login(make_user("official", "viewer"))
    page = client.get(reverse("home"), {"year": 2024, "quarter": 4}).content.decode()
    row = re.search(r"<span class=\"card-number\">15\. </span>.*?</td>", page, re.S).group(0)
    assert "Đã gửi" in row


def defence_unit(campaign):
    from targets.models import Measure

    return Measure.objects.get(campaign=campaign, code="15").indicator.lead_unit


def test_last_years_actual_shows_the_decimals_that_tell_it_from_the_target(demo):
    from targets.models import Measure

    # 2024 ended at 1,304 % against "at most 1,3": printed "1,30" beside "≤ 1,30" it would look met.
    Measure.objects.filter(campaign=demo, code="8").update(previous_year=Decimal("1.304"), target=Decimal("1.3"))
    births = _rows_by_code(_report(demo, 3).worksheets[0])["8"]
    assert Decimal(str(births[3].value)) == Decimal("1.304") and births[3].number_format == "[$-42A]#,##0.000"


def test_a_more_than_target_is_printed_and_explained_as_such(demo):
    ws = _report(demo, 3).worksheets[0]
    security = _rows_by_code(ws)["13"]
    assert security[4].number_format.startswith('[$-42A]"> "')
    assert "(>) Chỉ đạt khi vượt trên kế hoạch: bằng kế hoạch là chưa đạt." in _texts(ws)


def test_a_shared_task_says_each_units_period_where_they_differ(demo):
    from django.db.models import Count

    from targets.models import Submission, Task, TaskReport

    # A task of two units: one sent its nine months, the other the full year.
    task = Task.objects.filter(theme__campaign=demo, is_active=True).annotate(n=Count("responsible_units")).filter(n=2).order_by("pk")[0]
    first, second = task.responsible_units.order_by("kind", "code")
    for unit, quarter, verdict in ((first, 4, "completed"), (second, 3, "not_completed")):
        report = Submission.objects.get_or_create(campaign=demo, unit=unit, quarter=quarter, defaults={"state": "submitted"})[0]
        TaskReport.objects.update_or_create(submission=report, task=task, defaults={"verdict": verdict, "narrative": "Đã làm."})
    TaskReport.objects.filter(task=task, submission__unit=first, submission__quarter=3).delete()
    rows = [[c.value for c in r] for r in _report(demo, 4).worksheets[0].iter_rows(min_row=exports.BODY_ROW)]
    row = next(r for r in rows if r[1] == task.title)
    assert row[10] == f"{first.short_name or first.name}: Cả năm\n{second.short_name or second.name}: 9 tháng"


def test_the_raw_data_answers_an_unknown_format_or_unit_with_not_found_not_a_file(client, demo):
    client.force_login(make_user("official", "viewer"))
    url = reverse("exports:figures")
    assert client.get(url, {"year": 2024, "format": "pdf"}).status_code == 404
    assert client.get(url, {"year": 2024, "unit": "khong-co"}).status_code == 404
    assert client.get(url, {"year": 2024, "format": "CSV"})["Content-Type"].startswith("text/csv")
    assert client.get(url, {"year": 2024, "unit": "024"}).status_code == 200


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_each_page_of_the_report_starts_with_the_header_of_the_table_it_continues(demo, lang):
    from targets.models import Task

    ws = _report(demo, 3, lang).worksheets[0]
    with translation.override(lang):
        indicators, tasks = exports._("Indicator, task"), exports._("Task")
    titles = {exports._name(t, "title", lang) for t in Task.objects.filter(theme__campaign=demo)}
    breaks = [b.id for b in ws.row_breaks.brk]
    assert len(breaks) >= 3
    for last in breaks:
        if str(ws.cell(last + 1, 1).value).startswith("("):
            continue  # the footnotes and the signature block, kept together on the last page
        top = [ws.cell(last + 1, 2).value, ws.cell(last + 2, 2).value]
        first_row = last + 1 if top[0] in (indicators, tasks) else last + 2  # a theme's title, then its header
        assert ws.cell(first_row, 1).value == ("STT" if lang == "vi" else "No."), (last, top)
        # The header is that of the rows under it: tasks under "Nhiệm vụ", indicators under "Chỉ tiêu, nhiệm vụ".
        header = ws.cell(first_row, 2).value
        under = ws.cell(first_row + (2 if header == indicators else 1), 2).value
        assert header in (indicators, tasks)
        assert (under in titles) == (header == tasks), (last, header, under)


def test_the_ranking_workbook_is_headed_by_the_province_and_its_place_as_the_report_is(demo):
    from targets import ranking, ranking_xlsx

    for lang, issuer, place in (
        ("vi", "ỦY BAN NHÂN DÂN TỈNH HÀ GIANG\nHỘI ĐỒNG THI ĐUA - KHEN THƯỞNG", "Hà Giang, ngày …… tháng …… năm ……"),
        ("en", "PEOPLE'S COMMITTEE OF HA GIANG PROVINCE\nEMULATION AND COMMENDATION COUNCIL", "Ha Giang, …… (day) …… (month) …… (year)"),
    ):
        workbook = ranking_xlsx.ranking_workbook(demo, ranking.build_ranking(demo), lang=lang)
        for ws in workbook.worksheets[:2]:  # the ranking and the proposals
            assert ws["A1"].value == issuer and ws["A1"].font.name == "Times New Roman" and ws["A1"].font.b
            assert ws["C4"].value == place and ws["C4"].font.i
        report = exports.report_workbook(demo, 3, lang=lang).worksheets[0]
        assert report["D4"].value == place  # the same line, from the same code


def test_a_yearly_measure_not_yet_published_says_when_it_is_expected_in_the_notes(programme):
    from targets.models import Indicator

    ws = _report(programme, 2)["Báo cáo"]
    assert Indicator.objects.get(campaign=programme, number=16).measures.count() == 3  # PAR Index, PCI, PAPI
    for code in ("16a", "16b", "16c"):  # each measure's row, under the indicator's
        row = next(r for r in ws.iter_rows(min_row=11) if r[0].value == code)
        assert row[exports.COL["assessment"] - 1].value == "Chờ công bố"
        assert row[exports.COL["notes"] - 1].value == "6 tháng: công bố hằng năm, dự kiến tháng 5/2025"


def test_the_by_unit_sheet_prints_a_target_with_the_direction_it_is_judged_in(demo):
    ws = _report(demo, 3)["Chi tiết theo đơn vị"]
    formats = {}
    for row in ws.iter_rows(min_row=4):
        if row[10].value is not None:
            formats.setdefault((row[0].value, row[5].value), row[10].number_format.removeprefix("[$-42A]"))
    # Population growth "at most" (≤), the province's security "over 95 %" (>), budget revenue at least (no sign).
    lead, own = "Chủ trì", "Số liệu riêng"
    assert formats[("8", lead)].startswith('"≤ "')
    assert formats[("13", lead)].startswith('"> "')
    assert not formats[("3", lead)].startswith('"')
    # A district's "more than" pledge is kept by reaching it: no strict sign on its own row.
    assert all(not f.startswith('"> "') for (code, role), f in formats.items() if role == own)


def _by_unit_row(ws, code, unit_code):
    return next(r for r in _unit_rows(ws) if r[0].value == code and r[3].value == unit_code)


def _sheet_notes(ws):
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and re.match(r"\([*!≤>]\) ", c.value)]


def test_a_full_year_row_says_its_sum_is_a_first_half_and_lacks_the_third_and_fourth_quarters(demo):
    """The year report without its figures carries the nine months; a unit that sent nothing after
    June has only the first half's sum: it says "(6 tháng)", never passes for nine months, and names
    the quarters its year lacks on its own row, on both sheets alike."""
    # Quản Bạ (029) sent its first and second quarters only (its third is a draft); the province's
    # finance (the lead) loses its third too.
    assert not Figure.objects.filter(measure__code="3", submission__unit__code="029", submission__quarter=3,
                                     submission__state__in=Submission.VISIBLE_STATES).exists()
    Figure.objects.filter(measure__code="3", submission__unit__code="STC", submission__quarter=3).delete()
    wb = _report(demo, 4)
    ws = wb["Chi tiết theo đơn vị"]
    district = _by_unit_row(ws, "3", "029")
    h1 = sum(Figure.objects.get(measure__code="3", submission__unit__code="029", submission__quarter=q).value for q in (1, 2))
    assert Decimal(str(district[7].value)) == h1
    assert district[7].number_format == '[$-42A]#,##0.0 "(!)" "(6 tháng)"'
    assert district[9].value == "chưa đủ quý: quý III, quý IV"
    # A neighbour with its nine months says so.
    assert _by_unit_row(ws, "3", "024")[7].number_format.endswith('"(9 tháng)"')
    # The footnote sends the reader to each row's own quarters.
    assert "(!) Lũy kế còn thiếu số liệu của các quý nêu ở cột Ghi chú." in _sheet_notes(ws)
    # The lead unit's row and the report sheet print the same first half for the province.
    lead = _by_unit_row(ws, "3", "STC")
    report = _rows_by_code(wb["Báo cáo"])["3"][exports.COL["actual"] - 1]
    assert report.value == lead[7].value
    assert report.number_format == lead[7].number_format == '[$-42A]#,##0.0 "(!)" "(6 tháng)"'
    # Then that it is judged against the province's target, not the pledge it signed (test_report_wording).
    assert lead[9].value.split("\n")[0] == "chưa đủ quý: quý III, quý IV"
    assert lead[9].value.split("\n")[1].startswith("Đánh giá theo kế hoạch của tỉnh; theo giao ước thi đua của đơn vị (2.271,0)")
    assert "(!) Lũy kế còn thiếu số liệu của: quý III, quý IV." in _sheet_notes(wb["Báo cáo"])


def test_a_carried_verdict_says_its_period_on_both_sheets(demo):
    wb = _report(demo, 4)
    report = _rows_by_code(wb["Báo cáo"])["15"][exports.COL["actual"] - 1].value
    by_unit = _by_unit_row(wb["Chi tiết theo đơn vị"], "15", "BCHQS")[7].value
    assert by_unit == report
    assert by_unit in ("Hoàn thành nhiệm vụ (*) (9 tháng)", "Hoàn thành tốt nhiệm vụ (*) (9 tháng)")
    english = _report(demo, 4, lang="en")
    assert _by_unit_row(english["By unit"], "15", "BCHQS")[7].value in ("Completed (*) (Nine months)", "Completed well (*) (Nine months)")


def test_the_quarter_figure_is_marked_as_its_year_to_date_is_when_not_yet_reviewed(demo):
    ws = _report(demo, 3)["Chi tiết theo đơn vị"]
    statistics = _by_unit_row(ws, "1", "CTK")  # the third quarter's report: sent, not yet approved
    assert Submission.objects.get(unit__code="CTK", quarter=3, campaign=demo).state == Submission.State.SUBMITTED
    assert statistics[6].value == statistics[7].value
    assert statistics[6].number_format == statistics[7].number_format == '[$-42A]#,##0.00 "(*)"'
    # Approved, official: no mark on either.
    Submission.objects.filter(unit__code="CTK", quarter=3, campaign=demo).update(state=Submission.State.APPROVED)
    Figure.objects.filter(submission__unit__code="CTK", measure__code="1").update(kind=Figure.Kind.OFFICIAL)
    statistics = _by_unit_row(_report(demo, 3)["Chi tiết theo đơn vị"], "1", "CTK")
    assert statistics[6].number_format == "[$-42A]#,##0.00"
    # An estimate in an approved report is marked too.
    Figure.objects.filter(submission__unit__code="CTK", submission__quarter=3, measure__code="1").update(kind=Figure.Kind.ESTIMATE)
    statistics = _by_unit_row(_report(demo, 3)["Chi tiết theo đơn vị"], "1", "CTK")
    assert statistics[6].number_format == '[$-42A]#,##0.00 "(*)"'


@pytest.mark.parametrize("quarter, period", [(3, ""), (4, ' "(9 tháng)"')])
def test_a_same_period_measure_prints_what_its_status_is_judged_against(demo, quarter, period):
    """14a–14c (fewer accidents than last year) have no numeric target: the lead unit's status is
    judged against the same period last year, which stands in the target column, as the report
    sheet's "Cùng kỳ" column shows it."""
    wb = _report(demo, quarter)
    report = _rows_by_code(wb["Báo cáo"])
    ws = wb["Chi tiết theo đơn vị"]
    for code in ("14a", "14b", "14c"):
        same = report[code][exports.COL["same_period"] - 1]
        row = _by_unit_row(ws, code, "CA")
        assert same.value is not None and row[10].value == same.value
        assert row[10].number_format == '[$-42A]#,##0 "(cùng kỳ)"' + period
        assert row[11].value == report[code][exports.COL["assessment"] - 1].value


def test_the_by_unit_sheet_says_when_a_yearly_figure_not_yet_published_is_expected(demo):
    # Not "no figure" from a dozen districts that failed to report: published yearly, as the report sheet says.
    ws = _report(demo, 3)["Chi tiết theo đơn vị"]
    yearly = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] == "6"]
    assert len(yearly) > 5
    assert all(r[9] and "công bố hằng năm, dự kiến tháng" in r[9] for r in yearly), [r[9] for r in yearly]
