"""The ranking workbook the provincial council receives, read back cell by cell: each unit's points
explained line by line, what a provisional ranking's scores stand on, the recipients, the scores as
the page writes them, and the pledge figures marked as the official report marks them."""

import datetime
import io
from decimal import Decimal as D
from unittest import mock

from django.urls import reverse
from openpyxl import load_workbook

from targets import exports, ranking, ranking_xlsx, scoring
from targets.models import Figure, ScoreAdjustment, Submission, Unit
from targets.overview import owes_reports
from tests import test_emulation_pages as pages
from tests.test_emulation_pages import login
from tests.test_ranking import pledge, send

# The emulation pages' 2024 year (024 and 026 pledged budget revenue and sent all four quarters) and users.
_year_rows, year, users = pages._year_rows, pages.year, pages.users

DURING_THE_YEAR = datetime.date(2024, 12, 20)


def _book(client, user, lang="vi"):
    response = login(client, user).get(reverse("ranking-export"), {"year": 2024, "lang": lang})
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _explained(sheet) -> dict[tuple[str, str], dict]:
    """(bloc, unit) → the unit's row, its lines (item, verdict, points, details) and its total row, as printed."""
    units, bloc, current = {}, None, None
    for row in sheet.iter_rows(min_row=sheet.print_title_rows and 10):
        first, label = row[0].value, row[1].value
        if isinstance(first, str) and first.strip("IVXLC") == "" and label:
            bloc = label
        elif isinstance(first, int):
            current = units[(bloc, label)] = {"place": row[4].value, "lines": [], "total": None, "row": row}
        elif isinstance(first, str) and "." in first:
            current["lines"].append((label, row[2].value, _points(row[3].value), row[4].value, row[3].number_format))
        elif current is not None and label == "Tổng điểm":
            current["total"] = (_points(row[3].value), row[3].number_format)
            current = None
    return units


def _points(value):
    """A cell's points as the page's Decimal: a float read back by its shortest text (4.15, not 4.1500000000000004)."""
    return D(repr(value)) if isinstance(value, float) else value


# --- the explanation of each unit's points (B5) ------------------------------------------------------


def test_the_workbook_explains_each_units_points_line_by_line_as_its_page_does(client, demo, users):
    viewer = users["viewer"]
    book = _book(client, viewer)
    assert book.sheetnames == ["Xếp hạng", "Giải trình điểm", "Đề nghị khen thưởng", "Tiến độ giao ước"]
    sheet = book["Giải trình điểm"]
    assert sheet["A5"].value == "GIẢI TRÌNH ĐIỂM THI ĐUA CỦA TỪNG ĐƠN VỊ NĂM 2024"
    assert [c.value for c in sheet[9]] == ["STT", "Nội dung", "Kết quả", "Điểm", "Chi tiết"]
    explained = _explained(sheet)
    result = ranking.build_ranking(demo)
    listed = 0
    for bloc in result.blocs:
        for unit in bloc.units:
            entry = explained[(bloc.name, unit.name)]
            # Every line the unit's page gives, whatever its kind, in its words, with its points; then the total.
            assert [line[:4] for line in entry["lines"]] == [
                (line.label("vi"), line.verdict("vi"), line.points, line.note("vi") or None) for line in unit.lines]
            # No total where the ranking sheet gives none (UnitScore.has_total).
            assert entry["total"][0] == (unit.score if unit.has_total else None)
            listed += 1
    assert listed == len(explained)
    # The bonus that puts Vị Xuyên above its neighbours is there, with its reason and its evidence.
    vi_xuyen = explained[("Khối các huyện, thành phố", "Huyện Vị Xuyên")]
    bonus = next(line for line in vi_xuyen["lines"] if line[0] == "Điểm thưởng")
    assert bonus[1:4] == ("[Demo] Được tặng Cờ thi đua của Bộ Nông nghiệp và PTNT năm trước", 10, "[Demo] không phải văn bản thật")
    assert vi_xuyen["place"].startswith("Xếp thứ ")
    assert "Báo cáo quý III đúng hạn" in [line[0] for line in vi_xuyen["lines"]]
    # Printable: A4 landscape, the header row on every page, text wrapped within its cell.
    assert sheet.print_title_rows == "$9:$9" and sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9 and sheet.sheet_properties.pageSetUpPr.fitToPage  # A4
    first_line = vi_xuyen["row"][0].row + 1
    assert sheet.cell(first_line, 2).alignment.wrap_text and sheet.cell(first_line, 5).alignment.wrap_text
    # In English too, in the English words of the lines.
    english = _book(client, viewer, lang="en")["Score explanation"]
    assert [c.value for c in english[9]] == ["No.", "Item", "Verdict", "Points", "Details"]
    texts = {c.value for row in english.iter_rows() for c in row if isinstance(c.value, str)}
    assert "Bonus" in texts and "Q3 report on time" in texts


