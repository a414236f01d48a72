"""The Excel entry template: download one for a quarter, fill it offline, upload it back.

Upload applies exactly the same rules as the entry form (targets.entry.check_input and
targets.workflow; the tasks of themes II–VI, on their own sheet, through the page's TaskForm), lists every error at once with sheet, row, column and reason, and saves
nothing unless every row is valid. Files are checked before openpyxl opens them: size,
that it is a real xlsx (zip), the uncompressed size (a zip bomb is refused unopened), links to
other files (by their relationship types, whatever the parts are called) and the number of shared
strings. The whole workbook is then read inside one error handler, with limits on cells and time,
and its XML through defusedxml (openpyxl uses it when installed), so a damaged or hostile file is
a message, never a server error.
"""

from __future__ import annotations

import datetime
import logging
import re
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from defusedxml import ElementTree as SafeTree
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override, pgettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation

from targets import access, history, progress, validators, workflow
from targets.entry import check_input, disagreement_warnings, year_to_date_warnings
from targets.exports import as_text
from targets.forms import TaskForm
from targets.language import language
from targets.models import Campaign, Figure, Measure, MeasureAssignment, Pledge, Submission, Task, TaskReport, Unit, Verdict, entry_campaign
from targets.numbers import excel_format, fits_a_double, format_exact, typed_decimals, unambiguous_text
from targets.overview import figure_series, last_known_quarter, whole_year_to_date

log = logging.getLogger(__name__)

# v2: the year-to-date column and the instructions sheet; v3: the tasks sheet.
TEMPLATE_VERSION = "emulation-template-v3"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 40  # the template has about 16; cells further right are never read
MAX_CELLS = 400_000  # cells with a value
MAX_SHARED_STRINGS = 200_000  # openpyxl loads them all before the first row; ten per row is plenty
MAX_READ_SECONDS = 20.0
MAX_RELS_BYTES = 1024 * 1024
# Relationship types through which a workbook reaches outside itself (Excel follows them when the
# file is opened): links to other workbooks, linked OLE objects, templates and frames.
EXTERNAL_RELATIONSHIPS = ("/externalLink", "/externalLinkPath", "/oleObject", "/attachedTemplate", "/frame",
                          "/xlExternalLinkPath/xlPathMissing", "/xlExternalLinkPath/xlStartup", "/xlExternalLinkPath/xlLibrary")
HYPERLINK = "/hyperlink"
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")
_MERGED = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\s+ref="([A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?)"')
SHEET = "Nhập liệu"
META_SHEET = "_meta"
CUMULATIVE = "Lũy kế từ đầu năm"
INSTRUCTIONS_SHEET = "Hướng dẫn"
COLUMNS = ["Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Mã đơn vị", "Đơn vị", "Năm", "Quý", "Kế hoạch", "Giá trị", CUMULATIVE,
           "Đánh giá", "Thuyết minh", "Ghi chú", "Nguồn", "Loại số liệu", "Phiên bản"]
ADMIN_COLUMN = "Cùng kỳ năm trước"
INPUTS = {"Giá trị", "Đánh giá", "Thuyết minh", "Ghi chú", "Nguồn", "Loại số liệu"}
# The short words templates offered before they used the page's (task_verdict_words): still read.
VERDICT_WORDS = {label: value for value, label in (
    ("completed_well", "Hoàn thành tốt"), ("completed", "Hoàn thành"), ("not_completed", "Không hoàn thành"))}
TEXT_COLUMNS = {"Thuyết minh": "narrative", "Ghi chú": "note", "Nguồn": "source"}  # column → Figure field
# Excel's Text format on the columns of words: what is typed there stays as typed ("95,5", "0",
# "15/4/2024"), where the General format would make it a number or a date.
TEXT_FORMAT = "@"
KIND_WORDS = {"Ước tính": Figure.Kind.ESTIMATE, "Chính thức": Figure.Kind.OFFICIAL}
TASK_SHEET = "Nhiệm vụ"
TASK_COLUMNS = ["Mã nhiệm vụ", "Nhiệm vụ", "Mã đơn vị", "Đơn vị", "Đánh giá", "Thuyết minh", "Phiên bản"]
TASK_INPUTS = {"Đánh giá", "Thuyết minh"}
TASK_FIELDS = {"verdict": "Đánh giá", "narrative": "Thuyết minh", "task": "Mã nhiệm vụ", "version": "Phiên bản"}


def task_verdict_words() -> dict[str, str]:
    """The task assessments as the entry page words them in Vietnamese ("Hoàn thành tốt nhiệm vụ")."""
    with override("vi"):
        return {str(label): value for value, label in Verdict.choices}


def read_word(cell, words: dict[str, str]) -> str | None:
    """The value of a word typed in a cell of words, whatever its case and spacing ("hoàn thành tốt
    nhiệm vụ "); None when it is none of them. An assessment reads in either sheet's words."""
    typed = _same_letters(" ".join(str(cell).split()))
    return next((value for word, value in words.items() if _same_letters(word) == typed), None)


def _same_letters(text: str) -> str:
    # Vietnamese typed in "Unicode tổ hợp" (Unikey) or pasted from a Mac or a PDF carries its
    # accents as separate marks: composed first, "Hoàn thành" reads as the word it looks like.
    return unicodedata.normalize("NFC", text).casefold()


def choose_one(words) -> str:
    return _("Choose one of: %(words)s.") % {"words": ", ".join(f"“{w}”" for w in words)}


def build_template(*, campaign: Campaign, quarter: int, units, user) -> Workbook:
    """One row per unit and assigned measure, with the current figures filled in."""
    show_baseline = access.is_admin(user)
    columns = COLUMNS + ([ADMIN_COLUMN] if show_baseline else [])
    wb = Workbook()
    ws = wb.active
    start_sheet(ws, SHEET, columns)
    assignments = (MeasureAssignment.objects.filter(measure__campaign=campaign, unit__in=units)
                   .select_related("measure", "unit").order_by("unit__kind", "unit__code", "measure__order"))
    figures = {(f.submission.unit_id, f.measure_id): f for f in Figure.objects.filter(
        submission__campaign=campaign, submission__quarter=quarter, submission__unit__in=units).select_related("submission")}
    # A unit's own target is its emulation pledge; the province's target and last year's figure are
    # the lead unit's alone, never shown as a district's.
    pledges = {(p.unit_id, p.measure_id): p.target for p in Pledge.objects.filter(measure__campaign=campaign, unit__in=units)}
    # An assessment in the entry page's words, in both sheets: one vocabulary for one assessment.
    verdict_words = task_verdict_words()
    verdict_list = DataValidation(type="list", formula1='"' + ",".join(verdict_words) + '"', allow_blank=True)
    kind_list = DataValidation(type="list", formula1='"' + ",".join(KIND_WORDS) + '"', allow_blank=True)
    ws.add_data_validation(verdict_list)
    ws.add_data_validation(kind_list)
    for row_number, a in enumerate(assignments, start=2):
        m, f = a.measure, figures.get((a.unit_id, a.measure_id))
        lead = a.role == MeasureAssignment.Role.LEAD
        target = m.target if lead else pledges.get((a.unit_id, a.measure_id))
        values = [m.code, m.name, m.unit, a.unit.code, a.unit.name, campaign.year, quarter, target,
                  stored_number(f.value) if f else None, stored_number(f.cumulative) if f else None,
                  next((w for w, v in verdict_words.items() if f and v == f.verdict), None),
                  f.narrative if f else None, f.note if f else None, f.source if f else None,
                  next((w for w, v in KIND_WORDS.items() if v == (f.kind if f else Figure.Kind.OFFICIAL))),
                  f.version if f else None]
        if show_baseline:
            values.append(m.same_period().get(quarter) if lead else None)
        append_row(ws, values)
        # Every decimal a stored figure has shows in its cell: 244,946 shown as 244,9 would be "corrected".
        stored = [v for v in (f.value, f.cumulative) if v is not None] if f else []
        fmt = excel_format(max([m.decimal_places, *(typed_decimals(v.normalize()) for v in stored)]), None)
        for name in ("Kế hoạch", "Giá trị", CUMULATIVE, ADMIN_COLUMN):
            if name in columns:
                ws.cell(row_number, columns.index(name) + 1).number_format = fmt
        for name in TEXT_COLUMNS:
            ws.cell(row_number, columns.index(name) + 1).number_format = TEXT_FORMAT
        # Levels have no year-to-date of their own: the latest figure stands.
        inputs = INPUTS | ({CUMULATIVE} if m.aggregation == Measure.Aggregation.FLOW else set())
        for name in inputs:
            ws.cell(row_number, columns.index(name) + 1).protection = Protection(locked=False)
        if m.is_qualitative:
            verdict_list.add(ws.cell(row_number, columns.index("Đánh giá") + 1))
        kind_list.add(ws.cell(row_number, columns.index("Loại số liệu") + 1))
    lock_sheet(ws, [10, 50, 14, 10, 28, 7, 6, 14, 16, 18, 18, 40, 30, 24, 14, 9, 16][: len(columns)])
    _task_sheet(wb.create_sheet(TASK_SHEET), campaign, quarter, units)
    _instructions(wb.create_sheet(INSTRUCTIONS_SHEET), campaign, quarter)
    add_meta(wb, META_SHEET, {"template": TEMPLATE_VERSION, "year": campaign.year, "quarter": quarter})
    return wb


