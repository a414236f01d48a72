"""The emulation's data edited in the Django admin keeps the rules the site's own pages keep: what
an admin is told on the (Vietnamese) admin page, and that nothing was saved."""

import copy
import html
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from targets import ranking
from targets.models import BlocMembership, EmulationBloc, Proposal, Registration, ScoreAdjustment, ScoringScheme, Unit
from targets.scoring import Outcome
from tests.formdata import form_data
from tests.test_emulation_pages import _year_rows, users, year  # noqa: F401 (fixtures)


def admin_save(client, model: str, pk=None, **changes):
    """Open the admin's add (or change) page of `model`, change some boxes, press Save."""
    url = reverse(f"admin:targets_{model}_change", args=[pk]) if pk else reverse(f"admin:targets_{model}_add")
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page.content.decode(), f"{model}_form")
    data.update({name: value for name, value in changes.items() if value is not None})
    for name in [name for name, value in changes.items() if value is None]:
        data.pop(name, None)
    data["_save"] = "Lưu"
    return client.post(url, data)


def errors(response) -> str:
    """The error messages the page shows, as text."""
    found = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    return " | ".join(html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m))).strip() for m in found)


# --- bloc memberships (F6) --------------------------------------------------------------------------


def test_a_unit_is_in_one_bloc_at_a_time(client, admin_user, programme):
    client.force_login(admin_user)
    dong_van = Unit.objects.get(code="026")
    districts, economy = EmulationBloc.objects.get(code="KHOI-HUYEN"), EmulationBloc.objects.get(code="KHOI-KT")
    whole_year = BlocMembership.objects.create(campaign=programme, unit=dong_van, bloc=districts)

    # "Moved to the economic bloc in Q2", the first row not ended: both would be ranked.
    response = admin_save(client, "blocmembership", campaign=programme.pk, unit=dong_van.pk, bloc=economy.pk,
                          from_quarter="2", to_quarter="4")
    assert response.status_code == 200
    assert ("Đơn vị này đã thuộc khối KHOI-HUYEN từ Quý I đến Quý IV của năm; mỗi đơn vị chỉ thuộc một khối tại một thời "
            "điểm: hãy kết thúc thành viên đó (quý cuối) trước khi bắt đầu thành viên này.") in errors(response)
    assert list(BlocMembership.objects.filter(unit=dong_van).values_list("bloc__code", flat=True)) == ["KHOI-HUYEN"]

    # Done in order, the move is recorded.
    assert admin_save(client, "blocmembership", whole_year.pk, to_quarter="1").status_code == 302
    response = admin_save(client, "blocmembership", campaign=programme.pk, unit=dong_van.pk, bloc=economy.pk,
                          from_quarter="2", to_quarter="4")
    assert response.status_code == 302
    assert list(BlocMembership.objects.filter(unit=dong_van).order_by("from_quarter")
                .values_list("bloc__code", "from_quarter", "to_quarter")) == [("KHOI-HUYEN", 1, 1), ("KHOI-KT", 2, 4)]
    # …and an edit of the first row that would make them overlap again is refused.
    response = admin_save(client, "blocmembership", whole_year.pk, to_quarter="3")
    assert response.status_code == 200 and "mỗi đơn vị chỉ thuộc một khối" in errors(response)
    whole_year.refresh_from_db()
    assert whole_year.to_quarter == 1


def test_quarters_in_the_wrong_order_are_said_in_words(client, admin_user, programme):
    client.force_login(admin_user)
    dong_van = Unit.objects.get(code="026")
    response = admin_save(client, "blocmembership", campaign=programme.pk, unit=dong_van.pk, bloc=dong_van.bloc_id,
                          from_quarter="3", to_quarter="2")
    assert response.status_code == 200
    assert errors(response) == "Quý cuối không thể trước quý đầu."
    assert not BlocMembership.objects.exists()


# --- what the site's emulation pages refuse, the admin refuses too (F7) -------------------------------


def test_a_bonus_keeps_the_rules_of_the_bonuses_page(client, admin_user, programme):
    client.force_login(admin_user)
    dong_van = Unit.objects.get(code="026")
    response = admin_save(client, "scoreadjustment", campaign=programme.pk, unit=dong_van.pk, kind="bonus", points="500",
                          reason="Thưởng", bars_flag="on")
    assert response.status_code == 200
    shown = errors(response)
    assert "Điểm phải lớn hơn 0, tối đa 100, nhiều nhất hai chữ số thập phân." in shown
    assert "Chỉ khoản trừ điểm do vi phạm mới làm đơn vị không được xét cờ." in shown
    assert "Hãy ghi văn bản làm căn cứ (số, ngày): Hội đồng đối chiếu từng khoản điểm thưởng, điểm trừ với văn bản đó." in shown
    assert not ScoreAdjustment.objects.filter(unit=dong_van).exists()

    response = admin_save(client, "scoreadjustment", campaign=programme.pk, unit=dong_van.pk, kind="deduction", points="2,5",
                          reason="Vi phạm", evidence="KL 3/TTr", bars_flag="on")
    assert response.status_code == 302
    assert list(ScoreAdjustment.objects.filter(unit=dong_van).values_list("kind", "bars_flag")) == [("deduction", True)]


def test_a_decided_proposal_keeps_the_rules_of_the_proposals_page(client, year, users):  # noqa: F811
    from tests.test_emulation_pages import close

    # Before the year is closed there is no final ranking to propose from.
    client.force_login(users["admin"])
    response = admin_save(client, "proposal", campaign=year.pk, unit=Unit.objects.get(code="026").pk, kind="flag", reason="x",
                          state="draft")
    assert "Đề nghị khen thưởng lập từ kết quả xếp hạng chính thức: hãy khóa sổ năm 2024 ở trang xếp hạng trước." in errors(response)
    close(year, users)
    dong_van = Unit.objects.get(code="026")
    response = admin_save(client, "proposal", campaign=year.pk, unit=dong_van.pk, kind="flag", reason="x", state="awarded",
                          decision_date="01/01/1990")
    assert response.status_code == 200
    shown = errors(response)
    assert "Quyết định khen thưởng thi đua năm 2024 phải đề ngày từ 01/01/2025 (sau năm được đánh giá) đến hôm nay." in shown
    assert shown.count("Quyết định của Hội đồng cần có số, ngày và người ký.") == 2  # number and signatory
    assert not Proposal.objects.filter(unit__code="026").exists()

    response = admin_save(client, "proposal", campaign=year.pk, unit=dong_van.pk, kind="flag", reason="x", state="awarded",
                          decision_date="15/01/2025", decision_number="12/QĐ-UBND", decided_by="Chủ tịch UBND tỉnh")
    assert response.status_code == 302
    assert Proposal.objects.get(unit__code="026").decision_number == "12/QĐ-UBND"


