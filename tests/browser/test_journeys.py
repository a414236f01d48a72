"""Each role's journey in chromium, on a laptop (1366×768) and on a phone (390×844).

On every page: nothing wider than the screen or cut off, cards that do not overlap, no script
error, and axe-core finds no WCAG 2.1 A/AA violation in the normal or the high-contrast mode
(tests/browser/conftest.py).
"""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from targets.models import Submission, Unit
from tests.browser.conftest import DESKTOP, PHONE, check_page, log_in
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["1366x768", "390x844"])


def _open_menu(page, screen):
    if screen is PHONE:
        page.click("button.navbar-toggler")
        page.locator("#main-nav.show").wait_for()


@SCREENS
def test_an_official_reads_overview_theme_indicator_and_unit_and_switches_language_and_contrast(
        page_factory, live_server, demo, viewer, screen):
    page = page_factory(**screen)
    log_in(page, live_server, "official", PASSWORD)
    page.goto(f"{live_server.url}/?year=2024&quarter=3")
    assert page.locator("h1").first.inner_text() == "Chương trình thi đua năm 2024"
    # Each indicator shows its status word and icon, its value against target and its verdict.
    grdp = page.locator(".overview-table tbody tr").first
    assert "Tăng trưởng tổng sản phẩm" in grdp.inner_text()
    assert grdp.locator(".status").is_visible() and grdp.locator(".status").inner_text().strip()[0] in "★✔➜⚠▼✖…"
    assert "/ 7,50 %" in grdp.locator(".cell-value").inner_text()
    assert "7,46 % (kế hoạch 7,5 %)" in grdp.locator(".cell-explanation").inner_text()
    if screen is PHONE:
        assert grdp.evaluate("row => getComputedStyle(row).display") == "flex"  # a card, not a table row
        assert page.locator(".overview-table thead").first.bounding_box()["height"] <= 1  # only for screen readers
    expect(page.get_by_text("Nhiệm vụ: 13, đã có báo cáo:")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Hai là: Thi đua phấn đấu hoàn thành thắng lợi").click()
    assert page.locator("h1").inner_text().startswith("Hai là")
    budget = page.locator(".task", has_text="2.2 Quản lý và sử dụng ngân sách tiết kiệm, hiệu quả")
    assert "Sở Tài chính" in budget.inner_text() and "nhiệm vụ" in budget.inner_text()
    check_page(page)

    page.goto(f"{live_server.url}/chi-tieu/3/?year=2024&quarter=3")
    assert page.locator("h1").inner_text() == "3. Thu ngân sách nhà nước trên địa bàn"
    assert page.locator("canvas[data-chart]").first.is_visible()
    assert page.locator("canvas[data-chart]").first.bounding_box()["width"] <= screen["width"]
    series = page.locator("table.table-cards").first
    assert "9 tháng" in series.inner_text() and "2.460,0" in series.inner_text()
    check_page(page)
    # The units' table, the most serious status first, sorted by the year to date from the keyboard:
    # the column names show when reached (on a phone too), and the page comes back to the table.
    units = page.locator("table", has=page.locator("caption", has_text="Theo đơn vị")).first
    assert units.locator("td[data-label='Đánh giá']").first.inner_text().strip()[0] in "✖▼⚠…"
    units.get_by_role("link", name="Thực hiện lũy kế").focus()
    assert units.locator("thead").bounding_box()["height"] > 1
    check_page(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**u3-sort=ytd#by-unit-3")
    expect(page.locator("#by-unit-3")).to_be_in_viewport()
    figures = [text.split(" ")[0].replace(".", "").replace(",", ".") for text in
               units.locator("td[data-label='Thực hiện lũy kế']").all_inner_texts()]
    assert [float(f) for f in figures if f != "–"] == sorted(float(f) for f in figures if f != "–")
    check_page(page)

    page.get_by_role("link", name="Thành phố Hà Giang").first.click()
    assert "Thành phố Hà Giang" in page.locator("h1").inner_text()
    assert page.get_by_text("Thu ngân sách nhà nước trên địa bàn").first.is_visible()
    check_page(page)

    # The language and the contrast are on the strip above the menu: at hand on a phone too.
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert "Ha Giang City" in page.locator("h1").inner_text()
    expect(page.get_by_role("heading", name="What the unit reports")).to_be_visible()
    assert "billion VND" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/?year=2024&quarter=3")
    assert page.locator("h1").first.inner_text() == "Emulation programme 2024"
    assert "7.46 % (target 7.5 %)" in page.locator(".overview-table .cell-explanation").first.inner_text()
    check_page(page)

    page.get_by_role("button", name="High contrast").click()
    assert page.evaluate("() => document.documentElement.classList.contains('high-contrast')")
    assert page.get_by_role("button", name="High contrast").get_attribute("aria-pressed") == "true"
    page.reload()  # remembered
    assert page.evaluate("() => document.documentElement.classList.contains('high-contrast')")
    check_page(page)


@SCREENS
def test_a_reporter_enters_saves_submits_and_round_trips_the_template(page_factory, live_server, open_year, screen):
    unit = Unit.objects.get(code="STC")
    make_user("reporter-stc", "reporter", units=[unit])
    page = page_factory(**screen)
    log_in(page, live_server, "reporter-stc", PASSWORD)
    page.goto(f"{live_server.url}/nhap-so-lieu/?quarter=1")
    check_page(page)
    page.get_by_label("Giá trị (tỷ đồng)").fill("650,5")
    # Typed and not saved: leaving the page (here by the language switch) asks first; staying keeps the figure.
    _open_menu(page, screen)
    with page.expect_event("dialog") as leaving:
        page.get_by_role("button", name="English").click(no_wait_after=True)
    assert leaving.value.type == "beforeunload"
    leaving.value.dismiss()
    expect(page.get_by_label("Giá trị (tỷ đồng)")).to_have_value("650,5")
    # A figure the page cannot read: nothing saved, and the keyboard lands on the field to correct.
    page.get_by_label("Giá trị (tỷ đồng)").fill("650,5,1")
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.get_by_text("Chưa lưu gì: hãy sửa các ô được đánh dấu bên dưới.")).to_be_visible()
    expect(page.get_by_label("Giá trị (tỷ đồng)")).to_be_focused()
    page.get_by_label("Giá trị (tỷ đồng)").fill("650,5")
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.get_by_text("Đã lưu nháp (1 số liệu).")).to_be_visible()
    page.get_by_role("button", name="Lưu và gửi").click()
    # The department's two tasks are not assessed yet: nothing is sent, and the page says what is missing.
    expect(page.get_by_text("chưa có số liệu hoặc đánh giá (2.2, 2.4)")).to_be_visible()
    assert Submission.objects.get(unit=unit, quarter=1).state == "draft"
    check_page(page)
    # Shown again with nothing saved, the page asks before it is left though nothing was typed since.
    _open_menu(page, screen)
    with page.expect_event("dialog") as leaving:
        page.get_by_role("button", name="English").click(no_wait_after=True)
    assert leaving.value.type == "beforeunload"
    leaving.value.dismiss()
    for i in (0, 1):
        page.locator(f"select[name=tasks-{i}-verdict]").select_option("completed")
        page.locator(f"textarea[name=tasks-{i}-narrative]").fill("Đã triển khai theo kế hoạch của quý.")
    page.get_by_role("button", name="Lưu và gửi").click()
    expect(page.get_by_text("Đã gửi để thẩm định.")).to_be_visible()
    assert Submission.objects.get(unit=unit, quarter=1).state == "submitted"
    check_page(page)

    # The Excel template of the second quarter: downloaded, filled in, uploaded, previewed, saved.
    page.goto(f"{live_server.url}/nhap-so-lieu/?quarter=2")
    with page.expect_download() as download:
        page.get_by_role("link", name="Biểu mẫu Excel").click()
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = next(ws for ws in workbook.worksheets if "Giá trị" in [c.value for c in ws[1]])
    header = [c.value for c in sheet[1]]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, header.index("Mã chỉ tiêu") + 1).value == "3")
    sheet.cell(row, header.index("Giá trị") + 1).value = 700
    filled = io.BytesIO()
    workbook.save(filled)
    page.goto(f"{live_server.url}/tai-len/")
    page.set_input_files("#file", files=[{"name": "mau.xlsx", "mimeType": "application/octet-stream", "buffer": filled.getvalue()}])
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.get_by_role("heading", name="Xem trước")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Lưu các số liệu này").click()
    expect(page.get_by_text("Đã lưu 1 số liệu từ bảng tính.")).to_be_visible()
    assert Submission.objects.get(unit=unit, quarter=2).figures.get(measure__code="3").value == 700


