"""The end of the year from the outside: before the irreversible close the admin is told what the
final ranking would rest on and what bars closing; a unit that left a bloc during the year is
listed there with the score of its quarters there only, the same on the page, in the API and in
the workbook, and as kept once the year is closed."""

import html
import io
import re
from decimal import Decimal as D

from django.urls import reverse
from openpyxl import load_workbook

from targets.models import BlocMembership, EmulationBloc, Figure, ScoreAdjustment, ScoringScheme, Submission, Unit
from tests import test_emulation_pages as pages
from tests.test_emulation_pages import close, login, text
from tests.test_ranking import send

# The emulation pages' 2024 year and users (fixtures).
_year_rows, year, users = pages._year_rows, pages.year, pages.users


def _close_form(page: str) -> bool:
    return f'action="{reverse("ranking-close")}"' in page


# --- (1) before closing: what the final ranking would rest on --------------------------------------


def test_before_closing_the_page_lists_the_blocking_reports_and_offers_no_close(client, year, users):
    send(year, "027", 4, {"3": "1"}, state=Submission.State.SUBMITTED)
    send(year, "028", 2, {"3": "1"}, state=Submission.State.RETURNED)
    page = login(client, users["admin"]).get(reverse("ranking"), {"year": 2024})
    raw, body = page.content.decode(), html.unescape(text(page))
    assert "Chưa thể khóa sổ năm." in body
    assert "2 báo cáo đang chờ thẩm định hoặc bị trả lại" in body
    assert re.search(r"027 · [^·<]+ · Quý IV</a> · Đã gửi", body)  # each linked to its report
    assert re.search(r"028 · [^·<]+ · Quý II</a> · Trả lại", body)
    assert not _close_form(raw)  # no close button while closing would be refused
    assert "Số liệu cả năm đã được duyệt" not in body
    # Closing is still decided on submit, as before.
    refused = text(client.post(reverse("ranking-close"), {"year": 2024, "confirm": "1"}, follow=True))
    assert "Còn báo cáo chờ thẩm định hoặc bị trả lại: 027 quý IV, 028 quý II." in refused
    assert not ScoringScheme.objects.get(campaign=year).is_final
    # Without the programme's number too: the page says both at once, not one to fix before learning the next.
    from targets.models import Campaign

    Campaign.objects.filter(pk=year.pk).update(number="")
    body = html.unescape(text(client.get(reverse("ranking"), {"year": 2024})))
    assert "Hãy nhập số và ngày ban hành của chương trình năm 2024 trước" in body
    assert "2 báo cáo đang chờ thẩm định hoặc bị trả lại" in body and re.search(r"027 · [^·<]+ · Quý IV</a> · Đã gửi", body)


def test_before_closing_the_page_counts_missing_year_end_reports_and_estimates(client, year, users):
    owing = Unit.objects.filter(code__in=["024", "026"])
    # Đồng Văn's year figure is an estimate ("ước"): it would be judged on it.
    Figure.objects.filter(submission__unit__code="026", submission__quarter=4).update(kind=Figure.Kind.ESTIMATE)
    page = login(client, users["admin"]).get(reverse("ranking"), {"year": 2024})
    raw, body = page.content.decode(), html.unescape(text(page))
    from targets import ranking

    readiness = ranking.close_readiness(year)
    assert {u.code for u in readiness.approved} == {u.code for u in owing}
    assert readiness.units > 2 and len(readiness.not_sent) == readiness.units - 2 and not readiness.awaiting
    assert f"báo cáo quý IV (cả năm) đã được duyệt: 2/{readiness.units} đơn vị;" in body
    assert f"chưa gửi báo cáo quý IV: {readiness.units - 2} đơn vị, vẫn được xếp hạng khi thiếu báo cáo này: 027, 028, 029" in body
    assert ("chỉ tiêu giao ước được chấm điểm: 2, trong đó 1 chấm trên số ước tính và 0 chưa có số liệu cả năm được duyệt "
            "(chấm là “chưa có số liệu”).") in body
    # Nothing blocks: the close form is there, and its checkbox confirms what the admin read, asserting nothing else.
    assert _close_form(raw) and "Chưa thể khóa sổ năm." not in body
    assert ("Tôi đã xem các số liệu trên; khóa sổ năm 2024 (không thể hoàn tác). Kết quả xếp hạng trở thành chính thức, "
            "điểm thưởng, điểm trừ và đăng ký thi đua không thay đổi nữa.") in body
    assert "Số liệu cả năm đã được duyệt" not in body
    # Only admins are told, and only while the year is open.
    assert "Trước khi khóa sổ năm 2024" in body
    assert "Trước khi khóa sổ năm" not in text(login(client, users["viewer"]).get(reverse("ranking"), {"year": 2024}))
    login(client, users["admin"]).post(reverse("ranking-close"), {"year": 2024, "confirm": "1"})
    closed = text(client.get(reverse("ranking"), {"year": 2024}))
    assert "Trước khi khóa sổ năm" not in closed and not _close_form(closed)


