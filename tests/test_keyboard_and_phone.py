"""Keyboard, screen-reader and phone use of the entry page, the review queue, the ranking and the
report page (probe 3: F1, F2, F5, F7, F9): where the focus lands after a refused save or an approval,
what each box and link is read out as, and tables that fit a 390 px phone in English."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from targets.models import Deadline, Measure, Submission, Unit
from tests.browser import conftest as browser
from tests.browser.conftest import DESKTOP, PHONE, check_page, log_in
from tests.conftest import PASSWORD, make_user
from tests.formdata import form_data

# The browser tests' fixtures (tests/browser/conftest.py), for the few tests here that drive chromium.
chromium, page_factory = browser.chromium, browser.page_factory

# --- reading the HTML as assistive technology does ----------------------------------------------


class _Page(HTMLParser):
    """Each element's attributes, and the text inside each element that has an id or is a link."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "col", "area", "base", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements, self.text, self.links, self._open = [], {}, [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elements.append((tag, a))
        if tag in self.VOID:
            return
        self._open.append((tag, a.get("id"), a.get("href") if tag == "a" else None, []))

    def handle_endtag(self, tag):
        while self._open:
            name, id_, href, parts = self._open.pop()
            text = " ".join("".join(parts).split())
            if id_:
                self.text[id_] = text
            if href is not None:
                self.links.append((href, text))
            if self._open:
                self._open[-1][3].extend(parts)
            if name == tag:
                break

    def handle_data(self, data):
        if self._open:
            self._open[-1][3].append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def by_id(page: _Page, id_: str) -> dict:
    return next(a for _, a in page.elements if a.get("id") == id_)


def description(page: _Page, id_: str) -> str:
    """The accessible description of element `id_`: the text of the elements its aria-describedby names."""
    return " ".join(page.text.get(ref, f"<missing #{ref}>") for ref in by_id(page, id_).get("aria-describedby", "").split())


# --- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture
def open_demo(demo):
    """The demo's programme with its deadlines far ahead: its fourth quarter open for entry."""
    Deadline.objects.filter(campaign=demo).update(due_on=datetime.date(2099, 1, 1))
    return demo


@pytest.fixture
def city_reporter(open_demo):
    """The city's reporter, with the demo's Q1-Q3 figures behind the fourth quarter it enters."""
    return make_user("reporter-city", "reporter", units=[Unit.objects.get(code="024")])


def _entry_page(client, quarter=4):
    return client.get(reverse("entry"), {"year": 2024, "quarter": quarter, "unit": "024"}).content.decode()


def _index(code: str) -> int:
    measures = list(Measure.objects.filter(assignments__unit__code="024").order_by("order"))
    return next(i for i, m in enumerate(measures) if m.code == code)


# --- F2: the value box says it is the quarter's own figure ----------------------------------------------


def test_each_value_box_beside_a_year_to_date_is_described_as_the_quarters_own_figure(client, city_reporter):
    client.force_login(city_reporter)
    page = parse(_entry_page(client))
    flows = [i for i, m in enumerate(Measure.objects.filter(assignments__unit__code="024").order_by("order"))
             if m.aggregation == Measure.Aggregation.FLOW]
    assert flows
    for i in flows:
        assert description(page, f"id_figures-{i}-value") == "Thực hiện trong quý"
        assert "aria-describedby" not in by_id(page, f"id_figures-{i}-cumulative")


def test_a_value_box_with_an_error_is_described_by_the_hint_and_the_error(client, city_reporter):
    client.force_login(city_reporter)
    i = _index("3")
    data = {**form_data(_entry_page(client)), f"figures-{i}-value": "abc", "action": "save"}
    page = parse(client.post(reverse("entry"), data).content.decode())
    box = by_id(page, f"id_figures-{i}-value")
    assert box["aria-invalid"] == "true"
    assert description(page, box["id"]).startswith("Thực hiện trong quý ")
    assert "abc" in description(page, box["id"])


# --- F1: unusual figures and missing figures ----------------------------------------------------------