def test_a_proposal_added_in_the_admin_takes_its_rank_and_score_from_the_final_ranking_never_typed(client, year, users):  # noqa: F811
    from tests.test_emulation_pages import close

    close(year, users)
    client.force_login(users["admin"])
    page = client.get(reverse("admin:targets_proposal_add")).content.decode()
    assert 'name="rank"' not in page and 'name="score"' not in page  # shown, not typed
    from targets.scoring import Ranking

    kept = Ranking.from_data(ScoringScheme.objects.get(campaign=year).final_ranking)
    last = next(b for b in kept.blocs if b.code == "KHOI-HUYEN").units[-1]  # the bloc's last, barred
    assert last.bars
    unit = Unit.objects.get(code=last.code)
    response = admin_save(client, "proposal", campaign=year.pk, unit=unit.pk, kind="flag", reason="Dẫn đầu khối", state="draft",
                          rank="1", score="100")
    assert response.status_code == 302
    proposal = Proposal.objects.get(unit=unit)
    assert (proposal.rank, proposal.score) == (last.rank, last.score) and (proposal.rank, proposal.score) != (1, 100)
    shown = " ".join(str(m) for m in get_messages(client.get(response.url).wsgi_request))
    assert f"Kết quả xếp hạng chính thức không cho {unit.name} được đề nghị Cờ thi đua: {last.bars[0].text('vi')}" in shown
    response = admin_save(client, "proposal", campaign=year.pk, unit=Unit.objects.get(code="024").pk, kind="flag",
                          reason="Dẫn đầu khối", state="draft")
    assert response.status_code == 302
    shown = " ".join(str(m) for m in get_messages(client.get(response.url).wsgi_request))
    assert f"Khối các huyện, thành phố đã có đề nghị Cờ thi đua: {unit.name}." in shown


def test_a_registration_is_for_a_title_of_the_scheme(client, admin_user, programme):
    from targets.services import copy_campaign

    client.force_login(admin_user)
    dong_van = Unit.objects.get(code="026")
    # Picked by its name under its year, never typed as the scheme's code.
    page = client.get(reverse("admin:targets_registration_add")).content.decode()
    assert '<label class="required" for="id_title">Danh hiệu:</label>' in page
    assert '<optgroup label="2024">' in page and '<option value="co-thi-dua-ubnd-tinh">Cờ thi đua của UBND tỉnh</option>' in page
    response = admin_save(client, "registration", campaign=programme.pk, unit=dong_van.pk, title="co-thi-dua-ubnd-tinhX",
                          registered_on="01/02/2024")
    assert response.status_code == 200 and "co-thi-dua-ubnd-tinhX" in errors(response)
    # A title of another year's scheme, for this year's programme: refused.
    later = copy_campaign(source_year=2024, target_year=2025)
    later_scheme = later.scoring_scheme
    later_scheme.data = {**later_scheme.data, "titles": [{"code": "moi-2025", "name": "Danh hiệu mới 2025"}], "flag_title": "moi-2025"}
    later_scheme.save()
    response = admin_save(client, "registration", campaign=programme.pk, unit=dong_van.pk, title="moi-2025", registered_on="01/02/2024")
    assert response.status_code == 200 and errors(response) == (
        "Đây không phải là danh hiệu của chương trình năm 2024; các danh hiệu của chương trình: Cờ thi đua của UBND tỉnh, "
        "Tập thể lao động xuất sắc, Tập thể lao động tiên tiến.")
    assert not Registration.objects.exists()

    response = admin_save(client, "registration", campaign=programme.pk, unit=dong_van.pk, title="co-thi-dua-ubnd-tinh",
                          registered_on="01/02/2024")
    assert response.status_code == 302
    assert list(Registration.objects.values_list("title", "entered_by__username")) == [("co-thi-dua-ubnd-tinh", admin_user.username)]


def test_a_registration_is_dated_from_december_of_the_year_before_to_the_programmes_year_never_to_come(client, admin_user, programme):
    import datetime

    from django.utils import timezone

    client.force_login(admin_user)
    dong_van = Unit.objects.get(code="026")
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    for typed, message in [
        (f"{tomorrow:%d/%m/%Y}", f"Ngày {tomorrow:%d/%m/%Y} là sau hôm nay ({today:%d/%m/%Y}): hãy nhập ngày đơn vị đã đăng ký."),
        ("15/12/2022", "Ngày 15/12/2022 không nằm trong khoảng từ 01/12/2023 đến 31/12/2024, khi các đơn vị đăng ký thi đua năm 2024."),
        ("10/01/2025", "Ngày 10/01/2025 không nằm trong khoảng từ 01/12/2023 đến 31/12/2024, khi các đơn vị đăng ký thi đua năm 2024."),
        # The year before, but before December: no registration for 2024 is made then.
        ("15/02/2023", "Ngày 15/02/2023 không nằm trong khoảng từ 01/12/2023 đến 31/12/2024, khi các đơn vị đăng ký thi đua năm 2024."),
        ("30/11/2023", "Ngày 30/11/2023 không nằm trong khoảng từ 01/12/2023 đến 31/12/2024, khi các đơn vị đăng ký thi đua năm 2024."),
        ("31/02/2024", "Nhập một ngày hợp lệ."),  # not a date: said once, not also judged as another day
    ]:
        response = admin_save(client, "registration", campaign=programme.pk, unit=dong_van.pk, title="co-thi-dua-ubnd-tinh",
                              registered_on=typed)
        assert response.status_code == 200 and errors(response) == message, typed
    assert not Registration.objects.exists()
    # From 1 December of the year before, as units sometimes register: recorded.
    response = admin_save(client, "registration", campaign=programme.pk, unit=dong_van.pk, title="co-thi-dua-ubnd-tinh",
                          registered_on="01/12/2023")
    assert response.status_code == 302, errors(response)
    assert list(Registration.objects.values_list("registered_on", flat=True)) == [datetime.date(2023, 12, 1)]


