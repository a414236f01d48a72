"""Read a page's form back as a browser would send it untouched: every input, select and textarea."""

from __future__ import annotations

from html.parser import HTMLParser


class _Form(HTMLParser):
    def __init__(self, form_id: str | None):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("method", "get").lower() == "post" and (self.form_id is None or a.get("id") == self.form_id)
        if not self.inside:
            return
        name = a.get("name")
        if "disabled" in a and tag in ("input", "select", "textarea"):
            return  # as a browser: a disabled field is not sent
        if tag == "input" and name and a.get("type") in ("checkbox", "radio"):
            if "checked" in a:  # as a browser sends them: only the ticked ones
                self.data[name] = a.get("value") or "on"
        elif tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            # A one-line input holds no line break: browsers strip them from its value.
            self.data[name] = (a.get("value") or "").replace("\r", "").replace("\n", "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [] if "multiple" in a else "")
        elif tag == "option" and self._select and "selected" in a:
            if isinstance(self.data[self._select], list):
                self.data[self._select].append(a.get("value") or "")
            else:
                self.data[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def form_data(html: str, form_id: str | None = None) -> dict:
    """The fields of the page's (first) POST form with the values the page shows (a list for a
    multiple select), less the admin's templates for rows added by script (__prefix__)."""
    parser = _Form(form_id)
    parser.feed(html)
    return {name: value for name, value in parser.data.items() if "__prefix__" not in name}
