"""The emulation pledge workbook: download the year's template, fill in each unit's own targets,
import it back.

The same rules as the figure upload (targets/template_xlsx.py): the file is checked before
openpyxl opens it (size, a real xlsx, no external links, no zip bomb), every row is checked
with the entry form's validator for the measure's kind of value, every problem is listed at
once with sheet, row and column, and nothing is saved unless every row is valid. With
defusedxml installed openpyxl parses the workbook's XML safely (no entity expansion).
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Protection

from targets import history
from targets import validators as limits
from targets.commendation import Refused as YearRefused
from targets.commendation import lock_open_year
from targets.entry import check_input
from targets.language import language
from targets.models import Campaign, MeasureAssignment, Pledge, Unit
from targets.numbers import excel_format, format_exact, typed_decimals
from targets.template_xlsx import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_READ_SECONDS,
    MAX_ROWS,
    TEXT_FORMAT,
    Codes,
    Problem,
    Refused,
    add_meta,
    append_row,
    cell_number,
    cell_problem,
    cell_text,
    cell_version,
    check_container,
    code_problem,
    known_codes,
    lock_sheet,
    merged_rows,
    start_sheet,
    stored_number,
    unreadable,
)
from targets.templatetags.emulation import localized

TEMPLATE_VERSION = "emulation-pledges-v2"  # v2: the locked «Phiên bản» column
SHEET = "Giao ước"
META_SHEET = "_meta"
COLUMNS = ["Mã đơn vị", "Đơn vị", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Kế hoạch của tỉnh", "Chỉ tiêu giao ước",
           "Ngày ký", "Văn bản giao ước", "Phiên bản"]
INPUTS = ("Chỉ tiêu giao ước", "Ngày ký", "Văn bản giao ước")


def _assignments(campaign: Campaign, units=None):
    """What can be pledged: each unit's non-qualitative measures (a verdict in words has no figure to pledge)."""
    rows = (MeasureAssignment.objects.filter(measure__campaign=campaign).exclude(measure__comparison="qualitative")
            .select_related("measure", "unit").order_by("unit__kind", "unit__code", "measure__order"))
    return rows.filter(unit__in=units) if units is not None else rows


def _versions(pledges) -> dict[int, int]:
    """Each pledge's version: its latest history record (a pledge has no version field). The template
    carries it in its locked «Phiên bản» column, as the figure template carries a figure's version, so
    that an upload knows what each row showed when it was downloaded. A pledge stored without a
    history record (written in bulk, before its history was kept) is version 0: a row showed one,
    never "no pledge", so one deleted since is a change since the download, not a row to create."""
    latest = dict(Pledge.history.filter(id__in=[p.pk for p in pledges]).values("id").annotate(latest=Max("history_id"))
                  .values_list("id", "latest"))
    return {p.pk: latest.get(p.pk, 0) for p in pledges}


def build_template(campaign: Campaign, units=None) -> Workbook:
    wb = Workbook()
    ws = wb.active
    start_sheet(ws, SHEET, COLUMNS)
    pledges = {(p.unit_id, p.measure_id): p for p in Pledge.objects.filter(measure__campaign=campaign)}
    versions = _versions(pledges.values())
    for row_number, a in enumerate(_assignments(campaign, units), start=2):
        m, p = a.measure, pledges.get((a.unit_id, a.measure_id))
        append_row(ws, [a.unit.code, a.unit.name, m.code, m.name, m.unit, m.target, stored_number(p.target) if p else None,
                        p.signed_on if p else None, p.document if p else None, versions.get(p.pk) if p else None])
        # Every decimal a stored figure has shows in its cell, as in the figure template: a pledge of
        # 181,175 shown as 181,2 would be "corrected" by an admin who types what they see.
        for name, value in (("Kế hoạch của tỉnh", m.target), ("Chỉ tiêu giao ước", p.target if p else None)):
            places = max(m.decimal_places, typed_decimals(value.normalize()) if value is not None else 0)
            ws.cell(row_number, COLUMNS.index(name) + 1).number_format = excel_format(places, None)
        ws.cell(row_number, COLUMNS.index("Ngày ký") + 1).number_format = "dd/mm/yyyy"
        for name in ("Mã đơn vị", "Mã chỉ tiêu"):  # Text: Excel keeps "030" as typed, not the number 30
            ws.cell(row_number, COLUMNS.index(name) + 1).number_format = TEXT_FORMAT
        ws.cell(row_number, COLUMNS.index("Văn bản giao ước") + 1).number_format = TEXT_FORMAT
        for name in INPUTS:
            ws.cell(row_number, COLUMNS.index(name) + 1).protection = Protection(locked=False)
    lock_sheet(ws, [10, 28, 10, 50, 14, 16, 16, 12, 30, 10])
    add_meta(wb, META_SHEET, {"template": TEMPLATE_VERSION, "year": campaign.year})
    return wb


