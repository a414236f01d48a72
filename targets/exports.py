"""The Excel and CSV exports: the official report, breakdowns, completeness, raw data.

The official report reads the same `build_overview` as the dashboard, so a workbook can never
disagree with the screen. Numbers are written as numbers with number formats (never as text):
Excel shows them with the reader's regional separators, so a Vietnamese Windows shows
"1.234,5". Raw data is written in openpyxl's write-only mode from a queryset iterated in chunks,
so exporting a million figures does not grow memory with the row count.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from targets import progress, timeliness
from targets.language import language
from targets.models import Campaign, Figure, Measure, Submission, Unit
from targets.numbers import excel_format, fits_a_double, format_number, places_to_tell_apart, quantize
from targets.overview import Overview, TaskProgress, build_overview, judged, judged_target, submission_status, task_progress, unit_breakdown
from targets.progress import Status, period_end_phrase, period_phrase

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
# The dashboard's status colours (static/css/app.css), white text on each.
STATUS_FILLS = {
    Status.EXCEEDED: "0B5D36", Status.MET: "146C43", Status.ON_TRACK: "0A58A8", Status.AT_RISK: "8A5300",
    Status.BEHIND: "B02A37", Status.NOT_MET: "7A1420", Status.NO_DATA: "5C636A", Status.AWAITED: "4B5563",
}
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)

# Every word of the workbooks is a gettext message (msgids English, Vietnamese in locale/vi); the
# public functions below run in `translation.override(lang)`, so a workbook is in the language asked
# for whatever the page's. Contexts tell apart an English word that Vietnamese says two ways.


def _state_labels() -> dict[str, str]:
    """A report's states in the active language, as the models name them."""
    return {state: str(label) for state, label in Submission.State.choices}


def _timeliness_label(row: dict) -> str:
    """Whether a row of overview.submission_status was sent on time, in the late-units page's words
    (tables.LateTable): a report late but sent is "sent late", one late and still missing (a draft,
    a report returned, or none: timeliness.overdue) "not sent", never both "late"."""
    if row["timeliness"] == timeliness.LATE:
        return _("Not submitted") if row["overdue"] else _("Submitted late")
    return {timeliness.ON_TIME: _("On time"), timeliness.OPEN: _("Not yet due")}[row["timeliness"]]


# What a spreadsheet would read as the start of a formula (OWASP, "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def reads_as_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def as_text(cell):
    """Mark user text in an .xlsx cell as text, so that a note such as "=HYPERLINK(...)" never runs
    as a formula and a narrative such as "- Đã hoàn thành" is printed as written. The mark is
    Excel's leading apostrophe, which is not part of the value: an uploaded template reads back the
    text unchanged. Numbers and dates pass through untouched."""
    if reads_as_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def csv_text(value):
    """The same rule for CSV, which has no way to mark a text as text: a visible apostrophe."""
    if reads_as_formula(value):
        return "'" + value
    return value


def _name(obj, field: str, lang: str) -> str:
    if lang == "en":
        return getattr(obj, f"{field}_en", "") or getattr(obj, field)
    return getattr(obj, field)


def ascii_name(text: str) -> str:
    """"Hà Giang" → "Ha Giang": place names as English documents write them."""
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


# --- the official report ------------------------------------------------------------------
# Laid out as a provincial office issues it (Decree 30/2020/NĐ-CP): Times New Roman, the issuing
# body and "Số: …/BC-…" top left, the national motto top right, place and date left for the office
# to fill, then the table, the footnotes, "Nơi nhận:" bottom left and the signature block right.

FONT = "Times New Roman"
COLUMNS = [  # (key, width in characters)
    ("stt", 6), ("indicator", 46), ("unit", 10), ("actual_last_year", 12), ("target", 12), ("actual", 15),
    ("same_period", 13), ("vs_target", 9), ("vs_same", 10), ("assessment", 16), ("notes", 30),
]
COL = {key: number for number, (key, _width) in enumerate(COLUMNS, start=1)}
LAST = len(COLUMNS)
HEADER_ROW = 9  # two rows: the headings, then "TH/KH" and "TH/cùng kỳ" under "So sánh (%)"
BODY_ROW = HEADER_ROW + 2
LINE_HEIGHT = 16.5  # points per line of 12-point Times New Roman with Vietnamese diacritics
ROW_LINES = int((409 - 3) / LINE_HEIGHT)  # the lines of the tallest row (fit_row_heights adds 3 points)
NARRATIVE_CHARS = 400  # a task's narrative in the report is the start of what its units wrote
# Shared by many units, each keeps a readable start (UNIT_NARRATIVE_CHARS, less only where the row
# could not hold them all): Excel and LibreOffice stop a row at 409 points, ROW_LINES lines.
UNIT_NARRATIVE_CHARS, SHORTEST_NARRATIVE_CHARS = 80, 20
# A task row: the task in the indicator column, then its units and their narrative across the numbers.
TASK_UNITS = (COL["unit"], COL["target"])
TASK_NARRATIVE = (COL["actual"], COL["vs_same"])


def _font(size: int = 12, bold: bool = False, italic: bool = False, **extra) -> Font:
    return Font(name=FONT, size=size, bold=bold, italic=italic, **extra)


BODY = _font()
BODY_BOLD = _font(bold=True)


def report_heading(campaign: Campaign, lang: str) -> dict:
    """The issuing body's lines, the number line and the place, as printed on the report.

    The campaign's own settings when an admin gave them, else those of the provincial People's
    Committee that issues the programme.
    """
    with translation.override(lang):
        if lang == "en":
            province = ascii_name(campaign.province)
            issuer, signature = campaign.report_issuer_en, campaign.report_signature_en or campaign.report_signature
            place, body = province, f"{province} Provincial People's Committee"
        else:
            province = campaign.province
            issuer, signature = campaign.report_issuer, campaign.report_signature
            place, body = province, campaign.issuing_body
        committee = _("PEOPLE'S COMMITTEE\nOF %(province)s PROVINCE") % {"province": province.upper()}
        return {
            "issuer": [line.strip() for line in (issuer or committee).splitlines() if line.strip()],
            # The provincial People's Committee on one line: the body over a council of the province.
            "committee": " ".join(line.strip() for line in committee.splitlines()),
            "number": _("No.: …/%(code)s") % {"code": campaign.report_code},
            "place": place, "body": body,
            "signature": [line.strip() for line in signature.splitlines() if line.strip()],
        }


def report_date(value: datetime.date) -> str:
    """A date in a report's text: "5 March 2024" in English, "05/03/2024" in Vietnamese."""
    return date_format(value, pgettext("report date", "j F Y"))


def report_workbook(campaign: Campaign, quarter: int, *, lang: str = "vi", today: datetime.date | None = None) -> Workbook:
    """The official report of a period with its by-unit and submissions sheets."""
    return official_report(
        build_overview(campaign, quarter), lang=lang,
        tasks=task_progress(campaign, quarter),
        breakdown=unit_breakdown(campaign, quarter, pledges=True),
        completeness=submission_status(campaign, quarter, today=today),
    )


def official_report(overview: Overview, *, lang: str = "vi", tasks: dict[int, list[TaskProgress]] | None = None,
                    breakdown: list[dict] | None = None, completeness: list[dict] | None = None) -> Workbook:
    """The report leadership receives and signs: heading, the table by theme (indicators of theme I,
    tasks of themes II–VI), footnotes, recipients and signature block."""
    with translation.override(lang):
        return _official_report(overview, lang, tasks, breakdown, completeness)


