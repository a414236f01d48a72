"""The pledge workbook: template out, pledges in, by command and by page; strict and atomic."""

import datetime
import io
import re
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from targets import pledge_xlsx
from targets.models import Measure, Pledge, Unit, UploadPreview
from tests.conftest import PASSWORD, make_user
from tests.test_ranking import pledge

COL = {name: i + 1 for i, name in enumerate(pledge_xlsx.COLUMNS)}


def template(tmp_path, programme):
    path = tmp_path / "giao-uoc.xlsx"
    call_command("export_pledge_template", "--year", "2024", "-o", str(path))
    return path


def fill(path, rows: dict):
    """rows: (unit code, measure code) → (target, signed on, document)."""
    wb = load_workbook(path)
    ws = wb[pledge_xlsx.SHEET]
    for row in ws.iter_rows(min_row=2):
        key = (row[0].value, row[2].value)
        if key in rows:
            target, signed, document = rows[key]
            ws.cell(row[0].row, COL["Chỉ tiêu giao ước"], target)
            ws.cell(row[0].row, COL["Ngày ký"], signed)
            ws.cell(row[0].row, COL["Văn bản giao ước"], document)
    wb.save(path)
    return path


def token_of(response) -> str:
    found = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert found, "no preview to save"
    return found.group(1)


def downloaded(client, tmp_path, name="t.xlsx"):
    path = tmp_path / name
    path.write_bytes(client.get(reverse("pledge-template"), {"year": 2024}).content)
    return path


def post_file(client, path):
    with open(path, "rb") as handle:
        return client.post(reverse("pledges"), {"year": 2024, "file": handle})


