"""Every string of the interface is translated; both catalogues compile."""

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


def test_placeholders_survive_translation():
    for entry in polib.pofile(str(LOCALE / "vi/LC_MESSAGES/django.po")).translated_entries():
        for name in ("%(count)s", "%(unit)s", "%(date)s", "%(year)s", "%(q)s", "%(who)s", "%(when)s"):
            assert (name in entry.msgid) == (name in entry.msgstr), entry.msgid
