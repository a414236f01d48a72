"""The emulation's data edited in the Django admin keeps the rules the site's own pages keep: what
an admin is told on the (Vietnamese) admin page, and that nothing was saved."""

import html
import json
import re

import pytest
from django.urls import reverse

from targets import ranking
from targets.models import BlocMembership, EmulationBloc, Proposal, Registration, ScoreAdjustment, ScoringScheme, Unit
from tests.formdata import form_data


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
    assert not ScoreAdjustment.objects.filter(unit=dong_van).exists()

    response = admin_save(client, "scoreadjustment", campaign=programme.pk, unit=dong_van.pk, kind="deduction", points="2,5",
                          reason="Vi phạm", bars_flag="on")
    assert response.status_code == 302
    assert list(ScoreAdjustment.objects.filter(unit=dong_van).values_list("kind", "bars_flag")) == [("deduction", True)]


def test_a_decided_proposal_keeps_the_rules_of_the_proposals_page(client, admin_user, programme):
    client.force_login(admin_user)
    dong_van = Unit.objects.get(code="026")
    response = admin_save(client, "proposal", campaign=programme.pk, unit=dong_van.pk, kind="flag", reason="x", state="awarded",
                          rank="0", score="-5", decision_date="01/01/1990")
    assert response.status_code == 200
    shown = errors(response)
    assert "Quyết định khen thưởng thi đua năm 2024 phải đề ngày từ 01/01/2025 (sau năm được đánh giá) đến hôm nay." in shown
    assert shown.count("Quyết định của Hội đồng cần có số, ngày và người ký.") == 2  # number and signatory
    assert "Điểm của đề nghị không thể âm." in shown
    assert "Hạng từ 1 trở lên." in shown
    assert not Proposal.objects.exists()

    response = admin_save(client, "proposal", campaign=programme.pk, unit=dong_van.pk, kind="flag", reason="x", state="awarded",
                          rank="1", score="52", decision_date="15/01/2025", decision_number="12/QĐ-UBND",
                          decided_by="Chủ tịch UBND tỉnh")
    assert response.status_code == 302
    assert Proposal.objects.get().decision_number == "12/QĐ-UBND"


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


# --- the scoring scheme's JSON (F8) ---------------------------------------------------------------------


@pytest.mark.parametrize("change, message", [
    ({"key_measures": ["3", "6", "1l"]}, "key_measures: '1l' không phải là mã chỉ tiêu đo của chương trình."),
    ({"annual_measures": ["6", "99"]}, "annual_measures: '99' không phải là mã chỉ tiêu đo của chương trình."),
    ({"flag_requires_full_year": "false"},
     "flag_requires_full_year: ghi true hoặc false (không có dấu ngoặc kép), không phải 'false'."),
    ({"measure_points": {"exceeded": "-10", "met": "-8", "not_met": "2", "no_figure": "0"}},
     "measure_points.exceeded: -10 là số âm; điểm đơn vị đạt được phải từ 0 trở lên. "
     "measure_points.met: -8 là số âm; điểm đơn vị đạt được phải từ 0 trở lên."),
    ({"measure_points": {"exceeded": "5", "met": "8", "not_met": "2", "no_figure": "0"}},
     "measure_points: exceeded (5) được ít điểm hơn met (8)."),
    ({"task_points": {"completed_well": "5", "completed": "4", "not_completed": "1e12"}},
     "task_points.not_completed: '1e12' nằm ngoài khoảng cho phép: từ -1000 đến 1000, nhiều nhất hai chữ số thập phân."),
    ({"reporting_points": {"on_time": "-2", "complete": "1"}},
     "reporting_points.on_time: -2 là số âm; điểm đơn vị đạt được phải từ 0 trở lên."),
    ({"certificates": 10**12}, "certificates: 1000000000000 là quá nhiều; mỗi khối nhiều nhất 100."),
    # What only the programme knows: its year, and which measures are pledged.
    ({"registration_until": "2025-03-31"},
     "registration_until: ngày 31/03/2025 không thuộc năm 2023 hoặc 2024, khi các đơn vị đăng ký thi đua năm 2024."),
    ({"key_measures": ["3", "15"]}, "key_measures: 15 được đánh giá bằng lời, không có giao ước nên không bao giờ loại được "
                                    "đơn vị nào; hãy chọn các chỉ tiêu có số liệu."),
])
def test_a_scheme_the_ranking_would_misread_is_refused_naming_its_key(client, admin_user, programme, change, message):
    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    before = dict(record.data)
    response = admin_save(client, "scoringscheme", record.pk, data=json.dumps({**before, **change}, ensure_ascii=False))
    assert response.status_code == 200
    assert errors(response) == message
    record.refresh_from_db()
    assert record.data == before


def test_a_scheme_with_an_invisible_character_or_an_endless_title_is_refused_naming_its_key(client, admin_user, programme):
    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    before = dict(record.data)
    titles = [{**before["titles"][0], "name": "Cờ " + "x" * 400}, *before["titles"][1:]]
    # "\u0000" in the JSON: PostgreSQL's JSON cannot hold it (it was a server error).
    response = admin_save(client, "scoringscheme", record.pk, data=json.dumps({**before, "note": "a\x00b", "titles": titles},
                                                                              ensure_ascii=False))
    assert response.status_code == 200
    assert errors(response) == ("note: hãy xóa các ký tự điều khiển vô hình (ví dụ do dán từ chương trình khác). "
                                "titles[0].name: tối đa 300 ký tự (hiện có 403).")
    record.refresh_from_db()
    assert record.data == before
    # A lone surrogate ("\ud800" in the JSON) is no character: said the same way, not a server error.
    response = admin_save(client, "scoringscheme", record.pk, data=json.dumps({**before, "note": "a\ud800b"}))
    assert response.status_code == 200 and "note: hãy xóa các ký tự điều khiển vô hình" in errors(response)


def test_malformed_json_is_refused_in_vietnamese(client, admin_user, programme):
    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    response = admin_save(client, "scoringscheme", record.pk, data='{"measure_points": {"exceeded": 10}')
    assert response.status_code == 200
    assert errors(response) == "Nhập một JSON hợp lệ."


def test_a_good_scheme_is_saved_and_penalties_stay_allowed(client, admin_user, programme):
    client.force_login(admin_user)
    record = ScoringScheme.objects.get(campaign=programme)
    changed = {**record.data, "measure_points": {"exceeded": "10", "met": "8", "not_met": "-1", "no_figure": "-2"},
               "flag_requires_full_year": False, "flag_min_score": "40", "certificates": 3}
    response = admin_save(client, "scoringscheme", record.pk, data=json.dumps(changed, ensure_ascii=False))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.data == changed


def test_a_scheme_saved_before_the_stricter_checks_still_ranks(programme):
    # Refused when saved from now on, but a year's stored scheme keeps being read as it was.
    ScoringScheme.objects.filter(campaign=programme).update(
        data={**ScoringScheme.objects.get(campaign=programme).data, "certificates": 500, "key_measures": ["3", "1l"]})
    assert ranking.build_ranking(programme).blocs


def test_a_deduction_changed_in_the_admin_says_why_in_its_history(client, admin_user, programme):
    client.force_login(admin_user)
    dong_van = Unit.objects.get(code="026")
    assert admin_save(client, "scoreadjustment", campaign=programme.pk, unit=dong_van.pk, kind="deduction", points="3",
                      reason="Vi phạm quy định báo cáo").status_code == 302
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
