"""The scoring engine, rule by rule: points by verdict, tasks, reporting, bonuses and deductions,
conditions barring the flag, ties, missing figures, units joining or leaving a bloc, provisional
against final, and the proposals drafted from a final ranking.

Plain Python, no database. Expected scores are worked out by hand in the comments.
"""

import dataclasses
import datetime
from decimal import Decimal as D

import pytest

from targets.progress import Aggregation, Comparison, MeasureSpec, Status, Verdict, evaluate, final_year
from targets.scoring import (
    Adjustment,
    Bar,
    BlocRanking,
    LineKind,
    MeasureResult,
    NotFinal,
    Outcome,
    ProposalKind,
    QuarterReport,
    Ranking,
    Scheme,
    SchemeError,
    TaskResult,
    UnitInput,
    draft_proposals,
    outcome_of,
    pledge_spec,
    rank,
    score_unit,
)

# The day the engine judges on (progress.evaluate's `today`): no measure here is published yearly.
TODAY = datetime.date(2024, 11, 27)

SCHEME_DATA = {
    "measure_points": {"exceeded": "6", "met": "5", "not_met": "0", "no_figure": "0"},
    "task_points": {"completed_well": "3", "completed": "2", "not_completed": "0"},
    "reporting_points": {"on_time": "1", "complete": "0.5"},
    "key_measures": ["3"],
    "titles": [{"code": "flag", "name": "Cờ thi đua của UBND tỉnh", "name_en": "Provincial emulation flag"},
               {"code": "ldxs", "name": "Tập thể lao động xuất sắc"}],
    "flag_title": "flag",
    "flag_min_score": "10",
    "flag_requires_full_year": True,
    "certificates": 2,
    "annual_measures": ["6"],
    "registration_until": "2024-03-31",
}
SCHEME = Scheme.from_dict(SCHEME_DATA)


def measure(code, status, **extra):
    return MeasureResult(code=code, label_vi=f"Chỉ tiêu {code}", label_en=f"Measure {code}", status=Status(status), **extra)


def unit(code, *measures, tasks=(), reports=(), adjustments=(), registered=("flag",), **extra):
    return UnitInput(code=code, name=f"Đơn vị {code}", measures=tuple(measures), tasks=tuple(tasks), reports=tuple(reports),
                     adjustments=tuple(adjustments), registered=frozenset(registered), **extra)


def points(score, kind):
    return [line.points for line in score.lines if line.kind is kind]


# --- the scheme ---------------------------------------------------------------------------------


def test_scheme_reads_points_as_decimals():
    assert SCHEME.measure_points[Outcome.EXCEEDED] == D("6")
    assert SCHEME.complete_points == D("0.5")
    assert SCHEME.title("flag").label("en") == "Provincial emulation flag"
    assert SCHEME.title("ldxs").label("en") == "Tập thể lao động xuất sắc"  # no English name: the Vietnamese one
    assert str(SCHEME.registration_until) == "2024-03-31"


def test_scheme_lists_every_problem_at_once():
    bad = {**SCHEME_DATA, "measure_points": {"exceeded": "x", "met": "5"}, "certificates": -1, "flag_title": "nope",
           "registration_until": "31/03/2024"}
    with pytest.raises(SchemeError) as problem:
        Scheme.from_dict(bad)
    text = "\n".join(problem.value.errors)
    assert "measure_points.exceeded: 'x' is not a number" in text
    assert "measure_points: missing not_met, no_figure" in text
    assert "certificates" in text and "flag_title" in text and "registration_until" in text


def test_a_misspelt_key_is_refused_not_ignored_for_its_default():
    # "certificate" for "certificates" would leave the bloc 0 certificates without a word.
    with pytest.raises(SchemeError) as problem:
        Scheme.from_dict({**SCHEME_DATA, "certificate": 3, "reporting_points": {"on_tme": "1", "complete": "0.5"}})
    text = "\n".join(problem.value.errors)
    assert "Unknown keys certificate; a scheme has note, measure_points" in text
    assert "reporting_points: unknown on_tme; expected on_time, complete." in text
    # The free comment is known; a scheme saved before this rule is still read (not strict).
    assert Scheme.from_dict({**SCHEME_DATA, "note": "minh họa"}).certificates == 2
    assert Scheme.from_dict({**SCHEME_DATA, "certificate": 3}, strict=False).certificates == 2


# --- measures by verdict --------------------------------------------------------------------------


@pytest.mark.parametrize("status, expected", [
    (Status.EXCEEDED, D(6)), (Status.MET, D(5)), (Status.NOT_MET, D(0)), (Status.NO_DATA, D(0)),
])
def test_each_pledged_measure_earns_the_points_of_its_year_end_verdict(status, expected):
    score = score_unit(unit("A", measure("4", status)), SCHEME)
    assert points(score, LineKind.MEASURE) == [expected]


def test_no_figure_scores_its_own_points_and_says_so():
    scheme = Scheme.from_dict({**SCHEME_DATA, "measure_points": {"exceeded": "6", "met": "5", "not_met": "1", "no_figure": "-2"}})
    score = score_unit(unit("A", measure("4", Status.NO_DATA)), scheme)
    line = score.lines[0]
    assert (line.points, line.verdict("vi"), line.verdict("en")) == (D(-2), "Chưa có số liệu", "No figure")


@pytest.mark.parametrize("status, outcome", [
    (Status.ON_TRACK, Outcome.MET), (Status.AT_RISK, Outcome.NOT_MET), (Status.BEHIND, Outcome.NOT_MET),
    (Status.EXCEEDED, Outcome.EXCEEDED), (Status.NO_DATA, Outcome.NO_FIGURE), (Status.AWAITED, Outcome.NO_FIGURE),
])
def test_in_year_statuses_stand_for_the_year_end_verdict(status, outcome):
    assert outcome_of(status) is outcome


@pytest.mark.parametrize("status", [Status.ON_TRACK, Status.AT_RISK, Status.BEHIND, Status.NO_DATA, Status.AWAITED])
def test_a_final_ranking_counts_only_a_year_figures_verdict(status):
    line = score_unit(unit("A", measure("4", status)), SCHEME, final=True).lines[0]
    assert line.points == D(0) and line.verdict("en") in ("No figure", "No full-year figure")
    if status in (Status.ON_TRACK, Status.AT_RISK, Status.BEHIND):
        assert line.verdict("vi") == "Chưa có số liệu cả năm"


