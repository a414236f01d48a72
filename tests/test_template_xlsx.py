"""The Excel entry template: download, fill, upload with preview; every bad file refused cleanly."""

import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from targets.models import Deadline, Figure, Submission, Unit
from tests.conftest import make_user


@pytest.fixture
def reporter(open_year):
    return make_user("reporter-city", "reporter", units=[Unit.objects.get(code="024")])


def download(client, **params):
    response = client.get(reverse("template-download"), {"year": 2024, "quarter": 1, **params})
    assert response.status_code == 200, response.content[:300]
    return load_workbook(io.BytesIO(response.content))


def as_upload(wb, name="mau.xlsx"):
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def fill(wb, values):
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        code = row[header.index("Mã chỉ tiêu")].value
        if code in values:
            row[header.index("Giá trị")].value = values[code]
    return wb


def test_the_template_has_one_row_per_measure_with_only_inputs_unlocked(client, reporter):
    client.force_login(reporter)
    wb = download(client)
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    assert header[:9] == ["Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Mã đơn vị", "Đơn vị", "Năm", "Quý", "Kế hoạch", "Giá trị"]
    assert "Ghi chú" in header and "Cùng kỳ năm trước" not in header
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert {r[0] for r in rows} == {"3", "4", "6", "10", "11", "14a", "14b", "14c"}
    assert {r[3] for r in rows} == {"024"}
    assert ws.protection.sheet
    value_col = header.index("Giá trị") + 1
    assert ws.cell(2, value_col).protection.locked is False
    assert ws.cell(2, 1).protection.locked is True
    assert wb["_meta"].sheet_state == "veryHidden"
    budget = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3")
    assert budget[header.index("Kế hoạch")].number_format == "#,##0.0"


