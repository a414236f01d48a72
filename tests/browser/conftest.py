"""Browser tests: Playwright for Python driving Debian's chromium against the live server.

A failing test leaves a screenshot of the page in test-artifacts/ (git-ignored). Without
/usr/bin/chromium the tests are skipped with the reason, except in CI, where that is an error.
Every page a journey visits is checked with axe-core (tests/browser/assets/axe.min.js, MPL-2.0,
see axe-core-LICENSE.txt) for WCAG 2.1 A/AA, in the normal and the high-contrast mode.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).resolve().parent / "assets" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    page = getattr(item, "_page", None)
    if report.when == "call" and report.failed and page is not None:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{item.name}.png"), full_page=True)


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, so Django's async guard
    # would refuse the ORM (test data, database flushes). Allowed only while the browser runs:
    # left set, it would leak into later tests and their subprocesses (check --deploy).
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ[ASYNC_UNSAFE]
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def page_factory(chromium, request):
    contexts = []

    def make(width=1280, height=900):
        # Reduced motion: Bootstrap then skips its colour transitions, so axe never measures a colour half-way.
        context = chromium.new_context(viewport={"width": width, "height": height}, accept_downloads=True,
                                       reduced_motion="reduce")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        # What a person would see in the developer console: any script error fails the journey.
        page.console_errors = []
        page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        request.node._page = page
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def axe_violations(page, rules: list[str] | None = None) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now (only `rules`, when given)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, so the site's CSP (script-src 'self') still holds for the page itself.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG_21_AA}
    return page.evaluate(
        """async only => (await axe.run(document, {runOnly: only})).violations
             .map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary)}))""",
        only)


def set_contrast(page, on: bool) -> None:
    """The high-contrast mode as the menu's switch sets it (remembered in localStorage)."""
    page.evaluate("""on => { localStorage.setItem("a11y-contrast", on ? "1" : "0");
                             document.documentElement.classList.toggle("high-contrast", on); }""", on)


# What the high-contrast mode changes is colour only (static/css/app.css: colours, backgrounds,
# borders, outlines; no element shown, hidden or moved), so in that mode only the rules that read
# colours can find something new; the others were run on the same page in the normal mode.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def assert_accessible(page) -> None:
    """No WCAG 2.1 A/AA violation, in the normal and in the high-contrast mode."""
    was_on = page.evaluate("() => document.documentElement.classList.contains('high-contrast')")
    found = {}
    for mode, on, rules in (("normal", False, None), ("high contrast", True, COLOUR_RULES)):
        set_contrast(page, on)
        violations = axe_violations(page, rules)
        if violations:
            found[mode] = violations
    set_contrast(page, was_on)
    assert not found, f"{page.url}: {found}"


def layout_problems(page) -> list[str]:
    """What is wider than the screen (outside a box that scrolls on purpose), clipped, printed over
    the card before it, or a menu that does not fit its row."""
    return page.evaluate("""() => {
      const width = document.documentElement.clientWidth, problems = [];
      const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
        const x = getComputedStyle(p).overflowX; if (x === "auto" || x === "scroll") return true; } return false; };
      const label = el => `${el.tagName.toLowerCase()}.${el.className}: ${(el.textContent || "").trim().slice(0, 60)}`;
      for (const el of document.querySelectorAll("main *, .site-header *")) {
        const box = el.getBoundingClientRect();
        if (!box.width || getComputedStyle(el).visibility === "hidden") continue;
        if ((box.right > width + 1 || box.left < -1) && !scrolls(el)) problems.push("wider than the screen: " + label(el));
        const style = getComputedStyle(el);
        if (style.overflowX === "hidden" && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 1) problems.push("cut off: " + label(el));
      }
      // The menu, where it is open on the page (not behind the phone's button), holds its entries on one row.
      const entries = [...document.querySelectorAll(".site-header .navbar-nav .nav-link")].filter(a => a.getClientRects().length);
      if (entries.length && getComputedStyle(document.querySelector(".navbar-toggler")).display === "none"
          && new Set(entries.map(a => Math.round(a.getBoundingClientRect().top))).size > 1) problems.push("menu on more than one row");
      for (const a of entries) if (a.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(a).lineHeight)) problems.push("menu entry on two lines: " + label(a));
      let bottom = -Infinity;
      for (const card of document.querySelectorAll(".table-cards tbody tr")) {
        const box = card.getBoundingClientRect();
        if (getComputedStyle(card).display !== "flex") break;  // a table on a wide screen
        if (box.top < bottom - 1) problems.push("overlaps the card before: " + label(card));
        bottom = box.bottom;
      }
      return problems;
    }""")


def check_page(page) -> None:
    """What every journey checks on every page: it fits, it is accessible, no script failed."""
    page.wait_for_load_state()
    assert not layout_problems(page), layout_problems(page)
    assert_accessible(page)
    assert not page.console_errors, page.console_errors
