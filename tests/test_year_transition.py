"""The turn of the year: next year's programme copied from this one while this one still takes
its late figures. What last year means on each page of the new year."""

import datetime
import html
import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from targets.models import Campaign, Deadline, Figure, Measure, MeasureAssignment, Submission, Unit
from targets.services import copy_campaign
from tests.conftest import make_user


@pytest.fixture
def next_year(demo):
    """2025 copied from the demo's 2024 (Q1–Q2 approved, Q3 awaiting review or still a draft), open for entry."""
    campaign = copy_campaign(source_year=2024, target_year=2025)
    for quarter in (1, 2, 3, 4):
        Deadline.objects.update_or_create(campaign=campaign, quarter=quarter, unit=None, defaults={"due_on": datetime.date(2099, 1, 1)})
    return campaign


def _entry_row(client, unit: Unit, quarter: int, code: str) -> dict:
    name = f"reporter-{unit.code.lower()}"
    client.force_login(User.objects.filter(username=name).first() or make_user(name, "reporter", units=[unit]))
    response = client.get("/nhap-so-lieu/", {"year": 2025, "quarter": quarter, "unit": unit.code})
    assert response.status_code == 200
    return next(row for row in response.context["formset"].rows if row["measure"].code == code)


@pytest.mark.template_context
def test_a_districts_last_year_on_the_entry_page_is_its_approved_figures_never_an_unsent_draft(client, next_year):
    district = Unit.objects.get(code="029")
    draft = Submission.objects.get(campaign__year=2024, unit=district, quarter=3)
    assert draft.state == "draft"
    Figure.objects.filter(submission=draft, measure__code="14a").update(value=Decimal("999"))
    # Its nine months of 2024 are not all approved: no figure for the same period, never one with the draft in it.
    assert _entry_row(client, district, 3, "14a")["same_period"] is None
    approved = sum(Figure.objects.filter(submission__campaign__year=2024, submission__unit=district, submission__quarter__lte=2,
                                         measure__code="14a").values_list("value", flat=True))
    assert _entry_row(client, district, 2, "14a")["same_period"] == approved


@pytest.mark.template_context
def test_the_lead_units_last_year_on_the_entry_page_is_the_one_the_dashboards_judge_with(client, admin_user, next_year):
    police = Unit.objects.get(code="CA")
    assert Submission.objects.get(campaign__year=2024, unit=police, quarter=3).state == "submitted"
    shown = _entry_row(client, police, 3, "14a")["same_period"]
    client.force_login(admin_user)
    progress = json.loads(client.get("/api/v1/progress/", {"year": 2025, "quarter": 3}).content)
    judged = next(m for i in progress["indicators"] for m in i["measures"] if m["code"] == "14a")["same_period"]
    assert (shown, judged) == (None, None)  # 2024's nine months are not approved yet: no comparison on either
    assert _entry_row(client, police, 1, "14a")["same_period"] == next_year.measures.get(code="14a").same_period_q1


def _approved_again(reviewer, admin, unit: Unit, quarter: int, values: dict) -> None:
    """2024's report reopened by an admin, corrected by the secretariat, approved again."""
    from targets import workflow
    from targets.models import Campaign, Measure

    year = Campaign.objects.get(year=2024)
    report = Submission.objects.get(campaign=year, unit=unit, quarter=quarter)
    if report.state == "approved":
        workflow.reopen(user=admin, submission=report, reason="Cục Thống kê công bố số chính thức.")
    if report.state != "submitted":
        entries = []
        for code, value in values.items():
            figure = Figure.objects.filter(submission=report, measure__code=code).first()
            entries.append(workflow.Entry(measure=Measure.objects.get(campaign=year, code=code), value=value,
                                          version=figure.version if figure else None))
        workflow.save_figures(user=reviewer, campaign=year, unit=unit, quarter=quarter, entries=entries, reason="Số chính thức")
        workflow.submit(user=reviewer, campaign=year, unit=unit, quarter=quarter)
    workflow.approve(user=reviewer, submissions=[Submission.objects.get(campaign=year, unit=unit, quarter=quarter)])


def _same_period(client, admin, quarter: int, code: str):
    client.force_login(admin)
    progress = json.loads(client.get("/api/v1/progress/", {"year": 2025, "quarter": quarter}).content)
    return next(m for i in progress["indicators"] for m in i["measures"] if m["code"] == code)["same_period"]


def test_next_years_last_year_follows_a_correction_approved_after_the_copy(client, admin_user, reviewer, next_year):
    police = Unit.objects.get(code="CA")
    before = next_year.measures.get(code="14a").same_period_q1
    assert before is not None and before != Decimal(66)
    _approved_again(reviewer, admin_user, police, 1, {"14a": Decimal(66)})
    assert next_year.measures.get(code="14a").same_period_q1 == Decimal(66)
    assert Decimal(_same_period(client, admin_user, 1, "14a")) == Decimal(66)


