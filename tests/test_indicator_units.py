"""The indicator page's table by unit: the most serious status first, sortable and paged fifty units
at a time, each measure's table on its own, with a chart of the same units beside it."""

import json
import re
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qsl

import pytest
from django.core.cache import cache
from django.urls import reverse

from targets.models import Figure, Measure, MeasureAssignment, Pledge, Submission, Unit
from targets.progress import SEVERITY, Status, status_label

DASH = "–"
VI_STATUS = {status_label(s, "vi"): s for s in Status}


def status_of(text: str) -> Status | None:
    """The status a cell shows after its icon ("▼ Chậm tiến độ"); None for the dash."""
    return None if text == DASH else VI_STATUS[text.split(" ", 1)[1]]


@pytest.fixture(autouse=True)
def fresh_pages():
    cache.clear()  # rows written with bulk_create or .update() send no signal


@pytest.fixture
def official(client, viewer):
    client.force_login(viewer)
    return client


def by_unit(html: str, measure: Measure) -> list[dict]:
    """Each row of the measure's table by unit: the unit's code (from its link), then each cell's text
    under its data-label (the unit's own cell under "name"), and the attributes of its cells."""
    section = html.split(f'id="by-unit-{measure.pk}"', 1)[1]
    table = section.split("<table", 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        row = {"tds": re.findall(r"<td([^>]*)>", tr)}
        for attrs, cell in re.findall(r"<td([^>]*)>(.*?)</td>", tr, re.S):
            label = re.search(r'data-label="([^"]+)"', attrs)
            row[label.group(1) if label else "name"] = " ".join(re.sub(r"<[^>]+>", "", cell).split())
        row["code"] = re.search(r'href="/don-vi/([^/]+)/', tr).group(1)
        rows.append(row)
    return rows


def headers(html: str, measure: Measure) -> list[str]:
    section = html.split(f'id="by-unit-{measure.pk}"', 1)[1]
    thead = section.split("<thead", 1)[1].split("</thead>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", "", th).split()) for th in re.findall(r"<th[^>]*>(.*?)</th>", thead, re.S)]


def units_chart(html: str, measure: Measure) -> dict:
    return json.loads(html.split(f'id="units-{measure.pk}"', 1)[1].split(">", 1)[1].split("</script>", 1)[0])


def links(html: str) -> list[tuple[dict, str]]:
    """The page's links within itself: their parameters and the part of the page they go to."""
    found = []
    for href in re.findall(r'href="\?([^"]*)"', html):
        query, _, fragment = unescape(href).partition("#")
        found.append((dict(parse_qsl(query, keep_blank_values=True)), fragment))
    return found


def number(text: str) -> Decimal | None:
    """A figure as the Vietnamese page shows it ("1.659,5 (ước)", "82,9 (thiếu số liệu quý III)"), or
    None for the dash."""
    text = text.split(" (", 1)[0].strip()
    return None if text == DASH else Decimal(text.replace(".", "").replace(",", "."))


def unit_order(codes: list[str]) -> list[str]:
    kinds = dict(Unit.objects.filter(code__in=codes).values_list("code", "kind"))
    return sorted(codes, key=lambda code: (kinds[code], code))


@pytest.fixture
def budget(demo):
    """Measure 3 (state budget revenue): the finance department gives the province figure, the city
    and the ten districts their own; each pledged its own target at the start of the year."""
    return Measure.objects.get(campaign=demo, code="3")