def test_an_unusual_figure_is_read_with_its_box_and_the_confirmation_lists_and_links_them(client, city_reporter):
    client.force_login(city_reporter)
    i = _index("3")
    data = {**form_data(_entry_page(client)), f"figures-{i}-value": "100", "action": "save"}
    response = client.post(reverse("entry"), data)
    html = response.content.decode()
    assert "Chưa lưu: một số số liệu bất thường" in html
    page = parse(html)
    # The box: its hint, then the warning under it.
    said = description(page, f"id_figures-{i}-value")
    assert said.startswith("Thực hiện trong quý ⚠ Thay đổi") and "so với quý trước" in said
    # The box to tick is where the keyboard lands (a11y.js: data-autofocus), and it reads out the
    # unusual figures, each a link to its box.
    confirm = by_id(page, "confirm")
    assert "data-autofocus" in confirm and "checked" not in confirm
    said = description(page, "confirm")
    assert said.startswith("Các số liệu bất thường cần kiểm tra: 3. Thu ngân sách") and "Thay đổi" in said
    assert any(href == f"#id_figures-{i}-value" and text.startswith("3. Thu ngân sách") for href, text in page.links)
    # Ticked and sent again with another refusal: not the box to go to any more.
    again = parse(client.post(reverse("entry"), {**data, "confirm": "1", "action": "submit"}).content.decode())
    assert "data-autofocus" not in by_id(again, "confirm")


def test_a_year_to_date_warning_is_read_with_the_year_to_date_box(client, city_reporter):
    client.force_login(city_reporter)
    i = _index("3")
    data = {**form_data(_entry_page(client)), f"figures-{i}-cumulative": "900000", "action": "save"}
    page = parse(client.post(reverse("entry"), data).content.decode())
    assert "so với quý trước" in description(page, f"id_figures-{i}-cumulative")
    assert description(page, f"id_figures-{i}-value") == "Thực hiện trong quý"
    assert (f"#id_figures-{i}-cumulative", ) == tuple(href for href, _ in page.links if href.startswith(f"#id_figures-{i}-"))


def test_a_report_sent_with_figures_missing_puts_the_keyboard_on_send_without_them(client, city_reporter):
    client.force_login(city_reporter)
    data = {**form_data(_entry_page(client)), f"figures-{_index('3')}-value": "40", "action": "submit"}
    page = parse(client.post(reverse("entry"), data).content.decode())
    box = by_id(page, "send_incomplete")
    assert "data-autofocus" in box
    assert "data-autofocus" not in by_id(page, "confirm")
    assert not Submission.objects.filter(unit__code="024", quarter=4, state="submitted").exists()


# --- F5: the review queue keeps its sort ---------------------------------------------------------------


@pytest.mark.parametrize("chosen", [True, False], ids=["approved", "none ticked"])
def test_approving_from_a_sorted_queue_comes_back_sorted_with_the_message_to_focus(client, demo, reviewer, chosen):
    client.force_login(reviewer)
    waiting = Submission.objects.filter(campaign=demo, quarter=3, state="submitted").order_by("unit__code").first()
    url = f"{reverse('review')}?year=2024&quarter=3&sort=unit"
    ticked = {"submission": waiting.pk, f"version-{waiting.pk}": waiting.version} if chosen else {}
    response = client.post(url, {"year": 2024, "quarter": 3, "action": "approve", **ticked})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('review')}?year=2024&quarter=3&sort=unit"
    page = client.get(response["Location"]).content.decode()
    assert re.search(r"<h1[^>]*data-focus-message", page)
    assert ("Đã duyệt 1 báo cáo." if chosen else "Hãy chọn ít nhất một báo cáo để duyệt.") in page
    # Opened again, no message: the page starts at the top as any other.
    assert not re.search(r"<h1[^>]*data-focus-message", client.get(url).content.decode())
    # Opened without a sort, it comes back as it was.
    assert client.post(reverse("review") + "?year=2024&quarter=3", {"action": "approve"})["Location"] == \
        f"{reverse('review')}?year=2024&quarter=3"


# --- F7: the ranking's explanation links name their unit ------------------------------------------------


def test_every_ranking_explanation_link_names_its_unit(client, demo, reviewer):
    client.force_login(reviewer)
    page = parse(client.get(reverse("ranking"), {"year": 2024}).content.decode())
    names = [text for href, text in page.links if href.startswith("/xep-hang/don-vi/")]
    assert len(names) > 30
    assert len(set(names)) == len(names)
    assert "Cách tính điểm: Thành phố Hà Giang" in names
    assert all(name.startswith("Cách tính điểm: ") for name in names)  # the visible words first (WCAG 2.5.3)


# --- F9: the review queue becomes cards on a phone -------------------------------------------------