def _official_report(overview: Overview, lang: str, tasks: dict[int, list[TaskProgress]] | None,
                     breakdown: list[dict] | None, completeness: list[dict] | None) -> Workbook:
    campaign, quarter = overview.campaign, overview.quarter
    heading = report_heading(campaign, lang)
    wb = Workbook()
    ws = wb.active
    ws.title = pgettext("sheet", "Report")
    notes = Footnotes()
    entries = _report_entries(overview, tasks or {}, lang, notes)
    # Laid out twice: first on a scratch sheet, to learn each row's height once the number columns
    # have their widths; then on the report sheet, with the pages cut where those heights say.
    probe = wb.create_sheet("probe")
    measured = _lay_out(probe, overview, heading, lang, entries, notes, None)
    wb.remove(probe)
    for number in range(1, LAST + 1):
        letter = get_column_letter(number)
        ws.column_dimensions[letter].width = probe.column_dimensions[letter].width
    _lay_out(ws, overview, heading, lang, entries, notes, measured)
    ws.freeze_panes = f"C{BODY_ROW}"
    _print_setup(ws)
    period = period_phrase(quarter, campaign.year, lang)
    if breakdown is not None:
        _breakdown_sheet(wb, breakdown, lang, period)
    if completeness is not None:
        _completeness_sheet(wb, completeness, lang, period)
    return wb


# --- the report's pages ---------------------------------------------------------------------
# The report holds two tables with different columns: the indicators (STT · Chỉ tiêu · ĐVT · the
# figures · So sánh · Đánh giá · Ghi chú) and, under each of themes II–VI, its tasks (STT · Nhiệm vụ ·
# Đơn vị chủ trì · Kết quả thực hiện · Đánh giá · Ghi chú). A sheet repeats one range of rows as print
# titles on every page, so print titles would set the indicators' header over pages of tasks. The
# report is kept one sheet, in the order it is read and signed (heading, tables, footnotes, signature),
# so that printing the sheet prints the whole document; it sets no print titles, and cuts the pages
# itself (manual row breaks), writing at the top of each page the header of the table that continues
# on it: every printed page carries the header of what is on it, and only that.
#
# Where to cut is worked out from the rows' heights (they are written: fit_row_heights) and the page's
# printable height at the scale that fitting the width sets. That scale depends on the width unit, the
# digit width of the workbook's default font (Calibri 11: 7 pixels in Excel); a program that lacks the
# font uses a wider one (LibreOffice without Carlito: DejaVu Sans), which makes the scale smaller and
# the page hold more. The narrowest unit is assumed, so that no program's page holds less than planned
# and none breaks a page before ours (which would leave a page without its header): where the font is
# missing, a page ends somewhat above its bottom margin.

A4_SHORT, A4_LONG = 8.27 * 72, 11.69 * 72  # points
SIDE_MARGIN, TOP_MARGIN, HEADER_MARGIN = 0.4, 0.6, 0.2  # inches
DIGIT_PIXELS = 7  # Calibri 11, the default font's digit: Excel's column width unit
PAGE_SLACK = 0.96  # rounding of row heights and of the scale by the program that prints


def page_capacity(ws: Worksheet, columns: int) -> float:
    """How many points of the sheet's row heights one A4 landscape page holds, fitted to its width."""
    width = sum(ws.column_dimensions[get_column_letter(c)].width or 9 for c in range(1, columns + 1)) * DIGIT_PIXELS * 0.75
    scale = min(1.0, (A4_LONG - 2 * 72 * SIDE_MARGIN) / width)
    return (A4_SHORT - 2 * 72 * TOP_MARGIN) / scale * PAGE_SLACK


@dataclass
class _Entry:
    """One piece of the report's table: a theme's title, a table's header (one or two rows) or a row."""

    kind: str  # "theme", "header" or "row"
    table: str | None  # "indicators" or "tasks"; None for a theme's title
    write: Callable[[Worksheet, int], None]
    rows: int = 1


def _report_entries(overview: Overview, tasks: dict[int, list[TaskProgress]], lang: str, notes: Footnotes) -> list[_Entry]:
    """The table by theme: indicators of theme I, tasks of themes II–VI, each table under its own header."""
    campaign = overview.campaign
    entries: list[_Entry] = []
    table = "indicators"  # whose header is above (the one under the document's heading)
    for number, theme_row in enumerate(overview.themes):
        title = _name(theme_row.theme, "title", lang)
        if lang == "vi" and theme_row.theme.ordinal:
            title = f"{theme_row.theme.ordinal}, {title[0].lower()}{title[1:]}"
        roman = ROMAN[number] if number < len(ROMAN) else str(number + 1)
        entries.append(_Entry("theme", None, lambda ws, row, roman=roman, title=title: _theme_row(ws, row, roman, title)))
        if theme_row.indicators and table != "indicators":  # indicators after another theme's tasks: their header again
            entries.append(_Entry("header", "indicators", lambda ws, row: _report_header(ws, row, campaign.year, overview.quarter, lang), 2))
            table = "indicators"
        for indicator_row in theme_row.indicators:
            indicator, measures = indicator_row.indicator, indicator_row.measures
            if len(measures) == 1:
                entries.append(_Entry("row", "indicators", lambda ws, row, i=indicator, m=measures[0]: _measure_row(
                    ws, row, str(i.number), _name(i, "name", lang), m, lang, notes)))
                continue
            # An indicator of several measures is one piece: its row and its measures' rows on one page
            # ("9b" never starts a page without the indicator it belongs to).
            def indicator_with_measures(ws, row, i=indicator_row, measures=measures):
                _indicator_row(ws, row, i, lang)
                for offset, m in enumerate(measures, start=1):
                    _measure_row(ws, row + offset, m.measure.code, f"– {_name(m.measure, 'name', lang)}", m, lang, notes)

            entries.append(_Entry("row", "indicators", indicator_with_measures, 1 + len(measures)))
        theme_tasks = tasks.get(theme_row.theme.pk, [])
        if theme_tasks:
            entries.append(_Entry("header", "tasks", lambda ws, row: _task_header(ws, row, lang)))
            table = "tasks"
        for task_row in theme_tasks:
            entries.append(_Entry("row", "tasks", lambda ws, row, t=task_row: _task_row(ws, row, t, lang, notes)))
    return entries