def test_the_admin_refuses_a_registration_made_after_the_deadline_at_its_date_as_the_registrations_page_does(
        client, admin_user, programme):
    import datetime

    client.force_login(admin_user)
    dong_van = Unit.objects.get(code="026")  # the programme's registrations close on 31/03/2024
    response = admin_save(client, "registration", campaign=programme.pk, unit=dong_van.pk, title="co-thi-dua-ubnd-tinh",
                          registered_on="01/04/2024")
    assert response.status_code == 200 and errors(response) == "Ngày 01/04/2024 là sau hạn đăng ký 31/03/2024: không nhận đăng ký sau hạn."
    assert response.context_data["adminform"].form.errors["registered_on"] == [errors(response)]  # at the date box
    assert not Registration.objects.exists()
    # Made by the deadline, entered after it (as on paper): recorded on its own day.
    response = admin_save(client, "registration", campaign=programme.pk, unit=dong_van.pk, title="co-thi-dua-ubnd-tinh",
                          registered_on="31/03/2024")
    assert response.status_code == 302, errors(response)
    registration = Registration.objects.get()
    # Its day corrected to one after the deadline: refused as well, the day kept.
    response = admin_save(client, "registration", registration.pk, registered_on="02/04/2024")
    assert response.status_code == 200 and errors(response) == "Ngày 02/04/2024 là sau hạn đăng ký 31/03/2024: không nhận đăng ký sau hạn."
    registration.refresh_from_db()
    assert registration.registered_on == datetime.date(2024, 3, 31)


def test_a_registration_stored_before_the_date_rule_is_edited_its_day_judged_once_it_or_the_programme_changes(
        client, admin_user, programme):
    import datetime

    from targets.services import copy_campaign

    client.force_login(admin_user)
    # Stored as the registrations page did before the rule: dated the day it was entered, a year later.
    legacy = Registration.objects.create(campaign=programme, unit=Unit.objects.get(code="026"), title="co-thi-dua-ubnd-tinh",
                                         registered_on=datetime.date(2025, 3, 1))
    # Only its note changed: saved, its day kept (not refused at the date box nobody touched).
    response = admin_save(client, "registration", legacy.pk, note="Đã nộp bản giấy")
    assert response.status_code == 302, errors(response)
    legacy.refresh_from_db()
    assert (legacy.note, legacy.registered_on) == ("Đã nộp bản giấy", datetime.date(2025, 3, 1))
    # Its day typed again, to another day out of the span: judged, refused at the box.
    response = admin_save(client, "registration", legacy.pk, registered_on="02/03/2025")
    assert response.status_code == 200 and errors(response) == (
        "Ngày 02/03/2025 không nằm trong khoảng từ 01/12/2023 đến 31/12/2024, khi các đơn vị đăng ký thi đua năm 2024.")
    # Corrected to a day of the span: saved.
    response = admin_save(client, "registration", legacy.pk, registered_on="15/01/2024")
    assert response.status_code == 302, errors(response)
    legacy.refresh_from_db()
    assert legacy.registered_on == datetime.date(2024, 1, 15)

    # Moved to another programme with its day kept: judged by that programme's span.
    later = copy_campaign(source_year=2024, target_year=2026)
    response = admin_save(client, "registration", legacy.pk, campaign=later.pk)
    assert response.status_code == 200 and errors(response) == (
        "Ngày 15/01/2024 không nằm trong khoảng từ 01/12/2025 đến 31/12/2026, khi các đơn vị đăng ký thi đua năm 2026.")
    legacy.refresh_from_db()
    assert (legacy.campaign_id, legacy.registered_on) == (programme.pk, datetime.date(2024, 1, 15))


# --- the scoring scheme, in boxes (F8) ----------------------------------------------------------------


def scheme_save(client, record, **changes):
    """The scheme's admin page saved as a browser sends it, with some boxes changed: every ticked
    measure sent (form_data keeps one value a name for checkboxes)."""
    url = reverse("admin:targets_scoringscheme_change", args=[record.pk])
    page = client.get(url).content.decode()
    data = form_data(page, "scoringscheme_form")
    for name in ("key_measures", "annual_measures"):
        data[name] = re.findall(rf'<input type="checkbox" name="{name}" value="([^"]*)"[^>]*checked', page)
    data.update({name: value for name, value in changes.items() if value is not None})
    for name in [name for name, value in changes.items() if value is None]:
        data.pop(name, None)  # a box unticked
    data["_save"] = "Lưu"
    return client.post(url, data)