def text_of(response) -> str:
    """The page's words, tags and spacing left out."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_template_lists_every_unit_and_figure_measure_it_reports(tmp_path, programme):
    ws = load_workbook(template(tmp_path, programme))[pledge_xlsx.SHEET]
    rows = {(r[0], r[2]): r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert ("024", "3") in rows and ("024", "14a") in rows and ("STC", "3") in rows
    assert ("BCHQS", "15") not in rows  # assessed in words: nothing to pledge
    assert rows[("024", "3")][5] == 2460  # the province's target beside it
    assert ws.protection.sheet


def test_import_saves_every_pledge_and_a_second_run_changes_nothing(tmp_path, programme, admin_user, capsys):
    path = fill(template(tmp_path, programme), {
        ("024", "3"): (250, datetime.datetime(2024, 1, 15), "Giao ước số 01/GƯTĐ"),
        ("026", "14a"): ("12", "20/01/2024", ""),
    })
    call_command("import_pledges", str(path), "--user", admin_user.username)
    assert "Đã lưu 2 giao ước mới và 0 giao ước thay đổi" in capsys.readouterr().out
    city = Pledge.objects.get(unit__code="024", measure__code="3")
    assert (city.target, city.signed_on, city.document, city.entered_by) == (D(250), datetime.date(2024, 1, 15), "Giao ước số 01/GƯTĐ", admin_user)
    assert city.history.first().history_change_reason == "Nhập từ biểu mẫu giao ước thi đua"
    call_command("import_pledges", str(path), "--user", admin_user.username)
    assert "Đã lưu 0 giao ước mới và 0 giao ước thay đổi; 2 giao ước không đổi." in capsys.readouterr().out
    # The exported template carries the pledges back out.
    rows = {(r[0], r[2]): r for r in load_workbook(template(tmp_path, programme))[pledge_xlsx.SHEET].iter_rows(min_row=2, values_only=True)}
    assert rows[("024", "3")][6] == 250


def test_every_problem_is_listed_and_nothing_is_saved(tmp_path, programme, admin_user):
    path = fill(template(tmp_path, programme), {
        ("024", "3"): (250, datetime.datetime(2024, 1, 15), ""),  # valid, but not saved because of the others
        ("024", "10"): (120, datetime.datetime(2024, 1, 15), ""),  # a percentage over 100
        ("026", "14a"): ("12,5", datetime.datetime(2024, 1, 15), ""),  # a count with decimals
        ("027", "3"): ("", "15/01/2024", "x" * 201),  # no figure, document too long
        ("028", "3"): (100, "ngày 15", ""),  # not a date
        ("029", "3"): ("=1+1", datetime.datetime(2024, 1, 15), ""),  # a formula
    })
    with pytest.raises(CommandError) as refused:
        call_command("import_pledges", str(path), "--user", admin_user.username)
    text = str(refused.value)
    assert "Tỷ lệ phần trăm phải từ 0 đến 100." in text
    assert "Số đếm phải là số nguyên không âm." in text
    assert "Thiếu chỉ tiêu giao ước." in text and "Văn bản: Giá trị này chỉ có tối đa 200 kí tự (hiện có 201)" in text
    assert "Ngày ký phải là ngày (dd/mm/yyyy)." in text
    assert "Ô chứa công thức" in text
    assert text.count("Giao ước, dòng") == 6  # the formula said once, not also "not a number"
    assert "không phải là số" not in text
    assert not Pledge.objects.exists()


def test_a_pledge_cell_of_spaces_or_a_date_is_said_on_its_row_not_previewed_nor_a_server_error(client, tmp_path, programme, admin_user):
    """Spaces (or a non-breaking or zero-width space) in the pledge cell is no pledge, said as the
    empty cell is, over a stored pledge too; a date there is said to be a date, as the figure upload says it."""
    Pledge.objects.create(unit=Unit.objects.get(code="024"), measure=Measure.objects.get(campaign=programme, code="4"),
                          target=204665, signed_on=datetime.date(2024, 1, 15))
    client.force_login(admin_user)
    path = fill(downloaded(client, tmp_path), {("024", "4"): ("   ", datetime.datetime(2024, 1, 15), ""),
                                              ("026", "3"): ("\u00a0\u200b", datetime.datetime(2024, 1, 15), ""),
                                              ("027", "3"): (datetime.datetime(2024, 3, 1), datetime.datetime(2024, 1, 15), "")})
    response = post_file(client, path)
    page = text_of(response)
    assert 'name="token"' not in response.content.decode()
    assert page.count("Thiếu chỉ tiêu giao ước.") == 2
    assert "Ô chứa ngày hoặc giờ, không phải số; hãy nhập số vào ô định dạng số." in page and "2024-03-01" not in page
    assert Pledge.objects.get().target == 204665


def test_the_template_shows_every_digit_of_a_stored_pledge(client, tmp_path, programme, admin_user):
    Pledge.objects.create(unit=Unit.objects.get(code="024"), measure=Measure.objects.get(campaign=programme, code="3"),
                          target=D("181.175"), signed_on=datetime.date(2024, 1, 15))
    client.force_login(admin_user)
    ws = load_workbook(downloaded(client, tmp_path))[pledge_xlsx.SHEET]
    row = next(r for r in ws.iter_rows(min_row=2) if (r[0].value, r[2].value) == ("024", "3"))
    other = next(r for r in ws.iter_rows(min_row=2) if (r[0].value, r[2].value) == ("026", "3"))
    assert "0.000" in row[COL["Chỉ tiêu giao ước"] - 1].number_format  # 181,175, not 181,2
    assert "0.000" not in other[COL["Chỉ tiêu giao ước"] - 1].number_format  # the measure's one decimal


def test_the_problems_are_worded_in_the_language_of_the_page(tmp_path, programme):
    path = fill(template(tmp_path, programme), {("027", "3"): ("", "15/01/2024", ""), ("028", "3"): (100, "ngày 15", ""),
                                                ("029", "3"): (100, datetime.datetime(2031, 1, 15), ""),
                                                # After the pledge's year, though before today.
                                                ("030", "3"): (100, datetime.datetime(2025, 1, 15), "")})
    for lang, expected in (("en", ["The pledged figure is missing.", "The signing date must be a date (dd/mm/yyyy).",
                                   "The signing date must be in 2023 or 2024, and not after today.",
                                   "The signing date must be in 2023 or 2024, and not after today."]),
                           ("vi", ["Thiếu chỉ tiêu giao ước.", "Ngày ký phải là ngày (dd/mm/yyyy).",
                                   "Ngày ký phải trong năm 2023 hoặc 2024 và không sau hôm nay.",
                                   "Ngày ký phải trong năm 2023 hoặc 2024 và không sau hôm nay."])):
        with translation.override(lang), open(path, "rb") as handle:
            problems = [p.reason for p in pledge_xlsx.read_pledges(handle, path.stat().st_size).problems]
        assert problems == expected, lang


def test_a_document_that_reads_like_a_formula_goes_out_as_text_and_comes_back_unchanged(tmp_path, programme, admin_user):
    # Excel would run "=HYPERLINK(…)" as a live formula when the template is opened; it is written as
    # text (a quote prefix, which is not part of the value), and an upload of the template keeps it.
    document = '=HYPERLINK("http://example.org","QĐ 12")'
    pledge(programme, "024", "3", "250")
    Pledge.objects.update(document=document)
    path = template(tmp_path, programme)
    ws = load_workbook(path)[pledge_xlsx.SHEET]
    row = next(r for r in ws.iter_rows(min_row=2) if (r[0].value, r[2].value) == ("024", "3"))
    cell = row[COL["Văn bản giao ước"] - 1]
    assert cell.data_type == "s" and cell.quotePrefix and cell.value == document
    call_command("import_pledges", str(path), "--user", admin_user.username)
    assert Pledge.objects.get(unit__code="024", measure__code="3").document == document



def test_a_document_that_excel_made_a_number_or_a_date_is_kept_as_excel_shows_it(tmp_path, programme, admin_user):
    path = template(tmp_path, programme)
    ws = load_workbook(path)[pledge_xlsx.SHEET]
    assert ws.cell(2, COL["Văn bản giao ước"]).number_format == "@"  # typed words stay text
    # Pasted over that format, a decision's number or date becomes a number or a date cell anyway.
    fill(path, {("024", "3"): (250, "15/01/2024", 125.5), ("026", "14a"): (12, "20/01/2024", datetime.datetime(2024, 1, 20))})
    call_command("import_pledges", str(path), "--user", admin_user.username)
    assert dict(Pledge.objects.values_list("unit__code", "document")) == {"024": "125,5", "026": "20/01/2024"}

def test_only_admins_import_pledges(tmp_path, programme, reviewer):
    path = fill(template(tmp_path, programme), {("024", "3"): (250, datetime.datetime(2024, 1, 15), "")})
    with pytest.raises(CommandError, match="không phải quản trị; chỉ quản trị nhập giao ước thi đua"):
        call_command("import_pledges", str(path), "--user", reviewer.username)
    assert not Pledge.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused_unopened(tmp_path, programme, admin_user):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="không phải là bảng tính Excel"):
        call_command("import_pledges", str(path), "--user", admin_user.username)


def test_the_upload_page_saves_for_admins_and_lists_problems(client, tmp_path, programme, admin_user):
    client.login(username=admin_user.username, password=PASSWORD)
    page = client.get(reverse("pledges"), {"year": 2024})
    assert page.status_code == 200
    download = client.get(reverse("pledge-template"), {"year": 2024})
    assert download["Content-Disposition"] == 'attachment; filename="giao-uoc-thi-dua-2024.xlsx"'
    path = tmp_path / "t.xlsx"
    path.write_bytes(download.content)
    fill(path, {("024", "10"): (120, datetime.datetime(2024, 1, 15), "")})
    refused = client.post(reverse("pledges"), {"year": 2024, "file": io.BytesIO(path.read_bytes())}, format="multipart")
    assert "Tỷ lệ phần trăm phải từ 0 đến 100." in refused.content.decode()
    fill(path, {("024", "10"): (65, datetime.datetime(2024, 1, 15), "")})
    with open(path, "rb") as handle:
        preview = client.post(reverse("pledges"), {"year": 2024, "file": handle})
    assert not Pledge.objects.exists()  # a preview first
    saved = client.post(reverse("pledges"), {"year": 2024, "token": token_of(preview), "action": "save"}, follow=True)
    assert "Đã lưu 1 giao ước mới và 0 giao ước thay đổi cho năm 2024." in saved.content.decode()
    assert Pledge.objects.get().target == D(65)


@pytest.mark.parametrize("role", ["viewer", "reporter", "reviewer"])
def test_the_pledge_pages_are_for_admins_only(client, programme, role):
    from targets.models import Unit

    user = make_user(f"u-{role}", role, units=[Unit.objects.get(code="024")] if role == "reporter" else ())
    client.login(username=user.username, password=PASSWORD)
    assert client.get(reverse("pledges")).status_code == 403
    assert client.get(reverse("pledge-template")).status_code == 403


def test_workbooks_are_parsed_with_defusedxml(tmp_path, programme, admin_user):
    """An entity declared in a sheet's XML (the start of a "billion laughs") is refused, not expanded."""
    import zipfile

    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML
    source = template(tmp_path, programme)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(bomb, "w") as copy:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/workbook.xml":
                declaration, _, rest = data.partition(b"?>") if data.startswith(b"<?xml") else (b"", b"", data)
                data = declaration + _ + b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + rest
            copy.writestr(item, data)
    with pytest.raises(CommandError, match="đã bị hỏng|Không đọc được bảng tính"):
        call_command("import_pledges", str(bomb), "--user", admin_user.username)


