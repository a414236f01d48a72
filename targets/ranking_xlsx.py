"""The ranking workbook: each bloc's ranking and the list of commendation proposals (Danh sách đề
nghị khen thưởng), in the layout of an official document (Decree 30/2020/NĐ-CP): Times New
Roman, issuing body and number, national motto, place and date left to fill, title, the table,
"Nơi nhận" and the signature block; A4 landscape, header rows repeated on every printed page.
Each unit's points are explained line by line (the unit page's lines), and each pledge's progress.

It reads the same ranking as the page and the API (targets.ranking), so they cannot disagree.
Scores are written as numbers with a number format, never as text: whole points without decimals,
others with the decimals they have (12,5), as the page writes them (scoring.points_text).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from targets import commendation, scoring
from targets.exports import (
    BOX,
    LINE_HEIGHT,
    _fit_number_columns,
    _titled_header,
    as_text,
    document_head,
    fit_row_heights,
    page_capacity,
    report_date,
    report_heading,
    signature_block,
    unnumbered_citation,
)
from targets.exports import _print_setup as _page_setup
from targets.models import Campaign, Proposal
from targets.numbers import excel_format, quantize, typed_decimals
from targets.progress import percent_places, period_end_phrase, period_label, status_label
from targets.ranking import closing_caveat, short_of_the_year

FONT = "Times New Roman"
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(wrap_text=True, vertical="top")

def _font(**extra) -> Font:
    return Font(name=FONT, **extra)


def ranking_workbook(campaign: Campaign, ranking: scoring.Ranking, *, lang: str = "vi", proposals=None) -> Workbook:
    """The workbook in `lang` (gettext, like every page), whatever the language of the request.
    `proposals`: those its reader may see (access.visible_proposals); by default all of the year's."""
    with translation.override(lang):
        return _ranking_workbook(campaign, ranking, lang, proposals)


