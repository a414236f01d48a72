"""The ranking read from the database: the programme's default scheme, pledges judged by the
progress engine, reports on time and complete, bonuses, registrations, provisional → final."""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone

from targets import commendation, ranking
from targets.models import (
    BlocMembership,
    Campaign,
    EmulationBloc,
    Figure,
    Measure,
    Pledge,
    Proposal,
    Registration,
    ScoreAdjustment,
    ScoringScheme,
    Submission,
    Unit,
)
from targets.programme import ProgrammeError, load_programme, read_programme
from tests.conftest import PROGRAMME

FLAG = "co-thi-dua-ubnd-tinh"


def send(campaign, code, quarter, values, state=Submission.State.APPROVED, days_before_deadline=3):
    unit = Unit.objects.get(code=code)
    due = campaign.default_deadline(quarter)
    sent = timezone.make_aware(datetime.datetime.combine(due - datetime.timedelta(days=days_before_deadline), datetime.time(9)))
    submission = Submission.objects.create(campaign=campaign, unit=unit, quarter=quarter, state=state, submitted_at=sent)
    for measure_code, value in values.items():
        Figure.objects.create(submission=submission, measure=Measure.objects.get(campaign=campaign, code=measure_code), value=D(value))
    return submission


def pledge(campaign, code, measure_code, target):
    return Pledge.objects.create(unit=Unit.objects.get(code=code), measure=Measure.objects.get(campaign=campaign, code=measure_code),
                                 target=D(target), signed_on=datetime.date(2024, 1, 15), document="GUTĐ 01/2024")


def test_the_programme_file_gives_each_campaign_its_default_scheme(programme):
    record = ScoringScheme.objects.get(campaign=programme)
    scheme = record.scheme()
    assert scheme.measure_points["exceeded"] == D(10) and scheme.certificates == 2
    assert scheme.flag_title == FLAG and scheme.key_measures == {"3", "6", "11"}
    assert not record.is_final


def test_reloading_the_file_never_overwrites_the_scheme_an_admin_edited(programme):
    record = ScoringScheme.objects.get(campaign=programme)
    record.data = {**record.data, "certificates": 5}
    record.save()
    load_programme(read_programme(PROGRAMME))
    record.refresh_from_db()
    assert record.data["certificates"] == 5


def test_a_bad_scoring_section_is_refused_with_every_problem(db):
    data = read_programme(PROGRAMME)
    data["scoring"] = {**data["scoring"], "key_measures": ["99"], "certificates": "two"}
    with pytest.raises(ProgrammeError) as problem:
        load_programme(data)
    assert "Scoring scheme: certificates: a whole number, 0 or more." in problem.value.errors
    assert not ScoringScheme.objects.exists()


def test_the_scheme_is_checked_when_an_admin_saves_it(programme):
    from django.core.exceptions import ValidationError

    record = ScoringScheme.objects.get(campaign=programme)
    record.data = {"measure_points": {}}
    with pytest.raises(ValidationError) as problem:
        record.full_clean()
    assert "measure_points: thiếu exceeded, met, not_met, no_figure." in problem.value.message_dict["data"]


@pytest.fixture
def districts(programme):
    """Two districts with pledges on budget revenue: Hà Giang city exceeds its own, Đồng Văn does not."""
    pledge(programme, "024", "3", "250")
    pledge(programme, "026", "3", "100")
    for q, (city, dong_van) in enumerate([("60", "20"), ("70", "20"), ("60", "20"), ("70", "20")], start=1):
        send(programme, "024", q, {"3": city})
        send(programme, "026", q, {"3": dong_van}, days_before_deadline=-5 if q == 2 else 3)  # Q2 five days late
    Registration.objects.create(campaign=programme, unit=Unit.objects.get(code="024"), title=FLAG)
    # Scored as the lines' sums, bonuses unlimited, worked out by hand below; the programme's default scores out of 100
    # (test_the_programmes_default_scheme_scores_out_of_100_and_ranks_on_how_well_each_did_what_it_was_asked).
    record = ScoringScheme.objects.get(campaign=programme)
    ScoringScheme.objects.filter(pk=record.pk).update(  # as loaded: no history of its own
        data={**record.data, "score_out_of": None, "bonus_max": None})
    return programme


