"""A stored figure is exactly what a person reported: no writing path rounds or rewrites it.

Round trips through the entry page (save, submit), the Excel upload and the administrator's
own entry keep 10.17, 244.946, 0.05 and 1234567.891 to the last digit, and the pages show as
many decimals as it takes to tell a figure from its target.
"""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from targets import workflow
from targets.entry import check_input
from targets.models import Campaign, Figure, Measure, Submission, Unit
from targets.numbers import unambiguous_text
from tests.conftest import make_user
from tests.formdata import form_data

VALUES = ["10.17", "244.946", "0.05", "1234567.891"]
CASES = [("3", v) for v in VALUES] + [("10", "10.17"), ("6", "0.05")]


@pytest.fixture
def city(open_year):
    return Unit.objects.get(code="024")


@pytest.fixture
def reporter(city):
    return make_user("reporter-city", "reporter", units=[city])


def store(user, unit, code, value, quarter=1):
    """A figure as the import or another writing path left it."""
    result = workflow.save_figures(user=user, campaign=Campaign.objects.get(year=2024), unit=unit, quarter=quarter,
                                   entries=[workflow.Entry(measure=Measure.objects.get(code=code), value=Decimal(value))])
    assert not result.conflicts
    return Figure.objects.get(measure__code=code, submission__unit=unit, submission__quarter=quarter)


def send_page_back(client, unit_code, action, quarter=1):
    page = client.get(reverse("entry"), {"year": 2024, "quarter": quarter, "unit": unit_code})
    data = form_data(page.content.decode())
    data.update(action=action, send_incomplete="1")  # the other rows are left empty on purpose
    return client.post(reverse("entry"), data)


@pytest.mark.parametrize("code, value", CASES)
def test_saving_and_submitting_the_page_untouched_keeps_the_figure_exactly(client, reporter, city, code, value):
    figure = store(reporter, city, code, value)
    client.force_login(reporter)
    assert send_page_back(client, "024", "save").status_code == 302
    figure.refresh_from_db()
    assert (figure.value, figure.version) == (Decimal(value), 1)  # nothing was written
    assert send_page_back(client, "024", "submit").status_code == 302
    figure.refresh_from_db()
    assert figure.value == Decimal(value) and figure.version == 1
    assert figure.submission.state == Submission.State.SUBMITTED


@pytest.mark.parametrize("value, shown", list(zip(VALUES, ["10,17", "244,946", "0,05", "1.234.567,891"], strict=True)))
def test_the_input_shows_every_digit_of_the_stored_figure(client, reporter, city, value, shown):
    store(reporter, city, "3", value)
    client.force_login(reporter)
    html = client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode()
    assert f'value="{shown}"' in html


# (measure, stored, shown on a Vietnamese page, on an English one): in the page's number format, as the
# card around the input writes figures (684.999), with every digit stored and at least the measure's decimals.
SHOWN = [
    ("4", "812345", "812.345", "812,345"),  # a count: "812.345" is read back as 812345, never 812,345
    ("4", "3176725", "3.176.725", "3,176,725"),
    ("3", "2512.3", "2.512,3", "2,512.3"),
    ("3", "2512", "2.512,0", "2,512.0"),
    ("3", "0.125", "0,125", "0.125"),  # more decimals than the measure shows: never rounded to 0,1
    ("3", "1.125", "1,125", "1.125"),  # could be read 1125 in the other notation: it is the figure the page showed
    ("3", "244.946", "244,946", "244.946"),
    ("6", "12.30", "12,30", "12.30"),  # two decimals shown: 12,30
    ("3", "1234567.891", "1.234.567,891", "1,234,567.891"),
]