def test_next_years_nine_months_and_year_arrive_when_this_years_are_approved(client, admin_user, reviewer, next_year):
    police = Unit.objects.get(code="CA")
    assert next_year.measures.get(code="14a").same_period_q3 is None  # 2024's Q3 awaits review at the copy
    _approved_again(reviewer, admin_user, police, 3, {})
    nine_months = sum(Figure.objects.filter(submission__campaign__year=2024, submission__unit=police, measure__code="14a")
                      .values_list("value", flat=True))
    assert next_year.measures.get(code="14a").same_period_q3 == nine_months
    assert Decimal(_same_period(client, admin_user, 3, "14a")) == nine_months


def test_last_year_values_an_admin_entered_from_a_publication_are_kept(reviewer, admin_user, next_year):
    budget = next_year.measures.get(code="3")
    budget.same_period_q3, budget.baseline_source = Decimal("1999.5"), "Niên giám thống kê tỉnh Hà Giang 2024"
    budget.save()
    _approved_again(reviewer, admin_user, Unit.objects.get(code="STC"), 3, {})
    budget.refresh_from_db()
    assert (budget.same_period_q3, budget.baseline_source) == (Decimal("1999.5"), "Niên giám thống kê tỉnh Hà Giang 2024")


def test_the_review_queue_reaches_last_years_reports_from_its_year_picker(client, reviewer, next_year):
    client.force_login(reviewer)
    # 2025 is set up but nothing is reported in it yet: the queue opens on 2024, where the reports wait.
    page = client.get("/tham-dinh/").content.decode()
    form = page.split('<select class="form-select" id="year" name="year">', 1)[1].split("</select>", 1)[0]
    assert '<option value="2024" selected>2024</option>' in form and '<option value="2025" >2025</option>' in form
    waiting = Submission.objects.filter(campaign__year=2024, quarter=3, state="submitted").select_related("unit").first()
    assert waiting.unit.code in client.get("/tham-dinh/", {"year": 2024, "quarter": 3}).content.decode()
    # Opened on 2025, the queue still names last year's reports waiting, with the way to them.
    count = Submission.objects.filter(campaign__year=2024, quarter=3, state="submitted").count()
    page = client.get("/tham-dinh/", {"year": 2025, "quarter": 1}).content.decode()
    assert f'<a href="?year=2024&amp;quarter=3">Quý III năm 2024 ({count})</a>' in page


def test_the_secretariat_is_told_a_unit_is_no_longer_active_not_that_it_is_another_units(client, reviewer, next_year):
    Unit.objects.filter(code="SKHDT").update(is_active=False)
    client.force_login(reviewer)
    page = client.get("/nhap-so-lieu/", {"year": 2024, "quarter": 4, "unit": "SKHDT"})
    assert page.status_code == 403
    assert "không còn hoạt động nên không nhập được số liệu" in page.content.decode()


@pytest.mark.template_context
def test_the_lead_units_entry_page_compares_a_yearly_score_with_last_years_actual_as_the_dashboards_do(client, next_year):
    pci = next_year.measures.get(code="16b")
    pci.previous_year, pci.baseline_source = Decimal("65.1"), "VCCI, PCI 2024"
    pci.save()
    lead = pci.assignments.get(role="lead").unit
    assert _entry_row(client, lead, 4, "16b")["same_period"] == Decimal("65.1")


def test_last_years_values_from_a_programme_file_or_typed_in_the_admin_are_not_replaced(client, admin_user, reviewer, next_year):
    import copy

    from targets.models import Measure
    from targets.programme import load_programme, read_programme
    from tests.conftest import PROGRAMME
    from tests.test_admin import _measure_form

    data = copy.deepcopy(read_programme(PROGRAMME))
    data = json.loads(json.dumps(data).replace('"year": 2024', '"year": 2025'))
    budget_file = next(m for t in data["themes"] for i in t.get("indicators", []) for m in i.get("measures", []) if m["code"] == "3")
    budget_file.update({"previous_year": "2301.2", "same_period": {"3": "1602.3"}})
    load_programme(data)
    budget = next_year.measures.get(code="3")
    assert (budget.same_period_q3, budget.baseline_source) == (Decimal("1602.3"), "Programme file")
    # Typed in the admin without saying where from: refused, since the next approval would replace them.
    doctors = next_year.measures.get(code="9a")
    client.force_login(admin_user)
    url = f"/admin/targets/measure/{doctors.pk}/change/"
    page = html.unescape(client.post(url, _measure_form(doctors, same_period_q1="9,75")).content.decode())
    assert "Bạn đã nhập số liệu năm trước: hãy ghi nguồn" in page
    # Said before the source is given: with one, the approvals no longer fill the measure's other values.
    assert "Khi có nguồn, mọi số liệu năm trước của chỉ số này giữ nguyên như ở đây và không còn theo số liệu được duyệt nữa" in page
    assert client.post(url, _measure_form(doctors, same_period_q1="9,75", baseline_source="Niên giám 2024")).status_code == 302
    _approved_again(reviewer, admin_user, Unit.objects.get(code="STC"), 3, {})
    assert Measure.objects.get(pk=budget.pk).same_period_q3 == Decimal("1602.3")
    assert Measure.objects.get(pk=doctors.pk).same_period_q1 == Decimal("9.75")