def test_a_pledged_number_is_stored_exactly_as_typed(tmp_path, programme, admin_user):
    path = fill(template(tmp_path, programme), {("024", "3"): (244.946, datetime.datetime(2024, 1, 15), ""),
                                                 ("026", "3"): ("1.234,5", datetime.datetime(2024, 1, 15), "")})
    call_command("import_pledges", str(path), "--user", admin_user.username)
    assert Pledge.objects.get(unit__code="024").target == D("244.946")
    assert Pledge.objects.get(unit__code="026").target == D("1234.5")  # text is read in Vietnamese format


def test_a_pledge_with_more_digits_than_a_number_cell_holds_goes_out_and_comes_back_unchanged(tmp_path, programme, admin_user, capsys):
    path = fill(template(tmp_path, programme), {("024", "3"): ("1.234.567.890.123,456789", datetime.datetime(2024, 1, 15), "")})
    call_command("import_pledges", str(path), "--user", admin_user.username)
    assert Pledge.objects.get().target == D("1234567890123.456789")
    capsys.readouterr()
    call_command("import_pledges", str(template(tmp_path, programme)), "--user", admin_user.username)  # exported and back, untouched
    assert "Đã lưu 0 giao ước mới và 0 giao ước thay đổi; 1 giao ước không đổi" in capsys.readouterr().out
    assert Pledge.objects.get().target == D("1234567890123.456789")


def test_a_pledge_typed_with_a_percent_sign_is_refused_never_read_a_hundred_times_too_small(tmp_path, programme, admin_user):
    # "60%" typed into Excel is kept as 0.6, shown as 60%. A format that only prints a "%" after
    # the number (0.0"%") keeps what was typed.
    path = fill(template(tmp_path, programme), {("024", "10"): (0.6, datetime.datetime(2024, 1, 15), ""),
                                                 ("026", "10"): (59.1, datetime.datetime(2024, 1, 15), "")})
    wb = load_workbook(path)
    rows = {(r[0].value, r[2].value): r[0].row for r in wb[pledge_xlsx.SHEET].iter_rows(min_row=2)}
    wb[pledge_xlsx.SHEET].cell(rows[("024", "10")], COL["Chỉ tiêu giao ước"]).number_format = "0%"
    wb[pledge_xlsx.SHEET].cell(rows[("026", "10")], COL["Chỉ tiêu giao ước"]).number_format = '0.0"%"'
    wb.save(path)
    with pytest.raises(CommandError) as refused:
        call_command("import_pledges", str(path), "--user", admin_user.username)
    assert str(refused.value).count("Giao ước, dòng") == 1
    assert "Ô được định dạng phần trăm: ô hiển thị 60 % còn Excel lưu 0,6. Hãy bỏ định dạng phần trăm" in str(refused.value)
    assert not Pledge.objects.exists()
    wb[pledge_xlsx.SHEET].cell(rows[("024", "10")], COL["Chỉ tiêu giao ước"]).value = 60
    wb[pledge_xlsx.SHEET].cell(rows[("024", "10")], COL["Chỉ tiêu giao ước"]).number_format = "0"
    wb.save(path)
    call_command("import_pledges", str(path), "--user", admin_user.username)
    assert {p.unit.code: p.target for p in Pledge.objects.all()} == {"024": D("60"), "026": D("59.1")}


