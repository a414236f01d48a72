"""The emulation pages, API and workbook from the outside, for each role: viewers see rankings,
reporters their own unit's score, the secretariat enters bonuses, deductions, registrations and
proposals, admins close the year."""

import datetime
import io
import json
import re
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from targets.models import Campaign, Pledge, Proposal, Registration, ScoreAdjustment, ScoringScheme, Submission, Unit
from tests.conftest import PASSWORD, copy_in, make_user, rows_written_by
from tests.test_ranking import FLAG, pledge, send


def _emulation_year():
    """Hà Giang city exceeds its pledge and registered for the flag; Đồng Văn misses its key measure."""
    programme = Campaign.objects.get(year=2024)
    pledge(programme, "024", "3", "250")
    pledge(programme, "026", "3", "100")
    for q, (city, dong_van) in enumerate([("60", "20"), ("70", "20"), ("60", "20"), ("70", "20")], start=1):
        send(programme, "024", q, {"3": city})
        send(programme, "026", q, {"3": dong_van})
    Registration.objects.create(campaign=programme, unit=Unit.objects.get(code="024"), title=FLAG)
    # Registration stays open in the tests (the fixture's 31 March 2024 has long passed). The
    # flag is keyed on budget revenue alone, the one measure pledged here: a key measure a unit
    # reports and never pledged (6, 11 of the programme) would bar it (Bar.KEY_MEASURE_NOT_PLEDGED).
    record = ScoringScheme.objects.get(campaign=programme)
    # Its scores are the lines' sums, worked out by hand in the tests (the programme's default scores
    # out of 100: tests/test_ranking.py checks that; the hand sums here stay readable).
    record.data = {**record.data, "registration_until": "2099-12-31", "key_measures": ["3"], "score_out_of": None}
    record.save()


@pytest.fixture(scope="session")
def _year_rows(_loaded, django_db_blocker):
    with django_db_blocker.unblock():
        return rows_written_by(_emulation_year, _loaded["programme"], groups=_loaded["groups"])


@pytest.fixture
def year(programme, _year_rows):
    """The 2024 programme with the emulation under way (_emulation_year), built once per session."""
    copy_in(_year_rows)
    return programme


@pytest.fixture
def users(db):
    city, dong_van = Unit.objects.get(code="024"), Unit.objects.get(code="026")
    return {
        "viewer": make_user("v", "viewer"),
        "reporter": make_user("r", "reporter", units=[city]),
        "other_reporter": make_user("r2", "reporter", units=[dong_van]),
        "reviewer": make_user("s", "reviewer"),
        "admin": make_user("a", "admin", is_staff=True, is_superuser=True),
    }


def login(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def text(response) -> str:
    """The page with its spaces collapsed and its cells' attributes dropped: <td>…</td> as read."""
    return re.sub(r"<td [^>]*>", "<td>", re.sub(r"\s+", " ", response.content.decode()))


def close(programme, users):
    from targets import ranking

    ranking.close_year(programme, users["admin"])


# --- the ranking page ---------------------------------------------------------------------------


def test_viewers_see_each_bloc_ranked_with_a_chart_of_the_same_numbers(client, year, users):
    page = login(client, users["viewer"]).get(reverse("ranking"), {"year": 2024, "bloc": "KHOI-HUYEN"})
    assert page.status_code == 200
    body = text(page)
    assert "Kết quả xếp hạng tạm tính" in body and "Tạm tính" in body
    assert "<td>1</td> <td>Thành phố Hà Giang</td> <td>18</td>" in body
    assert "<td>2</td> <td>Huyện Đồng Văn</td> <td>10</td>" in body
    assert "Chỉ tiêu chủ yếu 3 không đạt" in body
    chart = json.loads(re.search(r'<script id="ranking-KHOI-HUYEN" type="application/json">(.*?)</script>', page.content.decode()).group(1))
    assert chart["labels"][:2] == ["Thành phố Hà Giang", "Huyện Đồng Văn"] and chart["datasets"][0]["data"][:2] == ["18", "10"]
    assert reverse("ranking-unit", args=["024"]) in body
    assert "Khóa sổ năm" not in body  # only admins close the year


def test_the_ranking_page_in_english(client, year, users):
    login(client, users["viewer"])
    client.cookies["django_language"] = "en"
    body = text(client.get(reverse("ranking"), {"year": 2024}, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Provisional ranking" in body and "Key measure 3 not met" in body
    assert "<td>Ha Giang City</td>" in body and "Districts and city" in body and "Thành phố Hà Giang" not in body


def test_everyone_who_sees_the_ranking_sees_the_rules_that_scored_it(client, year, users):
    """A unit and the council check a line's points against the scheme: its points by verdict,
    its key measures by name, the whole it is out of, the flag's conditions, on both pages."""
    login(client, users["viewer"])
    body = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(reverse("ranking"), {"year": 2024}).content.decode()))
    assert "Cách chấm điểm các đơn vị" in body
    assert "Mỗi chỉ tiêu có giao ước, theo kết quả Vượt kế hoạch 10 · Đạt 8 · Không đạt 2 · Chưa có số liệu 0" in body
    assert "Báo cáo mỗi quý đúng hạn 2 · đầy đủ 1" in body
    assert "Chỉ tiêu chủ yếu 3. Thu ngân sách nhà nước trên địa bàn Đề nghị" in body  # this year's scheme keys on 3 alone
    assert ("Đề nghị Cờ thi đua đơn vị xếp hạng cao nhất đã đăng ký “Cờ thi đua của UBND tỉnh”, ở trong khối cả năm, "
            "có giao ước và đạt mọi chỉ tiêu chủ yếu, đã gửi báo cáo, không bị trừ điểm do vi phạm; Hội đồng quyết định") in body
    assert "Số Bằng khen mỗi khối 2" in body and "Hạn đăng ký danh hiệu 31/12/2099" in body
    assert "Tổng điểm tổng điểm các dòng, kể cả điểm thưởng và điểm trừ" in body
    record = ScoringScheme.objects.get(campaign=year)
    record.data = {**record.data, "score_out_of": "100"}
    record.save()
    login(client, users["reporter"])
    client.cookies["django_language"] = "en"
    body = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(reverse("ranking-unit", args=["024"]), {"year": 2024},
                                                                  HTTP_ACCEPT_LANGUAGE="en").content.decode()))
    assert "How units are scored" in body and "Key measures 3. State budget revenue" in body
    assert "The score out of 100: what the lines above earn, scaled to it; then bonuses and deductions" in body


def test_a_unit_given_nothing_to_score_is_listed_not_ranked_with_why_on_the_page_workbook_and_api(client, year, users):
    # Customs sits in the economic bloc and the programme gives it nothing to be scored on: a
    # ministry's flag (+10) would make it first of a bloc whose members report all year.
    ScoreAdjustment.objects.create(campaign=year, unit=Unit.objects.get(code="CHQ"), kind="bonus", points=D(10),
                                   reason="Cờ thi đua của Bộ Tài chính")
    why = "Đơn vị không được giao chỉ tiêu, giao ước hay nhiệm vụ nào của chương trình: không có gì để chấm điểm"
    login(client, users["viewer"])
    body = text(client.get(reverse("ranking"), {"year": 2024, "bloc": "KHOI-KT"}))
    rows = body[body.index("<tbody>"):].split("<tr>")
    [customs] = [r for r in rows if "<td>Cục Hải quan tỉnh Hà Giang</td>" in r]
    assert f'<span class="text-muted">Không xếp hạng: {why}</span>' in customs
    assert "<td>1</td> <td>Cục Hải quan tỉnh Hà Giang</td>" not in customs
    assert "<td>–</td>" in customs and "<td>10</td>" not in customs  # no total beside it, as in the workbook
    assert rows[-1] is customs or "Không xếp hạng" in rows[-1]  # listed after the ranked units
    # Its own page: not ranked, why, and its bonus still in its explanation.
    unit_page = text(client.get(reverse("ranking-unit", args=["CHQ"]), {"year": 2024}))
    assert f"Không xếp hạng: {why}" in unit_page and "xếp thứ" not in unit_page
    assert "Cờ thi đua của Bộ Tài chính</td><td>10</td>" in unit_page
    lead = unit_page[unit_page.index('<p class="lead">'):].split("</p>")[0]
    assert "Điểm" not in lead  # no total beside "not ranked", as on the ranking page and in the workbook
    assert f"Không xếp hạng: {why}" in text(client.get(reverse("unit", args=["CHQ"]), {"year": 2024}))  # its dashboard page too
    # "Rank N of M" counts the ranked units only.
    from targets import ranking

    economic = next(b for b in ranking.build_ranking(year).blocs if b.code == "KHOI-KT")
    ranked = [u for u in economic.units if u.ranked]
    assert "CHQ" not in {u.code for u in ranked} and economic.ranked_count == len(ranked) < len(economic.units)
    first = text(client.get(reverse("ranking-unit", args=[ranked[0].code]), {"year": 2024}))
    assert f"xếp thứ {ranked[0].rank}/{len(ranked)}" in first
    # The workbook: not ranked, the reason first in its notes; the API: no rank, the reason among the bars.
    workbook = load_workbook(io.BytesIO(b"".join(client.get(reverse("ranking-export"), {"year": 2024}).streaming_content)))
    [row] = [r for r in workbook["Xếp hạng"].iter_rows(min_row=10, values_only=True) if r[1] == "Cục Hải quan tỉnh Hà Giang"]
    # No total beside "Not ranked": its bonus alone is no score of the programme (its line is on the explanation sheet).
    assert (row[2], row[3]) == (None, "Không xếp hạng") and row[5].startswith(f"{why}; ")  # then: not registered for the flag
    api = client.get(reverse("api-ranking"), {"year": 2024, "bloc": "KHOI-KT"}).json()
    [listed] = [u for b in api["blocs"] for u in b["units"] if u["code"] == "CHQ"]
    assert listed["rank"] is None and "nothing_to_score" in [b["reason"] for b in listed["bars"]]
    # No score either, as the page and the workbook give no total (a client sorting by score put it first with 10);
    # its lines still say the bonus.
    assert "score" in listed and listed["score"] is None
    assert [(line["kind"], line["points"]) for line in listed["lines"]] == [("bonus", "10")]


