"""Figures as provinces publish them: cumulative reports, estimates, yearly measures, honest
full-year verdicts, and the entry page around them, from the outside on real PostgreSQL."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from targets import exports, workflow
from targets.models import ApiToken, Campaign, Deadline, Figure, Indicator, Measure, Submission, Theme, Unit
from tests.conftest import make_user
from tests.formdata import form_data


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def city(open_year):
    return Unit.objects.get(code="024")


@pytest.fixture
def reporter(city):
    return make_user("reporter-city", "reporter", units=[city])


def page(client, unit, quarter):
    return client.get(reverse("entry"), {"year": 2024, "quarter": quarter, "unit": unit}).content.decode()


def post_page(client, unit, quarter, values=None, action="save", opened=None, **extra):
    """Send the entry page back as a browser would, with `values` typed into fields named by
    (measure code, field name): the page as it is now, or as `opened` earlier (a page left open
    while the period closed: a closed page's fields are disabled, and a browser sends none)."""
    data = form_data(opened or page(client, unit, quarter))
    for (code, name), text in (values or {}).items():
        pk = str(Measure.objects.get(code=code).pk)
        prefix = next(k[: -len("measure")] for k, v in data.items() if k.endswith("-measure") and v == pk)
        data[prefix + name] = text
    data.update(action=action, send_incomplete="1", **extra)  # rows left empty on purpose
    return client.post(reverse("entry"), data)


def approved(unit_code, quarter, **figures):
    """Figures an approved report holds: figures={measure code: value or dict of fields}."""
    submission, _ = Submission.objects.get_or_create(
        campaign=Campaign.objects.get(year=2024), unit=Unit.objects.get(code=unit_code), quarter=quarter,
        defaults={"state": Submission.State.APPROVED})
    for code, fields in figures.items():
        fields = fields if isinstance(fields, dict) else {"value": Decimal(fields)}
        Figure.objects.create(submission=submission, measure=Measure.objects.get(code=code), **fields)
    return submission


# --- the entry page -----------------------------------------------------------------------------


def test_q4_entry_is_titled_as_the_quarter_not_the_full_year(client, reporter):
    client.force_login(reporter)
    html = page(client, "024", 4)
    heading = html.split("<h1", 1)[1].split("</h1>")[0]
    assert "Quý IV năm 2024" in heading and "Cả năm" not in heading
    client.cookies["django_language"] = "en"
    assert "Q4 2024" in page(client, "024", 4).split("<h1", 1)[1].split("</h1>")[0]


def test_a_district_sees_its_own_last_year_and_never_the_provinces_target(client, reporter, programme, city):
    last = Campaign.objects.create(province="Hà Giang", year=2023, number="1/CTr-UBND", issued_on=datetime.date(2023, 1, 1),
                                   issuing_body="UBND tỉnh", title="2023", plan_start=2021, plan_end=2025)
    theme = Theme.objects.create(campaign=last, number=1, title="Một")
    indicator = Indicator.objects.create(campaign=last, theme=theme, number=3, name="Thu ngân sách")
    budget = Measure.objects.create(campaign=last, indicator=indicator, code="3", name="Thu ngân sách", value_kind="amount",
                                    target=Decimal("2000"), comparison="gte", aggregation="flow", decimal_places=1)
    for quarter, value in ((1, "40"), (2, "50.5")):
        s = Submission.objects.create(campaign=last, unit=city, quarter=quarter, state="approved")
        Figure.objects.create(submission=s, measure=budget, value=Decimal(value))
    client.force_login(reporter)
    html = page(client, "024", 2)
    budget_row = html.split("3. Thu ngân sách nhà nước trên địa bàn")[1].split("</fieldset>")[0]
    assert "Cùng kỳ năm trước: 90,5" in budget_row  # the city's own first half of 2023
    assert "2.460" not in html and "chưa giao kế hoạch cho đơn vị" in html


def test_a_report_returned_after_its_deadline_stays_open_until_sent_again(client, reporter, reviewer, programme, city):
    client.force_login(reporter)
    post_page(client, "024", 1, {("3", "value"): "50"}, action="submit")
    Deadline.objects.filter(campaign=programme, quarter=1).update(due_on=datetime.date(2024, 4, 15))
    submission = Submission.objects.get(unit=city, quarter=1)
    client.force_login(reviewer)
    review_page = client.get(reverse("submission", args=[submission.pk])).content.decode()
    assert "Trả lại sẽ mở lại việc nhập số liệu cho đơn vị, kể cả khi đã quá hạn" in review_page
    client.post(reverse("submission-decide", args=[submission.pk]), {"action": "return", "comment": "Sửa số 3", "version": submission.version})

    client.force_login(reporter)
    assert post_page(client, "024", 1, {("3", "value"): "55"}).status_code == 302  # corrected as a draft
    assert post_page(client, "024", 1, {("3", "value"): "56"}).status_code == 302  # and again
    assert post_page(client, "024", 1, action="submit").status_code == 302
    submission.refresh_from_db()
    assert submission.state == "submitted" and Figure.objects.get(submission=submission).value == Decimal("56")
    # A report never sent back stays closed after the deadline.
    assert post_page(client, "024", 2, {("3", "value"): "60"}).status_code == 302  # Q2 still open (2099)
    opened = page(client, "024", 2)
    Deadline.objects.filter(campaign=programme, quarter=2).update(due_on=datetime.date(2024, 7, 15))
    assert post_page(client, "024", 2, {("3", "value"): "61"}, opened=opened).status_code == 403


def test_an_untouched_row_is_neither_written_nor_a_conflict(client, reporter, reviewer, city):
    client.force_login(reporter)
    post_page(client, "024", 1, {("3", "value"): "50", ("4", "value"): "80000"})
    stale = form_data(page(client, "024", 1))
    client.force_login(reviewer)  # the secretariat corrects arrivals meanwhile
    post_page(client, "024", 1, {("4", "value"): "81000"})
    client.force_login(reporter)
    pk = str(Measure.objects.get(code="3").pk)
    prefix = next(k[: -len("measure")] for k, v in stale.items() if k.endswith("-measure") and v == pk)
    stale[prefix + "value"] = "51"
    assert client.post(reverse("entry"), {**stale, "action": "save"}).status_code == 302
    values = dict(Figure.objects.values_list("measure__code", "value"))
    assert values == {"3": Decimal("51"), "4": Decimal("81000")}


def test_note_length_comes_from_the_model_field(client, reporter):
    client.force_login(reporter)
    html = page(client, "024", 1)
    limit = Figure._meta.get_field("source").max_length
    assert f'maxlength="{limit}"' in html


def test_import_figures_can_submit_the_imported_reports(tmp_path, reviewer, open_year):
    path = tmp_path / "mau.xlsx"
    call_command("export_template", "--year", "2024", "--quarter", "1", "--unit", "024", "--user", reviewer.username,
                 "-o", str(path))
    wb = load_workbook(path)
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3")
    row[header.index("Giá trị")].value = 244.946
    wb.save(path)
    out = io.StringIO()
    call_command("import_figures", str(path), "--user", reviewer.username, "--submit", "--send-incomplete", stdout=out)
    submission = Submission.objects.get(unit__code="024", quarter=1)
    assert submission.state == "submitted" and submission.submitted_by == reviewer
    assert Figure.objects.get(submission=submission).value == Decimal("244.946")
    assert "Đã gửi để thẩm định: 024" in out.getvalue()


def test_import_figures_of_a_workbook_as_saved_says_there_is_nothing_to_save_or_sends_it(tmp_path, reviewer, open_year):
    path = tmp_path / "mau.xlsx"
    unit = Unit.objects.get(code="024")
    workflow.save_figures(user=reviewer, campaign=open_year, unit=unit, quarter=1,
                          entries=[workflow.Entry(measure=Measure.objects.get(code="3"), value=Decimal("244.946"))])
    call_command("export_template", "--year", "2024", "--quarter", "1", "--unit", "024", "--user", reviewer.username,
                 "-o", str(path))
    out = io.StringIO()
    call_command("import_figures", str(path), "--user", reviewer.username, stdout=out)
    assert out.getvalue().strip() == "Không có gì để lưu: mọi số liệu và báo cáo nhiệm vụ trong tệp đều đã được lưu như vậy."
    assert Figure.objects.get().version == 1 and Submission.objects.get().state == "draft"
    # With --submit, the report the workbook holds is sent as it stands, as "Save and submit" would.
    out = io.StringIO()
    call_command("import_figures", str(path), "--user", reviewer.username, "--submit", "--send-incomplete", stdout=out)
    assert "Đã lưu 0 số liệu" in out.getvalue() and "Đã gửi để thẩm định: 024" in out.getvalue()
    assert Submission.objects.get().state == "submitted" and Figure.objects.get().version == 1


# --- cumulative figures -------------------------------------------------------------------------


@pytest.fixture
def finance(open_year):
    return make_user("reporter-stc", "reporter", units=[Unit.objects.get(code="STC")])


def test_a_nine_month_cumulative_alone_gets_a_status_on_the_dashboards(client, finance, viewer):
    client.force_login(finance)
    response = post_page(client, "STC", 3, {("3", "cumulative"): "1.900"}, action="submit")
    assert response.status_code == 302
    figure = Figure.objects.get(measure__code="3")
    assert (figure.value, figure.cumulative) == (None, Decimal("1900"))  # stored as reported, as a year-to-date
    Submission.objects.filter(pk=figure.submission_id).update(state="approved")
    client.force_login(viewer)
    html = client.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 3}).content.decode()
    assert "9 tháng: 1.900,0 / 2.460 tỷ đồng = 77,2 % kế hoạch; tiến độ cần đạt 75,0 % → đúng tiến độ" in html