def test_the_scheme_is_shown_in_the_words_of_the_ranking_with_its_values(client, admin_user, programme):
    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    page = html.unescape(client.get(reverse("admin:targets_scoringscheme_change", args=[record.pk])).content.decode())
    # The verdicts as the ranking page names them, each with its points.
    for name, label, value in [("measure_exceeded", "Vượt kế hoạch", "10"), ("measure_met", "Đạt", "8"),
                               ("measure_not_met", "Không đạt", "2"), ("measure_no_figure", "Chưa có số liệu", "0"),
                               ("task_completed_well", "Hoàn thành tốt nhiệm vụ", "5"),
                               ("task_completed", "Hoàn thành nhiệm vụ", "4"),
                               ("task_not_completed", "Chưa hoàn thành nhiệm vụ", "0"),
                               ("reporting_on_time", "Báo cáo gửi đúng hạn", "2"),
                               ("reporting_complete", "Báo cáo đầy đủ", "1")]:
        assert f'for="id_{name}">{label}:</label>' in page, name
        assert f'name="{name}" value="{value}"' in page, name
    # Measures ticked by their code and name, not typed.
    ticked = re.findall(r'<input type="checkbox" name="key_measures" value="([^"]*)"[^>]*checked>\s*([^<]*)<', page)
    assert [(code, label.strip()) for code, label in ticked] == [
        ("3", "3 · Thu ngân sách nhà nước trên địa bàn"), ("6", "6 · Mức giảm tỷ lệ hộ nghèo"),
        ("11", "11 · Số tiêu chí nông thôn mới tăng trong năm")]
    assert re.findall(r'name="annual_measures" value="([^"]*)"[^>]*checked', page) == ["6", "16a", "16b", "16c", "20"]
    assert "Chỉ tiêu chủ yếu" in page and "Chỉ tiêu công bố số liệu một lần mỗi năm" in page
    # The flag's title chosen by its name, the date day first, the note's limit said.
    assert '<option value="co-thi-dua-ubnd-tinh" selected>Cờ thi đua của UBND tỉnh</option>' in page
    assert "co-thi-dua-ubnd-tinh | Cờ thi đua của UBND tỉnh | Provincial emulation flag\n" in page
    assert 'name="registration_until" value="31/03/2024"' in page
    assert 'name="flag_requires_full_year" id="id_flag_requires_full_year" checked' in page
    assert 'name="certificates" value="2"' in page
    assert 'maxlength="2000"' in page and "Tối đa 2.000 ký tự." in page
    assert '"flag_title": "co-thi-dua-ubnd-tinh"' in page  # the JSON, read only
    assert 'name="data"' not in page


def test_the_boxes_save_the_schemes_json_exactly_and_keep_the_rest(client, admin_user, programme):
    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    before = copy.deepcopy(record.data)
    # Saved untouched, the JSON is the same to the letter.
    assert scheme_save(client, record).status_code == 302
    record.refresh_from_db()
    assert record.data == before

    response = scheme_save(client, record, measure_met="8,5", task_completed="4,25", reporting_complete="",
                           key_measures=["3", "6"], annual_measures=["6", "16a", "16b", "16c", "20", "12"],
                           registration_until="15/03/2024", flag_min_score="40,5", flag_requires_full_year=None,
                           certificates="3", flag_title="tap-the-ldxs", note="Hội đồng thông qua ngày 10/01/2024.")
    assert response.status_code == 302, errors(response)
    record.refresh_from_db()
    data = record.data
    assert data["measure_points"] == {**before["measure_points"], "met": "8.5"}
    assert Decimal(data["measure_points"]["met"]) == Decimal("8.5") and Decimal(data["task_points"]["completed"]) == Decimal("4.25")
    assert data["reporting_points"] == {"on_time": "2"}  # emptied: none for a complete report
    assert data["key_measures"] == ["3", "6"] and data["annual_measures"] == ["6", "12", "16a", "16b", "16c", "20"]
    assert (data["registration_until"], data["flag_min_score"], data["flag_requires_full_year"], data["certificates"],
            data["flag_title"], data["note"]) == ("2024-03-15", "40.5", False, 3, "tap-the-ldxs", "Hội đồng thông qua ngày 10/01/2024.")
    assert data["titles"] == before["titles"]
    scheme = record.scheme()
    assert (scheme.measure_points[Outcome.MET], scheme.flag_min_score, scheme.complete_points) == (
        Decimal("8.5"), Decimal("40.5"), Decimal(0))

    # Emptied, the optional boxes say "none"; a title added on its line is offered for the flag.
    titles = "co-thi-dua-ubnd-tinh | Cờ thi đua của UBND tỉnh | Provincial emulation flag\nmoi | Danh hiệu mới"
    assert scheme_save(client, record, flag_min_score="", registration_until="", flag_title="moi", titles=titles,
                       note="").status_code == 302
    record.refresh_from_db()
    assert [key for key in ("flag_min_score", "registration_until", "note") if key in record.data] == []
    assert record.data["titles"] == [before["titles"][0], {"code": "moi", "name": "Danh hiệu mới"}]
    assert record.data["flag_title"] == "moi"


def test_a_scheme_saved_untouched_writes_nothing_and_says_so(client, admin_user, programme):
    from django.contrib.admin.models import LogEntry

    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    versions, before = record.history.count(), copy.deepcopy(record.data)
    # Saved as the page showed it (the note retyped with a space after it too): no new version in
    # the scheme's history, nothing in the admin's log, and the admin is told nothing changed.
    response = scheme_save(client, record, note=ScoringScheme.objects.get(pk=record.pk).data.get("note", "") + " ")
    assert response.status_code == 302, errors(response)
    assert [str(m) for m in get_messages(client.get(response.url).wsgi_request)] == [
        "Không có thay đổi nào: thang điểm thi đua “2024” được giữ nguyên."]
    record.refresh_from_db()
    assert record.data == before
    assert record.history.count() == versions and not LogEntry.objects.exists()

    # A change is saved as before: one new version, said changed.
    response = scheme_save(client, record, measure_met="9")
    assert response.status_code == 302, errors(response)
    assert "đã được thay đổi thành công" in " ".join(str(m) for m in get_messages(client.get(response.url).wsgi_request))
    record.refresh_from_db()
    assert record.data["measure_points"]["met"] == "9"
    assert record.history.count() == versions + 1 and LogEntry.objects.count() == 1


@pytest.mark.parametrize("button", ["_continue", "_addanother"])
def test_a_scheme_saved_untouched_with_another_button_says_nothing_changed_and_goes_where_the_button_goes(
        client, admin_user, programme, button):
    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    versions = record.history.count()
    data = scheme_page(client, record)
    data.pop("_save")
    data[button] = "Lưu"
    response = client.post(reverse("admin:targets_scoringscheme_change", args=[record.pk]), data)
    assert response.status_code == 302, errors(response)
    assert response.url == {"_continue": reverse("admin:targets_scoringscheme_change", args=[record.pk]),
                            "_addanother": reverse("admin:targets_scoringscheme_add")}[button]
    # Not Django's "… được chỉnh sửa thành công": nothing was written.
    assert [str(m) for m in get_messages(client.get(response.url).wsgi_request)] == [
        "Không có thay đổi nào: thang điểm thi đua “2024” được giữ nguyên."]
    assert record.history.count() == versions