def _lay_out(ws: Worksheet, overview: Overview, heading: dict, lang: str, entries: list[_Entry], notes: Footnotes,
             measured: dict | None) -> dict:
    """Write the report on `ws`. Without `measured`, in one run as on the screen, fitting the number
    columns, and return the heights it took; with it, cutting the pages where those heights say and
    writing the header of the table that continues at the top of each new page."""
    campaign, quarter = overview.campaign, overview.quarter
    if measured is None:
        for number, (_key, width) in enumerate(COLUMNS, start=1):
            ws.column_dimensions[get_column_letter(number)].width = width
    _report_head(ws, overview, heading, lang)
    _report_header(ws, HEADER_ROW, campaign.year, quarter, lang)
    headers = {
        "indicators": lambda row: _report_header(ws, row, campaign.year, quarter, lang),
        "tasks": lambda row: _task_header(ws, row, lang),
    }
    capacity = page_capacity(ws, LAST) if measured else None
    used = sum(measured["rows"][r] for r in range(1, BODY_ROW)) if measured else 0.0
    fresh = True  # nothing on the page yet but its header
    starts = []
    row, i = BODY_ROW, 0
    while i < len(entries):
        group = _kept_together(entries, i)
        if measured:
            need = sum(measured["entries"][k] for k in group)
            # The table's last rows go with the footnotes and the signature: a signed page is never
            # one without a row of the report above the signature.
            closing = measured["closing"] if group[-1] == len(entries) - 1 else 0.0
            if used + need + closing > capacity and not fresh:
                ws.row_breaks.append(Break(id=row - 1))
                used = 0.0
                if not any(entries[k].kind == "header" for k in group):
                    table = next((e.table for e in entries[i:] if e.kind == "row"), None)
                    if table:
                        headers[table](row)
                        row += 2 if table == "indicators" else 1
                        used += measured["headers"][table]
            used += need
            fresh = False
        for k in group:
            starts.append(row)
            entries[k].write(ws, row)
            row += entries[k].rows
        i = group[-1] + 1
    end = row
    if measured is None:
        _fit_number_columns(ws, (COL[key] for key in ("actual_last_year", "target", "actual", "same_period")), BODY_ROW, end)
    elif used + measured["closing"] > capacity and not fresh:
        # The footnotes and the signature block together, at the top of a page rather than cut apart.
        ws.row_breaks.append(Break(id=end - 1))
        row = end - 1
    row = _footnotes(ws, row + 1, notes, lang)
    last = _signature(ws, row + 1, campaign, heading, lang)
    fit_row_heights(ws)

    def height(r: int) -> float:
        return ws.row_dimensions[r].height or LINE_HEIGHT  # a row left to the program: one line, at most

    tasks_header = next((starts[k] for k, e in enumerate(entries) if e.kind == "header" and e.table == "tasks"), None)
    return {
        "rows": {r: height(r) for r in range(1, BODY_ROW)},
        "entries": [sum(height(r) for r in range(start, start + e.rows)) for start, e in zip(starts, entries, strict=True)],
        "headers": {"indicators": height(HEADER_ROW) + height(HEADER_ROW + 1),
                    "tasks": height(tasks_header) if tasks_header else LINE_HEIGHT},
        "closing": sum(height(r) for r in range(end, last + 1)),
    }


def _kept_together(entries: list[_Entry], i: int) -> list[int]:
    """A theme's title stays with its table's header and first row, a header with its first row."""
    group = [i]
    while entries[group[-1]].kind in ("theme", "header") and group[-1] + 1 < len(entries):
        if entries[group[-1]].kind == "theme" and entries[group[-1] + 1].kind == "theme":
            break  # a theme with nothing under it
        group.append(group[-1] + 1)
    return group


def _theme_row(ws: Worksheet, row: int, roman: str, title: str) -> None:
    _merged(ws, row, 2, LAST, title, BODY_BOLD)
    _cell(ws, row, 1, roman, BODY_BOLD, CENTRE)
    _box(ws, row)


def _indicator_row(ws: Worksheet, row: int, indicator_row, lang: str) -> None:
    """An indicator of several measures: its name and overall status, its measures in the rows under it."""
    _cell(ws, row, 1, str(indicator_row.indicator.number), BODY, CENTRE)
    _cell(ws, row, 2, _name(indicator_row.indicator, "name", lang), BODY_BOLD, WRAP)
    _status_cell(ws.cell(row, COL["assessment"]), indicator_row.status, lang)
    _box(ws, row)


class Footnotes:
    """Which marks the table used, so that only their explanations are printed under it."""

    def __init__(self):
        self.estimate = False
        self.lower = False
        self.above = False
        self.missing: set[int] = set()
        # The quarters each row lacks are named in its own notes (the by-unit sheet), not in the footnote.
        self.missing_in_notes = False


def _cell(ws: Worksheet, row: int, col: int, value, font: Font = BODY, alignment: Alignment = WRAP):
    cell = as_text(ws.cell(row, col, value))
    cell.font = font
    cell.alignment = alignment
    return cell


def _merged(ws: Worksheet, row: int, first: int, last: int, value, font: Font = BODY, alignment: Alignment | None = None):
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    return _cell(ws, row, first, value, font, alignment or WRAP)


def document_head(ws: Worksheet, heading: dict, left: tuple[int, int], right: tuple[int, int]) -> None:
    """The top of an official document (Decree 30/2020/NĐ-CP), shared by the report and the ranking:
    the issuing body's lines and "Số: …" under them on the left (columns `left`), the national motto
    and "<place>, ngày … tháng … năm …", left for the office to fill, on the right; rows 1 to 4."""
    issuer = heading["issuer"]
    for i, line in enumerate(issuer[:3]):  # e.g. "ỦY BAN NHÂN DÂN" / "TỈNH HÀ GIANG"
        _merged(ws, 1 + i, *left, line, _font(12 if i < len(issuer) - 1 else 13, bold=True), CENTRE)
    _merged(ws, 1 + min(len(issuer), 3), *left, heading["number"], _font(13), CENTRE)
    _merged(ws, 1, *right, _("SOCIALIST REPUBLIC OF VIET NAM"), _font(12, bold=True), CENTRE)
    _merged(ws, 2, *right, _("Independence - Freedom - Happiness"), _font(13, bold=True, underline="single"), CENTRE)
    _merged(ws, 4, *right, _("%(place)s, …… (day) …… (month) …… (year)") % {"place": heading["place"]},
            _font(13, italic=True), CENTRE)


def _report_head(ws: Worksheet, overview: Overview, heading: dict, lang: str) -> None:
    campaign = overview.campaign
    document_head(ws, heading, (1, 3), (4, LAST))
    _merged(ws, 5, 1, LAST, _("REPORT"), _font(14, bold=True), CENTRE)
    _merged(ws, 6, 1, LAST, _("Results of the emulation targets and tasks for %(period)s") % {
        "period": sentence_period(overview.quarter, campaign.year, lang)}, _font(14, bold=True), CENTRE)
    _merged(ws, 7, 1, LAST, _("(Under %(document)s of the %(body)s)") % {
        "document": campaign.document_words(_("Programme No. %(number)s of %(date)s"), report_date), "body": heading["body"]}
        if campaign.has_document() else unnumbered_citation(campaign, heading), _font(13, italic=True), CENTRE)


def sentence_period(quarter: int, year: int, lang: str) -> str:
    """A period inside the report's title and headings: "9 tháng năm 2024", "năm 2024"; in English as
    a sentence writes it, "the first nine months of 2024", "the year 2024" (never "…, Nine months
    2024", a column's name, capitalised mid-sentence). Up to the third quarter the period's end
    after "up to" (progress.period_end_phrase), which names the same span; the whole year as a year."""
    if quarter == 4:
        with translation.override(lang):
            return pgettext("period in a sentence", "the year %(year)s") % {"year": year}
    return period_end_phrase(quarter, year, lang)


def unnumbered_citation(campaign: Campaign, heading: dict) -> str:
    """How a workbook (the report, the ranking) cites a programme whose number and date are not entered
    yet: by its year and its issuer, then that it has none ("of the Committee" never dangles after
    "not yet entered")."""
    return _("(Under the %(year)s emulation programme of the %(body)s, number and date of issue not yet entered)") % {
        "year": campaign.year, "body": heading["body"]}