def _ranking_workbook(campaign: Campaign, ranking: scoring.Ranking, lang: str, proposals) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Ranking")
    standing = _standing(campaign, ranking)
    widths = [7, 48, 12, 10, 16, 60]
    row = _heading(ws, campaign, standing, lang, _("EMULATION SCORES AND RANKING %(year)s"), widths)
    header_row = row
    _headers(ws, row, [_("No."), _("Unit"), pgettext("workbook column", "Score"), _("Rank"), _("Eligible for the flag"),
                       _("Notes")])
    row += 1
    glued = set()  # rows printed on the page of the row under them (_cut_pages)
    for number, bloc in enumerate(ranking.blocs, start=1):
        glued.add(row)  # a bloc's heading with its first unit
        row = _bloc_row(ws, row, number, bloc.label(lang), len(widths))
        for index, unit in enumerate(bloc.units, start=1):
            # Why a unit is not ranked first (scoring.UNRANKED), beside its "Not ranked"; then the other conditions.
            why = unit.unranked_because if not unit.ranked else None
            notes = "; ".join(b.text(lang) for b in sorted(unit.bars, key=lambda b: b != why))
            # Before any report of the year (Ranking.reported) every unit would be "first" at no
            # points: both cells left empty, as the page shows neither.
            # A unit given nothing to score has no total beside its "Not ranked" (UnitScore.has_total),
            # as on the page; the explanation sheet lists its points.
            scored = ranking.reported and unit.has_total
            values = [index, unit.label(lang), unit.score if scored else None,
                      None if not ranking.reported else unit.rank if unit.ranked else _("Not ranked"),
                      pgettext("eligible", "Yes") if unit.eligible_for_flag else pgettext("eligible", "No"), notes]
            for col, value in enumerate(values, start=1):
                cell = as_text(ws.cell(row, col, value))
                cell.font = _font()
                cell.alignment = WRAP if col in (2, 6) else CENTRE
            ws.cell(row, 3).number_format = _score_format(unit, lang)
            _box(ws, row, len(widths))
            row += 1
    last = _signature(ws, row + 1, campaign, len(widths))
    glued.update(range(row - 1, last))  # the signature under the table's last row, whole
    _print_setup(ws, header_row, glued)
    _explanation_sheet(wb, campaign, ranking, lang, standing)

    ps = wb.create_sheet(pgettext("sheet", "Proposals"))
    widths = [7, 40, 30, 30, 50, 10, 12, 20, 28]
    row = _heading(ps, campaign, standing, lang, _("LIST OF COMMENDATION PROPOSALS %(year)s"), widths)
    header_row = row
    _headers(ps, row, [_("No."), _("Unit"), _("Emulation bloc"), _("Commendation"), _("Achievement"), _("Rank"),
                       pgettext("workbook column", "Score"), _("State"), _("Decision")])
    row += 1
    # The list the council signs: a withdrawn proposal is proposed no more (the proposals page keeps it,
    # with why), and the rest are numbered 1, 2, 3… without it.
    proposals = [listed for listed in commendation.proposals_as_ranked(campaign, ranking, lang, proposals)
                 if listed.proposal.state != Proposal.State.WITHDRAWN]
    kinds = {kind: str(label) for kind, label in Proposal.Kind.choices}
    states = {state: str(label) for state, label in Proposal.State.choices}
    for index, listed in enumerate(proposals, start=1):
        p = listed.proposal
        decision = _("No. %(number)s of %(date)s") % {
            "number": p.decision_number, "date": p.decision_date.strftime("%d/%m/%Y")} if p.decision_date else ""
        reason = (lang == "en" and p.reason_en) or p.reason
        values = [index, listed.unit, listed.bloc, kinds[p.kind], reason, p.rank, p.score, states[p.state], decision]
        for col, value in enumerate(values, start=1):
            cell = as_text(ps.cell(row, col, value))
            cell.font = _font()
            cell.alignment = WRAP if col in (2, 3, 5, 9) else CENTRE
        # As the ranking page writes its unit's score (commendation.Listed.places): 87,50 out of 100, never 87,5.
        ps.cell(row, 7).number_format = excel_format(listed.places, lang) if listed.places is not None \
            else points_format(p.score, lang)
        _box(ps, row, len(widths))
        row += 1
    glued = set()
    if proposals:
        last = _signature(ps, row + 1, campaign, len(widths))
        glued.update(range(row - 1, last))
    else:  # said, and not signed: a signed empty list is no document
        ps.cell(row, 2, _("No commendation proposal yet.")).font = _font(italic=True)
    _print_setup(ps, header_row, glued)
    _pledge_sheet(wb, ranking, lang, standing)
    return wb


def _score_format(unit: scoring.UnitScore, lang: str) -> str:
    """A unit's score as its scheme writes it (UnitScore.shown_places), as the page shows it."""
    return excel_format(unit.shown_places, lang) if unit.shown_places is not None else points_format(unit.score, lang)


def points_format(points: Decimal | None, lang: str) -> str:
    """Points as the page writes them (scoring.points_text): 75, 12,5, 0,25; never rounded, so that
    no difference that decides a rank is hidden."""
    return excel_format(0 if points is None else typed_decimals(Decimal(points).normalize()), lang)


@dataclass(frozen=True)
class _Standing:
    """What the scores stand on, said under every sheet's title: `status` (final, or provisional up
    to a period), and `detail`, what a reader must know besides (empty when nothing)."""

    status: str
    detail: str = ""
    final: bool = False


def _standing(campaign: Campaign, ranking: scoring.Ranking) -> _Standing:
    if ranking.final:
        return _Standing(_("Final results"), final=True)
    status = _("PROVISIONAL results up to %(period)s, not final") % {"period": period_end_phrase(ranking.quarter, ranking.year)}
    details = []
    if short := short_of_the_year(campaign, ranking):  # said on the ranking page too
        status = _("PROVISIONAL results, without all the full-year figures, not final")
        details += short
    # What closing the year now would change, which changes scores and ranks: said on the ranking
    # page too, in the same words (ranking.closing_caveat).
    details += closing_caveat(campaign, ranking).sentences
    return _Standing(status, " ".join(details))