@pytest.mark.parametrize("role, status", [("viewer", 200), ("reviewer", 200), ("admin", 200), ("reporter", 403)])
def test_who_sees_the_ranking_page(client, year, users, role, status):
    assert login(client, users[role]).get(reverse("ranking")).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, year):
    assert client.get(reverse("ranking")).status_code == 302
    assert client.get(reverse("api-ranking")).status_code == 401


def _read_page(response) -> str:
    """The page as read: tags dropped, spaces collapsed."""
    import html

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.unescape(response.content.decode()))).replace(" :", ":")


def test_after_the_year_everyone_who_sees_the_ranking_is_told_what_closing_would_change_as_the_workbook_says(client, year, users):
    # Hà Giang city pledged the yearly poverty-rate reduction (6), a key measure published in February:
    # the ranking as it stands calls the city eligible, closing the year now would bar it. The
    # workbook said so; the page a leader reads called it "Đủ điều kiện" and nothing more.
    from unittest import mock

    from targets.models import Figure, Measure

    record = ScoringScheme.objects.get(campaign=year)
    record.data = {**record.data, "key_measures": ["3", "6"]}
    record.save()
    pledge(year, "024", "6", "4.85")
    loss = ("Nếu khóa sổ năm bây giờ, sẽ không còn đủ điều kiện: Chỉ tiêu chủ yếu 6 không có số liệu cả năm "
            "(công bố hằng năm, dự kiến tháng 2/2025)")
    flag = "Các đơn vị đang đủ điều kiện đề nghị Cờ thi đua sẽ không còn đủ điều kiện: Thành phố Hà Giang."
    with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2025, 2, 10)):
        workbook = load_workbook(io.BytesIO(b"".join(
            login(client, users["viewer"]).get(reverse("ranking-export"), {"year": 2024}).streaming_content)))
        said = workbook["Xếp hạng"]["A8"].value
        assert flag in said
        said = said[said.index("Năm 2024 đã kết thúc"):]  # what closing would change, after what the scores stand on
        for role in ("viewer", "reviewer", "admin"):
            page = login(client, users[role]).get(reverse("ranking"), {"year": 2024, "bloc": "KHOI-HUYEN"})
            # Said in the ranking's status, above the blocs, in the workbook's words.
            status = re.search(r'<p class="alert alert-warning" role="status">(.*?)</p>', page.content.decode(), re.S).group(1)
            assert said in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", status)), role
            row = next(r for r in text(page).split("<tr>") if "<td>Thành phố Hà Giang</td>" in r)
            assert "Đủ điều kiện" in row and loss in row, role
            assert "không còn đủ điều kiện" not in next(r for r in text(page).split("<tr>") if "<td>Huyện Đồng Văn</td>" in r)
        # In English too, from the same cached ranking (the caveat is kept by language).
        client.cookies["django_language"] = "en"
        english = _read_page(login(client, users["viewer"]).get(reverse("ranking"), {"year": 2024}, HTTP_ACCEPT_LANGUAGE="en"))
        del client.cookies["django_language"]
        assert "Units eligible for the flag in this ranking that would no longer be: Ha Giang City." in english
        assert ("If the year were closed now, no longer eligible: Key measure 6 has no year figure "
                "(published yearly, expected February 2025)") in english
        # The figure entered (a new data version): the page no longer says it, not from a copy kept before.
        report = Submission.objects.get(campaign=year, unit__code="024", quarter=4)
        Figure.objects.create(submission=report, measure=Measure.objects.get(campaign=year, code="6"), value=D("5.1"))
        after = _read_page(login(client, users["viewer"]).get(reverse("ranking"), {"year": 2024}))
        assert "không còn đủ điều kiện" not in after and "Nếu khóa sổ năm bây giờ" not in after
    # During the year nothing is said of closing it; once closed, the ranking is final and says nothing of it either.
    with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2024, 12, 20)):
        assert "khóa sổ năm bây giờ" not in _read_page(login(client, users["viewer"]).get(reverse("ranking"), {"year": 2024}))


def test_a_units_own_ranking_page_and_the_api_say_what_closing_the_year_now_would_bar_it_from(client, year, users):
    # The unit's page (the one ranking page a reporter opens) said "Đơn vị không vướng điều kiện nào khi
    # đề nghị Cờ thi đua" and the API "eligible_for_flag": true, with no word, while /xep-hang/ listed
    # the city among the units closing the year now would bar. Said as that page says it, naming no other unit.
    from unittest import mock

    record = ScoringScheme.objects.get(campaign=year)
    record.data = {**record.data, "key_measures": ["3", "6"]}
    record.save()
    pledge(year, "024", "6", "4.85")
    reason_vi = "Chỉ tiêu chủ yếu 6 không có số liệu cả năm (công bố hằng năm, dự kiến tháng 2/2025)"
    reason_en = "Key measure 6 has no year figure (published yearly, expected February 2025)"
    names = "Các đơn vị đang đủ điều kiện đề nghị Cờ thi đua sẽ không còn đủ điều kiện"
    with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2025, 2, 10)):
        whole = _read_page(login(client, users["viewer"]).get(reverse("ranking"), {"year": 2024}))
        of_the_year = re.search(r"Năm 2024 đã kết thúc.*?“chưa có số liệu”\.", whole).group(0)
        # Counted over every bloc, and said so, with one bloc chosen too (it read "1/2" as if of that bloc).
        assert "chỉ tiêu giao ước được chấm điểm của tất cả các khối thi đua" in of_the_year
        one_bloc = _read_page(login(client, users["viewer"]).get(reverse("ranking"), {"year": 2024, "bloc": "KHOI-HUYEN"}))
        assert of_the_year in one_bloc and names + ": Thành phố Hà Giang." in one_bloc
        for role in ("reporter", "viewer", "admin"):
            page = _read_page(login(client, users[role]).get(reverse("ranking-unit", args=["024"]), {"year": 2024}))
            assert of_the_year in page, role
            assert "Điểm và thứ hạng chính thức có thể khác nhiều so với kết quả tạm tính này." in page, role
            assert "Nếu khóa sổ năm bây giờ, sẽ không còn đủ điều kiện: " + reason_vi in page, role
            assert "Đơn vị không vướng điều kiện nào" not in page, role
            assert "Theo kết quả xếp hạng hiện tại, đơn vị không vướng điều kiện nào khi đề nghị Cờ thi đua." in page, role
            assert names not in page, role  # the sentence naming the units: the ranking page's only
        # Another unit's page says the year's sentence, and nothing of the city.
        other = _read_page(login(client, users["viewer"]).get(reverse("ranking-unit", args=["026"]), {"year": 2024}))
        assert of_the_year in other and names not in other and "sẽ không còn đủ điều kiện" not in other
        # The API: the same reasons on the unit, in both languages, and the year's sentences naming no unit.
        for role in ("viewer", "reporter"):
            data = login(client, users[role]).get(reverse("api-ranking"), {"year": 2024}).json()
            units = {u["code"]: u for b in data["blocs"] for u in b["units"]}
            city = units["024"]
            assert city["eligible_for_flag"] is True and city["bars"] == []  # unchanged
            assert city["would_lose_flag_if_closed_now"] == [{"text_vi": reason_vi, "text_en": reason_en}], role
            assert data["if_closed_now_vi"][0] == of_the_year, role
            assert data["if_closed_now_en"][0].startswith("The 2024 year is over and not closed yet."), role
            assert "in all blocs" in data["if_closed_now_en"][0]
            assert not any("Hà Giang" in s for s in data["if_closed_now_vi"] + data["if_closed_now_en"])
            if role == "viewer":
                assert units["026"]["would_lose_flag_if_closed_now"] == []
            else:
                assert set(units) == {"024"}
    # During the year: nothing of closing it, on the unit page or in the API.
    with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2024, 12, 20)):
        page = _read_page(login(client, users["reporter"]).get(reverse("ranking-unit", args=["024"]), {"year": 2024}))
        assert "Đơn vị không vướng điều kiện nào khi đề nghị Cờ thi đua." in page and "khóa sổ năm bây giờ" not in page
        data = login(client, users["reporter"]).get(reverse("api-ranking"), {"year": 2024}).json()
        assert data["if_closed_now_vi"] == data["if_closed_now_en"] == []
        assert data["blocs"][0]["units"][0]["would_lose_flag_if_closed_now"] == []


# --- a unit's explanation and the unit page -------------------------------------------------------


def test_a_reporter_sees_their_own_units_explanation_adding_up_and_no_other(client, year, users):
    login(client, users["reporter"])
    page = client.get(reverse("ranking-unit", args=["024"]), {"year": 2024})
    body = text(page)
    assert page.status_code == 200
    assert "3. Thu ngân sách nhà nước trên địa bàn</td><td>Vượt kế hoạch</td><td>10</td>" in body
    assert "Báo cáo quý I đúng hạn</td><td>Có</td><td>2</td>" in body
    points = [D(p.replace(",", ".")) for p in re.findall(r'<td>(-?[\d,]+)</td>', body)]
    assert sum(points) == D(18)
    assert "<strong>18</strong>" in body and "xếp thứ 1/11" in body
    assert client.get(reverse("ranking-unit", args=["026"])).status_code == 403


def test_the_unit_page_shows_rank_score_and_progress_against_the_pledge(client, year, users):
    body = text(login(client, users["viewer"]).get(reverse("unit", args=["026"]), {"year": 2024, "quarter": 4}))
    assert "Điểm <strong>10</strong>" in body and "xếp thứ 2/11" in body
    assert "Tiến độ so với giao ước của đơn vị" in body
    assert "Cả năm: 80,0 / 100 tỷ đồng = 80,0 % giao ước → không đạt" in body
    # Two tables, two targets: each says which one its statuses are judged against.
    assert body.count(">Đánh giá theo giao ước</th>") == 1 and body.count(">Đánh giá theo kế hoạch tỉnh</th>") == 1
    # Officials see sent figures, as the score counts them; the secretariat also unsent ones, and is told so.
    assert "Gồm cả số liệu của các báo cáo chưa gửi" not in body
    secretariat = text(login(client, users["reviewer"]).get(reverse("unit", args=["026"]), {"year": 2024, "quarter": 4}))
    assert "Gồm cả số liệu của các báo cáo chưa gửi (bản nháp, báo cáo bị trả lại)" in secretariat