@pytest.mark.parametrize("status", [Status.MET, Status.EXCEEDED])
def test_a_final_ranking_gives_no_verdict_to_in_year_figures_whatever_they_say(status):
    # Six months' accidents under the year's ceiling are "met" in-year; a level's nine-month estimate above its target "exceeded".
    in_year = dataclasses.replace(measure("3", status), in_year=True)
    final = score_unit(unit("A", in_year), SCHEME, final=True)
    assert (final.lines[0].points, final.lines[0].verdict("vi")) == (D(0), "Chưa có số liệu cả năm")
    assert final.lines[0].verdict("en") == "No full-year figure"
    provisional = score_unit(unit("A", in_year), SCHEME).lines[0]  # during the year the in-year status stands in
    assert provisional.points == SCHEME.measure_points[outcome_of(status)] > 0
    assert outcome_of(status, final=True) is outcome_of(status)  # a year figure's own verdict counts


def test_a_yearly_figure_not_yet_published_scores_as_no_figure_and_says_awaited():
    line = score_unit(unit("A", measure("6", Status.AWAITED)), SCHEME).lines[0]
    assert (line.points, line.verdict("vi"), line.verdict("en")) == (D(0), "Chưa có số liệu (chờ công bố)", "No figure (awaited)")


def test_a_provisional_line_says_its_in_year_status_and_the_points_level_it_earns():
    line = score_unit(unit("A", measure("4", Status.ON_TRACK)), SCHEME).lines[0]
    assert line.points == D(5)
    assert line.verdict("vi") == "Đúng tiến độ (tạm tính, điểm mức đạt)"
    assert line.verdict("en") == "On track (provisional, scored as met)"


def test_during_the_year_nothing_is_said_not_met_of_nine_month_data():
    # DESIGN.md: "not met" is only ever said of a year figure, never of nine-month data.
    score = score_unit(unit("A", measure("3", Status.AT_RISK), adjustments=[Adjustment(D(20), "b")]), SCHEME)
    assert score.lines[0].points == SCHEME.measure_points[Outcome.NOT_MET]
    assert score.lines[0].verdict("vi") == "Có nguy cơ chậm (tạm tính, điểm mức không đạt)"
    assert [b.reason for b in score.bars] == [Bar.KEY_MEASURE_BEHIND]
    # Named by its status, in the words the dashboards give it (progress.status_label): "at risk" is not "behind".
    assert score.bars[0].text("vi") == "Chỉ tiêu chủ yếu 3 có nguy cơ chậm (tạm tính)"
    assert score.bars[0].text("en") == "Key measure 3 at risk (provisional)"
    behind = score_unit(unit("A", measure("3", Status.BEHIND)), SCHEME).bars[0]
    assert (behind.text("vi"), behind.text("en")) == ("Chỉ tiêu chủ yếu 3 chậm tiến độ (tạm tính)", "Key measure 3 behind (provisional)")


# --- tasks, reporting, bonuses and deductions --------------------------------------------------


def test_tasks_earn_the_points_of_their_assessment_and_unassessed_tasks_none():
    tasks = [TaskResult("II.1", "Nhiệm vụ 1", "Task 1", Verdict.COMPLETED_WELL),
             TaskResult("II.2", "Nhiệm vụ 2", "Task 2", Verdict.COMPLETED),
             TaskResult("III.1", "Nhiệm vụ 3", "Task 3", Verdict.NOT_COMPLETED),
             TaskResult("IV.1", "Nhiệm vụ 4", "Task 4", None)]
    score = score_unit(unit("A", tasks=tasks), SCHEME)
    assert points(score, LineKind.TASK) == [D(3), D(2), D(0), D(0)]
    assert score.lines[3].verdict("en") == "Not assessed"


def test_reports_on_time_and_complete_each_earn_their_points():
    reports = [QuarterReport(1, sent=True, on_time=True),
               QuarterReport(2, sent=True, on_time=False),
               QuarterReport(3, sent=True, on_time=True, missing=("4", "14a")),
               QuarterReport(4, sent=False, on_time=False)]
    score = score_unit(unit("A", reports=reports), SCHEME)
    assert points(score, LineKind.ON_TIME) == [D(1), D(0), D(1), D(0)]
    assert points(score, LineKind.COMPLETE) == [D("0.5"), D("0.5"), D(0), D(0)]
    complete_q3 = [line for line in score.lines if line.kind is LineKind.COMPLETE][2]
    assert complete_q3.verdict("vi") == "Thiếu: 4, 14a"
    assert score.score == D("3")  # 1 + 0 + 1 + 0 + 0,5 + 0,5 + 0 + 0


def test_bonuses_and_deductions_are_lines_with_their_reason_and_evidence():
    adjustments = [Adjustment(D(10), "Cờ thi đua của Bộ năm 2023", "QĐ 123/QĐ-BCA"),
                   Adjustment(D("-2.5"), "Báo cáo sai số liệu quý II", "CV 45/SNV")]
    score = score_unit(unit("A", measure("4", Status.MET), adjustments=adjustments), SCHEME)
    bonus, deduction = score.lines[1], score.lines[2]
    assert (bonus.kind, bonus.points, bonus.verdict("vi"), bonus.note("vi")) == (LineKind.BONUS, D(10), "Cờ thi đua của Bộ năm 2023", "QĐ 123/QĐ-BCA")
    assert (deduction.kind, deduction.points, deduction.label("en")) == (LineKind.DEDUCTION, D("-2.5"), "Deduction")
    assert score.score == D("12.5")  # 5 + 10 - 2,5


def test_the_lines_always_add_up_to_the_score():
    u = unit("A", measure("3", Status.EXCEEDED), measure("4", Status.NOT_MET),
             tasks=[TaskResult("II.1", "x", "x", Verdict.COMPLETED)],
             reports=[QuarterReport(1, True, True), QuarterReport(2, True, False, ("4",))],
             adjustments=[Adjustment(D("1.25"), "r"), Adjustment(D("-0.75"), "s")])
    score = score_unit(u, SCHEME)
    assert score.score == sum(line.points for line in score.lines) == D("10")  # 6+0+2+1+0,5+0+0+1,25-0,75
    assert all(isinstance(line.points, D) for line in score.lines)


# --- conditions barring the flag -------------------------------------------------------------------