def test_the_year_a_page_opens_on_follows_the_calendar_and_the_work_left_in_the_year_before(programme):
    from django.utils import timezone

    from targets.models import (
        Campaign,
        current_campaign,
        entry_campaign,
        newest_campaign,
        proposals_campaign,
        reports_waiting_for_review,
        review_campaign,
    )

    day = datetime.date
    copy_campaign(source_year=2024, target_year=2025)  # the programme's deadlines: the default 15th after each quarter
    both = list(Campaign.objects.all())  # 2025, then 2024
    city = Unit.objects.get(code="024")
    # November 2024, 2025 set up ahead: every page stays on 2024.
    assert current_campaign(both, day(2024, 11, 26)).year == 2024 and entry_campaign(both, city, day(2024, 11, 26)).year == 2024
    # January 2025: the fourth-quarter reports, their review and the year's closing are 2024's work.
    assert current_campaign(both, day(2025, 1, 10)).year == 2024 and entry_campaign(both, city, day(2025, 1, 10)).year == 2024
    # …not for a district set up for 2025, which owes 2024 nothing: its entry page opens on 2025.
    new_district = Unit.objects.create(code="036", name="Huyện Phó Bảng", kind="locality", since_year=2025)
    MeasureAssignment.objects.create(measure=Measure.objects.get(campaign__year=2025, code="3"), unit=new_district)
    assert entry_campaign(both, new_district, day(2025, 1, 10)).year == 2025
    # February: units enter 2025's first quarter; the dashboards stay on 2024 until that quarter is due…
    assert entry_campaign(both, city, day(2025, 2, 10)).year == 2025 and current_campaign(both, day(2025, 2, 10)).year == 2024
    # …or until 2024 is closed.
    Campaign.objects.filter(year=2024).update(year_closed=True)
    both = list(Campaign.objects.all())
    assert current_campaign(both, day(2025, 2, 10)).year == 2025
    Campaign.objects.filter(year=2024).update(year_closed=False)
    both = list(Campaign.objects.all())
    assert current_campaign(both, day(2025, 4, 16)).year == 2025
    # A 2024 report sent back to the unit in February: its entry page opens on it.
    report = Submission.objects.create(campaign=programme, unit=city, quarter=4, state="returned", submitted_at=timezone.now())
    assert entry_campaign(both, city, day(2025, 2, 10)).year == 2024
    # The queue opens where a report waits, however old; the pages that set a year up on the newest.
    report.state = "submitted"
    report.save()
    assert review_campaign(both, reports_waiting_for_review(), day(2025, 4, 20)).year == 2024 and newest_campaign(both).year == 2025
    # Proposals are drafted from a closed year and decided months into the next: that year's page.
    assert proposals_campaign(both, day(2025, 6, 1)).year == 2025  # 2024 not closed yet: nothing else to show
    Campaign.objects.filter(year=2024).update(year_closed=True)
    assert proposals_campaign(list(Campaign.objects.all()), day(2025, 6, 1)).year == 2024


def test_no_report_is_entered_for_a_programme_whose_year_has_not_begun(client, programme):
    from django.utils import timezone

    from targets import workflow

    ahead = copy_campaign(source_year=2024, target_year=timezone.localdate().year + 1)  # set up in November
    city = Unit.objects.get(code="024")
    reporter = make_user("reporter-city", "reporter", units=[city])
    budget = ahead.measures.get(code="3")
    # Last year's fourth quarter typed into next year's first, by mistake: refused, and said why.
    with pytest.raises(workflow.EntryRefused, match=f"Năm của chương trình {ahead.year} chưa bắt đầu"):
        workflow.save_figures(user=reporter, campaign=ahead, unit=city, quarter=1, entries=[workflow.Entry(measure=budget, value=Decimal(5))])
    client.force_login(reporter)
    page = client.get("/nhap-so-lieu/", {"year": ahead.year, "quarter": 1, "unit": "024"}).content.decode()
    assert f"Năm của chương trình {ahead.year} chưa bắt đầu" in page
    assert not Figure.objects.filter(submission__campaign=ahead).exists()