# --- (2) a unit that left a bloc during the year ---------------------------------------------------------


def _move_city(programme):
    """Hà Giang city in the districts' bloc for Q1–Q2, in the economic bloc from Q3, with a bonus of the year."""
    city = Unit.objects.get(code="024")
    BlocMembership.objects.create(campaign=programme, unit=city, bloc=EmulationBloc.objects.get(code="KHOI-HUYEN"), to_quarter=2)
    BlocMembership.objects.create(campaign=programme, unit=city, bloc=EmulationBloc.objects.get(code="KHOI-KT"), from_quarter=3)
    ScoreAdjustment.objects.create(campaign=programme, unit=city, kind="bonus", points=D(3), reason="Bằng khen của Thủ tướng",
                                   evidence="QĐ 1/QĐ-TTg")


def _api_entries(client):
    data = client.get(reverse("api-ranking"), {"year": 2024}).json()
    return {b["code"]: next(u for u in b["units"] if u["code"] == "024") for b in data["blocs"] if any(u["code"] == "024" for u in b["units"])}


def _workbook_scores(client):
    book = load_workbook(io.BytesIO(b"".join(client.get(reverse("ranking-export"), {"year": 2024}).streaming_content)))
    sheet, bloc, scores = book["Xếp hạng"], None, {}
    for row in sheet.iter_rows(values_only=True):
        if isinstance(row[0], str) and row[1] and row[0].strip("IVXLC") == "":
            bloc = row[1]
        elif isinstance(row[0], int) and row[1] == "Thành phố Hà Giang":
            scores[bloc] = (D(str(row[2])), row[3])
    return scores


def _check_left_entry(client):
    entries = _api_entries(client)
    old, new = entries["KHOI-HUYEN"], entries["KHOI-KT"]
    assert old["rank"] is None and new["rank"] is not None
    assert [b["reason"] for b in old["bars"]].count("left_bloc") == 1
    # Its score in the old bloc is of its quarters there: its Q1–Q2 reports, its pledge as at Q2, no bonus of the year.
    assert D(old["score"]) == sum(D(line["points"]) for line in old["lines"])
    report_quarters = {line["item"] for line in old["lines"] if line["kind"] in ("on_time", "complete")}
    assert report_quarters == {"1", "2"}
    assert not [line for line in old["lines"] if line["kind"] in ("bonus", "deduction")]
    measure = next(line for line in old["lines"] if line["kind"] == "measure")
    assert "6 tháng" in measure["note"], measure["note"]
    # In the new bloc: its reports from Q3, the year's pledge and the bonus, as before.
    assert {line["item"] for line in new["lines"] if line["kind"] in ("on_time", "complete")} == {"3", "4"}
    assert [line["points"] for line in new["lines"] if line["kind"] == "bonus"] == ["3"]
    assert D(old["score"]) != D(new["score"])
    return old, new


def test_a_unit_that_left_a_bloc_is_listed_there_with_its_score_of_its_quarters_there(client, year, users):
    _move_city(year)
    login(client, users["viewer"])
    old, new = _check_left_entry(client)
    page = text(client.get(reverse("ranking"), {"year": 2024, "bloc": "KHOI-HUYEN"}))
    row = page[page.index("<td>Thành phố Hà Giang</td>"):]
    row = row[:row.index("</details>") + len("</details>")]
    assert re.search(r"<td>Thành phố Hà Giang</td> <td>" + re.escape(old["score"]) + "</td>", page)
    assert "Đã ra khỏi khối sau quý II" in row
    details = row[row.index("<details>"):row.index("</details>")]
    # Each line says what its number is (a list, not a table in the row's phone card), then the score.
    points = [D(p.replace(",", ".")) for p in re.findall(r'· (-?[\d,]+) điểm</li>', details)]
    assert points and sum(points) == D(old["score"])
    assert re.search(r"Điểm: " + re.escape(old["score"]) + r"</li>", details)
    assert "Báo cáo quý III" not in details and "Báo cáo quý II đúng hạn" in details
    # The workbook lists the same two scores.
    scores = _workbook_scores(client)
    assert scores["Khối các huyện, thành phố"] == (D(old["score"]), "Không xếp hạng")
    assert [s for bloc, s in scores.items() if bloc != "Khối các huyện, thành phố"] == [(D(new["score"]), new["rank"])]