# The pieces the system's upload templates (figures and tasks here, pledges in pledge_xlsx) are made of.

def start_sheet(ws, title: str, columns: list[str]) -> None:
    """The sheet's name and its header row, in bold on the templates' blue."""
    ws.title = title
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")


def lock_sheet(ws, widths: list[int]) -> None:
    """Protected (only the cells unlocked for input can be typed in), the first two columns and
    the header frozen, and the columns at these widths."""
    ws.protection.sheet = True
    ws.protection.formatRows = False  # people may still resize rows and columns to read
    ws.protection.formatColumns = False
    ws.freeze_panes = "C2"
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def add_meta(wb, title: str, values: dict) -> None:
    """The hidden sheet that names the template and its period, which an upload checks first."""
    meta = wb.create_sheet(title)
    for name, value in values.items():
        meta.append([name, value])
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True


def stored_number(value: Decimal | None) -> Decimal | str | None:
    """A stored figure for a cell that may come back in an upload: a number, or, where a double
    (what Excel and openpyxl make of a number cell) cannot hold every digit (1234567890123,456789),
    the figure as Vietnamese text, which is read back exactly. An untouched row never changes it."""
    if value is None or fits_a_double(value):
        return value
    return unambiguous_text(value, "vi")


def append_row(ws, values: list) -> None:
    """Append a row, every text as text (exports.as_text): it uploads back as typed."""
    ws.append(values)
    for cell in ws[ws.max_row]:
        as_text(cell)


def _task_sheet(ws, campaign: Campaign, quarter: int, units) -> None:
    """One row per unit and active task it is responsible for, with the quarter's saved report."""
    start_sheet(ws, TASK_SHEET, TASK_COLUMNS)
    pairs = (Task.responsible_units.through.objects.filter(unit__in=units, task__theme__campaign=campaign, task__is_active=True)
             .select_related("task__theme", "unit").order_by("unit__kind", "unit__code", "task__theme__number", "task__number"))
    reports = {(r.submission.unit_id, r.task_id): r for r in TaskReport.objects.filter(
        submission__campaign=campaign, submission__quarter=quarter, submission__unit__in=units).select_related("submission")}
    words = {value: word for word, value in task_verdict_words().items()}
    verdict_list = DataValidation(type="list", formula1='"' + ",".join(words.values()) + '"', allow_blank=True)
    ws.add_data_validation(verdict_list)
    for pair in pairs:
        report = reports.get((pair.unit_id, pair.task_id))
        append_row(ws, [pair.task.code, pair.task.title, pair.unit.code, pair.unit.name,
                        words.get(report.verdict) if report else None, report.narrative if report else None,
                        report.version if report else None])
        for name in TASK_INPUTS:
            cell = ws.cell(ws.max_row, TASK_COLUMNS.index(name) + 1)
            cell.protection = Protection(locked=False)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(ws.max_row, TASK_COLUMNS.index("Thuyết minh") + 1).number_format = TEXT_FORMAT
        verdict_list.add(ws.cell(ws.max_row, TASK_COLUMNS.index("Đánh giá") + 1))
    lock_sheet(ws, [12, 60, 10, 28, 24, 70, 9])


INSTRUCTIONS = [
    ("Cột", "Ý nghĩa"),
    ("Giá trị", "Chỉ tiêu dạng lũy kế (thu ngân sách, lượt khách, tiêu chí nông thôn mới, tai nạn giao thông…): số thực hiện "
                "trong riêng quý này. Chỉ tiêu dạng mức (tỷ lệ, điểm, số trên 10.000 dân…): số mới nhất tại thời điểm báo cáo."),
    (CUMULATIVE, "Chỉ tiêu dạng lũy kế: số lũy kế từ đầu năm đến hết quý này (Quý I, 6 tháng, 9 tháng, cả năm) như báo cáo "
                 "công bố. Nhập ô này, ô «Giá trị», hoặc cả hai; số lũy kế được dùng để đánh giá kể cả khi thiếu số các quý "
                 "trước. Nếu hai ô không khớp với số các quý đã báo cáo, hệ thống cảnh báo. Chỉ tiêu dạng mức không dùng ô này."),
    ("Số cả năm", "Số chính thức cả năm nhập vào ô «Lũy kế từ đầu năm» của Quý IV; không tự tính phần còn lại của Quý IV."),
    ("Loại số liệu", "«Ước tính» cho số ước; khi có số chính thức, nhập lại với «Chính thức»: số chính thức thay số ước trên "
                     "bảng điều hành, số ước vẫn lưu trong lịch sử. Báo cáo ghi (ước) bên cạnh số ước."),
    ("Chỉ tiêu công bố hằng năm", "GRDP, tỷ lệ hộ nghèo, PAR Index, PCI, PAPI, xếp loại tổ chức đảng… được công bố sau khi "
                                  "kết thúc năm: trước đó hiển thị «Chờ công bố» với tháng dự kiến. Đơn vị phụ trách vẫn "
                                  "nhập được số cả năm (Quý IV) sau hạn báo cáo, cho đến khi quản trị viên khóa số liệu năm."),
    ("Cả năm", "Chỉ đánh giá «Không đạt» khi có số cả năm; trước đó hiển thị tình trạng mới nhất trong năm kèm "
               "«chưa có số cả năm»."),
    ("Định dạng số", "Nhập số (ô kiểu số) hoặc chữ theo định dạng Việt Nam 1.234,5. Số trong ô kiểu số được đọc chính xác, "
                     "không làm tròn; số thập phân hiển thị chỉ để xem. Không gõ dấu % (7,5 chứ không phải 7,5%): "
                     "Excel lưu «7,5%» thành 0,075 nên ô như vậy bị từ chối."),
    (f"Trang «{TASK_SHEET}»", "Các nhiệm vụ thuộc nội dung II–VI mà đơn vị chủ trì, mỗi nhiệm vụ một dòng. Chọn «Đánh giá» "
                              "trong danh sách (Hoàn thành tốt nhiệm vụ, Hoàn thành nhiệm vụ, Chưa hoàn thành nhiệm vụ) và "
                              "viết «Thuyết minh» ngắn gọn những việc đã làm: có đánh giá thì phải có thuyết minh và ngược lại. "
                              "Để trống cả hai ô nếu chưa báo cáo; xóa cả hai ô để xóa báo cáo đã lưu. Chỉ các dòng đã sửa "
                              "được lưu; không sửa cột «Mã nhiệm vụ», «Mã đơn vị», «Phiên bản»."),
]


def _instructions(ws, campaign: Campaign, quarter: int) -> None:
    """What each column means, for flows and for levels (DESIGN.md, "How figures really arrive")."""
    ws.append([f"Biểu mẫu nhập số liệu {progress.quarter_title(quarter, campaign.year, 'vi')}"])  # "Quý III năm 2024", as the pages
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    for row in INSTRUCTIONS:
        ws.append(list(row))
    for cell in ws[3]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 110
    for row in ws.iter_rows(min_row=3):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
        row[0].alignment = Alignment(vertical="top")
    ws.protection.sheet = True


@dataclass
class Problem:
    sheet: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        # Sheet and column names are the workbook's own (Vietnamese) ones; the words around them
        # are in the page's language.
        where = self.sheet
        if self.row:
            where = _("%(place)s, row %(row)s") % {"place": where, "row": self.row}
        if self.column:
            where = _("%(place)s, column “%(column)s”") % {"place": where, "column": self.column}
        return f"{where}: {self.reason}"