def test_a_reporter_does_not_see_another_units_score_on_its_page(client, year, users):
    body = text(login(client, users["other_reporter"]).get(reverse("unit", args=["024"]), {"year": 2024}))
    assert "xếp thứ" not in body and 'id="standing"' not in body
    own = text(client.get(reverse("unit", args=["026"]), {"year": 2024}))
    assert "xếp thứ 2/11" in own


# --- bonuses and deductions --------------------------------------------------------------------------


def test_the_secretariat_enters_a_bonus_and_the_ranking_follows(client, year, users):
    login(client, users["reviewer"])
    # Without the document it rests on, nothing is added, and what was typed stays on the page.
    response = client.post(reverse("adjustments") + "?year=2024", {"unit": Unit.objects.get(code="026").pk, "kind": "bonus",
                                                                   "points": "12,5", "reason": "Cờ thi đua của Chính phủ 2023",
                                                                   "evidence": "  "})
    assert ("Hãy ghi văn bản làm căn cứ (số, ngày): Hội đồng đối chiếu từng khoản điểm thưởng, điểm trừ với văn bản đó."
            in text(response))
    assert "Cờ thi đua của Chính phủ 2023" in text(response) and not ScoreAdjustment.objects.exists()
    response = client.post(reverse("adjustments") + "?year=2024", {"unit": Unit.objects.get(code="026").pk, "kind": "bonus",
                                                                   "points": "12,5", "reason": "Cờ thi đua của Chính phủ 2023",
                                                                   "evidence": "QĐ 1/QĐ-TTg"}, follow=True)
    assert "Đã lưu." in text(response)
    assert ScoreAdjustment.objects.get().points == D("12.5")
    body = text(client.get(reverse("ranking"), {"year": 2024, "bloc": "KHOI-HUYEN"}))
    assert "<td>1</td> <td>Huyện Đồng Văn</td> <td>22,5</td>" in body
    adjustment = ScoreAdjustment.objects.get()
    removed = client.post(reverse("adjustments") + "?year=2024", {"remove": adjustment.pk, "why": "Nhập nhầm đơn vị"}, follow=True)
    assert "Đã xóa; lịch sử vẫn được lưu." in text(removed)
    assert not ScoreAdjustment.objects.exists()
    assert ScoreAdjustment.history.filter(history_type="-").get().history_change_reason == "Nhập nhầm đơn vị"
    # The history in the page's words, by whom: the secretariat's account, in Vietnamese.
    history = text(removed).split("Lịch sử", 1)[1]
    assert " · s · Xóa · 026 Điểm thưởng 12,5 · " in history and " · s · Nhập mới · 026 " in history
    assert "Created" not in history and "Deleted" not in history
    # A deduction reads with its sign in the history as in the table above it.
    client.post(reverse("adjustments") + "?year=2024", {"unit": Unit.objects.get(code="026").pk, "kind": "deduction",
                                                        "points": "1,5", "reason": "Báo cáo sai số liệu", "evidence": "KL 3/TTr"})
    page = text(client.get(reverse("adjustments"), {"year": 2024}))
    assert " · Nhập mới · 026 Điểm trừ -1,5 · Báo cáo sai số liệu" in page.split("Lịch sử", 1)[1]
    assert "Báo cáo sai số liệu · Báo cáo sai số liệu" not in page  # the reason once, not again as the change's
    # The form's boxes look like the site's other forms, and say what they choose.
    form = removed.content.decode()
    assert re.search(r'<select [^>]*class="form-select"[^>]*id="id_unit"', form)
    assert re.search(r'<input [^>]*class="form-control"[^>]*id="id_points"', form)
    assert '<label class="form-label" for="id_kind">Thưởng hoặc trừ</label>' in form


@pytest.mark.parametrize("points, message", [
    ("abc", "không phải là số"), ("0", "Điểm phải lớn hơn 0, tối đa 100"), ("150", "Điểm phải lớn hơn 0, tối đa 100"), ("2,1255", "nhiều nhất hai chữ số thập phân"),
    # 1,555 or 1555, 1000 or 1,000: neither can be points, so the rule is said, not "type 1,5550", refused in turn.
    ("1,555", "Điểm phải lớn hơn 0, tối đa 100, nhiều nhất hai chữ số thập phân."),
    ("1.000", "Điểm phải lớn hơn 0, tối đa 100, nhiều nhất hai chữ số thập phân."),
])
def test_bad_points_are_refused_with_a_message(client, year, users, points, message):
    login(client, users["reviewer"])
    response = client.post(reverse("adjustments") + "?year=2024", {"unit": Unit.objects.get(code="026").pk, "kind": "bonus",
                                                                   "points": points, "reason": "x"})
    assert message in text(response) and "hai cách" not in text(response)
    assert not ScoreAdjustment.objects.exists()



def test_a_reason_over_its_limit_is_refused_and_the_limit_is_shown(client, year, users):
    login(client, users["reviewer"])
    page = text(client.get(reverse("adjustments")))
    assert 'maxlength="300"' in page
    response = client.post(reverse("adjustments") + "?year=2024", {"unit": Unit.objects.get(code="026").pk, "kind": "deduction",
                                                                   "points": "1", "reason": "x" * 301})
    assert "Giá trị này chỉ có tối đa 300 kí tự (hiện có 301)" in text(response)
    assert not ScoreAdjustment.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "reporter", "other_reporter"])
def test_only_the_secretariat_enters_bonuses_and_proposals(client, year, users, role):
    login(client, users[role])
    unit = Unit.objects.get(code="024").pk
    assert client.get(reverse("adjustments")).status_code == 403
    assert client.post(reverse("adjustments"), {"unit": unit, "kind": "bonus", "points": "5", "reason": "x"}).status_code == 403
    assert client.get(reverse("proposals")).status_code == 403
    assert client.post(reverse("proposals"), {"action": "draft"}).status_code == 403
    assert client.post(reverse("ranking-close"), {"year": 2024}).status_code == 403
    assert not ScoreAdjustment.objects.exists()


def test_once_the_year_is_closed_bonuses_no_longer_change(client, year, users):
    close(year, users)
    login(client, users["reviewer"])
    response = client.post(reverse("adjustments") + "?year=2024", {"unit": Unit.objects.get(code="026").pk, "kind": "bonus",
                                                                   "points": "5", "reason": "x"})
    assert "Năm đã khóa sổ" in text(response)
    assert not ScoreAdjustment.objects.exists()


# --- registrations --------------------------------------------------------------------------------


def test_the_secretariat_registers_units_until_the_date(client, year, users):
    login(client, users["reviewer"])
    dong_van = Unit.objects.get(code="026")
    # Entered after 2024 (today), a registration says the day it was made; today would be no day of 2024's.
    page = text(client.post(reverse("registrations") + "?year=2024", {"unit": dong_van.pk, "title": FLAG, "registered": "1"}))
    assert "Nhập ngày đơn vị đăng ký: hôm nay (" in page and "không nằm trong khoảng từ 01/12/2023 đến 31/12/2024" in page
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page = text(client.post(reverse("registrations") + "?year=2024", {"unit": dong_van.pk, "title": FLAG, "registered": "1",
                                                                      "registered_on": tomorrow.isoformat()}))
    assert f"Ngày {tomorrow:%d/%m/%Y} là sau hôm nay" in page
    assert not Registration.objects.filter(unit=dong_van).exists()
    client.post(reverse("registrations") + "?year=2024", {"unit": dong_van.pk, "title": FLAG, "registered": "1", "registered_on": "2024-01-12"})
    assert Registration.objects.get(unit=dong_van, title=FLAG).registered_on == datetime.date(2024, 1, 12)
    body = text(client.get(reverse("registrations"), {"year": 2024}))
    assert "026 · Huyện Đồng Văn</td><td>Cờ thi đua của UBND tỉnh" in body.replace("</td> <td>", "</td><td>")
    record = ScoringScheme.objects.get(campaign=year)
    record.data = {**record.data, "registration_until": "2024-03-31"}
    record.save()
    refused = client.post(reverse("registrations") + "?year=2024", {"unit": dong_van.pk, "title": FLAG, "registered": "0"}, follow=True)
    assert "Đã hết hạn đăng ký từ ngày 31/03/2024." in text(refused)
    assert Registration.objects.filter(unit=dong_van).exists()


def register(client, unit, registered="1", **more):
    """Press Save on the registrations page of 2024 for the flag; the page that follows, as read."""
    data = {"unit": unit.pk, "title": FLAG, "registered": registered, **more}
    return text(client.post(reverse("registrations") + "?year=2024", data, follow=True)).replace("</td> <td>", "</td><td>")


def test_registering_again_with_another_day_corrects_the_day_shown_and_kept_in_the_history(client, year, users):
    login(client, users["reviewer"])
    dong_van = Unit.objects.get(code="026")
    page = register(client, dong_van, registered_on="05/01/2024")
    assert "026 · Đồng Văn đăng ký Cờ thi đua của UBND tỉnh ngày 05/01/2024." in page
    assert "026 · Huyện Đồng Văn</td><td>Cờ thi đua của UBND tỉnh (05/01/2024)</td>" in page  # the day, as entered, in the table
    # A day mistyped on entry is corrected by registering again with the right one.
    page = register(client, dong_van, registered_on="20/01/2024")
    assert "Đã sửa ngày đăng ký Cờ thi đua của UBND tỉnh của 026 · Đồng Văn từ 05/01/2024 thành 20/01/2024." in page
    assert "Đã lưu." not in page and "Cờ thi đua của UBND tỉnh (20/01/2024)" in page and "05/01/2024)" not in page
    registration = Registration.objects.get(unit=dong_van, title=FLAG)
    assert registration.registered_on == datetime.date(2024, 1, 20)
    assert [h.registered_on for h in registration.history.order_by("history_date")] == [datetime.date(2024, 1, 5), datetime.date(2024, 1, 20)]
    # Again without a day (the box left empty), or with the same day: the day recorded stays, and the page says so.
    for again in ({}, {"registered_on": "20/01/2024"}):
        page = register(client, dong_van, **again)
        assert "026 · Đồng Văn đã đăng ký Cờ thi đua của UBND tỉnh ngày 20/01/2024; không có gì thay đổi." in page, again
        assert "Đã lưu." not in page
    assert registration.history.count() == 2
    assert Registration.objects.get(unit=dong_van, title=FLAG).registered_on == datetime.date(2024, 1, 20)