@pytest.mark.parametrize("year", [1999, 2101, 2999])
def test_a_programme_is_copied_only_into_a_year_the_programmes_own_year_box_takes(programme, year):
    from targets.models import Campaign
    from targets.services import CopyError

    with pytest.raises(CopyError) as refused:
        copy_campaign(source_year=2024, target_year=year)
    assert str(refused.value) == (f"{year} không phải là năm của một chương trình: chương trình là của một năm từ 2000 "
                                  "đến 2100.")
    assert not Campaign.objects.filter(year=year).exists()


def test_the_programmes_year_box_takes_the_years_a_programme_is_copied_into(client, admin_user, programme):
    from targets.models import Campaign
    from tests.test_admin_emulation_rules import admin_save, errors

    client.force_login(admin_user)
    for year in (1999, 2101):  # its five-year plan and date of issue with it: only the year is refused
        response = admin_save(client, "campaign", programme.pk, year=str(year), plan_start=str(year - 4), plan_end=str(year),
                              issued_on=f"15/12/{year - 1}")
        assert response.status_code == 200
        assert errors(response) == f"{year} không phải là năm của một chương trình: chương trình là của một năm từ 2000 đến 2100."
    assert Campaign.objects.get(pk=programme.pk).year == 2024
    # The bounds themselves are years: copied into, the year box keeps them.
    assert copy_campaign(source_year=2024, target_year=2100).year == 2100
    response = admin_save(client, "campaign", programme.pk, year="2000", plan_start="1996", plan_end="2000", issued_on="15/12/1999")
    assert response.status_code == 302, errors(response)
    assert Campaign.objects.get(pk=programme.pk).year == 2000


def test_a_programme_set_up_for_next_year_cites_no_document_until_the_admin_enters_the_one_issued(client, admin_user, next_year):
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    from targets import exports
    from tests.test_admin_emulation_rules import admin_save, errors

    def home(year):
        return html.unescape(client.get("/", {"year": year}).content.decode())

    def report_line(lang="vi"):
        return exports.report_workbook(next_year, 1, lang=lang).worksheets[0]["A7"].value

    def ranking_line(lang="vi"):
        response = client.get(reverse("ranking-export"), {"year": 2025, **({"lang": lang} if lang != "vi" else {})})
        return load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]["A6"].value

    client.force_login(admin_user)
    # 2024's document is No. 322/CTr-UBND of 26/12/2023; "322/CTr-UBND of 26/12/2024" would be one nobody issued.
    # Said in the report's heading without brackets inside its brackets.
    pending = "Chương trình thi đua năm 2025, chưa có số và ngày ban hành"
    page = home(2025)
    assert f"Ủy ban nhân dân tỉnh Hà Giang · {pending}" in page
    assert "322/CTr-UBND" not in page and "26/12/2024" not in page
    # Both workbooks cite it by its year and its issuer, then say it has no number yet: the issuer never
    # dangles after "chưa có số và ngày ban hành" ("…not yet entered of the … Committee").
    unnumbered = "(Theo Chương trình thi đua năm 2025 của Ủy ban nhân dân tỉnh Hà Giang, chưa có số và ngày ban hành)"
    assert report_line() == ranking_line() == unnumbered
    unnumbered_en = ("(Under the 2025 emulation programme of the Ha Giang Provincial People's Committee, "
                     "number and date of issue not yet entered)")
    assert report_line("en") == ranking_line("en") == unnumbered_en
    assert "Chương trình số 322/CTr-UBND (26/12/2023)" in home(2024)  # last year's, as issued

    # Prepared before it is issued: its page saves without a number (its targets and themes are on it).
    response = admin_save(client, "campaign", next_year.pk, slogan="Đoàn kết, sáng tạo, về đích 2025")
    assert response.status_code == 302, errors(response)
    assert f"Ủy ban nhân dân tỉnh Hà Giang · {pending}" in home(2025)
    # No date of issue is guessed from last year's; a number without its date, or the reverse, is half a citation.
    assert Campaign.objects.get(pk=next_year.pk).issued_on is None
    response = admin_save(client, "campaign", next_year.pk, number="15/CTr-UBND")
    assert "Hãy nhập ngày ban hành chương trình cùng với số của chương trình." in errors(response)
    response = admin_save(client, "campaign", next_year.pk, issued_on="20/12/2024")
    assert "Hãy nhập số của chương trình cùng với ngày ban hành." in errors(response)
    # Issued: the admin enters its number and date, and every page and report cites it.
    response = admin_save(client, "campaign", next_year.pk, number="15/CTr-UBND", issued_on="20/12/2024")
    assert response.status_code == 302, errors(response)
    next_year.refresh_from_db()
    page = home(2025)
    assert "Ủy ban nhân dân tỉnh Hà Giang · Chương trình số 15/CTr-UBND (20/12/2024)" in page and pending not in page
    assert report_line() == "(Theo Chương trình số 15/CTr-UBND ngày 20/12/2024 của Ủy ban nhân dân tỉnh Hà Giang)"
    assert ranking_line() == "(Theo Chương trình thi đua số 15/CTr-UBND ngày 20/12/2024)"


