"""What each saved change of a figure or a task report did, in words, for the pages that list a report's or an
indicator's history. Every digit of a number is shown as it was typed (a correction of 244,946 to
244,94 must not read "244,9 → 244,9"); the year-to-date beside the quarter's value (provinces
publish most flows cumulatively); an estimate replaced by the official figure; a note, source or
narrative changed; and whether the secretariat entered it on the unit's behalf."""

from __future__ import annotations

import functools

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from targets.language import language
from targets.models import Figure
from targets.numbers import format_exact

# The reasons the system itself gives a change in a history (people's own reasons are kept as written).
CLEARED = gettext_noop("Cleared by the user")
CORRECTED = gettext_noop("Corrected after return")
SUBMITTED = gettext_noop("Submitted for review")
APPROVED = gettext_noop("Approved")
RETURNED = gettext_noop("Returned for correction")
RETURNED_UNSENT = gettext_noop("Returned for correction, not counted as sent")
REOPENED = gettext_noop("Reopened")
LAST_YEAR = gettext_noop("Last year's approved figures")
DRAFTED = gettext_noop("Drafted from the final ranking")
PLEDGES_ENTERED = gettext_noop("Entered from the pledge template")
UPLOADED = gettext_noop("Uploaded from the Excel template")
# A unit's draft certificate withdrawn when drafting proposes it for the flag in place of a withdrawn one.
FLAG_INSTEAD = gettext_noop("Proposed for the emulation flag instead")
SYSTEM_REASONS = (CLEARED, CORRECTED, SUBMITTED, APPROVED, RETURNED, RETURNED_UNSENT, REOPENED, LAST_YEAR, DRAFTED, PLEDGES_ENTERED, UPLOADED,
                  FLAG_INSTEAD)


def system_reason(reason: str) -> str:
    """One of SYSTEM_REASONS as stored: in the site's language, whoever acted in whichever."""
    with override(settings.LANGUAGE_CODE):
        return _(reason)


@functools.cache
def _system_reasons() -> dict[str, str]:
    """Each system reason in every language of the site (as earlier versions stored them too) → its message id."""
    known = {}
    for reason in SYSTEM_REASONS:
        for code, _name in settings.LANGUAGES:
            with override(code):
                known[_(reason)] = reason
    return known


def change_reason(text: str | None) -> str:
    """A history entry's reason for the reader: the system's in the page's language, a person's as written."""
    reason = _system_reasons().get(text or "")
    return _(reason) if reason else text or ""


def with_previous(records) -> list:
    """The records (oldest first) newest first, each carrying `before`, the record of the same
    figure it followed (None for the first), without a query per row."""
    last: dict[int, object] = {}
    result = []
    for record in records:
        record.before = last.get(record.id)
        last[record.id] = record
        result.append(record)
    return result[::-1]


def as_shown(stored: dict, versions: dict, *, gone=None, key=None) -> dict:
    """For each key whose stored object (a figure, a task report) is no longer at the version a
    workbook showed (`versions`, None where it showed none), that version from the history (None
    where there is none): one query for the whole workbook, not one for each changed row.

    An object deleted since (a key with a version but nothing stored, or one stored again since, whose
    own history has no such version) is found, when `gone` is given, among `gone(keys)`: the history
    records of those keys, each keyed by `key(record)`."""
    wanted = {key: (stored[key].pk, version) for key, version in versions.items()
              if key in stored and version is not None and version != stored[key].version}
    deleted = {k: version for k, version in versions.items() if k not in stored and version is not None} if gone else {}
    shown: dict = {}
    if wanted:
        history = type(next(iter(stored.values()))).history
        found = {}
        for record in history.filter(id__in={pk for pk, _v in wanted.values()}, version__in={v for _pk, v in wanted.values()}
                                     ).order_by("history_date"):
            found[(record.id, record.version)] = record  # the latest record of a version, as it was last shown
        shown = {k: found.get(pair) for k, pair in wanted.items()}
        if gone:  # deleted and entered again since: the version shown is the deleted one's
            deleted.update({k: versions[k] for k, record in shown.items() if record is None})
    if deleted:
        shown.update(dict.fromkeys(deleted))
        for record in gone(set(deleted)).filter(version__in=set(deleted.values())).order_by("history_date"):
            k = key(record)
            if deleted.get(k) == record.version and (k not in stored or record.id != stored[k].pk):
                shown[k] = record  # the latest record of that version (its deletion holds what it held)
    return shown


def _number(value, record, lang: str) -> str:
    return format_exact(value, record.measure.decimal_places, lang)


def _figure(record, lang: str) -> str:
    """What a record holds: its value and year-to-date, or its verdict."""
    parts = []
    if record.value is not None:
        parts.append(_number(record.value, record, lang))
    if record.cumulative is not None:
        parts.append(_("year to date %(value)s") % {"value": _number(record.cumulative, record, lang)})
    if record.verdict:
        parts.append(str(record.get_verdict_display()))
    return ", ".join(parts) or "–"


def figure_change(record, lang: str | None = None) -> str:
    """The change `record` (a Figure history record, with `before` from with_previous) made."""
    lang = language(lang)
    with override(lang):
        if record.history_type == "-":
            text = _("deleted") + f" ({_figure(record, lang)})"
        elif record.history_type == "+" or record.before is None:
            text = _("new") + f": {_held(record, lang)}"
        else:
            before, parts = record.before, []
            if (before.value, before.cumulative, before.verdict) != (record.value, record.cumulative, record.verdict):
                parts.append(f"{_figure(before, lang)} → {_figure(record, lang)}")
            if before.kind != record.kind:
                parts.append(f"{before.get_kind_display()} → {record.get_kind_display()}")
            for field, label in (("narrative", _("Narrative")), ("note", _("Note")), ("source", _("Source"))):
                if getattr(before, field) != getattr(record, field):
                    parts.append(f"{label}: {getattr(record, field) or '–'}")
            text = "; ".join(parts)  # workflow.save_figures saves a figure only when one of these changed
        return text + _marks(record)


def figure_held(record, lang: str | None = None) -> str:
    """What `record` (a Figure history record) held after its change, for a list of many figures'
    changes (the indicator page): "deleted", or its figure as typed."""
    lang = language(lang)
    with override(lang):
        if record.history_type == "-":
            return _("deleted")
        return _held(record, lang) + _marks(record)


def task_change(record, lang: str | None = None) -> str:
    """The change `record` (a TaskReport history record, with `before` from with_previous) made
    to a unit's assessment of a task: its verdict and its words."""
    with override(language(lang)):
        held = f"{record.get_verdict_display() or '–'}: {record.narrative or '–'}"
        if record.history_type == "-":
            return _("deleted") + f" ({held})"
        if record.history_type == "+" or record.before is None:
            return _("new") + f": {held}"
        before, parts = record.before, []
        if before.verdict != record.verdict:
            parts.append(f"{before.get_verdict_display() or '–'} → {record.get_verdict_display() or '–'}")
        if before.narrative != record.narrative:
            parts.append(f"{_('Narrative')}: {record.narrative or '–'}")
        return "; ".join(parts)  # workflow.save_task_reports saves a report only when one of these changed


def _held(record, lang: str) -> str:
    """Its figure, marked when it was an estimate."""
    text = _figure(record, lang)
    return text + f" ({record.get_kind_display()})" if record.kind == Figure.Kind.ESTIMATE else text


def _marks(record) -> str:
    return " (" + _("on the unit's behalf") + ")" if record.on_behalf and record.history_type != "-" else ""