def test_a_point_typed_in_the_other_notation_is_refused_with_how_to_type_it(client, admin_user, programme):
    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    before = copy.deepcopy(record.data)
    response = scheme_save(client, record, measure_met="8.5")
    assert response.status_code == 200
    assert errors(response) == (
        "«8.5» không đúng định dạng số tiếng Việt (dấu chấm phân cách hàng nghìn, dấu phẩy thập phân). Nếu ý bạn là 8,5 "
        "hãy nhập 8,5.")
    record.refresh_from_db()
    assert record.data == before


@pytest.mark.parametrize("change, message", [
    # The scheme's own words (Scheme.from_dict), at the box they are about (which names it: no
    # JSON key before them, a title by its line) or above the form, the verdicts as the ranking says them.
    ({"measure_exceeded": "5"}, "Vượt kế hoạch (5) được ít điểm hơn Đạt (8)."),
    ({"measure_exceeded": "-10", "measure_met": "-8"},
     "-10 là số âm; điểm đơn vị đạt được phải từ 0 trở lên. | -8 là số âm; điểm đơn vị đạt được phải từ 0 trở lên."),
    ({"reporting_on_time": "-2"}, "-2 là số âm; điểm đơn vị đạt được phải từ 0 trở lên."),
    ({"task_not_completed": "2000"},
     "2.000 nằm ngoài khoảng cho phép: từ -1.000 đến 1.000, nhiều nhất hai chữ số thập phân."),
    ({"measure_no_figure": "-0,125"}, "-0,125 nằm ngoài khoảng cho phép: từ -1.000 đến 1.000, nhiều nhất hai chữ số thập phân."),
    ({"flag_title": "khong-co"}, "«khong-co» không phải là một trong các danh hiệu."),
    ({"certificates": str(10**12)}, "1.000.000.000.000 là quá nhiều; mỗi khối nhiều nhất 100."),
    ({"certificates": "-1"}, "Một số nguyên, từ 0 trở lên."),
    ({"flag_min_score": "-5"}, "-5 là số âm; điểm tối thiểu để được đề nghị Cờ thi đua phải từ 0 trở lên."),
    ({"flag_min_score": "-0,5"}, "-0,5 là số âm; điểm tối thiểu để được đề nghị Cờ thi đua phải từ 0 trở lên."),
    ({"flag_min_score": "200000"}, "200.000 nằm ngoài khoảng cho phép: từ 0 đến 100.000, nhiều nhất hai chữ số thập phân."),
    ({"key_measures": ["3", "6", "1l"]}, "«1l» không phải là mã chỉ tiêu đo của chương trình."),
    ({"titles": "co-thi-dua-ubnd-tinh | Cờ\n | Không mã"}, "Dòng 2: mỗi danh hiệu cần có mã và tên."),
    ({"titles": "co-thi-dua-ubnd-tinh | Cờ " + "x" * 400}, "Dòng 1: tối đa 300 ký tự (hiện có 403)."),
    ({"note": "a\x00b"}, "Hãy xóa các ký tự điều khiển vô hình (ví dụ do dán từ chương trình khác)."),
    # What only the programme knows: its year, and which measures are pledged.
    ({"registration_until": "31/03/2025"},
     "Ngày 31/03/2025 không nằm trong khoảng từ 01/12/2023 đến 31/12/2024, khi các đơn vị đăng ký thi đua năm 2024."),
    # Before the first day a unit may register on: registration would be closed before it opens.
    ({"registration_until": "15/11/2023"},
     "Ngày 15/11/2023 không nằm trong khoảng từ 01/12/2023 đến 31/12/2024, khi các đơn vị đăng ký thi đua năm 2024."),
    ({"key_measures": ["3", "15"]}, "15 được đánh giá bằng lời, không có giao ước nên không bao giờ loại được "
                                    "đơn vị nào; hãy chọn các chỉ tiêu có số liệu."),
])
def test_a_scheme_the_ranking_would_misread_is_refused_in_the_schemes_words(client, admin_user, programme, change, message):
    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    before = copy.deepcopy(record.data)
    response = scheme_save(client, record, **change)
    assert response.status_code == 200
    assert errors(response) == message
    record.refresh_from_db()
    assert record.data == before


def test_what_no_box_shows_is_kept_and_what_no_scheme_reads_is_removed_only_when_asked(client, admin_user, programme):
    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    # A title's other keys: kept through an edit of its name.
    titles = [{**record.data["titles"][0], "short": "Cờ UBND"}, *record.data["titles"][1:]]
    ScoringScheme.objects.filter(pk=record.pk).update(data={**record.data, "titles": titles})
    record.refresh_from_db()
    lines = client.get(reverse("admin:targets_scoringscheme_change", args=[record.pk])).content.decode()
    assert scheme_save(client, record, measure_met="7", titles=html.unescape(
        re.search(r'name="titles"[^>]*>\n?(.*?)</textarea>', lines, re.S).group(1)).replace(
        "Cờ thi đua của UBND tỉnh", "Cờ thi đua UBND tỉnh")).status_code == 302
    record.refresh_from_db()
    assert record.data["titles"][0] == {**titles[0], "name": "Cờ thi đua UBND tỉnh"}
    assert record.data["measure_points"]["met"] == "7"

    # A key saved before keys were checked (misspelt): kept, so the scheme is refused naming it…
    stored = {**record.data, "certificate": 5}
    ScoringScheme.objects.filter(pk=record.pk).update(data=stored)
    response = scheme_save(client, record, measure_met="6")
    assert response.status_code == 200
    assert errors(response).startswith("Khóa không hợp lệ: certificate; thang điểm có các khóa note, measure_points")
    record.refresh_from_db()
    assert record.data == stored
    # …until the admin ticks the box that removes it.
    assert scheme_save(client, record, measure_met="6", forget_unknown="on").status_code == 302
    record.refresh_from_db()
    assert record.data == {key: value for key, value in stored.items() if key != "certificate"} | {
        "measure_points": {**stored["measure_points"], "met": "6"}}