def test_the_programmes_default_scheme_scores_out_of_100_and_ranks_on_how_well_each_did_what_it_was_asked(programme):
    """The city pledged budget revenue and exceeded it; Đồng Văn pledged it and tourism too and
    missed tourism. As raw sums Đồng Văn's extra line would count for it (10 + 2 against 10); out
    of 100 each is scored on what it was asked: the city above."""
    from targets.scoring import Scheme

    assert Scheme.from_dict(read_programme(PROGRAMME)["scoring"]).score_out_of == 100
    pledge(programme, "024", "3", "250")
    pledge(programme, "026", "3", "100")
    pledge(programme, "026", "4", "100000")
    for q, city in enumerate(["60", "70", "60", "70"], start=1):
        send(programme, "024", q, {"3": city})
        send(programme, "026", q, {"3": "30", "4": "1000"})
    bloc = next(b for b in ranking.build_ranking(programme).blocs if b.code == "KHOI-HUYEN")
    for unit in (bloc.unit("024"), bloc.unit("026")):
        scale = next(line for line in unit.lines if line.kind == "scale")
        scored = [line for line in unit.lines if line.kind in ("measure", "task", "on_time", "complete")]
        earned = sum(line.points for line in scored)
        assert scale.points == (earned * 100 / scale_most(scored)).quantize(D("0.01")) - earned
        assert unit.score == sum(line.points for line in unit.lines) <= 100
    assert bloc.unit("024").rank < bloc.unit("026").rank


def scale_most(lines) -> D:
    """The most the lines could earn under the programme's default points (exceeded 10, completed well
    5, on time 2, complete 1)."""
    return sum(D({"measure": 10, "task": 5, "on_time": 2, "complete": 1}[line.kind]) for line in lines)


def test_each_district_is_scored_on_its_own_pledge_and_its_reports(districts):
    result = ranking.build_ranking(districts)
    bloc = next(b for b in result.blocs if b.code == "KHOI-HUYEN")
    city, dong_van = bloc.unit("024"), bloc.unit("026")
    # City: 260 of a pledged 250 → exceeded, 10; four reports on time, 4 × 2; none complete (it sent only measure 3).
    assert city.lines[0].verdict("vi") == "Vượt kế hoạch" and city.lines[0].points == D(10)
    assert city.lines[0].note("vi") == "Cả năm: 260,0 / 250 tỷ đồng = 104,0 % giao ước → vượt kế hoạch"
    assert city.score == D(18) and city.rank == 1
    # Đồng Văn: 80 of a pledged 100 → not met, 2; Q2 late → three reports on time, 3 × 2.
    assert dong_van.score == D(8) and dong_van.rank == 2
    # It reports key measures 6 and 11 as well and pledged neither: each bars the flag too.
    assert [b.text("en") for b in dong_van.bars][:4] == ["Key measure 3 not met", "No emulation pledge for key measure 6 (provisional)",
                                                         "No emulation pledge for key measure 11 (provisional)",
                                                         "Not registered for “Provincial emulation flag”"]
    # The nine districts that sent nothing share the next rank, barred from the flag for it.
    assert sorted({u.rank for u in bloc.units}) == [1, 2, 3]
    assert sum(1 for u in bloc.units if u.rank == 3) == 9
    assert all("No report sent for the period" in [b.text("en") for b in u.bars] for u in bloc.units if u.rank == 3)
    assert not city.nothing_to_commend and not dong_van.nothing_to_commend
    complete_q1 = next(line for line in city.lines if line.kind == "complete" and line.item == "1")
    # 6 is annual: not expected before Q4; task 2.7, which the city answers for, was not assessed.
    assert complete_q1.verdict("vi") == "Thiếu: 4, 10, 11, 14a, 14b, 14c, 2.7"