def page(client, measure: Measure, quarter: int = 3, **params) -> str:
    query = {"year": 2024, "quarter": quarter, **{f"u{measure.pk}-{k}": v for k, v in params.items()}}
    response = client.get(reverse("indicator", args=[measure.indicator.number]), query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_most_serious_status_comes_first_each_unit_judged_by_its_own_target(official, budget):
    Pledge.objects.filter(measure=budget, unit__code="024").update(target=Decimal("100"))  # 126.5 so far: ahead
    Pledge.objects.filter(measure=budget, unit__code="026").delete()  # nothing to judge 026 by
    rows = by_unit(page(official, budget), budget)
    statuses = [status_of(row["Đánh giá"]) for row in rows]
    ranks = [SEVERITY.index(s) if s else len(SEVERITY) for s in statuses]
    assert ranks == sorted(ranks) and ranks[0] < ranks[-1]
    for rank in set(ranks):  # equally serious: in the order of the units' kinds and codes
        codes = [row["code"] for row, r in zip(rows, ranks, strict=True) if r == rank]
        assert codes == unit_order(codes)
    by_code = {row["code"]: row for row in rows}
    assert rows[-1]["code"] == "026" and by_code["026"]["Đánh giá"] == DASH and by_code["026"]["Kế hoạch hoặc giao ước"] == DASH
    assert status_of(by_code["024"]["Đánh giá"]) in (Status.ON_TRACK, Status.MET, Status.EXCEEDED)
    # The finance department's figure is the province's, judged against the province's target; a
    # district's against its own pledge, never the province's.
    assert by_code["STC"]["name"] == "Sở Tài chính tỉnh Hà Giang (số liệu toàn tỉnh)"
    assert by_code["STC"]["Kế hoạch hoặc giao ước"] == "2.460,0"
    assert by_code["034"]["Kế hoạch hoặc giao ước"] == "147,2" and by_code["034"]["% so với kế hoạch"] == "65,1 %"
    assert by_code["034"]["Thực hiện lũy kế"] == "95,9 (ước)"  # estimates stay marked
    assert by_code["034"]["Trạng thái"] == "Đã gửi · Ước tính"
    assert by_code["033"]["Số liệu quý"] == DASH and by_code["033"]["Trạng thái"] == DASH


def test_units_sort_by_name_order_and_figures_by_number_not_text(official, budget):
    Figure.objects.filter(measure=budget, submission__unit__code="027").delete()  # no figure this year
    html = page(official, budget, sort="ytd")
    assert 'aria-sort="ascending"' in html.split(f'id="by-unit-{budget.pk}"', 1)[1].split("</thead>", 1)[0]
    figures = [number(row["Thực hiện lũy kế"]) for row in by_unit(html, budget)]
    known = [f for f in figures if f is not None]
    assert known == sorted(known) and known != sorted(known, key=str)  # 95,9 before 126,5, as numbers
    assert figures == known + [None] * (len(figures) - len(known)) and len(known) < len(figures)  # no figure: last
    falling = [number(row["Thực hiện lũy kế"]) for row in by_unit(page(official, budget, sort="-ytd"), budget)]
    assert falling == list(reversed(figures))  # and first when the order is reversed
    codes = [row["code"] for row in by_unit(page(official, budget, sort="unit"), budget)]
    assert codes == unit_order(codes) and codes[0] == "STC"  # the agency, then the districts by code
    assert [row["code"] for row in by_unit(page(official, budget, sort="-unit"), budget)] == list(reversed(codes))
    pledges = [number(row["% so với kế hoạch"].replace(" %", "")) for row in by_unit(page(official, budget, sort="percent"), budget)]
    assert [p for p in pledges if p is not None] == sorted(p for p in pledges if p is not None)


@pytest.fixture
def region(budget):
    """A region's worth of communes reporting the budget too: 72 units in all, more than a page."""
    campaign = budget.campaign
    units = Unit.objects.bulk_create([Unit(code=f"9{i:02d}", name=f"Xã thử nghiệm {i}", short_name=f"Xã {i}",
                                           kind=Unit.Kind.LOCALITY) for i in range(60)])
    MeasureAssignment.objects.bulk_create([MeasureAssignment(measure=budget, unit=u, role="breakdown") for u in units])
    submissions = Submission.objects.bulk_create([Submission(campaign=campaign, unit=u, quarter=1, state="approved") for u in units])
    Figure.objects.bulk_create([Figure(submission=s, measure=budget, value=Decimal(7 * i % 61) + Decimal("0.5"))
                                for i, s in enumerate(submissions)])
    return budget


def test_more_than_fifty_units_come_in_pages_with_the_chart_of_the_same_units(official, region):
    total = MeasureAssignment.objects.filter(measure=region).count()
    assert total == 72
    for params in ({}, {"sort": "-ytd"}, {"sort": "unit"}):
        first, second = page(official, region, 1, **params), page(official, region, 1, page=2, **params)
        rows = by_unit(first, region) + by_unit(second, region)
        assert len(by_unit(first, region)) == 50 and len(by_unit(second, region)) == total - 50
        assert len({row["code"] for row in rows}) == total
        for html in (first, second):
            shown = by_unit(html, region)
            names = {u.code: u.short_name or u.name for u in Unit.objects.filter(code__in=[r["code"] for r in shown])}
            chart = units_chart(html, region)
            # The bars are the table's units with a figure, in the table's order, with its numbers; not the lead
            # unit's, the province's total, which would flatten the others' bars (the chart above shows it).
            lead = MeasureAssignment.objects.get(measure=region, role="lead").unit.code
            with_figure = [row for row in shown if number(row["Thực hiện lũy kế"]) is not None and row["code"] != lead]
            assert chart["labels"] == [names[row["code"]] for row in with_figure]
            assert [Decimal(v) for v in chart["datasets"][0]["data"]] == [number(row["Thực hiện lũy kế"]) for row in with_figure]
    html = page(official, region, 1, sort="-ytd", page=2)
    assert "Đơn vị 51–72 trong số 72" in html and "Trang trước" in html
    # Back to the table, not the top of the page; a new order starts on its first page.
    u = f"u{region.pk}-"
    assert ({"year": "2024", "quarter": "1", f"{u}sort": "-ytd", f"{u}page": "1"}, f"by-unit-{region.pk}") in links(html)
    assert ({"year": "2024", "quarter": "1", f"{u}sort": "unit"}, f"by-unit-{region.pk}") in links(html)


def test_each_measures_table_sorts_and_pages_on_its_own(official, demo):
    cases, deaths = Measure.objects.get(campaign=demo, code="14a"), Measure.objects.get(campaign=demo, code="14b")
    url = reverse("indicator", args=[14])
    default = official.get(url, {"year": 2024, "quarter": 3}).content.decode()
    html = official.get(url, {"year": 2024, "quarter": 3, f"u{cases.pk}-sort": "-unit"}).content.decode()
    codes = [row["code"] for row in by_unit(html, cases)]
    assert codes == list(reversed(unit_order(codes)))
    assert by_unit(html, deaths) == by_unit(default, deaths)  # the other measure's table keeps its order
    assert by_unit(html, cases) != by_unit(default, cases)
    # The series table beside each chart is another table, with its own parameters (m<pk>-sort).
    series = html.split(f'id="measure-{cases.pk}"', 1)[1].split("</table>", 1)[0]
    assert f"m{cases.pk}-sort=" in series and f"u{cases.pk}-sort=-unit" in series
    assert re.findall(r"<td[^>]*>(Quý I|6 tháng|9 tháng)</td>", series) == ["Quý I", "6 tháng", "9 tháng"]


@pytest.mark.parametrize("params", [{"sort": "<b>'\"%"}, {"sort": "assignment"}, {"sort": "-"}, {"sort": ""}, {"page": "abc"},
                                    {"page": "-1"}, {"page": "0"}, {"page": "1.5"}, {"page": ""}, {"sort": "status", "page": "²"}])
def test_a_malformed_sort_or_page_shows_the_first_page(official, region, params):
    assert by_unit(page(official, region, 1, **params), region) == by_unit(page(official, region, 1), region)


def test_a_page_past_the_end_shows_the_last(official, region):
    assert by_unit(page(official, region, 1, page="99999999999999999999"), region) == by_unit(page(official, region, 1, page=2), region)


def test_each_cell_names_its_column_for_the_phone_cards(official, budget):
    html = page(official, budget)
    section = html.split(f'id="by-unit-{budget.pk}"', 1)[1]
    assert re.search(r'<table [^>]*class="table table-sm table-cards"', section.split("</table>", 1)[0])
    columns = headers(html, budget)
    for row in by_unit(html, budget):
        assert row["tds"][0] == ' class="cell-name"'  # the card's title
        labels = [re.search(r'data-label="([^"]+)"', td).group(1) for td in row["tds"][1:]]
        assert labels == columns[1:]


@pytest.mark.parametrize("lang, words", [
    ("vi", ["Đơn vị", "Số liệu quý", "Thực hiện lũy kế", "Kế hoạch hoặc giao ước", "% so với kế hoạch", "Đánh giá", "Trạng thái"]),
    ("en", ["Unit", "Quarter figure", "Actual, year to date", "Target or pledge", "% of target", "Status", "State"]),
])
def test_the_column_headers_and_pages_are_in_the_pages_language(official, region, lang, words):
    official.cookies["django_language"] = lang
    html = page(official, region, 1)
    assert headers(html, region) == words
    navigation = ("Trang sau", "Đơn vị 1–50 trong số 72", "Các trang của bảng theo đơn vị, chỉ tiêu 3") if lang == "vi" else \
        ("Next page", "Units 1–50 of 72", "Pages of the table by unit, measure 3")
    assert all(text in html for text in navigation)
    assert "Table navigation" not in html and "Showing the first" not in html


def test_a_measure_assessed_in_words_shows_each_units_verdict_without_a_target(official, demo):
    defence = Measure.objects.get(campaign=demo, code="15")
    district = Unit.objects.get(code="024")
    MeasureAssignment.objects.create(measure=defence, unit=district, role="breakdown")
    submission = Submission.objects.get(campaign=demo, unit=district, quarter=1)
    assert submission.state in Submission.VISIBLE_STATES
    Figure.objects.create(submission=submission, measure=defence, verdict="not_completed")
    html = page(official, defence, 1)
    assert "Kế hoạch hoặc giao ước" not in headers(html, defence) and "% so với kế hoạch" not in headers(html, defence)
    row = next(row for row in by_unit(html, defence) if row["code"] == "024")
    assert row["Kết quả mới nhất"] == "Chưa hoàn thành nhiệm vụ"
    assert row["Đánh giá"] != DASH  # a verdict is judged without a target


def test_a_year_to_date_says_what_it_lacks_and_a_full_year_not_yet_reported_the_period_it_is(official, budget):
    # Quản Bạ (029) sent its six months but no third quarter; nobody has sent a full-year figure.
    assert not Figure.objects.filter(measure=budget, submission__unit__code="029", submission__quarter=3,
                                     submission__state__in=Submission.VISIBLE_STATES).exists()
    nine = {row["code"]: row for row in by_unit(page(official, budget, quarter=3), budget)}
    assert nine["029"]["Thực hiện lũy kế"] == "82,9 (thiếu số liệu quý III)"
    assert "(" not in nine["031"]["Thực hiện lũy kế"].replace("(ước)", "")
    year = {row["code"]: row for row in by_unit(page(official, budget, quarter=4), budget)}
    # A full year carries the nine months, as the nine-month view has them: lacking the third quarter.
    assert year["029"]["Thực hiện lũy kế"] == "82,9 (9 tháng, thiếu số liệu quý III)"
    assert year["029"]["Đánh giá"].endswith("Chưa có số liệu (9 tháng, thiếu số liệu quý III)")
    assert year["031"]["Đánh giá"].endswith("(9 tháng)")
    assert year["031"]["Thực hiện lũy kế"] == "181,7 (ước) (9 tháng)"
    # The same on the unit's own page and on the overview.
    unit_page = official.get(reverse("unit", args=["029"]), {"year": 2024, "quarter": 4}).content.decode()
    assert "82,9 tỷ đồng (9 tháng, thiếu số liệu quý III)" in unit_page
    overview = official.get(reverse("home"), {"year": 2024, "quarter": 4}).content.decode()
    assert "1.659,5 (ước) (9 tháng) / 2.460,0 tỷ đồng" in overview


def test_the_districts_sum_is_compared_only_over_the_same_period(official, budget):
    # With Quản Bạ's third quarter missing, nine months of the province and six of a district do not add up.
    html = official.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 3}).content.decode()
    assert "Tổng số liệu các huyện là" not in html
    assert "Tổng số liệu các huyện là" in official.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 1}).content.decode()