@pytest.mark.parametrize("code, value, vi, en", SHOWN)
def test_the_input_shows_the_stored_figure_in_the_pages_number_format_and_an_untouched_save_keeps_it(client, reporter, city,
                                                                                                    code, value, vi, en):
    figure = store(reporter, city, code, value)
    client.force_login(reporter)
    for lang, shown in (("vi", vi), ("en", en)):
        client.post(reverse("set_language"), {"language": lang, "next": "/"})
        page = client.get(reverse("entry"), {"year": 2024, "quarter": 1, "unit": "024"}).content.decode()
        data = form_data(page)
        assert data[_prefix(code, data) + "value"] == shown
        data.update(action="save", send_incomplete="1")
        assert client.post(reverse("entry"), data).status_code == 302
        figure.refresh_from_db()
        # Saved again untouched: the same figure, exactly; nothing written, no new version in its history.
        assert (figure.value, figure.version) == (Decimal(value), 1)
        assert Figure.history.filter(id=figure.pk).count() == 1
    data = form_data(client.get(reverse("entry"), {"year": 2024, "quarter": 1, "unit": "024"}).content.decode())
    data.update(action="submit", send_incomplete="1")
    assert client.post(reverse("entry"), data).status_code == 302
    figure.refresh_from_db()
    assert (figure.value, figure.version, figure.submission.state) == (Decimal(value), 1, Submission.State.SUBMITTED)


def test_a_page_typed_in_vietnamese_is_read_in_vietnamese_after_another_tab_switched_to_english(client, reporter, city):
    """Probe I: "550,875" on a Vietnamese page, saved untouched after another tab of the same session
    switched to English, was read as the English 550875 (a jump warning away from being stored)."""
    figure = store(reporter, city, "3", "550.875")
    client.force_login(reporter)
    data = form_data(client.get(reverse("entry"), {"year": 2024, "quarter": 1, "unit": "024"}).content.decode())
    assert data[_prefix("3", data) + "value"] == "550,875" and data["page_lang"] == "vi"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})  # the other tab
    data.update(action="save", send_incomplete="1")
    assert client.post(reverse("entry"), data).status_code == 302
    figure.refresh_from_db()
    assert (figure.value, figure.version) == (Decimal("550.875"), 1)
    # A figure typed on that page is read in its language too, and a refusal answered in it.
    data[_prefix("3", data) + "value"] = "1.234,5"
    assert client.post(reverse("entry"), data).status_code == 302
    figure.refresh_from_db()
    assert figure.value == Decimal("1234.5")
    data[_prefix("3", data) + "value"] = "1,2,3"
    page = client.post(reverse("entry"), data)
    assert page.status_code == 200 and page["Content-Language"] == "vi" and '<html lang="vi">' in page.content.decode()


@pytest.mark.parametrize("value", VALUES)
def test_typing_the_figure_stores_it_exactly_for_reporters_and_admins(client, reporter, admin_user, city, value):
    for user in (reporter, admin_user):
        client.force_login(user)
        page = client.get(reverse("entry"), {"year": 2024, "quarter": 1, "unit": "024"}).content.decode()
        data = form_data(page)
        name = next(k for k in data if k.endswith("value") and data[k] == "" and k.startswith(_prefix("3", data)))
        data[name] = unambiguous_text(Decimal(value), "vi")
        data["action"] = "save"
        assert client.post(reverse("entry"), data).status_code == 302
        assert Figure.objects.get(measure__code="3").value == Decimal(value)
        Figure.objects.all().delete()


def _prefix(code, data):
    """The form prefix of measure `code` on the entry page, whatever the page names it."""
    pk = str(Measure.objects.get(code=code).pk)
    return next(k.rsplit("measure", 1)[0] for k, v in data.items() if k.endswith("measure") and v == pk)


NOTHING_TO_SAVE = "Không có gì để lưu: mọi số liệu và báo cáo nhiệm vụ trong tệp đều đã được lưu như vậy."


def upload(client, wb, shows=None):
    buffer = io.BytesIO()
    wb.save(buffer)
    file = SimpleUploadedFile("mau.xlsx", buffer.getvalue())
    response = client.post(reverse("upload"), {"file": file})
    if NOTHING_TO_SAVE in response.content.decode():
        return response  # an untouched workbook: nothing offered for saving
    assert "token" in response.context, [str(p) for p in response.context["result"].problems]
    if shows:
        assert shows in response.content.decode()  # the preview shows what will be stored
    return client.post(reverse("upload"), {"token": response.context["token"], "confirm": "1"})


def template(client):
    response = client.get(reverse("template-download"), {"year": 2024, "quarter": 1, "unit": "024"})
    return load_workbook(io.BytesIO(response.content))


def value_cell(wb, code):
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == code)
    return row[header.index("Giá trị")]


