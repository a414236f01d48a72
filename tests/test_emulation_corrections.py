"""Corrections of the secretariat's year-end work, from the outside: a withdrawn proposal gives its
place to the next unit; a bonus's "same reason" is the same whatever its case or spacing; a
registration made on paper before the deadline is recorded after it; a pledge of no commitment is
refused."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from targets.models import Proposal, Registration, Unit
from tests import test_emulation_pages as pages
from tests.test_emulation_pages import close, login, text
from tests.test_ranking import FLAG, pledge, send

_year_rows, year, users = pages._year_rows, pages.year, pages.users


def _three_contenders(programme):
    """Besides Hà Giang city (rank 1, flag) and Đồng Văn (barred): Mèo Vạc and Yên Minh exceed their
    pledges and registered for the flag, Mèo Vạc reporting late once, Yên Minh twice."""
    for code, late in (("027", {4}), ("028", {3, 4})):
        pledge(programme, code, "3", "100")
        for q in range(1, 5):
            send(programme, code, q, {"3": "30"}, days_before_deadline=-5 if q in late else 3)
        Registration.objects.create(campaign=programme, unit=Unit.objects.get(code=code), title=FLAG)


def _proposals():
    return {(p.unit.code, p.kind): p.state for p in Proposal.objects.filter(unit__bloc__code="KHOI-HUYEN")}


def _draft(client):
    return html.unescape(text(client.post(reverse("proposals") + "?year=2024", {"action": "draft"}, follow=True)))


def _set_state(client, proposal, state, why):
    form = {"proposal": proposal.pk, "reason": proposal.reason, "state": state, "decision_number": "", "decision_date": "",
            "decided_by": "", "why": why, "version": proposal.version}
    return client.post(reverse("proposals") + "?year=2024", form, follow=True)


# --- (B4) a withdrawn proposal holds no place ---------------------------------------------------------


def test_a_withdrawn_flag_gives_its_place_to_the_next_eligible_unit_and_stays_listed_with_its_reason(client, year, users):
    _three_contenders(year)
    close(year, users)
    login(client, users["reviewer"])
    # Ranked 024, 027, 028 (all eligible), then 026 (barred); two certificates a bloc.
    assert "Đã lập 3 đề nghị" in _draft(client)
    drafted = {("024", "flag"): "draft", ("027", "certificate"): "draft", ("028", "certificate"): "draft"}
    assert _proposals() == drafted
    # Drafting again without a withdrawal changes nothing.
    assert "Đã lập 0 đề nghị" in _draft(client) and _proposals() == drafted

    # A fault found after the close: the city's flag is withdrawn.
    flag = Proposal.objects.get(unit__code="024", kind="flag")
    _set_state(client, flag, "withdrawn", "Phát hiện vi phạm an toàn thực phẩm sau khi khóa sổ")
    page = _draft(client)
    assert "Đã lập 2 đề nghị" in page
    # The next eligible unit (Mèo Vạc) is proposed for the flag, said to be instead of the withdrawn one;
    # its draft certificate gives way, and the certificates go on by rank (Yên Minh kept, Đồng Văn next).
    # The city is not moved down to a certificate: its flag's withdrawal keeps the flag's place.
    assert _proposals() == {("024", "flag"): "withdrawn", ("027", "flag"): "draft", ("027", "certificate"): "withdrawn",
                            ("028", "certificate"): "draft", ("026", "certificate"): "draft"}
    new_flag = Proposal.objects.get(unit__code="027", kind="flag")
    assert new_flag.rank == 2 and new_flag.reason.startswith("Dẫn đầu khối trong các đơn vị đủ điều kiện: hạng 2, ")
    assert "thay đề nghị đã rút của" in new_flag.reason
    # The withdrawn flag stays listed, withdrawn, with why; so does the certificate that gave way.
    assert "Phát hiện vi phạm an toàn thực phẩm sau khi khóa sổ" in page
    assert "Được đề nghị Cờ thi đua thay cho đề nghị này" in page
    assert page.count("Đã rút lúc") == 2
    assert "đơn vị này không được đề nghị lại danh hiệu này" in page
    # Drafting once more proposes nobody again, the withdrawn unit least of all.
    before = _proposals()
    assert "Đã lập 0 đề nghị" in _draft(client) and _proposals() == before

    # A certificate withdrawn: the next ranked unit takes it; here none is left to commend (the
    # other districts sent no report), so nothing is added and the withdrawn one is not put back.
    certificate = Proposal.objects.get(unit__code="028", kind="certificate")
    _set_state(client, certificate, "withdrawn", "Đơn vị xin rút")
    assert "Đã lập 0 đề nghị" in _draft(client)
    assert _proposals()[("028", "certificate")] == "withdrawn"


def test_a_withdrawn_proposal_is_not_put_back_while_the_one_drafted_in_its_place_stands(client, year, users):
    _three_contenders(year)
    close(year, users)
    login(client, users["reviewer"])
    _draft(client)
    _set_state(client, Proposal.objects.get(unit__code="024", kind="flag"), "withdrawn", "Phát hiện vi phạm sau khi khóa sổ")
    _draft(client)  # Mèo Vạc's flag in its place; Mèo Vạc's certificate gives way to Đồng Văn's
    mistaken = Proposal.objects.get(unit__code="024", kind="flag")
    page = html.unescape(text(_set_state(client, mistaken, "draft", "Rút nhầm")))
    assert "027 · Mèo Vạc đã được đề nghị thay cho đề nghị đã rút này và chưa bị rút" in page, page
    assert "Hãy rút đề nghị đó trước." in page
    # The certificate that gave way is not put back beside the certificate drafted in its place either.
    page = html.unescape(text(_set_state(client, Proposal.objects.get(unit__code="027", kind="certificate"), "draft", "Nhầm")))
    assert "026 · Đồng Văn đã được đề nghị thay cho đề nghị đã rút này" in page, page
    assert _proposals() == {("024", "flag"): "withdrawn", ("027", "flag"): "draft", ("027", "certificate"): "withdrawn",
                            ("028", "certificate"): "draft", ("026", "certificate"): "draft"}
    # Once the flag drafted in its place is withdrawn, the city's may be put back.
    _set_state(client, Proposal.objects.get(unit__code="027", kind="flag"), "withdrawn", "Đề nghị lại cho thành phố")
    _set_state(client, Proposal.objects.get(unit__code="024", kind="flag"), "draft", "Rút nhầm")
    assert _proposals()[("024", "flag")] == "draft"


def test_a_certificate_that_gave_way_to_the_flag_says_why_in_the_pages_language(client, year, users):
    _three_contenders(year)
    close(year, users)
    login(client, users["reviewer"])
    _draft(client)
    _set_state(client, Proposal.objects.get(unit__code="024", kind="flag"), "withdrawn", "Phát hiện vi phạm sau khi khóa sổ")
    _draft(client)
    unit_page = reverse("ranking-unit", args=["027"]) + "?year=2024"
    assert "Được đề nghị Cờ thi đua thay cho đề nghị này" in html.unescape(text(client.get(unit_page)))
    client.cookies["django_language"] = "en"
    for page in (html.unescape(text(client.get(reverse("proposals") + "?year=2024"))), html.unescape(text(client.get(unit_page)))):
        assert "Proposed for the emulation flag instead" in page
        assert "Được đề nghị Cờ thi đua thay cho đề nghị này" not in page


def test_a_withdrawn_certificate_gives_its_place_to_the_next_ranked_unit(client, year, users):
    _three_contenders(year)
    close(year, users)
    login(client, users["reviewer"])
    _draft(client)
    _set_state(client, Proposal.objects.get(unit__code="027", kind="certificate"), "withdrawn", "Đơn vị bị kỷ luật")
    assert "Đã lập 1 đề nghị" in _draft(client)
    assert _proposals() == {("024", "flag"): "draft", ("027", "certificate"): "withdrawn", ("028", "certificate"): "draft",
                            ("026", "certificate"): "draft"}
    # The one drafted in its place says whose place it takes, as a flag drafted so does; the others are as they were.
    assert Proposal.objects.get(unit__code="026", kind="certificate").reason.endswith("; thay đề nghị đã rút của Huyện Mèo Vạc")
    assert "thay đề nghị" not in Proposal.objects.get(unit__code="028", kind="certificate").reason


# --- (B8) the same reason, whatever its case and spaces ---------------------------------------------


def test_a_bonus_for_the_same_reason_in_another_case_spacing_or_unicode_form_is_refused(client, year, users):
    import unicodedata

    from targets.models import ScoreAdjustment

    login(client, users["reviewer"])
    url = reverse("adjustments") + "?year=2024"
    meo_vac = Unit.objects.get(code="027")
    form = {"unit": meo_vac.pk, "kind": "bonus", "points": "10", "reason": "Được tặng Cờ thi đua của UBND tỉnh năm 2023",
            "evidence": "QĐ 12/QĐ-UBND"}
    assert "Đã lưu." in text(client.post(url, form, follow=True))
    for reason in ("Được tặng cờ thi đua của UBND tỉnh năm 2023",  # case only
                   "Được  tặng Cờ thi đua   của UBND tỉnh năm 2023 ",  # doubled spaces
                   "ĐƯỢC TẶNG CỜ THI ĐUA CỦA UBND TỈNH NĂM 2023",
                   unicodedata.normalize("NFD", "Được tặng Cờ thi đua của UBND tỉnh năm 2023")):  # letters typed decomposed
        page = html.unescape(text(client.post(url, {**form, "reason": reason}, follow=True)))
        assert "Huyện Mèo Vạc đã có một khoản điểm thưởng với lý do này; chưa thêm gì." in page, reason
    assert list(ScoreAdjustment.objects.filter(unit=meo_vac).values_list("points", flat=True)) == [10]
    # Another reason is another entry; the same reason as a deduction too.
    client.post(url, {**form, "points": "5", "reason": "Được tặng Cờ thi đua của Bộ Công an năm 2023"})  # 15 in all: the most
    client.post(url, {**form, "kind": "deduction", "points": "1", "reason": "được tặng cờ thi đua của UBND tỉnh năm 2023"})
    assert ScoreAdjustment.objects.filter(unit=meo_vac).count() == 3


def test_the_admin_refuses_the_same_reason_in_another_case_and_an_edit_of_the_entry_itself_is_no_duplicate(client, year, users):
    from targets.models import ScoreAdjustment
    from tests.test_admin_emulation_rules import admin_save, errors

    client.force_login(users["admin"])
    meo_vac = Unit.objects.get(code="027")
    fields = {"campaign": year.pk, "unit": meo_vac.pk, "kind": "bonus", "points": "10", "evidence": "QĐ 12/QĐ-UBND"}
    assert admin_save(client, "scoreadjustment", reason="Được tặng Cờ thi đua của UBND tỉnh năm 2023", **fields).status_code == 302
    refused = admin_save(client, "scoreadjustment", reason="được tặng cờ thi đua  của UBND tỉnh năm 2023", **fields)
    assert "Huyện Mèo Vạc đã có một khoản điểm thưởng với lý do này" in errors(refused)
    assert ScoreAdjustment.objects.filter(unit=meo_vac).count() == 1
    bonus = ScoreAdjustment.objects.get(unit=meo_vac)
    assert admin_save(client, "scoreadjustment", bonus.pk, points="8", why="Hội đồng điều chỉnh").status_code == 302
    assert ScoreAdjustment.objects.get(unit=meo_vac).points == 8


# --- (B12) a registration made by the deadline, recorded after it --------------------------------------


def _register(client, unit, **more):
    data = {"unit": unit.pk, "title": FLAG, "registered": "1", **more}
    return html.unescape(text(client.post(reverse("registrations") + "?year=2024", data, follow=True)))


def test_after_the_deadline_the_secretariat_records_a_registration_dated_by_it_and_no_later_one(client, year, users):
    import datetime

    from targets.models import ScoringScheme

    record = ScoringScheme.objects.get(campaign=year)
    record.data = {**record.data, "registration_until": "2024-03-31"}
    record.save()
    login(client, users["reviewer"])
    meo_vac, yen_minh = Unit.objects.get(code="027"), Unit.objects.get(code="028")
    # The page still offers the form to the secretariat, and says the rule.
    page = html.unescape(text(client.get(reverse("registrations"), {"year": 2024})))
    assert 'name="registered_on"' in page
    assert "Các đơn vị đăng ký đến hết ngày 31/03/2024." in page
    # Made on paper on 15 February, typed in now: recorded.
    page = _register(client, meo_vac, registered_on="15/02/2024")
    assert "đăng ký Cờ thi đua của UBND tỉnh ngày 15/02/2024." in page and "Đã hết hạn" not in page
    assert Registration.objects.get(unit=meo_vac, title=FLAG).registered_on == datetime.date(2024, 2, 15)
    # The deadline's own day is in time.
    _register(client, yen_minh, registered_on="31/03/2024")
    assert Registration.objects.get(unit=yen_minh, title=FLAG).registered_on == datetime.date(2024, 3, 31)
    # Made after the deadline: refused, the deadline named; so is a correction of a day to after it.
    Registration.objects.filter(unit=yen_minh).delete()
    page = _register(client, yen_minh, registered_on="01/04/2024")
    assert "Ngày 01/04/2024 là sau hạn đăng ký 31/03/2024: không nhận đăng ký sau hạn." in page
    assert not Registration.objects.filter(unit=yen_minh).exists()
    page = _register(client, meo_vac, registered_on="02/04/2024")
    assert "Ngày 02/04/2024 là sau hạn đăng ký 31/03/2024" in page
    assert Registration.objects.get(unit=meo_vac, title=FLAG).registered_on == datetime.date(2024, 2, 15)
    # No day typed is a registration made today: on 1 June 2024, after the deadline, refused and the way said.
    import pytest

    from targets import commendation

    with pytest.raises(commendation.Refused) as refused:
        commendation.set_registration(year, unit=yen_minh, title=FLAG, registered=True, user=users["reviewer"],
                                      today=datetime.date(2024, 6, 1))
    assert refused.value.message == ("Đã hết hạn đăng ký từ ngày 31/03/2024. Đăng ký mà đơn vị đã làm trước hạn được ghi nhận "
                                     "theo ngày đơn vị đăng ký: bạn hãy nhập ngày đó.")
    assert not Registration.objects.filter(unit=yen_minh).exists()
    # Once the year is closed nothing is recorded any more.
    close(year, users)
    page = _register(client, yen_minh, registered_on="15/02/2024")
    assert not Registration.objects.filter(unit=yen_minh).exists()


def test_a_bonus_over_the_most_the_scheme_allows_a_unit_is_refused_on_the_page_and_in_the_admin(client, year, users):
    """A 10 typed as 100 would decide the ranking: with the scheme's most of 15, the page and the
    admin refuse what would take a unit's bonuses over it, and say so; the rules say it too."""
    from targets.models import ScoreAdjustment, ScoringScheme

    record = ScoringScheme.objects.get(campaign=year)
    ScoringScheme.objects.filter(pk=record.pk).update(data={**record.data, "bonus_max": "15"})
    login(client, users["reviewer"])
    url = reverse("adjustments") + "?year=2024"
    meo_vac = Unit.objects.get(code="027")
    form = {"unit": meo_vac.pk, "kind": "bonus", "points": "10", "reason": "Cờ thi đua của Bộ Công an năm 2023", "evidence": "QĐ 1"}
    assert "Đã lưu." in text(client.post(url, form, follow=True))
    page = html.unescape(text(client.post(url, {**form, "points": "100", "reason": "Cờ thi đua của UBND tỉnh năm 2023"}, follow=True)))
    assert ("Điểm thưởng của Huyện Mèo Vạc sẽ cộng lại thành 110 điểm, vượt mức tối đa thang điểm cho phép mỗi đơn vị là 15: "
            "chưa thêm gì.") in page
    assert "Đã lưu." in text(client.post(url, {**form, "points": "5", "reason": "Cờ thi đua của UBND tỉnh năm 2023"}, follow=True))
    client.post(url, {**form, "kind": "deduction", "points": "3", "reason": "Báo cáo chậm"})  # deductions are not bonuses
    assert sorted(ScoreAdjustment.objects.filter(unit=meo_vac).values_list("kind", "points")) == [
        ("bonus", 5), ("bonus", 10), ("deduction", 3)]
    with pytest.raises(ValidationError) as refused:  # the admin's form shows the model's errors
        ScoreAdjustment(campaign=year, unit=meo_vac, kind="bonus", points=1, reason="Khác").full_clean()
    assert "vượt mức tối đa thang điểm cho phép mỗi đơn vị là 15" in str(refused.value.message_dict["points"])
    rules = html.unescape(text(login(client, users["viewer"]).get(reverse("ranking"), {"year": 2024})))
    assert "điểm thưởng của một đơn vị được tính tối đa 15 điểm" in rules
