"""The product's two languages, and which one a page, a workbook or a message is in."""

from __future__ import annotations

from django.utils import translation

# The hidden field a form sends the language of its page in (templates/targets/_page_language.html):
# the form is read and answered in it (middleware.VietnameseFirstLocaleMiddleware).
PAGE_LANGUAGE = "page_lang"


def language(code: str | None = None) -> str:
    """'en' or 'vi' for a language code ('en-gb' → 'en'; anything else → 'vi': the product is
    Vietnamese first); without a code, the language of the request being served."""
    code = code if code is not None else translation.get_language()
    return "en" if str(code or "vi").lower().startswith("en") else "vi"