@dataclass
class PledgeResult:
    problems: list[Problem] = field(default_factory=list)
    # row, assignment, target, signed_on, document, version; then (_check_since_download) stored: what
    # is stored now (None: no pledge), as_downloaded: left as downloaded over a pledge changed since.
    rows: list[dict] = field(default_factory=list)
    campaign: Campaign | None = None
    # Said, not refused: a row cleared over a stored pledge, which an upload never deletes.
    notes: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changes(self) -> list[dict]:
        """The rows an upload writes (a pledge created or changed): what its preview lists."""
        return [row for row in self.rows if not row.get("as_downloaded") and row.get("stored") != _row_values(row)]

    @property
    def unchanged(self) -> int:
        return len(self.rows) - len(self.changes)


class ChangedSince(YearRefused):
    """Found again under the save's lock: a pledge changed between the preview and its "Save"."""

    def __init__(self, problems: list[Problem]):
        super().__init__(" ".join(str(p) for p in problems))
        self.problems = problems


def _date(value, problems: list[Problem], row: int) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip()
    try:
        return datetime.datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        problems.append(Problem(SHEET, row, "Ngày ký", _("The signing date must be a date (dd/mm/yyyy).")))
        return None


def _read_workbook(handle) -> tuple[dict, list, list[Problem]]:
    """(meta, rows, problems): everything openpyxl reads, bounded in rows, columns, cells and time
    like the figure upload's reader, and the workbook closed whatever happens."""
    deadline = time.monotonic() + MAX_READ_SECONDS
    wb = load_workbook(handle, read_only=True, data_only=False)
    try:
        if SHEET not in wb.sheetnames or META_SHEET not in wb.sheetnames:
            raise Refused(Problem(_("File"), None, None, _("This is not the system's pledge template (the “%(sheet)s” sheet is missing).")
                                  % {"sheet": SHEET}))
        meta = {row[0]: row[1] for row in wb[META_SHEET].iter_rows(max_row=10, max_col=2, values_only=True) if row and row[0]}
        if meta.get("template") != TEMPLATE_VERSION:
            raise Refused(Problem(META_SHEET, None, None, _("The template is outdated or was altered; download a new one.")))
        rows = wb[SHEET].iter_rows(max_col=MAX_COLUMNS, values_only=False)
        header = [c.value for c in next(rows, [])]
        if header[: len(COLUMNS)] != COLUMNS:
            raise Refused(Problem(SHEET, 1, None, _("The header row was altered; download a new template.")))
        lines, problems, cells_read = [], [], 0
        for number, cells in enumerate(rows, start=2):
            cells_read += sum(c.value is not None for c in cells)
            if number > MAX_ROWS + 1:
                problems.append(Problem(SHEET, number, None, _("More than %(count)s rows.") % {"count": MAX_ROWS}))
                break
            if cells_read > MAX_CELLS or time.monotonic() > deadline:
                raise Refused(Problem(SHEET, number, None, _("The workbook is too large or too complex to read; use the template downloaded from the system.")))
            values = [c.value for c in cells][: len(COLUMNS)]
            values += [None] * (len(COLUMNS) - len(values))
            by_name = dict(zip(COLUMNS, values, strict=True))
            if all(by_name[name] in (None, "") for name in INPUTS):
                lines.append((number, by_name, None))  # nothing pledged on this row (read_pledges: kept, or cleared)
                continue
            refused = {c.column: why for c in cells if c.value is not None and (why := cell_problem(c))}
            problems += [Problem(SHEET, number, header[column - 1] if column <= len(header) else None, why)
                         for column, why in refused.items()]
            # As in the figure upload: a refused cell is said once, not read again ("not a number" after "a formula").
            lines.append((number, by_name, {COLUMNS[column - 1] for column in refused if column <= len(COLUMNS)}))
        # As in the figure upload: Excel keeps a merge's value in its first cell only, which would read
        # as the other rows' documents or dates cleared.
        problems += [Problem(SHEET, min_row, None, _("Cells %(cells)s are merged: each row needs its own cells. Unmerge them and "
                                                     "upload again.") % {"cells": cells})
                     for cells, min_row in merged_rows(wb[SHEET])]
        return meta, lines, problems
    finally:
        wb.close()