def test_a_programme_number_that_shows_nothing_is_no_number(client, admin_user, next_year):
    # A zero-width space pasted from Word or Zalo looks like an empty box: pages would cite
    # "Chương trình số ​ (10/01/2025)", and the year could be closed on it.
    from django.urls import reverse

    from tests.test_admin_emulation_rules import admin_save, errors

    def page(name, year=2025):
        text = re.sub(r"<[^>]+>", "", client.get(reverse(name), {"year": year}).content.decode())
        return " ".join(html.unescape(text).split())

    client.force_login(admin_user)
    refused = ("Số chương trình không có ký tự nào nhìn thấy được (chỉ có dấu cách hoặc ký tự ẩn, thường do sao chép từ "
               "chương trình khác): hãy gõ số chương trình, hoặc để trống cho đến khi chương trình được ban hành.")
    for number, issued_on in (("\u200b", "10/01/2025"), ("\u200b", ""), (" \ufeff\u2060 ", "10/01/2025")):
        response = admin_save(client, "campaign", next_year.pk, number=number, issued_on=issued_on)
        assert response.status_code == 200
        assert errors(response) == refused
    assert Campaign.objects.get(pk=next_year.pk).number == ""
    # One stored before the rule is no number: nothing cites it, and the year is not closed on it.
    Campaign.objects.filter(pk=next_year.pk).update(number="\u200b", issued_on=datetime.date(2025, 1, 10))
    home = page("home")
    assert "Ủy ban nhân dân tỉnh Hà Giang · Chương trình thi đua năm 2025, chưa có số và ngày ban hành" in home
    assert "Chương trình số" not in home and "10/01/2025" not in home
    Deadline.objects.filter(campaign=next_year).update(due_on=datetime.date.today() - datetime.timedelta(days=1))  # closable
    assert "Chưa thể khóa sổ năm. Hãy nhập số và ngày ban hành của chương trình năm 2025 trước" in page("ranking")
    # A number that shows something is a number.
    response = admin_save(client, "campaign", next_year.pk, number="15/CTr-UBND", issued_on="20/12/2024")
    assert response.status_code == 302, errors(response)
    assert "Chương trình số 15/CTr-UBND (20/12/2024)" in page("home")


def test_copying_a_programme_tells_the_admin_to_enter_the_new_programmes_number_and_date(client, admin_user, programme):
    from django.urls import reverse

    from targets.models import Campaign

    client.force_login(admin_user)
    url = reverse("admin:targets_campaign_changelist")
    page = html.unescape(client.post(url, {"action": "copy_to_next_year", "_selected_action": [programme.pk]}, follow=True)
                         .content.decode())
    assert ("Khi chương trình năm 2025 được ban hành, hãy nhập số và ngày ban hành của chương trình trong trang quản trị "
            "(đến lúc đó các trang và báo cáo ghi là chưa có số, ngày ban hành)") in page
    assert Campaign.objects.get(year=2025).number == ""  # not 2024's number


def _page_text(response) -> str:
    import re

    """The page as read: inline tags dropped, block ones (list items, paragraphs…) a space."""
    body = re.sub(r"</?(?:li|p|div|ul|h\d|br|option|label|td|th)\b[^>]*>", " ", response.content.decode())
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body)))