def test_a_unit_is_barred_from_the_flag_by_each_key_measure_it_reports_and_did_not_pledge(districts):
    # The city pledged budget revenue (3) only, exceeded it and registered for the flag; it also
    # reports key measures 6 and 11 (breakdown) with no pledge: the council cannot judge them.
    bloc = next(b for b in ranking.build_ranking(districts).blocs if b.code == "KHOI-HUYEN")
    city = bloc.unit("024")
    assert city.rank == 1 and not city.eligible_for_flag
    assert [b.text("vi") for b in city.bars] == ["Chưa có giao ước thi đua cho chỉ tiêu chủ yếu 6 (tạm tính)",
                                                 "Chưa có giao ước thi đua cho chỉ tiêu chủ yếu 11 (tạm tính)"]
    # The lead unit of 3 reports it too and pledged nothing; an agency reporting no key measure is not barred by one.
    agencies = next(b for b in ranking.build_ranking(districts).blocs if b.code == "KHOI-KT")
    assert "Chưa có giao ước thi đua cho chỉ tiêu chủ yếu 3 (tạm tính)" in [b.text("vi") for b in agencies.unit("STC").bars]
    assert not any(b.reason in ("key_measure_not_pledged", "key_measure_not_pledged_yet") for b in agencies.unit("SKHDT").bars)
    # Once its pledges are entered, the bars go: 6 is awaited (published once a year, in February
    # 2025) until the end of February, 11 is judged on its figures.
    pledge(districts, "024", "6", "1.5")
    pledge(districts, "024", "11", "40")
    from unittest import mock

    with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2025, 2, 28)):
        city = next(b for b in ranking.build_ranking(districts).blocs if b.code == "KHOI-HUYEN").unit("024")
    assert [b.text("vi") for b in city.bars] == ["Chỉ tiêu chủ yếu 11 chưa có số liệu của kỳ (tạm tính)"]
    # From March, without it, 6 is a key figure due and not sent, as the pages and the report then say.
    with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2025, 3, 1)):
        city = next(b for b in ranking.build_ranking(districts).blocs if b.code == "KHOI-HUYEN").unit("024")
    assert [b.text("vi") for b in city.bars] == ["Chỉ tiêu chủ yếu 6 chưa có số liệu của kỳ (tạm tính)",
                                                 "Chỉ tiêu chủ yếu 11 chưa có số liệu của kỳ (tạm tính)"]


def test_bonuses_and_deductions_enter_the_score(districts):
    ScoreAdjustment.objects.create(campaign=districts, unit=Unit.objects.get(code="026"), kind="bonus", points=D("12.5"),
                                   reason="Cờ thi đua của Chính phủ năm 2023", evidence="QĐ 1/QĐ-TTg")
    ScoreAdjustment.objects.create(campaign=districts, unit=Unit.objects.get(code="024"), kind="deduction", points=D(1),
                                   reason="Báo cáo chậm chỉ đạo", evidence="CV 2/SNV", bars_flag=True)
    bloc = next(b for b in ranking.build_ranking(districts).blocs if b.code == "KHOI-HUYEN")
    assert (bloc.units[0].code, bloc.units[0].score) == ("026", D("20.5"))
    assert (bloc.units[1].code, bloc.units[1].score) == ("024", D(17))
    assert "Deduction for a fault: Báo cáo chậm chỉ đạo" in [b.text("en") for b in bloc.unit("024").bars]


def test_a_bloc_member_the_programme_gives_nothing_to_score_says_so_and_is_never_proposed(districts, admin_user):
    # The Customs Department sits in the economic bloc but reports no measure, answers for no task
    # and pledged nothing; the Department of Transport answers for tasks only; the districts report measures.
    customs, transport = Unit.objects.get(code="CHQ"), Unit.objects.get(code="SGTVT")
    assert not customs.assignments.exists() and not customs.tasks.exists() and not customs.pledges.exists()
    assert not transport.assignments.exists() and transport.tasks.exists()
    ScoreAdjustment.objects.create(campaign=districts, unit=customs, kind="bonus", points=D(90), reason="Cờ thi đua của Bộ Tài chính")
    Registration.objects.create(campaign=districts, unit=customs, title=FLAG)
    result = ranking.build_ranking(districts)
    economic = next(b for b in result.blocs if b.unit("CHQ") is not None)
    # Listed, not ranked (its bonus alone would put it first), its bonus still explained.
    assert economic.unit("CHQ").rank is None and economic.unit("CHQ").score == D(90)
    assert [b.text("vi") for b in economic.unit("CHQ").bars] == [
        "Đơn vị không được giao chỉ tiêu, giao ước hay nhiệm vụ nào của chương trình: không có gì để chấm điểm"]
    # So are the other bloc members the programme leaves out, and only they.
    left_out = Unit.objects.filter(bloc__isnull=False, is_active=True, assignments__isnull=True, tasks__isnull=True, pledges__isnull=True)
    assert {u.code for u in left_out} == {"CHQ", "CT", "BTDKT"}
    assert {u.code for b in result.blocs for u in b.units if "nothing_to_score" in [r.reason for r in u.bars]} == {"CHQ", "CT", "BTDKT"}
    # At year end, the bloc's flag and certificates go to units with something to show.
    ranking.close_year(districts, admin_user)
    commendation.draft_proposals(districts, user=admin_user)
    assert not Proposal.objects.filter(unit=customs).exists()  # it would have led its bloc to the flag


