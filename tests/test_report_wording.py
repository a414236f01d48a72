"""The official report's words, read back with openpyxl: what an office signing it reads in a closed
year, for tasks assessed in words, for a lead unit that signed a pledge of its own, and the period
phrases of its English title and headings (probe A: A2, A5, A7)."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from targets import exports, progress, ranking
from targets.models import Deadline, Figure, Measure, Pledge, Submission
from targets.overview import build_overview
from tests.conftest import make_user
from tests.test_exports import _rows_by_code

CLOSED_VI = "Cả năm: không có số liệu cả năm được duyệt trước khi khóa sổ năm"
CLOSED_EN = "Full year: no full-year figure was approved before the year was closed"


def _report(campaign, quarter, lang="vi"):
    buffer = io.BytesIO()
    exports.report_workbook(campaign, quarter, lang=lang).save(buffer)
    return load_workbook(io.BytesIO(buffer.getvalue()))


def _by_unit(wb, code, unit_code):
    return next(r for r in wb.worksheets[1].iter_rows(min_row=4) if r[0].value == code and r[3].value == unit_code)


def _texts(wb):
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


@pytest.fixture
def closed_demo(demo):
    """The demo year (figures up to the third quarter) closed as an admin closes it: every report
    reviewed, its deadlines past, ranking.close_year."""
    Submission.objects.filter(campaign=demo, state__in=("submitted", "returned")).update(state="approved")
    Deadline.objects.filter(campaign=demo).update(due_on=datetime.date(2025, 1, 15))
    ranking.close_year(demo, make_user("closer", "admin", is_staff=True, is_superuser=True))
    assert demo.is_closed()
    return demo


# --- A5: a closed year's full year without its figure -----------------------------------------


@pytest.mark.parametrize("lang, reason, no_data", [("vi", CLOSED_VI, "Chưa có số liệu"), ("en", CLOSED_EN, "No data")])
def test_a_closed_year_says_why_its_full_year_has_no_verdict_never_that_the_figure_is_yet_to_come(closed_demo, lang, reason, no_data):
    wb = _report(closed_demo, 4, lang)
    rows = _rows_by_code(wb.worksheets[0])
    arrivals = rows["4"]
    # The nine months' figure printed as such, the year "no data" for good, and why, in the dashboards' words.
    assert arrivals[5].value == Decimal("2364380") and progress.period_label(3, lang) in arrivals[5].number_format
    assert arrivals[9].value == no_data and arrivals[10].value == reason
    province = next(m for m in build_overview(closed_demo, 4).measures if m.measure.code == "4")
    assert province.progress.explanation(lang).startswith(f"{reason};")  # the page's sentence starts so
    # A task assessed in words: the reason, then what the unit wrote.
    defence = rows["15"]
    assert defence[9].value == no_data and defence[10].value.startswith(f"{reason}. [Demo] Thực hiện nội dung chỉ tiêu 15")
    # A measure with no figure at all says the same.
    assert rows["20"][9].value == no_data and rows["20"][10].value == reason
    # The by-unit sheet, as the report sheet.
    lead = _by_unit(wb, "4", "SVHTTDL")
    assert lead[11].value == no_data and lead[9].value.startswith(reason)
    # "No full-year figure yet" is false once the year is closed: said nowhere in the workbook.
    assert not any(("chưa có số cả năm" if lang == "vi" else "no full-year figure yet") in t for t in _texts(wb))


def test_an_open_years_full_year_still_says_its_figure_is_yet_to_come(demo):
    rows = _rows_by_code(_report(demo, 4).worksheets[0])
    assert rows["4"][9].value.endswith("(chưa có số cả năm)") and rows["4"][10].value is None


# --- A7: tasks assessed in words -------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_measure_assessed_in_words_is_assessed_in_its_verdicts_words_in_its_statuss_colour(demo, lang):
    wb = _report(demo, 3, lang)
    rows = _rows_by_code(wb.worksheets[0])
    measures = {m.measure.code: m.progress for m in build_overview(demo, 3).measures}
    well = "Hoàn thành tốt nhiệm vụ" if lang == "vi" else "Completed well"
    assert measures["17"].verdict == progress.Verdict.COMPLETED_WELL and rows["17"][9].value == well
    for code in ("15", "17", "18", "19"):
        p = measures[code]
        cell = rows[code][9]
        assert cell.value == progress.verdict_label(p.verdict, lang)  # never "Vượt kế hoạch" / "Exceeded"
        assert cell.fill.fgColor.rgb.endswith(exports.STATUS_FILLS[p.status])
        lead = next(r for r in wb.worksheets[1].iter_rows(min_row=4) if r[0].value == code and r[5].value in ("Chủ trì", "Lead"))
        assert lead[11].value == cell.value and lead[11].fill.fgColor.rgb.endswith(exports.STATUS_FILLS[p.status])
    # The full year carrying the nine months' verdict says so, in the verdict's words too.
    carried = _rows_by_code(_report(demo, 4, lang).worksheets[0])["17"][9].value
    assert carried == f"{well} ({'chưa có số cả năm' if lang == 'vi' else 'no full-year figure yet'})"


# --- A2: the lead unit's pledge on the by-unit sheet ---------------------------------------------


@pytest.mark.parametrize("lang, note", [
    ("vi", "Đánh giá theo kế hoạch của tỉnh; theo giao ước thi đua của đơn vị (66,3): có nguy cơ chậm"),
    ("en", "Judged against the province's target; against the unit's own pledge (66.3): at risk"),
])
def test_the_by_unit_sheet_says_a_lead_unit_is_judged_by_the_provinces_target_and_where_its_pledge_stands(demo, lang, note):
    measure = Measure.objects.get(campaign=demo, code="7")
    pledge = Pledge.objects.get(unit__code="SLDTBXH", measure=measure)
    assert pledge.target == Decimal("66.3") and measure.target == 60
    row = _by_unit(_report(demo, 3, lang), "7", "SLDTBXH")
    # The rule stands: the province's target and the report sheet's status; the note says so, and
    # where the unit stands against the pledge the ranking judges it by.
    assert Decimal(str(row[10].value)) == 60 and row[11].value == progress.status_label(progress.Status.EXCEEDED, lang)
    assert row[9].value == note
    series = {q: Figure.objects.get(measure=measure, submission__unit__code="SLDTBXH", submission__quarter=q).value for q in (1, 2, 3)}
    assert progress.evaluate(pledge.spec(), 3, series, today=datetime.date(2024, 10, 20)).status is progress.Status.AT_RISK
    # Another unit is judged against its own pledge, which the column already shows: no such note.
    rows = list(_report(demo, 3, lang).worksheets[1].iter_rows(min_row=4))
    others = [r for r in rows if r[5].value not in ("Chủ trì", "Lead") and r[10].value is not None]
    assert others and not any(r[9].value and note[:25] in r[9].value for r in others)


def test_a_lead_unit_without_a_pledge_gets_no_note(demo):
    measure = Measure.objects.get(campaign=demo, code="7")
    Pledge.objects.filter(unit__code="SLDTBXH", measure=measure).delete()
    assert _by_unit(_report(demo, 3), "7", "SLDTBXH")[9].value is None


# --- A7: the English period phrases read as one sentence --------------------------------------


@pytest.mark.parametrize("quarter, title, actual, same", [
    (1, "Results of the emulation targets and tasks for Q1 2024", "Actual / estimate for Q1 2024", "Same period: Q1 2023"),
    (3, "Results of the emulation targets and tasks for the first nine months of 2024",
     "Actual / estimate for the first nine months of 2024", "Same period: the first nine months of 2023"),
    (4, "Results of the emulation targets and tasks for the year 2024", "Actual / estimate for the year 2024", "Same period: the year 2023"),
])
def test_the_english_title_and_headings_say_the_period_as_a_sentence_does(demo, quarter, title, actual, same):
    ws = _report(demo, quarter, "en").worksheets[0]
    assert (ws["A6"].value, ws["F9"].value, ws["G9"].value) == (title, actual, same)


@pytest.mark.parametrize("quarter, title, actual, same", [
    (1, "Kết quả thực hiện các chỉ tiêu, nhiệm vụ thi đua quý I năm 2024", "Thực hiện / Ước thực hiện quý I năm 2024", "Cùng kỳ quý I năm 2023"),
    (3, "Kết quả thực hiện các chỉ tiêu, nhiệm vụ thi đua 9 tháng năm 2024", "Thực hiện / Ước thực hiện 9 tháng năm 2024", "Cùng kỳ 9 tháng năm 2023"),
    (4, "Kết quả thực hiện các chỉ tiêu, nhiệm vụ thi đua năm 2024", "Thực hiện / Ước thực hiện năm 2024", "Cùng kỳ năm 2023"),
])
def test_the_vietnamese_title_and_headings_keep_their_period(demo, quarter, title, actual, same):
    ws = _report(demo, quarter).worksheets[0]
    assert (ws["A6"].value, ws["F9"].value, ws["G9"].value) == (title, actual, same)