def _report_header(ws: Worksheet, row: int, year: int, quarter: int, lang: str) -> None:
    """Two header rows with the years in them; "So sánh (%)" spans TH/KH and TH/cùng kỳ."""
    this, last = sentence_period(quarter, year, lang), sentence_period(quarter, year - 1, lang)
    titles = {
        "stt": _("No."), "indicator": _("Indicator, task"), "unit": pgettext("unit of measure, abbreviated", "Unit"),
        "actual_last_year": _("Actual %(year)s") % {"year": year - 1}, "target": _("Target %(year)s") % {"year": year},
        "actual": _("Actual / estimate for %(period)s") % {"period": this},
        "same_period": _("Same period: %(period)s") % {"period": last},
        "assessment": _("Assessment"), "notes": _("Notes"),
    }
    for key, text in titles.items():
        ws.merge_cells(start_row=row, start_column=COL[key], end_row=row + 1, end_column=COL[key])
        _header_cell(ws.cell(row, COL[key]), text)
    ws.merge_cells(start_row=row, start_column=COL["vs_target"], end_row=row, end_column=COL["vs_same"])
    _header_cell(ws.cell(row, COL["vs_target"]), _("Comparison (%)"))
    _header_cell(ws.cell(row + 1, COL["vs_target"]), pgettext("workbook column", "Actual / target"))
    _header_cell(ws.cell(row + 1, COL["vs_same"]), _("Actual / same period"))
    for r in (row, row + 1):
        _box(ws, r)


def _header_cell(cell, text: str) -> None:
    cell.value = text
    cell.font = BODY_BOLD
    cell.alignment = CENTRE
    cell.fill = PatternFill("solid", fgColor="D9E1F2")


def _provisional(m) -> bool:
    """Whether the report sheet marks a measure's figure (*): `provisional`, of the figure it stands on."""
    return provisional(m.progress, m.state)


def provisional(p: progress.Progress, state: str | None) -> bool:
    """An estimate stands in the year-to-date (the engine says so), or the figure it stands on (its
    report's `state`) is not yet approved by the secretariat: marked (*) and explained under the
    table, on the report sheet and the by-unit sheet alike."""
    return p.estimate or (state is not None and state != Submission.State.APPROVED)


def covered_period(p: progress.Progress) -> int | None:
    """The year-to-date period (its last quarter) a row's figure is of where it is not the row's own
    period, None where it is: the one a full year without its figure carries (for a flow, up to its
    last quarter with a figure: a unit that sent nothing after June has a first half's sum, never
    "9 tháng"), or a level's or verdict's earlier quarter. Printed "(6 tháng)" beside the figure on
    the report sheet and the by-unit sheet alike."""
    carried = p.in_year
    if carried is None:
        return p.ytd_quarter if p.ytd_quarter not in (None, p.quarter) else None
    if carried.ytd_quarter is not None:  # a level or a verdict: its latest quarter's
        return carried.ytd_quarter
    return max((q for q in range(1, carried.quarter + 1) if q not in carried.missing_quarters), default=carried.quarter)


def lacking_quarters(p: progress.Progress) -> tuple[int, ...]:
    """The quarters of a row's own period its figure lacks where it is marked (!): the engine's
    missing quarters, and, in a full year carrying such a sum, the quarters after the period it
    carries too (a first half's sum read for the year lacks the third quarter and the fourth)."""
    if p.ytd is None or not p.missing_quarters:
        return ()
    after = range(p.in_year.quarter + 1, p.quarter + 1) if p.in_year is not None else ()
    return tuple(sorted({*p.missing_quarters, *after}))


def verdict_words(p: progress.Progress, marked: bool, lang: str) -> str:
    """A verdict in words with the marks a figure's number format carries, written out (text takes
    no number format): (*) and the period it is of where not the row's own, e.g. "Hoàn thành nhiệm
    vụ (*) (9 tháng)", on the report sheet and the by-unit sheet alike."""
    covered = covered_period(p)
    return (progress.verdict_label(p.verdict, lang) + (" (*)" if marked else "")
            + (f" ({progress.period_label(covered, lang)})" if covered is not None else ""))


def _shown_length(value, number_format: str) -> int:
    """About how many characters a number cell prints: its digits, grouped, with the format's
    decimals, and the words the format adds ("(*)", "(9 tháng)", "≤ ")."""
    section = number_format.split(";")[0]
    words = re.findall(r'"([^"]*)"', section)
    decimals = re.search(r"\.(0+)", re.sub(r'"[^"]*"', "", section))
    return len(f"{Decimal(str(value)):,.{len(decimals.group(1)) if decimals else 0}f}") + sum(len(w) + 1 for w in words)


def _fit_number_columns(ws: Worksheet, columns: Iterable[int], first_row: int, last_row: int) -> None:
    """A figure with its marks ("2.364.380 (*) (Nine months)") is one line in a number cell, which
    cannot wrap: a column narrower than it prints "###". Each number column is made as wide as its
    longest figure (the page is fitted to its width when printed)."""
    for column in columns:
        letter = get_column_letter(column)
        cells = (c for (c,) in ws.iter_rows(min_row=first_row, max_row=last_row, min_col=column, max_col=column))
        longest = max((_shown_length(c.value, c.number_format) for c in cells
                       if isinstance(c.value, int | float | Decimal) and not isinstance(c.value, bool)), default=0)
        # Times New Roman at 12 points is wider than the width unit (a digit of the default font), plus the margins.
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width, longest * 1.15 + 2)


def _measure_row(ws: Worksheet, row: int, number: str, name: str, m, lang: str, notes: Footnotes) -> None:
    measure, p = m.measure, m.progress
    fmt = excel_format(p.places, lang)  # enough decimals to tell the figure from its target
    mark = progress.target_mark(measure.comparison)  # "≤ " / "> " before the target, as the pages write it
    lower_is_better, above = mark == "≤ ", mark == "> "  # "over 95 %": met only above the target
    _cell(ws, row, COL["stt"], number, BODY, CENTRE)
    _cell(ws, row, COL["indicator"], name)
    _cell(ws, row, COL["unit"], _name(measure, "unit", lang), BODY, CENTRE)
    marked = (p.ytd is not None or p.verdict is not None) and _provisional(m)
    missing = p.ytd is not None and bool(p.missing_quarters)
    notes.estimate |= marked
    notes.missing.update(lacking_quarters(p))
    # Explained where a target carries the mark: 14a–c, judged against last year, print none.
    notes.lower |= lower_is_better and measure.target is not None
    notes.above |= above and measure.target is not None
    actual_fmt = fmt + (' "(*)"' if marked else "") + (' "(!)"' if missing else "")
    same_fmt = fmt
    if p.in_year is not None:
        # The full year asked for, but only in-year figures exist: say which period they are (the
        # sum's own, a first half where the third quarter is missing: covered_period), and of the
        # same period last year they are set against.
        actual_fmt += f' "({progress.period_label(covered_period(p), lang)})"'
        same_fmt += f' "({progress.period_label(p.in_year.quarter, lang)})"'
    elif p.ytd_quarter not in (None, p.quarter):
        # A level measure known for an earlier quarter only: its figure and the same period last
        # year it is compared with are both that quarter's (progress.evaluate), and say so.
        older = f' "({progress.period_label(p.ytd_quarter, lang)})"'
        actual_fmt += older
        same_fmt += older
    for key, value, number_format in (
        # Last year's actual with the decimals that tell it from this year's target: 45,698 is not the 45,7 planned.
        ("actual_last_year", measure.previous_year, excel_format(max(p.places, places_to_tell_apart(
            measure.decimal_places, measure.previous_year, measure.target)), lang)),
        ("target", measure.target, excel_format(p.places, lang, f'"{mark}"' if mark else "")),
        ("actual", p.ytd, actual_fmt),
        ("same_period", p.same_period, same_fmt),
        # Rounded as displayed, so that the value a reader copies is the one printed; never to
        # 100,0 beside "not met" (progress.percent_places).
        ("vs_target", _rounded_percent(p.percent_of_plan), excel_format(progress.percent_places(p.percent_of_plan), lang)),
        ("vs_same", _rounded_percent(p.percent_of_same_period), excel_format(progress.percent_places(p.percent_of_same_period), lang)),
    ):
        cell = _cell(ws, row, COL[key], value, BODY, Alignment(horizontal="right", vertical="top"))
        cell.number_format = number_format
    if measure.is_qualitative and p.verdict is not None:
        # Text takes no number format: the marks the numbers' formats carry are written out.
        _cell(ws, row, COL["actual"], verdict_words(p, marked, lang), BODY, CENTRE)
    _judged_cell(ws.cell(row, COL["assessment"]), p, lang)
    shown = m.shown
    note = shown.narrative if (shown and measure.is_qualitative) else (shown.note if shown else "")
    if shown and shown.replaced_an_estimate:
        # The reader must see that the official figure replaced an estimate, and what it was.
        replaced = _("The official figure has replaced the estimate (%(e)s).") % {"e": shown.earlier_estimate(measure.decimal_places, lang)}
        note = f"{replaced} {note}".strip()
    if p.status is Status.AWAITED and not note:  # when the figure is to be expected, as the dashboards say
        note = p.explanation(lang)
    if reason := closed_note(p, lang):
        # Not "no data" beside a nine-month figure without a word: the year closed without its figure.
        note = f"{reason}. {note}" if note else reason
    _cell(ws, row, COL["notes"], _shorten(note))
    _box(ws, row)