def test_the_left_units_entry_reads_back_the_same_once_the_year_is_closed(client, year, users):
    _move_city(year)
    login(client, users["viewer"])
    before = client.get(reverse("api-ranking"), {"year": 2024}).json()["blocs"]
    login(client, users["admin"]).post(reverse("ranking-close"), {"year": 2024, "confirm": "1"})
    assert ScoringScheme.objects.get(campaign=year).is_final
    login(client, users["viewer"])
    old, new = _check_left_entry(client)
    # The final ranking judges the year: the old bloc's entry still stands as of Q2 (its quarters there).
    after = client.get(reverse("api-ranking"), {"year": 2024}).json()["blocs"]
    old_before = next(u for b in before if b["code"] == "KHOI-HUYEN" for u in b["units"] if u["code"] == "024")
    assert old["score"] == old_before["score"] and old["lines"] == old_before["lines"]
    # Stays as kept whatever changes afterwards.
    ScoreAdjustment.objects.create(campaign=year, unit=Unit.objects.get(code="024"), kind="bonus", points=D(7), reason="Sau khóa sổ")
    assert client.get(reverse("api-ranking"), {"year": 2024}).json()["blocs"] == after


def test_the_blocked_close_links_each_report_to_review_and_is_no_alarm(client, year, users):
    from targets.models import Submission

    admin = users["admin"]
    login(client, admin)
    pending = Submission.objects.filter(campaign=year, state__in=("submitted", "returned")).first()
    if pending is None:
        pending = Submission.objects.filter(campaign=year).first()
        Submission.objects.filter(pk=pending.pk).update(state="submitted")
    from unittest import mock

    with mock.patch("targets.ranking.year_over", return_value=True):
        html = client.get(reverse("ranking"), {"year": 2024}).content.decode()
    block = html[html.index('id="close-readiness"'):]
    block = block[:block.index("</section>")]
    assert 'role="alert"' not in block  # read with the page, not announced over it
    assert f'href="{reverse("submission", args=[pending.pk])}"' in block and f'href="{reverse("review")}?year=2024"' in block
    # A reload of the closing address after the close: the ranking page, not a bare 405.
    response = client.get(reverse("ranking-close"), {"year": 2024})
    assert response.status_code == 302 and response.url == f"{reverse('ranking')}?year=2024"


def test_a_moved_units_page_says_where_it_is_also_listed_and_with_what(client, year, users):
    _move_city(year)
    login(client, users["viewer"])
    old, _new = _check_left_entry(client)
    page = html.unescape(text(client.get(reverse("ranking-unit", args=["024"]), {"year": 2024})))
    assert (f"Đơn vị còn được ghi tên (không xếp hạng) trong Khối các huyện, thành phố, khối đã rời: {old['score']} điểm "
            "cho các quý ở khối đó.") in page
    assert f'href="{reverse("ranking")}?year=2024&bloc=KHOI-HUYEN"' in page
    # The unit's own reporter sees the sentence; the ranking page it links to is not theirs.
    login(client, users["reporter"])
    page = html.unescape(text(client.get(reverse("ranking-unit", args=["024"]), {"year": 2024})))
    assert "khối đã rời" in page and "bloc=KHOI-HUYEN" not in page


# --- (3) a yearly key figure still awaited when the year is closed ------------------------------------

FEBRUARY = __import__("datetime").date(2025, 2, 10)  # the year over, the poverty rate expected this month


def _awaiting_the_poverty_rate(programme):
    """Hà Giang city pledged the yearly poverty-rate reduction (6), a key measure, published in
    February: none of its reports has the figure yet."""
    from tests.test_ranking import pledge

    record = ScoringScheme.objects.get(campaign=programme)
    record.data = {**record.data, "key_measures": ["3", "6"]}
    record.save()
    pledge(programme, "024", "6", "4.85")