def test_a_measure_reported_without_a_pledge_or_assessed_in_words_is_named_at_no_points(districts):
    """What the score leaves out is said: the city pledged measure 3 only, and reports others; the
    provincial newspaper's indicator 17 is assessed in words, which the scheme does not score."""
    result = ranking.build_ranking(districts)
    city = result.of_unit("024")[1]
    unscored = [line for line in city.lines if line.kind == "unscored"]
    assert [line.item for line in unscored] == ["4", "6", "10", "11", "14a", "14b", "14c"]
    assert {(line.verdict("vi"), line.points) for line in unscored} == {("Chưa có giao ước", D(0))}
    assert unscored[0].note("en") == "The unit reports this measure and no emulation pledge was entered for it: it earns no points."
    assert city.score == D(18)  # as before: nothing added, nothing scaled
    paper = result.of_unit("TTT")[1]
    words = next(line for line in paper.lines if line.kind == "unscored" and line.item == "17")
    assert (words.verdict("vi"), words.points) == ("Đánh giá bằng lời", D(0))
    assert words.note("vi") == "Thang điểm chỉ tính điểm các chỉ tiêu có giao ước và các nhiệm vụ: chỉ tiêu đánh giá bằng lời không được tính điểm."


def test_a_pledge_changed_after_the_day_it_was_entered_says_when_and_from_what(districts):
    """Lowered in November, after the figures were known: the line says so, with the day and the
    pledge before; a change made the day it was entered (a typo put right) is not news."""
    city = Pledge.objects.get(unit__code="024", measure__code="3")
    Pledge.history.filter(id=city.pk).update(history_date=timezone.make_aware(datetime.datetime(2024, 1, 15, 9)))
    city.target, city._history_date = D("240"), timezone.make_aware(datetime.datetime(2024, 1, 15, 16))
    city.save()  # the same day: part of entering it
    assert "sửa" not in ranking.build_ranking(districts).of_unit("024")[1].lines[0].note("vi")
    later = timezone.make_aware(datetime.datetime(2024, 11, 5, 10))
    city.target, city._history_date = D("200"), later
    city.save()
    line = ranking.build_ranking(districts).of_unit("024")[1].lines[0]
    assert line.note("vi").endswith("= 130,0 % giao ước → vượt kế hoạch; giao ước sửa ngày 05/11/2024, trước đó là 240 tỷ đồng")
    assert line.note("en").endswith("; pledge changed on 05/11/2024, from 240 billion VND")


def test_a_unit_deactivated_after_reporting_in_the_year_is_listed_unranked_with_why_never_gone(districts, admin_user):
    """Deactivated (merged away) before the close: still a member of the bloc it took part in, with
    what it earned, not ranked and never proposed; the others close up. A unit deactivated without
    a report of the year is not listed."""
    Unit.objects.filter(code="024").update(is_active=False)
    Unit.objects.filter(code="027").update(is_active=False)  # sent nothing this year
    result = ranking.build_ranking(districts)
    bloc = next(b for b in result.blocs if b.code == "KHOI-HUYEN")
    city = bloc.unit("024")
    assert city is not None and city.rank is None and city.score == D(18) and bloc.units[-1].code == "024"
    assert city.unranked_because.text("vi") == "Đơn vị đã ngừng hoạt động: được liệt kê với số điểm đã đạt, không xếp hạng"
    assert bloc.unit("026").rank == 1 and bloc.unit("027") is None
    ranking.close_year(districts, admin_user)
    commendation.draft_proposals(districts, user=admin_user)
    assert not Proposal.objects.filter(unit__code="024").exists()