def read_pledges(handle, size: int) -> PledgeResult:
    """Parse and check every row; nothing is written here. Rows without a pledged figure are left out."""
    result = PledgeResult()
    refusal = check_container(handle, size)
    if refusal:
        result.problems.append(Problem(_("File"), None, None, refusal))
        return result
    try:
        meta, lines, result.problems = _read_workbook(handle)
    except Refused as refused:
        result.problems.append(refused.problem)
        return result
    except Exception as error:  # damaged or hostile XML: openpyxl and defusedxml raise many kinds
        result.problems.append(unreadable(error))
        return result
    campaign = Campaign.objects.filter(year=meta.get("year")).first() if isinstance(meta.get("year"), int) else None
    if campaign is None:
        result.problems.append(Problem(META_SHEET, None, None, _("The template names an invalid year.")))
        return result
    assignments = {(a.unit.code, a.measure.code): a for a in _assignments(campaign)}
    unit_codes = Codes.of(list(Unit.objects.values_list("code", flat=True)))
    measure_codes = Codes.of(list(campaign.measures.values_list("code", flat=True)))
    seen: dict[tuple[str, str], int] = {}
    cleared = []
    for number, by_name, refused in lines:
        get = by_name.get
        problems = []
        if refused is None:
            cleared.append((number, by_name))
            continue
        (unit, units), (measure, measures) = known_codes(get("Mã đơn vị"), unit_codes), known_codes(get("Mã chỉ tiêu"), measure_codes)
        if not (unit and measure):
            # A row added by hand (a total under the pledges, a note): nothing says whose pledge it would be.
            result.problems.append(Problem(SHEET, number, "Mã chỉ tiêu" if unit else "Mã đơn vị", _(
                "The row has no unit or measure code: a row added to the template (a total, say) is not read; delete it.")))
            continue
        # Said as it is, never as "unit 30 does not report measure 3" for a unit that does not exist.
        unknown = [Problem(SHEET, number, column, problem) for column, problem in (
            ("Mã đơn vị", code_problem(unit, units, _("Unit code “%(code)s” is not in the list of units.") % {"code": unit})),
            ("Mã chỉ tiêu", code_problem(measure, measures, _("Measure code “%(code)s” is not in the %(year)s programme.") % {
                "code": measure, "year": campaign.year}))) if problem]
        if unknown:
            result.problems += unknown
            continue
        key = (units[0], measures[0])
        assignment = assignments.get(key)
        if assignment is None:
            result.problems.append(Problem(SHEET, number, "Mã chỉ tiêu", _("Unit %(unit)s pledges no figure for measure %(measure)s (it does not report it, or it is judged in words).")
                                            % {"unit": key[0], "measure": key[1]}))
            continue
        if key in seen:
            result.problems.append(Problem(SHEET, number, "Mã chỉ tiêu", _("The same unit and measure as row %(row)s.") % {"row": seen[key]}))
            continue
        seen[key] = number
        # As in the figure upload: a number cell is taken exactly as it is, text is read as Vietnamese.
        cell = get("Chỉ tiêu giao ước")
        exact = cell_number(cell)
        target = None
        if "Chỉ tiêu giao ước" in refused:
            pass  # said once, by _read_workbook
        elif cell is None or isinstance(cell, str) and limits.shows_nothing(cell):  # spaces or invisible marks only
            problems.append(Problem(SHEET, number, "Chỉ tiêu giao ước", _("The pledged figure is missing.")))
        elif isinstance(cell, datetime.date | datetime.time | datetime.timedelta):  # as the figure upload says it
            problems.append(Problem(SHEET, number, "Chỉ tiêu giao ước", _(
                "The cell holds a date or time, not a number; type the number in a cell formatted as a number.")))
        elif exact is None and isinstance(cell, bool | int | float | Decimal):
            problems.append(Problem(SHEET, number, "Chỉ tiêu giao ước", _("The value is not a number.")))
        else:
            checked = check_input(assignment.measure, text="" if exact is not None else str(cell), value=exact, lang="vi",
                                  words=language())
            problems += [Problem(SHEET, number, "Chỉ tiêu giao ước", e) for e in checked.errors]
            target = checked.value
            if not checked.errors and (problem := Pledge.commitment_problem(assignment.measure, target)):
                problems.append(Problem(SHEET, number, "Chỉ tiêu giao ước", problem))
        signed_on = None if "Ngày ký" in refused else _date(get("Ngày ký"), problems, number)
        if signed_on is not None and (problem := Pledge.signed_on_problem(campaign.year, signed_on)):
            problems.append(Problem(SHEET, number, "Ngày ký", problem))
        document = "" if "Văn bản giao ước" in refused else cell_text(get("Văn bản giao ước")).strip()
        problems += [Problem(SHEET, number, "Văn bản giao ước", p) for p in limits.problems(Pledge, {"document": document})]
        result.problems += problems
        if not problems and not refused:
            result.rows.append({"row": number, "assignment": assignment, "target": target, "signed_on": signed_on, "document": document,
                                "version": cell_version(get("Phiên bản"))})
    result.campaign = campaign
    result.problems += _check_since_download(result.rows, campaign)
    result.notes = _cleared(cleared, campaign, assignments, unit_codes, measure_codes)
    return result


