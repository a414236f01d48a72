"""A yearly figure published after the year (the poverty rate, expected in February) is "awaited"
until the end of its publication month and "no data" after it, on the same day, in every place
that judges it: the unit page, the per-unit API, the ranking (API and workbook) and the official
report. Each of them judged the day it is asked (overview.judged_on); a cached copy of another
day is never served."""

import datetime
import io
import re
from unittest import mock

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests import test_emulation_pages as pages
from tests.test_emulation_pages import login, text
from tests.test_ranking import pledge

# The emulation pages' 2024 year and users (fixtures): Hà Giang city (024) and Đồng Văn sent their
# four quarterly reports, with the budget revenue (3) only.
_year_rows, year, users = pages._year_rows, pages.year, pages.users

FEBRUARY = datetime.date(2025, 2, 28)  # the last day the 2024 poverty rate is expected
MARCH = datetime.date(2025, 3, 1)  # the first day it is due: without it, "no data"
AWAITED_WORDS = "dự kiến tháng 2/2025"


@pytest.fixture
def poverty_pledged(year):
    """The city pledged the yearly poverty-rate reduction (6, expected in February 2025) and has no figure for it."""
    pledge(year, "024", "6", "4.85")
    return year


def _unit_page(client) -> str:
    return re.sub(r"\s+", " ", text(client.get(reverse("unit", args=["024"]), {"year": 2024, "quarter": 4})))


def _unit_api(client) -> dict:
    data = client.get(reverse("api-progress"), {"year": 2024, "quarter": 4, "unit": "024"}).json()
    return next(m for m in data["measures"] if m["code"] == "6")


def _ranking_line(client) -> dict:
    data = client.get(reverse("api-ranking"), {"year": 2024}).json()
    city = next(u for b in data["blocs"] for u in b["units"] if u["code"] == "024")
    return next(line for line in city["lines"] if line["kind"] == "measure" and line["item"] == "6")


def _pledge_sheet_row(client) -> tuple:
    response = client.get(reverse("ranking-export"), {"year": 2024})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book["Tiến độ giao ước"]
    return next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "024" and r[2] == "6")


def _everywhere(client, day) -> dict:
    with mock.patch("django.utils.timezone.localdate", return_value=day):
        return {"page": _unit_page(client), "api": _unit_api(client), "ranking": _ranking_line(client),
                "sheet": _pledge_sheet_row(client)}


def test_after_its_publication_month_a_yearly_figure_missing_is_no_data_everywhere(client, poverty_pledged, users):
    login(client, users["viewer"])
    seen = _everywhere(client, MARCH)
    assert seen["api"]["status"] == "no_data"
    assert AWAITED_WORDS not in seen["api"]["explanation_vi"] and "expected" not in seen["api"]["explanation_en"]
    assert "Chờ công bố" not in seen["page"] and AWAITED_WORDS not in seen["page"]
    assert seen["ranking"]["verdict"] == "Chưa có số liệu"
    assert "chờ công bố" not in seen["ranking"]["verdict"].lower() and AWAITED_WORDS not in seen["ranking"]["note"]
    assert "Chờ công bố" not in seen["sheet"] and not any(AWAITED_WORDS in str(cell) for cell in seen["sheet"])
    assert "Chưa có số liệu" in seen["sheet"]


def test_until_the_end_of_its_publication_month_it_is_awaited_everywhere(client, poverty_pledged, users):
    login(client, users["viewer"])
    seen = _everywhere(client, FEBRUARY)
    assert seen["api"]["status"] == "awaited" and AWAITED_WORDS in seen["api"]["explanation_vi"]
    assert "Chờ công bố" in seen["page"] and AWAITED_WORDS in seen["page"]
    assert seen["ranking"]["verdict"] == "Chưa có số liệu (chờ công bố)" and AWAITED_WORDS in seen["ranking"]["note"]
    assert "Chờ công bố" in seen["sheet"]


def test_a_copy_cached_the_day_before_is_not_served_the_day_the_figure_falls_due(client, poverty_pledged, users):
    # The same pages, API answers and workbook asked on the last day it is awaited, then the next
    # day with no write in between: the cached ranking and pages are kept by the day.
    login(client, users["viewer"])
    before, after = _everywhere(client, FEBRUARY), _everywhere(client, MARCH)
    assert before["api"]["status"] == "awaited" and after["api"]["status"] == "no_data"
    assert "Chờ công bố" in before["sheet"] and "Chờ công bố" not in after["sheet"]
    assert AWAITED_WORDS in before["ranking"]["note"] and AWAITED_WORDS not in after["ranking"]["note"]
    assert AWAITED_WORDS in before["page"] and AWAITED_WORDS not in after["page"]


def test_the_official_report_and_the_ranking_agree_on_the_day(client, poverty_pledged, users):
    """The report's by-unit sheet judges the city's pledge as the ranking's pledge sheet does."""
    login(client, users["viewer"])
    for day, status in ((FEBRUARY, "Chờ công bố"), (MARCH, "Chưa có số liệu")):
        with mock.patch("django.utils.timezone.localdate", return_value=day):
            response = client.get(reverse("exports:report"), {"year": 2024, "quarter": 4})
            book = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
            row = next(r for r in book["Chi tiết theo đơn vị"].iter_rows(min_row=4, values_only=True) if r[0] == "6" and r[3] == "024")
            assert row[11] == status, (day, row)
            assert status in _pledge_sheet_row(client)


def test_a_year_closed_after_the_publication_month_says_no_year_figure_was_approved_before_the_close(client, poverty_pledged, users):
    """Closed on 1 March, the poverty rate (due by February) without its figure is so for good: its
    line says, as every other pledge without its year figure, none was approved before the close."""
    from targets import ranking

    with mock.patch("django.utils.timezone.localdate", return_value=MARCH):
        result = ranking.judge(poverty_pledged, ranking.scheme_record(poverty_pledged), final=True)
    line = next(line for line in result.of_unit("024")[1].lines if line.kind == "measure" and line.item == "6")
    assert (line.verdict("vi"), line.points) == ("Chưa có số liệu", 0)
    assert line.note("vi") == "Cả năm: không có số liệu cả năm được duyệt trước khi khóa sổ năm"