def test_a_unit_that_moved_bloc_is_ranked_in_its_new_bloc_and_listed_in_the_old(districts):
    city = Unit.objects.get(code="024")
    BlocMembership.objects.create(campaign=districts, unit=city, bloc=EmulationBloc.objects.get(code="KHOI-HUYEN"), to_quarter=2)
    BlocMembership.objects.create(campaign=districts, unit=city, bloc=EmulationBloc.objects.get(code="KHOI-KT"), from_quarter=3)
    result = ranking.build_ranking(districts)
    old, new = (next(b for b in result.blocs if b.code == c) for c in ("KHOI-HUYEN", "KHOI-KT"))
    assert old.unit("024").rank is None and old.units[-1].code == "024"
    assert new.unit("024").rank == 1
    assert result.of_unit("024")[0].code == "KHOI-KT"  # the unit page and explanation show where it is ranked
    assert "In the bloc only from Q3, not the whole year" in [b.text("en") for b in new.unit("024").bars]


def test_the_ranking_is_provisional_until_the_year_is_closed_on_approved_figures(districts, admin_user):
    assert ranking.build_ranking(districts).final is False
    pending = send(districts, "027", 4, {"3": "10"}, state=Submission.State.SUBMITTED)
    with pytest.raises(ranking.CannotClose) as refused:
        ranking.close_year(districts, admin_user)
    assert "027 quý IV" in str(refused.value)
    pending.state = Submission.State.APPROVED
    pending.save()
    ranking.close_year(districts, admin_user)
    result = ranking.build_ranking(districts)
    assert result.final and result.quarter == 4
    record = ScoringScheme.objects.get(campaign=districts)
    assert record.ranking_final_by == admin_user
    districts.refresh_from_db()
    assert districts.year_closed  # one closing of the year for entry and ranking
    assert record.history.count() == 2  # created by the programme load, then closed
    with pytest.raises(ranking.CannotClose):
        ranking.close_year(districts, admin_user)


def test_a_provisional_ranking_judges_the_latest_quarter_with_submitted_figures(programme):
    pledge(programme, "024", "3", "400")
    send(programme, "024", 1, {"3": "100"})
    send(programme, "024", 2, {"3": "90"}, state=Submission.State.SUBMITTED)
    result = ranking.build_ranking(programme)
    city = next(b for b in result.blocs if b.code == "KHOI-HUYEN").unit("024")
    assert result.quarter == 2
    assert city.lines[0].verdict("en") == "At risk (provisional, scored as not met)"  # 190 against a pace of 200


def test_the_ranking_takes_a_fixed_number_of_queries(districts, django_assert_max_num_queries):
    with django_assert_max_num_queries(17):  # one a kind of row, pledges' history included
        ranking.build_ranking(districts)


def test_a_new_year_starts_from_last_years_scheme_open(districts, admin_user):
    from targets.services import copy_campaign

    ranking.close_year(districts, admin_user)
    new = copy_campaign(source_year=2024, target_year=2025)
    record = ScoringScheme.objects.get(campaign=new)
    assert not record.is_final
    assert record.data["registration_until"] == "2025-03-31"
    assert record.scheme().measure_points == ScoringScheme.objects.get(campaign=districts).scheme().measure_points


def test_in_a_final_ranking_a_pledge_without_a_year_figure_scores_no_figure(districts, admin_user):
    pledge(districts, "027", "3", "70")
    for q in (1, 2, 3):
        send(districts, "027", q, {"3": "18"})  # 54 after nine months against a pace of 52,5: on track, no year figure
    provisional = next(b for b in ranking.build_ranking(districts).blocs if b.code == "KHOI-HUYEN").unit("027")
    assert provisional.lines[0].verdict("en") == "On track (provisional, scored as met)"
    ranking.close_year(districts, admin_user)
    final = next(b for b in ranking.build_ranking(districts).blocs if b.code == "KHOI-HUYEN").unit("027")
    assert (final.lines[0].verdict("vi"), final.lines[0].points) == ("Chưa có số liệu cả năm", D(0))