def test_a_key_measure_not_met_bars_the_flag_but_keeps_the_points_and_rank():
    score = score_unit(unit("A", measure("3", Status.NOT_MET), measure("4", Status.EXCEEDED),
                            adjustments=[Adjustment(D(10), "bonus")]), SCHEME)
    assert [b.reason for b in score.bars] == [Bar.KEY_MEASURE_NOT_MET]
    assert score.bars[0].text("vi") == "Chỉ tiêu chủ yếu 3 không đạt"
    assert score.score == D(16)


def test_a_key_measure_without_a_figure_bars_the_flag_at_year_end():
    # The year closed without its year figure (none at all, only the nine months', or a yearly
    # figure never published): not shown to be met.
    for status, in_year in ((Status.NO_DATA, False), (Status.ON_TRACK, True), (Status.AWAITED, False)):
        final = score_unit(unit("A", measure("3", status, in_year=in_year), adjustments=[Adjustment(D(20), "b")]), SCHEME, final=True)
        assert [b.reason for b in final.bars] == [Bar.KEY_MEASURE_NO_FIGURE]
        assert final.bars[0].text("vi") == "Chỉ tiêu chủ yếu 3 không có số liệu cả năm"
        assert final.bars[0].text("en") == "Key measure 3 has no year figure"


def test_during_the_year_a_key_measure_whose_figure_is_due_and_missing_bars_the_flag_provisionally():
    # Not reporting must not pay: a unit that kept its key figure to itself is not "eligible"
    # where one that sent an honest lagging figure is barred.
    silent = unit("A", measure("3", Status.NO_DATA), adjustments=[Adjustment(D(20), "b")])
    during = score_unit(silent, SCHEME)
    assert [b.reason for b in during.bars] == [Bar.KEY_MEASURE_NOT_REPORTED]
    assert during.bars[0].text("vi") == "Chỉ tiêu chủ yếu 3 chưa có số liệu của kỳ (tạm tính)"
    assert during.bars[0].text("en") == "Key measure 3: no figure for the period (provisional)"
    # A bar never changes the score: the line scores "no figure" as before, and the bonus stands.
    assert during.score == SCHEME.measure_points[Outcome.NO_FIGURE] + D(20) == D(20)
    honest = unit("B", measure("3", Status.BEHIND), adjustments=[Adjustment(D(20), "b")])
    bloc = ranked(silent, honest, final=False)
    assert [(u.code, u.rank, u.score, u.eligible_for_flag) for u in bloc.units] == [("A", 1, D(20), False), ("B", 1, D(20), False)]
    assert [b.reason for b in bloc.unit("B").bars] == [Bar.KEY_MEASURE_BEHIND]


def test_during_the_year_a_key_measure_in_its_nine_months_without_data_bars_provisionally():
    # The fourth quarter's view before the year is closed: the nine months had no figure either.
    during = score_unit(unit("A", measure("3", Status.NO_DATA, in_year=True), adjustments=[Adjustment(D(20), "b")]), SCHEME)
    assert [b.reason for b in during.bars] == [Bar.KEY_MEASURE_NOT_REPORTED]


def test_during_the_year_a_yearly_key_measure_still_awaited_bars_nothing():
    # A figure published once a year is not due before the year is over: nothing to hold against the unit.
    scheme = Scheme.from_dict({**SCHEME_DATA, "key_measures": ["3", "6"]})
    awaited = score_unit(unit("A", measure("6", Status.AWAITED), measure("3", Status.MET),
                              adjustments=[Adjustment(D(20), "b")]), scheme)
    assert awaited.bars == () and awaited.eligible_for_flag is False  # not ranked yet: score_unit ranks nothing
    assert ranked(unit("A", measure("6", Status.AWAITED), measure("3", Status.MET), adjustments=[Adjustment(D(20), "b")]),
                  final=False, scheme=scheme).units[0].eligible_for_flag
    # Once the year is closed without it, it bars the flag (as any key measure without a year figure).
    final = score_unit(unit("A", measure("6", Status.AWAITED), measure("3", Status.MET), adjustments=[Adjustment(D(20), "b")]),
                       scheme, final=True)
    assert [b.reason for b in final.bars] == [Bar.KEY_MEASURE_NO_FIGURE]


def test_during_the_year_a_measure_that_is_not_key_bars_nothing_without_its_figure():
    score = score_unit(unit("A", measure("4", Status.NO_DATA), adjustments=[Adjustment(D(20), "b")]), SCHEME)
    assert score.bars == ()


def test_a_kept_ranking_reads_back_its_bars_old_and_new():
    import json

    # Kept rankings are JSON: a bar's value is read back as the enum, whichever bars it holds.
    bloc = ranked(unit("A", measure("3", Status.NO_DATA), adjustments=[Adjustment(D(20), "b")]),
                  unit("B", measure("3", Status.BEHIND), adjustments=[Adjustment(D(20), "b")]), final=False)
    kept = Ranking(year=2024, final=False, quarter=2, blocs=(bloc,)).to_data()
    assert kept["blocs"][0]["units"][0]["bars"][0]["reason"] == "key_measure_not_reported"
    again = Ranking.from_data(json.loads(json.dumps(kept)))
    assert again == Ranking(year=2024, final=False, quarter=2, blocs=(bloc,))
    assert again.blocs[0].unit("A").bars[0].text("en") == "Key measure 3: no figure for the period (provisional)"


def test_a_key_measure_the_unit_reports_and_never_pledged_bars_the_flag_during_the_year_and_at_its_end():
    # Key measures are judged against the unit's own pledge: one it reports (assigned) with no
    # pledge cannot be judged, so it is no condition met. Not pledging must not pay.
    for final in (False, True):
        silent = unit("A", measure("4", Status.EXCEEDED), adjustments=[Adjustment(D(20), "b")], assigned=frozenset({"3", "4"}))
        score = score_unit(silent, SCHEME, final=final)
        # During the year the pledge may still be entered: provisional, as the other in-year bars say.
        assert [b.reason for b in score.bars] == [Bar.KEY_MEASURE_NOT_PLEDGED if final else Bar.KEY_MEASURE_NOT_PLEDGED_YET]
        assert score.bars[0].text("vi") == "Chưa có giao ước thi đua cho chỉ tiêu chủ yếu 3" + ("" if final else " (tạm tính)")
        assert score.bars[0].text("en") == "No emulation pledge for key measure 3" + ("" if final else " (provisional)")
        assert score.score == D(26)  # 6 + 20: a bar changes no points
        bloc = ranked(silent, final=final)
        assert (bloc.units[0].rank, bloc.units[0].eligible_for_flag) == (1, False)
    # Pledged, it is judged as any key measure; not reported by the unit, it bars nothing.
    pledged = unit("A", measure("3", Status.MET), measure("4", Status.EXCEEDED), adjustments=[Adjustment(D(20), "b")],
                   assigned=frozenset({"3", "4"}))
    elsewhere = unit("B", measure("4", Status.EXCEEDED), adjustments=[Adjustment(D(20), "b")], assigned=frozenset({"4"}))
    assert [(u.code, u.bars, u.eligible_for_flag) for u in ranked(pledged, elsewhere).units] == [("A", (), True), ("B", (), True)]


