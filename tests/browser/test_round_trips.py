"""What a person does, in a real browser: an official on a phone, a reporter entering figures."""

import datetime
import re

import pytest

from targets.models import Deadline, Figure, Submission, Unit
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_programme(programme):
    for q in (1, 2, 3, 4):
        Deadline.objects.create(campaign=programme, quarter=q, due_on=datetime.date(2099, 1, 1))
    return programme


def test_an_official_reads_the_overview_on_a_phone_and_switches_to_english(page_factory, live_server, open_programme, viewer):
    page = page_factory(width=360, height=740)
    log_in(page, live_server, "official", PASSWORD)
    assert page.locator("h1").first.inner_text() == "Chương trình thi đua năm 2024"
    assert page.get_by_text("Tăng trưởng tổng sản phẩm trên địa bàn tỉnh (GRDP)").is_visible()
    # Nothing wider than the phone's screen but the tables' own scrolling boxes.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="English").click()  # on the strip above the menu, without opening it
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text() == "Emulation programme 2024"
    # Drill down: an indicator, then one district's own figures.
    page.get_by_role("link", name="State budget revenue in the province").click()
    assert page.locator("h1").inner_text() == "3. State budget revenue in the province"
    # No figure yet in this programme: a sentence where the chart would be, the table of periods under it.
    assert page.get_by_text("No figures yet, so there is no chart to draw.").first.is_visible()
    assert page.locator("canvas[data-chart]").count() == 0
    assert page.get_by_role("columnheader", name="Actual, year to date").first.is_visible()
    page.get_by_role("link", name="Dong Van District").click()
    assert "Dong Van District" in page.locator("h1").inner_text()
    assert page.get_by_role("heading", name="What the unit reports").is_visible()


def test_a_reporter_enters_saves_and_submits_and_the_overview_changes(page_factory, live_server, open_programme, viewer):
    unit = Unit.objects.get(code="STC")
    make_user("reporter-stc", "reporter", units=[unit])
    page = page_factory()
    log_in(page, live_server, "reporter-stc", PASSWORD)
    page.get_by_role("link", name="Nhập số liệu").click()
    page.select_option("#quarter", "1")
    page.get_by_role("button", name="Mở").click()
    value = page.get_by_label("Giá trị (tỷ đồng)")
    value.fill("244,946")  # ambiguous (244.946 or 244946 billion): refused with both readings, nothing saved
    page.get_by_role("button", name="Lưu nháp").click()
    page.wait_for_load_state()
    assert page.get_by_text("có thể hiểu theo hai cách").is_visible()
    assert not Figure.objects.exists()
    page.get_by_label("Giá trị (tỷ đồng)").fill("650,5")
    page.get_by_role("button", name="Lưu nháp").click()
    assert page.get_by_text("Đã lưu nháp (1 số liệu).").is_visible()
    page.get_by_role("button", name="Lưu và gửi").click()
    # Its tasks are not assessed: the reporter sends the report without them, once told.
    page.get_by_label("Gửi khi còn thiếu: 2.2, 2.4").check()
    page.get_by_role("button", name="Lưu và gửi").click()
    assert page.get_by_text("Đã gửi để thẩm định.").is_visible()
    assert Submission.objects.get(unit=unit, quarter=1).state == "submitted"

    official = page_factory()
    log_in(official, live_server, "official", PASSWORD)
    official.goto(f"{live_server.url}/?year=2024&quarter=1")
    assert official.get_by_text("Quý I: 650,5 / 2.460 tỷ đồng = 26,4 % kế hoạch").is_visible()


def test_a_reporter_choosing_another_year_lands_on_its_open_quarter_not_the_same_closed_one(page_factory, live_server, programme):
    from targets.services import copy_campaign

    nxt = copy_campaign(source_year=2024, target_year=2025)
    for q in (1, 2, 3, 4):  # 2025 collects its second quarter; 2024's are all past
        Deadline.objects.update_or_create(campaign=nxt, quarter=q, unit=None,
                                          defaults={"due_on": datetime.date(2020, 1, 1) if q == 1 else datetime.date(2099, 1, 1)})
    make_user("reporter-city", "reporter", units=[Unit.objects.get(code="024")])
    page = page_factory(width=1280, height=900)
    log_in(page, live_server, "reporter-city", PASSWORD)
    page.goto(f"{live_server.url}/nhap-so-lieu/?year=2024&quarter=1")
    page.select_option("#year", "2025")
    page.locator("form:has(#year) button[type=submit]").click()
    page.wait_for_url(re.compile(r".*year=2025$"))
    assert "quarter=" not in page.url and page.locator("#quarter").input_value() == "2"
    # Choosing both still opens both.
    page.select_option("#year", "2024")
    page.select_option("#quarter", "3")
    page.locator("form:has(#year) button[type=submit]").click()
    page.wait_for_url(re.compile(r".*year=2024&quarter=3$"))
    assert page.locator("#quarter").input_value() == "3"