def test_the_review_queue_is_a_table_of_cards_with_each_cell_named(client, demo, reviewer):
    client.force_login(reviewer)
    html = client.get(reverse("review"), {"year": 2024, "quarter": 3}).content.decode()
    table = re.search(r'<table[^>]*class="([^"]*)"', html)
    assert "table-cards" in table[1].split()
    rows = Submission.objects.filter(campaign=demo, quarter=3).count()
    for label in ("Trạng thái", "Mức đầy đủ", "Đã gửi"):  # each cell under its column's name on a card
        assert html.count(f'data-label="{label}"') == rows
    assert html.count('class="cell-name"') == rows  # the card's title: the unit


# --- in a browser -------------------------------------------------------------------------------------

def _focused(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement;
      return {tag: e.tagName, id: e.id, text: (e.innerText || "").trim()}; }""")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_after_a_refused_save_the_keyboard_is_on_the_box_to_tick(page_factory, live_server, open_demo):
    from playwright.sync_api import expect  # only where chromium is (tests/browser/conftest.py)

    make_user("reporter-city", "reporter", units=[Unit.objects.get(code="024")])
    page = page_factory(**DESKTOP)
    log_in(page, live_server, "reporter-city", PASSWORD)
    page.goto(f"{live_server.url}/nhap-so-lieu/?year=2024&quarter=4&unit=024")
    box = page.locator(f"#id_figures-{_index('3')}-value")
    box.fill("100")
    box.press("Enter")  # "Lưu nháp", the form's first button
    expect(page.get_by_text("Chưa lưu: một số số liệu bất thường")).to_be_visible()
    expect(page.locator("#confirm")).to_be_focused()
    expect(page.locator("#confirm")).to_have_accessible_description(re.compile("^Các số liệu bất thường cần kiểm tra: 3\\. Thu ngân sách"))
    expect(box).to_have_accessible_description(re.compile("^Thực hiện trong quý ⚠ Thay đổi"))
    check_page(page)
    # The link in the list leads back to the box.
    page.locator("#unusual-figures a").first.click()
    expect(box).to_be_focused()
    # Ticked, and sent with figures missing: the keyboard is on "send without them".
    page.locator("#confirm").check()
    page.get_by_role("button", name="Lưu và gửi").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Chưa lưu, chưa gửi")).to_be_visible()
    expect(page.locator("#send_incomplete")).to_be_focused()
    check_page(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_after_approving_the_queue_keeps_its_sort_and_the_keyboard_is_on_the_result(page_factory, live_server, demo, reviewer):
    from playwright.sync_api import expect  # only where chromium is (tests/browser/conftest.py)

    page = page_factory(**DESKTOP)
    log_in(page, live_server, "secretariat", PASSWORD)
    page.goto(f"{live_server.url}/tham-dinh/?year=2024&quarter=3&sort=unit")
    first = Submission.objects.filter(campaign=demo, quarter=3, state="submitted").order_by("unit__kind", "unit__code").first()
    page.locator(f"#s{first.pk}").check()
    page.get_by_role("button", name="Duyệt các báo cáo đã chọn").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Đã duyệt 1 báo cáo.")).to_be_visible()
    assert page.url.endswith("/tham-dinh/?year=2024&quarter=3&sort=unit")
    expect(page.locator("main > .alert").first).to_be_focused()
    assert _focused(page)["text"] == "Đã duyệt 1 báo cáo."
    check_page(page)
    # Nothing ticked: the error is where the keyboard is.
    page.get_by_role("button", name="Duyệt các báo cáo đã chọn").click()
    expect(page.get_by_text("Hãy chọn ít nhất một báo cáo để duyệt.")).to_be_visible()
    expect(page.locator("main > .alert").first).to_be_focused()
    assert _focused(page)["text"] == "Hãy chọn ít nhất một báo cáo để duyệt."
    # Opened afresh, the page starts at the top as any other.
    page.goto(f"{live_server.url}/tham-dinh/?year=2024&quarter=3&sort=unit")
    page.wait_for_load_state()
    assert _focused(page)["tag"] == "BODY"


SCROLL_BOXES = """() => [...document.querySelectorAll("main .table-responsive")].map(box => ({
    wider: box.scrollWidth > box.clientWidth + 1, tabindex: box.getAttribute("tabindex"), role: box.getAttribute("role"),
    label: box.getAttribute("aria-label") || box.getAttribute("aria-labelledby")}))"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_an_english_phone_the_queue_is_cards_and_the_report_history_can_be_scrolled_from_the_keyboard(
        page_factory, live_server, demo, reviewer):
    page = page_factory(**PHONE)
    log_in(page, live_server, "secretariat", PASSWORD)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/tham-dinh/?year=2024&quarter=3")
    assert page.locator("h1").inner_text().startswith("Review")
    check_page(page)
    # Nothing cut off in a box that scrolls sideways: each report is a card.
    assert not [box for box in page.evaluate(SCROLL_BOXES) if box["wider"]]
    assert page.locator("main table tbody tr").first.evaluate("row => getComputedStyle(row).display") == "flex"
    assert page.locator("main table tbody tr td[data-label=Completeness]").first.is_visible()
    # The box to tick is a finger's target (WCAG 2.5.8: at least 24 px), not 16 px beside the unit's link.
    box = page.locator("main table tbody input[name=submission]").first.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24, box

    report = Submission.objects.filter(campaign=demo, quarter=3).exclude(state="draft").order_by("pk").first()
    page.goto(f"{live_server.url}/bao-cao/{report.pk}/")
    check_page(page)
    # A table still wider than its box is a named Tab stop, so a keyboard can scroll it.
    for box in page.evaluate(SCROLL_BOXES):
        if box["wider"]:
            assert box["tabindex"] == "0" and box["role"] == "region" and box["label"], box
    # The figures' history is cards too: nothing of a change cut off at the right edge.
    history = page.locator("main .table-responsive", has=page.locator("caption", has_text="History of the figures"))
    assert not history.evaluate("box => box.scrollWidth > box.clientWidth + 1")
    assert history.locator("tbody tr").first.evaluate("row => getComputedStyle(row).display") == "flex"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_switching_language_keeps_the_place_on_a_long_page(page_factory, live_server, demo, viewer):
    page = page_factory(**PHONE)
    log_in(page, live_server, "official", PASSWORD)
    page.goto(f"{live_server.url}/chi-tieu/3/?year=2024&quarter=3#by-unit-3")
    page.locator("[data-language-switch] button[name=language]").click()
    page.wait_for_url(re.compile(r".*#by-unit-3$"))
    assert page.locator("html").get_attribute("lang") == "en" and page.url.endswith("/chi-tieu/3/?year=2024&quarter=3#by-unit-3")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_entry_pages_other_reports_pass_the_checks_and_a_refused_decision_gets_the_focus(page_factory, live_server, open_demo, reviewer):
    """Probe 16: the links of "Báo cáo khác chưa gửi" were too pale on its yellow box (axe), and a
    decision refused because the report changed left the keyboard at the top, the message unread."""
    from playwright.sync_api import expect  # only where chromium is (tests/browser/conftest.py)

    from targets import workflow

    unit = Unit.objects.get(code="024")
    make_user("reporter-city", "reporter", units=[unit])
    Submission.objects.filter(campaign=open_demo, unit=unit, quarter=3).update(state=Submission.State.SUBMITTED)
    workflow.return_for_correction(user=reviewer, submission=Submission.objects.get(campaign=open_demo, unit=unit, quarter=3),
                                   comment="Gần như trống.", counts_as_sent=False)
    page = page_factory(**PHONE)
    log_in(page, live_server, "reporter-city", PASSWORD)
    page.goto(f"{live_server.url}/nhap-so-lieu/?year=2024&quarter=4&unit=024")
    expect(page.locator("#unsent a").first).to_have_text("Quý III năm 2024")
    check_page(page)

    waiting = Submission.objects.filter(campaign=open_demo, quarter=3, state=Submission.State.SUBMITTED).exclude(unit=unit).first()
    reviewing = page_factory(**DESKTOP)
    log_in(reviewing, live_server, "secretariat", PASSWORD)
    reviewing.goto(f"{live_server.url}/bao-cao/{waiting.pk}/")
    Submission.objects.filter(pk=waiting.pk).update(version=waiting.version + 1)  # sent again behind the open page
    reviewing.get_by_role("button", name="Duyệt").click()
    expect(reviewing.locator("main > .alert").first).to_be_focused()
    expect(reviewing.locator("main > .alert").first).to_contain_text("đã thay đổi sau khi bạn mở trang")
    check_page(reviewing)