@pytest.mark.template_context
@pytest.mark.parametrize("code, value", CASES)
def test_a_number_cell_is_read_exactly_and_an_untouched_template_changes_nothing(client, reporter, code, value):
    client.force_login(reporter)
    wb = template(client)
    value_cell(wb, code).value = float(value)  # what Excel stores for a typed number
    upload(client, wb, shows=f'<td data-label="Trong tệp">{value.replace(".", ",")}</td>' if "." in value and len(value) < 8 else None)
    figure = Figure.objects.get(measure__code=code)
    assert figure.value == Decimal(value)
    # The next template carries the stored figure, shown with every decimal it has (never 244,9 for 244,946,
    # which a reporter would "correct"); uploading it again untouched writes nothing, and says so.
    wb = template(client)
    shown = value_cell(wb, code).number_format
    assert shown.count("0") - 1 >= len(value.partition(".")[2]), shown  # "#,##0.000": three decimals
    assert NOTHING_TO_SAVE in upload(client, wb).content.decode()
    figure.refresh_from_db()
    assert (figure.value, figure.version) == (Decimal(value), 1)


@pytest.mark.template_context
def test_a_figure_with_more_digits_than_a_number_cell_holds_comes_back_from_an_untouched_template_unchanged(client, reporter, city):
    # The page takes 13 whole digits and 6 decimals; a number cell (a double) holds about 15 digits.
    figure = store(reporter, city, "3", "1234567890123.456789")
    client.force_login(reporter)
    wb = template(client)
    assert value_cell(wb, "3").value == "1234567890123,456789"  # as text, read back exactly
    assert NOTHING_TO_SAVE in upload(client, wb).content.decode()
    figure.refresh_from_db()
    assert (figure.value, figure.version) == (Decimal("1234567890123.456789"), 1)


@pytest.mark.template_context
def test_a_figure_typed_with_a_percent_sign_is_refused_never_stored_a_hundred_times_too_small(client, reporter):
    # "7,5%" typed into Excel is kept as 0.075 and shown as 7,5 %: the school measure (10, in %)
    # would be stored as 0.075 %. The page says what to type; nothing is stored.
    client.force_login(reporter)
    wb = template(client)
    cell = value_cell(wb, "10")
    cell.value, cell.number_format = 0.075, "0.0%"
    buffer = io.BytesIO()
    wb.save(buffer)
    response = client.post(reverse("upload"), {"file": SimpleUploadedFile("mau.xlsx", buffer.getvalue())})
    assert "token" not in response.context
    assert [(p.column, p.reason) for p in response.context["result"].problems] == [
        ("Giá trị", "Ô được định dạng phần trăm: ô hiển thị 7,5 % còn Excel lưu 0,075. Hãy bỏ định dạng phần trăm (định dạng ô "
                    "là số) và nhập chính số liệu: 7,5 nếu đã gõ “7,5%”, hoặc 0,0750 nếu định dạng % được áp lên số đã gõ.")]
    assert not Figure.objects.exists()
    # The % button pressed over a typed 57,5 (Excel shows 5750 %): the reading that fits is offered too.
    cell.value = 57.5
    buffer = io.BytesIO()
    wb.save(buffer)
    response = client.post(reverse("upload"), {"file": SimpleUploadedFile("mau.xlsx", buffer.getvalue())})
    assert "ô hiển thị 5.750 % còn Excel lưu 57,5" in response.content.decode()
    assert "hoặc 57,5 nếu định dạng % được áp lên số đã gõ" in response.content.decode()
    # A format that only prints a "%" after the number keeps the number typed.
    cell.value, cell.number_format = 7.5, '#,##0.0" %"'
    upload(client, wb)
    assert Figure.objects.get(measure__code="10").value == Decimal("7.5")