def test_the_quarters_own_amount_is_shown_derived_from_the_year_to_date(client, finance):
    approved("STC", 1, **{"3": "500"})
    approved("STC", 2, **{"3": {"cumulative": Decimal("1100")}})
    client.force_login(finance)
    html = page(client, "STC", 2)
    assert "Tính từ số lũy kế: 600,0" in html


def test_the_report_page_shows_the_quarters_own_amount_derived_from_the_year_to_date_as_the_other_pages_do(client, finance, reviewer, viewer):
    # The report of the first half carries only its year to date (1.100,05): its quarter's own amount,
    # 600,05, is worked out from the first quarter's 500 by the engine, as the entry and indicator pages show it.
    approved("STC", 1, **{"3": "500"})
    submission = approved("STC", 2, **{"3": {"cumulative": Decimal("1100.05")}})
    Submission.objects.filter(pk=submission.pk).update(state="submitted")
    client.force_login(finance)
    assert "Tính từ số lũy kế: 600,1" in page(client, "STC", 2)
    client.force_login(reviewer)
    html = client.get(reverse("submission", args=[submission.pk])).content.decode()
    assert "600,05 tỷ đồng <small>(tính từ lũy kế)</small>" in html  # every digit, as the indicator page has it
    assert "– tỷ đồng" not in html
    assert "Lũy kế từ đầu năm: 1.100,05" in html
    Submission.objects.filter(pk=submission.pk).update(state="approved")
    client.force_login(viewer)
    assert "600,05 <small>(tính từ lũy kế)</small>" in client.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 2}).content.decode()
    assert "600,05 tỷ đồng <small>(tính từ lũy kế)</small>" in client.get(reverse("submission", args=[submission.pk])).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "600.05 billion VND <small>(from the year to date)</small>" in client.get(reverse("submission", args=[submission.pk])).content.decode()


