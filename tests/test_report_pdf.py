"""The official report as it prints: rendered to PDF by LibreOffice, read back with poppler.

openpyxl can only say what the workbook contains; whether a row is tall enough for its wrapped
text, and whether the pages are A4 landscape, shows only once a spreadsheet program lays it out.
Skipped, saying why, where LibreOffice or poppler-utils are missing (`.ci/run` installs both).
"""

import functools
import os
import re
import shutil
import subprocess
from html import unescape

import pytest

from targets import exports
from targets.models import Task

MISSING = "LibreOffice (soffice) or poppler-utils (pdftotext, pdfinfo) is not installed: apt-get install libreoffice-calc-nogui poppler-utils"
# Column widths are counted in the digit of the workbook's default font, Calibri, which every office
# machine with Excel has; LibreOffice has its metrics only from Carlito. Without it LibreOffice sizes
# the columns in a wider stand-in, and text that wraps and prints over the next row on the office's
# machine ("Có nguy cơ chậm" in the status column) fits here on one line: the test would pass blind.
NO_CARLITO = "the Carlito font (Calibri's metrics) is not installed: apt-get install fonts-crosextra-carlito"


@functools.cache
def _has_carlito() -> bool:
    fonts = subprocess.run(["fc-list", ":family=Carlito", "family"], capture_output=True, text=True).stdout
    return "Carlito" in fonts


@pytest.fixture(autouse=True)
def office_tools():
    if not (shutil.which("soffice") and shutil.which("pdftotext") and shutil.which("pdfinfo")):
        missing = MISSING
    elif not _has_carlito():
        missing = NO_CARLITO
    else:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing} (.ci/run installs it)")
    pytest.skip(missing)
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
A4_LANDSCAPE = (841.89, 595.28)  # points


def _render(workbook, tmp_path):
    source = tmp_path / "report.xlsx"
    workbook.save(source)
    subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": str(tmp_path), "LC_ALL": "C.UTF-8"},
    )
    return tmp_path / "report.pdf"


def _text(pdf) -> str:
    raw = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    # A line broken after a word's hyphen ("Sub-" / "department") is the word whole.
    return re.sub(r"\s+", " ", re.sub(r"(?<=\w-)\n", "", raw))


def _page_sizes(pdf) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], check=True, capture_output=True, text=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)]