def test_a_key_measure_barring_the_flag_is_named_by_the_status_its_explanation_and_the_dashboards_give_it(client, demo, users):
    # The demo's nine months: Hà Giang city's budget revenue (3) is "Có nguy cơ chậm"; the workbook's
    # notes said "chưa đạt tiến độ" / "behind its pace", another status's words ("Chậm tiến độ").
    for lang, sheets, status, bar in (
            ("vi", ("Xếp hạng", "Giải trình điểm"), "Có nguy cơ chậm", "Chỉ tiêu chủ yếu 3 có nguy cơ chậm (tạm tính)"),
            ("en", ("Ranking", "Score explanation"), "At risk", "Key measure 3 at risk (provisional)")):
        book = _book(client, users["viewer"], lang=lang)
        city = "Thành phố Hà Giang" if lang == "vi" else Unit.objects.get(code="024").name_en
        [row] = [r for r in book[sheets[0]].iter_rows(min_row=10, values_only=True) if r[1] == city]
        assert bar in row[5].split("; ")
        # The explanation sheet's line for the measure says the same status, first.
        explained = {(r[1] or "").split(".")[0]: r for r in _unit_lines(book[sheets[1]], city)}
        assert explained["3"][2].startswith(f"{status} (")
        texts = " ".join(str(c.value) for sheet in book for r in sheet.iter_rows() for c in r if c.value)
        assert "chưa đạt tiến độ" not in texts and "behind its pace" not in texts


def _unit_lines(sheet, unit: str) -> list[tuple]:
    """The lines under `unit`'s row on the explanation sheet, as values."""
    rows = list(sheet.iter_rows(min_row=10, values_only=True))
    at = next(i for i, r in enumerate(rows) if isinstance(r[0], int) and r[1] == unit)
    lines = []
    for r in rows[at + 1:]:
        if not (isinstance(r[0], str) and "." in r[0]):
            break
        lines.append(r)
    return lines


# --- what a provisional ranking stands on (A6) ----------------------------------------------------------


def _one_district_at_nine_months(programme):
    """Mèo Vạc pledged budget revenue too and sent three quarters, the third an estimate; no fourth."""
    pledge(programme, "027", "3", "100")
    for q in (1, 2, 3):
        send(programme, "027", q, {"3": "20"})
    Figure.objects.filter(submission__unit__code="027", submission__quarter=3).update(kind=Figure.Kind.ESTIMATE)