def test_a_negative_pledge_whose_format_hides_its_minus_is_refused_as_in_the_figure_upload(tmp_path, programme, admin_user):
    path = fill(template(tmp_path, programme), {("024", "3"): (-250, datetime.datetime(2024, 1, 15), "")})
    wb = load_workbook(path)
    row = next(r[0].row for r in wb[pledge_xlsx.SHEET].iter_rows(min_row=2) if (r[0].value, r[2].value) == ("024", "3"))
    wb[pledge_xlsx.SHEET].cell(row, COL["Chỉ tiêu giao ước"]).number_format = "#,##0;[Red]#,##0"  # shows 250
    wb.save(path)
    with pytest.raises(CommandError) as refused:
        call_command("import_pledges", str(path), "--user", admin_user.username)
    assert "Định dạng của ô hiển thị số âm này mà không có dấu trừ: Excel lưu -250." in str(refused.value)
    assert not Pledge.objects.exists()


def test_once_the_year_is_closed_pledges_are_refused_by_page_and_command(client, tmp_path, programme, admin_user):
    from targets import ranking

    path = fill(template(tmp_path, programme), {("024", "3"): (250, datetime.datetime(2024, 1, 15), "")})
    ranking.close_year(programme, admin_user)
    client.login(username=admin_user.username, password=PASSWORD)
    with open(path, "rb") as handle:
        refused = client.post(reverse("pledges"), {"year": 2024, "file": handle}, follow=True)
    # Said of the workbook's year, which the page (opened on another year, say) may not show.
    assert "Giao ước trong tệp là của năm 2024: Năm đã khóa sổ: kết quả xếp hạng là chính thức, không thay đổi nữa." in refused.content.decode()
    with pytest.raises(CommandError, match="Chưa lưu gì: .*khóa sổ"):
        call_command("import_pledges", str(path), "--user", admin_user.username)
    assert not Pledge.objects.exists()


def test_the_pledge_page_lists_what_is_stored_and_once_closed_takes_no_upload(client, programme, admin_user):
    from targets import ranking

    client.force_login(admin_user)
    assert "Chưa có giao ước nào" in client.get(reverse("pledges"), {"year": 2024}).content.decode()
    pledge(programme, "024", "3", "244.946")
    html = client.get(reverse("pledges"), {"year": 2024}).content.decode()
    assert "Giao ước đã lưu: 1" in html and "024 · Thành phố Hà Giang" in html
    assert "244,946 tỷ đồng" in html and "GUTĐ 01/2024" in html  # every digit as pledged
    assert 'type="file"' in html
    ranking.close_year(programme, admin_user)
    closed = client.get(reverse("pledges"), {"year": 2024}).content.decode()
    assert "Năm đã khóa sổ" in closed and 'type="file"' not in closed


def test_unit_and_measure_codes_are_read_as_typed_and_an_unknown_code_is_named_as_unknown(tmp_path, programme, admin_user):
    from targets.models import Unit

    path = template(tmp_path, programme)
    ws = load_workbook(path)[pledge_xlsx.SHEET]
    # Excel keeps a code typed over the template as text: "030", never the number 30.
    assert {(ws.cell(2, COL[name]).number_format) for name in ("Mã đơn vị", "Mã chỉ tiêu")} == {"@"}
    path = fill(path, {("024", "3"): (250, "15/01/2024", ""), ("030", "3"): (100, "15/01/2024", ""),
                       ("026", "14a"): (12, "20/01/2024", ""), ("027", "3"): (90, "15/01/2024", "")})

    def codes(changes: dict):
        """changes: (unit code, measure code) of a row → (what is typed over its unit code, over its measure code)."""
        wb = load_workbook(path)
        for row in wb[pledge_xlsx.SHEET].iter_rows(min_row=2):
            if (key := (row[0].value, row[2].value)) in changes:
                row[0].value, row[2].value = changes[key]
        changed = tmp_path / "sua.xlsx"
        wb.save(changed)
        with open(changed, "rb") as handle:
            return changed, [(p.row, p.column, p.reason) for p in pledge_xlsx.read_pledges(handle, changed.stat().st_size).problems]

    rows = {(r[0].value, r[2].value): r[0].row for r in ws.iter_rows(min_row=2)}
    changed, problems = codes({("024", "3"): (" 024 ", " 3 "), ("030", "3"): (30, 3),  # a stray space; 030 made a number
                               ("026", "14a"): ("999", "14A"), ("027", "3"): ("027", "99")})
    assert problems == [
        (rows[("026", "14a")], "Mã đơn vị", "Mã đơn vị “999” không có trong danh sách đơn vị."),
        (rows[("027", "3")], "Mã chỉ tiêu", "Mã chỉ tiêu “99” không có trong chương trình năm 2024."),
    ]
    # 30 is 030 while no other code reads as 30; with 0030 too, it is neither, and the row says why.
    Unit.objects.create(code="0030", name="Đơn vị thử", kind="locality")
    _changed, problems = codes({("030", "3"): (30, 3)})
    assert problems == [(rows[("030", "3")], "Mã đơn vị", "Excel đã đổi mã thành số 30, có thể là mã 0030, 030: hãy định dạng ô "
                                                           "là Văn bản (Text) và gõ lại mã.")]
    Unit.objects.filter(code="0030").delete()
    # A zero-width space pasted with a code is no part of it; a code typed absurdly long is quoted short.
    _changed, problems = codes({("024", "3"): ("\u200b024", "3"), ("030", "3"): ("9" * 300, "3")})
    assert problems == [(rows[("030", "3")], "Mã đơn vị", f"Mã đơn vị “{'9' * 40}…” không có trong danh sách đơn vị.")]
    changed, problems = codes({("024", "3"): (" 024 ", " 3 "), ("030", "3"): (30.0, 3)})
    assert problems == []
    call_command("import_pledges", str(changed), "--user", admin_user.username)
    assert {(p.unit.code, p.measure.code): p.target for p in Pledge.objects.all()} == {
        ("024", "3"): D(250), ("030", "3"): D(100), ("026", "14a"): D(12), ("027", "3"): D(90)}