def test_disagreeing_figures_are_warned_with_both_numbers_everywhere(client, finance, reviewer, viewer):
    approved("STC", 1, **{"3": "500"})
    submission = approved("STC", 2, **{"3": {"value": Decimal("600"), "cumulative": Decimal("1150")}})
    warning = "6 tháng: số lũy kế báo cáo (1.150,0) khác tổng số các quý (1.100,0)."
    client.force_login(reviewer)
    assert warning in page(client, "STC", 2)
    Submission.objects.filter(pk=submission.pk).update(state="submitted")
    assert warning in client.get(reverse("review"), {"year": 2024, "quarter": 2}).content.decode()
    Submission.objects.filter(pk=submission.pk).update(state="approved")
    client.force_login(viewer)
    assert warning in client.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 2}).content.decode()


@pytest.mark.template_context
def test_the_template_has_a_year_to_date_column_for_flows_and_instructions(client, finance):
    client.force_login(finance)
    response = client.get(reverse("template-download"), {"year": 2024, "quarter": 4})
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["Nhập liệu"]
    header = [c.value for c in ws[1]]
    assert header[8:10] == ["Giá trị", "Lũy kế từ đầu năm"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "3")
    assert row[9].protection.locked is False
    text = " ".join(str(c.value) for r in wb["Hướng dẫn"].iter_rows() for c in r if c.value)
    for words in ("Lũy kế từ đầu năm", "dạng mức", "«Lũy kế từ đầu năm» của Quý IV", "Ước tính", "Chờ công bố",
                  "chưa có số cả năm", "Không gõ dấu %"):
        assert words in text

    row[9].value = 2600.5  # the official year total, as Q4's year-to-date
    buffer = io.BytesIO()
    wb.save(buffer)
    preview = client.post(reverse("upload"), {"file": SimpleUploadedFile("mau.xlsx", buffer.getvalue())})
    client.post(reverse("upload"), {"token": preview.context["token"]})
    figure = Figure.objects.get(measure__code="3", submission__quarter=4)
    assert (figure.value, figure.cumulative) == (None, Decimal("2600.5"))


