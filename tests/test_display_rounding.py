"""Rounding for display never hides what decides a verdict, and an estimate is marked wherever a
year to date is shown: pages, the official report and its sheet by unit.

59,05 against a target of 59,1 (one decimal) is not "59,1 / 59,1 → at risk"; 2.459,96 of 2.460 is
not "100,0 % → not met". Found by a probe of the exports (2026-11-26).
"""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from targets.models import Figure, Measure, MeasureAssignment, Pledge, Submission, Unit


def put(campaign, unit_code, code, value, quarter=1, **extra):
    """An approved figure, as the secretariat leaves it."""
    report, _ = Submission.objects.get_or_create(campaign=campaign, unit=Unit.objects.get(code=unit_code), quarter=quarter,
                                                 defaults={"state": Submission.State.APPROVED})
    return Figure.objects.create(submission=report, measure=Measure.objects.get(campaign=campaign, code=code),
                                 value=None if value is None else Decimal(value), **extra)


def text(response) -> str:
    html = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def report(client, quarter):
    response = client.get(reverse("exports:report"), {"year": 2024, "quarter": quarter})
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def budget_just_short(programme):
    """The budget revenue (3, target 2.460 tỷ đồng, one decimal) 0,04 short at the year end."""
    for quarter, value in ((1, "600"), (2, "600"), (3, "600"), (4, "659.96")):
        put(programme, "STC", "3", value, quarter)
    return programme


def test_a_percent_of_plan_just_short_of_100_never_reads_100(client, budget_just_short, viewer):
    client.force_login(viewer)
    home = text(client.get(reverse("home"), {"year": 2024, "quarter": 4}))
    assert "2.459,96" in home and "(99,998 %)" in home and "(100,0 %)" not in home
    assert "= 99,998 % kế hoạch" in text(client.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 4}))
    row = next(r for r in report(client, 4).worksheets[0].iter_rows() if r[0].value == "3")
    percent = next(c for c in row if c.value is not None and c.number_format.startswith("[$-42A]#,##0.0") and 99 < c.value < 100)
    assert (percent.value, percent.number_format) == (99.998, "[$-42A]#,##0.000")


def test_the_indicator_pages_periods_tell_a_figure_from_its_target(client, programme, viewer):
    put(programme, "SGDDT", "10", "59.05")
    client.force_login(viewer)
    page = text(client.get(reverse("indicator", args=[10]), {"year": 2024, "quarter": 1}))
    assert "Quý I 59,05 59,10 — 59,10 99,9 % ⚠ Có nguy cơ chậm" in page  # the periods' table
    assert "(số liệu toàn tỉnh) 59,05 59,05 59,10 99,9 %" in page  # the units' table
    assert "10. Tỷ lệ trường học đạt chuẩn quốc gia · Quý I: 59,05" in page  # the change history: the stored digits


def test_the_report_by_unit_tells_a_pledge_apart_and_marks_an_estimate(client, programme, viewer, admin_user):
    Pledge.objects.create(unit=Unit.objects.get(code="024"), measure=Measure.objects.get(code="10"), target=Decimal("59.1"),
                          signed_on=datetime.date(2024, 1, 15), entered_by=admin_user)
    put(programme, "024", "10", "59.05", kind=Figure.Kind.ESTIMATE)
    client.force_login(viewer)
    ws = report(client, 1)["Chi tiết theo đơn vị"]
    row = next(r for r in ws.iter_rows(min_row=4) if r[0].value == "10" and r[3].value == "024")
    # The report sheet's mark for a provisional figure, explained under the table as under its.
    assert row[7].value == 59.05 and row[7].number_format == '[$-42A]#,##0.00 "(*)"'
    assert row[10].value == 59.1 and row[10].number_format == "[$-42A]#,##0.00"
    assert "(*) Số liệu ước tính hoặc chưa được thẩm định." in footnotes(ws)
    unit_page = text(client.get(reverse("unit", args=["024"]), {"year": 2024, "quarter": 1}))
    assert "59,05 % (ước)" in unit_page


def footnotes(ws) -> list[str]:
    """The lines under a sheet's table that explain its marks."""
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and re.match(r"\([*!≤>]\) ", c.value)]


def by_unit(ws, code, unit_code):
    return next(r for r in ws.iter_rows(min_row=4) if r[0].value == code and r[3].value == unit_code)