def test_a_merged_document_cell_is_refused_by_its_range_and_nothing_is_saved(tmp_path, programme, admin_user):
    # One decision signs a unit's pledges, so people merge «Văn bản giao ước» over the unit's rows;
    # Excel keeps the text in the first cell only, which would read as the other rows' documents cleared.
    for measure in ("3", "14a"):
        pledge(programme, "024", measure, "250")
    path = template(tmp_path, programme)
    wb = load_workbook(path)
    ws = wb[pledge_xlsx.SHEET]
    rows = sorted(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == "024")
    column = COL["Văn bản giao ước"]
    ws.merge_cells(start_row=rows[0], start_column=column, end_row=rows[-1], end_column=column)
    ws.cell(rows[0], column).value = "QĐ 55/QĐ-UBND"
    wb.save(path)
    with pytest.raises(CommandError) as refused:
        call_command("import_pledges", str(path), "--user", admin_user.username)
    assert f"Các ô I{rows[0]}:I{rows[-1]} đang được gộp" in str(refused.value)
    assert set(Pledge.objects.values_list("document", flat=True)) == {"GUTĐ 01/2024"}


def test_an_older_copy_of_the_template_never_puts_back_a_pledge_changed_since(tmp_path, programme, admin_user, capsys):
    for code in ("024", "026"):
        pledge(programme, code, "3", "244.5")
    downloaded = template(tmp_path, programme)
    first, second = tmp_path / "mot.xlsx", tmp_path / "hai.xlsx"
    first.write_bytes(downloaded.read_bytes())
    second.write_bytes(downloaded.read_bytes())  # a colleague holding the same download
    signed = datetime.datetime(2024, 1, 15)
    call_command("import_pledges", str(fill(first, {("024", "3"): ("244,75", signed, "GUTĐ 01/2024")})), "--user", admin_user.username)
    call_command("import_pledges", str(fill(second, {("026", "3"): (260, signed, "GUTĐ 01/2024")})), "--user", admin_user.username)
    assert "Đã lưu 0 giao ước mới và 1 giao ước thay đổi" in capsys.readouterr().out.splitlines()[-1]
    assert dict(Pledge.objects.values_list("unit__code", "target")) == {"024": D("244.75"), "026": D(260)}


def test_a_row_changed_over_a_pledge_changed_since_the_download_is_refused_and_named(tmp_path, programme, admin_user):
    for code in ("024", "026"):
        pledge(programme, code, "3", "244.5")
    path = template(tmp_path, programme)
    changed = Pledge.objects.get(unit__code="024")
    changed.target = D("250")  # changed in /admin/ after the download
    changed.save()
    signed = datetime.datetime(2024, 1, 15)
    fill(path, {("024", "3"): (245, signed, "GUTĐ 01/2024"), ("026", "3"): (260, signed, "GUTĐ 01/2024")})
    row = next(r[0].row for r in load_workbook(path)[pledge_xlsx.SHEET].iter_rows(min_row=2) if (r[0].value, r[2].value) == ("024", "3"))
    with pytest.raises(CommandError) as refused:
        call_command("import_pledges", str(path), "--user", admin_user.username)
    assert (f"Giao ước, dòng {row}: Giao ước của đơn vị 024 cho chỉ tiêu 3 đã được sửa sau khi tải biểu mẫu này: tệp ghi 245,0 tỷ đồng; "
            "15/01/2024; GUTĐ 01/2024, đang lưu 250,0 tỷ đồng; 15/01/2024; GUTĐ 01/2024. Hãy tải lại biểu mẫu rồi sửa trên bản mới.") in str(refused.value)
    assert dict(Pledge.objects.values_list("unit__code", "target")) == {"024": D(250), "026": D("244.5")}