def test_a_registration_is_dated_from_the_first_of_december_of_the_year_before(client, year, users):
    login(client, users["reviewer"])
    dong_van = Unit.objects.get(code="026")
    for typed in ("15/02/2023", "30/11/2023", "01/01/2025"):
        page = register(client, dong_van, registered_on=typed)
        assert (f"Ngày {typed} không nằm trong khoảng từ 01/12/2023 đến 31/12/2024, khi các đơn vị đăng ký thi đua năm 2024."
                in page), typed
    assert not Registration.objects.filter(unit=dong_van).exists()
    page = register(client, dong_van, registered_on="01/12/2023")
    assert "Cờ thi đua của UBND tỉnh (01/12/2023)" in page
    # Nor is a registered day corrected to one out of that span.
    page = register(client, dong_van, registered_on="15/02/2023")
    assert "Ngày 15/02/2023 không nằm trong khoảng" in page
    assert Registration.objects.get(unit=dong_van).registered_on == datetime.date(2023, 12, 1)


def test_a_withdrawal_takes_no_date_and_says_when_there_was_nothing_to_withdraw(client, year, users):
    login(client, users["reviewer"])
    city, dong_van = Unit.objects.get(code="024"), Unit.objects.get(code="026")
    # Whatever the date box holds is no part of a withdrawal: neither refused nor read.
    page = register(client, city, registered="0", registered_on="abc")
    assert "Nhập một ngày hợp lệ." not in page
    assert "Đã rút đăng ký Cờ thi đua của UBND tỉnh của 024 · TP Hà Giang." in page
    assert not Registration.objects.filter(unit=city).exists()
    # A title never registered: nothing is withdrawn, and the page does not say it saved anything.
    written = Registration.history.count()
    page = register(client, dong_van, registered="0", registered_on="2030-01-01")
    assert "026 · Đồng Văn chưa đăng ký Cờ thi đua của UBND tỉnh: không có đăng ký nào để rút." in page
    assert "Đã lưu." not in page and "Đã rút" not in page
    assert Registration.history.count() == written and not Registration.objects.filter(unit=dong_van).exists()


def test_viewers_read_the_registrations_but_cannot_change_them(client, year, users):
    login(client, users["viewer"])
    assert client.get(reverse("registrations")).status_code == 200
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # units and blocs named in the page's language
    english = text(client.get(reverse("registrations")))
    assert "024 · Ha Giang City" in english and "Thành phố Hà Giang" not in english and "Khối các huyện" not in english
    assert client.post(reverse("registrations"), {"unit": Unit.objects.get(code="026").pk, "title": FLAG, "registered": "1"}).status_code == 403


# --- closing the year and the proposals ---------------------------------------------------------------


def test_only_admins_close_the_year_and_only_on_approved_figures(client, year, users):
    login(client, users["reviewer"])
    assert client.post(reverse("ranking-close"), {"year": 2024}).status_code == 403
    pending = send(year, "027", 4, {"3": "1"}, state=Submission.State.SUBMITTED)
    login(client, users["admin"])
    unconfirmed = client.post(reverse("ranking-close"), {"year": 2024}, follow=True)
    assert "Hãy đánh dấu xác nhận để khóa sổ năm" in text(unconfirmed)
    refused = client.post(reverse("ranking-close"), {"year": 2024, "confirm": "1"}, follow=True)
    assert "Còn báo cáo chờ thẩm định hoặc bị trả lại: 027 quý IV." in text(refused)
    many = [send(year, code, q, {"3": "1"}, state=Submission.State.RETURNED) for code in ("028", "029", "030") for q in (1, 2, 3, 4)
             if not Submission.objects.filter(unit__code=code, quarter=q).exists()]
    assert len(many) >= 10
    refused = text(client.post(reverse("ranking-close"), {"year": 2024, "confirm": "1"}, follow=True))
    assert f"và {len(many) + 1 - 10} báo cáo khác." in refused  # the first ten named, the others counted
    Submission.objects.filter(pk__in=[s.pk for s in many]).update(state=Submission.State.APPROVED)
    pending.state = Submission.State.APPROVED
    pending.save()
    # Not on a programme without its number: the signed report cites it, and a closed programme is read-only.
    Campaign.objects.filter(pk=year.pk).update(number="")
    page = text(client.get(reverse("ranking"), {"year": 2024}))
    assert "Hãy nhập số và ngày ban hành của chương trình năm 2024 trước" in page and "Khóa sổ năm: chốt kết quả xếp hạng" not in page
    refused = text(client.post(reverse("ranking-close"), {"year": 2024, "confirm": "1"}, follow=True))
    assert "Hãy nhập số và ngày ban hành của chương trình năm 2024 trước" in refused and not Campaign.objects.get(pk=year.pk).is_closed()
    Campaign.objects.filter(pk=year.pk).update(number="322/CTr-UBND")
    closed = text(client.post(reverse("ranking-close"), {"year": 2024, "confirm": "1"}, follow=True))
    assert "Đã khóa sổ năm 2024" in closed and "Kết quả xếp hạng chính thức" in closed


def test_proposals_are_drafted_from_the_final_ranking_edited_with_a_reason_and_decided(client, year, users):
    login(client, users["reviewer"])
    early = client.post(reverse("proposals") + "?year=2024", {"action": "draft"}, follow=True)
    assert "sau khi năm đã khóa sổ" in text(early) and not Proposal.objects.exists()
    assert re.search(r"Lịch sử</h2> ?<ul[^>]*><li>Chưa có thay đổi nào.</li></ul>", text(early))  # an empty history says so
    close(year, users)
    client.post(reverse("proposals") + "?year=2024", {"action": "draft"})
    flag = Proposal.objects.get(kind="flag", unit__bloc__code="KHOI-HUYEN")
    assert (flag.unit.code, flag.rank, flag.score, flag.state) == ("024", 1, D(18), "draft")
    certificates = Proposal.objects.filter(kind="certificate", unit__bloc__code="KHOI-HUYEN")
    # Not the nine districts that sent no report, tied after it at no points.
    assert list(certificates.values_list("unit__code", flat=True)) == ["026"]
    # Drafting again adds nothing.
    client.post(reverse("proposals") + "?year=2024", {"action": "draft"})
    assert Proposal.objects.filter(kind="flag", unit__bloc__code="KHOI-HUYEN").count() == 1

    form = {"proposal": flag.pk, "reason": "Dẫn đầu khối, hoàn thành vượt chỉ tiêu thu ngân sách", "state": "awarded",
            "decision_number": "", "decision_date": "", "decided_by": "", "why": "Hội đồng họp", "version": flag.version}
    missing = text(client.post(reverse("proposals") + "?year=2024", form))
    assert "Quyết định của Hội đồng cần có số, ngày và người ký." in missing
    form.update(decision_number="123/QĐ-UBND", decision_date="2025-01-20", decided_by="Chủ tịch UBND tỉnh")
    client.post(reverse("proposals") + "?year=2024", form)
    flag.refresh_from_db()
    assert (flag.state, flag.decision_number, flag.decision_date) == ("awarded", "123/QĐ-UBND", datetime.date(2025, 1, 20))
    assert flag.history.first().history_change_reason == "Hội đồng họp"
    assert flag.history.count() == 2
    stale = text(client.post(reverse("proposals") + "?year=2024", {**form, "why": "lại", "state": "withdrawn", "decision_number": "",
                                                                   "decision_date": "", "decided_by": ""}, follow=True))
    assert "Người khác vừa sửa đề nghị này" in stale
    # What was typed on the stale form is said, not lost: the page shows the proposal as it stands.
    typed = stale.split("Những gì bạn đã nhập (chưa lưu): ", 1)[1].split("</", 1)[0]
    assert "Dẫn đầu khối, hoàn thành vượt chỉ tiêu thu ngân sách" in typed and ": lại" in typed and "withdrawn" not in typed
    flag.refresh_from_db()
    assert flag.state == "awarded"


def test_a_bonus_cannot_bar_the_flag_and_the_same_entry_sent_twice_counts_once(client, year, users):
    login(client, users["reviewer"])
    url = reverse("adjustments") + "?year=2024"
    city = Unit.objects.get(code="024").pk
    barring = text(client.post(url, {"unit": city, "kind": "bonus", "points": "5", "reason": "Thưởng thành tích", "bars_flag": "on"}))
    assert "Chỉ khoản trừ điểm do vi phạm mới làm đơn vị không được xét cờ." in barring and not ScoreAdjustment.objects.exists()
    form = {"unit": Unit.objects.get(code="026").pk, "kind": "bonus", "points": "12,5", "reason": "Cờ thi đua của Chính phủ 2023",
            "evidence": "QĐ 1/QĐ-TTg"}
    client.post(url, form)
    again = text(client.post(url, form, follow=True))  # a double click
    assert "Huyện Đồng Văn đã có một khoản điểm thưởng với lý do này; chưa thêm gì." in again
    assert ScoreAdjustment.objects.count() == 1
    # The same reason as a deduction is another entry.
    client.post(url, {**form, "kind": "deduction", "points": "1"})
    assert ScoreAdjustment.objects.count() == 2