@dataclass
class UploadResult:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)  # unit, entry, row number: the preview
    task_rows: list[dict] = field(default_factory=list)  # unit, entry (a TaskEntry), row number: the rows a person changed
    units: dict[str, Unit] = field(default_factory=dict)  # every unit with a valid row, changed or not (sent with --submit)
    not_read: dict[Unit, int] = field(default_factory=dict)  # rows of units the person does not enter figures for: not read (_note_not_read)
    notes: list[str] = field(default_factory=list)  # said beside the preview or the refusal, blocking nothing
    overtaken: int = 0  # rows left as downloaded over a change made on the web since (_overtaken)
    campaign: Campaign | None = None
    quarter: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def nothing_to_save(self) -> str:
        """What a valid file that writes nothing is told, on the page and by import_figures."""
        if self.overtaken:
            return _("Nothing to save: the rows left as downloaded are not written over the changes made on the web "
                     "since, each said in a note; every other row is as already saved.")
        if self.not_read:  # said beside "rows of other units not read"
            return _("Nothing to save: every figure and task report of your units in the file is as already saved.")
        return _("Nothing to save: every figure and task report in the file is as already saved.")

    @property
    def units_written(self) -> list[Unit]:
        """The units the file writes to (a whole province's workbook with one row changed: that row's unit)."""
        return sorted({row["unit"] for row in self.rows + self.task_rows}, key=lambda u: (u.kind, u.code))


def unreadable(error: Exception) -> Problem:
    """A workbook openpyxl could not read, said as a person can act on it (the error kept in the log)."""
    log.warning("Unreadable workbook: %r", error)
    return Problem(_("File"), None, None, _("The workbook cannot be read: the file is damaged or was not saved by Excel as a "
                                            ".xlsx workbook. Download the template again, fill it in and save it in Excel."))


def check_container(handle, size: int) -> str | None:
    """Refuse what must not reach openpyxl: too big, not a zip, or inflating beyond the limit."""
    if size > MAX_UPLOAD_BYTES:
        return _("The file is too large (%(size)s MB); at most %(limit)s MB.") % {"size": size // 1024 // 1024, "limit": MAX_UPLOAD_BYTES // 1024 // 1024}
    handle.seek(0)
    if not zipfile.is_zipfile(handle):
        handle.seek(0)
        if handle.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # the old binary format, which Excel still opens
            return _("The file is an Excel 97–2003 workbook (.xls): open it in Excel or LibreOffice and save it as an “Excel "
                     "Workbook (.xlsx)”, then upload that file.")
        return _("The file is not an Excel workbook (.xlsx): upload the template saved as an “Excel Workbook (.xlsx)”.")
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            names = archive.namelist()
            if "xl/workbook.xml" not in names:
                # An OpenDocument spreadsheet (.ods) is a zip too.
                return _("The file is not an Excel workbook (.xlsx): upload the template saved as an “Excel Workbook (.xlsx)”.")
            if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED_BYTES:
                return _("The workbook is too large once unpacked; use the template downloaded from the system.")
            if _links_outside(archive):
                return _("The workbook links to other files; use the template downloaded from the system.")
            if _shared_strings(archive) > MAX_SHARED_STRINGS:
                return _("The workbook has too many text strings (at most %(limit)s); use the template downloaded from the system.") % {
                    "limit": MAX_SHARED_STRINGS}
    except (zipfile.BadZipFile, OSError, ValueError, SafeTree.ParseError):
        # A damaged archive, or XML that defusedxml refuses (entity declarations are ValueErrors).
        return _("The file is not an Excel workbook (.xlsx), or it is damaged.")
    handle.seek(0)
    return None


def _links_outside(archive: zipfile.ZipFile) -> bool:
    """Whether any part of the package refers outside the file: by the relationship's type (an
    external link part can be called anything) or its target mode (hyperlinks excepted: a cell may
    hold a web address, which opens nothing by itself)."""
    for info in archive.infolist():
        if not info.filename.endswith(".rels"):
            continue
        if info.file_size > MAX_RELS_BYTES:
            return True
        for rel in SafeTree.fromstring(archive.read(info)).iter():
            kind = rel.get("Type") or ""
            if kind.endswith(EXTERNAL_RELATIONSHIPS):
                return True
            if (rel.get("TargetMode") or "").lower() == "external" and not kind.endswith(HYPERLINK):
                return True
    return False


def _shared_strings(archive: zipfile.ZipFile) -> int:
    """How many shared strings the workbook holds, counted in the raw XML before openpyxl reads them
    all (the declared count is the writer's word, not a fact). Every part is scanned, as the strings
    part may be called anything; only it holds <si> elements."""
    count = 0
    for info in archive.infolist():
        tail = b""
        with archive.open(info) as part:
            while chunk := part.read(1 << 20):
                data = tail + chunk
                tail = data[-40:]
                # Matches inside the tail are counted with the next chunk (or at the end).
                count += len(_SHARED_STRING.findall(data)) - len(_SHARED_STRING.findall(tail))
        count += len(_SHARED_STRING.findall(tail))
    return count


def cell_number(value) -> Decimal | None:
    """The exact number a numeric cell holds, or None for text and empty cells.

    openpyxl gives floats; repr() of a float is the shortest text that reads back as the same
    float, which is what the person typed into Excel (244.946, never 244.94599999999999).
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def cell_text(value) -> str:
    """A cell of a column of words as the person sees it. Text is taken as typed. A cell that
    Excel made a number or a date (values pasted over the template's Text format, or a template
    saved by another program) reads as a Vietnamese Excel shows it: "95,5" and "0", not "95.5" and
    nothing; 15/04/2024, not 2024-04-15 00:00:00."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y" if value.time() == datetime.time() else "%d/%m/%Y %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S")
    number = cell_number(value)
    if number is not None:
        return format_exact(number, 0, "vi").replace(".", "")  # every digit, no thousands dots: as typed
    # A cell that shows nothing (a zero-width space left by a copy) is an empty cell.
    return "" if validators.shows_nothing(str(value)) else str(value)


CODE_QUOTED = 40  # codes are 30 characters at most: what a message quotes of one typed longer
_DIGITS = re.compile(r"[0-9]+(?:\.[0-9]+)?")  # a code Excel may make a number: 030, 2.10
_AROUND = re.compile(rf"^[\s{validators.INVISIBLE}]+|[\s{validators.INVISIBLE}]+$")


def typed_code(value) -> str:
    """A code cell as typed: text without the spaces and invisible marks around it (" 024 ", a
    non-breaking space and a zero-width space pasted from a web page: 024), a number that Excel
    made of a code as its digits (30, 2.1); at most a code's length and a little, as a message
    quotes it."""
    if isinstance(value, float) and value.is_integer():
        typed = str(int(value))
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        typed = repr(value) if isinstance(value, float) else str(value)
    else:
        typed = _AROUND.sub("", cell_text(value))
    return typed if len(typed) <= CODE_QUOTED else typed[:CODE_QUOTED] + "…"


@dataclass(frozen=True)
class Codes:
    """The known codes of units, measures or tasks: by their lower case (a code is one in any letter
    case, as the database's rules have it: "14A" is 14a) and, those made of digits, by their value
    (what Excel makes of them: 030 and 30 are 30, 2.1 and 2.10 are 2.1)."""

    by_case: dict[str, str]
    by_number: dict[Decimal, list[str]]

    @classmethod
    def of(cls, codes) -> Codes:
        by_number: dict[Decimal, list[str]] = {}
        for code in sorted(codes):
            if _DIGITS.fullmatch(code):
                by_number.setdefault(Decimal(code), []).append(code)
        return cls({code.lower(): code for code in codes}, by_number)


def known_codes(value, codes: Codes) -> tuple[str, list[str]]:
    """(the code as typed, the known codes it can be): the one rule of every upload (figures, tasks,
    pledges). A number cell is a code of digits that Excel turned into a number, its leading zeros
    (30 for 030) or its last ones (2.1 for task 2.10) dropped: it is the codes of digits of that
    value, taken only when there is one (030 and 0030 both known, or tasks 2.1 and 2.10: neither is
    guessed). Digits typed as text that name no code as they are ("24" in a cell formatted as text)
    are read the same way, taken only where one code of digits has that value (024)."""
    typed = typed_code(value)
    number = cell_number(value)
    if number is not None:
        return typed, list(codes.by_number.get(number, []))
    found = codes.by_case.get(typed.lower())
    if found is None and _DIGITS.fullmatch(typed):
        candidates = codes.by_number.get(Decimal(typed), [])
        return typed, list(candidates) if len(candidates) == 1 else []
    return typed, [found] if found is not None else []