def test_a_district_sees_its_own_pledge_as_target_never_the_provinces(client, reporter, admin_user):
    from targets.models import Measure, Pledge

    city, budget = Unit.objects.get(code="024"), Measure.objects.get(code="3")
    Pledge.objects.create(unit=city, measure=budget, target=Decimal("185.5"), signed_on=datetime.date(2024, 1, 10))
    client.force_login(reporter)
    ws = download(client)["Nhập liệu"]
    header = [c.value for c in ws[1]]
    targets = {r[0]: r[header.index("Kế hoạch")] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(targets["3"])) == Decimal("185.5")  # its pledge, not the province's 2.460
    assert targets["4"] is None  # no pledge: no target, never the province's 3.200.000 arrivals
    client.force_login(admin_user)
    response = client.get(reverse("template-download"), {"year": 2024, "quarter": 1, "unit": ["024", "STC"]})
    ws = load_workbook(io.BytesIO(response.content))["Nhập liệu"]
    header = [c.value for c in ws[1]]
    rows = {(r[3], r[0]): r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows[("STC", "3")][header.index("Kế hoạch")] == 2460  # the lead unit's target is the province's
    assert rows[("024", "3")][header.index("Cùng kỳ năm trước")] is None  # last year's figure is the province's


def test_admins_get_last_years_column_and_several_units(client, admin_user, open_year):
    client.force_login(admin_user)
    response = client.get(reverse("template-download"), {"year": 2024, "quarter": 1, "unit": ["024", "026"]})
    ws = load_workbook(io.BytesIO(response.content))["Nhập liệu"]
    assert "Cùng kỳ năm trước" in [c.value for c in ws[1]]
    assert {r[3] for r in ws.iter_rows(min_row=2, values_only=True)} == {"024", "026"}


def test_qualitative_rows_have_a_verdict_drop_down(client, admin_user, open_year):
    client.force_login(admin_user)
    response = client.get(reverse("template-download"), {"year": 2024, "quarter": 1, "unit": ["BCHQS"]})
    ws = load_workbook(io.BytesIO(response.content))["Nhập liệu"]
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert '"Hoàn thành tốt nhiệm vụ,Hoàn thành nhiệm vụ,Chưa hoàn thành nhiệm vụ"' in lists  # the entry page's words


def test_each_cell_that_cannot_be_read_is_said_once_with_what_to_do(client, reporter):
    # A date (Excel turns some typed numbers into dates), TRUE and a formula: one message each,
    # not a second one quoting the cell as text.
    client.force_login(reporter)
    wb = fill(download(client), {"3": datetime.datetime(2024, 5, 1), "4": True, "11": "=1+2"})
    ws = wb["Nhập liệu"]
    rows = {r[0].value: r[0].row for r in ws.iter_rows(min_row=2)}
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    html = response.content.decode()
    assert f"dòng {rows['3']}, cột «Giá trị»: Ô chứa ngày hoặc giờ, không phải số; hãy nhập số vào ô định dạng số." in html
    assert f"dòng {rows['4']}, cột «Giá trị»: Giá trị không phải là số." in html
    assert f"dòng {rows['11']}, cột «Giá trị»: Ô chứa công thức" in html
    for code in ("3", "4", "11"):
        assert html.count(f"dòng {rows[code]},") == 1, code
    assert not Figure.objects.exists()


def test_a_refused_formula_is_not_said_again_as_a_note_without_its_figure(client, reporter):
    client.force_login(reporter)
    wb = fill(download(client), {"3": "=1+2"})
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3")
    row[header.index("Ghi chú")].value = "Số ước của Chi cục Thuế"
    html = refused(client, as_upload(wb), f"dòng {row[0].row}, cột «Giá trị»: Ô chứa công thức")
    assert html.count(f"dòng {row[0].row},") == 1 and "Ghi chú và nguồn đi kèm" not in html


def test_a_number_on_a_row_assessed_in_words_and_a_verdict_on_a_number_row_are_not_dropped(client, admin_user, open_year):
    client.force_login(admin_user)
    response = client.get(reverse("template-download"), {"year": 2024, "quarter": 1, "unit": ["BCHQS", "024"]})
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    rows = {(r[0].value, r[3].value): r for r in ws.iter_rows(min_row=2)}
    words, budget = rows[("15", "BCHQS")], rows[("3", "024")]
    words[header.index("Giá trị")].value = 95
    budget[header.index("Giá trị")].value = 250
    budget[header.index("Đánh giá")].value = "Hoàn thành"
    html = client.post(reverse("upload"), {"file": as_upload(wb)}).content.decode()
    assert (f"dòng {words[0].row}, cột «Giá trị»: Chỉ tiêu này đánh giá bằng lời: hãy chọn «Đánh giá» và viết «Thuyết minh»; "
            "để trống ô này.") in html
    assert f"dòng {budget[0].row}, cột «Đánh giá»: Chỉ tiêu này nhập số vào cột «Giá trị»; để trống ô này." in html
    assert not Figure.objects.exists()


def test_a_reporter_cannot_download_another_units_template(client, reporter):
    client.force_login(reporter)
    assert client.get(reverse("template-download"), {"year": 2024, "quarter": 1, "unit": "026"}).status_code == 403


@pytest.mark.template_context
def test_upload_previews_then_saves_every_row(client, reporter):
    client.force_login(reporter)
    wb = fill(download(client), {"3": 123.5, "4": 45000, "11": "12"})
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    html = response.content.decode()
    assert "Xem trước" in html and 'name="token"' in html
    assert not Figure.objects.exists()  # the preview saves nothing
    token = response.context["token"]
    response = client.post(reverse("upload"), {"token": token}, follow=True)
    assert "Đã lưu 3 số liệu từ bảng tính." in response.content.decode()
    # Saved is not sent: said, with the way to the entry page where the report is sent.
    assert ('Đã lưu, chưa gửi: hãy kiểm tra và gửi báo cáo tại <a href="/nhap-so-lieu/?year=2024&amp;quarter=1">trang nhập số liệu</a>.'
            in response.content.decode())
    values = dict(Figure.objects.values_list("measure__code", "value"))
    assert values == {"3": Decimal("123.5"), "4": Decimal("45000"), "11": Decimal("12")}
    assert Submission.objects.get().state == "draft"


def refused(client, upload, *fragments):
    response = client.post(reverse("upload"), {"file": upload})
    html = response.content.decode()
    assert "Chưa lưu gì" in html or "Nothing was saved" in html
    for fragment in fragments:
        assert fragment in html, fragment
    assert not Figure.objects.exists()
    return html


def test_every_bad_row_is_listed_at_once_with_row_column_and_reason(client, reporter):
    client.force_login(reporter)
    wb = fill(download(client), {"3": "1,234.5", "10": 150, "4": -5})
    refused(client, as_upload(wb), "dòng", "cột «Giá trị»", "không đúng định dạng số", "Tỷ lệ phần trăm phải từ 0 đến 100.",
            "Số đếm phải là số nguyên không âm.")


def test_a_negative_figure_whose_format_hides_its_minus_is_refused_a_positive_one_is_read(client, reporter):
    # Excel's red negatives (0.00;[Red]0.00) show -2,5 as 2,50: the figure shown is not the one kept.
    client.force_login(reporter)
    wb = fill(download(client), {"3": -2.5})
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3")
    row[header.index("Giá trị")].number_format = "0.00;[Red]0.00"
    html = refused(client, as_upload(wb), f"dòng {row[0].row}, cột «Giá trị»: Định dạng của ô hiển thị số âm này mà không có "
                                          "dấu trừ: Excel lưu -2,5. Hãy dùng định dạng số có hiện dấu trừ, hoặc nhập -2,5")
    assert html.count(f"dòng {row[0].row},") == 1  # said once, not again as a negative amount
    client.cookies["django_language"] = "en"
    refused(client, as_upload(wb), "format shows this negative number without its minus sign: Excel keeps -2,5.")
    row[header.index("Giá trị")].value = 2.5  # a positive number shows as kept
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    assert 'name="token"' in response.content.decode()


def test_an_english_page_lists_the_problems_in_english_with_the_templates_own_names(client, reporter):
    client.force_login(reporter)
    client.cookies["django_language"] = "en"
    wb = fill(download(client), {"3": "1,234.5", "10": 150, "4": -5, "11": "=1+2"})
    refused(client, as_upload(wb), "Nhập liệu, row 2, column “Giá trị”",  # the workbook's own sheet and column names
            "“1,234.5” is not a number in Vietnamese format (dot for thousands, comma for decimals). "
            "If you mean 1,234.5, type 1.234,5.",  # the template's numbers are read in Vietnamese notation
            "A percentage must be between 0 and 100.", "A count must be a whole number, 0 or more.",
            "The cell holds a formula; type its value, not a formula.")
    html = client.post(reverse("upload"), {"file": SimpleUploadedFile("x.xlsx", b"not a workbook")}).content.decode()
    assert "File: The file is not an Excel workbook (.xlsx): upload the template saved as an “Excel Workbook (.xlsx)”." in html
    assert "dòng" not in html and "Tệp" not in html


def test_formulas_are_refused_and_located(client, reporter):
    client.force_login(reporter)
    wb = fill(download(client), {"3": "=1+2"})
    refused(client, as_upload(wb), "Ô chứa công thức")


def test_a_measure_on_two_rows_is_refused_not_saved_twice_or_guessed(client, reporter):
    # A row copied below the others, with another figure: neither is taken for the one meant (before,
    # the second won silently, or the save failed with a server error).
    client.force_login(reporter)
    wb = fill(download(client), {"3": 250})
    ws = wb["Nhập liệu"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3")
    ws.append([c.value for c in row])
    header = [c.value for c in ws[1]]
    ws.cell(ws.max_row, header.index("Giá trị") + 1, 260)
    refused(client, as_upload(wb), f"dòng {ws.max_row}, cột «Mã chỉ tiêu»: Trùng với dòng {row[0].row}.")


@pytest.mark.template_context
def test_a_column_added_under_a_templates_heading_is_not_read_in_its_place(client, reporter):
    # A person keeps a working copy of "Giá trị" to the right: the template's own column is the one read.
    client.force_login(reporter)
    wb = fill(download(client), {"3": 250})
    ws = wb["Nhập liệu"]
    extra = ws.max_column + 1
    ws.cell(1, extra, "Giá trị")
    for r in range(2, ws.max_row + 1):
        ws.cell(r, extra, 2500)
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    assert client.post(reverse("upload"), {"token": response.context["token"]}).status_code == 302
    assert dict(Figure.objects.values_list("measure__code", "value")) == {"3": Decimal("250")}


def test_rows_of_another_unit_are_not_read_and_said(client, reporter):
    client.force_login(reporter)
    wb = download(client)
    ws = wb["Nhập liệu"]
    ws.protection.sheet = False
    ws.cell(2, 4).value = "026"
    ws.cell(2, 9).value = 5
    html = client.post(reverse("upload"), {"file": as_upload(wb)}).content.decode()
    assert ("Không đọc các dòng của những đơn vị bạn không nhập số liệu: không lưu gì từ các dòng này. "
            "Đơn vị (số dòng): Huyện Đồng Văn (1).") in html
    assert not Figure.objects.exists()


@pytest.mark.template_context
def test_other_units_rows_left_as_downloaded_are_not_read_and_said_once(client, reporter, admin_user, tmp_path, capsys):
    """The secretariat's template of several units, or a neighbour's, filled by a reporter of one:
    the rows of units not theirs are counted in one line, not refused one by one, and never read,
    changed or not: neither written, nor compared with what that unit saved (which the reporter may
    not see: a refusal of changed rows only would tell a guess of its figure right from wrong)."""
    from targets import workflow
    from targets.models import Campaign, Measure

    campaign = Campaign.objects.get(year=2024)
    other = Unit.objects.get(code="026")
    workflow.save_figures(user=admin_user, campaign=campaign, unit=other, quarter=1,
                          entries=[workflow.Entry(measure=Measure.objects.get(campaign=campaign, code="3"), value=40)])
    client.force_login(admin_user)
    response = client.get(reverse("template-download"), {"year": 2024, "quarter": 1, "unit": ["024", "026"]})
    shared = response.content
    rows = [r for r in load_workbook(io.BytesIO(shared))["Nhập liệu"].iter_rows(min_row=2, values_only=True) if r[3] == "026"]
    tasks = [r for r in load_workbook(io.BytesIO(shared))["Nhiệm vụ"].iter_rows(min_row=2, values_only=True) if r[2] == "026"]
    client.force_login(reporter)
    wb = load_workbook(io.BytesIO(shared))
    ws = wb["Nhập liệu"]
    for row in ws.iter_rows(min_row=2):
        if row[3].value == "024" and row[0].value == "3":
            row[8].value = 55
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    html = response.content.decode()
    assert "thuộc đơn vị khác" not in html and "token" in response.context
    assert (f"Không đọc các dòng của những đơn vị bạn không nhập số liệu: không lưu gì từ các dòng này. "
            f"Đơn vị (số dòng): Huyện Đồng Văn ({len(rows) + len(tasks)}).") in html
    client.post(reverse("upload"), {"token": response.context["token"]})
    assert dict(Figure.objects.values_list("submission__unit__code", "value")) == {"024": 55, "026": 40}
    # A row of the other unit changed, to its saved figure or to another: the same line, nothing else
    # said of it, nothing of it saved.
    for typed in (40, 41):
        wb = load_workbook(io.BytesIO(shared))
        changed = next(row for row in wb["Nhập liệu"].iter_rows(min_row=2) if row[3].value == "026" and row[0].value == "3")
        changed[8].value = typed
        html = client.post(reverse("upload"), {"file": as_upload(wb)}).content.decode()
        assert "thuộc đơn vị khác" not in html and f"Huyện Đồng Văn ({len(rows) + len(tasks)})" in html
        assert Figure.objects.get(submission__unit=other).value == 40
    # The import command says the same line.
    path = tmp_path / "shared.xlsx"
    path.write_bytes(shared)
    call_command("import_figures", str(path), "--user", reporter.username)
    assert f"Đơn vị (số dòng): Huyện Đồng Văn ({len(rows) + len(tasks)})." in capsys.readouterr().out


def test_an_altered_header_is_named_by_its_column_what_was_expected_and_what_is_found(client, reporter):
    client.force_login(reporter)
    wb = download(client)
    ws = wb["Nhập liệu"]
    ws.insert_cols(9)  # a helper column before «Giá trị»
    ws.cell(1, 9).value = "Ghi chú của tôi"
    refused(client, as_upload(wb), "Nhập liệu, dòng 1: Dòng tiêu đề đã bị sửa (cột I: «Ghi chú của tôi» thay cho «Giá trị»; "
                                   "cột J: «Giá trị» thay cho «Lũy kế từ đầu năm»; cột K: «Lũy kế từ đầu năm» thay cho «Đánh giá»; "
                                   "…); hãy tải biểu mẫu mới.")
    wb = download(client)
    wb["Nhập liệu"].cell(1, 9).value = "Giá trị "  # retyped with a trailing space
    wb["Nhiệm vụ"].cell(1, 6).value = None
    refused(client, as_upload(wb), "Nhập liệu, dòng 1: Dòng tiêu đề đã bị sửa (cột I: «Giá trị » thay cho «Giá trị»)")
    wb = download(client)
    wb["Nhiệm vụ"].cell(1, 6).value = None
    refused(client, as_upload(wb), "Nhiệm vụ, dòng 1: Dòng tiêu đề đã bị sửa (cột F: để trống thay cho «Thuyết minh»)")


def test_an_edited_template_or_wrong_version_is_refused(client, reporter):
    client.force_login(reporter)
    wb = download(client)
    wb["Nhập liệu"].cell(1, 2).value = "Tên khác"
    refused(client, as_upload(wb), "Dòng tiêu đề đã bị sửa")
    wb = download(client)
    wb["_meta"]["B1"].value = "emulation-template-v0"
    refused(client, as_upload(wb), "Biểu mẫu đã cũ hoặc bị sửa")


@pytest.mark.template_context
def test_save_after_the_unit_was_taken_from_the_reporter_says_nothing_was_saved_not_already_saved(client, reporter):
    client.force_login(reporter)
    response = client.post(reverse("upload"), {"file": as_upload(fill(download(client), {"3": 40}))})
    token = response.context["token"]
    Unit.objects.get(code="024").members.remove(reporter)  # moved to another unit meanwhile
    page = client.post(reverse("upload"), {"token": token}, follow=True).content.decode()
    assert ("Chưa lưu gì: từ lúc xem trước đến nay, tài khoản của bạn không còn nhập số liệu cho 024. Hãy hỏi quản trị viên, "
            "hoặc tải tệp lên lại cho các đơn vị của bạn.") in page
    assert "đã được lưu" not in page and not Figure.objects.exists()


def with_meta_cell(wb, cell: str, value: str) -> SimpleUploadedFile:
    """The workbook with one cell of its hidden _meta sheet written as another program writes it
    (a quarter kept as 1.0, a year as TRUE), which openpyxl itself would not write."""
    buffer, out = io.BytesIO(), io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/") and b"<v>emulation-template" not in data:
                data = re.sub(rf'<c r="{cell}" t="n"><v>[^<]*</v></c>'.encode(), value.encode(), data)
            target.writestr(item, data)
    return SimpleUploadedFile("mau.xlsx", out.getvalue())


@pytest.mark.template_context
def test_a_template_whose_quarter_another_program_kept_as_1_0_is_read_as_quarter_1(client, reporter):
    client.force_login(reporter)
    wb = fill(download(client), {"3": 40})
    meta = wb["_meta"]
    assert (meta["A3"].value, meta["B3"].value) == ("quarter", 1)
    response = client.post(reverse("upload"), {"file": with_meta_cell(wb, "B3", '<c r="B3" t="n"><v>1.0</v></c>')})
    assert response.context["result"].ok and [r["entry"].measure.code for r in response.context["result"].rows] == ["3"]
    refused(client, with_meta_cell(wb, "B3", '<c r="B3" t="b"><v>1</v></c>'), "Biểu mẫu ghi năm hoặc quý không hợp lệ")


def test_not_an_xlsx_is_refused(client, reporter):
    client.force_login(reporter)
    refused(client, SimpleUploadedFile("x.xlsx", b"just text"), "không phải là bảng tính Excel (.xlsx): hãy tải lên biểu mẫu được lưu thành")
    # Excel 97–2003 (an OLE2 file), which Excel itself opens: said what it is and how to save it.
    refused(client, SimpleUploadedFile("mau.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504),
            "Tệp là bảng tính Excel 97–2003 (.xls): hãy mở tệp bằng Excel hoặc LibreOffice, lưu thành “Excel Workbook (.xlsx)”")
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    refused(client, SimpleUploadedFile("mau.ods", ods.getvalue()), "hãy tải lên biểu mẫu được lưu thành “Excel Workbook (.xlsx)”")


def test_a_deleted_tasks_sheet_and_a_total_row_added_by_hand_are_named_as_such(client, reporter):
    client.force_login(reporter)
    wb = fill(download(client), {"3": 10})
    del wb["Nhiệm vụ"]
    refused(client, as_upload(wb), "Thiếu trang «Nhiệm vụ»: hãy tải biểu mẫu mới và giữ nguyên trang đó")
    wb = fill(download(client), {"3": 10})
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    total = ws.max_row + 1
    ws.cell(total, header.index("Tên chỉ tiêu") + 1 if "Tên chỉ tiêu" in header else 2).value = "Tổng cộng"
    ws.cell(total, header.index("Giá trị") + 1).value = 99
    ws.cell(total + 1, 2).value = "Ghi chú: số liệu ước"  # and a line under it
    html = refused(client, as_upload(wb), f"dòng {total}, cột «Mã chỉ tiêu»: Dòng không có mã đơn vị hoặc mã chỉ tiêu: dòng tự thêm",
                   f"dòng {total + 1}, cột «Mã chỉ tiêu»: Dòng không có mã đơn vị hoặc mã chỉ tiêu: dòng tự thêm")
    assert "Trùng với dòng" not in html


@pytest.mark.template_context
def test_cells_holding_only_invisible_marks_are_empty_cells(client, reporter):
    """What a copy from a web page leaves in a cell that looks empty: nothing to read, nothing refused."""
    client.force_login(reporter)
    wb = fill(download(client), {"3": 10, "4": "\u200b"})
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "6")
    row[header.index("Ghi chú")].value = " \u2060\ufeff"
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    assert "Chưa lưu gì" not in response.content.decode()
    client.post(reverse("upload"), {"token": response.context["token"]})
    assert dict(Figure.objects.values_list("measure__code", "value")) == {"3": Decimal("10")}


def test_a_zip_bomb_is_refused_without_opening_it(client, reporter):
    client.force_login(reporter)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    refused(client, SimpleUploadedFile("bomb.xlsx", buffer.getvalue()), "giải nén quá lớn")


def test_a_file_over_the_size_limit_is_refused(client, reporter, monkeypatch):
    from targets import template_xlsx

    monkeypatch.setattr(template_xlsx, "MAX_UPLOAD_BYTES", 1000)
    client.force_login(reporter)
    refused(client, as_upload(download(client)), "Tệp quá lớn")


@pytest.mark.template_context
def test_a_locked_period_is_refused_for_the_whole_file(client, reporter, programme):
    client.force_login(reporter)
    wb = fill(download(client), {"3": 10})
    Deadline.objects.filter(campaign=programme, quarter=1).update(due_on=datetime.date(2024, 4, 15))
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    # Said with the preview, before anything is offered for saving.
    assert "Kỳ báo cáo đã đóng" in response.content.decode() and "token" not in response.context
    # A template kept from that quarter and filled in for another: the quarter it is for is said first.
    assert ("Tệp: Tệp là biểu mẫu của Quý I năm 2024; nếu cần báo cáo quý khác, hãy tải biểu mẫu của quý đó."
            in response.content.decode())
    assert not Figure.objects.exists()


@pytest.mark.template_context
def test_a_refused_upload_of_the_quarter_being_collected_gives_only_the_reports_state(client, reporter, programme):
    # The quarter the entry page opens on, already sent: no "if you meant another quarter" before the real reason.
    from targets import workflow
    from targets.models import Measure

    client.force_login(reporter)
    unit = Unit.objects.get(code="024")
    workflow.save_figures(user=reporter, campaign=programme, unit=unit, quarter=1,
                          entries=[workflow.Entry(measure=Measure.objects.get(campaign=programme, code="4"), value=50000)])
    workflow.submit(user=reporter, campaign=programme, unit=unit, quarter=1)
    assert programme.entry_quarter(unit) == 1
    response = client.post(reverse("upload"), {"file": as_upload(fill(download(client), {"3": 10}))})
    html = response.content.decode()
    assert "đang chờ thẩm định" in html and "token" not in response.context
    assert "hãy tải biểu mẫu của quý đó" not in html
    assert not Figure.objects.filter(measure__code="3").exists()


def test_commands_export_and_import_with_the_same_rules(reporter, tmp_path):
    path = tmp_path / "mau.xlsx"
    call_command("export_template", "--year", "2024", "--quarter", "1", "--unit", "024", "--user", "reporter-city", "-o", str(path))
    wb = fill(load_workbook(path), {"3": 50})
    wb.save(path)
    call_command("import_figures", str(path), "--user", "reporter-city")
    assert Figure.objects.get().value == Decimal("50")
    with pytest.raises(CommandError, match="reporter-city không được nhập số liệu cho: 026"):
        call_command("export_template", "--year", "2024", "--quarter", "1", "--unit", "026", "--user", "reporter-city", "-o", str(path))
    wb = fill(load_workbook(path), {"3": 500})
    wb["Nhập liệu"]["O2"].value = None
    bad = tmp_path / "bad.xlsx"
    fill(wb, {"10": 300}).save(bad)
    with pytest.raises(CommandError, match="Tỷ lệ phần trăm"):
        call_command("import_figures", str(bad), "--user", "reporter-city")


def test_import_submit_sends_an_incomplete_report_only_when_asked_and_says_what_it_did(reporter, tmp_path):
    from targets import workflow

    path = tmp_path / "mau.xlsx"
    call_command("export_template", "--year", "2024", "--quarter", "1", "--unit", "024", "--user", "reporter-city", "-o", str(path))
    fill(load_workbook(path), {"3": 50}).save(path)
    unit = Unit.objects.get(code="024")
    lacking = workflow.lacking_from_report(unit.tasks.first().theme.campaign, unit, 1)
    assert "3" in lacking and len(lacking) > 1
    # The entry page asks before sending a report the secretariat would find incomplete; so does the command.
    with pytest.raises(CommandError) as refused:
        call_command("import_figures", str(path), "--user", "reporter-city", "--submit")
    message = str(refused.value)
    assert message.startswith("Chưa lưu hay gửi gì: Các báo cáo này còn thiếu số liệu hoặc đánh giá:")
    assert f"{unit.name} ({', '.join(c for c in lacking if c != '3')})" in message and "--send-incomplete" in message
    assert not Figure.objects.exists() and not Submission.objects.filter(state=Submission.State.SUBMITTED).exists()
    out = io.StringIO()
    call_command("import_figures", str(path), "--user", "reporter-city", "--submit", "--send-incomplete", stdout=out)
    assert out.getvalue().splitlines() == ["Đã lưu 1 số liệu và 0 báo cáo nhiệm vụ.", "Đã gửi để thẩm định: 024."]
    assert Submission.objects.get(unit=unit, quarter=1).state == Submission.State.SUBMITTED


def test_import_warnings_need_accepting(reporter, tmp_path, programme):
    path = tmp_path / "q1.xlsx"
    call_command("export_template", "--year", "2024", "--quarter", "1", "--user", "reporter-city", "-o", str(path))
    fill(load_workbook(path), {"3": 50}).save(path)
    call_command("import_figures", str(path), "--user", "reporter-city")
    q2 = tmp_path / "q2.xlsx"
    call_command("export_template", "--year", "2024", "--quarter", "2", "--user", "reporter-city", "-o", str(q2))
    fill(load_workbook(q2), {"3": 500}).save(q2)
    with pytest.raises(CommandError, match="--accept-warnings"):
        call_command("import_figures", str(q2), "--user", "reporter-city")
    call_command("import_figures", str(q2), "--user", "reporter-city", "--accept-warnings")
    assert Figure.objects.get(submission__quarter=2).value == Decimal("500")


# --- a corpus of hostile uploads: each refused or neutralised with a clear message ------------

def test_too_many_rows_are_refused_without_reading_them_all(client, reporter, monkeypatch):
    from targets import template_xlsx

    monkeypatch.setattr(template_xlsx, "MAX_ROWS", 50)
    client.force_login(reporter)
    wb = download(client)
    ws = wb["Nhập liệu"]
    for i in range(200):
        ws.append(["3", "x", "x", "024", "x", 2024, 1, None, i])
    refused(client, as_upload(wb), "Quá 50 dòng")


@pytest.mark.template_context
def test_empty_rows_are_skipped_and_extra_hidden_sheets_ignored(client, reporter):
    client.force_login(reporter)
    wb = fill(download(client), {"3": 7})
    ws = wb["Nhập liệu"]
    ws.cell(5000, 1).value = None  # stretches the sheet with empty rows
    hidden = wb.create_sheet("bí mật")
    hidden["A1"] = "=HYPERLINK(\"http://x\")"
    hidden.sheet_state = "hidden"
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    # The one row filled in; the other seven, left empty as downloaded, change nothing.
    assert response.context["result"].ok and [r["entry"].measure.code for r in response.context["result"].rows] == ["3"]


def test_merged_cells_over_codes_give_row_level_messages(client, reporter):
    client.force_login(reporter)
    wb = download(client)
    ws = wb["Nhập liệu"]
    ws.protection.sheet = False
    ws.merge_cells("A2:A3")
    ws["I3"] = 5
    refused(client, as_upload(wb), "dòng 3")


def test_merged_value_cells_are_refused_not_read_as_a_figure_cleared(client, reporter):
    # Merging two rows' "Giá trị" keeps the first value and empties the other cell, which would
    # clear that measure's stored figure.
    from tests.test_exact_figures import store

    store(reporter, Unit.objects.get(code="024"), "4", "5000")
    client.force_login(reporter)
    wb = fill(download(client), {"3": 250})
    ws = wb["Nhập liệu"]
    ws.protection.sheet = False
    header = [c.value for c in ws[1]]
    rows = {r[0].value: r[0].row for r in ws.iter_rows(min_row=2)}
    column = get_column_letter(header.index("Giá trị") + 1)
    first, second = sorted((rows["3"], rows["4"]))
    ws.merge_cells(f"{column}{first}:{column}{second}")
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    html = response.content.decode()
    assert f"dòng {first}: Các ô {column}{first}:{column}{second} đang được gộp" in html
    assert dict(Figure.objects.values_list("measure__code", "value")) == {"4": Decimal("5000")}


def test_external_links_are_refused(client, reporter):
    client.force_login(reporter)
    buffer = io.BytesIO()
    source = io.BytesIO(as_upload(download(client)).read())
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(buffer, "w") as copy:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/_rels/workbook.xml.rels":  # the link as Excel writes it: a relationship
                data = data.replace(b"</Relationships>", b'<Relationship Id="rId9" Target="externalLinks/externalLink1.xml" '
                                    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink"/>'
                                    b"</Relationships>")
            copy.writestr(item, data)
        copy.writestr("xl/externalLinks/externalLink1.xml", "<externalLink/>")
    refused(client, SimpleUploadedFile("links.xlsx", buffer.getvalue()), "liên kết tới tệp khác")


@pytest.mark.template_context
def test_html_in_text_cells_is_kept_as_text_and_shown_escaped(client, reporter):
    client.force_login(reporter)
    wb = fill(download(client), {"3": 7})
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3")
    row[header.index("Ghi chú")].value = "<script>alert('x')</script>"
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    client.post(reverse("upload"), {"token": response.context["token"]})
    figure = Figure.objects.get(measure__code="3")
    assert figure.note == "<script>alert('x')</script>"
    page = client.get(reverse("submission", args=[figure.submission_id])).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


@pytest.mark.template_context
def test_words_that_excel_made_numbers_or_dates_are_kept_as_a_vietnamese_excel_shows_them(client, reporter):
    client.force_login(reporter)
    wb = download(client)
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    # The template keeps what is typed in the columns of words as text...
    assert {ws.cell(2, header.index(name) + 1).number_format for name in ("Thuyết minh", "Ghi chú", "Nguồn")} == {"@"}
    tasks = wb["Nhiệm vụ"]
    assert tasks.cell(2, [c.value for c in tasks[1]].index("Thuyết minh") + 1).number_format == "@"
    # ...and where Excel made a number or a date of them anyway (values pasted over the format),
    # they are read as shown, never as Python writes them or as nothing.
    cells = {"3": {"Giá trị": 10, "Ghi chú": 95.5, "Nguồn": datetime.datetime(2024, 4, 15)},
             "4": {"Giá trị": 20, "Ghi chú": 0, "Nguồn": 1234567.25}}
    for row in ws.iter_rows(min_row=2):
        for column, value in cells.get(row[0].value, {}).items():
            row[header.index(column)].value = value
    token = client.post(reverse("upload"), {"file": as_upload(wb)}).context["token"]
    client.post(reverse("upload"), {"token": token})
    saved = {code: (note, source) for code, note, source in Figure.objects.values_list("measure__code", "note", "source")}
    assert saved == {"3": ("95,5", "15/04/2024"), "4": ("0", "1234567,25")}


@pytest.mark.parametrize("garbled", [2.5, True, "2"])
def test_a_version_cell_altered_by_hand_never_lets_a_stale_row_overwrite_a_newer_figure(client, reporter, tmp_path, garbled):
    from targets import workflow
    from targets.models import Campaign, Measure

    campaign = Campaign.objects.get(year=2024)
    unit, budget = Unit.objects.get(code="024"), Measure.objects.get(campaign=campaign, code="3")
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1, entries=[workflow.Entry(measure=budget, value=100)])
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1,
                          entries=[workflow.Entry(measure=budget, value=200, version=1)])  # version 2, saved on the page
    client.force_login(reporter)
    wb = fill(download(client), {"3": 300})
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3")
    row[header.index("Phiên bản")].value = garbled  # the page's version was 2; this cell no longer says which
    path = tmp_path / "mau.xlsx"
    wb.save(path)
    with pytest.raises(CommandError, match=r"Chỉ tiêu 3 đã được sửa sau khi tải biểu mẫu này \(đang lưu: 200,0\)"):
        call_command("import_figures", str(path), "--user", reporter.username)
    assert Figure.objects.get(measure=budget).value == 200