def test_a_decision_date_outside_the_year_and_today_and_a_stale_form_are_said(client, year, users):
    close(year, users)
    login(client, users["reviewer"]).post(reverse("proposals") + "?year=2024", {"action": "draft"})
    flag = Proposal.objects.get(kind="flag", unit__code="024")
    form = {"proposal": flag.pk, "reason": "Dẫn đầu khối", "state": "awarded", "decision_number": "1/QĐ-UBND",
            "decided_by": "Chủ tịch UBND tỉnh", "why": "Hội đồng họp", "version": flag.version}
    # Dated in the year it judges (the ranking it rests on closes after it), before it, or ahead.
    for date in ("2099-01-01", "2023-12-31", "2024-03-01", "2024-12-31"):
        page = text(client.post(reverse("proposals") + "?year=2024", {**form, "decision_date": date}))
        assert "Quyết định khen thưởng thi đua năm 2024 phải đề ngày từ 01/01/2025 (sau năm được đánh giá) đến hôm nay." in page, date
        assert "Quyết định của Hội đồng cần có số, ngày và người ký." not in page, date  # all three were given
    for stale in ({"version": ""}, {"version": "abc"}, {"proposal": "999999", "why": ""}):
        page = text(client.post(reverse("proposals") + "?year=2024", {**form, "decision_date": "2025-01-20", **stale}, follow=True))
        assert "Chưa lưu gì: biểu mẫu này đã cũ hoặc đề nghị không còn. Hãy tải lại trang." in page, stale
    flag.refresh_from_db()
    assert flag.state == "draft"


def test_proposals_stay_under_the_bloc_and_name_ranked_after_a_unit_moves_and_in_english(client, year, users):
    from targets.models import EmulationBloc

    close(year, users)
    login(client, users["reviewer"]).post(reverse("proposals") + "?year=2024", {"action": "draft"})
    Unit.objects.filter(code="026").update(name="Huyện Đồng Văn (đổi tên)", bloc=EmulationBloc.objects.exclude(code="KHOI-HUYEN").first())
    page = text(client.get(reverse("proposals"), {"year": 2024}))
    assert "Khối các huyện, thành phố · Huyện Đồng Văn · Bằng khen" in page and "đổi tên" not in page
    workbook = load_workbook(io.BytesIO(b"".join(client.get(reverse("ranking-export"), {"year": 2024}).streaming_content)))
    listed = {r[1]: r[2] for r in workbook["Đề nghị khen thưởng"].iter_rows(min_row=10, values_only=True) if r[0]}
    assert listed["Huyện Đồng Văn"] == "Khối các huyện, thành phố" and "Huyện Đồng Văn (đổi tên)" not in listed
    # In English, the names the English pages show.
    english = load_workbook(io.BytesIO(b"".join(client.get(reverse("ranking-export"), {"year": 2024, "lang": "en"}).streaming_content)))
    ranked = [r[1] for r in english["Ranking"].iter_rows(min_row=10, values_only=True) if r[1]]
    assert "Ha Giang City" in ranked and "Thành phố Hà Giang" not in ranked
    assert any(r[1] == "Ha Giang City" for r in english["Proposals"].iter_rows(min_row=10, values_only=True))
    # The drafted reasons in English; a reason the secretariat rewrote stands as written, in both.
    reasons = {r[1]: r[4] for r in english["Proposals"].iter_rows(min_row=10, values_only=True) if r[0]}
    assert reasons["Ha Giang City"].startswith("Leads the bloc"), reasons
    flag = Proposal.objects.get(kind="flag", unit__code="024")
    client.post(reverse("proposals") + "?year=2024", {"proposal": flag.pk, "reason": "Dẫn đầu khối, vượt thu ngân sách", "state": "draft",
                                                      "why": "Sửa lý do", "version": flag.version})
    english = load_workbook(io.BytesIO(b"".join(client.get(reverse("ranking-export"), {"year": 2024, "lang": "en"}).streaming_content)))
    reasons = {r[1]: r[4] for r in english["Proposals"].iter_rows(min_row=10, values_only=True) if r[0]}
    assert reasons["Ha Giang City"] == "Dẫn đầu khối, vượt thu ngân sách"


# --- API --------------------------------------------------------------------------------------------


def test_the_ranking_api_gives_each_bloc_with_scores_lines_and_proposals(client, year, users):
    close(year, users)
    login(client, users["reviewer"]).post(reverse("proposals") + "?year=2024", {"action": "draft"})
    data = login(client, users["viewer"]).get(reverse("api-ranking"), {"year": 2024}).json()
    assert data["campaign"]["year"] == 2024 and data["provisional"] is False
    bloc = next(b for b in data["blocs"] if b["code"] == "KHOI-HUYEN")
    city = bloc["units"][0]
    assert (city["code"], city["score"], city["rank"]) == ("024", "18", 1)
    assert sum(D(line["points"]) for line in city["lines"]) == D(city["score"])
    assert city["lines"][0] == {"kind": "measure", "item": "3", "label": "3. Thu ngân sách nhà nước trên địa bàn",
                                "label_en": "3. State budget revenue in the province", "verdict": "Vượt kế hoạch",
                                "verdict_en": "Exceeded", "points": "10",
                                "note": "Cả năm: 260,0 / 250 tỷ đồng = 104,0 % giao ước → vượt kế hoạch",
                                "note_en": "Full year: 260.0 / 250 billion VND = 104.0 % of the pledge → exceeded"}
    assert city["proposal"] is None  # a draft is the secretariat's until the council decides (access.visible_proposals)
    assert {b["code"] for b in data["blocs"]} == {"KHOI-HUYEN", "KHOI-KT", "KHOI-VX-NC"}
    mine = login(client, users["reviewer"]).get(reverse("api-ranking"), {"year": 2024}).json()
    city = next(b for b in mine["blocs"] if b["code"] == "KHOI-HUYEN")["units"][0]
    assert city["proposal"]["kind"] == "flag" and city["proposal"]["state"] == "draft"


def _change_what_the_ranking_reads(campaign):
    """What could still change after the close: the scheme's points and a pledge edited in the
    admin, a deduction entered there, the year figure corrected in SQL."""
    from django.db import connection

    record = ScoringScheme.objects.get(campaign=campaign)
    record.data = {**record.data, "measure_points": {"exceeded": "7", "met": "5", "not_met": "1", "no_figure": "0"}}
    record.save()
    Pledge.objects.filter(unit__code="026").update(target=D("70"))
    ScoreAdjustment.objects.create(campaign=campaign, unit=Unit.objects.get(code="024"), kind="deduction", points=D("3"),
                                   reason="Ghi sau khi khóa sổ")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE targets_figure SET value = 1 WHERE submission_id IN "
                       "(SELECT id FROM targets_submission WHERE unit_id = %s AND quarter = 4)", [Unit.objects.get(code="024").pk])


def _ranking_as_read(client, users):
    """The ranking as the API, the unit page and the workbook give it."""
    api = login(client, users["viewer"]).get(reverse("api-ranking"), {"year": 2024}).json()
    bloc = next(b for b in api["blocs"] if b["code"] == "KHOI-HUYEN")
    page = text(client.get(reverse("ranking-unit", args=["024"]), {"year": 2024}))
    page = page[page.index("<main"):page.index("</main>")]
    workbook = load_workbook(io.BytesIO(b"".join(client.get(reverse("ranking-export"), {"year": 2024}).streaming_content)))
    rows = [r for r in workbook["Xếp hạng"].iter_rows(min_row=10, values_only=True) if r[1]]
    pledges = list(workbook["Tiến độ giao ước"].iter_rows(min_row=2, values_only=True))
    return [(u["code"], u["score"], u["rank"], u["lines"], u["eligible_for_flag"]) for u in bloc["units"]], page, rows, pledges


def test_a_closed_years_ranking_stays_as_it_was_closed_whatever_changes_afterwards(client, year, users):
    close(year, users)
    closed = _ranking_as_read(client, users)
    assert closed[0][0][:3] == ("024", "18", 1) and closed[0][1][:3] == ("026", "10", 2)
    _change_what_the_ranking_reads(year)
    assert _ranking_as_read(client, users) == closed
    # A unit's explanation says it stands as judged at the closing, whatever its pages say since.
    explanation = login(client, users["viewer"]).get(reverse("ranking-unit", args=["024"]), {"year": 2024}).content.decode()
    assert "năm đã được khóa sổ lúc" in explanation and "Kết quả giữ nguyên như khi chấm lúc đó" in explanation
    # Its rules too: the points by verdict the close judged with, not the scheme written since.
    assert "Vượt kế hoạch 10 · Đạt 8" in re.sub(r"<[^>]+>", " ", explanation)
    # The proposals are drafted from the ranking the council was given, too.
    login(client, users["reviewer"]).post(reverse("proposals") + "?year=2024", {"action": "draft"})
    flag = Proposal.objects.get(unit__code="024", kind="flag")
    assert (flag.rank, flag.score) == (1, D("18"))


def test_a_provisional_ranking_follows_the_same_changes(client, year, users):
    before = _ranking_as_read(client, users)
    _change_what_the_ranking_reads(year)
    after = _ranking_as_read(client, users)
    assert after[0] != before[0] and after[2] != before[2] and after[3] != before[3]
    assert after[0][0][:3] != ("024", "18", 1)


def test_a_reporter_gets_only_their_own_unit_from_the_ranking_api(client, year, users):
    data = login(client, users["reporter"]).get(reverse("api-ranking"), {"year": 2024}).json()
    assert [(b["code"], [u["code"] for u in b["units"]]) for b in data["blocs"]] == [("KHOI-HUYEN", ["024"])]
    assert data["provisional"] is True


def test_the_progress_api_judges_a_unit_against_its_pledge(client, year, users):
    data = login(client, users["viewer"]).get(reverse("api-progress"), {"year": 2024, "quarter": 2, "unit": "024"}).json()
    assert data["unit"]["code"] == "024"
    assert data["measures"] == [{
        "code": "3", "name": "Thu ngân sách nhà nước trên địa bàn", "name_en": "State budget revenue in the province",
        "unit": "tỷ đồng", "unit_en": "billion VND",
        "pledge": {"target": "250", "signed_on": "2024-01-15", "document": "GUTĐ 01/2024"}, "comparison": "gte",
        "ytd": "130", "expected": "125", "percent_of_plan": "52", "status": "on_track", "estimate": False,
        "missing_quarters": [], "year_figure_pending": False, "carried_quarter": None,
        "explanation_vi": "6 tháng: 130,0 / 250 tỷ đồng = 52,0 % giao ước; tiến độ cần đạt 50,0 % → đúng tiến độ",
        "explanation_en": "First half: 130.0 / 250 billion VND = 52.0 % of the pledge; expected pace 50.0 % → on track",
    }]
    assert client.get(reverse("api-progress"), {"year": 2024, "quarter": 2, "unit": "XX"}).status_code == 400
    # An estimate says so, as in the province's progress.
    from targets.models import Figure

    Figure.objects.filter(submission__unit__code="024", submission__quarter=2, measure__code="3").update(kind=Figure.Kind.ESTIMATE)
    data = client.get(reverse("api-progress"), {"year": 2024, "quarter": 2, "unit": "024"}).json()
    assert data["measures"][0]["estimate"] is True and "6 tháng (ước):" in data["measures"][0]["explanation_vi"]