@pytest.mark.parametrize("lang, city", [("vi", "TP Hà Giang"), ("en", "Ha Giang City")])
def test_the_chart_names_the_units_in_the_pages_language(official, budget, lang, city):
    official.cookies["django_language"] = lang
    html = page(official, budget)
    labels = units_chart(html, budget)["labels"]
    assert city in labels and ("TP Hà Giang" in labels) == (lang == "vi")
    if lang == "en":  # the table beside it names the city the same way
        assert city in html.split(f'id="by-unit-{budget.pk}"', 1)[1]


def test_a_level_measure_shows_its_latest_figure_not_a_year_to_date(official, demo):
    schools = Measure.objects.get(campaign=demo, code="10")  # the share of schools up to the national standard
    assert schools.aggregation == Measure.Aggregation.LEVEL
    html = page(official, schools)
    assert headers(html, schools)[2] == "Số liệu mới nhất"
    series = html.split(f'id="chart-{schools.pk}"', 1)[1].split("</table>", 1)[0]
    assert "Số liệu mới nhất" in series and "Thực hiện lũy kế" not in series
    assert units_chart(html, schools)["datasets"][0]["label"] == "Số liệu mới nhất"
    budget = Measure.objects.get(campaign=demo, code="3")  # a flow keeps its year to date
    assert headers(page(official, budget), budget)[2] == "Thực hiện lũy kế"