def test_a_bar_for_each_key_measure_not_pledged_in_the_programmes_order():
    scheme = Scheme.from_dict({**SCHEME_DATA, "key_measures": ["11", "3", "6"]})
    score = score_unit(unit("A", adjustments=[Adjustment(D(20), "b")], assigned=frozenset({"11", "3", "4"})), scheme, final=True)
    assert [b.text("vi") for b in score.bars] == ["Chưa có giao ước thi đua cho chỉ tiêu chủ yếu 3",
                                                  "Chưa có giao ước thi đua cho chỉ tiêu chủ yếu 11"]


def test_not_registered_for_the_flag_bars_it():
    score = score_unit(unit("A", measure("4", Status.EXCEEDED), adjustments=[Adjustment(D(10), "b")], registered=("ldxs",)), SCHEME)
    assert [b.text("en") for b in score.bars] == ["Not registered for “Provincial emulation flag”"]  # the title's English name
    assert [b.text("vi") for b in score.bars] == ["Không đăng ký danh hiệu «Cờ thi đua của UBND tỉnh»"]


def test_a_score_under_the_minimum_bars_the_flag():
    score = score_unit(unit("A", measure("4", Status.MET)), SCHEME)  # 5 < 10
    assert [b.reason for b in score.bars] == [Bar.BELOW_MIN_SCORE]
    assert score.bars[0].text("vi") == "Điểm dưới mức tối thiểu 10"


def test_a_barring_deduction_bars_the_flag():
    score = score_unit(unit("A", measure("4", Status.EXCEEDED), adjustments=[
        Adjustment(D(20), "b"), Adjustment(D(-1), "Cán bộ vi phạm kỷ luật", bars_flag=True)]), SCHEME)
    assert [b.text("vi") for b in score.bars] == ["Bị trừ điểm do vi phạm: Cán bộ vi phạm kỷ luật"]


# --- ranking, ties, joining and leaving ------------------------------------------------------------


def rank_bloc(code, name, units, scheme, *, final, period_quarter=4):
    """A bloc ranked as targets.ranking.judge ranks it: each unit scored, then ranked."""
    return BlocRanking(code=code, name=name, final=final,
                       units=rank(score_unit(u, scheme, final=final, period_quarter=period_quarter) for u in units))


def ranked(*units, final=True, scheme=SCHEME):
    return rank_bloc("K", "Khối", list(units), scheme, final=final)


def test_equal_scores_share_a_rank_and_the_next_rank_is_skipped():
    bloc = ranked(unit("C", measure("4", Status.MET)),  # 5
                  unit("A", measure("4", Status.EXCEEDED)),  # 6
                  unit("B", measure("4", Status.EXCEEDED)),  # 6
                  unit("D", measure("4", Status.NOT_MET)))  # 0
    assert [(u.code, u.rank, u.score) for u in bloc.units] == [("A", 1, D(6)), ("B", 1, D(6)), ("C", 3, D(5)), ("D", 4, D(0))]


def test_missing_figures_score_as_no_figure_and_the_unit_is_still_ranked():
    bloc = ranked(unit("A", measure("4", Status.NO_DATA)), unit("B"))
    assert [(u.code, u.rank, u.score) for u in bloc.units] == [("A", 1, D(0)), ("B", 1, D(0))]


def test_a_unit_that_joined_during_the_year_is_ranked_on_its_quarters_and_barred_from_the_flag():
    reports = [QuarterReport(q, True, True) for q in (1, 2, 3, 4)]
    score = score_unit(unit("N", measure("4", Status.EXCEEDED), reports=reports, joined_quarter=3,
                            adjustments=[Adjustment(D(10), "b")]), SCHEME)
    assert points(score, LineKind.ON_TIME) == [D(1), D(1)]  # only Q3 and Q4 count in this bloc
    assert [b.reason for b in score.bars] == [Bar.PART_YEAR]
    assert score.bars[0].text("en") == "In the bloc only from Q3, not the whole year"
    lenient = Scheme.from_dict({**SCHEME_DATA, "flag_requires_full_year": False})
    assert score_unit(unit("N", measure("4", Status.EXCEEDED), joined_quarter=3, adjustments=[Adjustment(D(10), "b")]), lenient).bars == ()


def test_a_unit_that_left_the_bloc_is_listed_unranked_and_ranks_close_up():
    bloc = ranked(unit("A", measure("4", Status.MET)), unit("L", measure("4", Status.EXCEEDED), left_quarter=2),
                  unit("B", measure("4", Status.NOT_MET)))
    assert [(u.code, u.rank) for u in bloc.units] == [("A", 1), ("B", 2), ("L", None)]
    assert bloc.unit("L").bars[-1].text("vi") == "Đã ra khỏi khối sau quý II"


def test_a_unit_leaving_after_the_period_is_still_ranked_for_it():
    bloc = rank_bloc("K", "Khối", [unit("L", measure("4", Status.MET), left_quarter=2)], SCHEME, final=False, period_quarter=2)
    assert bloc.units[0].rank == 1


# --- proposals -------------------------------------------------------------------------------------


def bonus(code, points, **extra):
    return unit(code, adjustments=[Adjustment(D(points), "thưởng")], **extra)