def _explanation_sheet(wb: Workbook, campaign: Campaign, ranking: scoring.Ranking, lang: str, standing: _Standing) -> None:
    """Each unit's points line by line, bloc by bloc, as the unit's page gives them (UnitScore.lines,
    whatever their kind): item, verdict, points, details, then the total. A unit that left a bloc is
    explained in each bloc it is listed in, with its lines there."""
    ws = wb.create_sheet(pgettext("sheet", "Score explanation"))
    widths = [8, 46, 36, 10, 62]
    row = _heading(ws, campaign, standing, lang, _("EXPLANATION OF EACH UNIT'S EMULATION SCORE %(year)s"), widths)
    header_row = row
    _headers(ws, row, [_("No."), _("Item"), _("Verdict"), _("Points"), _("Details")])
    row += 1
    unit_fill = PatternFill("solid", fgColor="F2F2F2")
    # Printed, a unit's heading is never a page's last row, away from its lines: it is kept with its
    # first two lines, its total with its last line, a bloc's heading with its first unit (_cut_pages).
    glued = set()
    for number, bloc in enumerate(ranking.blocs, start=1):
        glued.add(row)
        row = _bloc_row(ws, row, number, bloc.label(lang), len(widths))
        for index, unit in enumerate(bloc.units, start=1):
            glued.update((row, row + 1))
            if not ranking.reported:
                place = None  # before any report of the year no one is ranked (as the page)
            elif unit.ranked:
                place = capfirst(_("rank %(rank)s of %(total)s") % {"rank": unit.rank, "total": bloc.ranked_count})
            elif (why := unit.unranked_because) is not None:
                place = _("Not ranked: %(reason)s") % {"reason": why.text(lang)}
            else:
                place = _("Not ranked")
            ws.cell(row, 1, index)
            as_text(ws.cell(row, 2, unit.label(lang)))
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
            as_text(ws.cell(row, 5, place))
            for col in range(1, len(widths) + 1):
                cell = ws.cell(row, col)
                cell.font, cell.fill = _font(bold=True), unit_fill
                cell.alignment = CENTRE if col == 1 else WRAP
            _box(ws, row, len(widths))
            row += 1
            for i, line in enumerate(unit.lines, start=1):
                values = [f"{index}.{i}", line.label(lang), line.verdict(lang), line.points, line.note(lang) or None]
                for col, value in enumerate(values, start=1):
                    cell = as_text(ws.cell(row, col, value))
                    cell.font = _font()
                    cell.alignment = CENTRE if col in (1, 4) else WRAP
                ws.cell(row, 4).number_format = points_format(line.points, lang)
                _box(ws, row, len(widths))
                row += 1
            if not unit.lines:
                ws.cell(row, 2, _("Nothing scored yet.")).font = _font(italic=True)
                ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=len(widths))
                _box(ws, row, len(widths))
                row += 1
            if ranking.reported:  # the score the lines make (UnitScore.score), as the page's total
                glued.add(row - 1)
                ws.cell(row, 2, pgettext("workbook column", "Score"))
                ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=3)
                if unit.has_total:
                    ws.cell(row, 4, unit.score).number_format = _score_format(unit, lang)
                else:
                    # No total where the ranking sheet and the page give none (UnitScore.has_total),
                    # in the ranking sheet's words: its lines' points are no score of the programme.
                    ws.cell(row, 5, _("Not ranked")).font = _font(bold=True)
                for col in (2, 4):
                    ws.cell(row, col).font = _font(bold=True)
                    ws.cell(row, col).alignment = Alignment(horizontal="right" if col == 2 else "center", vertical="center")
                _box(ws, row, len(widths))
                row += 1
    last = _signature(ws, row + 1, campaign, len(widths))
    glued.update(range(row - 1, last))
    _print_setup(ws, header_row, glued)


