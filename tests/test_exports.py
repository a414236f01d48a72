"""The workbooks, read back with openpyxl: they must say exactly what the dashboard says."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from targets import exports
from targets.models import Figure, Measure, Submission, Unit
from targets.overview import build_overview
from targets.progress import status_label
from tests.conftest import make_user

TODAY = datetime.date(2024, 10, 20)




def _report(campaign, quarter, lang="vi"):
    wb = exports.report_workbook(campaign, quarter, lang=lang, today=TODAY)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return load_workbook(buffer)


def _rows_by_code(ws):
    """Table rows keyed by the STT column (indicator number or measure code)."""
    return {str(row[0].value): row for row in ws.iter_rows(min_row=10) if row[0].value is not None}


def test_report_title_rows_header_and_print_setup(demo):
    ws = _report(demo, 3).worksheets[0]
    assert ws.title == "Báo cáo"
    assert ws["A1"].value == "ỦY BAN NHÂN DÂN TỈNH HÀ GIANG"
    assert ws["D1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert ws["D3"].value == "Hà Giang, ngày 20 tháng 10 năm 2024"
    assert ws["A5"].value == "BÁO CÁO KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU THI ĐUA"
    assert ws["A6"].value == "9 tháng năm 2024"
    assert "322/CTr-UBND" in ws["A7"].value
    assert {"A1:C1", "D1:J1", "A5:J5", "A6:J6"} <= {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[9]] == [
        "STT", "Chỉ tiêu", "Đơn vị tính", "Thực hiện năm trước", "Kế hoạch năm", "Thực hiện kỳ báo cáo",
        "% so với kế hoạch", "% so với cùng kỳ", "Đánh giá", "Ghi chú",
    ]
    assert ws.freeze_panes == "C10"
    assert ws.print_title_rows == "$9:$9"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert "&P" in ws.oddFooter.center.text
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "THỦ TRƯỞNG ĐƠN VỊ" in values and "NGƯỜI LẬP BIỂU" in values


def test_report_groups_the_six_themes_with_roman_numerals(demo):
    ws = _report(demo, 3).worksheets[0]
    themes = [(r[0].value, r[1].value) for r in ws.iter_rows(min_row=10) if r[0].value in ("I", "II", "III", "IV", "V", "VI")]
    assert [t[0] for t in themes] == ["I", "II", "III", "IV", "V", "VI"]
    assert themes[0][1].startswith("Một là: Thi đua thực hiện thắng lợi")


def test_every_number_and_status_equals_the_engine(demo):
    overview = build_overview(demo, 3)
    rows = _rows_by_code(_report(demo, 3).worksheets[0])
    checked = 0
    for indicator in overview.indicators:
        for m in indicator.measures:
            key = str(indicator.indicator.number) if len(indicator.measures) == 1 else m.measure.code
            row = rows[key]
            p = m.progress
            assert row[8].value == status_label(p.status, "vi"), key
            if p.ytd is not None:
                assert Decimal(str(row[5].value)) == p.ytd, key
                checked += 1
            if p.percent_of_plan is not None:
                assert abs(Decimal(str(row[6].value)) - p.percent_of_plan) < Decimal("1e-9"), key
            if m.measure.target is not None:
                assert Decimal(str(row[4].value)) == m.measure.target
        if len(indicator.measures) > 1:
            assert rows[str(indicator.indicator.number)][8].value == status_label(indicator.status, "vi")
    assert checked >= 15


def test_numbers_are_numbers_with_number_formats_and_statuses_are_coloured(demo):
    rows = _rows_by_code(_report(demo, 3).worksheets[0])
    budget = rows["3"]
    assert isinstance(budget[5].value, (int, float))
    # The demo's nine-month figures are estimates: still numbers, formatted with "(ước)" beside them.
    assert budget[5].number_format == '#,##0.0" (ước)"'
    assert budget[6].number_format == "#,##0.0"
    assert budget[4].value == 2460
    assert budget[8].fill.fgColor.rgb.endswith(exports.STATUS_FILLS[build_overview(demo, 3).measures[2].progress.status])
    tourists = rows["4"]
    assert tourists[5].number_format == '#,##0" (ước)"'


def test_qualitative_indicators_show_their_verdict_and_narrative(demo):
    rows = _rows_by_code(_report(demo, 3).worksheets[0])
    defence = rows["15"]
    assert defence[5].value in ("Hoàn thành", "Hoàn thành tốt")
    assert defence[9].value.startswith("[Demo] Thực hiện nội dung chỉ tiêu 15")


def test_bundled_indicators_have_a_row_per_measure(demo):
    rows = _rows_by_code(_report(demo, 3).worksheets[0])
    assert {"9a", "9b", "14a", "14b", "14c", "16a", "16b", "16c"} <= set(rows)
    assert rows["9a"][1].value.startswith("– Số bác sĩ")


def test_english_variant(demo):
    wb = _report(demo, 2, lang="en")
    ws = wb.worksheets[0]
    assert ws.title == "Report"
    assert ws["A6"].value == "First half 2024"
    assert ws["B9"].value == "Indicator"
    assert _rows_by_code(ws)["3"][1].value == "State budget revenue in the province"
    assert [s.title for s in wb.worksheets] == ["Report", "By unit", "Submissions"]


def test_breakdown_sheet_lists_each_unit_with_its_year_to_date(demo):
    ws = _report(demo, 2)["Chi tiết theo đơn vị"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    budget = [r for r in rows if r[0] == "3"]
    assert len(budget) == 12  # the lead (finance) and eleven localities
    assert budget[0][3] == "STC" and budget[0][5] == "Chủ trì"
    city = next(r for r in budget if r[3] == "024")
    q1, q2 = (Figure.objects.get(measure__code="3", submission__unit__code="024", submission__quarter=q).value for q in (1, 2))
    assert Decimal(str(city[7])) == q1 + q2
    assert Decimal(str(city[6])) == q2
    assert ws.freeze_panes == "A2"


def test_completeness_sheet_says_who_was_late(demo):
    ws = _report(demo, 3)["Tình hình báo cáo"]
    rows = {(r[0].value, r[2].value): [c.value for c in r] for r in ws.iter_rows(min_row=2)}
    assert rows[("033", 3)][3] == "Chưa gửi"
    assert rows[("033", 3)][6] == "Trễ hạn"  # Q3 deadline 15/10/2024 passed on 20/10
    assert rows[("024", 3)][3] == "Đã gửi"
    assert rows[("024", 3)][6] == "Đúng hạn"
    assert rows[("024", 1)][3] == "Đã duyệt"
    assert rows[("024", 1)][5] == datetime.datetime(2024, 4, 15)


def test_raw_data_xlsx_has_every_visible_figure_in_long_format(demo, tmp_path):
    path = tmp_path / "raw.xlsx"
    count = exports.write_raw_xlsx(exports.raw_figures(Figure.objects.all()), path)
    assert count == Figure.objects.count()
    ws = load_workbook(path, read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:7] == ("Năm", "Quý", "Mã đơn vị", "Đơn vị", "Mã chỉ tiêu", "Chỉ tiêu", "Giá trị")
    assert len(rows) == count + 1
    figure = Figure.objects.select_related("submission__unit", "measure").get(
        measure__code="3", submission__unit__code="STC", submission__quarter=1)
    row = next(r for r in rows if r[2] == "STC" and r[4] == "3" and r[1] == 1)
    assert Decimal(str(row[6])) == figure.value
    assert row[3] == "Sở Tài chính tỉnh Hà Giang"
    assert row[11] == "Đã duyệt"
    assert row[14] == "thamdinh"


def test_csv_round_trips_with_vietnamese_text(demo):
    text = "".join(exports.raw_csv_lines(exports.raw_figures(Figure.objects.all())))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "Năm"
    assert len(rows) == Figure.objects.count() + 1
    assert any(r[3] == "Huyện Hoàng Su Phì" for r in rows)
    assert any(r[7] in ("Hoàn thành", "Hoàn thành tốt") for r in rows)


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+2", "-3+cmd", "@SUM(A1)", "\tx"])
def test_formula_injection_is_neutralised_in_every_export(programme, text, tmp_path):
    submission = Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="STC"), quarter=1, state="submitted")
    Figure.objects.create(submission=submission, measure=Measure.objects.get(code="3"), value=Decimal("10"), note=text, source=text)
    path = tmp_path / "raw.xlsx"
    exports.write_raw_xlsx(exports.raw_figures(Figure.objects.all()), path)
    row = list(load_workbook(path).worksheets[0].iter_rows(min_row=2, values_only=True))[0]
    assert row[8] == "'" + text and row[9] == "'" + text
    lines = list(csv.reader(io.StringIO("".join(exports.raw_csv_lines(exports.raw_figures(Figure.objects.all()))).lstrip("\ufeff"))))
    assert lines[1][8] == "'" + text


def test_export_report_command(demo, tmp_path):
    path = tmp_path / "report.xlsx"
    call_command("export_report", "--year", "2024", "--quarter", "4", "--lang", "en", "-o", str(path))
    ws = load_workbook(path).worksheets[0]
    assert ws["A6"].value == "Full year 2024"


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
    assert wb.worksheets[0]["A6"].value == "6 tháng năm 2024"


def exports_content_type():
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_bad_period_is_a_clear_404_or_the_dashboards_quarter_not_a_crash(client, programme, viewer):
    client.force_login(viewer)
    # No report sent yet: the dashboard shows quarter 1, and so does its download.
    assert 'filename="bao-cao-thi-dua-2024-q1.xlsx"' in client.get(reverse("exports:report"), {"year": 2024, "quarter": 7})["Content-Disposition"]
    assert client.get(reverse("exports:report"), {"year": 1999, "quarter": 1}).status_code == 404


def _raw_units(client, **params):
    response = client.get(reverse("exports:figures"), {"year": 2024, "format": "csv", **params})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    return {r[2] for r in rows}, {r[11] for r in rows}


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