# --- the workbook --------------------------------------------------------------------------------------


def test_the_ranking_workbook_in_the_official_layout(client, tmp_path, year, users):
    close(year, users)
    login(client, users["reviewer"]).post(reverse("proposals") + "?year=2024", {"action": "draft"})
    Proposal.objects.filter(unit__code="024").update(reason="- Dẫn đầu khối; =không phải công thức")
    path = tmp_path / "xep-hang.xlsx"
    call_command("export_ranking", "--year", "2024", "-o", str(path))
    wb = load_workbook(path)
    ws = wb["Xếp hạng"]
    assert ws["A5"].value == "KẾT QUẢ CHẤM ĐIỂM, XẾP HẠNG THI ĐUA NĂM 2024"
    assert ws["A7"].value == "Kết quả chính thức"
    assert ws["C1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and ws["A2"].value == "Số: …/BC-HĐTĐKT"
    assert ws["A5"].font.name == "Times New Roman"
    rows = [r for r in ws.iter_rows(min_row=10, values_only=True) if r[1] == "Thành phố Hà Giang"]
    assert rows == [(1, "Thành phố Hà Giang", 18, 1, "Đủ", None)]
    assert ws.print_title_rows == "$9:$9" and ws.page_setup.orientation == "landscape"
    proposals = wb["Đề nghị khen thưởng"]
    assert proposals["A5"].value == "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM 2024"
    reason = next(c for row in proposals.iter_rows(min_row=10) for c in row if c.value == "- Dẫn đầu khối; =không phải công thức")
    assert (reason.data_type, reason.quotePrefix) == ("s", True)  # printed as written, never a formula
    listed = {(r[1], r[3]) for r in proposals.iter_rows(min_row=10, values_only=True) if r[0]}
    assert ("Thành phố Hà Giang", "Cờ thi đua của UBND tỉnh") in listed
    assert ("Huyện Đồng Văn", "Bằng khen của Chủ tịch UBND tỉnh") in listed
    # Titled on its first page and whether final, its header on row 3, as the report's annexes.
    sheet = wb["Tiến độ giao ước"]
    assert (sheet["A1"].value, sheet["A2"].value) == ("TIẾN ĐỘ THỰC HIỆN GIAO ƯỚC THI ĐUA NĂM 2024", "Kết quả chính thức")
    pledges = [r for r in sheet.iter_rows(min_row=4, values_only=True)]
    assert pledges[0][:9] == ("024", "Thành phố Hà Giang", "3", "Thu ngân sách nhà nước trên địa bàn", "tỷ đồng", 250, 260, 104, "Vượt kế hoạch")


def test_the_ranking_workbook_button_in_english_marks_a_provisional_ranking(client, year, users):
    response = login(client, users["viewer"]).get(reverse("ranking-export"), {"year": 2024, "lang": "en"})
    assert response["Content-Disposition"].endswith('filename="xep-hang-thi-dua-2024-en.xlsx"')
    wb = load_workbook(__import__("io").BytesIO(b"".join(response.streaming_content)))
    # Two units sent their year, the others nothing: not "up to the end of 2024" (tests/test_ranking_xlsx.py).
    assert wb["Ranking"]["A7"].value == "PROVISIONAL results, without all the full-year figures, not final"
    # Its programme's date of issue as the English report writes it, not the Vietnamese 26/12/2023.
    assert wb["Ranking"]["A6"].value == "(Under Emulation programme No. 322/CTr-UBND of 26 December 2023)"
    assert login(client, users["reporter"]).get(reverse("ranking-export")).status_code == 403


def test_the_ranking_workbook_is_in_the_language_asked_for_and_a_draft_proposal_is_a_du_thao(client, year, users):
    close(year, users)
    login(client, users["reviewer"]).post(reverse("proposals") + "?year=2024", {"action": "draft"})
    page = text(client.get(reverse("proposals"), {"year": 2024}))
    assert "Dự thảo" in page and "Nháp" not in page  # the page and the workbook say the same
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the pages in English, the workbook asked for in Vietnamese
    response = client.get(reverse("ranking-export"), {"year": 2024, "lang": "vi"})
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    proposals = wb["Đề nghị khen thưởng"]
    assert [c.value for c in proposals[9]][2:4] == ["Khối thi đua", "Hình thức khen thưởng"]
    # An official document's draft is "Dự thảo", not the "Nháp" of a unit's quarterly report.
    rows = [r for r in proposals.iter_rows(min_row=10, values_only=True) if r[0]]
    assert {r[7] for r in rows} == {"Dự thảo"}
    # In each bloc the flag comes first (rank 1), then the certificates.
    districts = [r[1] for r in rows if r[2] == "Khối các huyện, thành phố"]
    assert districts == ["Thành phố Hà Giang", "Huyện Đồng Văn"], rows
    # Numbered as Decree 30/2020/NĐ-CP has it, as the report: at the top, from its second page.
    assert proposals.oddHeader.center.text == "&P" and proposals.HeaderFooter.differentFirst
    pledges = load_workbook(io.BytesIO(b"".join(client.get(reverse("ranking-export"), {"year": 2024}).streaming_content))).worksheets[-1]
    assert pledges.oddHeader.center.text == "&P" and pledges.HeaderFooter.differentFirst and not pledges.oddHeader.right.text


def test_removing_an_entry_needs_a_reason(client, year, users):
    adjustment = ScoreAdjustment.objects.create(campaign=year, unit=Unit.objects.get(code="024"), kind="bonus", points=D(5), reason="x")
    login(client, users["reviewer"])
    response = client.post(reverse("adjustments") + "?year=2024", {"remove": adjustment.pk, "why": ""})
    assert "Trường này là bắt buộc." in text(response)
    assert ScoreAdjustment.objects.filter(pk=adjustment.pk).exists()


# --- the year picker --------------------------------------------------------------------------------

EMULATION_PAGES = [("ranking", []), ("ranking-unit", ["024"]), ("adjustments", []), ("registrations", []), ("proposals", []),
                   ("pledges", [])]


@pytest.fixture(scope="session")
def _two_years_rows(_loaded, _year_rows, django_db_blocker):
    from targets.services import copy_campaign

    with django_db_blocker.unblock():
        return rows_written_by(lambda: copy_campaign(source_year=2024, target_year=2025), _loaded["programme"], _year_rows,
                               groups=_loaded["groups"])


@pytest.fixture
def two_years(year, _two_years_rows):
    """The 2024 programme and 2025's, set up from it as a secretariat does each year (copy_campaign)."""
    copy_in(_two_years_rows)
    return year, Campaign.objects.get(year=2025)


def picker(body: str) -> tuple[str, list[str], str | None]:
    """The year picker's form: its method, the years it lists and the one selected."""
    form = re.search(r'<form [^>]*method="get"[^>]*>(.*?)</form>', body, re.S)
    assert form, "no year picker"
    html = form.group(0)
    assert '<label class="form-label" for="year">' in html and '<select class="form-select" id="year" name="year">' in html
    assert 'type="submit"' in html
    options = re.findall(r'<option value="(\d+)" ?(selected)?>', html)
    return re.search(r'method="(\w+)"', html).group(1), [y for y, _ in options], next((y for y, s in options if s), None)


@pytest.mark.parametrize("name, args", EMULATION_PAGES)
@pytest.mark.parametrize("chosen", ["2024", "2025"])
def test_each_emulation_page_has_a_year_picker_and_its_links_keep_the_year(client, two_years, users, name, args, chosen):
    body = login(client, users["admin"]).get(reverse(name, args=args), {"year": chosen}).content.decode()
    assert picker(body) == ("get", ["2025", "2024"], chosen)
    assert 'aria-label="Năm chương trình thi đua"' in body
    # The links between the emulation pages: their nav, or the explanation's way back to the ranking.
    nav = re.search(r'<nav [^>]*aria-label="(?:Thi đua|Đường dẫn)"[^>]*>(.*?)</nav>', body, re.S).group(1)
    links = re.findall(r'href="([^"]*)"', nav)
    assert links and all(link.endswith(f"?year={chosen}") for link in links), links


@pytest.mark.parametrize("name, args", EMULATION_PAGES)
def test_without_a_year_the_picker_selects_the_current_year(client, two_years, users, name, args):
    # Today (2026) both years have begun and 2025's first quarter is long due: 2025 is the current one.
    body = login(client, users["admin"]).get(reverse(name, args=args)).content.decode()
    assert picker(body)[1:] == (["2025", "2024"], "2025")


def test_the_ranking_picker_keeps_the_bloc_and_a_reporter_picks_the_year_of_their_units_explanation(client, two_years, users):
    body = login(client, users["viewer"]).get(reverse("ranking"), {"year": "2024", "bloc": "KHOI-HUYEN"}).content.decode()
    assert picker(body)[1:] == (["2025", "2024"], "2024")
    assert '<option value="KHOI-HUYEN" selected>' in body
    body = login(client, users["reporter"]).get(reverse("ranking-unit", args=["024"]), {"year": "2024"}).content.decode()
    assert picker(body)[1:] == (["2025", "2024"], "2024")


def test_the_picker_in_english(client, two_years, users):
    login(client, users["admin"])
    client.cookies["django_language"] = "en"
    body = client.get(reverse("adjustments"), {"year": "2024"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'aria-label="Programme year"' in body and ">Year</label>" in body and ">Show</button>" in body


@pytest.mark.parametrize("name, args", EMULATION_PAGES)
def test_the_picker_costs_no_query_per_year(client, two_years, users, name, args):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from targets.services import copy_campaign

    login(client, users["admin"])

    def queries() -> int:
        cache.clear()  # the ranking is cached: count a page built afresh each time
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(name, args=args), {"year": "2024"}).status_code == 200
        return len(captured)

    before = queries()
    copy_campaign(source_year=2024, target_year=2026)
    assert queries() == before
    assert picker(client.get(reverse(name, args=args), {"year": "2024"}).content.decode())[1] == ["2026", "2025", "2024"]


def test_a_year_not_over_yet_is_not_closed(client, year, users):
    from targets.services import copy_campaign

    current = copy_campaign(source_year=2024, target_year=timezone.localdate().year)
    login(client, users["admin"])
    # The ranking page offers no closing of a year that is not over; the past year's it does.
    assert f'action="{reverse("ranking-close")}"' not in client.get(reverse("ranking"), {"year": current.year}).content.decode()
    assert f'action="{reverse("ranking-close")}"' in client.get(reverse("ranking"), {"year": 2024}).content.decode()
    refused = text(client.post(reverse("ranking-close"), {"year": current.year, "confirm": "1"}, follow=True))
    assert (f"Chưa thể khóa sổ năm {current.year}: chỉ khóa sổ xếp hạng chính thức từ ngày 16/01/{current.year + 1}, khi đã "
            "hết năm và đã qua hạn gửi mọi báo cáo của năm, kể cả các hạn gia hạn cho từng đơn vị.") in refused  # the day after the fourth quarter's deadline, 15/01
    assert not ScoringScheme.objects.get(campaign=current).is_final and not Campaign.objects.get(pk=current.pk).year_closed


def test_a_year_is_not_closed_before_its_fourth_quarter_reports_and_every_extension_are_due(client, year, users):
    import datetime

    from targets.models import Deadline, Unit

    # 2024 is over, but its fourth-quarter reports were given until next month, one district a month more.
    today = timezone.localdate()
    Deadline.objects.create(campaign=year, quarter=4, due_on=today + datetime.timedelta(days=30))
    Deadline.objects.create(campaign=year, quarter=4, unit=Unit.objects.get(code="024"), due_on=today + datetime.timedelta(days=60))
    login(client, users["admin"])
    opens = (today + datetime.timedelta(days=61)).strftime("%d/%m/%Y")
    page = text(client.get(reverse("ranking"), {"year": 2024}))
    assert f"Có thể khóa sổ năm từ ngày {opens}, khi đã hết năm và đã qua hạn gửi mọi báo cáo của năm, kể cả các hạn gia hạn cho từng đơn vị." in page
    assert f'action="{reverse("ranking-close")}"' not in client.get(reverse("ranking"), {"year": 2024}).content.decode()
    refused = text(client.post(reverse("ranking-close"), {"year": 2024, "confirm": "1"}, follow=True))
    assert f"Chưa thể khóa sổ năm 2024: chỉ khóa sổ xếp hạng chính thức từ ngày {opens}" in refused
    assert not ScoringScheme.objects.get(campaign=year).is_final
    Deadline.objects.filter(campaign=year, quarter=4).update(due_on=today - datetime.timedelta(days=1))
    # A district given until next week for its third quarter: the ranking would else stand without that report.
    extension = Deadline.objects.create(campaign=year, quarter=3, unit=Unit.objects.get(code="035"), due_on=today + datetime.timedelta(days=7))
    refused = text(client.post(reverse("ranking-close"), {"year": 2024, "confirm": "1"}, follow=True))
    assert f"chỉ khóa sổ xếp hạng chính thức từ ngày {(today + datetime.timedelta(days=8)).strftime('%d/%m/%Y')}" in refused
    assert not ScoringScheme.objects.get(campaign=year).is_final
    extension.delete()
    assert "Có thể khóa sổ năm từ ngày" not in text(client.get(reverse("ranking"), {"year": 2024}))
    client.post(reverse("ranking-close"), {"year": 2024, "confirm": "1"})
    assert ScoringScheme.objects.get(campaign=year).is_final


def test_the_provisional_banner_names_the_period_in_a_sentence_or_says_nothing_was_sent(client, programme, users):
    import html as html_module

    client.force_login(users["viewer"])
    page = html_module.unescape(client.get(reverse("ranking"), {"year": 2024}).content.decode())
    assert "chưa đơn vị nào gửi báo cáo của năm." in page and "đến Quý I" not in page
    Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="024"), quarter=3, state="submitted")
    page = html_module.unescape(client.get(reverse("ranking"), {"year": 2024}).content.decode())
    assert "tính từ số liệu đã gửi và đã duyệt đến 9 tháng năm 2024;" in page
    Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="024"), quarter=4, state="submitted")
    page = html_module.unescape(client.get(reverse("ranking"), {"year": 2024}).content.decode())
    assert "tính từ số liệu đã gửi và đã duyệt đến hết năm 2024;" in page