def test_a_rate_not_reported_since_an_earlier_quarter_says_which_period_it_is(official, demo):
    import io

    from openpyxl import load_workbook

    from targets.exports import report_workbook

    schools = Measure.objects.get(campaign=demo, code="10")  # a level: Quản Bạ (029) sent its first half, not its Q3
    nine = {row["code"]: row for row in by_unit(page(official, schools, quarter=3), schools)}
    assert nine["029"]["Số liệu mới nhất"] == "57,6 (6 tháng)"
    assert "(" not in nine["024"]["Số liệu mới nhất"].replace("(ước)", "")  # the city's is its nine months'
    # The report's by-unit sheet marks it the same way.
    buffer = io.BytesIO()
    report_workbook(demo, 3, lang="vi").save(buffer)
    sheet = load_workbook(buffer)["Chi tiết theo đơn vị"]
    row = next(r for r in sheet.iter_rows(min_row=4) if r[0].value == "10" and r[3].value == "029")
    assert row[7].value == 57.6 and row[7].number_format.endswith('"(6 tháng)"')
    # And on the unit's page, under its own name: a rate has no year to date.
    unit_page = official.get(reverse("unit", args=["029"]), {"year": 2024, "quarter": 3}).content.decode()
    assert '<td data-label="Số liệu mới nhất">57,6 % (6 tháng)</td>' in unit_page