def test_proposals_flag_the_leading_eligible_unit_and_certify_the_next():
    bloc = ranked(bonus("A", 30, registered=()),  # leads but did not register: no flag
                  bonus("B", 25), bonus("C", 20), bonus("D", 15), bonus("E", 12))
    proposals = draft_proposals(bloc, SCHEME)
    assert [(p.unit, p.kind, p.rank) for p in proposals] == [
        ("B", ProposalKind.FLAG, 2), ("A", ProposalKind.CERTIFICATE, 1), ("C", ProposalKind.CERTIFICATE, 3)]
    assert proposals[0].reason_vi == "Dẫn đầu khối trong các đơn vị đủ điều kiện: hạng 2, 25 điểm"


def test_a_tie_at_the_top_proposes_every_tied_eligible_unit_for_the_council_to_decide():
    proposals = draft_proposals(ranked(bonus("A", 20), bonus("B", 20), bonus("C", 15)), SCHEME)
    assert [(p.unit, p.kind) for p in proposals] == [("A", ProposalKind.FLAG), ("B", ProposalKind.FLAG), ("C", ProposalKind.CERTIFICATE)]
    assert "the council decides" in proposals[0].reason_en


def test_a_tie_at_the_last_certificate_includes_every_tied_unit():
    proposals = draft_proposals(ranked(bonus("A", 30), bonus("B", 20), bonus("C", 15), bonus("D", 15), bonus("E", 10)), SCHEME)
    assert [(p.unit, p.kind) for p in proposals] == [
        ("A", ProposalKind.FLAG), ("B", ProposalKind.CERTIFICATE), ("C", ProposalKind.CERTIFICATE), ("D", ProposalKind.CERTIFICATE)]


def test_no_eligible_unit_means_no_flag_and_units_that_left_get_nothing():
    proposals = draft_proposals(ranked(bonus("A", 5), bonus("L", 50, left_quarter=1)), SCHEME)
    assert [(p.unit, p.kind) for p in proposals] == [("A", ProposalKind.CERTIFICATE)]


def test_a_unit_that_sent_no_report_is_barred_from_the_flag_and_gets_no_certificate():
    nothing = [QuarterReport(q, sent=False, on_time=False) for q in (1, 2, 3, 4)]
    one = [*nothing[:3], QuarterReport(4, sent=True, on_time=False)]
    # Nobody in the bloc reported: everyone shares the first rank at no points, and nobody is proposed.
    no_minimum = Scheme.from_dict({**SCHEME_DATA, "flag_min_score": None})  # as Hà Giang's scheme
    bloc = ranked(unit("A", reports=nothing), unit("B", reports=nothing), unit("C", reports=nothing), scheme=no_minimum)
    assert [(u.code, u.rank, u.score) for u in bloc.units] == [("A", 1, D(0)), ("B", 1, D(0)), ("C", 1, D(0))]
    assert [b.reason for b in bloc.unit("A").bars] == [Bar.NO_REPORT]
    assert bloc.unit("A").bars[0].text("vi") == "Không gửi báo cáo nào trong kỳ"
    assert bloc.unit("A").bars[0].text("en") == "No report sent for the period"
    assert draft_proposals(bloc, no_minimum) == []
    # One report sent, late, is a report: the unit is ranked and proposed as its score allows.
    bloc = ranked(bonus("A", 30, reports=nothing), bonus("B", 20, reports=one), bonus("C", 5, reports=nothing))
    assert [b.reason for b in bloc.unit("B").bars] == []
    assert [(p.unit, p.kind) for p in draft_proposals(bloc, SCHEME)] == [("B", ProposalKind.FLAG)]
    # Only the quarters in the bloc count: a unit that joined in Q3 and sent Q3 has reported.
    joined = [*nothing[:2], QuarterReport(3, sent=True, on_time=True), nothing[3]]
    assert Bar.NO_REPORT not in [b.reason for b in score_unit(unit("J", reports=joined, joined_quarter=3), SCHEME).bars]
    assert Bar.NO_REPORT in [b.reason for b in score_unit(unit("J", reports=joined, joined_quarter=4), SCHEME).bars]


def test_the_years_ranking_proposes_no_flag_for_a_unit_that_did_not_send_the_year_end_report():
    three = [QuarterReport(q, sent=True, on_time=True) for q in (1, 2, 3)]
    bloc = ranked(bonus("A", 30, reports=[*three, QuarterReport(4, sent=False, on_time=False)]),
                  bonus("B", 20, reports=[*three, QuarterReport(4, sent=True, on_time=True)]), bonus("C", 5, reports=three))
    assert [b.reason for b in bloc.unit("A").bars] == [Bar.NO_YEAR_END_REPORT]
    assert bloc.unit("A").bars[0].text("vi") == "Chưa gửi báo cáo quý IV (cả năm)"
    # A certificate it may still have: the flag goes to the next, who sent it.
    assert [(p.unit, p.kind) for p in draft_proposals(bloc, SCHEME)][:2] == [("B", ProposalKind.FLAG), ("A", ProposalKind.CERTIFICATE)]
    # …and the council reads, with the proposal, what kept it from the flag.
    certificate = draft_proposals(bloc, SCHEME)[1]
    assert certificate.reason_vi == "Hạng 1 của khối, 34,5 điểm; không đủ điều kiện đề nghị Cờ thi đua: Chưa gửi báo cáo quý IV (cả năm)"
    assert certificate.reason_en == ("Rank 1 in the bloc, 34.5 points; not eligible for the flag: "
                                     "The fourth-quarter (full-year) report was not sent")
    # During the year (the third quarter's ranking) nothing of the kind is asked.
    assert Bar.NO_YEAR_END_REPORT not in [b.reason for b in score_unit(unit("A", reports=three), SCHEME, period_quarter=3).bars]


def test_a_unit_given_nothing_to_score_is_barred_from_the_flag_and_gets_no_certificate():
    # A bloc member that reports no measure, answers for no task and pledged nothing: its bonus
    # alone would lead the bloc, but it has shown nothing of the programme.
    idle = unit("I", adjustments=(Adjustment(D(40), "Cờ của Bộ", "QĐ 12"),), owes_reports=False)
    bloc = ranked(idle, bonus("A", 30), bonus("B", 20))
    assert [(u.code, u.rank) for u in bloc.units] == [("A", 1), ("B", 2), ("I", None)]  # not ranked (next test)
    assert [b.reason for b in bloc.unit("I").bars] == [Bar.NOTHING_TO_SCORE]
    assert bloc.unit("I").bars[0].text("vi") == ("Đơn vị không được giao chỉ tiêu, giao ước hay nhiệm vụ nào của chương trình: "
                                                 "không có gì để chấm điểm")
    assert bloc.unit("I").bars[0].text("en") == "No measure, pledge or task of the programme is assigned to the unit: nothing to score"
    assert [(p.unit, p.kind) for p in draft_proposals(bloc, SCHEME)] == [("A", ProposalKind.FLAG), ("B", ProposalKind.CERTIFICATE)]
    # A pledge is something to score, even without a report owed; so is a report owed before any is due.
    for something in (unit("P", measure("3", "met"), owes_reports=False), unit("R")):
        assert Bar.NOTHING_TO_SCORE not in [b.reason for b in score_unit(something, SCHEME).bars]