def test_the_unit_page_ranks_no_one_before_any_report_of_the_year_is_sent(client, two_years, users):
    # 2025 just copied: no unit has sent a report of it, so every one would be "1st of 11" at no points.
    _last_year, current = two_years
    body = text(login(client, users["viewer"]).get(reverse("unit", args=["026"]), {"year": 2025}))
    standing = re.search(r'<p class="lead" id="standing">(.*?)</p>', body).group(1)
    assert "Tạm tính" in standing and "chưa đơn vị nào gửi báo cáo của năm." in standing  # the ranking page's words
    assert "xếp thứ" not in standing and "Điểm" not in standing
    # The first report sent, the unit page ranks again, as the ranking page does.
    send(current, "024", 1, {"3": "60"})
    body = text(client.get(reverse("unit", args=["026"]), {"year": 2025}))
    assert "xếp thứ 2/11" in body and "chưa đơn vị nào gửi báo cáo" not in body
    # The score says the period it is judged up to, which need not be the table's below it.
    assert "số liệu đến quý I năm 2025" in re.search(r'<p class="lead" id="standing">(.*?)</p>', body, re.S).group(1)
    explanation = text(client.get(reverse("ranking-unit", args=["026"]), {"year": 2025}))
    assert "<tfoot>" in explanation
    # Before any report, the explanation shows no total score either.
    Submission.objects.filter(campaign=current).delete()
    assert "<tfoot>" not in text(client.get(reverse("ranking-unit", args=["026"]), {"year": 2025}))


def test_the_ranking_ranks_no_one_and_shows_no_points_before_any_report_of_the_year(client, two_years, users):
    # 2025 just copied: no unit has sent a report of it, so every one would be "1st" at no points,
    # as the unit page already does not say. The page, its chart, the API and the workbook agree.
    _last_year, current = two_years
    login(client, users["viewer"])
    page = client.get(reverse("ranking"), {"year": 2025, "bloc": "KHOI-HUYEN"})
    raw, body = page.content.decode(), text(page)
    assert "chưa đơn vị nào gửi báo cáo của năm. Thứ hạng và điểm được hiển thị từ khi có báo cáo đầu tiên được gửi." in body
    assert 'data-chart="ranking-KHOI-HUYEN"' not in raw and 'id="ranking-KHOI-HUYEN"' not in raw  # no chart, no chart data
    assert ">Xếp hạng</th>" not in body and ">Điểm</th>" not in body
    city = Unit.objects.get(code="024")
    row = next(r for r in body.split("<tr>") if f"<td>{city.name}</td>" in r)
    assert not row.startswith("<td>1</td>") and "<td>0</td>" not in row
    assert "<li>Không gửi báo cáo nào trong kỳ</li>" in row  # the bars are facts: still listed
    explained = text(client.get(reverse("ranking-unit", args=["024"]), {"year": 2025}))
    lead = re.search(r'<p class="lead">(.*?)</p>', explained).group(1)
    assert "xếp thứ" not in lead and "Điểm" not in lead
    api = client.get(reverse("api-ranking"), {"year": 2025}).json()
    assert api["reported"] is False
    assert {(u["rank"], u["score"]) for b in api["blocs"] for u in b["units"]} == {(None, None)}
    workbook = load_workbook(io.BytesIO(b"".join(client.get(reverse("ranking-export"), {"year": 2025}).streaming_content)))
    [listed] = [r for r in workbook["Xếp hạng"].iter_rows(min_row=10, values_only=True) if r[1] == city.name]
    assert (listed[2], listed[3]) == (None, None)
    # The first report sent, all rank again.
    send(current, "024", 1, {"3": "60"})
    page = client.get(reverse("ranking"), {"year": 2025, "bloc": "KHOI-HUYEN"})
    assert 'id="ranking-KHOI-HUYEN"' in page.content.decode() and f"<td>1</td> <td>{city.name}</td>" in text(page)
    api = client.get(reverse("api-ranking"), {"year": 2025}).json()
    assert api["reported"] is True and next(u for b in api["blocs"] for u in b["units"] if u["code"] == "024")["rank"] == 1


def test_a_closed_years_registrations_keep_the_blocs_it_was_ranked_in(client, year, users):
    from targets.models import EmulationBloc

    close(year, users)
    moved = Unit.objects.get(code="026")
    moved.bloc = EmulationBloc.objects.create(code="KHOI-MOI", name="Khối mới")  # next year's arrangement
    moved.save()
    page = text(login(client, users["viewer"]).get(reverse("registrations"), {"year": 2024}))
    assert "Khối mới" not in page  # no bloc of a later year in the closed one
    districts = page[page.index('id="bloc-KHOI-HUYEN"'):]
    assert "026 · " in districts[:districts.find("</section>")]


def test_a_decision_typed_on_a_proposal_not_decided_is_said_not_dropped(client, year, users):
    close(year, users)
    login(client, users["reviewer"]).post(reverse("proposals") + "?year=2024", {"action": "draft"})
    flag = Proposal.objects.get(kind="flag", unit__code="024")
    page = text(client.post(reverse("proposals") + "?year=2024", {
        "proposal": flag.pk, "reason": "Dẫn đầu khối", "state": "proposed", "decision_number": "1/QĐ-UBND", "decision_date": "",
        "decided_by": "", "why": "Trình Hội đồng", "version": flag.version}))
    assert "Chỉ đề nghị đã có quyết định (được hoặc không được khen thưởng) mới ghi quyết định của Hội đồng" in page
    flag.refresh_from_db()
    assert (flag.state, flag.decision_number) == ("draft", "")