def test_the_by_unit_sheet_prints_a_whole_count_against_a_whole_target_without_decimals(client, programme, viewer, admin_user):
    # A district pledged 21 criteria (a count, no decimals) and met 5 in the first quarter: its pace
    # of 5,25 is on no sheet, and raised no decimals where the figure stands beside its target.
    Pledge.objects.create(unit=Unit.objects.get(code="024"), measure=Measure.objects.get(code="11"), target=Decimal("21"),
                          signed_on=datetime.date(2024, 1, 15), entered_by=admin_user)
    put(programme, "024", "11", "5")
    client.force_login(viewer)
    row = by_unit(report(client, 1)["Chi tiết theo đơn vị"], "11", "024")
    assert (row[6].value, row[6].number_format) == (5, "[$-42A]#,##0")
    assert (row[7].value, row[7].number_format) == (5, "[$-42A]#,##0")
    assert (row[10].value, row[10].number_format) == (21, "[$-42A]#,##0")


def test_the_by_unit_sheet_marks_and_explains_a_figure_not_yet_approved_as_the_report_sheet_does(client, programme, viewer):
    """One mark, one meaning in the workbook: (*) is an estimate or a figure the secretariat has not
    approved yet, on the report sheet and the by-unit sheet, explained under each table."""
    Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="SGDDT"), quarter=3, state=Submission.State.SUBMITTED)
    put(programme, "SGDDT", "10", "60", quarter=3)  # sent, not yet approved
    put(programme, "024", "10", "58", quarter=3)  # approved
    Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="TTT"), quarter=3, state=Submission.State.SUBMITTED)
    put(programme, "TTT", "17", None, quarter=3, verdict="completed")  # a verdict in words, sent
    client.force_login(viewer)
    for quarter in (3, 4):  # the full year, without its figure, stands on the nine months' figure
        wb = report(client, quarter)
        actual = next(r for r in wb["Báo cáo"].iter_rows() if r[0].value == "10")[5]
        assert actual.number_format.startswith('[$-42A]#,##0.0 "(*)"')
        ws = wb["Chi tiết theo đơn vị"]
        assert by_unit(ws, "10", "SGDDT")[7].number_format.startswith('[$-42A]#,##0.0 "(*)"'), quarter
        assert "(*)" not in by_unit(ws, "10", "024")[7].number_format
        verdict = next(r for r in wb["Báo cáo"].iter_rows() if r[0].value == "17")[5].value
        assert verdict.startswith("Hoàn thành nhiệm vụ (*)") and by_unit(ws, "17", "TTT")[7].value.startswith("Hoàn thành nhiệm vụ (*)")
        explained = "(*) Số liệu ước tính hoặc chưa được thẩm định."
        assert explained in footnotes(wb["Báo cáo"]) and explained in footnotes(ws)
    ws = report(client, 3)["Chi tiết theo đơn vị"]
    last = max(r[0].row for r in ws.iter_rows(min_row=4) if r[0].value and not r[0].value.startswith("("))
    assert ws.cell(last + 2, 1).value == explained  # under the table, a blank row between
    # In the sheet's language, with the report sheet's words.
    from targets import exports

    english = exports.report_workbook(programme, 3, lang="en")
    assert "(*) Estimated or not yet reviewed." in footnotes(english["By unit"])


def test_the_by_unit_sheet_explains_a_year_to_date_missing_a_quarter(client, programme, viewer):
    put(programme, "024", "3", "50", quarter=2)  # the city's first quarter never came
    client.force_login(viewer)
    ws = report(client, 2)["Chi tiết theo đơn vị"]
    assert by_unit(ws, "3", "024")[7].number_format.endswith('"(!)"')
    # Which quarters, on the row itself (units may lack different ones); the footnote points there.
    assert by_unit(ws, "3", "024")[9].value == "chưa đủ quý: quý I"
    assert "(!) Lũy kế còn thiếu số liệu của các quý nêu ở cột Ghi chú." in footnotes(ws)
    # No mark used, no explanation: every figure is official and approved.
    assert not any(line.startswith("(*)") for line in footnotes(ws))


def test_sums_that_disagree_by_less_than_a_shown_decimal_say_both_numbers(client, programme, viewer):
    # The districts add up to 100,04 where the province reports 100; the province's year to date
    # reported 200,04 where its quarters add up to 200.
    districts = [a.unit.code for a in MeasureAssignment.objects.filter(measure__code="3", role="breakdown", unit__kind=Unit.Kind.LOCALITY)]
    put(programme, "STC", "3", "100")
    for i, code in enumerate(districts):
        put(programme, code, "3", "10.04" if i == 0 else str(Decimal(90) / (len(districts) - 1)))
    put(programme, "STC", "3", "100", quarter=2, cumulative=Decimal("200.04"))
    client.force_login(viewer)
    q1 = text(client.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 1}))
    assert "các huyện là 100,04, nhưng số liệu toàn tỉnh là 100,00" in q1
    q2 = text(client.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 2}))
    assert "(200,04)" in q2 and "(200,00)" in q2