def test_a_provisional_ranking_with_a_few_full_year_reports_says_the_others_stand_on_earlier_figures(client, year, users):
    _one_district_at_nine_months(year)
    readiness = ranking.close_readiness(year)
    with mock.patch("django.utils.timezone.localdate", return_value=DURING_THE_YEAR):
        book = _book(client, users["viewer"])
        english = _book(client, users["viewer"], lang="en")
    sheet = book["Xếp hạng"]
    # Not "up to the end of 2024" when two units sent their year and the rest did not.
    assert sheet["A7"].value == "Kết quả TẠM TÍNH, chưa đủ số liệu cả năm, chưa phải kết quả chính thức"
    assert sheet["A8"].value == (f"Mới có 2/{readiness.units} đơn vị gửi báo cáo quý IV (cả năm); các đơn vị còn lại được chấm "
                                 f"điểm theo số liệu đến 9 tháng năm 2024. Số đơn vị chưa gửi báo cáo nào trong năm: "
                                 f"{readiness.units - 3}.")
    assert book["Giải trình điểm"]["A7"].value == book["Đề nghị khen thưởng"]["A7"].value == sheet["A7"].value
    assert book["Tiến độ giao ước"]["A2"].value == "Kết quả TẠM TÍNH, chưa đủ số liệu cả năm, chưa phải kết quả chính thức"
    assert english["Ranking"]["A7"].value == "PROVISIONAL results, without all the full-year figures, not final"
    # The ranking page says what the workbook says.
    with mock.patch("django.utils.timezone.localdate", return_value=DURING_THE_YEAR):
        page = " ".join(login(client, users["viewer"]).get(reverse("ranking"), {"year": 2024}).content.decode().split())
    assert (f"Mới có 2/{readiness.units} đơn vị gửi báo cáo quý IV (cả năm); các đơn vị còn lại được chấm "
            f"điểm theo số liệu đến 9 tháng năm 2024. Số đơn vị chưa gửi báo cáo nào trong năm: {readiness.units - 3}.") in page
    assert english["Ranking"]["A8"].value.startswith(
        f"2 of {readiness.units} units have sent their fourth-quarter (full-year) report; the others are scored on their "
        "figures up to the first nine months of 2024.")
    # Once every unit that reports has sent its year, the year's end is what it stands on.
    for unit in Unit.objects.filter(owes_reports(year)).exclude(code__in=["024", "026"]):
        send(year, unit.code, 4, {})
    with mock.patch("django.utils.timezone.localdate", return_value=DURING_THE_YEAR):
        sheet = _book(client, users["viewer"])["Xếp hạng"]
    assert sheet["A7"].value == "Kết quả TẠM TÍNH đến hết năm 2024, chưa phải kết quả chính thức" and sheet["A8"].value is None


def test_after_the_year_a_provisional_workbook_warns_what_closing_would_score_as_no_figure(client, year, users):
    _one_district_at_nine_months(year)
    readiness = ranking.close_readiness(year)
    assert readiness.no_year_figure == 1 and readiness.pledges == 3
    with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2025, 1, 20)):
        book = _book(client, users["viewer"])
    warning = ("Năm 2024 đã kết thúc nhưng chưa khóa sổ. Nếu khóa sổ năm bây giờ, 1/3 chỉ tiêu giao ước được chấm điểm của tất "
               "cả các khối thi đua chưa có số liệu cả năm được duyệt sẽ được chấm là “chưa có số liệu”.")
    for name in ("Xếp hạng", "Giải trình điểm", "Đề nghị khen thưởng"):
        assert warning in book[name]["A8"].value
        assert book[name]["A8"].value.endswith("Điểm và thứ hạng chính thức có thể khác nhiều so với kết quả tạm tính này.")
    # During the year there is no such warning; once closed, the results are final and say nothing more.
    with mock.patch("django.utils.timezone.localdate", return_value=DURING_THE_YEAR):
        assert "khóa sổ" not in (_book(client, users["viewer"])["Xếp hạng"]["A8"].value or "")
    pages.close(year, users)
    closed = _book(client, users["viewer"])["Xếp hạng"]
    assert closed["A7"].value == "Kết quả chính thức" and closed["A8"].value is None


# --- recipients, unranked totals, score formats, pledge marks (A7) ---------------------------------------------