@pytest.mark.template_context
def test_an_old_template_writes_only_its_changed_rows_not_the_ones_changed_on_the_web_since(client, reporter):
    from targets import workflow
    from targets.models import Campaign, Measure

    campaign = Campaign.objects.get(year=2024)
    unit, arrivals = Unit.objects.get(code="024"), Measure.objects.get(campaign=campaign, code="4")
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1, entries=[workflow.Entry(measure=arrivals, value=50001)])
    client.force_login(reporter)
    old = download(client)  # shows arrivals 50.001, version 1
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1,
                          entries=[workflow.Entry(measure=arrivals, value=50002, version=1)])  # corrected on the page since
    response = client.post(reverse("upload"), {"file": as_upload(fill(old, {"3": 100.3}))})  # only the budget row typed
    html = response.content.decode()
    assert "50.001" not in html  # the untouched row is not offered as a change
    response = client.post(reverse("upload"), {"token": response.context["token"]}, follow=True)
    assert "Đã lưu 1 số liệu từ bảng tính." in response.content.decode()
    values = dict(Figure.objects.values_list("measure__code", "value"))
    assert values == {"3": Decimal("100.3"), "4": Decimal("50002")}  # the page's correction stands


@pytest.mark.template_context
def test_the_preview_names_the_period_and_shows_what_is_saved_now_and_a_cleared_row_is_confirmed(client, reporter):
    import html as html_module

    from targets import workflow
    from targets.models import Campaign, Measure

    campaign = Campaign.objects.get(year=2024)
    unit = Unit.objects.get(code="024")
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1, entries=[
        workflow.Entry(measure=Measure.objects.get(campaign=campaign, code="4"), value=50002)])
    client.force_login(reporter)
    wb = fill(download(client), {"3": 100.3, "4": None})  # the budget typed; the arrivals cleared, as "clear contents" does
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    page = " ".join(html_module.unescape(response.content.decode()).split())
    assert "Xem trước · Quý I năm 2024 · Thành phố Hà Giang" in page  # what the file writes to, before saving
    assert re.search(r'<td data-label="Đang lưu">50\.002 <small class="d-block text-muted">Chính thức</small></td> '
                     r'<td data-label="Trong tệp"><strong>sẽ xóa</strong></td>', page), page
    assert '<td data-label="Đang lưu">–</td> <td data-label="Trong tệp">100,3</td> <td data-label="Loại số liệu">Chính thức</td>' in page
    assert "Dòng để trống: số liệu đã lưu của chỉ tiêu 4 (50.002) sẽ bị xóa." in page
    # Deleting a saved figure is confirmed like an unusual figure.
    unconfirmed = client.post(reverse("upload"), {"token": response.context["token"]})
    assert "Chưa lưu: hãy kiểm tra các cảnh báo (số liệu bất thường, số liệu sẽ bị xóa)" in unconfirmed.content.decode()
    assert dict(Figure.objects.values_list("measure__code", "value")) == {"4": Decimal("50002")}
    client.post(reverse("upload"), {"token": response.context["token"], "confirm": "1"})
    assert dict(Figure.objects.values_list("measure__code", "value")) == {"3": Decimal("100.3")}