def test_a_unit_given_nothing_to_score_is_listed_unranked_after_the_ranked_with_why_and_its_bonus_explained():
    # Customs sits in the economic bloc with a ministry's flag (+10) and nothing of the programme to
    # be scored on: 10 points would put it first above the units that worked all year.
    customs = unit("CHQ", adjustments=(Adjustment(D(10), "Cờ thi đua của Bộ Tài chính", "QĐ 7"),), owes_reports=False)
    worked = unit("A", measure("4", Status.MET), reports=[QuarterReport(4, sent=True, on_time=True)])  # 5 + 1 + 0.5
    bloc = ranked(customs, worked, unit("B", measure("4", Status.NOT_MET)))  # 0
    assert [(u.code, u.rank) for u in bloc.units] == [("A", 1), ("B", 2), ("CHQ", None)]
    assert bloc.ranked_count == 2  # "rank 2 of 2" for B, not "of 3"
    listed = bloc.unit("CHQ")
    assert not listed.ranked and not listed.eligible_for_flag
    assert listed.unranked_because.reason is Bar.NOTHING_TO_SCORE
    assert listed.unranked_because.text("vi") == ("Đơn vị không được giao chỉ tiêu, giao ước hay nhiệm vụ nào của chương trình: "
                                                  "không có gì để chấm điểm")
    # Its bonus is still in its explanation, which still adds up.
    assert [(line.kind, line.item, line.points) for line in listed.lines] == [(LineKind.BONUS, "Cờ thi đua của Bộ Tài chính", D(10))]
    assert listed.score == D(10)
    # A unit ranked has no such reason; one that left the bloc is unranked for leaving it.
    assert bloc.unit("A").unranked_because is None
    gone = ranked(unit("L", measure("4", Status.MET), left_quarter=2), worked).unit("L")
    assert (gone.rank, gone.unranked_because.reason) == (None, Bar.LEFT_BLOC)


def test_a_final_ranking_explains_a_pledge_without_its_year_figure_by_that_not_by_its_nine_month_pace():
    # Revenue pledged at 250; three quarters sent (60 + 70 + 60 = 190, on track for nine months), no year figure.
    spec = pledge_spec(MeasureSpec(code="3", unit_vi="tỷ đồng", unit_en="billion VND", target=D(250), comparison=Comparison.GTE,
                                   aggregation=Aggregation.FLOW), D(250))
    carried = evaluate(spec, 4, {1: D(60), 2: D(70), 3: D(60)}, today=TODAY)
    assert carried.in_year is not None and carried.status is Status.ON_TRACK
    closed = final_year(carried, True)  # as the final ranking judges it (ranking.pledge_progress(final=True))
    m = measure("3", closed.status, in_year=closed.in_year is not None,
                explanation_vi=closed.explanation("vi"), explanation_en=closed.explanation("en"))
    [line] = score_unit(unit("A", m), SCHEME, final=True).lines
    # What decides the verdict, said once in the verdict and first in its note: no full-year figure.
    assert (line.verdict_vi, line.verdict_en) == ("Chưa có số liệu cả năm", "No full-year figure")
    assert line.note_en.startswith("Full year: no full-year figure was approved before the year was closed; Nine months: ")
    assert "on track" not in line.note_en.lower() and "đúng tiến độ" not in line.note_vi.lower()
    assert line.points == SCHEME.measure_points[Outcome.NO_FIGURE]


def test_a_flag_proposed_at_a_rank_shared_with_a_barred_unit_says_so():
    # The city and Mèo Vạc both lead with 87 points; the city did not register for the flag.
    bloc = ranked(bonus("024", 87, registered=()), bonus("030", 87), bonus("B", 20))
    flag = draft_proposals(bloc, SCHEME)[0]
    assert (flag.unit, flag.kind, flag.rank) == ("030", ProposalKind.FLAG, 1)
    assert flag.reason_vi == ("Dẫn đầu khối trong các đơn vị đủ điều kiện: hạng 1, 87 điểm; "
                              "cùng hạng 1 có 1 đơn vị không đủ điều kiện (Đơn vị 024)")
    assert flag.reason_en.endswith("; 1 unit(s) of the same rank not eligible (Đơn vị 024)")


def test_proposals_come_from_a_final_ranking_only():
    with pytest.raises(NotFinal):
        draft_proposals(ranked(bonus("A", 30), final=False), SCHEME)


# --- the pledge as a target ---------------------------------------------------------------------


def test_a_pledge_replaces_the_target_and_drops_the_province_baselines():
    province = MeasureSpec(code="3", comparison=Comparison.GTE, aggregation=Aggregation.FLOW, target=D(2460),
                           previous_year=D(2200), same_period={1: D(500)}, seasonal=True)
    own = pledge_spec(province, D(250))
    assert (own.target, own.previous_year, own.same_period, own.comparison) == (D(250), None, {}, Comparison.GTE)
    assert evaluate(own, 4, {1: D(60), 2: D(70), 3: D(60), 4: D(70)}, today=TODAY).status is Status.EXCEEDED  # 260 > 250
    assert evaluate(own, 2, {1: D(60), 2: D(60)}, today=TODAY).status is Status.AT_RISK  # 120 against a pace of 125