def test_a_template_from_before_the_version_column_is_refused(tmp_path, programme, admin_user):
    path = fill(template(tmp_path, programme), {("024", "3"): (250, datetime.datetime(2024, 1, 15), "")})
    wb = load_workbook(path)
    assert wb[pledge_xlsx.SHEET].cell(1, len(pledge_xlsx.COLUMNS)).value == "Phiên bản"
    wb[pledge_xlsx.SHEET].delete_cols(len(pledge_xlsx.COLUMNS))
    wb[pledge_xlsx.META_SHEET]["B1"] = "emulation-pledges-v1"
    wb.save(path)
    with pytest.raises(CommandError, match="Biểu mẫu đã cũ hoặc bị sửa; hãy tải biểu mẫu mới."):
        call_command("import_pledges", str(path), "--user", admin_user.username)
    assert not Pledge.objects.exists()


def test_an_upload_lists_each_pledge_it_creates_or_changes_and_saves_them_only_on_save(client, tmp_path, programme, admin_user):
    for code in ("024", "026"):
        pledge(programme, code, "3", "244.5")
    client.force_login(admin_user)
    signed = datetime.datetime(2024, 1, 15)
    path = fill(downloaded(client, tmp_path), {("024", "3"): (245, datetime.datetime(2024, 2, 1), "GUTĐ 02/2024"),
                                               ("027", "3"): (90, signed, "GUTĐ 03/2024")})
    preview = post_file(client, path)
    page = text_of(preview)
    assert "Xem trước: các giao ước năm 2024 mà tệp sẽ tạo mới hoặc thay đổi" in page
    assert ("024 · Thành phố Hà Giang 3. " in page and "244,5 tỷ đồng 15/01/2024 · GUTĐ 01/2024 245,0 tỷ đồng 01/02/2024 · GUTĐ 02/2024" in page)
    assert "chưa có giao ước 90,0 tỷ đồng 15/01/2024 · GUTĐ 03/2024" in page  # 027: created
    assert "Số dòng trong tệp giữ nguyên: 1." in page  # 026, as stored: counted, not listed
    assert page.count("244,5 tỷ đồng 15/01/2024") == 3  # 024 "saved now"; 024 and 026 in the stored list below
    # Nothing is saved before "Save".
    assert dict(Pledge.objects.values_list("unit__code", "target")) == {"024": D("244.5"), "026": D("244.5")}
    saved = client.post(reverse("pledges"), {"year": 2024, "token": token_of(preview), "action": "save"}, follow=True)
    assert "Đã lưu 1 giao ước mới và 1 giao ước thay đổi cho năm 2024." in saved.content.decode()
    assert {p.unit.code: (p.target, p.signed_on, p.document) for p in Pledge.objects.all()} == {
        "024": (D(245), datetime.date(2024, 2, 1), "GUTĐ 02/2024"), "026": (D("244.5"), datetime.date(2024, 1, 15), "GUTĐ 01/2024"),
        "027": (D(90), datetime.date(2024, 1, 15), "GUTĐ 03/2024")}
    assert not UploadPreview.objects.exists()


def test_cancel_discards_the_previewed_file_and_saves_nothing(client, tmp_path, programme, admin_user):
    pledge(programme, "024", "3", "244.5")
    client.force_login(admin_user)
    preview = post_file(client, fill(downloaded(client, tmp_path), {("024", "3"): (245, datetime.datetime(2024, 1, 15), "")}))
    token = token_of(preview)
    cancelled = client.post(reverse("pledges"), {"year": 2024, "token": token, "action": "cancel"}, follow=True)
    assert "Đã huỷ tải lên; chưa lưu gì." in cancelled.content.decode()
    assert Pledge.objects.get().target == D("244.5") and not UploadPreview.objects.exists()
    again = client.post(reverse("pledges"), {"year": 2024, "token": token, "action": "save"}, follow=True)
    assert "Bản xem trước này không còn được giữ" in again.content.decode()
    assert Pledge.objects.get().target == D("244.5")


def test_a_pledge_changed_between_the_preview_and_save_refuses_the_save_and_nothing_is_saved(client, tmp_path, programme, admin_user):
    pledge(programme, "024", "3", "244.5")
    client.force_login(admin_user)
    signed = datetime.datetime(2024, 1, 15)
    path = fill(downloaded(client, tmp_path), {("024", "3"): (245, signed, "GUTĐ 01/2024"), ("027", "3"): (90, signed, "")})
    preview = post_file(client, path)
    assert "244,5 tỷ đồng" in text_of(preview)
    changed = Pledge.objects.get(unit__code="024")
    changed.target = D("250")  # in /admin/, while the preview is open
    changed.save()
    refused = client.post(reverse("pledges"), {"year": 2024, "token": token_of(preview), "action": "save"}, follow=True)
    page = text_of(refused)
    assert "Chưa lưu gì." in page
    assert ("Giao ước của đơn vị 024 cho chỉ tiêu 3 đã được sửa sau khi tải biểu mẫu này: tệp ghi 245,0 tỷ đồng; 15/01/2024; "
            "GUTĐ 01/2024, đang lưu 250,0 tỷ đồng; 15/01/2024; GUTĐ 01/2024.") in page
    assert 'name="token"' not in refused.content.decode()  # no "Save" for it any more
    assert dict(Pledge.objects.values_list("unit__code", "target")) == {"024": D(250)}  # 027 not created either
    assert not UploadPreview.objects.exists()