def test_the_recipients_are_named_not_as_above(client, year, users):
    for lang, members, archived, as_above in (
            ("vi", "- Thành viên Hội đồng Thi đua - Khen thưởng tỉnh;", "- Lưu: VT.", "- Như trên;"),
            ("en", "- Members of the provincial Emulation and Commendation Council;", "- Archived.", "- As above;")):
        book = _book(client, users["viewer"], lang=lang)
        for sheet in book.worksheets[:2]:  # the empty list of proposals is not signed
            column = [c.value for c in sheet["B"]]
            at = column.index("Nơi nhận:" if lang == "vi" else "Recipients:")
            assert column[at + 1:at + 3] == [members, archived], sheet.title
        assert as_above not in {c.value for sheet in book for row in sheet.iter_rows() for c in row}


def _nothing_to_score(result: scoring.Ranking) -> scoring.UnitScore:
    return next(u for b in result.blocs for u in b.units
                if u.unranked_because is not None and u.unranked_because.reason is scoring.Bar.NOTHING_TO_SCORE)


def test_a_unit_with_nothing_to_score_shows_no_total_and_scores_print_as_the_page_writes_them(client, year, users):
    idle = _nothing_to_score(ranking.build_ranking(year))
    unit = Unit.objects.get(code=idle.code)
    ScoreAdjustment.objects.create(campaign=year, unit=unit, kind="bonus", points=D(10), reason="Cờ thi đua của Bộ Tài chính")
    city = Unit.objects.get(code="024")
    ScoreAdjustment.objects.create(campaign=year, unit=city, kind="bonus", points=D("2.5"), reason="Bằng khen")
    ScoreAdjustment.objects.create(campaign=year, unit=Unit.objects.get(code="026"), kind="deduction", points=D("0.25"),
                                   reason="Báo cáo sai số liệu")
    book = _book(client, users["viewer"])
    rows = {r[1].value: r for r in book["Xếp hạng"].iter_rows(min_row=10) if isinstance(r[0].value, int)}
    # The bonus alone is no score of the programme: no total beside "Not ranked"; its line is explained.
    assert rows[idle.name][2].value is None and rows[idle.name][3].value == "Không xếp hạng"
    assert "không có gì để chấm điểm" in rows[idle.name][5].value
    entry = next(e for (_b, name), e in _explained(book["Giải trình điểm"]).items() if name == idle.name)
    assert entry["place"].startswith("Không xếp hạng: ") and [line[:3] for line in entry["lines"]] == [
        ("Điểm thưởng", "Cờ thi đua của Bộ Tài chính", 10)]
    # Whole scores without decimals, others with the decimals they have: never 75,00, never 2,5 shown as 3.
    scores = ranking.build_ranking(year)
    city_score, dong_van = (next(u for b in scores.blocs for u in b.units if u.code == code).score for code in ("024", "026"))
    assert city_score % 1 == D("0.5") and dong_van % 1 == D("0.75")
    assert (rows["Thành phố Hà Giang"][2].value, rows["Thành phố Hà Giang"][2].number_format) == (float(city_score), "[$-42A]#,##0.0")
    assert rows["Huyện Đồng Văn"][2].number_format == "[$-42A]#,##0.00"
    whole = next(r for r in rows.values() if r[2].value is not None and r[2].value == int(r[2].value))
    assert whole[2].number_format == "[$-42A]#,##0"
    explained = _explained(book["Giải trình điểm"])
    deduction = next(line for (_b, name), e in explained.items() if name == "Huyện Đồng Văn" for line in e["lines"]
                     if line[0] == "Điểm trừ")
    assert deduction[2:] == (-0.25, None, "[$-42A]#,##0.00")
    assert next(e for (_b, name), e in explained.items() if name == "Thành phố Hà Giang")["total"][1] == "[$-42A]#,##0.0"