@SCREENS
def test_the_secretariat_approves_one_report_and_returns_another_with_a_long_comment(
        page_factory, live_server, demo, reviewer, screen):
    page = page_factory(**screen)
    log_in(page, live_server, "secretariat", PASSWORD)
    _open_menu(page, screen)
    page.get_by_role("link", name="Thẩm định").click()
    page.select_option("#quarter", "3")
    page.get_by_role("button", name="Mở", exact=True).click()
    page.wait_for_url("**quarter=3**")
    check_page(page)
    first, second = Submission.objects.filter(campaign=demo, quarter=3, state="submitted").order_by("unit__code")[:2]
    page.check(f"#s{first.pk}")
    page.get_by_role("button", name="Duyệt các báo cáo đã chọn").click()
    expect(page.get_by_text("Đã duyệt 1 báo cáo.")).to_be_visible()
    first.refresh_from_db()
    assert first.state == "approved"

    page.goto(f"{live_server.url}/bao-cao/{second.pk}/")
    check_page(page)
    comment = ("Đề nghị đơn vị rà soát lại số liệu thu ngân sách quý III, đối chiếu với báo cáo của Kho bạc Nhà nước "
               "tỉnh và bổ sung thuyết minh nguyên nhân chênh lệch so với cùng kỳ năm trước. ") * 6
    page.get_by_label("Ý kiến (bắt buộc khi trả lại)").fill(comment)
    page.get_by_role("button", name="Trả lại để sửa").click()
    expect(page.get_by_text("Đã trả lại đơn vị kèm ý kiến của bạn.")).to_be_visible()
    second.refresh_from_db()
    assert second.state == "returned" and second.review_comment == comment.strip()
    # The whole comment is on the page, wrapped: nothing wider than the screen.
    assert comment.strip()[-60:] in page.locator("main").inner_text()
    check_page(page)