def _cleared(cleared, campaign: Campaign, assignments, unit_codes: Codes, measure_codes: Codes) -> list[Problem]:
    """A row that showed a pledge (it has a «Phiên bản») whose three cells were cleared: the pledge
    stays, and the person is told so and where a pledge is deleted, never left with "0 changed"."""
    found = {}
    for number, by_name in cleared:
        (_unit, units), (_measure, measures) = (known_codes(by_name.get("Mã đơn vị"), unit_codes),
                                                known_codes(by_name.get("Mã chỉ tiêu"), measure_codes))
        if cell_version(by_name.get("Phiên bản")) is not None and len(units) == 1 and len(measures) == 1:
            if (a := assignments.get((units[0], measures[0]))) is not None:
                found[(a.unit_id, a.measure_id)] = (number, a)
    if not found:
        return []
    stored = {(p.unit_id, p.measure_id): p for p in Pledge.objects.filter(measure__campaign=campaign)}
    return [Problem(SHEET, number, None, _(
        "The row was cleared, but unit %(unit)s's pledge for measure %(measure)s (%(stored)s) stays stored: clearing a row "
        "does not delete a pledge. A pledge is deleted on the admin site (Administration › Emulation pledges).") % {
            "unit": a.unit.code, "measure": a.measure.code, "stored": _shown(_values(stored[key]), a.measure)})
        for key, (number, a) in sorted(found.items(), key=lambda item: item[1][0]) if key in stored]


def _values(pledge) -> tuple:
    return (pledge.target, pledge.signed_on, pledge.document)


def _row_values(row: dict) -> tuple:
    return (row["target"], row["signed_on"], row["document"])


def _shown(values: tuple | None, measure) -> str:
    if values is None:
        return _("no pledge")
    # Worded as the preview table beside it: the measure's unit and the date in the page's language.
    target, signed_on, document = values
    figure = f"{format_exact(target, measure.decimal_places, language())} {localized(measure, 'unit')}".strip()
    return "; ".join(filter(None, (figure, date_format(signed_on, "SHORT_DATE_FORMAT"), document)))


