"""Every string of the interface is translated; both catalogues compile."""

import re
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def test_the_vietnamese_catalogue_is_complete():
    catalogue = polib.pofile(str(LOCALE / "vi/LC_MESSAGES/django.po"))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries() if e.msgid]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    assert len(catalogue.translated_entries()) > 200


def test_the_english_catalogue_exists_with_the_same_messages():
    vi = {e.msgid for e in polib.pofile(str(LOCALE / "vi/LC_MESSAGES/django.po"))}
    en = {e.msgid for e in polib.pofile(str(LOCALE / "en/LC_MESSAGES/django.po"))}
    assert vi == en


# A Python format specification: "%(name)s", "%s", "%d", "%%"…
SPEC = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([a-zA-Z%])")


def test_placeholders_survive_translation():
    # The same placeholders, each as the message's: a translation naming one the code does not
    # pass is a KeyError on the page, and gettext's msgfmt (Django's compilemessages) refuses it.
    # Entries are marked python-format, so msgfmt checks them too; a "%" that is no placeholder
    # ("% of target") is marked no-python-format, or the tools read "% o" as one.
    for entry in polib.pofile(str(LOCALE / "vi/LC_MESSAGES/django.po")).translated_entries():
        if "no-python-format" not in entry.flags and SPEC.findall(entry.msgid):
            assert "python-format" in entry.flags, entry.msgid
            # A message with a plural ("1 report" / "3 reports") has a translation per plural form.
            for translation in (entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]):
                assert set(SPEC.findall(entry.msgid)) == set(SPEC.findall(translation)), entry.msgid


def test_every_entry_of_both_catalogues_is_whole():
    # The catalogues merge by union (.gitattributes); a merge can leave a msgid without its
    # msgstr, which polib reads past but gettext's tools and a translator's editor refuse.
    for lang in ("vi", "en"):
        text = (LOCALE / f"{lang}/LC_MESSAGES/django.po").read_text(encoding="utf-8")
        for block in text.split("\n\n"):
            lines = block.strip().splitlines()
            msgids = [line for line in lines if line.startswith("msgid ")]
            if msgids:
                assert len(msgids) == 1 and any(line.startswith("msgstr") for line in lines), (lang, block)


def test_no_message_is_in_a_catalogue_twice():
    # A union merge of two branches that added the same message keeps both copies: gettext's
    # msgfmt refuses the file ("duplicate message definition"), polib silently takes one.
    for lang in ("vi", "en"):
        keys = [(e.msgctxt, e.msgid) for e in polib.pofile(str(LOCALE / f"{lang}/LC_MESSAGES/django.po"))]
        assert len(keys) == len(set(keys)), (lang, sorted({k for k in keys if keys.count(k) > 1}, key=str))


def test_the_admins_list_filters_read_vietnamese(client, admin_user, programme):
    # Django's own Vietnamese catalogue lacks the words of the filters' counts (Django 5.0): the project's has them.
    client.force_login(admin_user)
    page = client.get("/admin/targets/deadline/").content.decode()
    assert "Bộ lọc" in page and "Hiện số lượng" in page and "Show counts" not in page
    page = client.get("/admin/targets/deadline/", {"_facets": "True"}).content.decode()
    assert "Ẩn số lượng" in page and "Hide counts" not in page
    # Nor is anything else of the list page in English, read aloud (the boxes, the sidebar) or shown.
    for english in ("Select all objects on this page", "Select this object for an action", "Breadcrumbs", "Toggle navigation",
                    "Filter navigation items", 'aria-label="Sidebar"'):
        assert english not in page, english
