"""The charts as a reader sees them: in the high-contrast mode (switched while the page is open,
without a reload) and with every unit's bar named on an English phone page."""

import pytest

from tests.browser.conftest import PHONE, log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What each chart draws with, as Chart.js has it after the last update.
CHART_COLOURS = """() => [...document.querySelectorAll("canvas[data-chart]")].map(canvas => {
  const chart = Chart.getChart(canvas);
  const texts = [chart.options.color, chart.options.plugins.legend.labels.color,
                 ...Object.values(chart.scales).map(s => s.options.ticks.color)];
  return {texts, lines: chart.data.datasets.map(d => d.borderColor)};
})"""


def luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    channels = [int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rgb_to_hex(css: str) -> str:
    return "#" + "".join(f"{int(v):02x}" for v in css[css.index("(") + 1:css.index(")")].split(",")[:3])


def test_the_charts_follow_the_contrast_switch_made_on_the_open_page(page_factory, live_server, demo, viewer):
    page = page_factory(**PHONE)
    log_in(page, live_server, "official", PASSWORD)
    page.goto(f"{live_server.url}/chi-tieu/3/?year=2024&quarter=3")
    normal = page.evaluate(CHART_COLOURS)
    assert len(normal) == 2  # the province's line chart and the bars by unit
    page.get_by_role("button", name="Tương phản cao").click()  # no reload: a11y.js sets the class
    assert page.evaluate("() => document.documentElement.classList.contains('high-contrast')")
    for chart in page.evaluate(CHART_COLOURS):
        assert all(contrast(text, "#000000") >= 4.5 for text in chart["texts"]), chart
        assert all(contrast(line, "#000000") >= 3 for line in chart["lines"]), chart
    page.get_by_role("button", name="Tương phản cao").click()  # and back
    assert page.evaluate(CHART_COLOURS) == normal
    for chart in normal:
        assert all(contrast(text, "#ffffff") >= 4.5 for text in chart["texts"]), chart
        assert all(contrast(line, "#ffffff") >= 3 for line in chart["lines"]), chart
    assert not page.console_errors, page.console_errors


def test_the_overview_trend_lines_stand_out_in_high_contrast(page_factory, live_server, demo, viewer):
    page = page_factory(**PHONE)
    log_in(page, live_server, "official", PASSWORD)
    page.goto(f"{live_server.url}/?year=2024&quarter=3")
    page.get_by_role("button", name="Tương phản cao").click()
    strokes = page.evaluate("() => [...document.querySelectorAll('.sparkline polyline')].map(l => getComputedStyle(l).stroke)")
    assert strokes and all(contrast(rgb_to_hex(s), "#000000") >= 3 for s in strokes), strokes


def test_every_units_bar_keeps_its_name_on_an_english_phone_page(page_factory, live_server, demo, viewer):
    page = page_factory(**PHONE)
    log_in(page, live_server, "official", PASSWORD)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/chi-tieu/4/?year=2024&quarter=3")
    names = page.evaluate("""() => {
      const chart = Chart.getChart(document.querySelector("canvas[data-chart^='units-']"));
      const axis = chart.options.indexAxis === "y" ? chart.scales.y : chart.scales.x;
      return {bars: chart.data.labels.length, named: axis.ticks.length,
              width: chart.canvas.getBoundingClientRect().width};
    }""")
    assert names["bars"] == 11 and names["named"] == names["bars"], names
    assert names["width"] <= PHONE["width"]
    assert not page.console_errors, page.console_errors