def _task_header(ws: Worksheet, row: int, lang: str) -> None:
    """The columns of a theme's task rows, which differ from the indicators' above them."""
    _header_cell(ws.cell(row, COL["stt"]), _("No."))
    _header_cell(ws.cell(row, COL["indicator"]), _("Task"))
    for (first, last), text in ((TASK_UNITS, _("Responsible units")), (TASK_NARRATIVE, _("Results (summary)"))):
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        _header_cell(ws.cell(row, first), text)
    _header_cell(ws.cell(row, COL["assessment"]), _("Assessment"))
    _header_cell(ws.cell(row, COL["notes"]), _("Notes"))
    _box(ws, row)


def _task_row(ws: Worksheet, row: int, task_row: TaskProgress, lang: str, notes: Footnotes) -> None:
    """STT, the task, its responsible units, the start of their narrative, the assessment."""
    task, reports = task_row.task, task_row.reports
    _cell(ws, row, COL["stt"], str(task.number), BODY, CENTRE)
    _cell(ws, row, COL["indicator"], _name(task, "title", lang))
    _merged(ws, row, *TASK_UNITS, ", ".join(u.list_name(lang) for u in task_row.units))
    if len(reports) > 1:
        narrative = _shared_narrative(reports, lang)
    else:
        narrative = _shorten(reports[0].narrative, NARRATIVE_CHARS) if reports else None
    _merged(ws, row, *TASK_NARRATIVE, narrative)
    # The weakest word among the units' latest reports: a task is not "done well" while one unit says otherwise.
    verdicts = [r.verdict for r in reports if r.verdict]
    verdict = max(verdicts, key=VERDICT_ORDER.index) if verdicts else None
    provisional = any(r.submission.state != Submission.State.APPROVED for r in reports)
    notes.estimate |= provisional
    assessment = progress.verdict_label(verdict, lang) + (" (*)" if provisional else "") if verdict else _("No report yet")
    _cell(ws, row, COL["assessment"], assessment, BODY_BOLD if verdict else _font(italic=True), CENTRE)
    # The period each unit's words are of: one, where they agree; else unit by unit, so that "full
    # year" never stands over a unit's nine-month "not completed".
    periods = {r.submission.quarter for r in reports}
    if len(periods) == 1:
        _cell(ws, row, COL["notes"], progress.period_label(periods.pop(), lang))
    elif periods:
        _cell(ws, row, COL["notes"], "\n".join(f"{r.submission.unit.list_name(lang)}: {progress.period_label(r.submission.quarter, lang)}"
                                               for r in reports))
    _box(ws, row)


