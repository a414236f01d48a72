"""Add to the English catalogue every message the Vietnamese one has (msgids are English, so the
English catalogue only lists them, untranslated). Run after adding messages to locale/vi."""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"

vi = polib.pofile(str(LOCALE / "vi/LC_MESSAGES/django.po"))
path = LOCALE / "en/LC_MESSAGES/django.po"
en = polib.pofile(str(path))
known = {(e.msgctxt, e.msgid) for e in en}
new = [polib.POEntry(msgctxt=e.msgctxt, msgid=e.msgid, msgid_plural=e.msgid_plural, flags=list(e.flags),
                     msgstr_plural={0: "", 1: ""} if e.msgid_plural else {})
       for e in vi if (e.msgctxt, e.msgid) not in known]
# Appended as text, so the entries already there keep their wrapping (the catalogues merge by union).
with open(path, "a", encoding="utf-8") as handle:
    handle.writelines(f"\n{entry}" for entry in new)
added = len(new)
print(f"{added} messages added to {path.relative_to(LOCALE.parent)}")