def test_a_level_measure_takes_no_year_to_date_in_the_template(client, reviewer, open_year):
    client.force_login(reviewer)
    response = client.get(reverse("template-download"), {"year": 2024, "quarter": 1, "unit": "SLDTBXH"})
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["Nhập liệu"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "7")
    assert row[9].protection.locked is True
    row[9].value = 61
    buffer = io.BytesIO()
    wb.save(buffer)
    html = client.post(reverse("upload"), {"file": SimpleUploadedFile("mau.xlsx", buffer.getvalue())}).content.decode()
    assert "Chỉ tiêu dạng mức không có số lũy kế" in html and not Figure.objects.exists()


# --- estimates, yearly measures, the full-year view ----------------------------------------------


def test_an_official_figure_replaces_the_estimate_which_stays_in_history(client, finance, viewer):
    client.force_login(finance)
    post_page(client, "STC", 1, {("3", "value"): "500", ("3", "kind"): "estimate"}, action="submit")
    figure = Figure.objects.get()
    Submission.objects.filter(pk=figure.submission_id).update(state="approved")
    client.force_login(viewer)
    html = client.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 1}).content.decode()
    assert "Quý I (ước): 500,0 / 2.460" in html
    key = ApiToken.issue(viewer)[1]
    data = client.get(reverse("api-progress"), {"year": 2024, "quarter": 1}, HTTP_AUTHORIZATION=f"Bearer {key}").json()
    budget = next(m for i in data["indicators"] for m in i["measures"] if m["code"] == "3")
    assert budget["estimate"] is True

    Submission.objects.filter(pk=figure.submission_id).update(state="returned")
    client.force_login(finance)
    post_page(client, "STC", 1, {("3", "value"): "520", ("3", "kind"): "official"}, action="submit")
    Submission.objects.filter(pk=figure.submission_id).update(state="approved")
    figure.refresh_from_db()
    assert (figure.value, figure.estimate_value, figure.kind) == (Decimal("520"), Decimal("500"), "official")
    assert [h.value for h in figure.history.order_by("history_date")] == [Decimal("500"), Decimal("520")]
    cache.clear()
    client.force_login(viewer)
    html = client.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 1}).content.decode()
    assert "Quý I: 520,0 / 2.460" in html and "Quý I (ước)" not in html
    assert "Số chính thức đã thay số ước tính (500,0)." in html


def test_yearly_measures_are_awaited_with_their_publication_month(client, viewer, programme):
    client.force_login(viewer)
    html = client.get(reverse("indicator", args=[16]), {"year": 2024, "quarter": 2}).content.decode()
    assert "6 tháng: công bố hằng năm, dự kiến tháng 5/2025" in html
    assert "Chờ công bố" in html and "Chưa có số liệu" not in html.split("<h1")[1].split("By unit")[0][:3000]
    # Past May 2025 (today), the 2024 PCI is due: missing now, no longer awaited.
    full_year = client.get(reverse("indicator", args=[16]), {"year": 2024, "quarter": 4}).content.decode()
    assert "Cả năm: chưa có số liệu" in full_year and "dự kiến tháng 5/2025" not in full_year