@pytest.mark.template_context
def test_an_unknown_kind_of_figure_is_said_in_its_own_column_with_the_words_to_choose(client, reporter):
    client.force_login(reporter)
    wb = fill(download(client), {"3": 10, "4": 20})
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    rows["3"][header.index("Loại số liệu")].value = "ước tính"  # lower case: read
    rows["4"][header.index("Loại số liệu")].value = "Ước lượng"  # not a word of the list
    html = client.post(reverse("upload"), {"file": as_upload(wb)}).content.decode()
    assert f"dòng {rows['4'][0].row}, cột «Loại số liệu»: Hãy chọn một trong: “Ước tính”, “Chính thức”." in html
    assert "cột «Giá trị»" not in html and f"dòng {rows['3'][0].row}" not in html



@pytest.mark.template_context
def test_words_typed_with_separate_accent_marks_read_as_the_words_they_look_like(client, reporter):
    """Unikey's "Unicode tổ hợp", or text pasted from a Mac or a PDF, puts each accent after its letter."""
    import unicodedata

    client.force_login(reporter)
    wb = fill(download(client), {"3": 10})
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3")
    row[header.index("Loại số liệu")].value = unicodedata.normalize("NFD", "Ước tính")
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    assert "Hãy chọn một trong" not in response.content.decode()
    client.post(reverse("upload"), {"token": response.context["token"]})
    assert Figure.objects.get(measure__code="3").kind == "estimate"