def test_in_a_final_ranking_in_year_figures_under_a_ceiling_or_above_a_level_score_no_figure(districts, admin_user):
    pledge(districts, "027", "14a", "10")  # at most ten road accidents in the year
    pledge(districts, "027", "10", "59")
    send(districts, "027", 1, {"14a": "2"})
    send(districts, "027", 2, {"14a": "2", "10": "60"})  # six months: 4 accidents, and the level above its pledge
    ranking.close_year(districts, admin_user)
    final = next(b for b in ranking.build_ranking(districts).blocs if b.code == "KHOI-HUYEN").unit("027")
    lines = {line.item: line for line in final.lines}
    # Both score nothing, for want of a full-year figure (the accidents were not sent after June either).
    assert (lines["10"].verdict("vi"), lines["10"].points) == ("Chưa có số liệu cả năm", D(0))
    assert (lines["14a"].verdict("vi"), lines["14a"].points) == ("Chưa có số liệu cả năm", D(0))
    # What the figures were, said beside it, without the in-year status that decides nothing ("→ đạt").
    assert lines["10"].note_vi == "Cả năm: không có số liệu cả năm được duyệt trước khi khóa sổ năm; 6 tháng: 60,0 % (giao ước 59 %)"
    assert lines["14a"].note_vi == "Cả năm: không có số liệu cả năm được duyệt trước khi khóa sổ năm; 9 tháng: thiếu số liệu quý III"
    # The workbook's pledge sheet says what the score says, not the in-year status and figures.
    from targets.ranking_xlsx import ranking_workbook

    sheet = ranking_workbook(districts, ranking.build_ranking(districts), lang="vi")["Tiến độ giao ước"]
    rows = {(r[0].value, r[2].value): [c.value for c in r] for r in sheet.iter_rows(min_row=2)}
    assert rows[("027", "14a")][5:9] == [10, None, None, "Chưa có số liệu cả năm"]


def test_a_unit_joining_a_bloc_after_the_period_judged_is_not_in_it_yet(programme):
    city = Unit.objects.get(code="024")
    BlocMembership.objects.create(campaign=programme, unit=city, bloc=EmulationBloc.objects.get(code="KHOI-HUYEN"), to_quarter=2)
    BlocMembership.objects.create(campaign=programme, unit=city, bloc=EmulationBloc.objects.get(code="KHOI-KT"), from_quarter=3)
    send(programme, "024", 1, {"3": "60"})  # only the first quarter reported: the provisional ranking judges Q1
    result = ranking.build_ranking(programme)
    assert result.quarter == 1
    assert next(b for b in result.blocs if b.code == "KHOI-HUYEN").unit("024").rank is not None
    assert next(b for b in result.blocs if b.code == "KHOI-KT").unit("024") is None



def test_the_pledge_sheet_leaves_a_year_to_date_with_quarters_missing_out_and_rounds_its_percentages(districts):
    from targets.ranking_xlsx import ranking_workbook

    pledge(districts, "027", "3", "70")
    send(districts, "027", 2, {"3": "18"})  # the second quarter only: no year to date
    pledge(districts, "028", "3", "70")
    for q in (1, 2, 3, 4):
        send(districts, "028", q, {"3": "18"})
    sheet = ranking_workbook(districts, ranking.build_ranking(districts), lang="vi")["Tiến độ giao ước"]
    rows = {(r[0].value, r[2].value): r for r in sheet.iter_rows(min_row=2)}
    missing = rows[("027", "3")]
    assert [c.value for c in missing[6:9]] == [None, None, "Chưa có số liệu"] and "thiếu số liệu" in missing[9].value
    assert rows[("028", "3")][7].value == D("102.9") and rows[("028", "3")][7].number_format == "[$-42A]#,##0.0"  # 72 of 70, as printed