def test_a_pledge_is_explained_in_the_unit_it_was_signed_in_not_the_provinces_display_unit():
    # The province's tourists are shown in millions (3,2 triệu lượt khách); Đồng Văn signed 241.613 visitors.
    tourists = MeasureSpec(code="4", comparison=Comparison.GTE, aggregation=Aggregation.FLOW, target=D(3200000), unit_vi="lượt khách",
                           display_divisor=D(1000000), display_unit_vi="triệu lượt khách")
    own = evaluate(pledge_spec(tourists, D(241613)), 3, {1: D(50000), 2: D(60295), 3: D(61177)}, today=TODAY)
    assert own.explanation("vi") == ("9 tháng: 171.472 / 241.613 lượt khách = 71,0 % giao ước; tiến độ cần đạt 75,0 % "
                                     "→ có nguy cơ chậm")


def test_a_year_on_year_measure_pledged_as_a_number_is_judged_against_it():
    accidents = MeasureSpec(code="14a", comparison=Comparison.DECREASE, aggregation=Aggregation.FLOW, target=None)
    own = pledge_spec(accidents, D(20))
    assert own.comparison is Comparison.LTE
    assert evaluate(own, 4, {1: D(5), 2: D(5), 3: D(5), 4: D(6)}, today=TODAY).status is Status.NOT_MET  # 21 > 20
    with pytest.raises(ValueError):
        pledge_spec(MeasureSpec(code="15", comparison=Comparison.QUALITATIVE, aggregation=Aggregation.LEVEL, target=None), D(1))


def test_a_figure_pledged_on_a_more_than_target_is_kept_by_reaching_it():
    # Security: the province "more than 95 %" of communes; the police pledged 100 %.
    safe = MeasureSpec(code="13", comparison=Comparison.GT, aggregation=Aggregation.LEVEL, target=D(95), decimal_places=1)
    own = pledge_spec(safe, D(100))
    assert own.comparison is Comparison.GTE
    assert evaluate(own, 4, {4: D(100)}, today=TODAY).status is Status.MET
    assert evaluate(own, 4, {4: D("99.9")}, today=TODAY).status is Status.NOT_MET
    assert evaluate(safe, 4, {4: D(95)}, today=TODAY).status is Status.NOT_MET  # the province's own stays strict


def test_every_status_of_the_progress_engine_scores_as_some_verdict():
    from targets.scoring import OUTCOME_OF_STATUS

    assert set(OUTCOME_OF_STATUS) == set(Status)


def test_a_final_ranking_is_kept_as_json_and_reads_back_the_same():
    import json

    bloc = ranked(unit("A", measure("3", Status.EXCEEDED), adjustments=(Adjustment(D("2.5"), "Bonus"),)),
                  unit("B", measure("3", Status.NOT_MET)), unit("C", measure("3", Status.MET), left_quarter=2))
    kept = Ranking(year=2024, final=True, quarter=4, blocs=(bloc,))
    back = Ranking.from_data(json.loads(json.dumps(kept.to_data())))
    assert back == kept
    a, b, c = back.blocs[0].units
    assert (a.score, a.rank, b.bars[0].reason, c.rank) == (D("8.5"), 1, Bar.KEY_MEASURE_NOT_MET, None)
    assert kept.to_data()["blocs"][0]["units"][0]["lines"][-1]["points"] == "2.5"  # exact text, never a float


def test_a_title_code_is_letters_without_accents_digits_and_dashes_unique_in_any_case_from_now_on():
    titles = [{"code": "flag", "name": "Cờ"}, {"code": "FLAG", "name": "Cờ 2"}, {"code": "mã có dấu", "name": "X"}]
    with pytest.raises(SchemeError) as problem:
        Scheme.from_dict({**SCHEME_DATA, "titles": titles})
    assert problem.value.errors == [
        "titles[1].code: the code 'FLAG' is already a title's code (letter case aside): codes must be unique.",
        "titles[2].code: the code 'mã có dấu': use letters without accents, digits, “-” or “_”."]
    # A scheme saved before is read as it was (only the same code twice is refused there).
    assert [t.code for t in Scheme.from_dict({**SCHEME_DATA, "titles": titles}, strict=False).titles] == ["flag", "FLAG", "mã có dấu"]
    with pytest.raises(SchemeError):
        Scheme.from_dict({**SCHEME_DATA, "titles": titles[:1] * 2}, strict=False)


def test_a_refused_number_is_said_once_not_also_out_of_order():
    with pytest.raises(SchemeError) as problem:
        Scheme.from_dict({**SCHEME_DATA, "measure_points": {"exceeded": "6", "met": "1e40", "not_met": "2", "no_figure": "0"}})
    assert problem.value.errors == [
        "measure_points.met: '1e40' is out of range: between -1000 and 1000, with at most two decimals."]


@pytest.mark.parametrize("minimum, message", [
    ("-5", "flag_min_score: -5 is negative; the minimum score for the flag is 0 or more."),
    (-0.5, "flag_min_score: -0.5 is negative; the minimum score for the flag is 0 or more."),
    ("100001", "flag_min_score: '100001' is out of range: between 0 and 100000, with at most two decimals."),
])
def test_a_negative_minimum_score_for_the_flag_is_refused(minimum, message):
    # A minimum under 0 bars no unit while the ranking page says a minimum applies.
    with pytest.raises(SchemeError) as problem:
        Scheme.from_dict({**SCHEME_DATA, "flag_min_score": minimum})
    assert problem.value.errors == [message]
    # 0 is a minimum (a unit with a negative score is barred); a scheme saved before is read as it was.
    assert Scheme.from_dict({**SCHEME_DATA, "flag_min_score": "0"}).flag_min_score == D(0)
    assert Scheme.from_dict({**SCHEME_DATA, "flag_min_score": "-5"}, strict=False).flag_min_score == D(-5)


# --- scored out of a whole -------------------------------------------------------------------------


