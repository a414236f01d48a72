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