def test_the_save_checks_every_pledge_again_under_its_lock(tmp_path, programme, admin_user):
    # The same check save_pledges runs inside its transaction, whoever calls it (page or command).
    pledge(programme, "024", "3", "244.5")
    path = fill(template(tmp_path, programme), {("024", "3"): (245, datetime.datetime(2024, 1, 15), "GUTĐ 01/2024")})
    with open(path, "rb") as handle:
        result = pledge_xlsx.read_pledges(handle, path.stat().st_size)
    assert result.ok and [r["assignment"].unit.code for r in result.rows] == ["024"]
    changed = Pledge.objects.get()
    changed.target = D(250)  # between the read (the preview) and the save
    changed.save()
    with pytest.raises(pledge_xlsx.ChangedSince) as refused:
        pledge_xlsx.save_pledges(result, user=admin_user)
    assert [p.row for p in refused.value.problems] == [result.rows[0]["row"]]
    assert Pledge.objects.get().target == D(250)


def test_a_cleared_row_says_its_pledge_is_kept_and_where_a_pledge_is_deleted(client, tmp_path, programme, admin_user, capsys):
    pledge(programme, "024", "3", "87")
    client.force_login(admin_user)
    path = downloaded(client, tmp_path)
    wb = load_workbook(path)
    row = next(r[0].row for r in wb[pledge_xlsx.SHEET].iter_rows(min_row=2) if (r[0].value, r[2].value) == ("024", "3"))
    for name in pledge_xlsx.INPUTS:  # its three cells cleared
        wb[pledge_xlsx.SHEET].cell(row, COL[name]).value = None
    wb.save(path)
    page = text_of(post_file(client, path))
    assert (f"Giao ước, dòng {row}: Dòng đã được xóa trắng, nhưng giao ước của đơn vị 024 cho chỉ tiêu 3 (87,0 tỷ đồng; 15/01/2024; "
            "GUTĐ 01/2024) vẫn được giữ: xóa trắng một dòng không xóa giao ước. Muốn xóa giao ước, hãy xóa trong trang quản trị") in page
    assert "Xóa giao ước trong trang quản trị" in page
    assert "Không có gì để lưu: trong tệp không có giao ước nào mới hoặc thay đổi." in page
    assert "Đã lưu 0 giao ước" not in page and "Tệp không có chỉ tiêu giao ước nào" not in page
    assert Pledge.objects.get().target == D(87)
    with translation.override("en"), open(path, "rb") as handle:
        notes = [str(n) for n in pledge_xlsx.read_pledges(handle, path.stat().st_size).notes]
    assert notes == [f"Giao ước, row {row}: The row was cleared, but unit 024's pledge for measure 3 (87.0 billion VND; 15/01/2024; "
                     "GUTĐ 01/2024) stays stored: clearing a row does not delete a pledge. A pledge is deleted on the admin site "
                     "(Administration › Emulation pledges)."]
    # The import command says it too, as the page does.
    with pytest.raises(CommandError, match="tệp không có chỉ tiêu giao ước nào"):
        call_command("import_pledges", str(path), "--user", admin_user.username)
    assert "vẫn được giữ: xóa trắng một dòng không xóa giao ước" in capsys.readouterr().err


def test_a_refused_formula_is_said_once(client, tmp_path, programme, admin_user):
    client.force_login(admin_user)
    path = fill(downloaded(client, tmp_path), {("024", "3"): ("=F7*1.1", datetime.datetime(2024, 1, 15), "")})
    page = text_of(post_file(client, path))
    assert page.count("Giao ước, dòng") == 1
    assert "Ô chứa công thức" in page and "không phải là số" not in page and "Thiếu chỉ tiêu giao ước" not in page
    assert not Pledge.objects.exists()


def test_a_pledge_stored_without_its_history_and_deleted_since_the_download_is_not_put_back(tmp_path, programme, admin_user):
    # A pledge written in bulk (before its history was kept) had no version to show: its row said "no
    # pledge", and one deleted after the download was created again by a file that left its row as it was.
    Pledge.objects.bulk_create([Pledge(unit=Unit.objects.get(code=code), measure=Measure.objects.get(campaign=programme, code="3"),
                                       target=D("244.5"), signed_on=datetime.date(2024, 1, 15), document="GUTĐ 01/2024")
                                for code in ("024", "026")])
    path = template(tmp_path, programme)
    Pledge.objects.filter(unit__code="024").delete()  # deleted in /admin/ after the download
    fill(path, {("026", "3"): (260, datetime.datetime(2024, 1, 15), "GUTĐ 01/2024")})
    row = next(r[0].row for r in load_workbook(path)[pledge_xlsx.SHEET].iter_rows(min_row=2) if (r[0].value, r[2].value) == ("024", "3"))
    with pytest.raises(CommandError) as refused:
        call_command("import_pledges", str(path), "--user", admin_user.username)
    assert f"Giao ước, dòng {row}: Giao ước của đơn vị 024 cho chỉ tiêu 3 đã được sửa sau khi tải biểu mẫu này" in str(refused.value)
    assert dict(Pledge.objects.values_list("unit__code", "target")) == {"026": D("244.5")}