def test_the_instructions_name_the_quarter_as_the_pages_do(client, reporter):
    client.force_login(reporter)
    assert download(client)["Hướng dẫn"]["A1"].value == "Biểu mẫu nhập số liệu Quý I năm 2024"


@pytest.mark.template_context
def test_clearing_a_year_to_date_reported_alone_names_it_in_the_warning(client, reporter):
    from targets import workflow
    from targets.models import Campaign, Measure

    campaign = Campaign.objects.get(year=2024)
    workflow.save_figures(user=reporter, campaign=campaign, unit=Unit.objects.get(code="024"), quarter=1, entries=[
        workflow.Entry(measure=Measure.objects.get(campaign=campaign, code="3"), cumulative=Decimal("61.25"))])
    client.force_login(reporter)
    wb = download(client)
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3")
    row[header.index("Lũy kế từ đầu năm")].value = None  # cleared
    page = client.post(reverse("upload"), {"file": as_upload(wb)}).content.decode()
    assert "số liệu đã lưu của chỉ tiêu 3 (61,25) sẽ bị xóa" in page


@pytest.mark.template_context
def test_a_year_to_date_typed_alone_in_the_workbook_is_checked_on_the_quarter_it_means(client, reporter):
    from targets import workflow
    from targets.models import Campaign, Measure

    campaign = Campaign.objects.get(year=2024)
    unit, budget = Unit.objects.get(code="024"), Measure.objects.get(campaign=campaign, code="3")
    for quarter, value in ((1, 50), (2, Decimal("45.2"))):
        workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=quarter, entries=[workflow.Entry(measure=budget, value=value)])
    client.force_login(reporter)
    wb = download(client, quarter=3)
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3")
    row[header.index("Lũy kế từ đầu năm")].value = "150.500"  # 150,5 meant
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    html = response.content.decode()
    assert ("Số lũy kế từ đầu năm (150.500,0) nghĩa là quý này 150.404,8, thay đổi 332.654 % so với quý trước (45,2); "
            "hãy kiểm tra và xác nhận.") in html
    assert f"dòng {row[0].row}, cột «Lũy kế từ đầu năm»" in html and "cột «Giá trị»" not in html  # the column typed in
    unconfirmed = client.post(reverse("upload"), {"token": response.context["token"]})
    assert "Chưa lưu: hãy kiểm tra các cảnh báo" in unconfirmed.content.decode()
    assert not Figure.objects.filter(submission__quarter=3).exists()


@pytest.mark.template_context
def test_the_preview_says_a_year_to_date_that_does_not_add_up_with_the_quarters(client, reporter):
    from targets import workflow
    from targets.models import Campaign, Measure

    campaign = Campaign.objects.get(year=2024)
    unit, budget = Unit.objects.get(code="024"), Measure.objects.get(campaign=campaign, code="3")
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1, entries=[workflow.Entry(measure=budget, value=50)])
    client.force_login(reporter)
    wb = download(client, quarter=2)
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3")
    row[header.index("Giá trị")].value = 45.3
    row[header.index("Lũy kế từ đầu năm")].value = "171,8"  # 95,3 with the first quarter's 50
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    assert "6 tháng: số lũy kế báo cáo (171,8) khác tổng số các quý (95,3)." in response.content.decode()
    assert "Chưa lưu: hãy kiểm tra các cảnh báo" in client.post(reverse("upload"), {"token": response.context["token"]}).content.decode()