def test_the_entry_page_lists_the_units_other_reports_still_owed_whichever_year_it_opens_on(client, demo):
    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from targets.models import Campaign
    from targets.overview import unsent_reports

    Deadline.objects.filter(campaign=demo).delete()  # the default deadlines: 2024's fourth quarter due 15/01/2025
    copy_campaign(source_year=2024, target_year=2025)
    quan_ba = Unit.objects.get(code="029")  # the demo's: 2024 Q1–Q2 approved, Q3 a draft never sent
    client.force_login(make_user("reporter-029", "reporter", units=[quan_ba]))

    def entry_page(day, **params):
        with mock.patch("django.utils.timezone.localdate", return_value=day):
            response = client.get("/nhap-so-lieu/", params)
        assert response.status_code == 200
        return response

    def link(year, quarter):
        return f'href="/nhap-so-lieu/?year={year}&amp;quarter={quarter}&amp;unit=029"'

    # 10 January: the page opens on 2024's fourth quarter, and says the third is still a draft, late.
    response = entry_page(datetime.date(2025, 1, 10))
    page = _page_text(response)
    assert "Nhập số liệu: Huyện Quản Bạ · Quý IV năm 2024" in page
    assert "Báo cáo khác chưa gửi Quý III năm 2024: Nháp · Hạn báo cáo: 15/10/2024 · Trễ hạn" in page
    assert link(2024, 3) in response.content.decode() and "Quý I năm 2025:" not in page
    # The template without a year or quarter (the upload page's "the open quarter" button) is the one the entry page opens on.
    def template_name(day):
        from django.urls import reverse

        with mock.patch("django.utils.timezone.localdate", return_value=day):
            return client.get(reverse("template-download"))["Content-Disposition"]

    assert template_name(datetime.date(2025, 1, 10)).endswith('filename="bieu-mau-2024-q4-029.xlsx"')
    assert template_name(datetime.date(2025, 1, 16)).endswith('filename="bieu-mau-2025-q1-029.xlsx"')
    # 16 January: it opens on 2025's first quarter; 2024's fourth, never begun, is now late too.
    response = entry_page(datetime.date(2025, 1, 16))
    page = _page_text(response)
    assert "Nhập số liệu: Huyện Quản Bạ · Quý I năm 2025" in page
    assert ("Báo cáo khác chưa gửi Quý III năm 2024: Nháp · Hạn báo cáo: 15/10/2024 · Trễ hạn "
            "Quý IV năm 2024: Chưa nhập · Hạn báo cáo: 15/01/2025 · Trễ hạn") in page
    assert link(2024, 4) in response.content.decode()
    # A report first sent in time and returned for a correction is owed again, but not late (the late page's rule).
    sent = timezone.make_aware(datetime.datetime(2024, 10, 14, 9))
    Submission.objects.filter(campaign=demo, unit=quan_ba, quarter=3).update(state="returned", submitted_at=sent, first_submitted_at=sent)
    page = _page_text(entry_page(datetime.date(2025, 2, 10), year=2025, quarter=1, unit="029"))
    assert "Quý III năm 2024: Trả lại · Hạn báo cáo: 15/10/2024 Quý IV năm 2024: Chưa nhập" in page
    page = _page_text(entry_page(datetime.date(2025, 2, 10)))  # the page opens on the report returned to it
    assert "Nhập số liệu: Huyện Quản Bạ · Quý III năm 2024" in page
    # ... and the box names the quarter being collected first, open, then last year's fourth.
    assert ("Báo cáo khác chưa gửi Quý I năm 2025: Chưa nhập · Hạn báo cáo: 15/04/2025 · Quý đang mở "
            "Quý IV năm 2024: Chưa nhập · Hạn báo cáo: 15/01/2025 · Trễ hạn") in page
    # Two years of reports in two queries, however many years there are.
    campaigns = list(Campaign.objects.prefetch_related("deadlines"))
    with CaptureQueriesContext(connection) as queries:
        assert len(unsent_reports(quan_ba, campaigns, datetime.date(2025, 2, 10))) == 2
    assert len(queries) == 2
    # A district set up for 2025 owes 2024 nothing: only its own year's missing reports.
    new_district = Unit.objects.create(code="036", name="Huyện Phó Bảng", kind="locality", since_year=2025)
    MeasureAssignment.objects.create(measure=Measure.objects.get(campaign__year=2025, code="3"), unit=new_district)
    assert [(r["campaign"].year, r["quarter"], r["late"]) for r in unsent_reports(new_district, campaigns, datetime.date(2025, 5, 1))] == [
        (2025, 1, True)]
    # Once they are sent, or their year is closed, the page says nothing more.
    Submission.objects.filter(campaign=demo, unit=quan_ba, quarter=3).update(state="submitted")
    Submission.objects.create(campaign=demo, unit=quan_ba, quarter=4, state="submitted", submitted_at=sent)
    assert "Báo cáo khác chưa gửi" not in _page_text(entry_page(datetime.date(2025, 2, 10)))
    Submission.objects.filter(campaign=demo, unit=quan_ba, quarter=4).delete()
    assert "Quý IV năm 2024: Chưa nhập" in _page_text(entry_page(datetime.date(2025, 2, 10)))
    # October: 2024's fourth quarter and 2025's first three all missing; a phone page lists three, this year's
    # first, and says how many more, linked to the unit's page of the year that holds them.
    response = entry_page(datetime.date(2025, 10, 20), year=2025, quarter=4, unit="029")
    assert ("Quý I năm 2025: Chưa nhập · Hạn báo cáo: 15/04/2025 · Trễ hạn Quý II năm 2025: Chưa nhập · Hạn báo cáo: 15/07/2025 · "
            "Trễ hạn Quý III năm 2025: Chưa nhập · Hạn báo cáo: 15/10/2025 · Trễ hạn và 1 báo cáo khác (năm 2024)") in _page_text(response)
    assert '<a class="alert-link" href="/don-vi/029/?year=2024">và 1 báo cáo khác</a>' in response.content.decode()
    Campaign.objects.filter(pk=demo.pk).update(year_closed=True)
    assert "Báo cáo khác chưa gửi" not in _page_text(entry_page(datetime.date(2025, 2, 10)))