def test_a_new_scheme_is_made_in_boxes(client, admin_user, programme):
    client.force_login(admin_user)
    ScoringScheme.objects.filter(campaign=programme).delete()
    boxes = {"campaign": programme.pk, "measure_exceeded": "10", "measure_met": "8", "measure_not_met": "0",
             "measure_no_figure": "-2", "task_completed_well": "5", "task_completed": "4", "task_not_completed": "0",
             "reporting_on_time": "1,5", "key_measures": ["3"], "certificates": "2",
             "titles": "co | Cờ thi đua của UBND tỉnh", "flag_title": "co", "registration_until": "31/03/2024",
             "flag_requires_full_year": "on", "_save": "Lưu"}
    response = client.post(reverse("admin:targets_scoringscheme_add"), boxes)
    assert response.status_code == 302, errors(response)
    assert ScoringScheme.objects.get(campaign=programme).data == {
        "measure_points": {"exceeded": "10", "met": "8", "not_met": "0", "no_figure": "-2"},
        "task_points": {"completed_well": "5", "completed": "4", "not_completed": "0"},
        "reporting_points": {"on_time": "1.5"}, "key_measures": ["3"], "certificates": 2,
        "titles": [{"code": "co", "name": "Cờ thi đua của UBND tỉnh"}], "flag_title": "co",
        "registration_until": "2024-03-31"}


def test_a_closed_years_scheme_is_shown_in_words_and_not_changed(client, admin_user, programme):
    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    before = copy.deepcopy(record.data)
    ranking.close_year(programme, admin_user)
    url = reverse("admin:targets_scoringscheme_change", args=[record.pk])
    page = html.unescape(client.get(url).content.decode())
    assert 'name="_save"' not in page and "Năm 2024 đã khóa sổ" in page
    shown = dict(re.findall(r'<label>([^<]*):</label>\s*<div class="readonly">([^<]*)</div>', page))
    assert (shown["Vượt kế hoạch"], shown["Đạt"], shown["Chỉ tiêu chủ yếu"], shown["Hạn đăng ký danh hiệu"]) == (
        "10", "8", "3, 6, 11", "31/03/2024")
    assert client.post(url, {"measure_met": "1"}).status_code == 403
    record.refresh_from_db()
    assert record.data == before


def test_a_scheme_saved_before_the_stricter_checks_still_ranks(programme):
    # Refused when saved from now on, but a year's stored scheme keeps being read as it was.
    ScoringScheme.objects.filter(campaign=programme).update(
        data={**ScoringScheme.objects.get(campaign=programme).data, "certificates": 500, "key_measures": ["3", "1l"]})
    assert ranking.build_ranking(programme).blocs


def test_a_deduction_changed_in_the_admin_says_why_in_its_history(client, admin_user, programme):
    client.force_login(admin_user)
    dong_van = Unit.objects.get(code="026")
    assert admin_save(client, "scoreadjustment", campaign=programme.pk, unit=dong_van.pk, kind="deduction", points="3",
                      reason="Vi phạm quy định báo cáo", evidence="CV 2/SNV").status_code == 302
    deduction = ScoreAdjustment.objects.get()
    refused = admin_save(client, "scoreadjustment", deduction.pk, points="2")
    assert "Hãy ghi lý do sửa: lý do được lưu trong lịch sử." in errors(refused)
    assert ScoreAdjustment.objects.get().points == 3
    assert admin_save(client, "scoreadjustment", deduction.pk, points="2", why="Hội đồng giảm mức trừ").status_code == 302
    assert deduction.history.first().history_change_reason == "Hội đồng giảm mức trừ"
    page = html.unescape(client.get(reverse("adjustments"), {"year": 2024}).content.decode())
    assert "Hội đồng giảm mức trừ" in page
    # Saved unchanged, it asks nothing.
    assert admin_save(client, "scoreadjustment", deduction.pk).status_code == 302


def test_a_bloc_in_use_or_a_reported_years_scheme_cannot_be_deleted(client, admin_user, demo):
    from targets.models import EmulationBloc

    client.force_login(admin_user)
    bloc = EmulationBloc.objects.get(code="KHOI-HUYEN")
    assert client.get(reverse("admin:targets_emulationbloc_delete", args=[bloc.pk])).status_code == 403  # its units keep it
    assert client.post(reverse("admin:targets_emulationbloc_delete", args=[bloc.pk]), {"post": "yes"}).status_code == 403
    record = ScoringScheme.objects.get(campaign=demo)
    assert client.post(reverse("admin:targets_scoringscheme_delete", args=[record.pk]), {"post": "yes"}).status_code == 403
    assert EmulationBloc.objects.filter(pk=bloc.pk).exists() and ScoringScheme.objects.filter(pk=record.pk).exists()
    empty = EmulationBloc.objects.create(code="KHOI-TRONG", name="Khối trống")
    client.post(reverse("admin:targets_emulationbloc_delete", args=[empty.pk]), {"post": "yes"})
    assert not EmulationBloc.objects.filter(pk=empty.pk).exists()  # one no unit is in goes


def test_a_proposal_saved_in_the_admin_over_a_change_made_meanwhile_is_refused_and_moves_its_version(client, year, users):  # noqa: F811
    from tests.test_emulation_pages import close, login

    close(year, users)
    login(client, users["reviewer"]).post(reverse("proposals") + "?year=2024", {"action": "draft"})
    proposal = Proposal.objects.get(unit__code="024", kind="flag")
    client.force_login(users["admin"])
    url = reverse("admin:targets_proposal_change", args=[proposal.pk])
    page = client.get(url).content.decode()
    assert 'name="version"' not in page and 'name="changed_by"' not in page  # kept by the site, not typed
    stale = form_data(page, "proposal_form")
    # Meanwhile the secretariat edits it on the proposals page.
    other = Client()
    login(other, users["reviewer"]).post(reverse("proposals") + "?year=2024", {
        "proposal": proposal.pk, "reason": "Dẫn đầu khối, sửa trên trang đề nghị", "state": "draft", "why": "Sửa lý do",
        "version": proposal.version})
    assert Proposal.objects.get(pk=proposal.pk).reason == "Dẫn đầu khối, sửa trên trang đề nghị"
    response = client.post(url, {**stale, "reason": "Lý do của quản trị", "why": "Sửa", "_save": "Lưu"})
    assert response.status_code == 200
    assert "Đề nghị này đã được người khác sửa sau khi bạn mở trang: chưa lưu gì." in errors(response)
    assert Proposal.objects.get(pk=proposal.pk).reason == "Dẫn đầu khối, sửa trên trang đề nghị"
    # Saved from a fresh page, it moves the version: a proposals page opened before is refused in turn.
    before = Proposal.objects.get(pk=proposal.pk).version
    assert admin_save(client, "proposal", proposal.pk, reason="Lý do của quản trị", why="Sửa").status_code == 302
    saved = Proposal.objects.get(pk=proposal.pk)
    assert (saved.reason, saved.version, saved.changed_by) == ("Lý do của quản trị", before + 1, users["admin"])
    refused = login(other, users["reviewer"]).post(reverse("proposals") + "?year=2024", {
        "proposal": proposal.pk, "reason": "Ghi đè", "state": "draft", "why": "Sửa", "version": before}, follow=True)
    assert "Người khác vừa sửa đề nghị này; đây là nội dung hiện tại." in refused.content.decode()
    assert Proposal.objects.get(pk=proposal.pk).reason == "Lý do của quản trị"