def _shared_narrative(reports, lang: str) -> str:
    """Each unit's words, all shortened alike until the row holds them (its lines counted as
    fit_row_heights counts them, in the columns' widths as set: the same text in both passes)."""
    width = sum(w for number, (_key, w) in enumerate(COLUMNS, start=1) if TASK_NARRATIVE[0] <= number <= TASK_NARRATIVE[1])
    each = max(NARRATIVE_CHARS // len(reports), UNIT_NARRATIVE_CHARS)
    while True:
        text = "\n".join(f"{r.submission.unit.list_name(lang)}: {_shorten(r.narrative, each)}" for r in reports)
        if each <= SHORTEST_NARRATIVE_CHARS or text_lines(text, width) <= ROW_LINES:
            return text
        each -= 5


VERDICT_ORDER = [progress.Verdict.COMPLETED_WELL, progress.Verdict.COMPLETED, progress.Verdict.NOT_COMPLETED]


def _shorten(text: str | None, limit: int = NARRATIVE_CHARS) -> str | None:
    if not text or len(text) <= limit:
        return text or None
    return text[:limit].rsplit(" ", 1)[0] + " …"


def _rounded_percent(value: Decimal | None) -> Decimal | None:
    return None if value is None else quantize(value, progress.percent_places(value))


def _footnotes(ws: Worksheet, row: int, notes: Footnotes, lang: str, last: int = LAST) -> int:
    """The explanations of the marks the table above used, one a row across columns 1 to `last`,
    from `row`; the row after them. The same words under the report and the by-unit tables."""
    lines = []
    if notes.estimate:
        lines.append(_("(*) Estimated or not yet reviewed."))
    if notes.lower:
        lines.append(_("(≤) Lower is better: met while the actual stays at or below the target."))
    if notes.above:
        lines.append(_("(>) Met only above the target: reaching it exactly is not enough."))
    if notes.missing and notes.missing_in_notes:
        lines.append(_("(!) The year to date lacks the figures of the quarters named in the Notes column."))
    elif notes.missing:
        lines.append(_("(!) The year to date lacks the figures of: %(quarters)s.") % {
            "quarters": ", ".join(progress.quarter_label(q) for q in sorted(notes.missing))})
    for line in lines:
        _merged(ws, row, 1, last, line, _font(11, italic=True))
        row += 1
    return row


def _signature(ws: Worksheet, row: int, campaign: Campaign, heading: dict, lang: str) -> int:
    """"Nơi nhận:" and its list bottom left; the signature block of the issuing body bottom right."""
    left, right = (1, 5), (8, LAST)
    listed = (lang == "en" and campaign.report_recipients_en) or campaign.report_recipients
    recipients = [line for line in listed.splitlines() if line.strip()]
    return signature_block(ws, row, recipients, heading["signature"], campaign.report_signer, left, right)


def signature_block(ws: Worksheet, row: int, recipients: list[str], signature: list[str], signer: str | None,
                    left: tuple[int, int], right: tuple[int, int]) -> int:
    """"Nơi nhận:" and its lines in columns `left`, the signature block's lines in columns `right`,
    from `row`; room to sign and stamp, then the signatory's name (Decree 30/2020/NĐ-CP). Shared by
    the report and the ranking workbook; returns the name's row."""
    if recipients:  # no "Nơi nhận:" heading over an empty list
        _merged(ws, row, *left, _("Recipients:"), _font(12, bold=True, italic=True))
    for i, line in enumerate(recipients, start=1):
        _merged(ws, row + i, *left, line, _font(11))
    for i, line in enumerate(signature):
        _merged(ws, row + i, *right, line, _font(13, bold=True), CENTRE)
    # Room to sign and stamp, then the signatory's name.
    name_row = row + max(len(signature) + 4, len(recipients) + 1)
    _merged(ws, name_row, *right, signer or "", _font(13, bold=True), CENTRE)
    return name_row


def _status_cell(cell, status: Status, lang: str) -> None:
    cell.value = progress.status_label(status, lang)
    cell.fill = PatternFill("solid", fgColor=STATUS_FILLS[status])
    cell.font = _font(bold=True, color="FFFFFF")
    cell.alignment = CENTRE


def judged_words(p: progress.Progress, lang: str) -> str:
    """A measure's status as the report writes it, on the report sheet and the by-unit sheet alike,
    in the pages' words (progress.judged_label): a full year with no year figure yet is the latest
    in-year status, never a final verdict, and says so (never in a closed year, whose full year is
    final: Progress.carried)."""
    text = progress.judged_label(p, lang)
    return f"{text} ({_('no full-year figure yet')})" if p.carried else text


def _judged_cell(cell, p: progress.Progress, lang: str) -> None:
    """`judged_words` in the status's colour."""
    _status_cell(cell, p.status, lang)
    cell.value = judged_words(p, lang)


def closed_note(p: progress.Progress, lang: str) -> str | None:
    """Why a closed year's full year has no verdict (progress.final_year), in the dashboards' words:
    the head of the measure's explanation ("Cả năm: không có số liệu cả năm được duyệt trước khi khóa
    sổ năm"), without the in-year figures it goes on with, which the row prints in its own columns.
    None for any other row."""
    if not p.closed:
        return None
    return dataclasses.replace(p, in_year=None).explanation(lang)


def _box(ws: Worksheet, row: int, columns: int = LAST) -> None:
    for col in range(1, columns + 1):
        ws.cell(row, col).border = BOX


def fit_row_heights(ws: Worksheet) -> None:
    """Set each row tall enough for its wrapped text, merged cells included.

    Neither Excel nor LibreOffice grows a row with merged or pre-sized cells when it opens the
    file, so the height is written: lines per cell from its text and the width it has.
    """
    spans = {}
    for merged in ws.merged_cells.ranges:
        if merged.min_row == merged.max_row:
            spans[(merged.min_row, merged.min_col)] = merged.max_col
    for row in ws.iter_rows():
        lines = 1.0
        size = 12
        for cell in row:
            if cell.value is None or not isinstance(cell.value, str):
                continue
            last = spans.get((cell.row, cell.column), cell.column)
            width = sum(ws.column_dimensions[get_column_letter(c)].width or 9 for c in range(cell.column, last + 1))
            size = max(size, cell.font.sz or 12) if cell.font else size
            lines = max(lines, text_lines(cell.value, width, cell.font.sz or 12, bool(cell.font.b)))
        if lines > 1 or size > 12:
            ws.row_dimensions[row[0].row].height = round(lines * LINE_HEIGHT * size / 12 + 3, 1)


def text_lines(text: str, width: float, size: float = 12, bold: bool = False) -> int:
    """How many lines `text` takes in a column `width` characters wide (Excel's width unit).

    The unit is the digit of the workbook's default font, Calibri 11 (DIGIT_PIXELS), as Excel and
    LibreOffice with Calibri or its metric twin Carlito have it: a 12-point Times New Roman character
    of Vietnamese text is on average about as wide as the unit (one per unit is used; the 1.2 once
    measured was against a wider stand-in font, under which "Có nguy cơ chậm" fitted its column and
    printed over the next row on a machine with Calibri), bold a tenth wider, and words are not
    split, so a printed row is never shorter than its text.
    """
    per_line = max(1.0, (width - 1) * 12 / size / (1.1 if bold else 1.0))
    count = 0
    for paragraph in text.split("\n"):
        used, lines = 0, 1
        for word in paragraph.split(" "):
            needed = len(word) + (1 if used else 0)
            if used and used + needed > per_line:
                lines += 1
                used = len(word)
            else:
                used += needed
            while used > per_line:  # a word longer than the line
                lines += 1
                used -= per_line
        count += lines
    return count


def _print_setup(ws: Worksheet) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = SIDE_MARGIN
    ws.page_margins.top = ws.page_margins.bottom = TOP_MARGIN
    number_pages(ws)


def number_pages(ws: Worksheet) -> None:
    """Page numbers as Decree 30/2020/NĐ-CP has them: from 1, in Arabic digits, centred in the top
    margin, the first page without its number; each sheet numbered on its own (the signed report,
    then each annex), so that the report's last page is not "9 of 15" with the annexes counted in.
    The number's line sits between the header margin and the top one: at Excel's 0.3 in over a
    0.6 in top, a 12-point line would be cut."""
    ws.page_margins.header = HEADER_MARGIN
    ws.oddHeader.center.text = "&P"
    ws.oddHeader.center.font = FONT
    ws.oddHeader.center.size = 12
    ws.HeaderFooter.differentFirst = True
    ws.page_setup.firstPageNumber = 1
    ws.page_setup.useFirstPageNumber = True


# --- breakdown and completeness sheets --------------------------------------------------------

def _titled_header(ws: Worksheet, title: str, headers: list[str], widths: dict[str, int]) -> None:
    """A title with the period on row 1, the header on row 3, repeated on every printed page."""
    last = get_column_letter(len(headers))
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].value = title
    ws["A1"].font = _font(13, bold=True)
    ws["A1"].alignment = CENTRE
    ws.row_dimensions[1].height = 22
    for col, text in enumerate(headers, start=1):
        _header_cell(ws.cell(3, col), text)
        ws.cell(3, col).border = BOX
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = widths.get(letter, max(12, len(text) + 4))
    ws.row_dimensions[3].height = 33
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:{last}3"
    ws.print_title_rows = "3:3"