@pytest.mark.template_context
def test_a_note_without_a_figure_is_refused_not_dropped_and_a_cleared_figure_is_counted(client, reporter):
    from targets import workflow
    from targets.models import Campaign, Measure

    campaign = Campaign.objects.get(year=2024)
    unit, budget = Unit.objects.get(code="024"), Measure.objects.get(campaign=campaign, code="3")
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1,
                          entries=[workflow.Entry(measure=budget, value=Decimal("57.25"), note="lần 1")])
    client.force_login(reporter)
    wb = download(client)
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    rows["4"][header.index("Ghi chú")].value = "Chỉ tiêu công bố hằng năm, chưa có số liệu"  # no figure on the row
    rows["3"][header.index("Giá trị")].value = None  # the figure cleared, its note kept
    html = client.post(reverse("upload"), {"file": as_upload(wb)}).content.decode()
    said = "Ghi chú và nguồn đi kèm một số liệu: hãy nhập số liệu, hoặc xóa ghi chú và nguồn"
    assert "Chưa lưu gì" in html and "Không có gì để lưu" not in html
    assert f"dòng {rows['4'][0].row}, cột «Ghi chú»: {said}" in html and f"dòng {rows['3'][0].row}, cột «Ghi chú»: {said}" in html
    assert Figure.objects.get(measure=budget).note == "lần 1"
    # The figure and its note both cleared: deleted, and said so.
    rows["4"][header.index("Ghi chú")].value = None
    rows["3"][header.index("Ghi chú")].value = None
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    saved = client.post(reverse("upload"), {"token": response.context["token"], "confirm": "1"}, follow=True).content.decode()
    assert "Đã xóa 1 số liệu đã lưu có dòng được để trống." in saved
    assert not Figure.objects.filter(measure=budget).exists()


def test_a_row_changing_only_its_kind_or_words_shows_the_saved_ones_beside_the_files(client, reporter):
    from targets import workflow
    from targets.models import Campaign, Measure

    campaign = Campaign.objects.get(year=2024)
    unit, budget = Unit.objects.get(code="024"), Measure.objects.get(campaign=campaign, code="3")
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1,
                          entries=[workflow.Entry(measure=budget, value=Decimal("152"), note="Theo Sở Tài chính", source="Báo cáo 12/BC-STC")])
    client.force_login(reporter)
    wb = download(client)
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3")
    row[header.index("Loại số liệu")].value = "Ước tính"
    html = client.post(reverse("upload"), {"file": as_upload(wb)}).content.decode()
    saved_cell = html.split('data-label="Đang lưu">', 1)[1].split("</td>", 1)[0]
    assert "152" in saved_cell and "Chính thức" in saved_cell and "Theo Sở Tài chính" in saved_cell and "Báo cáo 12/BC-STC" in saved_cell


def test_a_row_changed_on_the_web_since_the_download_is_said_at_the_preview_with_what_is_saved(client, reporter):
    """Not after the person confirmed the preview: then the whole upload was refused, blaming "someone else"."""
    from targets import workflow
    from targets.models import Campaign, Measure

    campaign = Campaign.objects.get(year=2024)
    unit, budget = Unit.objects.get(code="024"), Measure.objects.get(campaign=campaign, code="3")
    client.force_login(reporter)
    old = download(client)  # no figure of measure 3 yet
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1, entries=[workflow.Entry(measure=budget, value=50)])
    html = client.post(reverse("upload"), {"file": as_upload(fill(old, {"3": 55, "4": 20000}))}).content.decode()
    assert "Chưa lưu gì" in html
    assert "Chỉ tiêu 3 đã được sửa sau khi tải biểu mẫu này (đang lưu: 50,0); hãy tải biểu mẫu mới, hoặc để nguyên dòng này" in html
    assert "người khác" not in html and 'name="token"' not in html
    assert dict(Figure.objects.values_list("measure__code", "value")) == {"3": 50}


@pytest.mark.template_context
def test_a_row_that_came_empty_and_was_filled_on_the_web_since_is_kept_when_left_empty(client, reporter):
    """One person types on the web, another fills the Excel: the row the second left as it came
    (empty) is neither a conflict nor written; the colleague's figure stays."""
    from targets import workflow
    from targets.models import Campaign, Measure

    campaign = Campaign.objects.get(year=2024)
    unit, budget = Unit.objects.get(code="024"), Measure.objects.get(campaign=campaign, code="3")
    client.force_login(reporter)
    old = download(client)  # no figure of measure 3 yet: its row comes empty, without a version
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1, entries=[workflow.Entry(measure=budget, value=40)])
    response = client.post(reverse("upload"), {"file": as_upload(fill(old, {"4": 50000}))})  # only arrivals typed
    html = response.content.decode()
    assert "Chưa lưu gì" not in html and "đã được sửa sau khi tải" not in html and "sẽ bị xóa" not in html
    saved = client.post(reverse("upload"), {"token": response.context["token"]}, follow=True).content.decode()
    assert "Đã lưu 1 số liệu từ bảng tính." in saved
    assert dict(Figure.objects.values_list("measure__code", "value")) == {"3": 40, "4": 50000}


@pytest.mark.template_context
def test_a_row_that_came_with_a_figure_deleted_on_the_web_since_is_no_conflict_when_left_as_downloaded(client, reporter):
    """The figure deleted on the page after the download: its row, untouched in the file, neither
    blocks the upload nor puts the figure back; a row changed over it is still a conflict."""
    from targets import workflow
    from targets.models import Campaign, Measure

    campaign = Campaign.objects.get(year=2024)
    unit, budget = Unit.objects.get(code="024"), Measure.objects.get(campaign=campaign, code="3")
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1, entries=[workflow.Entry(measure=budget, value=40)])
    client.force_login(reporter)
    old = download(client)  # measure 3 comes with 40, version 1
    outcome = workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1,
                                    entries=[workflow.Entry(measure=budget, version=1)])  # cleared on the page
    assert outcome.removed == 1 and not Figure.objects.exists()
    response = client.post(reverse("upload"), {"file": as_upload(fill(old, {"4": 50000}))})
    html = response.content.decode()
    assert "Chưa lưu gì" not in html and "đã được sửa sau khi tải" not in html and "sẽ bị xóa" not in html
    assert "chỉ tiêu 3 đã được sửa trên trang web sau đó (đang lưu: không có, số liệu đã bị xóa): dòng này không được ghi" in html
    assert [row["entry"].measure.code for row in response.context["result"].rows] == ["4"]
    saved = client.post(reverse("upload"), {"token": response.context["token"]}, follow=True).content.decode()
    assert "Đã lưu 1 số liệu từ bảng tính." in saved
    assert dict(Figure.objects.values_list("measure__code", "value")) == {"4": 50000}
    row = next(r[0].row for r in old["Nhập liệu"].iter_rows(min_row=2) if r[0].value == "3")
    html = client.post(reverse("upload"), {"file": as_upload(fill(old, {"3": 45}))}).content.decode()
    assert (f"Nhập liệu, dòng {row}, cột «Giá trị»: Chỉ tiêu 3 đã được sửa sau khi tải biểu mẫu này (đang lưu: không có, "
            "số liệu đã bị xóa)") in html
    # Entered again on the page since (a new figure, its version going on from the deleted one's): the
    # row as downloaded (40, version 1) still blocks nothing and puts nothing back.
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1, entries=[workflow.Entry(measure=budget, value=50)])
    html = client.post(reverse("upload"), {"file": as_upload(fill(old, {"3": 40}))}).content.decode()  # 4 as saved above
    assert "Chưa lưu gì" not in html and "đã được sửa sau khi tải" not in html
    assert dict(Figure.objects.values_list("measure__code", "value")) == {"3": 50, "4": 50000}