def _sent(campaign, user, unit_code, code, quarter, value):
    """A unit's figure saved and sent (workflow), not yet reviewed."""
    from targets import workflow

    unit = Unit.objects.get(code=unit_code)
    workflow.save_figures(user=user, campaign=campaign, unit=unit, quarter=quarter,
                          entries=[workflow.Entry(measure=Measure.objects.get(campaign=campaign, code=code), value=Decimal(value))])
    return workflow.submit(user=user, campaign=campaign, unit=unit, quarter=quarter)


@pytest.mark.parametrize("unreviewed", [1, 2])
def test_a_sum_of_quarters_is_marked_while_any_quarter_it_adds_is_not_yet_approved(client, programme, viewer, admin_user,
                                                                                  reviewer, unreviewed):
    """The budget revenue (3, a flow) after nine months with no third quarter sent: its year to date
    is the first half's sum, and one of the two reports it adds is only sent, not reviewed. The
    figure is marked (*) wherever it is shown, never read as final (and the API says "submitted")."""
    from targets import workflow

    reports = {q: _sent(programme, admin_user, "STC", "3", q, "600") for q in (1, 2)}
    workflow.approve(user=reviewer, submissions=[reports[q] for q in (1, 2) if q != unreviewed])
    client.force_login(viewer)
    for quarter in (2, 3, 4):  # the first half itself, the nine months and the full year that have only its sum
        wb = report(client, quarter)
        actual = next(r for r in wb["Báo cáo"].iter_rows() if r[0].value == "3")[5]
        assert actual.value == 1200 and '"(*)"' in actual.number_format, (quarter, actual.number_format)
        assert '"(*)"' in by_unit(wb["Chi tiết theo đơn vị"], "3", "STC")[7].number_format, quarter
        assert "(*) Số liệu ước tính hoặc chưa được thẩm định." in footnotes(wb["Báo cáo"])
        api = client.get(reverse("api-progress"), {"year": 2024, "quarter": quarter}).json()
        budget = next(m for i in api["indicators"] for m in i["measures"] if m["code"] == "3")
        assert budget["ytd"] == "1200" and budget["state"] == "submitted", (quarter, budget)
        # The overview's badge beside the indicator says the same: sent, not yet reviewed.
        home = client.get(reverse("home"), {"year": 2024, "quarter": quarter}).content.decode()
        row = next(r for r in home.split("<tr>") if 'href="/chi-tieu/3/' in r)
        assert '<span class="badge text-bg-light border">Đã gửi</span>' in row and "Đã duyệt" not in row, quarter
    # Once both are approved the sum is final: no mark.
    workflow.approve(user=reviewer, submissions=[reports[unreviewed]])
    wb = report(client, 3)
    assert '"(*)"' not in next(r for r in wb["Báo cáo"].iter_rows() if r[0].value == "3")[5].number_format
    assert '"(*)"' not in by_unit(wb["Chi tiết theo đơn vị"], "3", "STC")[7].number_format


def test_a_quarter_figure_derived_from_two_years_to_date_is_marked_while_the_earlier_one_is_not_approved(
        client, programme, viewer, admin_user, reviewer):
    """The budget revenue's third quarter, sent as its nine months' year to date only (1.800), is that
    less the first half's (600 + 600): made of the second quarter's figure too, which is only sent. The
    by-unit sheet's quarter column marks it (*), as the year to date's, never as final."""
    from targets import workflow

    first = _sent(programme, admin_user, "STC", "3", 1, "600")
    _sent(programme, admin_user, "STC", "3", 2, "600")
    unit, measure = Unit.objects.get(code="STC"), Measure.objects.get(campaign=programme, code="3")
    workflow.save_figures(user=admin_user, campaign=programme, unit=unit, quarter=3,
                          entries=[workflow.Entry(measure=measure, cumulative=Decimal("1800"))])
    third = workflow.submit(user=admin_user, campaign=programme, unit=unit, quarter=3)
    workflow.approve(user=reviewer, submissions=[first, third])
    client.force_login(viewer)
    row = by_unit(report(client, 3)["Chi tiết theo đơn vị"], "3", "STC")
    assert row[6].value == 600 and '"(*)"' in row[6].number_format
    workflow.approve(user=reviewer, submissions=[Submission.objects.get(unit=unit, quarter=2)])
    row = by_unit(report(client, 3)["Chi tiết theo đơn vị"], "3", "STC")
    assert row[6].value == 600 and '"(*)"' not in row[6].number_format