def _breakdown_sheet(wb: Workbook, rows: list[dict], lang: str, period: str) -> None:
    ws = wb.create_sheet(pgettext("sheet", "By unit"))
    headers = [_("Measure code"), _("Indicator"), _("Unit of measure"), _("Unit code"), _("Unit"), _("Role"),
               _("Quarter figure"), _("Period to date"), _("State"), _("Notes"), _("Target or pledge"), _("Status")]
    states = _state_labels()
    _titled_header(ws, _("FIGURES BY UNIT, %(period)s") % {"period": period.upper()}, headers,
                   {"B": 45, "E": 35, "F": 15, "H": 18, "J": 24, "K": 16, "L": 20})
    # Named as the report sheet names them: an indicator of one measure by the indicator's name.
    measures = {row["assignment"].measure.pk: row["assignment"].measure for row in rows}
    alone = Counter(m.indicator_id for m in measures.values())
    notes = Footnotes()
    for r, row in enumerate(rows, start=4):
        a, p = row["assignment"], row["progress"]
        # One rule with the report sheet and the pages (overview.judged): the lead unit against the
        # province's target, so that its status is the report sheet's; another unit against its pledge.
        own, target = judged(row), judged_target(row)
        # A lead unit's "lower / higher than last year" has no numeric target: its status is judged
        # against the same period last year, which the report sheet prints in its "Cùng kỳ" column and
        # this sheet in the target's, with the words that say so.
        compared = (p.same_period if target is None and a.role == "lead" and p.ytd is not None
                    and a.measure.comparison in (Measure.Comparison.DECREASE, Measure.Comparison.INCREASE) else None)
        # The measure's decimals, or more where they would make the figure look equal to the target
        # printed beside it (59,05 / 59,1); never raised for a pace or a same period this sheet does
        # not print (a count of 5 people is "5", not "5,0").
        places = places_to_tell_apart(a.measure.decimal_places, p.ytd, target if target is not None else compared)
        fmt = excel_format(places, lang)
        # The report sheet's (*), by the same rule (overview.state_shown), for the figures the year to date is made of.
        marked = (p.ytd is not None or p.verdict is not None) and provisional(p, row["state_shown"])
        # And for the quarter's own figure, by the same rule: an estimate, or a report it is made of
        # not approved (one derived from two years to date is made of both's).
        quarter_marked = p.quarter_value is not None and (row["quarter_estimate"] or row["quarter_state"] != Submission.State.APPROVED)
        notes.estimate |= marked or quarter_marked
        ws.cell(r, 1, a.measure.code)
        ws.cell(r, 2, _name(a.measure.indicator, "name", lang) if alone[a.measure.indicator_id] == 1 else _name(a.measure, "name", lang))
        ws.cell(r, 3, _name(a.measure, "unit", lang))
        ws.cell(r, 4, a.unit.code)
        ws.cell(r, 5, _name(a.unit, "name", lang))
        ws.cell(r, 6, _("Lead") if a.role == "lead" else pgettext("unit role", "Own breakdown"))
        ws.cell(r, 7, p.quarter_value).number_format = fmt + (' "(*)"' if quarter_marked else "")
        if a.measure.is_qualitative and p.verdict:
            # Text takes no number format: the marks are written out, in the report sheet's words.
            ws.cell(r, 8, verdict_words(p, marked, lang))
        else:
            # An estimate, a figure not yet approved and a cumulative with a quarter missing are
            # never shown as final and complete.
            marks = ' "(*)"' if marked else ""
            if lacking := lacking_quarters(p):
                # Which quarters this row's period lacks, here: units may lack different ones.
                marks += ' "(!)"'
                notes.missing.update(lacking)
                notes.missing_in_notes = True
                ws.cell(r, 10, _("quarters missing: %(quarters)s") % {
                    "quarters": ", ".join(progress.quarter_label(q) for q in lacking)})
            if p.ytd is not None and (covered := covered_period(p)) is not None:
                # An earlier period's figure says which, as in the report: the one the sum covers.
                marks += f' "({progress.period_label(covered, lang)})"'
            ws.cell(r, 8, p.ytd).number_format = fmt + marks
        # The state of the report the figure is in; a unit whose report holds no figure for this
        # measure has none to give a state of ("not submitted" said of a report sent and approved).
        ws.cell(r, 9, states[row["state"]] if row["state"] else pgettext("report state", "No figure"))
        if p.status is Status.AWAITED and ws.cell(r, 10).value is None:  # when it is to be expected, as the report sheet says
            ws.cell(r, 10, p.explanation(lang))
        said = [ws.cell(r, 10).value] if ws.cell(r, 10).value else []
        if own is not None and (reason := closed_note(own, lang)):  # as the report sheet says it
            said.append(reason)
        if a.role == "lead" and row["pledge"] is not None and target is not None:
            # The lead unit is judged against the province's target (the report sheet's status), yet
            # signed a pledge of its own, which the ranking judges it against: both said, so that the
            # column "Target or pledge" is not read as its pledge, nor this status as the ranking's.
            said.append(lead_pledge_note(row, p, lang))
        ws.cell(r, 10, "\n".join(said) or None)
        if target is not None:  # with the report sheet's "≤ " / "> ": the direction a verdict is judged in
            # A pledge of "more than" is kept by reaching it (scoring.pledge_spec): only the province's is strict.
            mark = progress.target_mark(a.measure.comparison, strict=a.role == "lead")
            notes.lower |= mark == "≤ "
            notes.above |= mark == "> "
            ws.cell(r, 11, target).number_format = excel_format(places, lang, f'"{mark}"' if mark else "")
        elif compared is not None:
            # The report sheet's same period, with its period where it is not the row's own.
            of = p.in_year.quarter if p.in_year is not None else p.ytd_quarter if p.ytd_quarter not in (None, p.quarter) else None
            words = _("same period last year")
            ws.cell(r, 11, compared).number_format = fmt + f' "({words})"' + (
                f' "({progress.period_label(of, lang)})"' if of is not None else "")
        for col in range(1, 12):
            cell = ws.cell(r, col)
            cell.font = BODY
            # Names and notes wrap within their column, never cut at the next one; numbers stay on one line.
            cell.alignment = WRAP if isinstance(cell.value, str) else Alignment(vertical="top")
        if own is not None:  # the words and colour of the report sheet's assessment
            _judged_cell(ws.cell(r, 12), own, lang)
    _fit_number_columns(ws, (7, 8, 11), 4, 3 + len(rows))
    # What the marks mean, under the table as under the report sheet's (a blank row between: no
    # part of the filtered data).
    _footnotes(ws, 5 + len(rows), notes, lang, len(headers))
    fit_row_heights(ws)
    _print_setup(ws)


def lead_pledge_note(row: dict, p: progress.Progress, lang: str) -> str:
    """The by-unit sheet's note on a lead unit that signed a pledge (a row of `unit_breakdown` with
    pledges): judged against the province's target here, and where it stands against its pledge
    ("Đánh giá theo kế hoạch của tỉnh; theo giao ước thi đua của đơn vị (66,3): có nguy cơ chậm")."""
    measure, pledge = row["assignment"].measure, row["pledge"]
    places = places_to_tell_apart(measure.decimal_places, p.ytd, pledge.target)
    return _("Judged against the province's target; against the unit's own pledge (%(pledge)s): %(status)s") % {
        "pledge": progress.target_mark(measure.comparison, strict=False) + format_number(pledge.target, places, lang),
        "status": judged_words(row["pledge_progress"], lang).lower()}


def _completeness_sheet(wb: Workbook, rows: list[dict], lang: str, period: str) -> None:
    ws = wb.create_sheet(pgettext("sheet", "Submissions"))
    headers = [_("Unit code"), _("Unit"), _("Quarter"), _("State"), _("Submitted at"), pgettext("workbook column", "Deadline"),
               _("On time or late"), _("First submitted at")]
    states = _state_labels()
    _titled_header(ws, _("SUBMISSIONS BY UNIT, %(period)s") % {"period": period.upper()}, headers,
                   {"B": 40, "E": 18, "H": 18})
    for r, row in enumerate(rows, start=4):
        ws.cell(r, 1, row["unit"].code)
        ws.cell(r, 2, _name(row["unit"], "name", lang))
        ws.cell(r, 3, row["quarter"])
        ws.cell(r, 4, states[row["state"]] if row["state"] else _("Not submitted"))
        if row["submitted_at"]:
            cell = ws.cell(r, 5, timezone.localtime(row["submitted_at"]).replace(tzinfo=None))
            cell.number_format = "dd/mm/yyyy hh:mm"
        ws.cell(r, 6, row["deadline"]).number_format = "dd/mm/yyyy"
        ws.cell(r, 7, _timeliness_label(row))
        if row["first_submitted_at"]:  # sent on time, returned for a correction: what kept it on time
            cell = ws.cell(r, 8, timezone.localtime(row["first_submitted_at"]).replace(tzinfo=None))
            cell.number_format = "dd/mm/yyyy hh:mm"
        for col in range(1, 9):
            ws.cell(r, col).font = BODY
        ws.cell(r, 2).alignment = WRAP  # a long agency name wraps in its column, never cut at the next one
    fit_row_heights(ws)
    _print_setup(ws)


