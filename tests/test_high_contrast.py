"""The high-contrast mode changes colours, never what is on the page: the browser journeys rely on
it to run only axe-core's colour rules in that mode (tests/browser/conftest.py, COLOUR_RULES)."""

import re
from pathlib import Path

CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "app.css"
# Colours, and lines drawn around what is there (a border, an outline): nothing shown, hidden or added.
COLOUR_ONLY = {"color", "background", "background-color", "border-color", "border-bottom", "outline"}


def high_contrast_properties(css: str) -> set[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    names = set()
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        if ".high-contrast" in selector:
            names |= {d.split(":", 1)[0].strip() for d in body.split(";") if ":" in d}
    return names


def test_the_high_contrast_mode_sets_colours_only():
    names = high_contrast_properties(CSS.read_text(encoding="utf-8"))
    assert names, "no .high-contrast rule found in app.css"
    # Bootstrap's colour variables (--bs-body-bg, --bs-link-color-rgb…) and colour properties only.
    assert {n for n in names if not (n.startswith("--bs-") and ("color" in n or "bg" in n))} <= COLOUR_ONLY


def test_a_rule_that_hides_something_in_that_mode_would_be_caught():
    names = high_contrast_properties(".high-contrast .downloads { display: none; color: #fff }")
    assert "display" in names and not names <= COLOUR_ONLY