def code_problem(typed: str, found: list[str], unknown: str) -> str | None:
    """Why a typed code names no one unit, measure or task (`unknown` when it names none), or None."""
    if len(found) > 1:
        return _("Excel turned the code into the number %(number)s, which could be %(codes)s: format the cell as Text "
                 "and type the code again.") % {"number": typed, "codes": ", ".join(found)}
    return unknown if not found else None


def cell_version(value) -> int | None:
    """The version a row of the template showed (its locked "Phiên bản" column): a whole number.
    A cell altered by hand (2.5, TRUE, text) says no version, never a nearby one, so a changed row
    meets the figure stored since as a conflict instead of overwriting it."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, float) and value.is_integer() else None


def cell_problem(cell) -> str | None:
    """Why a cell of an uploaded workbook cannot be read as typed, or None.

    Only real formulas are refused: text that merely starts with "=" is text (the templates write
    such notes as text, and they come back unchanged). A number cell whose format shows another
    number than the one Excel keeps is refused too, since either reading could be the figure:
    typing "7,5%" makes Excel keep 0.075 and show 7,5 % (read as kept, a hundred times too small;
    read as shown, a pledge in tỷ đồng formatted as % would be a hundred times too large); a format
    ending in commas (#,##0,) shows a number in thousands of the one kept; an empty section (;;;)
    shows nothing. The person types the bare number, as the entry page asks of "7,5%"
    (numbers.parse_number).
    """
    if cell.data_type == "f":
        return _("The cell holds a formula; type its value, not a formula.")  # a note's words or a figure alike
    number = cell_number(cell.value)
    if number is None:
        return None
    sections = _format_sections(cell.number_format or "General", number)
    if not any(re.sub(r"\[[^\]]*\]", "", section).strip() for section in sections):
        return _("The cell's format hides its number: Excel keeps %(kept)s. Type the figure in a cell formatted as a "
                 "number.") % {"kept": format_exact(number, 0, "vi")}
    sections = [re.sub(r'"[^"]*"|\\.|_.|\*.|\[[^\]]*\]', "", section) for section in sections]  # what formats the digits
    if any("%" in section for section in sections):
        # Two ways to get there: "7,5%" typed (Excel keeps 0,075), or the % button pressed over a typed
        # 57,5 (Excel shows 5750 %). Both readings are given; the person knows which they meant.
        return _("The cell is formatted as a percentage: it shows %(shown)s %% and Excel keeps %(kept)s. Remove the "
                 "percentage format (format the cell as a number) and type the figure itself: %(type_shown)s if you typed "
                 "“%(shown)s%%”, or %(type_kept)s if the %% format was applied over it.") % {
            "shown": format_exact(number * 100, 0, "vi"), "kept": format_exact(number, 0, "vi"),
            "type_shown": unambiguous_text(number * 100, "vi"), "type_kept": unambiguous_text(number, "vi")}
    if scale := next(filter(None, (re.search(r"[0#?.](,+)[^0#?]*$", section) for section in sections)), None):
        return _("The cell's format shows the number divided by %(factor)s: Excel keeps %(kept)s. Type the figure in the "
                 "measure's unit, in a cell formatted as a number.") % {
            "factor": format_exact(Decimal(1000) ** len(scale.group(1)), 0, "vi"), "kept": format_exact(number, 0, "vi")}
    if number < 0 and _hides_minus(cell.number_format or "General"):
        # 0.00;[Red]0.00 (Excel's red negatives) shows -2,5 as 2,50: read as shown, a fall would be a rise.
        return _("The cell's format shows this negative number without its minus sign: Excel keeps %(kept)s. Use a number "
                 "format that shows the sign, or type %(typed)s, sign included, in a cell formatted as General.") % {
            "kept": format_exact(number, 0, "vi"), "typed": unambiguous_text(number, "vi")}
    return None


def _hides_minus(number_format: str) -> bool:
    """Whether Excel shows a negative number in `number_format` without its sign: Excel prints no
    minus of its own in a format's negative section (the second), so a section that writes neither
    a "-" nor parentheses shows -2,5 as 2,5. (Formats whose sections are chosen by [conditions]
    are left as they are.)"""
    sections = number_format.split(";")
    if len(sections) < 2 or re.search(r"\[[<>=]", number_format):
        return False
    shown = re.sub(r"\[[^\]]*\]|_.|\*.", "", sections[1])  # colours, spaces the width of a character, fills
    return not re.search(r"[-−(]", shown)


def _format_sections(number_format: str, number: Decimal) -> list[str]:
    """The parts of an Excel number format that may show `number`: the one for its sign (positive;
    negative;zero;text), or, where sections are chosen by [conditions] such as [<1000], every
    number section."""
    sections = number_format.split(";")
    if re.search(r"\[[<>=]", number_format):
        return sections[:3]
    return [sections[1 if number < 0 and len(sections) > 1 else 2 if number == 0 and len(sections) > 2 else 0]]


class Refused(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.reason)
        self.problem = problem


@dataclass
class _Sheet:
    meta: dict
    lines: list  # (row number, {column name: value}) of the non-empty rows
    problems: list[Problem]
    task_lines: list = field(default_factory=list)  # (row number, {column name: value}) on the tasks sheet


@dataclass
class _Budget:
    """What reading may still spend, shared by every sheet of the workbook."""

    deadline: float
    cells: int = 0


def _read_rows(ws, name: str, columns: list[str], budget: _Budget, problems: list[Problem]) -> list:
    """The non-empty rows of a sheet as (row number, {column name: value}), within the limits on
    rows, cells and time; real formulas are problems."""
    rows = ws.iter_rows(max_col=MAX_COLUMNS, values_only=False)
    header = [c.value for c in next(rows, [])]
    if header[: len(columns)] != columns:
        raise Refused(Problem(name, 1, None, _("The header row was altered (%(columns)s); download a new template.") % {
            "columns": header_changes(header, columns)}))
    col = {}
    for i, title in enumerate(header):
        if title:
            col.setdefault(title, i)  # the template's own column, not a copy a person added after it
    lines = []
    for number, cells in enumerate(rows, start=2):
        budget.cells += sum(c.value is not None for c in cells)
        if number > MAX_ROWS + 1:
            problems.append(Problem(name, number, None, _("More than %(count)s rows.") % {"count": MAX_ROWS}))
            break
        if budget.cells > MAX_CELLS or time.monotonic() > budget.deadline:
            raise Refused(Problem(name, number, None, _("The workbook is too large or too complex to read; use the template downloaded from the system.")))
        values = [c.value for c in cells]
        if not any(v not in (None, "") for v in values):
            continue
        refused = {c.column: why for c in cells if c.value is not None and (why := cell_problem(c))}
        problems += [Problem(name, number, header[column - 1] if column <= len(header) else None, why)
                     for column, why in refused.items()]
        values = [None if i + 1 in refused else v for i, v in enumerate(values)]  # said once, not read again
        lines.append((number, {title: values[i] if i < len(values) else None for title, i in col.items()}))
    problems += [Problem(name, min_row, None, _("Cells %(cells)s are merged: each row needs its own cells. Unmerge them and "
                                                "upload again.") % {"cells": cells})
                 for cells, min_row in merged_rows(ws)]
    return lines


HEADER_CHANGES_SAID = 3  # a column inserted shifts every one after it: the first few say what happened


def header_changes(header: list, columns: list[str]) -> str:
    """Which header cells differ from the template's, as Excel names the columns: "column I: “Ghi
    chú của tôi” instead of “Giá trị”" (a trailing space shows as typed, inside the quotes)."""
    changes = []
    for i, expected in enumerate(columns):
        found = header[i] if i < len(header) else None
        if found == expected:
            continue
        letter = get_column_letter(i + 1)
        if found in (None, ""):
            changes.append(_("column %(letter)s: empty instead of “%(expected)s”") % {"letter": letter, "expected": expected})
        else:
            changes.append(_("column %(letter)s: “%(found)s” instead of “%(expected)s”") % {
                "letter": letter, "found": str(found)[:CODE_QUOTED], "expected": expected})
    said = changes[:HEADER_CHANGES_SAID]
    return "; ".join(said + (["…"] if len(changes) > len(said) else []))


def merged_rows(ws) -> list[tuple[str, int]]:
    """(range, first row) of each merge that reaches below the header. Excel keeps a merge's first
    value and empties its other cells, which would read as figures cleared; openpyxl does not list
    merges of a read-only sheet, so they are found in the sheet's XML, read in chunks."""
    found, tail = set(), b""
    with ws._get_source() as source:  # read_only=True gives no merged_cells (openpyxl 3.1, pinned)
        while chunk := source.read(1 << 20):
            data = tail + chunk
            found.update(_MERGED.findall(data))  # a set: a match in the overlap is found twice
            tail = data[-100:]
    bounds = {ref.decode(): range_boundaries(ref.decode()) for ref in found}  # (first col, first row, last col, last row)
    return sorted(((ref, b[1]) for ref, b in bounds.items() if b[3] >= 2), key=lambda merge: (merge[1], merge[0]))


def _read_workbook(handle) -> _Sheet:
    """Everything openpyxl reads from the file, start to end, bounded in rows, cells and time: a
    read-only workbook parses its worksheets only while they are iterated, so all of it must happen
    inside the upload's error handling."""
    budget = _Budget(time.monotonic() + MAX_READ_SECONDS)
    wb = load_workbook(handle, read_only=True, data_only=False)
    try:
        if SHEET not in wb.sheetnames or META_SHEET not in wb.sheetnames:
            raise Refused(Problem(_("File"), None, None, _("This is not the system's entry template (the “%(sheet)s” sheet is missing).") % {"sheet": SHEET}))
        meta = {row[0]: row[1] for row in wb[META_SHEET].iter_rows(max_row=10, max_col=2, values_only=True) if row and row[0]}
        if meta.get("template") != TEMPLATE_VERSION:
            raise Refused(Problem(META_SHEET, None, None, _("The template is outdated or was altered; download a new one.")))
        if TASK_SHEET not in wb.sheetnames:  # deleted by a unit with no task to report: named, it is put back
            raise Refused(Problem(_("File"), None, None, _("The “%(sheet)s” sheet is missing: download a new template and keep "
                                                           "that sheet, even with nothing written in it.") % {"sheet": TASK_SHEET}))
        problems: list[Problem] = []
        lines = _read_rows(wb[SHEET], SHEET, COLUMNS, budget, problems)
        task_lines = _read_rows(wb[TASK_SHEET], TASK_SHEET, TASK_COLUMNS, budget, problems)
        return _Sheet(meta, lines, problems, task_lines)
    finally:
        wb.close()


def read_upload(handle, size: int, *, user, lang: str | None = None) -> UploadResult:
    """Parse and validate every row; nothing is written here. The problems are worded in `lang`
    (the active language when None); typed numbers are read in the template's Vietnamese notation."""
    lang = language(lang)
    with override(lang):
        return _read_upload(handle, size, user=user, lang=lang)


def _read_upload(handle, size: int, *, user, lang: str) -> UploadResult:
    result = UploadResult()
    refusal = check_container(handle, size)
    if refusal:
        result.problems.append(Problem(_("File"), None, None, refusal))
        return result
    try:
        sheet = _read_workbook(handle)
    except Refused as refused:
        result.problems.append(refused.problem)
        return result
    except Exception as error:  # damaged or hostile XML: openpyxl and defusedxml raise many kinds
        result.problems.append(unreadable(error))
        return result
    meta = sheet.meta
    result.problems += sheet.problems
    # Rows whose figure was set aside as unreadable (a formula): its words are not a second problem.
    set_aside = {p.row for p in sheet.problems if p.sheet == SHEET and p.column in ("Giá trị", CUMULATIVE, "Đánh giá")}
    refused_cells = {(p.row, p.column) for p in sheet.problems if p.sheet == SHEET}
    # Whole numbers, as another program may keep them (4.0); never True (an int to Python).
    year, quarter = (int(v) if isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer() else None
                     for v in (meta.get("year"), meta.get("quarter")))
    campaign = Campaign.objects.filter(year=year).first() if year is not None else None
    if campaign is None or quarter not in (1, 2, 3, 4):
        result.problems.append(Problem(META_SHEET, None, None, _("The template names an invalid year or quarter.")))
        return result
    # Codes read as typed, by the pledge upload's rule (known_codes): "14A" is measure 14a, " 027"
    # unit 027, and 27, what Excel makes of a typed 027, is 027 too. A code that names no one unit
    # or measure is said as typed, on its row, where the row's other checks would come.
    known_units = Codes.of(list(Unit.objects.values_list("code", flat=True)))
    known_measures = Codes.of(list(Measure.objects.filter(campaign=campaign).values_list("code", flat=True)))
    lines, code_problems = [], {}
    for number, by_name in sheet.lines:
        unit, units = known_codes(by_name.get("Mã đơn vị"), known_units)
        code, measures = known_codes(by_name.get("Mã chỉ tiêu"), known_measures)
        lines.append((number, by_name, (units[0] if len(units) == 1 else unit, measures[0] if len(measures) == 1 else code)))
        if not (unit and code):
            # A row added by hand (a total under the figures, a note below it): nothing says whose figure it would be.
            code_problems[number] = [Problem(SHEET, number, "Mã chỉ tiêu", _(
                "The row has no unit or measure code: a row added to the template (a total, say) is not read; delete it."))]
            continue
        code_problems[number] = [Problem(SHEET, number, column, problem) for column, problem in (
            ("Mã đơn vị", code_problem(unit, units, _("Unit code “%(code)s” is not in the list of units.") % {"code": unit})),
            ("Mã chỉ tiêu", code_problem(code, measures, _("Measure code “%(code)s” is not in the %(year)s programme.") % {
                "code": code, "year": campaign.year}))) if problem]
    # First the rows (bounded by MAX_ROWS), then the programme's data for just the units they
    # name: a region's workbook covers a few of its thousand units.
    unit_codes = {key[0] for number, _v, key in lines if not code_problems[number]}
    assignments = {(a.unit.code, a.measure.code): a for a in MeasureAssignment.objects.filter(
        measure__campaign=campaign, unit__code__in=unit_codes).select_related("unit", "measure")}
    editable = set(access.editable_units(user).filter(code__in=unit_codes).values_list("code", flat=True))
    pledged = {(unit, measure): target for unit, measure, target in Pledge.objects.filter(
        measure__campaign=campaign, unit__code__in=unit_codes).values_list("unit__code", "measure__code", "target")}
    # The quarters before, as the entry page judges a figure against them (the previous quarter, the year to date so far).
    earlier = figure_series(Figure.objects.filter(
        submission__campaign=campaign, submission__quarter__lt=quarter, submission__unit__code__in=unit_codes,
    ).select_related("submission__unit", "measure"), key=lambda f: (f.submission.unit.code, f.measure.code))
    stored = {(f.submission.unit.code, f.measure.code): f for f in Figure.objects.filter(
        submission__campaign=campaign, submission__quarter=quarter, submission__unit__code__in=unit_codes,
    ).select_related("submission__unit", "measure")}
    # The figures as the workbook showed them, where changed since (reversed: of two rows for one key, the first is read).
    # Figures deleted since the download too: a row left as it showed one is not a conflict.
    shown_before = history.as_shown(
        stored, {key: cell_version(by_name.get("Phiên bản")) for _n, by_name, key in reversed(lines)},
        gone=lambda keys: Figure.history.filter(
            submission__campaign=campaign, submission__quarter=quarter, submission__unit__code__in={k[0] for k in keys},
            measure__code__in={k[1] for k in keys}).select_related("submission__unit", "measure"),
        key=lambda record: (record.submission.unit.code, record.measure.code))
    seen: dict[tuple[str, str], int] = {}
    for number, by_name, key in lines:
        get = by_name.get
        if code_problems[number]:
            result.problems += code_problems[number]
            continue
        if key in seen:  # two figures for one measure: neither is guessed to be the one meant
            result.problems.append(Problem(SHEET, number, "Mã chỉ tiêu", _("The same unit and measure as row %(row)s.") % {"row": seen[key]}))
            continue
        seen[key] = number
        assignment = assignments.get(key)
        if assignment is None:
            result.problems.append(Problem(SHEET, number, "Mã chỉ tiêu", _("Unit %(unit)s does not report measure %(measure)s.") % {"unit": key[0], "measure": key[1]}))
            continue
        if key[0] not in editable:
            # Another unit's row (its template, the province's): not read, nor compared with what that
            # unit saved, which the person may not see; counted in one line (_note_not_read).
            result.not_read[assignment.unit] = result.not_read.get(assignment.unit, 0) + 1
            continue
        # Read as codes are: 2024 typed as text, or kept as 2024.0 by another program, is 2024.
        if (typed_code(get("Năm")), typed_code(get("Quý"))) != (str(campaign.year), str(quarter)):
            column = "Năm" if typed_code(get("Năm")) != str(campaign.year) else "Quý"
            result.problems.append(Problem(SHEET, number, column, _(
                "The row says year “%(year)s”, quarter “%(quarter)s”, the template is for %(period)s: the year and "
                "quarter are the template's, not for editing; download the template of the quarter you mean.") % {
                "year": typed_code(get("Năm")), "quarter": typed_code(get("Quý")),
                "period": progress.quarter_title(quarter, campaign.year, language())}))
            continue
        if (number, "Kế hoạch") not in refused_cells:  # a formula there is said as such, not also as a target
            lead = assignment.role == MeasureAssignment.Role.LEAD
            _check_target(result, number, get("Kế hoạch"), measure=assignment.measure,
                          target=assignment.measure.target if lead else pledged.get(key), lang=lang)
        row_problems: list[Problem] = []
        measure = assignment.measure
        numbers = {}
        for column in ("Giá trị", CUMULATIVE):
            cell = get(column)
            exact = cell_number(cell)
            # Each problem said once: a cell refused here is not read again as text.
            if isinstance(cell, datetime.date | datetime.time | datetime.timedelta):
                row_problems.append(Problem(SHEET, number, column, _("The cell holds a date or time, not a number; type the "
                                                                     "number in a cell formatted as a number.")))
                cell = None
            elif exact is None and isinstance(cell, bool | int | float | Decimal):
                row_problems.append(Problem(SHEET, number, column, _("The value is not a number.")))
                cell = None
            elif column == CUMULATIVE and cell not in (None, "") and measure.aggregation != Measure.Aggregation.FLOW:
                row_problems.append(Problem(SHEET, number, column, _("A level measure has no year-to-date figure; type it in the “%(column)s” column.") % {"column": "Giá trị"}))
            numbers[column] = ("" if cell is None or exact is not None else cell_text(cell), exact)
        text, exact = numbers["Giá trị"]
        verdict_word = get("Đánh giá") or ""
        # What a row of the other kind carries is not dropped without a word.
        if measure.is_qualitative and (text.strip() or exact is not None):
            row_problems.append(Problem(SHEET, number, "Giá trị", _("This measure is assessed in words: choose “%(verdict)s” and "
                                                                   "write “%(narrative)s”; leave this cell empty.") % {
                "verdict": "Đánh giá", "narrative": "Thuyết minh"}))
        elif not measure.is_qualitative and str(verdict_word).strip():
            row_problems.append(Problem(SHEET, number, "Đánh giá", _("This measure takes a number in “%(column)s”; leave this "
                                                                    "cell empty.") % {"column": "Giá trị"}))
        # A word that is none of the list's is said in its own column with the words to choose; a
        # stand-in lets the row's other cells be checked, once each (the row is refused anyway).
        verdict = read_word(verdict_word, VERDICT_WORDS | task_verdict_words()) if verdict_word not in (None, "") else ""
        if verdict is None:
            row_problems.append(Problem(SHEET, number, "Đánh giá", choose_one(task_verdict_words())))
            verdict = Verdict.COMPLETED
        kind = read_word(get("Loại số liệu") or "Chính thức", KIND_WORDS)
        if kind is None:
            row_problems.append(Problem(SHEET, number, "Loại số liệu", choose_one(KIND_WORDS)))
            kind = Figure.Kind.OFFICIAL
        narrative = cell_text(get("Thuyết minh"))
        # The quarter before (typed, or given by two years to date), else the last one with a figure, as the entry page.
        previous, previous_quarter = last_known_quarter(measure, quarter, earlier.get(key))
        checked = check_input(assignment.measure, text=text, value=exact, verdict=verdict, narrative=narrative, kind=kind,
                              previous=previous, lang="vi", words=lang,
                              earlier_quarter=previous_quarter if previous_quarter != quarter - 1 else None)
        row_problems += [Problem(SHEET, number, "Giá trị" if not assignment.measure.is_qualitative else "Đánh giá", e)
                         for e in checked.errors]
        cumulative = None
        ytd_warnings: list[str] = []  # about the year to date: said in its column
        if measure.aggregation == Measure.Aggregation.FLOW and not measure.is_qualitative:
            ytd_text, ytd_exact = numbers[CUMULATIVE]
            ytd = check_input(measure, text=ytd_text, value=ytd_exact, lang="vi", words=lang)
            row_problems += [Problem(SHEET, number, CUMULATIVE, e) for e in ytd.errors]
            cumulative = ytd.value
            if checked.value is None and cumulative is not None:
                ytd_warnings += year_to_date_warnings(measure, cumulative, whole_year_to_date(measure, quarter - 1, earlier.get(key)),
                                                      previous, lang)
            ytd_warnings += disagreement_warnings(measure, quarter, earlier.get(key), checked.value, cumulative, lang)
        version = get("Phiên bản")
        for column, name in TEXT_COLUMNS.items():
            row_problems += [Problem(SHEET, number, column, p) for p in validators.problems(Figure, {name: cell_text(get(column))})]
        result.problems += row_problems
        if row_problems:
            continue
        entry = workflow.Entry(
            measure=assignment.measure, value=checked.value, cumulative=cumulative, verdict=checked.verdict, narrative=narrative.strip(),
            note=cell_text(get("Ghi chú")).strip(), source=cell_text(get("Nguồn")).strip(), kind=kind,
            version=cell_version(version))
        if (lost := entry.words_without_figure) is not None:
            if number not in set_aside:
                result.problems.append(Problem(SHEET, number, "Ghi chú" if lost == "note" else "Nguồn",
                                               workflow.words_without_figure_message()))
            continue
        result.units[assignment.unit.code] = assignment.unit
        # Judged against the figure the workbook showed (its version; none when the row came empty),
        # as the entry page and the tasks sheet judge theirs: a row left as downloaded is not
        # written, nor refused, over a change made on the web since.
        shown = figure = stored.get(key)
        if entry.version != (figure.version if figure is not None else None):
            shown = shown_before.get(key)  # changed, or deleted, since the download
        if entry.version is None and entry.empty:
            continue  # came empty (no version) and left so: as downloaded, whatever the web holds now
        if (shown is None or workflow.differs(shown, entry)) and workflow.conflicts(figure, entry):
            # Changed in the file, and changed on the web (or by another upload) since the download:
            # said here, with what is saved now, rather than refused after the person confirms.
            result.problems.append(Problem(SHEET, number, "Giá trị", _(
                "Measure %(measure)s was changed after this template was downloaded (saved now: %(saved)s); download a new "
                "template, or leave this row as it was downloaded.") % {
                "measure": measure.code, "saved": _saved_words(figure, measure, lang)}))
            continue
        if entry.empty if shown is None else not workflow.differs(shown, entry):
            if shown is not None and shown is not figure and (figure is None or workflow.differs(figure, entry)):
                _overtaken(result, Problem(SHEET, number, "Giá trị", _(
                    "The row is as downloaded, but measure %(measure)s was changed on the web since (saved now: %(saved)s): "
                    "the row is not written; what is saved now stands.") % {
                    "measure": measure.code, "saved": _saved_words(figure, measure, lang)}))
            continue  # as the workbook showed it: nothing to write, nor to confirm
        if figure is not None and not workflow.differs(figure, entry) or figure is None and entry.empty:
            continue  # as saved already (a file uploaded twice, a row cleared as on the web): nothing to write either
        if figure is not None and (figure.value, figure.cumulative) == (entry.value, entry.cumulative):
            # Only its words or its kind change: the figure itself was checked, and confirmed, when it was saved.
            checked.warnings, ytd_warnings = [], []
        result.warnings += [Problem(SHEET, number, "Giá trị", w) for w in checked.warnings]
        result.warnings += [Problem(SHEET, number, CUMULATIVE, w) for w in ytd_warnings]
        if entry.empty and figure is not None:
            # Cells cleared, as "clear contents" over a block does: the saved figure would go, which is confirmed like a jump.
            result.warnings.append(Problem(SHEET, number, "Đánh giá" if measure.is_qualitative else "Giá trị", _(
                "The row is empty: the saved figure of measure %(measure)s (%(value)s) will be deleted.") % {
                "measure": measure.code, "value": _saved_words(figure, measure, lang)}))
        result.rows.append({"row": number, "unit": assignment.unit, "entry": entry, "saved": figure})
    _read_tasks(result, sheet.task_lines, campaign=campaign, quarter=quarter, user=user, lang=lang)
    _note_not_read(result)
    _check_period(result, campaign=campaign, quarter=quarter, user=user)
    result.campaign, result.quarter = campaign, quarter
    return result


def _check_period(result: UploadResult, *, campaign: Campaign, quarter: int, user) -> None:
    """Whether each unit's report of the quarter is still open to `user`, said with the preview
    rather than after "save" (which checks it again, under the report's lock)."""
    units = dict.fromkeys(row["unit"] for row in result.rows + result.task_rows)
    reports = {s.unit_id: s for s in Submission.objects.filter(campaign=campaign, quarter=quarter, unit__in=units)}
    before = len(result.problems)
    refused_units = []
    for unit in units:
        measures = [row["entry"].measure for row in result.rows if row["unit"] == unit]
        check = dict(campaign=campaign, unit=unit, quarter=quarter, submission=reports.get(unit.pk))
        if measures:  # said on the sheet whose rows are refused
            try:
                workflow.check_may_edit(user, **check, measures=measures)
            except workflow.EntryRefused as refused:
                result.problems.append(Problem(SHEET, None, None, f"{unit.name}: {refused.message}"))
                refused_units.append(unit)
                continue
        if not any(row["unit"] == unit for row in result.task_rows):
            continue
        try:  # only yearly figures may still come after the deadline; task reports are quarterly, as on the page
            workflow.check_may_edit(user, **check)
        except workflow.EntryRefused as refused:
            # With figures the check above let through, how to send them is said too.
            message = _("%(unit)s: %(reason)s The yearly figures can still be sent: leave the task rows of this sheet empty.") \
                if measures else "%(unit)s: %(reason)s"
            result.problems.append(Problem(TASK_SHEET, None, None, message % {"unit": unit.name, "reason": refused.message}))
            refused_units.append(unit)
    if any(_entry_period(unit) != (campaign.year, quarter) for unit in refused_units):
        # A template kept from an earlier quarter, filled in for this one: the quarter it is for comes
        # first; not for the quarter the unit's entry page opens on (its report sent, say), which is the one meant.
        result.problems.insert(before, Problem(_("File"), None, None, _(
            "The file is the template of %(period)s; if you meant another quarter, download that quarter's template.") % {
            "period": progress.quarter_title(quarter, campaign.year, language())}))


NOT_READ_NAMED = 8  # units named in the line about rows not read; the others counted


def _note_not_read(result: UploadResult) -> None:
    """One line for every row left as downloaded for units the person does not enter figures for
    (another unit's template, the secretariat's whole-province one), not one refusal each."""
    if not result.not_read:
        return
    units = sorted(result.not_read, key=lambda u: (u.kind, u.code))
    named = [f"{u.name} ({result.not_read[u]})" for u in units[:NOT_READ_NAMED]]
    if len(units) > NOT_READ_NAMED:
        named.append(pgettext("units", "%(count)s more") % {"count": len(units) - NOT_READ_NAMED})
    result.notes.append(_("Rows of units you do not enter figures for were not read: nothing of them is saved. Units (rows): "
                          "%(units)s.") % {"units": ", ".join(named)})


def _entry_period(unit: Unit) -> tuple[int, int] | None:
    """(year, quarter) the unit's entry page opens on (models.entry_campaign, Campaign.entry_quarter)."""
    campaign = entry_campaign(Campaign.objects.all(), unit)
    return (campaign.year, campaign.entry_quarter(unit)) if campaign is not None else None


def _read_tasks(result: UploadResult, lines: list, *, campaign: Campaign, quarter: int, user, lang: str) -> None:
    """Check the tasks sheet's rows with the entry page's form (TaskForm) and the report's own
    limits; keep the rows whose words differ from the report the workbook showed."""
    tasks = {t.code: t for t in Task.objects.filter(theme__campaign=campaign).select_related("theme")}
    # Codes read as the figures' sheet reads them (known_codes): 2.2 that Excel made a number is task
    # 2.2, " stc" unit STC. A code that names no one unit or task is said as typed, on its row.
    known_units, known_tasks = Codes.of(list(Unit.objects.values_list("code", flat=True))), Codes.of(list(tasks))
    keys: dict[int, tuple[str, Task]] = {}
    code_problems: dict[int, list[Problem]] = {}
    for number, by_name in lines:
        unit_typed, found_units = known_codes(by_name.get("Mã đơn vị"), known_units)
        task_typed, found_tasks = known_codes(by_name.get("Mã nhiệm vụ"), known_tasks)
        if not (unit_typed and task_typed):
            code_problems[number] = [Problem(TASK_SHEET, number, "Mã nhiệm vụ", _(
                "The row has no unit or task code: a row added to the template is not read; delete it."))]
            continue
        code_problems[number] = [Problem(TASK_SHEET, number, column, problem) for column, problem in (
            ("Mã đơn vị", code_problem(unit_typed, found_units, _("Unit code “%(code)s” is not in the list of units.") % {
                "code": unit_typed})),
            ("Mã nhiệm vụ", code_problem(task_typed, found_tasks, _("Task code “%(code)s” is not in the %(year)s programme.") % {
                "code": task_typed, "year": campaign.year}))) if problem]
        if not code_problems[number]:
            keys[number] = (found_units[0], tasks[found_tasks[0]])
    unit_codes = {code for code, _task in keys.values()}
    units = {u.code: u for u in Unit.objects.filter(code__in=unit_codes)}
    editable = set(access.editable_units(user).filter(code__in=unit_codes).values_list("code", flat=True))
    responsible = set(Task.responsible_units.through.objects.filter(
        unit__code__in=unit_codes, task__theme__campaign=campaign, task__is_active=True).values_list("unit__code", "task_id"))
    reports = {(r.submission.unit.code, r.task_id): r for r in TaskReport.objects.filter(
        submission__campaign=campaign, submission__quarter=quarter, submission__unit__code__in=unit_codes,
    ).select_related("submission__unit")}
    words = task_verdict_words()
    versions = {}
    for number, by_name in reversed(lines):  # of two rows for one unit and task, the first is the one read
        if number in keys:
            versions[(keys[number][0], keys[number][1].pk)] = cell_version(by_name.get("Phiên bản"))
    shown_before = history.as_shown(reports, versions, gone=lambda keys: TaskReport.history.filter(
        submission__campaign=campaign, submission__quarter=quarter, submission__unit__code__in={k[0] for k in keys},
        task_id__in={k[1] for k in keys}).select_related("submission__unit"),
        key=lambda record: (record.submission.unit.code, record.task_id))
    seen: dict[tuple[str, int], int] = {}
    for number, by_name in lines:
        get = by_name.get
        if code_problems[number]:
            result.problems += code_problems[number]
            continue
        code, task = keys[number]
        unit = units[code]
        if (code, task.pk) in seen:
            result.problems.append(Problem(TASK_SHEET, number, "Mã nhiệm vụ", _("The same unit and task as row %(row)s.") % {
                "row": seen[(code, task.pk)]}))
            continue
        seen[(code, task.pk)] = number
        if (code, task.pk) not in responsible:
            result.problems.append(Problem(TASK_SHEET, number, "Mã nhiệm vụ", _("Task %(task)s is not reported by %(unit)s.") % {
                "task": task, "unit": unit.name}))
            continue
        if code not in editable:  # another unit's row: not read, counted (as on the figures' sheet)
            result.not_read[unit] = result.not_read.get(unit, 0) + 1
            continue
        version = cell_version(get("Phiên bản"))
        # Judged against the report the workbook showed (its version; none when the row came empty),
        # not the one stored now, as the figures' sheet: a row left as it was is not written, and a
        # row changed over a report changed since the download is a conflict, said here.
        stored = reports.get((code, task.pk))
        shown = stored if version is not None else None
        if version is not None and (stored is None or version != stored.version):
            shown = shown_before.get((code, task.pk))  # changed, or deleted, since the download
        typed = get("Đánh giá")
        verdict = read_word(typed, words | VERDICT_WORDS) if typed not in (None, "") else ""
        if verdict is None:  # one message with the words to choose, not the form's two
            result.problems.append(Problem(TASK_SHEET, number, "Đánh giá", choose_one(words)))
            continue
        narrative = cell_text(get("Thuyết minh"))
        form = TaskForm({"task": task.pk, "version": "" if version is None else version, "verdict": verdict,
                         "narrative": narrative}, row={"task": task, "report": shown}, lang=lang)
        found: dict[str, list[str]] = {}
        if not form.is_valid():
            for name, messages in form.errors.items():
                found.setdefault(TASK_FIELDS.get(name, "Mã nhiệm vụ"), []).extend(messages)
        for message in validators.problems(TaskReport, {"narrative": narrative.strip()}):
            if not any(message.endswith(known) for known in found.get("Thuyết minh", [])):
                found.setdefault("Thuyết minh", []).append(message)
        if found:
            result.problems += [Problem(TASK_SHEET, number, column, m) for column, messages in found.items() for m in messages]
            continue
        result.units[unit.code] = unit
        entry = form.entry() if form.touched() else None
        if entry is None and shown is not None and shown is not stored and (
                stored is None or (stored.verdict, stored.narrative) != (shown.verdict, shown.narrative)):
            _overtaken(result, Problem(TASK_SHEET, number, "Đánh giá", _(
                "The row is as downloaded, but task %(task)s was changed on the web since (saved now: %(saved)s): the row "
                "is not written; what is saved now stands.") % {"task": task.code, "saved": (
                    stored.get_verdict_display() or _("not assessed")) if stored is not None else _("nothing, the task report was deleted")}))
        if entry is not None and _task_conflicts(stored, entry):
            # Changed in the file, and on the web (or by another upload) since the download, by
            # save_task_reports' rule: said here, with what is saved now, not refused after "save".
            result.problems.append(Problem(TASK_SHEET, number, "Đánh giá", _(
                "Task %(task)s was changed after this template was downloaded (saved now: %(saved)s); download a new "
                "template, or leave this row as it was downloaded.") % {"task": task.code, "saved": (
                    stored.get_verdict_display() or _("not assessed")) if stored is not None else _("nothing, the task report was deleted")}))
            continue
        # Changed from what the workbook showed, and not as saved already (a file uploaded twice, a
        # row cleared as it was on the web).
        if entry is not None and (stored is None and not entry.empty or stored is not None and (
                stored.verdict, stored.narrative) != (entry.verdict, entry.narrative)):
            if entry.empty and stored is not None:
                # Cells cleared: the saved report (a quarter's narrative) would go, which is confirmed as a figure's deletion is.
                result.warnings.append(Problem(TASK_SHEET, number, "Đánh giá", _("The row is empty: the saved report on task %(task)s "
                                                                                "(%(verdict)s) will be deleted.") % {
                    "task": task.code, "verdict": stored.get_verdict_display() or _("not assessed")}))
            result.task_rows.append({"row": number, "unit": unit, "entry": entry, "saved": stored,
                                     "verdict": dict(Verdict.choices).get(entry.verdict, "")})


def _check_target(result: UploadResult, number: int, typed, *, measure: Measure, target: Decimal | None, lang: str) -> None:
    """A target changed in the file (its cell unlocked) is not read, and said: targets are the
    programme's and the pledges', set by the admin; the row's figures are read as ever."""
    exact = cell_number(typed)
    if exact is None and isinstance(typed, str) and target is not None and typed.strip() in {
            format_exact(target, places, "vi") for places in range(7)}:
        return  # the target kept as Vietnamese text ("204.665"): as the template shows it
    if (exact if exact is not None or typed in (None, "") else cell_text(typed)) == target:
        return
    result.notes.append(str(Problem(SHEET, number, "Kế hoạch", _(
        "The target in the file (%(typed)s) is not measure %(measure)s's (%(target)s): an upload does not change targets, "
        "which the programme and the pledges set; the row's figures are read.") % {
        "typed": typed_code(typed) or _("empty"), "measure": measure.code,
        "target": format_exact(target, measure.decimal_places, lang) if target is not None else _("none")})))


def _overtaken(result: UploadResult, row: Problem) -> None:
    """A row left as downloaded over a change made on the web since: not written, and said, so that
    "nothing to save" is never read as "the file is as saved"."""
    result.overtaken += 1
    result.notes.append(str(row))


def _task_conflicts(theirs: TaskReport | None, entry: workflow.TaskEntry) -> bool:
    """Whether saving `entry` would overwrite a report changed (or deleted) since the workbook was
    downloaded, by save_task_reports' rule: one already as the row says is no conflict."""
    if theirs is not None:
        return entry.version != theirs.version and (theirs.verdict, theirs.narrative) != (entry.verdict, entry.narrative)
    return entry.version is not None and not entry.empty


def _saved_words(figure: Figure | None, measure: Measure, lang: str) -> str:
    """A saved figure as the preview's messages quote it: its assessment, or its number with every digit."""
    if figure is None:
        return _("nothing, it was deleted")
    if figure.verdict:
        return figure.get_verdict_display()
    held = figure.value if figure.value is not None else figure.cumulative  # a flow may hold its year to date only
    return format_exact(held, measure.decimal_places, lang)


class Incomplete(workflow.EntryRefused):
    """Reports to be sent lack figures or assessments, and sending them so was not asked for."""


@dataclass
class Saved:
    figures: int = 0  # figures written
    removed: int = 0  # saved figures deleted (their rows cleared)
    tasks_removed: int = 0  # saved task reports deleted
    tasks: int = 0  # task reports written or cleared (one already as the file has it is not counted)


@transaction.atomic
def save_upload(result: UploadResult, *, user, submit: bool = False, send_incomplete: bool = False) -> Saved:
    """Save every unit's rows (and, with `submit`, send each unit's report for review, with the
    entry page's rules: a report lacking a figure or an assessment is sent only with
    `send_incomplete`); any refusal or conflict rolls everything back."""
    # The units with something to write; with `submit`, every unit the workbook holds, changed or not.
    units = result.units.values() if submit else dict.fromkeys(row["unit"] for row in result.rows + result.task_rows)
    by_unit: dict[Unit, list[workflow.Entry]] = {unit: [] for unit in units}
    tasks_by_unit: dict[Unit, list[workflow.TaskEntry]] = {unit: [] for unit in by_unit}
    for row in result.rows:
        by_unit[row["unit"]].append(row["entry"])
    for row in result.task_rows:
        tasks_by_unit[row["unit"]].append(row["entry"])
    workflow.lock_reports(result.campaign, result.quarter, [unit for unit in by_unit if by_unit[unit] or tasks_by_unit[unit]])
    saved = Saved()
    incomplete = []
    for unit, entries in by_unit.items():
        if entries:
            outcome = workflow.save_figures(user=user, campaign=result.campaign, unit=unit, quarter=result.quarter, entries=entries,
                                            reason=history.system_reason(history.UPLOADED))
            if outcome.conflicts:
                codes = ", ".join(c.measure.code for c in outcome.conflicts)
                raise workflow.EntryRefused(_("%(unit)s: measures %(codes)s were changed after the template was downloaded (on the web or by another upload); download a new template.")
                                             % {"unit": unit.name, "codes": codes})
            saved.figures += len(outcome.saved)
            saved.removed += outcome.removed
        tasks = workflow.save_task_reports(user=user, campaign=result.campaign, unit=unit, quarter=result.quarter,
                                           entries=tasks_by_unit[unit])
        if tasks.conflicts:
            raise workflow.EntryRefused(_("%(unit)s: tasks %(codes)s were changed after the template was downloaded (on the web or by another upload); download a new template.")
                                         % {"unit": unit.name, "codes": ", ".join(c.task.code for c in tasks.conflicts)})
        saved.tasks += tasks.saved - tasks.removed
        saved.tasks_removed += tasks.removed
        if submit and not send_incomplete and (lacking := workflow.lacking_from_report(result.campaign, unit, result.quarter)):
            incomplete.append(f"{unit.name} ({', '.join(lacking)})")
        elif submit:
            workflow.submit(user=user, campaign=result.campaign, unit=unit, quarter=result.quarter)
    if incomplete:
        # As the entry page asks before sending a report the secretariat would find incomplete.
        raise Incomplete(_("These reports lack a figure or an assessment: %(reports)s.") % {"reports": "; ".join(incomplete)})
    return saved