def test_a_new_years_ranking_tells_an_admin_which_earlier_year_is_still_to_close(client, two_years, users):
    page = text(login(client, users["admin"]).get(reverse("ranking")))  # 2025, the current year
    assert 'Chưa khóa sổ: <a href="?year=2024">xếp hạng năm 2024</a>.' in page
    assert "Chưa khóa sổ:" not in text(login(client, users["viewer"]).get(reverse("ranking")))  # closing is the admins'
    Campaign.objects.filter(year=2024).update(year_closed=True)
    assert "Chưa khóa sổ:" not in text(login(client, users["admin"]).get(reverse("ranking")))


def test_in_english_the_bonuses_page_names_units_in_english_and_each_remove_box_says_which_entry(client, year, users):
    login(client, users["reviewer"])
    client.post(reverse("adjustments") + "?year=2024", {"unit": Unit.objects.get(code="026").pk, "kind": "bonus", "points": "2",
                                                        "reason": "Cờ thi đua của Chính phủ 2023", "evidence": "QĐ 1/QĐ-TTg"})
    city = Unit.objects.get(code="024")
    client.cookies["django_language"] = "en"
    page = client.get(reverse("adjustments"), {"year": 2024}).content.decode()
    dong_van = Unit.objects.get(code="026")
    assert f"026 · {dong_van.name_en}" in page and f"024 · {city.name_en}" in page  # the table and the unit select
    assert f'<span class="visually-hidden">: {dong_van.name_en}, Cờ thi đua của Chính phủ 2023</span>' in page


def test_during_the_year_a_unit_that_did_not_send_its_key_figures_is_not_called_eligible(client, demo, viewer):
    # The demo's provisional ranking (nine months): two districts sent no third-quarter report, so
    # their key measures (3: budget revenue, 11) have no figure for the period. Not sending must not
    # pay: they are barred, provisionally, as a district that sent an honest lagging figure is.
    silent = Unit.objects.get(code="033")
    login(client, viewer)
    body = text(client.get(reverse("ranking"), {"year": 2024, "bloc": "KHOI-HUYEN"}))
    row = next(r for r in body.split("<tr>") if f"<td>{silent.name}</td>" in r)
    assert "Đủ điều kiện" not in row
    assert "<li>Chỉ tiêu chủ yếu 3 chưa có số liệu của kỳ (tạm tính)</li>" in row
    assert "<li>Chỉ tiêu chủ yếu 11 chưa có số liệu của kỳ (tạm tính)</li>" in row
    # The API and the workbook say the same; the score and rank are what they were (a bar changes neither).
    api = client.get(reverse("api-ranking"), {"year": 2024}).json()
    unit = next(u for b in api["blocs"] for u in b["units"] if u["code"] == "033")
    assert api["provisional"] is True and unit["eligible_for_flag"] is False
    assert [b["reason"] for b in unit["bars"]] == ["key_measure_not_reported", "key_measure_not_reported"]
    assert unit["bars"][0]["text_en"] == "Key measure 3: no figure for the period (provisional)"
    assert (unit["score"], unit["rank"]) == ("15.48", 9)  # out of 100, its yearly figures still awaited not counted
    workbook = load_workbook(io.BytesIO(b"".join(client.get(reverse("ranking-export"), {"year": 2024}).streaming_content)))
    [listed] = [r for r in workbook["Xếp hạng"].iter_rows(min_row=10, values_only=True) if r[1] == silent.name]
    assert listed[4] == "Không"
    assert listed[5] == "Chỉ tiêu chủ yếu 3 chưa có số liệu của kỳ (tạm tính); Chỉ tiêu chủ yếu 11 chưa có số liệu của kỳ (tạm tính)"


def test_a_key_measure_barring_the_flag_during_the_year_is_named_by_the_status_the_dashboards_give_it(client, demo, viewer):
    # The demo's nine months: Hà Giang city's budget revenue (3) is "Có nguy cơ chậm" on its unit
    # page and the measure's; the ranking said "chưa đạt tiến độ" / "behind its pace", the words of
    # another status ("Chậm tiến độ"). Each bar now names its unit's status in progress.status_label's words.
    from targets import progress, ranking, scoring

    login(client, viewer)
    result = ranking.cached_ranking(demo)
    behind = [(u, b) for bloc in result.blocs for u in bloc.units for b in u.bars if b.reason is scoring.Bar.KEY_MEASURE_BEHIND]
    assert {progress.Status(b.status) for _u, b in behind} == {progress.Status.AT_RISK, progress.Status.BEHIND}
    body = text(client.get(reverse("ranking"), {"year": 2024, "bloc": "KHOI-HUYEN"}))
    unit_page = text(client.get(reverse("unit", args=["024"]), {"year": 2024}))
    assert "Có nguy cơ chậm" in unit_page
    row = next(r for r in body.split("<tr>") if "<td>Thành phố Hà Giang</td>" in r)
    assert "<li>Chỉ tiêu chủ yếu 3 có nguy cơ chậm (tạm tính)</li>" in row
    assert "chưa đạt tiến độ" not in body
    for unit, bar in behind:  # each unit's bar says the status its line (and its pages) give the measure
        [line] = [line for line in unit.lines if line.kind == scoring.LineKind.MEASURE and line.item == bar.detail]
        for lang in ("vi", "en"):
            assert progress.status_label(bar.status, lang).lower() in bar.text(lang)
            assert line.verdict(lang).startswith(progress.status_label(bar.status, lang))
    client.cookies["django_language"] = "en"
    english = text(client.get(reverse("ranking"), {"year": 2024, "bloc": "KHOI-HUYEN"}, HTTP_ACCEPT_LANGUAGE="en"))
    assert "<li>Key measure 3 at risk (provisional)</li>" in english and "behind its pace" not in english


def test_a_unit_without_a_pledge_for_a_key_measure_it_reports_is_not_called_eligible(client, year, users):
    # The programme keys the flag on budget revenue (3) and new-rural criteria (11), which every
    # district reports; Hà Giang city's pledge for 3 was never entered. Before, the ranking called
    # it "Đủ điều kiện": no pledge, nothing judged, nothing barring it.
    record = ScoringScheme.objects.get(campaign=year)
    record.data = {**record.data, "key_measures": ["3", "11"]}
    record.save()
    Pledge.objects.filter(unit__code="024").delete()
    city = Unit.objects.get(code="024")
    login(client, users["viewer"])
    body = text(client.get(reverse("ranking"), {"year": 2024, "bloc": "KHOI-HUYEN"}))
    row = next(r for r in body.split("<tr>") if f"<td>{city.name}</td>" in r)
    assert "Đủ điều kiện" not in row
    # During the year the pledge may still be entered: provisional, as the other in-year bars say.
    assert "<li>Chưa có giao ước thi đua cho chỉ tiêu chủ yếu 3 (tạm tính)</li>" in row
    assert "<li>Chưa có giao ước thi đua cho chỉ tiêu chủ yếu 11 (tạm tính)</li>" in row
    explained = text(client.get(reverse("ranking-unit", args=["024"]), {"year": 2024}))
    assert "<li>Chưa có giao ước thi đua cho chỉ tiêu chủ yếu 3 (tạm tính)</li>" in explained
    client.cookies["django_language"] = "en"
    english = text(client.get(reverse("ranking-unit", args=["024"]), {"year": 2024}, HTTP_ACCEPT_LANGUAGE="en"))
    assert "<li>No emulation pledge for key measure 3 (provisional)</li>" in english
    del client.cookies["django_language"]
    workbook = load_workbook(io.BytesIO(b"".join(client.get(reverse("ranking-export"), {"year": 2024}).streaming_content)))
    [listed] = [r for r in workbook["Xếp hạng"].iter_rows(min_row=10, values_only=True) if r[1] == city.name]
    assert listed[4] == "Không"
    assert listed[5] == "Chưa có giao ước thi đua cho chỉ tiêu chủ yếu 3 (tạm tính); Chưa có giao ước thi đua cho chỉ tiêu chủ yếu 11 (tạm tính)"
    # Once the year is closed no pledge can be entered any more: final, no "(tạm tính)".
    close(year, users)
    row = next(r for r in text(client.get(reverse("ranking"), {"year": 2024, "bloc": "KHOI-HUYEN"})).split("<tr>")
               if f"<td>{city.name}</td>" in r)
    assert "<li>Chưa có giao ước thi đua cho chỉ tiêu chủ yếu 3</li>" in row and "tạm tính" not in row


def test_a_unit_named_in_a_closed_years_ranking_keeps_its_code(client, year, users):
    from tests.test_admin_emulation_rules import admin_save, errors

    close(year, users)
    city = Unit.objects.get(code="024")
    client.force_login(users["admin"])
    response = admin_save(client, "unit", city.pk, code="024X", name="Thành phố Hà Giang (mới)")
    assert response.status_code == 200
    assert ("Kết quả xếp hạng chính thức năm 2024 ghi đơn vị này với mã 024: đổi mã thì đơn vị sẽ không còn trên các trang "
            "xếp hạng, đăng ký danh hiệu và đề nghị khen thưởng của năm đó. Hãy giữ mã cũ.") in errors(response)
    assert Unit.objects.get(pk=city.pk).code == "024"
    # Its name may change (the kept ranking shows the name it was ranked under); so may a unit's code
    # that no closed ranking names.
    assert admin_save(client, "unit", city.pk, name="Thành phố Hà Giang (mới)").status_code == 302
    unranked = Unit.objects.create(code="MOI", name="Đơn vị mới thành lập", kind=city.kind)
    response = admin_save(client, "unit", unranked.pk, code=f"{unranked.code}-2")
    assert response.status_code == 302, errors(response)
    assert Unit.objects.get(pk=unranked.pk).code == f"{unranked.code}-2"