# --- raw data ---------------------------------------------------------------------------

RAW_FIELDS = (
    "submission__campaign__year", "submission__quarter", "submission__unit__code", "submission__unit__name",
    "measure__code", "measure__name", "measure__unit", "value", "verdict", "narrative", "note", "source", "kind",
    "submission__state", "entered_by__username", "entered_at", "submission__reviewed_by__username", "submission__reviewed_at",
    # A flow may be reported as its year-to-date only; an official figure keeps the estimate it replaced.
    "cumulative", "estimate_value", "estimate_cumulative",
    # The English names, for the export in English (where a name has none, the Vietnamese one).
    "submission__unit__name_en", "measure__name_en", "measure__unit_en",
)
# Column widths of the raw xlsx, in characters (names and texts wide, codes and numbers narrow).
RAW_WIDTHS = [7, 6, 10, 30, 9, 40, 12, 14, 18, 40, 30, 24, 12, 12, 16, 19, 16, 19, 14, 14, 14]
CHUNK = 5000


def raw_figures(queryset) -> Iterator[tuple]:
    """Rows of the long-format raw data, streamed from the database in chunks (no model objects). A
    closed year's units are named as it was closed (Campaign.unit_name), as its signed report and
    pages name them, whatever they were renamed since."""
    rows = queryset.order_by("submission__quarter", "submission__unit__code", "measure__order").values_list(
        *RAW_FIELDS, "submission__campaign_id", "submission__unit_id"
    ).iterator(chunk_size=CHUNK)
    return _named_as_closed(rows)


_RAW_NAME, _RAW_NAME_EN = RAW_FIELDS.index("submission__unit__name"), RAW_FIELDS.index("submission__unit__name_en")


def _named_as_closed(rows: Iterator[tuple]) -> Iterator[tuple]:
    # Each year read once, each unit's kept names looked up once: not a query, nor a lookup, per row
    # of a million. The rows come back as RAW_FIELDS, without the two ids read for this.
    campaigns: dict[int, Campaign] = {}
    names: dict[tuple[int, int], tuple[str, str]] = {}
    for *row, campaign_id, unit_id in rows:
        if campaign_id not in campaigns:
            campaigns[campaign_id] = Campaign.objects.only("kept_unit_names").get(pk=campaign_id)
        campaign = campaigns[campaign_id]
        if campaign.kept_unit_names:  # an open year keeps none: its units as they are
            if (campaign_id, unit_id) not in names:
                unit = Unit(pk=unit_id, name=row[_RAW_NAME], name_en=row[_RAW_NAME_EN])  # to name, never saved
                names[campaign_id, unit_id] = (campaign.unit_name(unit), campaign.unit_name(unit, "name_en"))
            row[_RAW_NAME], row[_RAW_NAME_EN] = names[campaign_id, unit_id]
        yield tuple(row)


@dataclass(frozen=True)
class RawLabels:
    """The raw data's words in one language, looked up once rather than for each of a million rows."""

    headers: list[str]
    kinds: dict[str, str]
    states: dict[str, str]
    verdicts: dict[str, str]
    english: bool


def raw_labels(lang: str) -> RawLabels:
    with translation.override(lang):
        return RawLabels(
            headers=[_("Year"), _("Quarter"), _("Unit code"), _("Unit"), _("Measure code"), pgettext("workbook column", "Measure"),
                     _("Unit of measure"), _("Value"), _("Assessment"), _("Narrative"), _("Note"), _("Source"), _("Kind"),
                     _("State"), _("Entered by"), _("Entered at"), _("Approved by"), _("Approved at"), _("Year to date"),
                     pgettext("workbook column", "Earlier estimate"), _("Earlier estimate, year to date")],
            kinds={kind: str(label) for kind, label in Figure.Kind.choices},
            states=_state_labels(),
            verdicts={verdict: progress.verdict_label(verdict) for verdict in progress.Verdict},
            english=language(lang) == "en",
        )


def _raw_row(row: tuple, labels: RawLabels) -> list:
    (year, quarter, unit_code, unit_name, code, name, unit, value, verdict, narrative, note, source, kind, state,
     entered_by, entered_at, approved_by, approved_at, cumulative, estimate, estimate_cumulative, unit_name_en, name_en, unit_en) = row
    approved = state == Submission.State.APPROVED
    if labels.english:
        unit_name, name, unit = unit_name_en or unit_name, name_en or name, unit_en or unit
    return [
        year, quarter, unit_code, unit_name, code, name, unit or None, value,
        labels.verdicts[verdict] if verdict else None, narrative or None,
        note or None, source or None, labels.kinds[kind], labels.states[state],
        entered_by, _naive(entered_at), approved_by if approved else None, _naive(approved_at) if approved else None,
        cumulative, estimate, estimate_cumulative,
    ]


def _naive(moment: datetime.datetime | None) -> datetime.datetime | None:
    # Excel has no time zones: write the local (Asia/Ho_Chi_Minh) wall-clock time, to the second.
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0) if moment else None


def write_raw_xlsx(rows: Iterable[tuple], target, *, lang: str = "vi") -> int:
    """Write raw figures to `target` (path or binary file) in write-only mode; returns the row count."""
    labels = raw_labels(lang)
    wb = Workbook(write_only=True)
    with translation.override(lang):
        ws = wb.create_sheet(_("Figures"))
    for number, width in enumerate(RAW_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(number)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(RAW_WIDTHS))}1"
    header = []
    for text in labels.headers:
        cell = WriteOnlyCell(ws, text)
        cell.font = BOLD
        header.append(cell)
    ws.append(header)
    count = 0
    for row in rows:
        ws.append([_write_only(ws, value) for value in _raw_row(row, labels)])
        count += 1
    wb.save(target)
    return count


def _write_only(ws, value):
    # A cell object only where the text needs the mark: a million rows of plain values stay fast.
    if reads_as_formula(value):
        return as_text(WriteOnlyCell(ws, value))
    if isinstance(value, Decimal) and not fits_a_double(value):
        return as_text(WriteOnlyCell(ws, plain_decimal(value)))  # every digit, as the CSV has it
    return value


class _Echo:
    """A file-like object whose write() returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def raw_csv_lines(rows: Iterable[tuple], *, lang: str = "vi") -> Iterator[str]:
    """CSV lines, UTF-8 with a byte-order mark first so Excel opens Vietnamese text correctly."""
    # The words are looked up before the first line: a generator must not hold a language
    # active between its yields, where it would leak into whatever code iterates it.
    labels = raw_labels(lang)
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(labels.headers)
    for row in rows:
        yield writer.writerow([_csv_value(v) for v in _raw_row(row, labels)])


def _csv_value(value) -> str:
    """"42.7", not the column's "42.700000"; times to the second; nothing for no value; text never a formula."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return csv_text(value)


def plain_decimal(value: Decimal) -> str:
    """A stored figure written exactly, without the trailing zeros of the database column."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