def _frozen_entry_page(client, day, **params):
    from unittest import mock

    with mock.patch("django.utils.timezone.localdate", return_value=day):
        response = client.get("/nhap-so-lieu/", params)
    assert response.status_code == 200
    return response


def test_the_entry_pages_other_reports_put_this_years_first_and_link_the_rest_to_the_units_page_of_their_year(client, demo):
    """Probe 17 F4: 2024 left unclosed, copied to 2025 and 2026: in October 2026 the box listed 2024's first and
    hid this year's under "và 8 báo cáo khác", which led nowhere."""
    from unittest import mock

    Deadline.objects.filter(campaign=demo).delete()  # the default deadlines (the 15th after each quarter)
    copy_campaign(source_year=2024, target_year=2025)
    copy_campaign(source_year=2024, target_year=2026)
    client.force_login(make_user("reporter-029", "reporter", units=[Unit.objects.get(code="029")]))  # 2024 Q3 a draft, Q4 missing
    response = _frozen_entry_page(client, datetime.date(2026, 10, 20))
    page = _page_text(response)
    assert "Nhập số liệu: Huyện Quản Bạ · Quý IV năm 2026" in page
    assert ("Báo cáo khác chưa gửi Quý I năm 2026: Chưa nhập · Hạn báo cáo: 15/04/2026 · Trễ hạn "
            "Quý II năm 2026: Chưa nhập · Hạn báo cáo: 15/07/2026 · Trễ hạn Quý III năm 2026: Chưa nhập · Hạn báo cáo: 15/10/2026 · Trễ hạn "
            "và 6 báo cáo khác: năm 2025 (4), năm 2024 (2)") in page
    body = response.content.decode()
    assert '<a class="alert-link" href="/don-vi/029/?year=2025">năm 2025</a>' in body
    assert '<a class="alert-link" href="/don-vi/029/?year=2024">năm 2024</a>' in body
    # Where the link leads: the unit's quarters of that year, each with its state and whether it is late.
    with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2026, 10, 20)):
        unit_page = _page_text(client.get("/don-vi/029/", {"year": 2025}))
    assert ("Quý I – 15/04/2025 Trễ hạn Quý II – 15/07/2025 Trễ hạn Quý III – 15/10/2025 Trễ hạn "
            "Quý IV – 15/01/2026 Trễ hạn") in unit_page


def test_the_entry_page_opened_on_an_old_returned_report_names_the_quarter_being_collected_with_its_extension(client, demo):
    """Probe 17 F5: opened on last year's report returned to the unit, the box said nothing of this year's
    quarter being collected."""
    Deadline.objects.filter(campaign=demo).delete()
    next_year = copy_campaign(source_year=2024, target_year=2025)
    quan_ba = Unit.objects.get(code="029")
    Deadline.objects.create(campaign=next_year, quarter=1, unit=quan_ba, due_on=datetime.date(2025, 5, 31))  # an extension
    returned = datetime.datetime(2024, 10, 20, 9, tzinfo=datetime.UTC)
    Submission.objects.filter(campaign=demo, unit=quan_ba, quarter=3).update(state="returned", submitted_at=returned, first_submitted_at=None)
    client.force_login(make_user("reporter-029", "reporter", units=[quan_ba]))
    page = _page_text(_frozen_entry_page(client, datetime.date(2025, 5, 10)))
    assert "Nhập số liệu: Huyện Quản Bạ · Quý III năm 2024" in page  # where the page opens: the report sent back
    assert ("Báo cáo khác chưa gửi Quý I năm 2025: Chưa nhập · Hạn báo cáo: 31/05/2025 · Quý đang mở "
            "Quý IV năm 2024: Chưa nhập · Hạn báo cáo: 15/01/2025 · Trễ hạn") in page
    # Not on its own page; and once sent, no longer named.
    page = _page_text(_frozen_entry_page(client, datetime.date(2025, 5, 10), year=2025, quarter=1, unit="029"))
    assert "Quý I năm 2025:" not in page and "Quý III năm 2024: Trả lại · Hạn báo cáo: 15/10/2024 · Trễ hạn" in page
    Submission.objects.create(campaign=next_year, unit=quan_ba, quarter=1, state="submitted", submitted_at=returned)
    page = _page_text(_frozen_entry_page(client, datetime.date(2025, 5, 10)))
    assert "Quý đang mở" not in page and "Báo cáo khác chưa gửi Quý IV năm 2024: Chưa nhập" in page