def _overlapping_words(pdf) -> list[tuple[str, str]]:
    """Pairs of words printed over each other: what a row too short for its text looks like."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    found = []
    for page in html.split("<page ")[1:]:
        words = [(float(a), float(b), float(c), float(d), unescape(w)) for a, b, c, d, w in WORD.findall(page)]
        words.sort()
        for i, (x0, y0, x1, y1, text) in enumerate(words):
            for u0, v0, u1, v1, other in words[i + 1:]:
                if u0 >= x1:
                    break
                width, height = min(x1, u1) - max(x0, u0), min(y1, v1) - max(y0, v0)
                smaller = min((x1 - x0) * (y1 - y0), (u1 - u0) * (v1 - v0))
                if width > 0 and height > 0 and width * height > 0.3 * smaller:
                    found.append((text, other))
    return found


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_printed_report_shows_every_indicator_and_task_whole_on_a4_landscape(demo, tmp_path, lang):
    workbook = exports.report_workbook(demo, 3, lang=lang)
    pdf = _render(workbook, tmp_path)
    text = _text(pdf)
    names = []
    for indicator in demo.indicators.prefetch_related("measures"):
        names.append(exports._name(indicator, "name", lang))
        measures = list(indicator.measures.all())
        if len(measures) > 1:
            names += [exports._name(m, "name", lang) for m in measures]
    names += [exports._name(t, "title", lang) for t in Task.objects.filter(theme__campaign=demo, is_active=True)]
    assert len(names) > 60
    missing = [name for name in names if re.sub(r"\s+", " ", name) not in text]
    assert not missing, f"not printed whole: {missing}"
    assert "Nơi nhận:" in text if lang == "vi" else "Recipients:" in text
    # Figures print in the separators of the report's language whatever the printing machine's
    # (LibreOffice runs here in the C locale): 1.234,5 on the Vietnamese report, never 1,234.5.
    vietnamese, english = re.findall(r"\b\d{1,3}(?:\.\d{3})+,\d+", text), re.findall(r"\b\d{1,3}(?:,\d{3})+\.\d+", text)
    assert (vietnamese and not english) if lang == "vi" else (english and not vietnamese), (vietnamese, english)
    sizes = _page_sizes(pdf)
    assert sizes and all(abs(w - A4_LANDSCAPE[0]) < 1 and abs(h - A4_LANDSCAPE[1]) < 1 for w, h in sizes), sizes
    # No text printed over the next row or cell.
    assert not _overlapping_words(pdf)


def test_the_overlap_check_catches_a_row_too_short_for_its_text(tmp_path):
    """The check above can fail: a fixed short row with wrapped text prints over the next row."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    workbook = Workbook()
    ws = workbook.active
    ws.column_dimensions["A"].width = 20
    ws["A1"] = "một hai ba bốn năm sáu bảy tám chín mười mười một mười hai mười ba"
    ws["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[1].height = 15
    ws["A2"] = "hàng sau"
    assert _overlapping_words(_render(workbook, tmp_path))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_year_report_before_its_year_figures_prints_every_figure_with_its_marks(demo, tmp_path, lang):
    """No fourth quarter yet: each figure is the nine months' with "(9 tháng)" after it, in a number
    cell that cannot wrap; a column too narrow for it prints "###" where the figure should be."""
    pdf = _render(exports.report_workbook(demo, 4, lang=lang), tmp_path)
    text = _text(pdf)
    assert "###" not in text
    assert ("(9 tháng)" if lang == "vi" else "(Nine months)") in text
    assert not _overlapping_words(pdf)


def test_the_ranking_workbook_prints_each_note_inside_its_own_units_row(demo, tmp_path):
    """A wrapped note's second line printed in the next row would name a fault of the next unit."""
    from targets import ranking, ranking_xlsx

    pdf = _render(ranking_xlsx.ranking_workbook(demo, ranking.build_ranking(demo), lang="vi"), tmp_path)
    assert "Không đăng ký danh hiệu" in _text(pdf)
    assert not _overlapping_words(pdf)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_by_unit_sheet_prints_every_unit_and_indicator_name_whole(demo, tmp_path, lang):
    """Long agency names (column E) and indicators (column B) wrap in rows tall enough for them, never
    cut at the next column."""
    from targets.models import MeasureAssignment

    workbook = exports.report_workbook(demo, 3, lang=lang)
    for sheet in list(workbook.worksheets):
        if sheet.title != ("Chi tiết theo đơn vị" if lang == "vi" else "By unit"):
            workbook.remove(sheet)
    pdf = _render(workbook, tmp_path)
    text = _text(pdf)
    assignments = MeasureAssignment.objects.filter(measure__campaign=demo).select_related("unit", "measure")
    units = {exports._name(a.unit, "name", lang) for a in assignments}
    longest = max(units, key=len)
    assert len(longest) > 40  # wider than its column: it must wrap
    assert all(word in text for word in longest.split())
    singles = {i.pk for i in demo.indicators.all() if i.measures.count() == 1}  # named as on the report sheet
    names = units | {exports._name(a.measure.indicator if a.measure.indicator_id in singles else a.measure, "name", lang)
                     for a in assignments}
    missing = [name for name in names if re.sub(r"\s+", " ", name) not in text]
    assert not missing, f"not printed whole: {missing}"
    assert "###" not in text
    assert not _overlapping_words(pdf)



def test_the_submissions_sheet_prints_every_units_name_whole_and_every_page_its_number(demo, tmp_path):
    """Agency names ("… Department of Agriculture and Rural Development") were cut at the next
    column; the page number's line was cut in half in its margin."""
    from targets.overview import reporting_units

    workbook = exports.report_workbook(demo, 3, lang="en")
    for sheet in list(workbook.worksheets):
        assert (sheet.page_margins.top - sheet.page_margins.header) * 72 >= 2 * 12  # points: room for a 12-point line
        if sheet.title != "Submissions":
            workbook.remove(sheet)
    pdf = _render(workbook, tmp_path)
    text = _text(pdf)
    names = {exports._name(u, "name", "en") for u in reporting_units(demo)}
    assert max(len(n) for n in names) > 45  # wider than the column: it must wrap
    missing = [name for name in names if re.sub(r"\s+", " ", name) not in text]
    assert not missing, f"not printed whole: {missing}"
    pages = _pages(pdf)
    assert len(pages) >= 2 and [page.split()[0] for page in pages[1:]] == [str(n) for n in range(2, len(pages) + 1)]


def test_each_sheet_is_numbered_on_its_own_from_its_second_page_as_decree_30_has_it(demo, tmp_path):
    """The signed report printed with its annexes: its pages are 2, 3… (the first unnumbered, at the
    top), never "9 of 15" with the annexes counted in; the next sheet starts again."""
    pages = _pages(_render(exports.report_workbook(demo, 3, lang="vi"), tmp_path))
    firsts = [page.split()[0] for page in pages]
    restarts = [i for i, word in enumerate(firsts) if not word.isdigit()]  # each sheet's first page: its title
    assert restarts[0] == 0 and len(restarts) == 3, firsts
    for start, end in zip(restarts, [*restarts[1:], len(pages)], strict=True):
        assert firsts[start + 1:end] == [str(n) for n in range(2, end - start + 1)], firsts
    assert "Trang" not in " ".join(pages)


def _pages(pdf) -> list[str]:
    count = len(_page_sizes(pdf))
    return [re.sub(r"\s+", " ", subprocess.run(["pdftotext", "-raw", "-f", str(p), "-l", str(p), str(pdf), "-"], check=True,
                                                capture_output=True, text=True).stdout) for p in range(1, count + 1)]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_each_printed_page_of_the_report_carries_the_header_of_the_table_on_it_and_no_other(demo, tmp_path, lang):
    """The indicators' columns (figures, "So sánh (%)") and the tasks' (units, "Kết quả thực hiện")
    differ: a page of tasks under the indicators' header reads its columns wrongly. Each page with task
    rows prints the tasks' header; the indicators' header is printed only on pages with indicator rows."""
    from django.utils import translation

    workbook = exports.report_workbook(demo, 3, lang=lang)
    for sheet in workbook.worksheets[1:]:
        workbook.remove(sheet)
    pages = _pages(_render(workbook, tmp_path))
    with translation.override(lang):
        indicators_header, tasks_header = exports._("Comparison (%)"), exports._("Results (summary)")
    indicators = []
    for indicator in demo.indicators.prefetch_related("measures"):
        measures = list(indicator.measures.all())
        indicators += [exports._name(m, "name", lang) for m in measures] if len(measures) > 1 else [exports._name(indicator, "name", lang)]
    tasks = [exports._name(t, "title", lang) for t in Task.objects.filter(theme__campaign=demo, is_active=True)]

    def on(page, names):
        return [name for name in names if re.sub(r"\s+", " ", name) in page]

    with_tasks = [number for number, page in enumerate(pages, start=1) if on(page, tasks)]
    with_indicators = [number for number, page in enumerate(pages, start=1) if on(page, indicators)]
    assert len(with_tasks) >= 3 and with_indicators  # the demo's tasks fill several pages
    assert [n for n in with_tasks if tasks_header not in pages[n - 1]] == [], "a page of tasks without their header"
    headed = [number for number, page in enumerate(pages, start=1) if indicators_header in page]
    assert headed == with_indicators, "the indicators' header over a page without indicators"
    assert set(with_tasks) - set(with_indicators), "no page of tasks alone: the check above proves nothing"
    # Every indicator and task still printed whole, once.
    assert sorted(name for page in pages for name in on(page, indicators + tasks)) == sorted(indicators + tasks)
    # An indicator of several measures is printed with all of its measures on one page.
    for indicator in demo.indicators.prefetch_related("measures"):
        measures = [exports._name(m, "name", lang) for m in indicator.measures.all()]
        if len(measures) > 1:
            pages_of = {n for n, page in enumerate(pages, start=1) if on(page, measures)}
            assert len(pages_of) == 1 and on(pages[pages_of.pop() - 1], [exports._name(indicator, "name", lang)]), indicator
    # The signature is printed under rows of the report, never alone on the last page.
    assert on(pages[-1], tasks), "the footnotes and signature alone on the last page"


def test_the_printed_ranking_is_headed_by_the_province_and_its_place(demo, tmp_path):
    """As the official report: the provincial People's Committee over the council that issues it, and
    the province's town on the line of the date, left to fill."""
    from targets import ranking, ranking_xlsx

    pages = _pages(_render(ranking_xlsx.ranking_workbook(demo, ranking.build_ranking(demo), lang="vi"), tmp_path))
    first = pages[0]
    # The pledge sheet (after the ranking's) says what it is, the year, and that it is provisional, on
    # its first page, in its own title rows (not the page header); its header on every page, numbered
    # from the second page, top centre (never beside the title, on the right).
    pledges = [page for page in pages if "Đánh giá theo giao ước" in page]
    assert len(pledges) > 1 and "TIẾN ĐỘ THỰC HIỆN GIAO ƯỚC THI ĐUA NĂM 2024 Kết quả TẠM TÍNH đến 9 tháng" in pledges[0]
    assert [page.split()[0] for page in pledges[1:]] == [str(n) for n in range(2, len(pledges) + 1)]
    assert not any("TIẾN ĐỘ THỰC HIỆN GIAO ƯỚC" in page for page in pledges[1:])
    assert "ỦY BAN NHÂN DÂN TỈNH HÀ GIANG HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG" in first
    assert "Hà Giang, ngày …… tháng …… năm ……" in first
    assert "Số: …/BC-HĐTĐKT" in first and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first


def test_the_printed_explanation_of_the_scores_repeats_its_header_and_prints_each_line_whole(demo, tmp_path):
    """The council reads each unit's points line by line on paper: every page of the explanation
    carries its table's header, A4 landscape, and a bonus's reason is printed, not cut."""
    from targets import ranking, ranking_xlsx

    workbook = ranking_xlsx.ranking_workbook(demo, ranking.build_ranking(demo), lang="vi")
    for sheet in list(workbook.worksheets):
        if sheet.title != "Giải trình điểm":
            workbook.remove(sheet)
    pdf = _render(workbook, tmp_path)
    pages = _pages(pdf)
    assert len(pages) > 1 and all(abs(w - A4_LANDSCAPE[0]) < 1 and abs(h - A4_LANDSCAPE[1]) < 1 for w, h in _page_sizes(pdf))
    assert all("STT Nội dung Kết quả Điểm Chi tiết" in page for page in pages)
    assert "GIẢI TRÌNH ĐIỂM THI ĐUA CỦA TỪNG ĐƠN VỊ NĂM 2024" in pages[0]
    assert "[Demo] Được tặng Cờ thi đua của Bộ Nông nghiệp và PTNT năm trước" in " ".join(pages)
    assert not _overlapping_words(pdf)


def test_the_printed_explanation_never_leaves_a_units_heading_alone_at_the_foot_of_a_page(demo, tmp_path):
    """"13 Chi cục Kiểm lâm tỉnh Hà Giang — Xếp thứ 13/13" printed as a page's last row, its lines on
    the next page: each unit's heading is printed on the page of its first lines, and the signature
    with rows of the table above it."""
    from django.utils import translation
    from django.utils.text import capfirst

    from targets import ranking, ranking_xlsx

    result = ranking.build_ranking(demo)
    workbook = ranking_xlsx.ranking_workbook(demo, result, lang="vi")
    for sheet in list(workbook.worksheets):
        if sheet.title != "Giải trình điểm":
            workbook.remove(sheet)
    pages = _pages(_render(workbook, tmp_path))
    with translation.override("vi"):
        headings = [(index, f"{unit.label('vi')} {capfirst(ranking_xlsx._('rank %(rank)s of %(total)s') % {'rank': unit.rank, 'total': bloc.ranked_count})}")
                    for bloc in result.blocs for index, unit in enumerate(bloc.units, start=1) if unit.ranked and len(unit.lines) > 1]
    assert len(headings) > 20
    alone = []
    for index, heading in headings:
        page = next((p for p in pages if heading in p), None)
        assert page is not None, heading
        after = page[page.index(heading) + len(heading):]
        if not (f" {index}.1 " in after and f" {index}.2 " in after):
            alone.append(heading)
    assert not alone, f"headings without their first lines on their page: {alone}"
    assert "CHỦ TỊCH" in pages[-1] and "Tổng điểm" in pages[-1]