def test_the_pledge_sheet_marks_estimates_and_earlier_periods_as_the_official_report_does(client, year, users):
    _one_district_at_nine_months(year)
    Submission.objects.filter(unit__code="026", quarter=4).update(state=Submission.State.SUBMITTED)
    book = _book(client, users["viewer"])
    pledges = {(r[0].value, r[2].value): r for r in book["Tiến độ giao ước"].iter_rows(min_row=2) if r[0].value}
    # Mèo Vạc's nine-month estimate in a ranking of the year's end: "20 (*) (9 tháng)", as the report prints it.
    meo_vac = pledges[("027", "3")][6]
    assert (meo_vac.value, meo_vac.number_format) == (60, '[$-42A]#,##0.0 "(*)" "(9 tháng)"')
    # Đồng Văn's year, sent and not yet reviewed: (*), of its own period.
    assert pledges[("026", "3")][6].number_format == '[$-42A]#,##0.0 "(*)"'
    # Hà Giang city's approved year: no mark.
    assert pledges[("024", "3")][6].number_format == "[$-42A]#,##0.0"
    # The official report marks the same figures the same way (one rule, exports.provisional / covered_period).
    report = exports.report_workbook(year, 4, lang="vi")["Chi tiết theo đơn vị"]
    by_unit = {(r[0].value, r[3].value): r[7].number_format for r in report.iter_rows(min_row=4) if r[0].value}
    assert by_unit[("3", "027")].endswith('"(*)" "(9 tháng)"') and by_unit[("3", "026")].endswith('"(*)"')
    notes = [c.value for c in book["Tiến độ giao ước"]["A"] if isinstance(c.value, str) and c.value.startswith("(*)")]
    assert notes == ["(*) Số liệu ước tính hoặc chưa được thẩm định."]
    # In English, the report's English period.
    english = _book(client, users["viewer"], lang="en")["Pledges"]
    row = next(r for r in english.iter_rows(min_row=2) if (r[0].value, r[2].value) == ("027", "3"))
    assert row[6].number_format == '[$-409]#,##0.0 "(*)" "(Nine months)"'


def test_the_score_format_keeps_every_decimal_a_rank_may_turn_on():
    assert ranking_xlsx.points_format(D("75.00"), "vi") == "[$-42A]#,##0"
    assert ranking_xlsx.points_format(D("86.5"), "vi") == "[$-42A]#,##0.0"
    assert ranking_xlsx.points_format(D("86.25"), "en") == "[$-409]#,##0.00"
    assert ranking_xlsx.points_format(D("100"), "vi") == "[$-42A]#,##0"


def test_scores_out_of_100_are_shown_with_their_two_decimals_on_the_page_and_in_the_workbook(client, demo, users):
    """The default scheme scores out of 100, to two decimals: every score reads so (83,20 beside
    78,04, never 83,2), on the ranking page as in the workbook, as the chart's numbers are."""
    import re

    login(client, users["viewer"])
    page = client.get(reverse("ranking"), {"year": 2024}).content.decode()
    cells = re.findall(r'data-label="Điểm">([^<]*)</td>', page)
    assert cells and all(re.fullmatch(r"[0-9.]+,[0-9]{2}|–", c.strip()) for c in cells), cells
    sheet = _book(client, users["viewer"])["Xếp hạng"]
    formats = {row[2].number_format for row in sheet.iter_rows(min_row=10) if isinstance(row[2].value, (int, float))}
    assert formats and all(f.endswith("0.00") or "0.00" in f for f in formats), formats


# --- what the council signs: unranked totals, the signature, the empty list, the pledge sheet (probe G) ------