def test_yearly_figures_may_be_entered_after_the_q4_deadline_until_the_year_is_closed(client, reviewer, programme):
    Deadline.objects.create(campaign=programme, quarter=4, due_on=datetime.date(2025, 1, 15))
    labour = make_user("reporter-labour", "reporter", units=[Unit.objects.get(code="SLDTBXH")])
    client.force_login(labour)
    html = page(client, "SLDTBXH", 4)
    assert "vẫn được nhập cho đến khi quản trị viên khóa số liệu năm" in html
    response = post_page(client, "SLDTBXH", 4, {("6", "value"): "4,52", ("7", "value"): "61"}, action="submit")
    assert response.status_code == 302
    # The poverty rate (yearly) is in; the trained-labour rate (quarterly) closed with the quarter.
    assert dict(Figure.objects.values_list("measure__code", "value")) == {"6": Decimal("4.52")}
    assert Submission.objects.get().state == "submitted"
    # Saved first, then sent with nothing changed: sent too (before, refused as "the period closed").
    Submission.objects.all().delete()
    assert post_page(client, "SLDTBXH", 4, {("6", "value"): "4,52"}).status_code == 302
    assert post_page(client, "SLDTBXH", 4, {}, action="submit").status_code == 302
    assert Submission.objects.get().state == "submitted"

    Submission.objects.all().delete()
    opened = page(client, "SLDTBXH", 4)
    Campaign.objects.filter(pk=programme.pk).update(year_closed=True)
    assert post_page(client, "SLDTBXH", 4, {("6", "value"): "4,6"}, opened=opened).status_code == 403
    client.force_login(reviewer)  # nor the secretariat: the closed year's signed report stands as it was
    assert post_page(client, "SLDTBXH", 4, {("6", "value"): "4,6"}, opened=opened).status_code == 403
    assert not Figure.objects.filter(measure__code="6").exists()


def test_the_full_year_view_never_says_not_met_from_nine_month_data(client, viewer, programme):
    approved("SLDTBXH", 3, **{"7": "50"})  # trained labour 50 % against a plan of 60 %
    client.force_login(viewer)
    html = client.get(reverse("indicator", args=[7]), {"year": 2024, "quarter": 4}).content.decode()
    assert "Cả năm: chưa có số cả năm; 9 tháng: 50,0 % (kế hoạch 60 %)" in html
    assert "Không đạt" not in html
    key = ApiToken.issue(viewer)[1]
    data = client.get(reverse("api-progress"), {"year": 2024, "quarter": 4}, HTTP_AUTHORIZATION=f"Bearer {key}").json()
    trained = next(m for i in data["indicators"] for m in i["measures"] if m["code"] == "7")
    assert trained["status"] == "behind" and trained["year_figure_pending"] is True
    # The report it is carried from: its period, state and kind, as the overview shows them.
    assert (trained["carried_quarter"], trained["state"], trained["kind"]) == (3, "approved", "official")
    wb = exports.report_workbook(programme, 4, lang="vi")
    cells = [str(c.value) for r in wb.worksheets[0].iter_rows() for c in r if c.value is not None]
    row = next(i for i, text in enumerate(cells) if "Tỷ lệ lao động qua đào tạo" in text)
    assert "Không đạt" not in cells[row: row + 10]
    assert any("chưa có số cả năm" in text for text in cells[row: row + 10])