def _read(response) -> str:
    """The page as read: tags dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.unescape(response.content.decode()))).replace(" :", ":")


def _pledge_rows(client, lang="vi"):
    response = client.get(reverse("ranking-export"), {"year": 2024, "lang": lang})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return {(r[0], r[2]): r for r in book.worksheets[-1].iter_rows(min_row=2, values_only=True)}  # the pledge sheet, last


def test_before_closing_the_admin_is_told_which_units_the_close_would_bar_from_the_flag(client, year, users):
    from unittest import mock

    _awaiting_the_poverty_rate(year)
    login(client, users["admin"])
    with mock.patch("django.utils.timezone.localdate", return_value=FEBRUARY):
        page = client.get(reverse("ranking"), {"year": 2024, "bloc": "KHOI-HUYEN"})
        client.cookies["django_language"] = "en"
        english = _read(client.get(reverse("ranking"), {"year": 2024, "bloc": "KHOI-HUYEN"}, HTTP_ACCEPT_LANGUAGE="en"))
        del client.cookies["django_language"]
    # The ranking as it stands calls the city eligible: a yearly figure not yet published bars nothing.
    row = next(r for r in html.unescape(text(page)).split("<tr>") if "<td>Thành phố Hà Giang</td>" in r)
    assert "Đủ điều kiện" in row
    body = _read(page)
    box = body[body.index("Trước khi khóa sổ năm 2024"):]
    box = box[:box.index("Khóa sổ năm: chốt kết quả xếp hạng") + 40]
    assert ("Nếu khóa sổ năm bây giờ, các đơn vị sau đang đủ điều kiện đề nghị Cờ thi đua sẽ không còn đủ điều kiện: "
            "024 Thành phố Hà Giang: Chỉ tiêu chủ yếu 6 không có số liệu cả năm (công bố hằng năm, dự kiến tháng 2/2025)") in box
    assert "Đồng Văn" not in box  # barred already: the close changes nothing for it
    assert "Trước khi khóa sổ, hãy chờ các số liệu công bố hằng năm còn đang chờ" in box
    assert box.index("Thành phố Hà Giang") < box.index("Khóa sổ năm: chốt kết quả xếp hạng")  # before the button
    assert ("If the year were closed now, these units, eligible for the flag in the ranking as it stands, would no longer be: "
            "024 Ha Giang City: Key measure 6 has no year figure (published yearly, expected February 2025)") in english
    # It said what the close does: the final ranking bars the city for that very reason.
    close(year, users)
    closed = html.unescape(text(client.get(reverse("ranking"), {"year": 2024, "bloc": "KHOI-HUYEN"})))
    row = next(r for r in closed.split("<tr>") if "<td>Thành phố Hà Giang</td>" in r)
    assert "Đủ điều kiện" not in row and "Chỉ tiêu chủ yếu 6 không có số liệu cả năm" in row


def test_the_warning_goes_once_the_awaited_figure_is_entered_and_the_close_then_keeps_the_flag(client, year, users):
    from unittest import mock

    from targets.models import Measure

    _awaiting_the_poverty_rate(year)
    login(client, users["admin"])
    warning = "các đơn vị sau đang đủ điều kiện đề nghị Cờ thi đua sẽ không còn đủ điều kiện"
    with mock.patch("django.utils.timezone.localdate", return_value=FEBRUARY):
        assert f"{warning}: 024 Thành phố Hà Giang" in _read(client.get(reverse("ranking"), {"year": 2024}))
        # The remedy the box points to: the figure added to the city's full-year report, approved again.
        report = Submission.objects.get(campaign=year, unit__code="024", quarter=4)
        Figure.objects.create(submission=report, measure=Measure.objects.get(campaign=year, code="6"), value=D("5.1"))
        body = _read(client.get(reverse("ranking"), {"year": 2024}))
        assert "Trước khi khóa sổ năm 2024" in body and warning not in body
        close(year, users)
    closed = html.unescape(text(client.get(reverse("ranking"), {"year": 2024, "bloc": "KHOI-HUYEN"})))
    row = next(r for r in closed.split("<tr>") if "<td>Thành phố Hà Giang</td>" in r)
    assert "Đủ điều kiện" in row


def test_once_closed_an_awaited_yearly_figure_is_said_to_be_missing_not_expected(client, year, users):
    from unittest import mock

    _awaiting_the_poverty_rate(year)
    login(client, users["admin"])
    with mock.patch("django.utils.timezone.localdate", return_value=FEBRUARY):
        # Provisional: awaited, with when it is expected.
        page = html.unescape(text(client.get(reverse("ranking-unit", args=["024"]), {"year": 2024})))
        assert "Chưa có số liệu (chờ công bố)" in page and "Cả năm: công bố hằng năm, dự kiến tháng 2/2025" in page
        assert _pledge_rows(client)["024", "6"][8] == "Chờ công bố"
        close(year, users)
        page = html.unescape(text(client.get(reverse("ranking-unit", args=["024"]), {"year": 2024})))
        api = client.get(reverse("api-ranking"), {"year": 2024}).json()
        rows, rows_en = _pledge_rows(client), _pledge_rows(client, "en")
    # Final: one reading on the page, its verdict and note as its flag condition, no figure still expected.
    line = page[page.index("6. Mức giảm tỷ lệ hộ nghèo"):]
    line = line[:line.index("</tr>")]
    assert "Chưa có số liệu cả năm" in line
    assert "Cả năm: không có số liệu cả năm được duyệt trước khi khóa sổ năm" in line
    assert "chờ công bố" not in page.lower() and "dự kiến tháng 2/2025" not in page
    assert "<li>Chỉ tiêu chủ yếu 6 không có số liệu cả năm</li>" in page
    [city] = [u for b in api["blocs"] for u in b["units"] if u["code"] == "024"]
    [measure] = [m for m in city["lines"] if m["kind"] == "measure" and m["item"] == "6"]
    assert (measure["verdict"], measure["note"]) == ("Chưa có số liệu cả năm",
                                                     "Cả năm: không có số liệu cả năm được duyệt trước khi khóa sổ năm")
    assert (measure["verdict_en"], measure["note_en"]) == ("No full-year figure",
                                                           "Full year: no full-year figure was approved before the year was closed")
    assert rows["024", "6"][8:] == ("Chưa có số liệu cả năm", "Cả năm: không có số liệu cả năm được duyệt trước khi khóa sổ năm")
    assert rows_en["024", "6"][8:] == ("No full-year figure", "Full year: no full-year figure was approved before the year was closed")


def test_once_closed_a_pledge_without_its_year_figure_is_explained_by_that_not_by_its_nine_month_pace(client, year, users):
    # Hà Giang city's full-year report came without its revenue figure: nine months of 190 against
    # its pledge of 250 were on track, and decide nothing once the year is closed.
    Figure.objects.filter(submission__unit__code="024", submission__quarter=4, measure__code="3").delete()
    close(year, users)
    page = html.unescape(text(login(client, users["viewer"]).get(reverse("ranking-unit", args=["024"]), {"year": 2024})))
    line = page[page.index("3. Thu ngân sách nhà nước trên địa bàn"):]
    line = line[:line.index("</tr>")]
    assert "<td>Chưa có số liệu cả năm</td><td>0</td>" in line
    assert ("Cả năm: không có số liệu cả năm được duyệt trước khi khóa sổ năm; 9 tháng: 190,0 / 250 tỷ đồng = 76,0 % giao ước"
            in line)
    assert "đúng tiến độ" not in line  # the nine months' status, which no longer decides anything
    rows = _pledge_rows(client)
    assert rows["024", "3"][8] == "Chưa có số liệu cả năm" and "đúng tiến độ" not in rows["024", "3"][9]


def test_before_closing_the_box_names_the_units_with_an_earlier_quarter_not_sent(client, year, users):
    # Hà Giang city's third-quarter report went back to a draft and was never sent again; 027 never
    # sent Q1–Q3. Both are ranked without those reports' points: the box says so, by unit and quarter.
    Submission.objects.filter(campaign=year, unit__code="024", quarter=3).update(state=Submission.State.DRAFT, submitted_at=None)
    body = html.unescape(text(login(client, users["admin"]).get(reverse("ranking"), {"year": 2024})))
    line = body[body.index("chưa gửi báo cáo của quý trước"):]
    line = line[:line.index("</li>")]
    assert line.startswith("chưa gửi báo cáo của quý trước (chưa có hoặc còn là bản nháp): ")
    assert "vẫn được xếp hạng nhưng không có điểm của các báo cáo này: 024 quý III (nháp); 027 quý I, quý II, quý III; 028 " in line
    assert " 026 " not in line  # it sent every quarter
    # Information only: nothing blocks, the close form is there.
    assert _close_form(client.get(reverse("ranking"), {"year": 2024}).content.decode())
    client.cookies["django_language"] = "en"
    english = html.unescape(text(client.get(reverse("ranking"), {"year": 2024}, HTTP_ACCEPT_LANGUAGE="en")))
    assert "ranked without those reports' points: 024 Q3 (draft); 027 Q1, Q2, Q3; 028 " in english