def test_a_measure_assessed_in_words_shows_its_verdict_by_period_and_no_empty_unit(official, demo):
    thrift = Measure.objects.get(campaign=demo, code="17")  # thrift, anti-corruption: assessed in words
    assert thrift.is_qualitative and not thrift.unit
    html = page(official, thrift)
    heading = re.search(rf'<h2 class="h5" id="measure-{thrift.pk}">(.*?)</h2>', html, re.S).group(1)
    assert heading.endswith(thrift.name) and "()" not in heading
    table = re.search(r'<table[^>]*>.*?</table>', html.split(f'id="measure-{thrift.pk}"', 1)[1], re.S).group(0)
    cells = [" ".join(re.sub(r"<[^>]+>", "", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", table, re.S)]
    assert "Hoàn thành tốt nhiệm vụ" in cells, cells
    assert "Tiến độ cần đạt" not in table and "Kế hoạch" not in table  # nothing to pace or compare


def test_the_units_chart_leaves_the_province_total_to_the_chart_above_and_marks_a_year_to_date_short_of_quarters(official, budget):
    chart = units_chart(page(official, budget, quarter=3), budget)
    assert not any(label.startswith("Sở Tài chính") for label in chart["labels"])  # the lead unit: the province's 1.659,5
    assert "Quản Bạ (thiếu số liệu quý III)" in chart["labels"]  # its six months, not drawn as nine


def test_a_quarter_worked_out_from_two_years_to_date_is_marked_with_every_digit(official, programme):
    from tests.test_ranking import send

    budget = Measure.objects.get(campaign=programme, code="3")
    lead = budget.assignments.get(role="lead").unit.code
    send(programme, lead, 1, {"3": "512.35"})
    second = send(programme, lead, 2, {})
    Figure.objects.create(submission=second, measure=budget, cumulative=Decimal("1234.5"))  # the half year's total alone
    html = official.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 2}).content.decode()
    [row] = [r for r in by_unit(html, budget) if r["code"] == lead]
    # 1.234,5 less 512,35: not reported, and not rounded to 722,2 (512,35 + 722,2 is not the 1.234,5 reported).
    assert row["Số liệu quý"] == "722,15 (tính từ lũy kế)"
