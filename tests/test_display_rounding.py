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
    assert row[7].value == 59.05 and row[7].number_format == '[$-42A]#,##0.00 "(ước)"'
    assert row[10].value == 59.1 and row[10].number_format == "[$-42A]#,##0.00"
    unit_page = text(client.get(reverse("unit", args=["024"]), {"year": 2024, "quarter": 1}))
    assert "59,05 % (ước)" in unit_page


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