def _pledge_sheet(wb: Workbook, ranking: scoring.Ranking, lang: str, standing: _Standing) -> None:
    """Each unit's progress against its own pledge, as the ranking judged it: after the close, the
    figures, pledges and statuses the final ranking stands on, whatever was corrected since."""
    ws = wb.create_sheet(pgettext("sheet", "Pledges"))
    # An annex of the ranking, titled and headed as the official report's annexes (exports._titled_header):
    # its title and whether final on its first page, its header on every page.
    headers = [_("Unit code"), _("Unit"), _("Measure code"), pgettext("workbook column", "Measure"), _("Unit of measure"),
               _("Pledge"), _("Actual, year to date"), _("% of pledge"), _("Status against the pledge"), _("Explanation")]
    widths = [10, 34, 10, 44, 14, 14, 14, 10, 16, 60]
    _titled_header(ws, _("PROGRESS AGAINST THE EMULATION PLEDGES, %(year)s") % {"year": ranking.year}, headers,
                   {get_column_letter(i): width for i, width in enumerate(widths, start=1)})
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(widths))
    status = ws.cell(2, 1, standing.status)
    status.font, status.alignment = _font(bold=True, color="000000" if standing.final else "B02A37"), CENTRE
    english = lang == "en"
    listed = set()
    marked = False
    row = 4
    for unit in (u for bloc in ranking.blocs for u in bloc.units):
        if unit.code in listed:  # a unit that moved bloc is in both: its pledges once
            continue
        listed.add(unit.code)
        for m in unit.pledges:
            # A final ranking scores no year figure as "no figure": the sheet says so too, not the in-year status
            # and figures (which the explanation still gives, with their period).
            no_year_figure = ranking.final and m.in_year
            # Its status as scored: a yearly figure still awaited at the close will never come (scoring.as_ranked).
            scored_without = ranking.final and scoring.outcome_of(m.status, final=True, in_year=m.in_year) is scoring.Outcome.NO_FIGURE
            values = [unit.code, unit.label(lang), m.code, m.name_en if english else m.name_vi, m.unit_en if english else m.unit_vi,
                      m.target, None if no_year_figure else m.actual,
                      # Rounded as printed, as the official report's percentages are: the value a reader copies.
                      None if no_year_figure or m.percent is None else quantize(m.percent, percent_places(m.percent)),
                      scoring.words(scoring.WORDS["no_year_figure"], lang).capitalize() if scored_without else status_label(m.status, lang),
                      m.explanation_en if english else m.explanation_vi]
            for col, value in enumerate(values, start=1):
                cell = as_text(ws.cell(row, col, value))
                cell.font = _font()
                cell.alignment = WRAP if col in (2, 4, 10) else CENTRE
            ws.cell(row, 6).number_format = ws.cell(row, 7).number_format = excel_format(m.places, lang)
            if ws.cell(row, 7).value is not None:
                # The official report's marks on the same figure (exports.provisional, covered_period,
                # kept with the ranking): "126,5 (*) (9 tháng)", an estimate of nine months.
                marked |= m.marked
                ws.cell(row, 7).number_format += (' "(*)"' if m.marked else "") + (
                    f' "({period_label(m.covered, lang)})"' if m.covered is not None else "")
            ws.cell(row, 8).number_format = excel_format(percent_places(m.percent), lang)
            _box(ws, row, len(values))
            row += 1
    _fit_number_columns(ws, (6, 7), 4, row - 1)  # a figure with its marks never printed "###"
    if marked:  # what the mark means, under the table as under the report's
        ws.cell(row + 1, 1, _("(*) Estimated or not yet reviewed.")).font = _font(size=11, italic=True)
        ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=10)
    _print_setup(ws, 3)


def _bloc_row(ws: Worksheet, row: int, number: int, label: str, columns: int) -> int:
    """A bloc's heading row (its Roman number, its name across the table); returns the next row."""
    ws.cell(row, 1, _roman(number)).font = _font(bold=True)
    as_text(ws.cell(row, 2, label)).font = _font(bold=True)
    ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=columns)
    _box(ws, row, columns)
    return row + 1


def _roman(number: int) -> str:
    return ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"][number - 1] if number <= 10 else str(number)