def test_save_or_cancel_again_once_saved_says_the_file_is_saved_never_expired_or_nothing_saved(client, tmp_path, programme, admin_user):
    pledge(programme, "024", "3", "244.5")
    client.force_login(admin_user)
    preview = post_file(client, fill(downloaded(client, tmp_path), {("024", "3"): (245, datetime.datetime(2024, 1, 15), "")}))
    token = token_of(preview)
    client.post(reverse("pledges"), {"year": 2024, "token": token, "action": "save"})
    # A second click on "Save" (or Back and "Save" again), then Back and "Cancel".
    again = text_of(client.post(reverse("pledges"), {"year": 2024, "token": token, "action": "save"}, follow=True))
    assert "không còn được giữ" not in again and "đã quá một ngày" not in again
    assert "Tệp này đã được lưu: mọi giao ước trong tệp đều đã được lưu như vậy." in again
    assert "Đã lưu 0 giao ước mới và 1 giao ước thay đổi cho năm 2024." in again
    cancelled = text_of(client.post(reverse("pledges"), {"year": 2024, "token": token, "action": "cancel"}, follow=True))
    assert "Đã huỷ tải lên" not in cancelled and "chưa lưu gì" not in cancelled
    assert "Tệp này đã được lưu: không có gì bị huỷ." in cancelled
    assert "Đã lưu 0 giao ước mới và 1 giao ước thay đổi cho năm 2024." in cancelled
    assert Pledge.objects.get().target == D(245)


def test_a_preview_of_another_admin_or_of_the_figure_upload_is_refused_as_not_theirs_never_as_expired(client, tmp_path, programme, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from targets import previews
    from targets.views.templates import SALT

    pledge(programme, "024", "3", "244.5")
    client.force_login(admin_user)
    theirs = token_of(post_file(client, fill(downloaded(client, tmp_path), {("024", "3"): (245, datetime.datetime(2024, 1, 15), "")})))
    figure_token = previews.keep(admin_user, SimpleUploadedFile("mau.xlsx", b"x"), SALT)
    not_theirs = "Bản xem trước này không phải do bạn tải lên trên trang này: không có gì được lưu hay bị huỷ."
    pages = [text_of(client.post(reverse("pledges"), {"year": 2024, "token": figure_token, "action": action}, follow=True))
             for action in ("save", "cancel")]  # their own, but the figure upload's
    client.force_login(make_user("quantri2", is_superuser=True, is_staff=True))
    pages += [text_of(client.post(reverse("pledges"), {"year": 2024, "token": theirs, "action": action}, follow=True))
              for action in ("save", "cancel")]  # another admin's
    for page in pages:
        assert not_theirs in page
        assert "không còn được giữ" not in page and "đã quá một ngày" not in page and "Đã huỷ tải lên" not in page
    assert Pledge.objects.get().target == D("244.5") and UploadPreview.objects.count() == 2


def test_a_pledge_of_no_commitment_on_an_at_least_measure_is_refused_by_command_page_and_admin_a_ceiling_of_0_is_kept(
        client, tmp_path, programme, admin_user):
    """Revenue "at least 0" (any figure reaches it, scored "exceeded") or a percentage pledged at 0 (no
    share of it can be reckoned) commits the unit to nothing; "at most 0 accidents" does."""
    from tests.test_admin_emulation_rules import admin_save, errors

    signed = datetime.datetime(2024, 1, 15)
    path = fill(template(tmp_path, programme), {("024", "3"): (0, signed, ""), ("024", "10"): ("0,0", signed, ""),
                                                ("026", "14a"): (0, signed, "")})
    with pytest.raises(CommandError) as refused:
        call_command("import_pledges", str(path), "--user", admin_user.username)
    said = str(refused.value)
    assert ("Chỉ tiêu 3 «Thu ngân sách nhà nước trên địa bàn» được giao ước là mức tối thiểu phải đạt: giao ước 0 không cam kết "
            "điều gì (số liệu nào cũng đạt) và không tính được tỷ lệ so với giao ước. Bạn hãy nhập số đơn vị đã cam kết, lớn hơn 0.") in said
    assert "Chỉ tiêu 10 «Tỷ lệ trường học đạt chuẩn quốc gia» được giao ước là mức tối thiểu" in said
    assert said.count("Giao ước, dòng") == 2 and "14a" not in said  # the ceiling of 0 accidents is no problem
    assert not Pledge.objects.exists()
    # The upload page says the same, and saves nothing.
    client.force_login(admin_user)
    page = text_of(post_file(client, path))
    assert "Chỉ tiêu 3 «Thu ngân sách nhà nước trên địa bàn» được giao ước là mức tối thiểu phải đạt" in page
    assert 'name="token"' not in page and not Pledge.objects.exists()
    # The ceiling alone is saved.
    call_command("import_pledges", str(fill(template(tmp_path, programme), {("026", "14a"): (0, signed, "")})),
                 "--user", admin_user.username)
    assert list(Pledge.objects.values_list("unit__code", "measure__code", "target")) == [("026", "14a", D(0))]
    # The admin: the same rule beside the pledged figure.
    revenue = Measure.objects.get(campaign=programme, code="3")
    response = admin_save(client, "pledge", unit=Unit.objects.get(code="027").pk, measure=revenue.pk, target="0",
                          signed_on="15/01/2024", document="GUTĐ 01/2024")
    assert "Chỉ tiêu 3 «Thu ngân sách nhà nước trên địa bàn» được giao ước là mức tối thiểu phải đạt" in errors(response)
    assert not Pledge.objects.filter(unit__code="027").exists()
    assert admin_save(client, "pledge", unit=Unit.objects.get(code="027").pk, measure=revenue.pk, target="95,5",
                      signed_on="15/01/2024", document="GUTĐ 01/2024").status_code == 302
    assert Pledge.objects.get(unit__code="027").target == D("95.5")