def test_the_explanation_gives_no_total_where_the_ranking_gives_none_in_the_same_words(client, year, users):
    """A unit given nothing to score is "Không xếp hạng" with no total on the ranking sheet: its
    explanation printed "Tổng điểm 10" (its bonus) under it, a score the ranking does not give."""
    idle = _nothing_to_score(ranking.build_ranking(year))
    ScoreAdjustment.objects.create(campaign=year, unit=Unit.objects.get(code=idle.code), kind="bonus", points=D(10),
                                   reason="Cờ thi đua của Bộ Tài chính")
    book = _book(client, users["viewer"])
    rows = {r[1].value: r for r in book["Xếp hạng"].iter_rows(min_row=10) if isinstance(r[0].value, int)}
    assert rows[idle.name][2].value is None and rows[idle.name][3].value == "Không xếp hạng"
    explained = _explained(book["Giải trình điểm"])
    entry = next(e for (_b, name), e in explained.items() if name == idle.name)
    assert entry["total"][0] is None, entry["total"]
    total_row = next(r for r in book["Giải trình điểm"].iter_rows(min_row=entry["row"][0].row + 1) if r[1].value == "Tổng điểm")
    assert total_row[4].value == "Không xếp hạng"
    # A ranked unit keeps its total.
    assert next(e for (_b, name), e in explained.items() if name == "Thành phố Hà Giang")["total"][0] is not None


def _signature_rows(sheet) -> tuple[int, int] | None:
    """The row of the block's last title line ("CHỦ TỊCH") and the row of the signer's name under it."""
    chair = next((c.row for row in sheet.iter_rows() for c in row if c.value == "CHỦ TỊCH"), None)
    if chair is None:
        return None
    name = next((c.row for row in sheet.iter_rows(min_row=chair + 1) for c in row if c.value == "Nguyễn Văn A"), None)
    return chair, name


def test_the_ranking_is_signed_with_room_to_sign_and_stamp_and_the_signers_name(client, year, users):
    year.report_signer = "Nguyễn Văn A"
    year.save()
    book = _book(client, users["viewer"])
    for title in ("Xếp hạng", "Giải trình điểm"):
        chair, name = _signature_rows(book[title])
        assert name is not None and name - chair >= 4, (title, chair, name)  # the report's room: three rows or more
        assert book[title].cell(name, book[title].max_column - 2).font.b


def test_an_empty_list_of_proposals_says_so_and_is_not_signed(client, year, users):
    year.report_signer = "Nguyễn Văn A"
    year.save()
    sheet = _book(client, users["viewer"])["Đề nghị khen thưởng"]
    texts = {c.value for row in sheet.iter_rows() for c in row if c.value}
    assert "Chưa có đề nghị khen thưởng." in texts
    assert _signature_rows(sheet) is None and "Nơi nhận:" not in texts and "Nguyễn Văn A" not in texts


def test_the_pledge_sheet_is_titled_in_the_sheet_and_numbered_as_the_other_sheets(client, year, users):
    """It had its title only in the page header, in the default sans font, and its number top right."""
    book = _book(client, users["viewer"])
    sheet, ranked = book["Tiến độ giao ước"], book["Xếp hạng"]
    assert sheet["A1"].value == "TIẾN ĐỘ THỰC HIỆN GIAO ƯỚC THI ĐUA NĂM 2024"
    assert sheet["A1"].font.name == "Times New Roman" and sheet["A1"].font.b
    assert sheet["A2"].value == ranked["A7"].value and sheet["A2"].font.name == "Times New Roman"  # final or provisional
    assert sheet["A3"].value == "Mã đơn vị" and sheet.print_title_rows == "$3:$3"
    for printed in (sheet, ranked):
        assert printed.oddHeader.center.text == "&P" and printed.oddHeader.center.font == "Times New Roman"
        assert not printed.oddHeader.right.text and not printed.firstHeader.center.text
        assert printed.HeaderFooter.differentFirst


# --- the proposals the council signs (probe J) --------------------------------------------------------


def _withdraw(client, proposal, why="Đơn vị xin rút"):
    form = {"proposal": proposal.pk, "reason": proposal.reason, "state": "withdrawn", "decision_number": "",
            "decision_date": "", "decided_by": "", "why": why, "version": proposal.version}
    assert client.post(reverse("proposals") + "?year=2024", form).status_code == 302