def test_a_district_added_for_next_year_is_not_in_this_years_ranking(districts, client, admin_user):
    """Setting up 2025 (a new district in the districts' bloc) leaves the 2024 ranking as it was."""
    from targets.services import copy_campaign

    before = ranking.build_ranking(districts).to_data()
    copy_campaign(source_year=2024, target_year=2025)
    client.force_login(admin_user)
    add = client.get("/admin/targets/unit/add/")
    assert b'name="since_year" value="2025"' in add.content  # the year being set up, offered
    bloc = EmulationBloc.objects.get(code="KHOI-HUYEN")
    response = client.post("/admin/targets/unit/add/", {"code": "036", "name": "Huyện Phó Bảng", "kind": "locality",
                                                        "bloc": bloc.pk, "is_active": "on", "since_year": "2025"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ranking.build_ranking(districts).to_data() == before
    assert client.get("/api/v1/ranking/", {"year": 2024}).content.decode().count('"036"') == 0
    new_year = next(b for b in ranking.build_ranking(Campaign.objects.get(year=2025)).blocs if b.code == "KHOI-HUYEN")
    assert "nothing_to_score" in [b.reason for b in new_year.unit("036").bars]  # listed, so the admin sees what it lacks


def test_what_closing_the_year_would_change_is_one_rule_kept_by_data_version_and_language(demo):
    """ranking.closing_caveat: the ranking page and the workbook say what closing a year that is
    over would change from it; worked out once per data version, day and language, not per visit."""
    from unittest import mock

    from django.utils.translation import override

    from targets import ranking_xlsx

    result = ranking.cached_ranking(demo)
    assert not result.final and timezone.localdate() > datetime.date(2024, 12, 31)  # the demo's year is over, not closed
    with mock.patch("targets.ranking.close_readiness", wraps=ranking.close_readiness) as readiness:
        caveat = ranking.closing_caveat(demo, result)
        assert ranking.closing_caveat(demo, result) == caveat and readiness.call_count == 1  # kept
        with override("en"):
            english = ranking.closing_caveat(demo, result)
        assert readiness.call_count == 2  # each language its own words
        losing = {u.code: u.name for u in Unit.objects.filter(code__in=caveat.losing)}
        assert "Huyện Mèo Vạc" in losing.values() and "Huyện Hoàng Su Phì" in losing.values()
        flag = next(s for s in caveat.sentences if "Cờ thi đua" in s)
        assert all(name in flag for name in losing.values())
        # What a unit's own page and the API say of the year: every sentence but the one naming units.
        assert caveat.of_the_year == [s for s in caveat.sentences if s != flag]
        assert "tất cả các khối thi đua" in caveat.of_the_year[0] and "in all blocs" in english.of_the_year[0]
        assert english.sentences[-1] == "The final scores and ranks may differ widely from these provisional ones."
        # The workbook says it in these very words.
        assert ranking_xlsx._standing(demo, result).detail.endswith(" ".join(caveat.sentences))
        # A write moves the data version: worked out again.
        ScoreAdjustment.objects.create(campaign=demo, unit=Unit.objects.get(code="024"), kind=ScoreAdjustment.Kind.BONUS,
                                       points=D(1), reason="r", evidence="e")
        ranking.closing_caveat(demo, ranking.cached_ranking(demo))
        assert readiness.call_count == 3
    # During the year, and once the year is closed, nothing is said.
    with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2024, 12, 20)):
        assert ranking.closing_caveat(demo, result) == ranking.ClosingCaveat()


def test_one_units_early_year_report_moves_no_other_units_score(programme):
    """J-1: while the fourth-quarter reports are not yet due, one unit's early full-year report makes
    the provisional ranking's period the end of the year. Every other unit is still scored on its
    figures up to nine months: its yearly figure (the poverty rate, 6, a key measure), not yet due
    with a report not yet due, is awaited as before, neither scored "no figure" nor barring the flag."""
    from targets.models import Deadline

    Deadline.objects.create(campaign=programme, quarter=4, due_on=datetime.date(2099, 1, 15))
    for code in ("024", "026"):
        pledge(programme, code, "3", "100")
        pledge(programme, code, "6", "1.5")
        for q in (1, 2, 3):
            send(programme, code, q, {"3": "30"})

    def dong_van():
        return next(b for b in ranking.build_ranking(programme).blocs if b.code == "KHOI-HUYEN").unit("026")

    before = dong_van()
    poverty = next(line for line in before.lines if line.kind == "measure" and line.item == "6")
    assert "chờ công bố" in poverty.verdict("vi")
    send(programme, "024", 4, {"3": "40", "6": "1.6"})  # the city's year, sent long before its deadline
    after = dong_van()
    assert ranking.build_ranking(programme).quarter == 4
    assert after.score == before.score
    assert [(line.item, line.verdict("vi"), line.points) for line in after.lines if line.kind == "measure"] == \
        [(line.item, line.verdict("vi"), line.points) for line in before.lines if line.kind == "measure"]
    assert [b.text("vi") for b in after.bars] == [b.text("vi") for b in before.bars]
    assert not any(b.reason == "key_measure_not_reported" for b in after.bars)