def test_a_reporter_of_several_units_is_told_which_other_units_owe_reports(client, demo, reviewer):
    """Probe 17 F6: a reporter of two units saw only the selected unit's reports owed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from targets.models import Campaign
    from targets.overview import owes_reports

    Deadline.objects.filter(campaign=demo).delete()
    copy_campaign(source_year=2024, target_year=2025)
    quan_ba, city = Unit.objects.get(code="029"), Unit.objects.get(code="024")
    free = Unit.objects.exclude(owes_reports(demo)).filter(is_active=True).order_by("code").first()  # owes no report
    Submission.objects.filter(campaign=demo, unit=city, quarter=3).update(state="submitted")
    client.force_login(make_user("reporter-two", "reporter", units=[quan_ba, city, free]))
    with CaptureQueriesContext(connection) as three:
        response = _frozen_entry_page(client, datetime.date(2025, 2, 10), unit="029")
    page, body = _page_text(response), response.content.decode()
    assert "Đơn vị khác của bạn còn báo cáo chưa gửi (số báo cáo): 024 (1)" in page  # its 2024 Q4, never sent
    assert '<a class="alert-link" href="/nhap-so-lieu/?unit=024">024</a>' in body and f"?unit={free.code}\"" not in body
    page = _page_text(_frozen_entry_page(client, datetime.date(2025, 2, 10), unit="024"))
    assert "Đơn vị khác của bạn còn báo cáo chưa gửi (số báo cáo): 029 (2)" in page  # 2024 Q3 a draft, Q4 never sent
    # Two queries for all the other units, however many.
    client.force_login(make_user("reporter-one-more", "reporter", units=[quan_ba, city]))
    with CaptureQueriesContext(connection) as two:
        _frozen_entry_page(client, datetime.date(2025, 2, 10), unit="029")
    assert len(three) == len(two)
    # A reporter of one unit, and the secretariat (it enters for every unit: the late page lists them), get no such line.
    client.force_login(make_user("reporter-029", "reporter", units=[quan_ba]))
    assert "Đơn vị khác của bạn" not in _page_text(_frozen_entry_page(client, datetime.date(2025, 2, 10)))
    client.force_login(reviewer)
    assert "Đơn vị khác của bạn" not in _page_text(_frozen_entry_page(client, datetime.date(2025, 2, 10), unit="029"))
    assert Campaign.objects.filter(year_closed=False).count() == 2


def test_the_api_gives_no_document_for_a_programme_set_up_ahead(client, next_year):
    client.force_login(make_user("official-api", "viewer"))
    programme = client.get("/api/v1/progress/", {"year": 2025, "quarter": 1}).json()["campaign"]
    assert (programme["number"], programme["issued_on"]) == (None, None)  # not 2024's date moved a year
    assert client.get("/api/v1/progress/", {"year": 2024, "quarter": 1}).json()["campaign"]["number"] == "322/CTr-UBND"


def test_the_system_source_of_last_years_values_is_read_in_vietnamese_and_not_changed_alone_by_accident(
        client, admin_user, reviewer, next_year):
    """Probe A F7: translating "Approved figures of 2024 in this system" made the values stop following approvals."""
    from tests.test_admin import _measure_form

    budget = next_year.measures.get(code="3")
    assert budget.baseline_source == "Approved figures of 2024 in this system"
    client.force_login(admin_user)
    url = f"/admin/targets/measure/{budget.pk}/change/"
    page = html.unescape(client.get(url).content.decode())
    # Read in the admin's language; stored as it was (what sync_last_year looks for).
    assert re.search(r'name="baseline_source"[^>]*>\s*Số liệu đã duyệt năm 2024 trong hệ thống</textarea>', page)
    assert "theo số liệu đã duyệt năm 2024" in page
    # Saved as shown, or with the stored English words: the values still follow approvals.
    shown = _measure_form(budget, baseline_source="Số liệu đã duyệt năm 2024 trong hệ thống", name=budget.name + " ")
    assert client.post(url, shown).status_code == 302
    assert next_year.measures.get(code="3").baseline_source == "Approved figures of 2024 in this system"
    # The source alone reworded: refused, with why and what to do.
    for reworded in ("Số liệu đã duyệt năm 2024", "Niên giám thống kê 2024"):
        response = client.post(url, _measure_form(budget, baseline_source=reworded))
        assert response.status_code == 200
        assert ("Các số liệu năm trước này theo số liệu đã duyệt năm 2024 trong hệ thống: chỉ sửa nguồn sẽ khiến chúng không "
                "còn theo các lần duyệt nữa") in html.unescape(response.content.decode())
    assert next_year.measures.get(code="3").baseline_source == "Approved figures of 2024 in this system"
    _approved_again(reviewer, admin_user, Unit.objects.get(code="STC"), 3, {})
    assert next_year.measures.get(code="3").same_period_q3 is not None
    # Values typed from a publication, with their source: kept, as before.
    assert client.post(url, _measure_form(next_year.measures.get(code="3"), same_period_q3="1999,5",
                                          baseline_source="Niên giám thống kê 2024")).status_code == 302
    assert next_year.measures.get(code="3").baseline_source == "Niên giám thống kê 2024"