def _heading(ws: Worksheet, campaign: Campaign, standing: _Standing, lang: str, title: str, widths: list[int]) -> int:
    """The document's heading rows; returns the row of the table header."""
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    last = get_column_letter(len(widths))

    def line(row: int, columns: str, text: str, font: Font) -> None:
        first, end = columns.split(":")
        ws.merge_cells(f"{first}{row}:{end}{row}")
        cell = ws[f"{first}{row}"]
        cell.value, cell.font, cell.alignment = text, font, CENTRE

    # The council's documents are headed as the province's official report is (the same code): the
    # provincial People's Committee over the council, the number, the motto, and the province's town
    # in "Hà Giang, ngày … tháng … năm …". The issuing body is one cell of two lines, on row 1.
    heading = report_heading(campaign, lang)
    heading["issuer"] = [f"{heading['committee']}\n{_('EMULATION AND COMMENDATION COUNCIL')}"]
    heading["number"] = _("No.: …/%(code)s") % {"code": "BC-HĐTĐKT"}
    document_head(ws, heading, (1, 2), (3, len(widths)))
    line(5, f"A:{last}", title % {"year": campaign.year}, _font(bold=True, size=14))
    line(6, f"A:{last}", _("(Under %(document)s)") % {"document": campaign.document_words(
        _("Emulation programme No. %(number)s of %(date)s"), report_date)} if campaign.has_document()
        else unnumbered_citation(campaign, heading), _font(italic=True))
    line(7, f"A:{last}", standing.status, _font(bold=True, color="000000" if standing.final else "B02A37"))
    if standing.detail:  # what the provisional scores stand on, and what closing the year would change
        line(8, f"A:{last}", standing.detail, _font(italic=True, color="B02A37"))
    return 9


def _headers(ws: Worksheet, row: int, headers: list[str]) -> None:
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(row, col, text)
        cell.font = _font(bold=True)
        cell.alignment = CENTRE
        cell.border = BOX
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
    ws.row_dimensions[row].height = 32
    ws.freeze_panes = ws.cell(row + 1, 3)


def _box(ws: Worksheet, row: int, columns: int) -> None:
    for col in range(1, columns + 1):
        ws.cell(row, col).border = BOX


def _signature(ws: Worksheet, row: int, campaign: Campaign, columns: int) -> int:
    """The official report's block (exports.signature_block): room to sign and stamp and the
    signatory's name under the council's title; returns the name's row."""
    # The council's members it is sent to, and the file copy: no "As above", which names the
    # addressees of a "Kính gửi" this document does not have.
    recipients = [_("- Members of the provincial Emulation and Commendation Council;"), _("- Archived.")]
    signature = [_("ON BEHALF OF THE EMULATION AND COMMENDATION COUNCIL"), _("CHAIR")]
    return signature_block(ws, row, recipients, signature, campaign.report_signer, (2, 2), (columns - 2, columns))


def _print_setup(ws: Worksheet, header_row: int, glued: set[int] | None = None) -> None:
    """The report's page (exports._print_setup: A4 landscape fitted to the width, its margins, numbered
    as Decree 30/2020/NĐ-CP has it), the header row on every page; with `glued`, the pages cut so that
    each of those rows is printed on the page of the row under it (_cut_pages)."""
    # Rows as tall as their wrapped notes, as the report's: a note's second line printed in the next
    # unit's row would name a fault of the wrong unit.
    fit_row_heights(ws)
    ws.print_title_rows = f"{header_row}:{header_row}"
    _page_setup(ws)
    if glued is not None:
        _cut_pages(ws, header_row, glued)


def _cut_pages(ws: Worksheet, header_row: int, glued: set[int]) -> None:
    """Break the pages by hand where the rows' written heights say a page is full (as the official
    report is cut: exports.page_capacity, in the same units), never between a row in `glued` and the
    row under it. The header row, repeated on every page as the print titles, counts in each page."""
    capacity = page_capacity(ws, ws.max_column)

    def height(r: int) -> float:
        return ws.row_dimensions[r].height or LINE_HEIGHT  # a row left to the program: one line, at most

    title = height(header_row)
    used = sum(height(r) for r in range(1, header_row + 1))
    row, fresh = header_row + 1, True
    while row <= ws.max_row:
        end = row
        while end in glued and end < ws.max_row:
            end += 1
        need = sum(height(r) for r in range(row, end + 1))
        if used + need > capacity and not fresh:
            ws.row_breaks.append(Break(id=row - 1))
            used = title
        used += need
        while used > capacity:  # rows taller than a page: the program cuts them where the page is full
            used -= capacity - title
        fresh = False
        row = end + 1