def test_an_estimate_of_a_year_to_date_is_kept_as_reported_when_the_official_one_replaces_it(client, finance, viewer):
    # Nine months estimated as 600 for the quarter and 1.900 since January; the official year to date is 1.905.
    client.force_login(finance)
    post_page(client, "STC", 1, {("3", "value"): "650"}, action="submit")
    post_page(client, "STC", 2, {("3", "value"): "650"}, action="submit")
    post_page(client, "STC", 3, {("3", "value"): "600", ("3", "cumulative"): "1.900", ("3", "kind"): "estimate"},
              action="submit", confirm="1")
    figure = Figure.objects.get(submission__quarter=3)
    Submission.objects.filter(pk=figure.submission_id).update(state="returned")
    post_page(client, "STC", 3, {("3", "value"): "600", ("3", "cumulative"): "1.905", ("3", "kind"): "official"},
              action="submit", confirm="1")
    figure.refresh_from_db()
    assert (figure.estimate_value, figure.estimate_cumulative, figure.kind) == (Decimal("600"), Decimal("1900"), "official")
    client.force_login(viewer)
    Submission.objects.filter(pk=figure.submission_id).update(state="approved")
    html = client.get(reverse("submission", args=[figure.submission_id])).content.decode()
    assert "Số ước tính trước đó: 600,0; lũy kế 1.900,0" in html  # what the dashboards judged was the 1.900
    key = ApiToken.issue(viewer)[1]
    data = client.get(reverse("api-figures"), {"year": 2024, "quarter": 3, "unit": "STC", "measure": "3"},
                      HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert (data["results"][0]["estimate_value"], data["results"][0]["estimate_cumulative"]) == ("600", "1900")
    # An estimate given as a year to date alone (tourists, 2.400.000) is kept as that, not as a quarter's amount.
    approved("SVHTTDL", 3, **{"4": {"cumulative": Decimal("2410500"), "estimate_cumulative": Decimal("2400000")}})
    tourists = Figure.objects.get(measure__code="4")
    assert (tourists.estimate_value, tourists.earlier_estimate(0, "vi")) == (None, "lũy kế 2.400.000")


def test_the_raw_data_export_keeps_a_reported_year_to_date_and_the_replaced_estimate(tmp_path, programme):
    approved("STC", 3, **{"3": {"cumulative": Decimal("1900.25")}})
    approved("STC", 1, **{"3": {"value": Decimal("520"), "estimate_value": Decimal("500")}})
    path = tmp_path / "raw.xlsx"
    exports.write_raw_xlsx(exports.raw_figures(Figure.objects.all()), path)
    rows = list(load_workbook(path).worksheets[0].iter_rows(values_only=True))
    assert rows[0][-3:] == ("Lũy kế từ đầu năm", "Số ước trước đó", "Số ước trước đó, lũy kế")
    by_quarter = {row[1]: row for row in rows[1:]}
    assert by_quarter[3][7] is None and Decimal(str(by_quarter[3][-3])) == Decimal("1900.25")
    assert Decimal(str(by_quarter[1][-2])) == Decimal("500") and by_quarter[1][-1] is None


def test_the_official_workbook_says_when_an_official_figure_replaced_an_estimate(programme):
    approved("STC", 1, **{"3": {"value": Decimal("520"), "estimate_value": Decimal("500")}})
    for lang, words in (("vi", "Số chính thức đã thay số ước tính (500,0)."),
                        ("en", "The official figure has replaced the estimate (500.0).")):
        ws = exports.report_workbook(programme, 1, lang=lang).worksheets[0]
        row = next(r for r in ws.iter_rows() if r[0].value == "3" or r[0].value == 3 or
                   (isinstance(r[1].value, str) and r[1].value.startswith(("Thu ngân sách", "State budget revenue"))))
        notes = [c.value for c in row if isinstance(c.value, str) and words in c.value]
        assert notes, [c.value for c in row]


def test_a_verdict_given_as_an_estimate_stays_one_when_its_words_are_changed(client, open_year):
    # Defence and military tasks (measure 15), assessed in words: an estimate in the third quarter.
    defence = Measure.objects.get(code="15")
    unit = defence.assignments.get(role="lead").unit
    client.force_login(make_user("reporter-defence", "reporter", units=[unit]))
    post_page(client, unit.code, 3, {("15", "verdict"): "completed_well", ("15", "narrative"): "Ước hoàn thành tốt.",
                                    ("15", "kind"): "estimate"})
    assert Figure.objects.get(measure=defence).kind == "estimate"
    # The page offers the kind beside the assessment; a change of words alone keeps it an estimate.
    assert 'name="figures-' in page(client, unit.code, 3) and "Ước tính" in page(client, unit.code, 3)
    post_page(client, unit.code, 3, {("15", "narrative"): "Ước hoàn thành tốt; đã diễn tập khu vực phòng thủ."})
    figure = Figure.objects.get(measure=defence)
    assert (figure.narrative, figure.kind) == ("Ước hoàn thành tốt; đã diễn tập khu vực phòng thủ.", "estimate")
    post_page(client, unit.code, 3, {("15", "kind"): "official"})
    assert Figure.objects.get(measure=defence).kind == "official"


def test_a_rate_that_may_be_negative_is_typed_on_a_keyboard_with_a_minus(client, open_year):
    # GRDP growth (measure 1) may be -1,5; a phone's decimal keypad (iOS) has no minus key.
    growth = Measure.objects.get(code="1")
    unit = growth.assignments.get(role="lead").unit
    client.force_login(make_user("reporter-stats", "reporter", units=[unit]))
    import re

    html = page(client, unit.code, 4)
    rows = {int(pk): i for i, pk in re.findall(r'name="figures-(\d+)-measure" value="(\d+)"', html)}
    boxes = {i: tag for tag, i in re.findall(r'(<input[^>]*name="figures-(\d+)-value"[^>]*>)', html)}
    assert 'inputmode="text"' in boxes[rows[growth.pk]]
    assert 'inputmode="decimal"' in boxes[rows[Measure.objects.get(code="2").pk]]