@pytest.mark.template_context
def test_a_year_and_quarter_typed_as_text_are_the_templates_and_another_quarter_is_named(client, reporter):
    client.force_login(reporter)
    wb = fill(download(client), {"3": 40})
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):  # typed again in cells formatted as text, or kept as 2024.0
        row[header.index("Năm")].value, row[header.index("Quý")].value = " 2024", 1.0
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    assert response.context["result"].ok and [r["entry"].measure.code for r in response.context["result"].rows] == ["3"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3")
    row[header.index("Quý")].value = "2"
    html = client.post(reverse("upload"), {"file": as_upload(wb)}).content.decode()
    assert (f"Nhập liệu, dòng {row[0].row}, cột «Quý»: Dòng ghi năm “2024”, quý “2”, còn biểu mẫu là của Quý I năm 2024: "
            "năm và quý là của biểu mẫu, không được sửa; hãy tải biểu mẫu của quý bạn muốn nhập.") in html
    assert not Figure.objects.exists()


@pytest.mark.template_context
def test_a_target_changed_in_the_file_is_not_read_and_said_and_an_untouched_one_says_nothing(client, admin_user, open_year):
    from targets.models import Measure

    client.force_login(admin_user)
    wb = download(client)  # every unit: the province's targets and the units' pledges
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    assert not any("Kế hoạch" in note for note in response.context["result"].notes)
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    lead = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3" and r[header.index("Kế hoạch")].value is not None)
    unit = lead[header.index("Mã đơn vị")].value
    target = Measure.objects.get(campaign__year=2024, code="3").target
    assert target == Decimal(2460)
    lead[header.index("Kế hoạch")].value, lead[header.index("Giá trị")].value = 2500, 40
    city = next(r for r in ws.iter_rows(min_row=2) if r[header.index("Mã đơn vị")].value == "024" and r[0].value == "3")
    city[header.index("Kế hoạch")].value = "100"  # a district without a pledge for it
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    said = "tải tệp lên không thay đổi kế hoạch, vốn do chương trình và giao ước quy định; số liệu của dòng vẫn được đọc."
    assert sorted(response.context["result"].notes) == sorted([
        f"Nhập liệu, dòng {lead[0].row}, cột «Kế hoạch»: Kế hoạch trong tệp (2500) khác kế hoạch của chỉ tiêu 3 (2.460,0): {said}",
        f"Nhập liệu, dòng {city[0].row}, cột «Kế hoạch»: Kế hoạch trong tệp (100) khác kế hoạch của chỉ tiêu 3 (không có): {said}"])
    client.post(reverse("upload"), {"token": response.context["token"]})
    assert Figure.objects.get(submission__unit__code=unit, measure__code="3").value == 40
    assert Measure.objects.get(campaign__year=2024, code="3").target == target
    # The target kept as Vietnamese text is the same target; a formula there is said as a formula only.
    lead[header.index("Kế hoạch")].value, lead[header.index("Giá trị")].value = "2.460", 41
    city[header.index("Kế hoạch")].value = "=1+1"
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    notes, problems = response.context["result"].notes, [str(p) for p in response.context["result"].problems]
    assert not any("Kế hoạch" in note for note in notes), notes
    assert [p for p in problems if "Kế hoạch" in p] == [f"Nhập liệu, dòng {city[0].row}, cột «Kế hoạch»: Ô chứa công thức; hãy "
                                                         "nhập giá trị của nó, không dùng công thức."], problems


def test_a_file_left_as_downloaded_over_figures_changed_since_says_so_not_that_it_is_as_saved(client, reporter):
    """"Nothing to save" never says the file is as saved when a row left as downloaded shows a figure
    deleted, or deleted and entered again, on the web since: each such row is named with what stands."""
    from targets import workflow
    from targets.models import Campaign, Measure

    campaign = Campaign.objects.get(year=2024)
    unit, budget = Unit.objects.get(code="024"), Measure.objects.get(campaign=campaign, code="3")
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1, entries=[workflow.Entry(measure=budget, value=40)])
    client.force_login(reporter)
    old = download(client)  # measure 3 comes with 40
    row = next(r[0].row for r in old["Nhập liệu"].iter_rows(min_row=2) if r[0].value == "3")
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1,
                          entries=[workflow.Entry(measure=budget, version=1)])  # cleared on the page
    html = client.post(reverse("upload"), {"file": as_upload(old)}, follow=True).content.decode()
    assert "đều đã được lưu như vậy" not in html
    assert "Không có gì để lưu: các dòng để nguyên như khi tải về không được ghi đè" in html
    assert (f"Nhập liệu, dòng {row}, cột «Giá trị»: Dòng còn nguyên như khi tải về, nhưng chỉ tiêu 3 đã được sửa trên "
            "trang web sau đó (đang lưu: không có, số liệu đã bị xóa): dòng này không được ghi; giữ nguyên số đang lưu.") in html
    assert not Figure.objects.exists()
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1, entries=[workflow.Entry(measure=budget, value=50)])
    html = client.post(reverse("upload"), {"file": as_upload(old)}).content.decode()
    assert "chỉ tiêu 3 đã được sửa trên trang web sau đó (đang lưu: 50,0): dòng này không được ghi" in html
    # Saved again as the file shows it: the file is as saved, and said so.
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1, entries=[workflow.Entry(measure=budget, value=40, version=Figure.objects.get().version)])
    html = client.post(reverse("upload"), {"file": as_upload(old)}).content.decode()
    assert "Dòng còn nguyên" not in html and "mọi số liệu và báo cáo nhiệm vụ trong tệp đều đã được lưu như vậy" in html
    assert Figure.objects.get().value == 40


@pytest.mark.template_context
def test_a_row_changing_only_its_note_asks_nothing_of_its_figure(client, reporter):
    from targets import workflow
    from targets.models import Campaign, Measure

    campaign = Campaign.objects.get(year=2024)
    unit, budget = Unit.objects.get(code="024"), Measure.objects.get(campaign=campaign, code="3")
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=1, entries=[workflow.Entry(measure=budget, value=50)])
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=2, entries=[workflow.Entry(measure=budget, value=500)])
    client.force_login(reporter)
    wb = download(client, quarter=2)
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3")
    row[header.index("Ghi chú")].value = "Theo Kho bạc"
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    assert 'name="confirm"' not in response.content.decode()  # the tenfold jump was the saved figure's, confirmed then
    client.post(reverse("upload"), {"token": response.context["token"]})
    assert Figure.objects.get(measure=budget, submission__quarter=2).note == "Theo Kho bạc"


def test_an_upload_after_a_quarter_without_a_figure_is_checked_against_the_last_quarter_with_one(client, reporter):
    from targets import workflow
    from targets.models import Campaign, Measure

    campaign = Campaign.objects.get(year=2024)
    unit, budget = Unit.objects.get(code="024"), Measure.objects.get(campaign=campaign, code="3")
    workflow.save_figures(user=reporter, campaign=campaign, unit=unit, quarter=2, entries=[workflow.Entry(measure=budget, value=Decimal("85.8"))])
    client.force_login(reporter)
    html = client.post(reverse("upload"), {"file": as_upload(fill(download(client, quarter=4), {"3": "1.234"}))}).content.decode()
    assert "Thay đổi 1.338 % so với quý II (85,8), quý gần nhất có số liệu; hãy kiểm tra và xác nhận." in html
    assert 'name="confirm"' in html


@pytest.mark.template_context
def test_codes_typed_in_another_letter_case_or_with_a_space_read_as_the_codes_they_are(client, reporter):
    client.force_login(reporter)
    wb = fill(download(client), {"14a": 3})
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "14a")
    row[header.index("Mã chỉ tiêu")].value, row[header.index("Mã đơn vị")].value = "14A", "024 "
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    assert "Chưa lưu gì" not in response.content.decode(), response.content.decode()[-3000:]
    client.post(reverse("upload"), {"token": response.context["token"]})
    assert dict(Figure.objects.values_list("measure__code", "value")) == {"14a": Decimal("3")}


@pytest.mark.template_context
def test_codes_that_excel_made_numbers_or_that_carry_invisible_marks_read_as_the_codes_they_are(client, reporter):
    # Excel makes a unit code typed as "024" the number 24 (and measure "3" the number 3); a code
    # pasted from a web page brings spaces and a zero-width space with it.
    client.force_login(reporter)
    wb = fill(download(client), {"3": 250, "14a": 3})
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    rows["3"][header.index("Mã đơn vị")].value, rows["3"][header.index("Mã chỉ tiêu")].value = 24, 3
    rows["14a"][header.index("Mã đơn vị")].value = " 024\u200b"
    rows["4"][header.index("Mã đơn vị")].value = "24"  # typed as text, in a cell formatted as text
    fill(wb, {"4": 45000})
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    assert "Chưa lưu gì" not in response.content.decode(), response.content.decode()[-3000:]
    assert [(row["unit"].code, row["entry"].measure.code) for row in response.context["result"].rows] == [
        ("024", "3"), ("024", "4"), ("024", "14a")]
    client.post(reverse("upload"), {"token": response.context["token"]})
    assert dict(Figure.objects.values_list("measure__code", "value")) == {"3": Decimal("250"), "4": Decimal("45000"), "14a": Decimal("3")}
    assert set(Figure.objects.values_list("submission__unit__code", flat=True)) == {"024"}