@SCREENS
def test_an_admin_reopens_an_approved_report_and_downloads_the_reports(page_factory, live_server, demo, admin_user, screen):
    page = page_factory(**screen)
    log_in(page, live_server, "administrator", PASSWORD)
    if screen is DESKTOP:  # the longest menu, open on a 1366 px laptop (check_page: on one row)
        assert not page.locator("button.navbar-toggler").is_visible()
        assert page.get_by_role("link", name="Quản trị hệ thống").is_visible()
    approved = Submission.objects.filter(campaign=demo, quarter=1, state="approved").order_by("unit__code").first()
    page.goto(f"{live_server.url}/bao-cao/{approved.pk}/")
    check_page(page)
    page.get_by_label("Lý do mở lại").fill("Cục Thống kê công bố số liệu chính thức, cần cập nhật.")
    page.get_by_role("button", name="Mở lại").click()
    expect(page.get_by_text("Đã mở lại; đơn vị có thể sửa số liệu.")).to_be_visible()
    approved.refresh_from_db()
    assert approved.state != "approved"

    page.goto(f"{live_server.url}/?year=2024&quarter=3")
    with page.expect_download() as report:
        page.get_by_role("link", name="Báo cáo chính thức (Excel)").click()
    sheet = load_workbook(io.BytesIO(report.value.path().read_bytes())).worksheets[0]
    assert sheet["A6"].value == "Kết quả thực hiện các chỉ tiêu, nhiệm vụ thi đua 9 tháng năm 2024"
    with page.expect_download() as figures:
        page.get_by_role("link", name="Số liệu chi tiết (Excel)").click()
    assert load_workbook(io.BytesIO(figures.value.path().read_bytes())).worksheets[0]["G1"].value == "Đơn vị tính"
    _open_menu(page, screen)
    page.get_by_role("link", name="Quản trị hệ thống").click()
    assert "Quản trị" in page.title() or "quản trị" in page.locator("body").inner_text().lower()
    assert not page.console_errors