def _check_since_download(rows: list[dict], campaign: Campaign, *, lock: bool = False) -> list[Problem]:
    """A row left as it was downloaded is not written: it cannot undo a change made since (another
    upload, the admin). A row changed in the file over a pledge also changed since is a problem
    naming both, never written over it. What a row showed is the pledge's history record at the
    row's «Phiên bản»; a version altered by hand shows nothing, so such a row changed over a pledge
    stored since is refused too. Each row is told what is stored now (row["stored"], the preview's
    "saved now"). Run at the preview, and again by save_pledges under its lock (lock=True: the
    pledges read are locked until the save ends). Rows without a "version" (built by code, not
    read from a template) are not checked."""
    rows = [row for row in rows if "version" in row]
    if not rows:
        return []
    pledges = Pledge.objects.filter(measure__campaign=campaign)
    stored = {(p.unit_id, p.measure_id): p for p in (pledges.select_for_update(of=("self",)) if lock else pledges)}
    now = _versions(stored.values())
    shown = {(r.unit_id, r.measure_id, r.history_id): r
             for r in Pledge.history.filter(history_id__in={row["version"] for row in rows} - {None})}
    problems = []
    for row in rows:
        a = row["assignment"]
        pledge, values = stored.get((a.unit_id, a.measure_id)), _row_values(row)
        row["stored"], row["as_downloaded"] = (_values(pledge) if pledge is not None else None), False
        if pledge is not None and _values(pledge) == values:
            continue  # nothing to write
        record = shown.get((a.unit_id, a.measure_id, row["version"]))
        as_downloaded = _values(record) if record is not None else None
        if as_downloaded is not None and as_downloaded == values:
            row["as_downloaded"] = True  # left as it was: the pledge stored since stands
            continue
        version_now = now.get(pledge.pk) if pledge is not None else None
        if version_now == row["version"] or (record is not None and pledge is not None and _values(pledge) == as_downloaded):
            continue  # not changed since the download
        problems.append(Problem(SHEET, row["row"], None, _(
            "Unit %(unit)s's pledge for measure %(measure)s was changed after this template was downloaded: the file says "
            "%(file)s, stored now: %(stored)s. Download the template again and make the change there.") % {
                "unit": a.unit.code, "measure": a.measure.code, "file": _shown(values, a.measure),
                "stored": _shown(_values(pledge) if pledge is not None else None, a.measure)}))
    return problems


def check_open_year(campaign: Campaign) -> None:
    """Refused (commendation.Refused) once the year is closed: said at the preview, not only after "Save"."""
    with transaction.atomic():
        lock_open_year(campaign)


@transaction.atomic
def save_pledges(result: PledgeResult, *, user) -> tuple[int, int]:
    """Create or update each pledge; (created, updated). A row equal to the stored pledge is not saved
    again. Refused (commendation.Refused) once the year is closed: the final ranking stands on them.
    Under that lock, every pledge is checked again against the template as downloaded
    (_check_since_download): one changed since the preview refuses the whole save (ChangedSince)."""
    lock_open_year(result.campaign)
    if problems := _check_since_download(result.rows, result.campaign, lock=True):
        raise ChangedSince(problems)
    created = updated = 0
    for row in result.rows:
        if row.get("as_downloaded"):
            continue  # left as downloaded: a pledge changed since is not put back (_check_since_download)
        a = row["assignment"]
        values = {"target": row["target"], "signed_on": row["signed_on"], "document": row["document"]}
        pledge = Pledge.objects.select_for_update(of=("self",)).filter(unit=a.unit, measure=a.measure).first()
        if pledge is None:
            pledge = Pledge(unit=a.unit, measure=a.measure, entered_by=user, **values)
            created += 1
        elif any(getattr(pledge, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(pledge, k, v)
            pledge.entered_by = user
            updated += 1
        else:
            continue
        pledge._change_reason = history.system_reason(history.PLEDGES_ENTERED)
        pledge.save()
    return created, updated
