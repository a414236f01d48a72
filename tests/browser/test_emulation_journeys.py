"""The emulation pages in chromium, on a laptop and on a phone: an official reads the ranking (chart
drawn beside the table) and a unit's explanation; the secretariat opens its pages. Each page passes
the shared checks (layout, no script error, axe-core WCAG 2.1 A/AA in both contrast modes)."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE, check_page, log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["1366x768", "390x844"])


@SCREENS
def test_an_official_reads_the_ranking_and_a_units_explanation(page_factory, live_server, demo, viewer, screen):
    page = page_factory(**screen)
    log_in(page, live_server, "official", PASSWORD)
    page.goto(f"{live_server.url}/xep-hang/?year=2024")
    assert page.locator("h1").inner_text() == "Xếp hạng thi đua 2024"
    assert "Kết quả xếp hạng tạm tính" in page.locator("main").inner_text()
    chart = page.locator("canvas[data-chart='ranking-KHOI-HUYEN']")
    assert chart.is_visible() and chart.bounding_box()["width"] <= screen["width"]
    if screen is PHONE:  # a card per unit, not six columns squeezed to a word a line
        assert page.locator("table.table-cards tbody tr").first.evaluate("row => getComputedStyle(row).display") == "flex"
    check_page(page)
    page.locator("#bloc-KHOI-HUYEN ~ div a, section[aria-labelledby='bloc-KHOI-HUYEN'] a").first.click()
    assert page.locator("h1").is_visible() and "Cách tính điểm" in page.locator("main").inner_text()
    if screen is PHONE:
        assert page.locator("table.table-cards tbody tr").first.evaluate("row => getComputedStyle(row).display") == "flex"
    check_page(page)


@SCREENS
def test_the_secretariat_opens_its_emulation_pages(page_factory, live_server, demo, reviewer, screen):
    page = page_factory(**screen)
    log_in(page, live_server, "secretariat", PASSWORD)
    for path, heading in (("/diem-thuong-tru/", "Điểm thưởng, điểm trừ"), ("/dang-ky-thi-dua/", "Đăng ký danh hiệu thi đua"),
                          ("/de-nghi-khen-thuong/", "Đề nghị khen thưởng")):
        page.goto(f"{live_server.url}{path}?year=2024")
        assert page.locator("h1").inner_text().startswith(heading)
        check_page(page)


@SCREENS
def test_the_secretariat_changes_the_year_with_the_keyboard_and_the_pages_keep_it(page_factory, live_server, demo, reviewer, screen):
    from targets.services import copy_campaign

    copy_campaign(source_year=2024, target_year=2025)
    page = page_factory(**screen)
    log_in(page, live_server, "secretariat", PASSWORD)
    page.goto(f"{live_server.url}/diem-thuong-tru/?year=2024")
    page.focus("#year")
    page.keyboard.press("ArrowUp")  # the years run newest first: 2025 is above 2024
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/diem-thuong-tru/?year=2025")
    assert page.locator("h1").inner_text().endswith("2025") and page.locator("#year").input_value() == "2025"
    check_page(page)
    page.locator("nav.mb-3 a", has_text="Đăng ký thi đua").click()
    page.wait_for_url(f"{live_server.url}/dang-ky-thi-dua/?year=2025")
    assert page.locator("h1").inner_text().endswith("2025")