def test_the_signed_list_of_proposals_leaves_a_withdrawn_one_out_and_numbers_the_rest_in_order(client, year, users):
    """The sheet the council signs listed the withdrawn flag of Hà Giang city, numbered 1 and "Đã rút",
    beside the proposals: is the city proposed or not? The proposals page keeps it, with why."""
    from targets.models import Proposal

    pages.close(year, users)
    secretariat = login(client, users["reviewer"])
    secretariat.post(reverse("proposals") + "?year=2024", {"action": "draft"})
    _withdraw(secretariat, Proposal.objects.get(kind="flag", unit__code="024"))
    secretariat.post(reverse("proposals") + "?year=2024", {"action": "draft"})  # gives its place to no one here
    page = pages.text(secretariat.get(reverse("proposals"), {"year": 2024}))
    assert "Đã rút" in page and "Đơn vị xin rút" in page  # the working page still shows it, and why
    standing = Proposal.objects.exclude(state="withdrawn").select_related("unit")
    assert standing.exists()
    sheet = _book(secretariat, users["reviewer"])["Đề nghị khen thưởng"]
    rows = [r for r in sheet.iter_rows(min_row=10, values_only=True) if isinstance(r[0], int)]
    assert "Đã rút" not in {r[7] for r in rows}
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1)) and len(rows) == standing.count()
    assert "Thành phố Hà Giang" not in {r[1] for r in rows}
    # Every proposal withdrawn: nothing proposed, said and not signed.
    for proposal in standing:
        _withdraw(secretariat, proposal)
    texts = {c.value for row in _book(secretariat, users["reviewer"])["Đề nghị khen thưởng"].iter_rows() for c in row if c.value}
    assert "Chưa có đề nghị khen thưởng." in texts and "Nơi nhận:" not in texts


def test_a_drafted_proposal_writes_its_score_as_the_ranking_page_does(client, year, users):
    """Out of a whole the page writes two decimals (60,00, 87,50); the drafted reason, the proposal's card and the
    signed list wrote the decimals the score has (60 điểm, 87,5 điểm)."""
    from targets.models import Proposal, ScoringScheme
    from targets.numbers import format_number

    record = ScoringScheme.objects.get(campaign=year)
    record.data = {**record.data, "score_out_of": 90}  # the city earns two thirds of its lines: 60,00
    record.save()
    pages.close(year, users)
    secretariat = login(client, users["reviewer"])
    secretariat.post(reverse("proposals") + "?year=2024", {"action": "draft"})
    flag = Proposal.objects.get(kind="flag", unit__code="024")
    city = ranking.build_ranking(year).of_unit("024")[1]
    assert city.shown_places == 2 and flag.score == city.score
    shown_vi, shown_en = format_number(city.score, 2, "vi"), format_number(city.score, 2, "en")
    assert shown_vi != scoring.points_text(city.score, "vi")  # the case that read differently (60 beside 60,00)
    page = pages.text(secretariat.get(reverse("ranking"), {"year": 2024}))
    [row] = [r for r in page.split("<tr>") if "<td>Thành phố Hà Giang</td>" in r]
    assert f"<td>{shown_vi}</td>" in row, row
    assert f"hạng 1, {shown_vi} điểm" in flag.reason and f"rank 1, {shown_en} points" in flag.reason_en
    card = pages.text(secretariat.get(reverse("proposals"), {"year": 2024}))
    assert f"hạng 1, {shown_vi} điểm ·" in card
    sheet = _book(secretariat, users["reviewer"])["Đề nghị khen thưởng"]
    [row] = [r for r in sheet.iter_rows(min_row=10) if r[1].value == "Thành phố Hà Giang"]
    assert row[6].number_format == "[$-42A]#,##0.00" and f"{shown_vi} điểm" in row[4].value
