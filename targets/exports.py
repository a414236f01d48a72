"""The Excel and CSV exports: the official report, breakdowns, completeness, raw data.

The official report reads the same `build_overview` as the dashboard, so a workbook can never
disagree with the screen. Numbers are written as numbers with number formats (never as text):
Excel shows them with the reader's regional separators, so a Vietnamese Windows shows
"1.234,5". Raw data is written in openpyxl's write-only mode from a queryset iterated in chunks,
so exporting a million figures does not grow memory with the row count.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from targets import progress
from targets.models import Campaign, Submission
from targets.overview import Overview, build_overview, submission_status, unit_breakdown
from targets.progress import Status

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
PERCENT_FORMAT = "#,##0.0"

TEXT = {
    "vi": {
        "nation": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "motto": "Độc lập - Tự do - Hạnh phúc",
        "title": "BÁO CÁO KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU THI ĐUA",
        "period": "{period} năm {year}",
        "programme": "(Theo Chương trình số {number} ngày {date})",
        "dated": "{province}, ngày {d} tháng {m} năm {y}",
        "headers": ["STT", "Chỉ tiêu", "Đơn vị tính", "Thực hiện năm trước", "Kế hoạch năm", "Thực hiện kỳ báo cáo",
                    "% so với kế hoạch", "% so với cùng kỳ", "Đánh giá", "Ghi chú"],
        "maker": "NGƯỜI LẬP BIỂU", "head": "THỦ TRƯỞNG ĐƠN VỊ", "sign": "(Ký, ghi rõ họ tên)",
        "report_sheet": "Báo cáo", "breakdown_sheet": "Chi tiết theo đơn vị", "completeness_sheet": "Tình hình báo cáo",
        "breakdown_headers": ["Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Mã đơn vị", "Đơn vị", "Vai trò",
                              "Số liệu quý", "Lũy kế kỳ báo cáo", "Trạng thái"],
        "completeness_headers": ["Mã đơn vị", "Đơn vị", "Quý", "Trạng thái", "Thời điểm gửi", "Hạn", "Đúng hạn"],
        "lead": "Chủ trì", "breakdown": "Số liệu riêng",
        "not_sent": "Chưa gửi", "on_time": "Đúng hạn", "late": "Trễ hạn", "open": "Chưa đến hạn",
        "footer": "Trang &P / &N",
    },
    "en": {
        "nation": "SOCIALIST REPUBLIC OF VIET NAM",
        "motto": "Independence - Freedom - Happiness",
        "title": "REPORT ON THE EMULATION TARGETS",
        "period": "{period} {year}",
        "programme": "(Programme No. {number} of {date})",
        "dated": "{province}, {y}-{m:02d}-{d:02d}",
        "headers": ["No.", "Indicator", "Unit", "Last year's actual", "Year target", "Actual, period to date",
                    "% of target", "% of same period last year", "Assessment", "Notes"],
        "maker": "PREPARED BY", "head": "HEAD OF AGENCY", "sign": "(Signature, full name)",
        "report_sheet": "Report", "breakdown_sheet": "By unit", "completeness_sheet": "Submissions",
        "breakdown_headers": ["Measure code", "Indicator", "Unit of measure", "Unit code", "Unit", "Role",
                              "Quarter figure", "Period to date", "State"],
        "completeness_headers": ["Unit code", "Unit", "Quarter", "State", "Submitted at", "Deadline", "On time"],
        "lead": "Lead", "breakdown": "Own breakdown",
        "not_sent": "Not submitted", "on_time": "On time", "late": "Late", "open": "Not yet due",
        "footer": "Page &P of &N",
    },
}
STATE_LABELS = {
    "vi": {"draft": "Nháp", "submitted": "Đã gửi", "approved": "Đã duyệt", "returned": "Trả lại"},
    "en": {"draft": "Draft", "submitted": "Submitted", "approved": "Approved", "returned": "Returned"},
}
KIND_LABELS = {"vi": {"estimate": "Ước tính", "official": "Chính thức"}, "en": {"estimate": "Estimate", "official": "Official"}}


def safe_text(value: str | None) -> str | None:
    """Neutralise spreadsheet formula injection in user-written text (OWASP: prefix a quote).

    A note such as "=HYPERLINK(...)" or "+1-2" would otherwise run as a formula in Excel or
    LibreOffice when the file is opened; numbers never pass through here.
    """
    if value and value[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _name(obj, field: str, lang: str) -> str:
    if lang == "en":
        return getattr(obj, f"{field}_en", "") or getattr(obj, field)
    return getattr(obj, field)


def _number_format(places: int) -> str:
    return "#,##0" + ("." + "0" * places if places else "")


# --- the official report ------------------------------------------------------------------

def report_workbook(campaign: Campaign, quarter: int, *, lang: str = "vi", today: datetime.date | None = None) -> Workbook:
    """The official report of a period with its by-unit and submissions sheets."""
    return official_report(
        build_overview(campaign, quarter), lang=lang, today=today,
        breakdown=unit_breakdown(campaign, quarter),
        completeness=submission_status(campaign, quarter, today=today),
    )


def official_report(overview: Overview, *, lang: str = "vi", today: datetime.date | None = None,
                    breakdown: list[dict] | None = None, completeness: list[dict] | None = None) -> Workbook:
    """The report leadership receives: title rows, the table by theme, a signature block."""
    words = TEXT[lang]
    today = today or timezone.localdate()
    campaign = overview.campaign
    wb = Workbook()
    ws = wb.active
    ws.title = words["report_sheet"]
    widths = [7, 52, 14, 14, 14, 16, 12, 12, 17, 46]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    last = get_column_letter(len(widths))

    def title(row: int, columns: str, text: str, font: Font = BOLD) -> None:
        ws.merge_cells(f"{columns.split(':')[0]}{row}:{columns.split(':')[1]}{row}")
        cell = ws[f"{columns.split(':')[0]}{row}"]
        cell.value = text
        cell.font = font
        cell.alignment = CENTRE

    title(1, "A:C", campaign.issuing_body.upper())
    title(1, f"D:{last}", words["nation"])
    title(2, f"D:{last}", words["motto"], Font(bold=True, underline="single"))
    title(3, f"D:{last}", words["dated"].format(province=campaign.province, d=today.day, m=today.month, y=today.year),
          Font(italic=True))
    title(5, f"A:{last}", words["title"], Font(bold=True, size=14))
    title(6, f"A:{last}", words["period"].format(period=progress.period_label(overview.quarter, lang), year=campaign.year),
          Font(bold=True, size=12))
    title(7, f"A:{last}", words["programme"].format(number=campaign.number, date=campaign.issued_on.strftime("%d/%m/%Y")),
          Font(italic=True))

    header_row = 9
    for col, text in enumerate(words["headers"], start=1):
        cell = ws.cell(header_row, col, text)
        cell.font = BOLD
        cell.alignment = CENTRE
        cell.border = BOX
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
    ws.row_dimensions[header_row].height = 45
    ws.freeze_panes = ws.cell(header_row + 1, 3)
    ws.print_title_rows = f"{header_row}:{header_row}"

    row = header_row + 1
    for number, theme_row in enumerate(overview.themes):
        ws.cell(row, 1, ROMAN[number] if number < len(ROMAN) else str(number + 1)).font = BOLD
        ws.cell(row, 2, f"{theme_row.theme.ordinal}: {_name(theme_row.theme, 'title', lang)}" if lang == "vi"
                else _name(theme_row.theme, "title", lang)).font = BOLD
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=len(widths))
        _box(ws, row, len(widths))
        row += 1
        for indicator_row in theme_row.indicators:
            measures = indicator_row.measures
            if len(measures) == 1:
                _measure_row(ws, row, str(indicator_row.indicator.number), _name(indicator_row.indicator, "name", lang),
                             measures[0], lang)
                row += 1
                continue
            ws.cell(row, 1, str(indicator_row.indicator.number))
            ws.cell(row, 2, _name(indicator_row.indicator, "name", lang)).font = BOLD
            _status_cell(ws.cell(row, 9), indicator_row.status, lang)
            _box(ws, row, len(widths))
            row += 1
            for m in measures:
                _measure_row(ws, row, m.measure.code, f"– {_name(m.measure, 'name', lang)}", m, lang)
                row += 1

    row += 2
    ws.cell(row, 2, words["maker"]).font = BOLD
    ws.cell(row, 2).alignment = CENTRE
    ws.merge_cells(start_row=row, start_column=7, end_row=row, end_column=len(widths))
    ws.cell(row, 7, words["head"]).font = BOLD
    ws.cell(row, 7).alignment = CENTRE
    ws.cell(row + 1, 2, words["sign"]).alignment = CENTRE
    ws.merge_cells(start_row=row + 1, start_column=7, end_row=row + 1, end_column=len(widths))
    ws.cell(row + 1, 7, words["sign"]).alignment = CENTRE

    _print_setup(ws, words)
    if breakdown is not None:
        _breakdown_sheet(wb, breakdown, lang)
    if completeness is not None:
        _completeness_sheet(wb, completeness, lang)
    return wb


def _measure_row(ws: Worksheet, row: int, number: str, name: str, m, lang: str) -> None:
    measure, p = m.measure, m.progress
    fmt = _number_format(p.places)  # enough decimals to tell the figure from its target
    ws.cell(row, 1, number).alignment = CENTRE
    ws.cell(row, 2, name).alignment = WRAP
    ws.cell(row, 3, measure.unit_en or measure.unit if lang == "en" else measure.unit).alignment = CENTRE
    for col, value, number_format in (
        (4, measure.previous_year, fmt),
        (5, measure.target, fmt),
        # An estimate stays a number cell; its format says "(ước)" beside it.
        (6, p.ytd, fmt + ('" (ước)"' if lang == "vi" else '" (est.)"') if p.estimate else fmt),
        (7, p.percent_of_plan, PERCENT_FORMAT),
        (8, p.percent_of_same_period, PERCENT_FORMAT),
    ):
        cell = ws.cell(row, col, value)
        cell.number_format = number_format
    if measure.is_qualitative and p.verdict is not None:
        ws.cell(row, 6, progress.verdict_label(p.verdict, lang)).alignment = CENTRE
    _status_cell(ws.cell(row, 9), p.status, lang)
    note = m.figure.narrative if (m.figure and measure.is_qualitative) else p.explanation(lang)
    ws.cell(row, 10, safe_text(note)).alignment = WRAP
    _box(ws, row, 10)


def _status_cell(cell, status: Status, lang: str) -> None:
    cell.value = progress.status_label(status, lang)
    cell.fill = PatternFill("solid", fgColor=STATUS_FILLS[status])
    cell.font = Font(bold=True, color="FFFFFF")
    cell.alignment = CENTRE


def _box(ws: Worksheet, row: int, columns: int) -> None:
    for col in range(1, columns + 1):
        ws.cell(row, col).border = BOX


def _print_setup(ws: Worksheet, words: dict) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = words["footer"]


# --- breakdown and completeness sheets --------------------------------------------------------

def _header(ws: Worksheet, headers: list[str]) -> None:
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(1, col, text)
        cell.font = BOLD
        cell.alignment = CENTRE
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        ws.column_dimensions[get_column_letter(col)].width = max(12, len(text) + 4)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}1"


def _breakdown_sheet(wb: Workbook, rows: list[dict], lang: str) -> None:
    words = TEXT[lang]
    ws = wb.create_sheet(words["breakdown_sheet"])
    _header(ws, words["breakdown_headers"])
    ws.column_dimensions["B"].width = 45
    ws.column_dimensions["E"].width = 35
    for r, row in enumerate(rows, start=2):
        a, p = row["assignment"], row["progress"]
        fmt = _number_format(a.measure.decimal_places)
        ws.cell(r, 1, a.measure.code)
        ws.cell(r, 2, _name(a.measure, "name", lang))
        ws.cell(r, 3, (a.measure.unit_en or a.measure.unit) if lang == "en" else a.measure.unit)
        ws.cell(r, 4, a.unit.code)
        ws.cell(r, 5, _name(a.unit, "name", lang))
        ws.cell(r, 6, words["lead"] if a.role == "lead" else words["breakdown"])
        ws.cell(r, 7, p.quarter_value).number_format = fmt
        if a.measure.is_qualitative and p.verdict:
            ws.cell(r, 8, progress.verdict_label(p.verdict, lang))
        else:
            ws.cell(r, 8, p.ytd).number_format = fmt
        ws.cell(r, 9, STATE_LABELS[lang].get(row["state"], words["not_sent"]) if row["state"] else words["not_sent"])
    _print_setup(ws, words)


def _completeness_sheet(wb: Workbook, rows: list[dict], lang: str) -> None:
    words = TEXT[lang]
    ws = wb.create_sheet(words["completeness_sheet"])
    _header(ws, words["completeness_headers"])
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["E"].width = 18
    for r, row in enumerate(rows, start=2):
        ws.cell(r, 1, row["unit"].code)
        ws.cell(r, 2, _name(row["unit"], "name", lang))
        ws.cell(r, 3, row["quarter"])
        ws.cell(r, 4, STATE_LABELS[lang][row["state"]] if row["state"] else words["not_sent"])
        if row["submitted_at"]:
            cell = ws.cell(r, 5, timezone.localtime(row["submitted_at"]).replace(tzinfo=None))
            cell.number_format = "dd/mm/yyyy hh:mm"
        ws.cell(r, 6, row["deadline"]).number_format = "dd/mm/yyyy"
        ws.cell(r, 7, words[row["timeliness"]])
    _print_setup(ws, words)


# --- raw data ---------------------------------------------------------------------------

RAW_HEADERS = {
    "vi": ["Năm", "Quý", "Mã đơn vị", "Đơn vị", "Mã chỉ tiêu", "Chỉ tiêu", "Giá trị", "Đánh giá", "Ghi chú", "Nguồn",
           "Loại số liệu", "Trạng thái", "Người nhập", "Thời điểm nhập", "Người duyệt", "Thời điểm duyệt"],
    "en": ["Year", "Quarter", "Unit code", "Unit", "Measure code", "Measure", "Value", "Assessment", "Note", "Source",
           "Kind", "State", "Entered by", "Entered at", "Approved by", "Approved at"],
}
RAW_FIELDS = (
    "submission__campaign__year", "submission__quarter", "submission__unit__code", "submission__unit__name",
    "measure__code", "measure__name", "value", "verdict", "note", "source", "kind", "submission__state",
    "entered_by__username", "entered_at", "submission__reviewed_by__username", "submission__reviewed_at",
)
CHUNK = 5000


def raw_figures(queryset) -> Iterator[tuple]:
    """Rows of the long-format raw data, streamed from the database in chunks (no model objects)."""
    return queryset.order_by("submission__quarter", "submission__unit__code", "measure__order").values_list(
        *RAW_FIELDS
    ).iterator(chunk_size=CHUNK)


def _raw_row(row: tuple, lang: str) -> list:
    (year, quarter, unit_code, unit_name, code, name, value, verdict, note, source, kind, state,
     entered_by, entered_at, approved_by, approved_at) = row
    approved = state == Submission.State.APPROVED
    return [
        year, quarter, unit_code, safe_text(unit_name), code, safe_text(name), value,
        progress.verdict_label(verdict, lang) if verdict else None,
        safe_text(note) or None, safe_text(source) or None, KIND_LABELS[lang][kind], STATE_LABELS[lang][state],
        entered_by, _naive(entered_at), approved_by if approved else None, _naive(approved_at) if approved else None,
    ]


def _naive(moment: datetime.datetime | None) -> datetime.datetime | None:
    # Excel has no time zones: write the local (Asia/Ho_Chi_Minh) wall-clock time.
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def write_raw_xlsx(rows: Iterable[tuple], target, *, lang: str = "vi") -> int:
    """Write raw figures to `target` (path or binary file) in write-only mode; returns the row count."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Số liệu" if lang == "vi" else "Figures")
    ws.freeze_panes = "A2"
    ws.append(RAW_HEADERS[lang])
    count = 0
    for row in rows:
        ws.append(_raw_row(row, lang))
        count += 1
    wb.save(target)
    return count


class _Echo:
    """A file-like object whose write() returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def raw_csv_lines(rows: Iterable[tuple], *, lang: str = "vi") -> Iterator[str]:
    """CSV lines, UTF-8 with a byte-order mark first so Excel opens Vietnamese text correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(RAW_HEADERS[lang])
    for row in rows:
        yield writer.writerow(["" if v is None else v for v in _raw_row(row, lang)])