# --- the scoring scheme: pages opened before another admin saved, its words (probe 2, F1–F7) ---------


def scheme_page(client, record) -> dict:
    """The scheme's page as a browser would send it back untouched (every ticked measure)."""
    page = client.get(reverse("admin:targets_scoringscheme_change", args=[record.pk])).content.decode()
    data = form_data(page, "scoringscheme_form")
    for name in ("key_measures", "annual_measures"):
        data[name] = re.findall(rf'<input type="checkbox" name="{name}" value="([^"]*)"[^>]*checked', page)
    return {**data, "_save": "Lưu"}


def test_a_page_opened_before_another_admin_saved_keeps_their_change_and_refuses_a_box_both_changed(
        client, admin_user, programme):
    import json

    client.force_login(admin_user)
    other = Client()
    other.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    url = reverse("admin:targets_scoringscheme_change", args=[record.pk])
    stale = scheme_page(client, record)  # A opens the page
    assert scheme_save(other, record, measure_met="9").status_code == 302  # B changes "Đạt" 8 → 9
    # A, on the page opened before, changes only the note: B's 9 stands.
    response = client.post(url, {**stale, "note": "Ghi chú của A"})
    assert response.status_code == 302, errors(response)
    record.refresh_from_db()
    assert (record.data["measure_points"]["met"], record.data["note"]) == ("9", "Ghi chú của A")

    # A box both changed: refused, nothing saved, A told to reload.
    stale = scheme_page(client, record)
    assert scheme_save(other, record, measure_met="7").status_code == 302
    before = copy.deepcopy(ScoringScheme.objects.get(pk=record.pk).data)
    response = client.post(url, {**stale, "measure_met": "6", "note": "Lần hai"})
    assert response.status_code == 200
    assert errors(response) == ("Ô này đã được người khác sửa sau khi bạn mở trang: chưa lưu gì. Hãy tải lại trang để xem "
                                "thang điểm hiện tại.")
    record.refresh_from_db()
    assert record.data == before and record.data["measure_points"]["met"] == "7"
    # Reloaded, the page saves; and an untouched save still leaves the JSON as it was, to the letter.
    assert scheme_save(client, record, measure_met="6").status_code == 302
    record.refresh_from_db()
    assert record.data["measure_points"]["met"] == "6"
    before = copy.deepcopy(record.data)
    assert scheme_save(client, record).status_code == 302
    record.refresh_from_db()
    assert json.dumps(record.data) == json.dumps(before)  # keys in the same order too


def test_a_schemes_problems_are_said_at_their_box_without_the_jsons_keys(client, admin_user, programme):
    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    before = copy.deepcopy(record.data)
    # A refused number is not also read as 0 and said to be out of order.
    response = scheme_save(client, record, measure_met="99999999999999999999")
    assert errors(response) == ("99.999.999.999.999.999.999 nằm ngoài khoảng cho phép: từ -1.000 đến 1.000, nhiều nhất hai "
                                "chữ số thập phân.")
    # Titles by their line on the page, counted from 1, blank lines included.
    response = scheme_save(client, record, titles="co-thi-dua-ubnd-tinh | Cờ\n\n | Không mã\nx | " + "y" * 301)
    assert errors(response) == "Dòng 3: mỗi danh hiệu cần có mã và tên. Dòng 4: tối đa 300 ký tự (hiện có 301)."
    shown = errors(scheme_save(client, record, task_completed_well="3", measure_not_met="9"))
    assert shown == ("Đạt (8) được ít điểm hơn Không đạt (9). "
                     "Hoàn thành tốt nhiệm vụ (3) được ít điểm hơn Hoàn thành nhiệm vụ (4).")
    assert not re.search(r"measure_points|task_points|titles\[|flag_title|certificates:|'", shown)
    record.refresh_from_db()
    assert record.data == before


def test_a_programme_files_scheme_problems_keep_the_jsons_keys():
    from targets.scoring import Scheme, SchemeError

    with pytest.raises(SchemeError) as problem:
        Scheme.from_dict({"measure_points": {"exceeded": "5", "met": "8", "not_met": "2000", "no_figure": "0"},
                          "task_points": {"completed_well": "5", "completed": "4", "not_completed": "0"},
                          "titles": [{"code": "a", "name": "A"}, {"name": "B"}], "flag_title": "b"})
    assert problem.value.errors == [
        "measure_points.not_met: '2000' is out of range: between -1000 and 1000, with at most two decimals.",
        "measure_points: exceeded (5) earns fewer points than met (8).",
        "titles[1]: each title needs a code and a name.",
        "flag_title: 'b' is not one of the titles."]


def test_a_title_line_with_a_bar_in_its_name_is_refused_not_split(client, admin_user, programme):
    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    before = copy.deepcopy(record.data)
    titles = "co-thi-dua-ubnd-tinh | Cờ thi đua của UBND tỉnh\nnew | Danh hiệu A|B | Title A|B"
    response = scheme_save(client, record, titles=titles)
    assert response.status_code == 200
    assert errors(response) == ("Dòng 2: mỗi danh hiệu ghi là mã | tên | tên tiếng Anh; tên không được chứa dấu “|”.")
    record.refresh_from_db()
    assert record.data == before