def test_an_unknown_or_ambiguous_code_is_named_as_typed_with_its_row(client, reporter):
    client.force_login(reporter)
    wb = fill(download(client), {"3": 250, "4": 45000, "14a": 3})
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    rows["3"][header.index("Mã đơn vị")].value = 25  # there is no unit 025
    rows["4"][header.index("Mã chỉ tiêu")].value = " 99\u200b"
    line = {code: row[0].row for code, row in rows.items()}
    html = refused(client, as_upload(wb), f"dòng {line['3']}, cột «Mã đơn vị»: Mã đơn vị “25” không có trong danh sách đơn vị.",
                   f"dòng {line['4']}, cột «Mã chỉ tiêu»: Mã chỉ tiêu “99” không có trong chương trình năm 2024.")
    assert html.count(f"dòng {line['3']},") == html.count(f"dòng {line['4']},") == 1  # not also "does not report"
    client.cookies["django_language"] = "en"
    refused(client, as_upload(wb), f"Nhập liệu, row {line['3']}, column “Mã đơn vị”: Unit code “25” is not in the list of units.",
            f"Nhập liệu, row {line['4']}, column “Mã chỉ tiêu”: Measure code “99” is not in the 2024 programme.")
    # 24 is 024 only while no other code reads as 24: with 0024 too, neither is guessed.
    Unit.objects.create(code="0024", name="Đơn vị thử", kind="locality")
    client.cookies["django_language"] = "vi"
    wb = fill(download(client), {"3": 250})
    ws = wb["Nhập liệu"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3")
    row[header.index("Mã đơn vị")].value = 24
    refused(client, as_upload(wb), f"dòng {row[0].row}, cột «Mã đơn vị»: Excel đã đổi mã thành số 24, có thể là mã 0024, 024: "
                                   "hãy định dạng ô là Văn bản (Text) và gõ lại mã.")


@pytest.mark.template_context
def test_task_codes_and_unit_codes_on_the_tasks_sheet_read_as_typed(client, open_year):
    from targets.models import Task, TaskReport

    finance = Unit.objects.get(code="STC")
    client.force_login(make_user("reporter-stc", "reporter", units=[finance]))
    wb = download(client)
    ws = wb["Nhiệm vụ"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "2.2")
    # Task 2.2 that Excel made the number 2.2, unit STC typed in small letters with invisible marks around it.
    for column, value in {"Mã nhiệm vụ": 2.2, "Mã đơn vị": "\u00a0stc\u200b", "Đánh giá": "Hoàn thành nhiệm vụ",
                          "Thuyết minh": "Đã rà soát chi thường xuyên."}.items():
        row[header.index(column)].value = value
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    assert "Chưa lưu gì" not in response.content.decode(), response.content.decode()[-3000:]
    client.post(reverse("upload"), {"token": response.context["token"]})
    task = Task.objects.get(theme__number=2, number=2)
    assert TaskReport.objects.get(task=task, submission__unit=finance).verdict == "completed"
    # 2.1 made a number could be task 2.1 or 2.10: neither is guessed. An unknown code is named as typed.
    assert Task.objects.filter(theme__number=2, number=10).exists()
    row[header.index("Mã nhiệm vụ")].value, row[header.index("Thuyết minh")].value = 2.1, "Khác."
    other = next(r for r in ws.iter_rows(min_row=2) if r[0].value not in ("2.2", None) and r[0].row != row[0].row)
    other[header.index("Mã đơn vị")].value, other[header.index("Đánh giá")].value = "STC9", "Hoàn thành nhiệm vụ"
    other[header.index("Thuyết minh")].value = "Có."
    html = client.post(reverse("upload"), {"file": as_upload(wb)}).content.decode()
    assert (f"Nhiệm vụ, dòng {row[0].row}, cột «Mã nhiệm vụ»: Excel đã đổi mã thành số 2.1, có thể là mã 2.1, 2.10: hãy định "
            "dạng ô là Văn bản (Text) và gõ lại mã.") in html
    assert f"Nhiệm vụ, dòng {other[0].row}, cột «Mã đơn vị»: Mã đơn vị “STC9” không có trong danh sách đơn vị." in html
    assert TaskReport.objects.get(task=task, submission__unit=finance).narrative == "Đã rà soát chi thường xuyên."


def test_a_file_whose_only_change_is_another_units_row_says_nothing_of_yours_changed(client, reporter):
    """The not-read line beside it: never "every figure in the file is as already saved" (the other unit's is not)."""
    client.force_login(reporter)
    wb = download(client, unit=["024"])
    ws = wb["Nhập liệu"]
    ws.protection.sheet = False
    ws.cell(2, 4).value = "026"
    ws.cell(2, 9).value = 999
    html = client.post(reverse("upload"), {"file": as_upload(wb)}).content.decode()
    assert "Không đọc các dòng của những đơn vị bạn không nhập số liệu" in html
    assert "mọi số liệu và báo cáo nhiệm vụ trong tệp đều đã được lưu như vậy" not in html
    assert ("Không có gì để lưu: mọi số liệu và báo cáo nhiệm vụ của các đơn vị của bạn trong tệp đều đã được lưu như vậy."
            in html)
    assert not Figure.objects.exists()


def test_a_reporter_whose_unit_was_deactivated_is_told_so_by_the_template_download_as_by_the_entry_page(client, reporter):
    city = Unit.objects.get(code="024")
    city.is_active = False
    city.save()
    client.force_login(reporter)

    def refusal(name, params):
        response = client.get(reverse(name), {"year": 2024, "quarter": 1, **params})
        assert response.status_code == 403
        return re.search(r'role="alert">(.*?)</div>', response.content.decode(), re.S).group(1)

    for params in ({}, {"unit": "024"}):
        said = refusal("template-download", params)
        assert "chưa được gắn với đơn vị nào" not in said and "Bạn chỉ tải được biểu mẫu" not in said
        assert "Thành phố Hà Giang" in said and "hoạt động" in said
        assert said == refusal("entry", params)  # the entry page says the same for the same request
    # An unknown unit is one, as on the entry page; another unit's is refused by its name.
    assert client.get(reverse("template-download"), {"year": 2024, "quarter": 1, "unit": "XYZ"}).status_code == 404
    response = client.get(reverse("template-download"), {"year": 2024, "quarter": 1, "unit": "026"})
    assert response.status_code == 403 and "Số liệu này thuộc đơn vị khác" in response.content.decode()


def test_the_template_and_the_entry_page_read_the_unit_parameter_alike(client, reporter, reviewer):
    """Several unit= values, empty ones, other letter case: one reading for both pages (views.common.unit_codes).
    Every unit asked for is checked; an empty value is no unit given; "stc" is STC (codes are unique in any case)."""
    def asked(who, name, query):
        client.force_login(who)
        response = client.get(reverse(name) + "?year=2024&quarter=1&" + query)
        if response.status_code != 200:
            return response.status_code
        if name == "template-download":
            return re.search(r"q1-(.*)\.xlsx", response["Content-Disposition"]).group(1)
        return re.search(r'<input type="hidden" name="unit" value="([^"]*)">', response.content.decode()).group(1)

    for name in ("entry", "template-download"):
        # Another unit beside one's own, in either order: refused on both pages (the entry page let the last win).
        assert asked(reporter, name, "unit=026&unit=024") == 403
        assert asked(reporter, name, "unit=024&unit=026") == 403
        # Empty: not given, so one's own unit (the download answered 404).
        assert asked(reporter, name, "unit=") == "024"
        assert asked(reporter, name, "unit=&unit=024&unit=%20") == "024"
        assert asked(reporter, name, "unit=024&unit=024") == "024"
        # Codes in any letter case, and the unit's own code kept in what the page gives back.
        assert asked(reviewer, name, "unit=stc") == "STC"
        assert asked(reviewer, name, "unit=XYZ") == 404
    # The entry page shows one unit, the first asked for; the template holds each.
    assert asked(reviewer, "entry", "unit=024&unit=026") == "024"
    assert asked(reviewer, "template-download", "unit=024&unit=026") == "nhieu-don-vi"