@pytest.mark.template_context
def test_more_decimals_than_are_stored_name_the_number_the_cell_holds(client, reporter):
    # A value pasted from a sum shows 0,3 in its cell but holds 0.30000000000000004.
    client.force_login(reporter)
    wb = template(client)
    value_cell(wb, "3").value = 0.3
    buffer = io.BytesIO()
    wb.save(buffer)
    # As Excel writes 0.1 + 0.2 (openpyxl writes it as 0.3).
    source, pasted = zipfile.ZipFile(buffer), io.BytesIO()
    with zipfile.ZipFile(pasted, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>0.3</v>", b"<v>0.30000000000000004</v>")
            target.writestr(item, data)
    response = client.post(reverse("upload"), {"file": SimpleUploadedFile("mau.xlsx", pasted.getvalue())})
    assert [p.reason for p in response.context["result"].problems] == [
        "Tối đa 6 chữ số thập phân: 0,30000000000000004 có 17. Hãy nhập số liệu đã làm tròn đến số chữ số thập phân cần báo cáo "
        "(số sao chép từ một phép tính giữ mọi chữ số của nó; trong Excel, dùng hàm ROUND)."]
    typed = check_input(Measure.objects.get(code="3"), text="1,1234567", lang="vi")
    assert typed.errors == [
        "Tối đa 6 chữ số thập phân: 1,1234567 có 7. Hãy nhập số liệu đã làm tròn đến số chữ số thập phân cần báo cáo "
        "(số sao chép từ một phép tính giữ mọi chữ số của nó; trong Excel, dùng hàm ROUND)."]


@pytest.mark.parametrize("value, number_format, refused", [
    (0.075, "0.0%", "ô hiển thị 7,5 % còn Excel lưu 0,075"),
    (1234567, "#,##0,", "hiển thị số đã chia cho 1.000: Excel lưu 1.234.567"),
    (2460000000, "0.0,,", "hiển thị số đã chia cho 1.000.000: Excel lưu 2.460.000.000"),
    (-0.5, "0.0;-0.0%", "ô hiển thị -50 % còn Excel lưu -0,5"),  # the negative numbers' section
    (2.5, "0.0;-0.0%", None),  # a positive number shows as kept
    (7.5, '0.0"%"', None), (7.5, "0.0\\%", None),  # a % printed after the number, not a percentage
    (1234567, "#,##0", None), (1234567, '#,##0_);[Red](#,##0)', None), (1234567, '#,##0," nghìn"', "chia cho 1.000"),
    (1234567, "General", None), ("7,5%", "@", None),  # text is read by the parser, which says what to type
    # Sections chosen by a condition: any of them may show the number.
    (5000, '[<1000]0;#,##0,"k"', "chia cho 1.000"), (0.5, "[>=1]0;0%", "ô hiển thị 50 % còn Excel lưu 0,5"),
    (123, ";;;", "Định dạng của ô làm ẩn số: Excel lưu 123."),
    # Excel's "Comma Style" (the accounting format): zero shows as "-", which is zero.
    *((value, '_(* #,##0.00_);_(* \\(#,##0.00\\);_(* "-"??_);_(@_)', None) for value in (0, 1234.5, -12)),
    # A negative section without a minus: Excel's red negatives show -2,5 as 2,50.
    (-2.5, "0.00;[Red]0.00", "hiển thị số âm này mà không có dấu trừ: Excel lưu -2,5"), (2.5, "0.00;[Red]0.00", None),
    (-2.5, "#,##0.00_-;#,##0.00_-", "không có dấu trừ"),  # _- is a space as wide as a minus, not a minus
    (-2.5, "0.00;[Red]-0.00", None), (-2.5, "0.00_);[Red](0.00)", None), (-2.5, '0.00;"-"0.00', None),
    (-2.5, "0.00", None), (-2.5, "General", None), (-2.5, "[<0]0.00;0.00", None),
])
def test_a_number_cell_shown_as_another_number_is_refused(db, value, number_format, refused):
    from openpyxl import Workbook

    from targets.template_xlsx import cell_problem

    cell = Workbook().active.cell(1, 1, value)
    cell.number_format = number_format
    with translation.override("vi"):
        problem = cell_problem(cell)
    assert (problem is None) if refused is None else (refused in problem), problem


# --- typed text: ambiguity only where both readings could be the figure -----------------------


@pytest.mark.parametrize(
    "code, text, lang, value",
    [
        ("4", "50.000", "vi", "50000"),  # arrivals are counted: 50.000 can only be fifty thousand
        ("3", "1.234", "vi", "1234"),  # one decimal shown: 1,234 (three decimals) is not meant
        ("11", "1.234", "vi", "1234"),
        ("4", "50,000", "en", "50000"),
        ("3", "1,234", "en", "1234"),
    ],
)
def test_a_grouped_number_is_read_when_the_other_reading_cannot_be_the_figure(db, programme, code, text, lang, value):
    checked = check_input(Measure.objects.get(code=code), text=text, lang=lang)
    assert checked.ok and checked.value == Decimal(value)


def test_a_grouped_number_is_refused_when_both_readings_could_be_the_figure(db, programme):
    measure = Measure.objects.get(code="3")
    measure.decimal_places = 3  # a measure shown with three decimals could be 1,234
    assert "có thể hiểu theo hai cách" in check_input(measure, text="1.234", lang="vi").errors[0]
    assert "two ways" in check_input(measure, text="1,234", lang="en").errors[0]
    # 244,946 on a Vietnamese page could be 244.946 or (in English) 244946; both are budget figures.
    assert "hai cách" in check_input(Measure.objects.get(code="3"), text="244,946", lang="vi").errors[0]


def test_a_grouped_number_whose_page_reading_is_impossible_is_still_refused(db, programme):
    # 50.000 % is not a percentage; 50,000 (English) would be: never guess the other notation.
    assert not check_input(Measure.objects.get(code="10"), text="50.000", lang="vi").ok


# --- display: enough decimals to tell the figure from its target -----------------------------


def test_the_overview_and_explanation_tell_10_17_from_a_target_of_10_2(client, viewer, programme):
    health = Unit.objects.get(code="SYT")
    submission = Submission.objects.create(campaign=programme, unit=health, quarter=4, state=Submission.State.APPROVED)
    Figure.objects.create(submission=submission, measure=Measure.objects.get(code="9a"), value=Decimal("10.17"))
    client.force_login(viewer)
    html = client.get(reverse("home"), {"year": 2024, "quarter": 4}).content.decode()
    assert "10,17 / 10,20" in html
    assert "10,2 / 10,2" not in html
    page = client.get(reverse("indicator", args=[9]), {"year": 2024, "quarter": 4}).content.decode()
    assert "10,17" in page


def test_the_report_under_review_and_a_disagreement_show_every_digit_that_was_typed(client, reporter, city, reviewer):
    import html

    campaign, measure = Campaign.objects.get(year=2024), Measure.objects.get(code="3")
    workflow.save_figures(user=reporter, campaign=campaign, unit=city, quarter=1, entries=[workflow.Entry(measure=measure, value=Decimal("10"))])
    workflow.save_figures(user=reporter, campaign=campaign, unit=city, quarter=2, entries=[workflow.Entry(
        measure=measure, value=Decimal("41.94999"), cumulative=Decimal("51.949991"), source="Cục Thống kê, báo cáo 6 tháng")])
    report = workflow.submit(user=reporter, campaign=campaign, unit=city, quarter=2)
    client.force_login(reviewer)
    page = html.unescape(client.get(reverse("submission", args=[report.pk])).content.decode())
    assert "Mức đầy đủ: 1/8 · Chưa có số liệu hoặc đánh giá: 4, 10, 11, 14a, 14b, 14c" in page, page[page.find("Mức đầy đủ"):][:200]
    # What the secretariat approves, as typed (the measure shows one decimal elsewhere), and where it comes from.
    assert "41,94999 tỷ đồng" in page and "Lũy kế từ đầu năm: 51,949991" in page
    assert "Cục Thống kê, báo cáo 6 tháng" in page
    # The year to date reported against the quarters added up: both with every digit, never rounded to look alike,
    # in the queue and on the report's own page, where it is approved.
    queue = html.unescape(client.get(reverse("review"), {"year": 2024, "quarter": 2}).content.decode())
    assert "(51,949991) khác tổng số các quý (51,949990)" in queue
    assert "⚠ 3: 6 tháng: số lũy kế báo cáo (51,949991) khác tổng số các quý (51,949990)" in page
    # 168,449999 reported against 168,44999 added up: not "168,45000" (five decimals tell them apart, the typed six stay).
    workflow.return_for_correction(user=reviewer, submission=report, comment="Xem lại lũy kế")
    workflow.save_figures(user=reporter, campaign=campaign, unit=city, quarter=2, entries=[workflow.Entry(
        measure=measure, value=Decimal("158.44999"), cumulative=Decimal("168.449999"), version=1)])
    workflow.submit(user=reporter, campaign=campaign, unit=city, quarter=2)
    for url, params in ((reverse("review"), {"year": 2024, "quarter": 2}), (reverse("submission", args=[report.pk]), {})):
        shown = html.unescape(client.get(url, params).content.decode())
        assert "(168,449999) khác tổng số các quý (168,44999" in shown and "168,45000" not in shown, url