@pytest.mark.parametrize("line, message", [
    ("mã có dấu | Tên", "Dòng 4: mã «mã có dấu»: chỉ dùng chữ cái không dấu, chữ số, “-” hoặc “_”."),
    ("ma co space | Tên", "Dòng 4: mã «ma co space»: chỉ dùng chữ cái không dấu, chữ số, “-” hoặc “_”."),
    ("x<b>y</b> | Tên", "Dòng 4: mã «x<b>y</b>»: chỉ dùng chữ cái không dấu, chữ số, “-” hoặc “_”."),
    ("TAP-THE-LDXS | Tên", "Dòng 4: mã «TAP-THE-LDXS» đã là mã của một danh hiệu khác (kể cả khi chỉ khác chữ hoa, chữ "
                          "thường): các mã không được trùng nhau."),
])
def test_a_title_code_is_letters_without_accents_digits_and_dashes_unique_in_any_case(client, admin_user, programme,
                                                                                     line, message):
    from targets.admin import ScoringSchemeForm

    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    before = copy.deepcopy(record.data)
    response = scheme_save(client, record, titles=ScoringSchemeForm._initial_of(before)["titles"] + "\n" + line)
    assert response.status_code == 200
    assert errors(response) == message
    record.refresh_from_db()
    assert record.data == before


def test_certificates_are_typed_as_the_other_numbers(client, admin_user, programme):
    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    response = scheme_save(client, record, certificates="2,5")
    assert response.status_code == 200 and errors(response) == "Một số nguyên, từ 0 trở lên."
    response = scheme_save(client, record, certificates="2.5")
    assert response.status_code == 200 and "Nếu ý bạn là 2,5 hãy nhập 2,5." in errors(response)
    assert scheme_save(client, record, certificates="3,0").status_code == 302
    record.refresh_from_db()
    assert record.data["certificates"] == 3


def test_the_english_scheme_page_names_measures_and_titles_in_english(client, admin_user, programme):
    from django.conf import settings

    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    record = ScoringScheme.objects.get(campaign=programme)
    page = html.unescape(client.get(reverse("admin:targets_scoringscheme_change", args=[record.pk])).content.decode())
    ticked = re.findall(r'<input type="checkbox" name="key_measures" value="3"[^>]*checked>\s*([^<]*)<', page)
    assert [label.strip() for label in ticked] == ["3 · State budget revenue in the province"]
    assert '<option value="co-thi-dua-ubnd-tinh" selected>Provincial emulation flag</option>' in page


@pytest.mark.parametrize("stamp", ["[" * 100000, "{", "null", '"x"', "1e999"], ids=["deep", "cut", "null", "text", "huge"])
def test_a_scheme_page_posted_with_a_stamp_it_did_not_write_is_still_answered(client, admin_user, programme, stamp):
    # The hidden copy of the scheme as the page showed it, replaced by anything: compared with the
    # stored scheme instead, never a server error (a JSON nested past Python's depth was one).
    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    response = admin_save(client, "scoringscheme", record.pk, shown=stamp, note="Ghi chú của kỳ họp")
    assert response.status_code == 302
    assert ScoringScheme.objects.get(pk=record.pk).data["note"] == "Ghi chú của kỳ họp"


def test_the_whole_a_score_is_out_of_is_a_box_and_the_ranking_scales_to_it(client, admin_user, demo):
    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign__year=2024)
    page = client.get(reverse("admin:targets_scoringscheme_change", args=[record.pk])).content.decode()
    assert "Thang điểm" in page and "quy đổi ra thang 100" in page
    refused = scheme_save(client, record, score_out_of="0")
    assert refused.status_code == 200 and "0: thang điểm phải lớn hơn 0 (chẳng hạn 100)" in html.unescape(errors(refused))
    assert scheme_save(client, record, score_out_of="100").status_code == 302
    record.refresh_from_db()
    assert record.data["score_out_of"] == "100"
    result = ranking.judge(record.campaign, record)
    for bloc in result.blocs:
        for unit in bloc.units:
            scale = [line for line in unit.lines if line.kind == "scale"]
            # One scale line where anything is scaled (none for a unit with nothing to score).
            assert len(scale) == any(line.kind in ("measure", "task", "on_time", "complete") for line in unit.lines)
            assert unit.score == sum(line.points for line in unit.lines)
            earned = unit.score - sum(line.points for line in unit.lines if line.kind in ("bonus", "deduction"))
            assert Decimal(0) <= earned <= Decimal(100)
    page = client.get(reverse("ranking-unit", args=["024"]), {"year": 2024}).content.decode()
    assert "Quy đổi ra thang 100 điểm" in page and "điểm tối đa của các dòng trên" in page
    assert scheme_save(client, record, score_out_of="").status_code == 302
    record.refresh_from_db()
    assert "score_out_of" not in record.data
    # Beside it, the most a unit's bonuses add up to.
    assert scheme_save(client, record, bonus_max="15").status_code == 302
    record.refresh_from_db()
    assert record.data["bonus_max"] == "15" and record.scheme().bonus_max == Decimal(15)


def test_a_flag_minimum_no_unit_can_reach_is_refused_with_the_most_a_unit_can_score(client, admin_user, programme):
    """Probe A F5: out of 100 with bonuses of at most 15, a minimum of 150 bars every unit from the flag."""
    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    before = copy.deepcopy(record.data)
    response = scheme_save(client, record, score_out_of="100", bonus_max="15", flag_min_score="150")
    assert response.status_code == 200
    assert errors(response) == ("150 cao hơn số điểm cao nhất một đơn vị có thể đạt: 115 (thang điểm 100 cộng điểm thưởng "
                                "nhiều nhất 15), nên không đơn vị nào được đề nghị Cờ thi đua.")
    record.refresh_from_db()
    assert record.data == before
    assert scheme_save(client, record, score_out_of="100", bonus_max="15", flag_min_score="115").status_code == 302