def test_a_scheme_out_of_100_ranks_a_unit_that_did_all_it_was_asked_above_one_asked_for_more_that_did_less():
    """Raw sums reward the number of items: a unit with three pledges all exceeded (18 of 18) would
    rank under one with six pledges four of them exceeded (4 × 6 + 2 × 0 = 24 of 36). Out of 100:
    18/18 = 100, 24/36 = 66.67 (two decimals, half up), and the scale line makes the lines add up."""
    scheme = Scheme.from_dict({**SCHEME_DATA, "score_out_of": "100"})
    few = score_unit(unit("A", *(measure(c, "exceeded") for c in ("3", "4", "5"))), scheme, final=True)
    many = score_unit(unit("B", *(measure(c, "exceeded") for c in ("3", "4", "5", "7")),
                           measure("8", "not_met"), measure("9", "not_met")), scheme, final=True)
    assert (few.score, many.score) == (D("100.00"), D("66.67"))
    assert sum(line.points for line in many.lines) == many.score  # still adds up
    scale = next(line for line in many.lines if line.kind is LineKind.SCALE)
    assert scale.points == D("42.67")
    assert scale.label("vi") == "Quy đổi ra thang 100 điểm"
    assert scale.verdict("vi") == "đạt 24/36 điểm tối đa của các dòng trên, quy đổi được 66,67/100 điểm"
    assert scale.verdict("en") == "24 of the 36 points the lines above could earn = 66.67 of 100"
    assert [s.code for s in rank([many, few])] == ["A", "B"]
    raw = [score_unit(u, SCHEME, final=True) for u in (unit("A", *(measure(c, "exceeded") for c in ("3", "4", "5"))),)]
    assert raw[0].score == D(18) and not any(line.kind is LineKind.SCALE for line in raw[0].lines)  # no whole: the sum


def test_out_of_a_whole_scales_tasks_and_reports_too_and_adds_bonuses_after():
    # Measure met 5 of 6, task completed 2 of 3, one quarter on time 1 of 1 and complete 0.5 of 0.5:
    # 8.5 of 10.5 → 80.952… → 80.95; the bonus of 10 after: 90.95.
    scheme = Scheme.from_dict({**SCHEME_DATA, "score_out_of": "100"})
    score = score_unit(unit("A", measure("3", "met"), tasks=[TaskResult("2.1", "NV", "Task", Verdict.COMPLETED)],
                            reports=[QuarterReport(1, sent=True, on_time=True)],
                            adjustments=[Adjustment(D(10), "Cờ thi đua năm trước")]), scheme, final=True)
    assert score.score == D("90.95")
    assert [line.kind for line in score.lines][-2:] == [LineKind.SCALE, LineKind.BONUS]
    nothing = score_unit(unit("B"), scheme, final=True)  # nothing asked: 0 of 0 is 0, not a division by zero
    assert nothing.score == 0


@pytest.mark.parametrize(("value", "message"), [
    ("0", "score_out_of: 0: a score is out of a whole above 0 (100, say)"),
    ("-100", "score_out_of: -100: a score is out of a whole above 0 (100, say)"),
    ("abc", "score_out_of: 'abc' is not a number of points."),
])
def test_a_whole_to_score_out_of_must_be_a_positive_number(value, message):
    with pytest.raises(SchemeError) as problem:
        Scheme.from_dict({**SCHEME_DATA, "score_out_of": value})
    assert any(error.startswith(message) for error in problem.value.errors), problem.value.errors


def test_a_ranking_scored_out_of_a_whole_is_kept_and_read_back_the_same():
    scheme = Scheme.from_dict({**SCHEME_DATA, "score_out_of": "100"})
    scores = rank([score_unit(unit("A", measure("3", "met"), measure("4", "exceeded")), scheme, final=True)])
    kept = Ranking(year=2024, final=True, quarter=4, blocs=(BlocRanking("K", "Khối", scores, final=True),))
    again = Ranking.from_data(kept.to_data())
    assert again == kept and again.blocs[0].units[0].score == D("91.67")


def test_bonuses_over_the_schemes_most_are_taken_off_in_a_line_of_their_own():
    scheme = Scheme.from_dict({**SCHEME_DATA, "bonus_max": "15"})
    score = score_unit(unit("A", measure("3", "met"), adjustments=[Adjustment(D(10), "Cờ của Bộ"), Adjustment(D(10), "Cờ của tỉnh"),
                                                                  Adjustment(D(-2), "Sai số liệu")]), scheme, final=True)
    cap = score.lines[-1]
    assert (cap.kind, cap.points, cap.label("en"), cap.verdict("vi")) == (
        LineKind.BONUS_CAP, D(-5), "Bonuses over the most of 15", "điểm thưởng 20 điểm, thang điểm chỉ tính 15")
    assert score.score == D(5 + 20 - 2 - 5)  # the sum of the lines, the bonuses counted up to 15
    assert not any(line.kind is LineKind.BONUS_CAP for line in score_unit(
        unit("B", adjustments=[Adjustment(D(15), "Cờ của Chính phủ")]), scheme).lines)  # at the most: counted whole
    with pytest.raises(SchemeError) as problem:
        Scheme.from_dict({**SCHEME_DATA, "bonus_max": "-1"})
    assert problem.value.errors == ["bonus_max: -1 is negative; the most a unit's bonuses add up to is 0 or more."]


def test_out_of_a_whole_a_unit_with_no_pledge_nor_task_is_listed_not_ranked_on_its_reports_alone():
    """Nine of nine report points would be 100, first of its bloc: out of a whole, a unit with no
    pledge and no task is listed, not ranked, and its reports are not said to be a score."""
    scheme = Scheme.from_dict({**SCHEME_DATA, "score_out_of": "100"})
    reports_only = score_unit(unit("R", reports=[QuarterReport(q, sent=True, on_time=True) for q in (1, 2, 3)]), scheme)
    worker = score_unit(unit("W", measure("3", "met"), reports=[QuarterReport(q, sent=True, on_time=True) for q in (1, 2, 3)]), scheme)
    ranked = rank([reports_only, worker])
    assert [(s.code, s.rank) for s in ranked] == [("W", 1), ("R", None)]
    assert ranked[1].unranked_because.text("en").startswith("No pledge or task of the programme to be scored out of the whole on")
    assert not ranked[1].has_total and ranked[1].nothing_to_commend
    # As sums (no whole), its report points rank it as they always did.
    assert score_unit(unit("R", reports=[QuarterReport(1, sent=True, on_time=True)]), SCHEME).unranked_because is None


def test_during_the_year_a_yearly_figure_still_awaited_is_not_counted_against_the_whole():
    # Met (5 of 6) and an awaited yearly measure (no figure yet: 0): 5 of 6, not 5 of 12.
    scheme = Scheme.from_dict({**SCHEME_DATA, "score_out_of": "100"})
    provisional = score_unit(unit("A", measure("3", "met"), measure("6", "awaited")), scheme)
    assert provisional.score == D("83.33")
    # Once the year is closed it is no figure for good, counted: 5 of 12.
    assert score_unit(unit("A", measure("3", "met"), measure("6", "awaited")), scheme, final=True).score == D("41.67")
