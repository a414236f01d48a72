"""The progress engine, exhaustively: every comparison × flow/level × baseline × missing data × year end.

Plain Python, no database: run with `-p no:django` if Django is not installed. Expected values
are worked out by hand in the comments; all of them are exact Decimals.
"""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import translation

from targets.progress import (
    SEVERITY,
    STATUS_NAMES,
    VERDICT_NAMES,
    Aggregation,
    Comparison,
    MeasureSpec,
    Status,
    Verdict,
    evaluate,
    period_label,
    period_note,
    status_label,
    verdict_label,
    worst,
)

# The day the engine judges on (evaluate's `today`, which has no default): in the year, before any
# yearly figure of these measures is due.
TODAY = datetime.date(2024, 11, 27)

FLOW, LEVEL = Aggregation.FLOW, Aggregation.LEVEL
GTE, GT, LTE = Comparison.GTE, Comparison.GT, Comparison.LTE
DECREASE, INCREASE, QUALITATIVE = Comparison.DECREASE, Comparison.INCREASE, Comparison.QUALITATIVE
EXCEEDED, MET, ON_TRACK, AT_RISK, BEHIND, NO_DATA, NOT_MET = (
    Status.EXCEEDED, Status.MET, Status.ON_TRACK, Status.AT_RISK, Status.BEHIND, Status.NO_DATA, Status.NOT_MET,
)


def spec(comparison=GTE, aggregation=FLOW, target="2460", **extra):
    if isinstance(extra.get("previous_year"), str):
        extra["previous_year"] = D(extra["previous_year"])
    if "same_period" in extra:
        extra["same_period"] = {k: D(v) for k, v in extra["same_period"].items()}
    return MeasureSpec(
        code="x", comparison=comparison, aggregation=aggregation,
        target=D(target) if target is not None else None, **extra,
    )


def q(*values):
    """Quarter figures from positional values (quarter 1 first); None leaves a quarter out."""
    return {i: D(v) for i, v in enumerate(values, start=1) if v is not None}


def at(quarter, value):
    """A single figure reported for one quarter."""
    return {quarter: D(value)}


BUDGET = dict(comparison=GTE, aggregation=FLOW, target="2460", unit_vi="tỷ đồng", unit_en="billion VND")
COVER = dict(comparison=GTE, aggregation=LEVEL, target="59.3", decimal_places=1, unit_vi="%", unit_en="%")
BIRTHS = dict(comparison=LTE, aggregation=LEVEL, target="1.3", decimal_places=2, unit_vi="%", unit_en="%")
ACCIDENTS = dict(comparison=DECREASE, aggregation=FLOW, target=None, unit_vi="vụ", unit_en="cases")
PAR_INDEX = dict(comparison=INCREASE, aggregation=LEVEL, target=None, decimal_places=2, unit_vi="điểm", unit_en="points")
DEFENCE = dict(comparison=QUALITATIVE, aggregation=LEVEL, target=None)


# --- gte, flow -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "values, quarter, ytd, expected, status",
    [
        (q("615"), 1, "615", "615", ON_TRACK),              # exactly on the pace 2460 × 1/4
        (q("616"), 1, "616", "615", ON_TRACK),
        (q("614"), 1, "614", "615", AT_RISK),
        (q("553.5"), 1, "553.5", "615", AT_RISK),           # short 61.5 = exactly 10 % of 615
        (q("553.4"), 1, "553.4", "615", BEHIND),            # just past the band
        (q("0"), 1, "0", "615", BEHIND),
        (q("600", "630"), 2, "1230", "1230", ON_TRACK),
        (q("500", "607"), 2, "1107", "1230", AT_RISK),      # short 123 = exactly 10 % of 1230
        (q("500", "606"), 2, "1106", "1230", BEHIND),
        (q("600", "700", "600"), 3, "1900", "1845", ON_TRACK),
        (q("600", "600", "600"), 3, "1800", "1845", AT_RISK),  # short 45 ≤ 184.5
        (q("500", "500", "600"), 3, "1600", "1845", BEHIND),   # short 245 > 184.5
        (q("1000", "1000", "460"), 3, "2460", "1845", MET),    # the year's target reached in-year
        (q("1000", "1000", "500"), 3, "2500", "1845", EXCEEDED),
        (q("2461"), 1, "2461", "615", EXCEEDED),
        (q("600", "600", "600", "660"), 4, "2460", "2460", MET),
        (q("600", "600", "600", "661"), 4, "2461", "2460", EXCEEDED),
        (q("600", "600", "600", "659"), 4, "2459", "2460", NOT_MET),  # at year end there is no "at risk"
        (q("100", "100", "100", "100"), 4, "400", "2460", NOT_MET),
    ],
)
def test_gte_flow(values, quarter, ytd, expected, status):
    result = evaluate(spec(**BUDGET), quarter, values, today=TODAY)
    assert (result.ytd, result.expected, result.status) == (D(ytd), D(expected), status)
    assert result.percent_of_plan == D(ytd) / D("2460") * 100
    assert result.missing_quarters == ()
    assert result.is_year_end is (quarter == 4)
    assert result.ytd_quarter is None
    assert result.verdict is None


def test_gte_flow_figures_of_the_period():
    result = evaluate(spec(**BUDGET), 3, q("600", "650", "600", "999"), today=TODAY)
    assert result.quarter == 3
    assert result.quarter_value == D("600")
    assert result.ytd == D("1850")
    assert result.expected == D("1845")
    assert result.percent_of_plan == D("1850") / D("2460") * 100
    assert result.ytd_by_quarter == {1: D("600"), 2: D("1250"), 3: D("1850")}
    assert result.same_period is None
    assert result.percent_of_same_period is None and result.change_percent is None


# --- gt -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "aggregation, previous_year, values, quarter, status",
    [
        # flow, target 308: expected 154 at mid-year
        (FLOW, None, q("77", "77"), 2, ON_TRACK),          # 154 == pace
        (FLOW, None, q("77", "76"), 2, AT_RISK),
        (FLOW, None, q("100", "208"), 2, ON_TRACK),        # 308 == target: "more than" not yet satisfied
        (FLOW, None, q("100", "209"), 2, MET),             # past the line: met, never "exceeded"
        (FLOW, None, q("77", "77", "77", "77"), 4, NOT_MET),  # 308 is not more than 308
        (FLOW, None, q("77", "77", "77", "78"), 4, MET),
        (FLOW, None, q("200", "200", "200", "200"), 4, MET),
        # level without baseline, target 95: the target itself is the pace
        # standing on the line of "more than 95" has not passed it: at risk, as it would be "not met" at year end
        (LEVEL, None, at(2, "95"), 2, AT_RISK),
        (LEVEL, None, at(2, "95.1"), 2, MET),
        (LEVEL, None, at(2, "85.5"), 2, AT_RISK),          # short 9.5 = 10 % of 95
        (LEVEL, None, at(2, "85.4"), 2, BEHIND),
        (LEVEL, None, at(4, "95"), 4, NOT_MET),
        (LEVEL, None, at(4, "95.01"), 4, MET),
        # level with baseline 90: expected 92.5 at mid-year
        (LEVEL, "90", at(2, "92.5"), 2, ON_TRACK),
        (LEVEL, "90", at(2, "92.4"), 2, AT_RISK),
        (LEVEL, "90", at(2, "83.25"), 2, AT_RISK),         # short 9.25 = 10 % of 92.5
        (LEVEL, "90", at(2, "83.24"), 2, BEHIND),
        (LEVEL, "90", at(4, "95"), 4, NOT_MET),
        (LEVEL, "90", at(4, "96"), 4, MET),
    ],
)
def test_gt(aggregation, previous_year, values, quarter, status):
    target = "308" if aggregation is FLOW else "95"
    measure = spec(GT, aggregation, target, previous_year=previous_year)
    assert evaluate(measure, quarter, values, today=TODAY).status is status


@pytest.mark.parametrize(
    "comparison, value, status",
    [(GTE, "95", MET), (GT, "95", NOT_MET), (GTE, "95.1", EXCEEDED), (GT, "95.1", MET), (GTE, "94.9", NOT_MET), (GT, "94.9", NOT_MET)],
)
def test_at_least_and_more_than_differ_only_on_the_target(comparison, value, status):
    assert evaluate(spec(comparison, LEVEL, "95"), 4, at(4, value), today=TODAY).status is status


def test_a_flow_on_the_line_of_more_than_says_the_target_is_over_it():
    result = evaluate(spec(GT, FLOW, "1000", unit_vi="tỷ đồng"), 4, q("250", "250", "250", "250"), today=TODAY)
    assert result.status is NOT_MET
    assert result.explanation("vi") == "Cả năm: 1.000 / 1.000 tỷ đồng = 100,0 % kế hoạch (kế hoạch trên 1.000 tỷ đồng) → không đạt"


# --- gte, level ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "values, quarter, ytd, ytd_quarter, status",
    [
        (at(2, "59.3"), 2, "59.3", 2, MET),
        (at(2, "59.4"), 2, "59.4", 2, EXCEEDED),
        (at(2, "58.9"), 2, "58.9", 2, AT_RISK),
        (at(2, "53.37"), 2, "53.37", 2, AT_RISK),    # short 5.93 = 10 % of 59.3
        (at(2, "53.36"), 2, "53.36", 2, BEHIND),
        (q("59.4"), 3, "59.4", 1, EXCEEDED),         # the latest figure stands
        (q("50", "58.9"), 2, "58.9", 2, AT_RISK),    # the latest, not the best nor the sum
        (q("59.5", "58"), 2, "58", 2, AT_RISK),      # a fall is taken as reported
        (q("59", None, "58.5"), 3, "58.5", 3, AT_RISK),
        (q("59.4", "50"), 1, "59.4", 1, EXCEEDED),   # Q2 is after the period: ignored
        (at(4, "59.3"), 4, "59.3", 4, MET),
        (at(4, "59.2"), 4, "59.2", 4, NOT_MET),
        (q("59.4", None, None, None), 4, "59.4", 1, EXCEEDED),  # no Q4 figure: Q1's still stands
    ],
)
def test_gte_level_without_baseline_is_compared_with_the_target(values, quarter, ytd, ytd_quarter, status):
    result = evaluate(spec(**COVER), quarter, values, today=TODAY)
    assert (result.ytd, result.ytd_quarter, result.status) == (D(ytd), ytd_quarter, status)
    assert result.expected == D("59.3")
    assert result.missing_quarters == ()  # a level has no gaps: the latest figure stands


@pytest.mark.parametrize(
    "quarter, expected, value, status",
    [
        # baseline 58.5 moves to 59.3 in four steps of 0.2
        (1, "58.7", "58.7", ON_TRACK),
        (1, "58.7", "58.6", AT_RISK),
        (1, "58.7", "52.83", AT_RISK),   # short 5.87 = 10 % of 58.7
        (1, "58.7", "52.82", BEHIND),
        (2, "58.9", "58.9", ON_TRACK),
        (3, "59.1", "58.9", AT_RISK),
        (3, "59.1", "59.2", ON_TRACK),
        (3, "59.1", "59.3", MET),
        (3, "59.1", "60", EXCEEDED),
        (4, "59.3", "59.3", MET),
        (4, "59.3", "59.29", NOT_MET),
    ],
)
def test_gte_level_with_baseline_moves_linearly_from_last_year_to_the_target(quarter, expected, value, status):
    result = evaluate(spec(**COVER, previous_year="58.5"), quarter, at(quarter, value), today=TODAY)
    assert result.expected == D(expected)
    assert result.status is status


def test_a_baseline_above_the_target_lowers_the_pace():
    # Last year 10, target 8 (a province may plan a lower figure): the pace falls 0.5 a quarter.
    assert evaluate(spec(GTE, LEVEL, "8", previous_year="10"), 2, at(2, "8.5"), today=TODAY).expected == D("9")
    assert evaluate(spec(GTE, LEVEL, "8", previous_year="10"), 2, at(2, "8.5"), today=TODAY).status is EXCEEDED  # above the plan
    assert evaluate(spec(GTE, LEVEL, "8", previous_year="10"), 2, at(2, "8"), today=TODAY).status is MET


def test_level_by_quarter_shows_each_quarters_own_value():
    result = evaluate(spec(**COVER), 3, q("58", None, "59"), today=TODAY)
    assert result.ytd_by_quarter == {1: D("58"), 2: None, 3: D("59")}
    assert result.quarter_value == D("59")


def test_level_quarter_value_is_none_when_the_quarter_has_no_figure():
    result = evaluate(spec(**COVER), 3, q("59.4"), today=TODAY)
    assert result.quarter_value is None
    assert result.ytd == D("59.4")


@pytest.mark.parametrize("aggregation", [FLOW, LEVEL])
def test_without_any_figure_there_is_no_data(aggregation):
    result = evaluate(spec(GTE, aggregation, "40"), 2, {}, today=TODAY)
    assert result.status is NO_DATA
    assert result.ytd is None and result.percent_of_plan is None and result.quarter_value is None
    assert result.explanation("vi") == "6 tháng: chưa có số liệu"
    assert result.explanation("en") == "First half: no figure yet"


def test_none_values_are_the_same_as_missing_ones():
    result = evaluate(spec(**BUDGET), 2, {1: D("600"), 2: None}, today=TODAY)
    assert result.status is NO_DATA
    assert result.missing_quarters == (2,)
    assert evaluate(spec(**COVER), 2, {1: D("59.4"), 2: None}, today=TODAY).ytd_quarter == 1


# --- missing quarters of a flow ---------------------------------------------------------------

@pytest.mark.parametrize(
    "values, quarter, missing, ytd, by_quarter",
    [
        (q("600", None, "600"), 3, (2,), "1200", {1: "600", 2: None, 3: None}),
        (q(None, "600", "600"), 3, (1,), "1200", {1: None, 2: None, 3: None}),
        (q("600", "600"), 3, (3,), "1200", {1: "600", 2: "1200", 3: None}),
        (q("600", None, None, "600"), 4, (2, 3), "1200", {1: "600", 2: None, 3: None, 4: None}),
        (q(None, None, None, "999"), 3, (1, 2, 3), None, {1: None, 2: None, 3: None}),
        (q(None), 1, (1,), None, {1: None}),
    ],
)
@pytest.mark.parametrize("comparison", [GTE, GT, LTE, DECREASE])
def test_a_missing_quarter_of_a_flow_gives_no_data(comparison, values, quarter, missing, ytd, by_quarter):
    measure = spec(comparison, FLOW, "2460" if comparison is not DECREASE else None, same_period={1: "1", 2: "1", 3: "1", 4: "1"})
    result = evaluate(measure, quarter, values, today=TODAY)
    assert result.status is NO_DATA
    assert result.missing_quarters == missing
    assert result.ytd == (D(ytd) if ytd is not None else None)  # the partial sum is still shown
    assert result.ytd_by_quarter == {k: (D(v) if v is not None else None) for k, v in by_quarter.items()}


def test_missing_quarters_are_named_in_the_explanation():
    result = evaluate(spec(**BUDGET), 3, q("600", None, "600"), today=TODAY)
    assert result.explanation("vi") == "9 tháng: thiếu số liệu quý II → chưa có số liệu"
    assert result.explanation("en") == "Nine months: no figure for Q2 → no data"
    several = evaluate(spec(**BUDGET), 4, q(None, "600", None, "600"), today=TODAY)
    assert several.explanation("vi") == "Cả năm: thiếu số liệu quý I, quý III → chưa có số liệu"
    assert several.explanation("en") == "Full year: no figure for Q1, Q3 → no data"


def test_quarters_after_the_period_are_ignored():
    result = evaluate(spec(**BUDGET), 1, q("615", "5000", "5000", "5000"), today=TODAY)
    assert result.ytd == D("615")
    assert result.ytd_by_quarter == {1: D("615")}
    assert result.status is ON_TRACK
    # A gap after the period is no gap in it.
    assert evaluate(spec(**BUDGET), 2, q("600", "630", None), today=TODAY).missing_quarters == ()


# --- seasonal pace -------------------------------------------------------------------------

LAST_YEAR_BY_QUARTER = {1: "400", 2: "1000", 3: "1500", 4: "2000"}  # shares 20 %, 50 %, 75 %, 100 %


@pytest.mark.parametrize(
    "quarter, values, expected, status",
    [
        (1, q("492"), "492", ON_TRACK),            # 2460 × 400/2000; a flat pace would want 615
        (1, q("491"), "492", AT_RISK),
        (1, q("442.8"), "492", AT_RISK),           # short 49.2 = exactly 10 %
        (1, q("442.7"), "492", BEHIND),
        (2, q("492", "738"), "1230", ON_TRACK),    # 2460 × 1000/2000
        (3, q("492", "738", "615"), "1845", ON_TRACK),
        (4, q("492", "738", "615", "615"), "2460", MET),
    ],
)
def test_seasonal_pace_follows_last_years_cumulative_shares(quarter, values, expected, status):
    result = evaluate(spec(**BUDGET, seasonal=True, same_period=LAST_YEAR_BY_QUARTER), quarter, values, today=TODAY)
    assert result.expected == D(expected)
    assert result.status is status


@pytest.mark.parametrize(
    "same_period",
    [
        {1: "400"},                                # not all four quarters known
        {1: "400", 2: "1000", 3: "1500"},
        {1: "0", 2: "0", 3: "0", 4: "0"},           # nothing last year: no shares to follow
    ],
)
def test_seasonal_pace_without_a_full_last_year_is_a_quarter_each(same_period):
    result = evaluate(spec(**BUDGET, seasonal=True, same_period=same_period), 1, q("500"), today=TODAY)
    assert result.expected == D("615")
    assert result.status is BEHIND  # 500 vs 615: short 115 > 61.5


def test_without_the_seasonal_flag_last_years_shares_are_not_used():
    result = evaluate(spec(**BUDGET, same_period=LAST_YEAR_BY_QUARTER), 1, q("500"), today=TODAY)
    assert result.expected == D("615")
    assert result.same_period == D("400")
    assert result.percent_of_same_period == D("125")
    assert result.change_percent == D("25")


def test_seasonal_pace_in_the_explanation():
    result = evaluate(spec(**BUDGET, seasonal=True, same_period=LAST_YEAR_BY_QUARTER), 1, q("500"), today=TODAY)
    assert result.explanation("vi") == "Quý I: 500 / 2.460 tỷ đồng = 20,3 % kế hoạch; tiến độ cần đạt 20,0 % → đúng tiến độ"


def test_a_percent_of_plan_just_short_of_the_pace_is_never_shown_as_the_pace():
    # 512,35 of 2.460 is 20,827 % of plan; last year's first quarter was 500 of 2.400: a pace of 20,833 %.
    result = evaluate(spec(**BUDGET, seasonal=True, same_period={1: "500", 2: "1100", 3: "1700", 4: "2400"}), 1, q("512.35"), today=TODAY)
    assert result.status is AT_RISK
    assert result.explanation("vi") == ("Quý I: 512,35 / 2.460 tỷ đồng = 20,827 % kế hoạch; tiến độ cần đạt 20,833 % "
                                        "→ có nguy cơ chậm")
    # The same with an even pace: 614,9 of 2.460 is 24,996 %, a quarter of the plan 25 %.
    flat = evaluate(spec(**BUDGET), 1, q("614.9"), today=TODAY)
    assert flat.status is AT_RISK and "= 24,996 % kế hoạch; tiến độ cần đạt 25,000 %" in flat.explanation("vi")


def test_seasonal_is_ignored_for_levels():
    result = evaluate(spec(**COVER, seasonal=True, same_period=LAST_YEAR_BY_QUARTER), 1, at(1, "59.3"), today=TODAY)
    assert result.expected == D("59.3")


# --- target zero, negative values -------------------------------------------------------------

@pytest.mark.parametrize(
    "aggregation, values, quarter, status",
    [
        (FLOW, q("0", "0"), 2, MET),
        (FLOW, q("0", "5"), 2, EXCEEDED),
        (FLOW, q("0", "-1"), 2, BEHIND),   # any shortfall is more than 10 % of nothing
        (FLOW, q("0", "0", "0", "0"), 4, MET),
        (FLOW, q("0", "0", "0", "-1"), 4, NOT_MET),
        (LEVEL, at(2, "0"), 2, MET),
        (LEVEL, at(2, "-0.5"), 2, BEHIND),
        (LEVEL, at(4, "0.1"), 4, EXCEEDED),
    ],
)
def test_target_zero_is_satisfied_by_any_value_at_or_above_zero(aggregation, values, quarter, status):
    result = evaluate(spec(GTE, aggregation, "0"), quarter, values, today=TODAY)
    assert result.status is status
    assert result.percent_of_plan is None  # no division by zero


def test_target_zero_with_more_than():
    assert evaluate(spec(GT, LEVEL, "0"), 4, at(4, "0"), today=TODAY).status is NOT_MET
    assert evaluate(spec(GT, LEVEL, "0"), 4, at(4, "0.01"), today=TODAY).status is MET
    assert evaluate(spec(LTE, LEVEL, "0"), 4, at(4, "0"), today=TODAY).status is MET
    assert evaluate(spec(LTE, LEVEL, "0"), 2, at(2, "0.01"), today=TODAY).status is BEHIND  # no band around zero


def test_target_zero_explanation_has_no_pace_and_no_percent():
    result = evaluate(spec(GTE, FLOW, "0", unit_vi="tỷ đồng", unit_en="billion VND"), 2, q("0", "0"), today=TODAY)
    assert result.explanation("vi") == "6 tháng: 0 / 0 tỷ đồng → đạt"
    assert result.explanation("en") == "First half: 0 / 0 billion VND → met"


@pytest.mark.parametrize(
    "target, previous_year, quarter, value, expected, status",
    [
        ("7.5", None, 1, "-1.2", "7.5", BEHIND),       # GRDP contracting
        ("7.5", None, 4, "-1.2", "7.5", NOT_MET),
        ("7.5", "-2", 2, "2.75", "2.75", ON_TRACK),    # from -2 towards 7.5: -2 + 9.5 × 2/4
        ("7.5", "-2", 1, "0.3375", "0.375", AT_RISK),  # -2 + 9.5/4; short 0.0375 = exactly 10 %
        ("7.5", "-2", 1, "0.3374", "0.375", BEHIND),
        ("-2", None, 2, "-2", "-2", MET),              # a planned fall of no more than 2 %
        ("-2", None, 2, "-1", "-2", EXCEEDED),
        ("-2", None, 2, "-2.2", "-2", AT_RISK),        # short 0.2 = 10 % of |-2|
        ("-2", None, 2, "-2.21", "-2", BEHIND),
        ("-2", None, 4, "-2.2", "-2", NOT_MET),
    ],
)
def test_negative_values_and_targets(target, previous_year, quarter, value, expected, status):
    result = evaluate(spec(GTE, LEVEL, target, previous_year=previous_year), quarter, at(quarter, value), today=TODAY)
    assert result.expected == D(expected)
    assert result.status is status


def test_negative_growth_percentages():
    result = evaluate(spec(GTE, LEVEL, "7.5", same_period={2: "5"}), 2, at(2, "-1.2"), today=TODAY)
    assert result.percent_of_plan == D("-1.2") / D("7.5") * 100 == D("-16")
    assert result.percent_of_same_period == D("-24")
    assert result.change_percent == D("-124")


# --- lte ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "value, quarter, status",
    [
        ("1.3", 2, MET),        # at the target: met
        ("1.2", 2, MET),
        ("-0.1", 2, MET),       # a shrinking population is still "at most 1.3"
        ("1.31", 2, AT_RISK),   # just over
        ("1.43", 2, AT_RISK),   # 1.3 × 1.1, exactly on the band
        ("1.44", 2, BEHIND),    # well over
        ("2.5", 3, BEHIND),
        ("1.3", 4, MET),
        ("1.31", 4, NOT_MET),
        ("1.43", 4, NOT_MET),
    ],
)
def test_lte_level(value, quarter, status):
    result = evaluate(spec(**BIRTHS), quarter, at(quarter, value), today=TODAY)
    assert result.status is status
    assert result.expected == D("1.3")
    assert result.percent_of_plan == D(value) / D("1.3") * 100


@pytest.mark.parametrize(
    "values, quarter, status",
    [
        # A ceiling on a count that only grows is paced during the year: three quarters of 100 is 75.
        (q("20", "20", "30"), 3, ON_TRACK),         # 70 under the pace: never "met" before the year is out
        (q("25", "25", "25"), 3, ON_TRACK),         # 75 == the pace
        (q("25", "25", "32.5"), 3, AT_RISK),        # 82,5 = exactly 10 % over the pace
        (q("30", "30", "30"), 3, BEHIND),           # 90: under the year's ceiling, but heading for 120
        (q("25", "25", "25", "25"), 4, MET),
        (q("25", "25", "25", "26"), 4, NOT_MET),
    ],
)
def test_lte_flow(values, quarter, status):
    result = evaluate(spec(LTE, FLOW, "100"), quarter, values, today=TODAY)
    assert result.status is status
    assert result.expected == (D(100) if quarter == 4 else D(75))
    if quarter == 3:
        # A ceiling's pace is the most allowed by now, never a figure "to reach" (probe G: "tiến độ cần đạt 7 vụ").
        assert "at most 100" in result.explanation("en") and "at most 75 by now" in result.explanation("en")
        assert "không vượt quá 100" in result.explanation("vi") and "đến nay không vượt quá 75" in result.explanation("vi")
        assert "expected pace" not in result.explanation("en") and "cần đạt" not in result.explanation("vi")


def test_lte_with_a_negative_ceiling_keeps_a_band_above_it():
    # "at most -1": -0.95 is over by 0.05, within 10 % of |-1|.
    assert evaluate(spec(LTE, LEVEL, "-1"), 2, at(2, "-0.95"), today=TODAY).status is AT_RISK
    assert evaluate(spec(LTE, LEVEL, "-1"), 2, at(2, "-0.89"), today=TODAY).status is BEHIND


def test_lte_uses_the_latest_figure():
    result = evaluate(spec(**BIRTHS), 3, q("1.5", "1.2"), today=TODAY)
    assert (result.ytd, result.ytd_quarter, result.status) == (D("1.2"), 2, MET)


# --- decrease (traffic accidents) -----------------------------------------------------------

@pytest.mark.parametrize(
    "values, quarter, status",
    [
        (q("30", "30", "35"), 3, ON_TRACK),     # 95 < 110
        (q("40", "40", "29"), 3, ON_TRACK),     # 109 < 110
        (q("40", "40", "30"), 3, AT_RISK),      # 110 == 110: not lower, within 10 %
        (q("40", "40", "41"), 3, AT_RISK),      # 121 = 110 × 1.1 exactly
        (q("40", "40", "42"), 3, BEHIND),       # 122
        (q("30", "30", "30", "30"), 4, MET),    # 120 < 150
        (q("40", "40", "40", "29"), 4, MET),    # 149 < 150
        (q("40", "40", "40", "30"), 4, NOT_MET),  # 150 == 150 at year end
        (q("50", "50", "50", "50"), 4, NOT_MET),
    ],
)
def test_decrease(values, quarter, status):
    accidents = spec(**ACCIDENTS, same_period={3: "110", 4: "150"})
    result = evaluate(accidents, quarter, values, today=TODAY)
    assert result.status is status
    assert result.expected == result.same_period == {3: D("110"), 4: D("150")}[quarter]
    assert result.percent_of_plan is None


def test_no_death_as_last_year_is_kept_not_at_risk_and_said_unchanged():
    deaths = spec(**{**ACCIDENTS, "unit_vi": "người", "unit_en": "people"}, same_period={1: "0", 4: "0"}, previous_year="0")
    in_year = evaluate(deaths, 1, q("0"), today=TODAY)
    assert in_year.status is ON_TRACK and in_year.explanation("vi") == "Quý I: 0 người, cùng kỳ 0 người (bằng cùng kỳ) → đúng tiến độ"
    assert evaluate(deaths, 4, q("0", "0", "0", "0"), today=TODAY).status is MET
    assert evaluate(deaths, 1, q("1"), today=TODAY).status is BEHIND  # one where there was none
    # Compared with last year's whole year, it is said so.
    same = evaluate(spec(**ACCIDENTS, previous_year="18"), 4, q("4", "5", "4", "5"), today=TODAY)
    assert "năm trước 18 vụ (bằng năm trước)" in same.explanation("vi")


def test_decrease_percentages_against_the_same_period():
    result = evaluate(spec(**ACCIDENTS, same_period={3: "110"}), 3, q("30", "30", "35"), today=TODAY)
    assert result.same_period == D("110")
    assert result.percent_of_same_period == D("95") / D("110") * 100
    assert result.change_percent == D("95") / D("110") * 100 - 100
    assert result.ytd_by_quarter == {1: D("30"), 2: D("60"), 3: D("95")}


@pytest.mark.parametrize(
    "same_period, previous_year, quarter",
    [
        ({}, None, 3),
        ({}, "150", 3),        # last year's total is not the same period for 9 months
        ({4: "150"}, None, 3),
        ({3: "110"}, None, 2),
        ({}, None, 4),
    ],
)
def test_decrease_without_the_same_period_has_no_data(same_period, previous_year, quarter):
    result = evaluate(spec(**ACCIDENTS, same_period=same_period, previous_year=previous_year), quarter, q("30", "30", "35", "30"), today=TODAY)
    assert result.status is NO_DATA
    assert result.same_period is None
    assert result.percent_of_same_period is None and result.change_percent is None
    assert "chưa có số liệu cùng kỳ năm trước" in result.explanation("vi")
    assert "no figure for the same period last year" in result.explanation("en")


def test_decrease_at_year_end_falls_back_to_last_years_actual():
    result = evaluate(spec(**ACCIDENTS, previous_year="150"), 4, q("30", "30", "30", "30"), today=TODAY)
    assert result.same_period == D("150")
    assert result.status is MET
    assert result.change_percent == D("-20")
    # An explicit year-end same period wins over the whole-year actual.
    explicit = evaluate(spec(**ACCIDENTS, previous_year="150", same_period={4: "100"}), 4, q("30", "30", "30", "30"), today=TODAY)
    assert explicit.same_period == D("100")
    assert explicit.status is NOT_MET


def test_decrease_with_zero_last_year():
    none_last_year = spec(**ACCIDENTS, same_period={2: "0"})
    assert evaluate(none_last_year, 2, q("0", "0"), today=TODAY).status is ON_TRACK  # kept at none: nothing is left to decrease
    assert evaluate(none_last_year, 2, q("0", "1"), today=TODAY).status is BEHIND
    assert evaluate(none_last_year, 2, q("0", "1"), today=TODAY).percent_of_same_period is None


def test_decrease_with_a_missing_quarter_has_no_data_even_with_the_same_period():
    result = evaluate(spec(**ACCIDENTS, same_period={3: "110"}), 3, q("30", None, "35"), today=TODAY)
    assert result.status is NO_DATA
    assert result.missing_quarters == (2,)


@pytest.mark.parametrize("kind", [BUDGET, ACCIDENTS])
def test_a_year_to_date_lacking_a_quarter_is_not_compared_with_last_years_whole_period(kind):
    # Six months of this year against nine of last year would read "31 % down": an artefact.
    result = evaluate(spec(**kind, same_period={2: "1000", 3: "1600"}), 3, q("500", "608.7", None), today=TODAY)
    assert result.ytd == D("1108.7") and result.missing_quarters == (3,)
    assert result.percent_of_same_period is None and result.change_percent is None
    assert result.same_period == D("1600")  # still shown, as last year's figure of the period
    whole = evaluate(spec(**kind, same_period={2: "1000", 3: "1600"}), 3, q("500", "608.7", "700"), today=TODAY)
    assert whole.change_percent == D("1808.7") / D("1600") * 100 - 100


# --- increase (PAR Index, PCI, PAPI) -----------------------------------------------------------

@pytest.mark.parametrize(
    "value, quarter, status",
    [
        ("85.1", 4, MET),
        ("85", 4, NOT_MET),         # equal is not higher
        ("70", 4, NOT_MET),
        ("86", 3, ON_TRACK),
        ("85", 3, AT_RISK),
        ("76.5", 3, AT_RISK),       # short 8.5 = 10 % of 85
        ("76.49", 3, BEHIND),
        ("85.01", 1, ON_TRACK),
    ],
)
def test_increase_against_last_year(value, quarter, status):
    result = evaluate(spec(**PAR_INDEX, previous_year="85"), quarter, at(quarter, value), today=TODAY)
    assert result.status is status
    assert result.same_period == result.expected == D("85")
    assert result.percent_of_plan is None


def test_increase_prefers_the_same_period_to_last_years_total():
    result = evaluate(spec(**PAR_INDEX, previous_year="85", same_period={2: "80"}), 2, at(2, "82"), today=TODAY)
    assert result.same_period == D("80")
    assert result.status is ON_TRACK
    assert result.change_percent == D("2.5")


@pytest.mark.parametrize("quarter", [1, 4])
def test_increase_without_anything_to_compare_with_has_no_data(quarter):
    result = evaluate(spec(**PAR_INDEX), quarter, at(quarter, "85"), today=TODAY)
    assert result.status is NO_DATA
    assert result.explanation("en") == f"{period_label(quarter, 'en')}: 85.00 points; no figure for the same period last year to compare with → no data"


def test_a_level_figure_of_an_earlier_quarter_is_judged_as_of_its_own_quarter():
    # A score known for Q1 only, read for the first half: compared with last year's Q1 (60), not
    # with last year's first half (62), which it would seem to fall short of.
    score = spec(**PAR_INDEX, same_period={1: "60", 2: "62"})
    result = evaluate(score, 2, at(1, "61"), today=TODAY)
    assert (result.ytd, result.ytd_quarter, result.same_period, result.status) == (D("61"), 1, D("60"), ON_TRACK)
    assert result.explanation("vi") == "6 tháng: 61,00 điểm (số liệu quý I), cùng kỳ 60,00 điểm (tăng 1,7 %) → đúng tiến độ"
    assert evaluate(score, 2, q("61", "61"), today=TODAY).status is AT_RISK  # the first half's own figure, against the first half's
    # A rate with a baseline: Q1's 59,0 % against Q1's pace (58,9 + (59,3 − 58,9) × 1/4 = 59,0), not the third quarter's (59,2).
    cover = evaluate(spec(**dict(COVER, previous_year="58.9")), 3, at(1, "59.0"), today=TODAY)
    assert (cover.expected, cover.status) == (D("59.0"), ON_TRACK)
    assert cover.explanation("en") == "Nine months: 59.0 % (Q1 figure; target 59.3 %); expected 59.0 % → on track"


def test_increase_uses_the_latest_score():
    result = evaluate(spec(**PAR_INDEX, previous_year="85"), 4, q(None, "86"), today=TODAY)
    # A mid-year score is no year figure: the full-year view keeps the in-year status.
    assert (result.ytd, result.ytd_quarter, result.status) == (D("86"), 2, ON_TRACK)
    assert result.quarter_value is None and result.in_year.quarter == 2
    assert evaluate(spec(**PAR_INDEX, previous_year="85"), 4, q(None, "86", None, "86"), today=TODAY).status is MET


# --- qualitative --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "verdict, quarter, status",
    [
        (Verdict.COMPLETED_WELL, 2, EXCEEDED),
        (Verdict.COMPLETED, 2, MET),
        (Verdict.NOT_COMPLETED, 2, BEHIND),
        (Verdict.COMPLETED_WELL, 4, EXCEEDED),
        (Verdict.COMPLETED, 4, MET),
        (Verdict.NOT_COMPLETED, 4, NOT_MET),
        (None, 2, NO_DATA),
        (None, 4, NO_DATA),
    ],
)
def test_qualitative(verdict, quarter, status):
    result = evaluate(spec(**DEFENCE), quarter, {}, {quarter: verdict}, today=TODAY)
    assert result.status is status
    assert result.verdict == verdict
    assert result.ytd is None and result.percent_of_plan is None and result.expected is None


@pytest.mark.parametrize(
    "verdicts, quarter, verdict, from_quarter",
    [
        ({1: Verdict.NOT_COMPLETED, 2: Verdict.COMPLETED_WELL}, 3, Verdict.COMPLETED_WELL, 2),
        ({1: Verdict.COMPLETED_WELL, 2: Verdict.NOT_COMPLETED}, 2, Verdict.NOT_COMPLETED, 2),
        ({1: Verdict.COMPLETED, 3: Verdict.NOT_COMPLETED}, 2, Verdict.COMPLETED, 1),  # Q3 is after the period
        ({1: Verdict.COMPLETED, 2: None}, 2, Verdict.COMPLETED, 1),
        ({1: "completed_well"}, 1, Verdict.COMPLETED_WELL, 1),  # stored strings are accepted
        ({3: Verdict.COMPLETED}, 2, None, None),
        (None, 4, None, None),
    ],
)
def test_qualitative_takes_the_latest_verdict_up_to_the_period(verdicts, quarter, verdict, from_quarter):
    result = evaluate(spec(**DEFENCE), quarter, {}, verdicts, today=TODAY)
    assert result.verdict is verdict
    assert result.ytd_quarter == from_quarter


def test_qualitative_explanations():
    defence = spec(**DEFENCE)
    older = evaluate(defence, 3, {}, {1: Verdict.NOT_COMPLETED, 2: Verdict.COMPLETED_WELL}, today=TODAY)
    assert older.explanation("vi") == "9 tháng: đánh giá hoàn thành tốt nhiệm vụ (quý II) → vượt kế hoạch"
    assert older.explanation("en") == "Nine months: assessed as completed well (Q2) → exceeded"
    current = evaluate(defence, 4, {}, {4: Verdict.NOT_COMPLETED}, today=TODAY)
    assert current.explanation("vi") == "Cả năm: đánh giá chưa hoàn thành nhiệm vụ → không đạt"
    assert current.explanation("en") == "Full year: assessed as not completed → not met"
    none = evaluate(defence, 2, {}, {}, today=TODAY)
    assert none.explanation("vi") == "6 tháng: chưa có đánh giá"
    assert none.explanation("en") == "First half: not assessed yet"


# --- no target ----------------------------------------------------------------------------

@pytest.mark.parametrize("comparison", [GTE, GT, LTE])
def test_a_measure_without_target_has_no_data(comparison):
    measure = spec(comparison, LEVEL, None, unit_vi="triệu đồng", unit_en="million VND")
    result = evaluate(measure, 2, at(2, "40"), today=TODAY)
    assert result.status is NO_DATA
    assert result.percent_of_plan is None and result.expected is None
    assert result.explanation("vi") == "6 tháng: 40 triệu đồng; chưa có kế hoạch để so sánh → chưa có số liệu"
    assert result.explanation("en") == "First half: 40 million VND; no target to compare with → no data"


# --- same period on gte measures ----------------------------------------------------------------

def test_gte_shows_the_change_on_the_same_period_last_year():
    result = evaluate(spec(**BUDGET, same_period={2: "1000"}), 2, q("600", "650"), today=TODAY)
    assert result.same_period == D("1000")
    assert result.percent_of_same_period == D("125")
    assert result.change_percent == D("25")
    assert result.status is ON_TRACK  # the status is about the plan, not last year


def test_the_year_end_same_period_falls_back_to_last_years_actual():
    result = evaluate(spec(**BUDGET, previous_year="2000"), 4, q("600", "600", "600", "660"), today=TODAY)
    assert result.same_period == D("2000")
    assert result.percent_of_same_period == D("123")
    assert result.change_percent == D("23")
    assert evaluate(spec(**BUDGET, previous_year="2000"), 3, q("600", "600", "600"), today=TODAY).same_period is None


def test_same_period_zero_gives_no_percent():
    result = evaluate(spec(**BUDGET, same_period={1: "0"}), 1, q("600"), today=TODAY)
    assert result.same_period == D("0")
    assert result.percent_of_same_period is None and result.change_percent is None


# --- explanations ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "measure, quarter, values, vi, en",
    [
        (
            BUDGET, 3, q("600", "650", "600"),
            "9 tháng: 1.850 / 2.460 tỷ đồng = 75,2 % kế hoạch; tiến độ cần đạt 75,0 % → đúng tiến độ",
            "Nine months: 1,850 / 2,460 billion VND = 75.2 % of plan; expected pace 75.0 % → on track",
        ),
        (
            BUDGET, 4, q("600", "700", "600", "600"),
            "Cả năm: 2.500 / 2.460 tỷ đồng = 101,6 % kế hoạch → vượt kế hoạch",
            "Full year: 2,500 / 2,460 billion VND = 101.6 % of plan → exceeded",
        ),
        (
            dict(COVER, previous_year="58.9"), 2, at(2, "58.9"),
            "6 tháng: 58,9 % (kế hoạch 59,3 %); cần đạt 59,1 % → có nguy cơ chậm",
            "First half: 58.9 % (target 59.3 %); expected 59.1 % → at risk",
        ),
        (
            COVER, 2, at(2, "58.9"),  # without a baseline the target is the pace: said once
            "6 tháng: 58,9 % (kế hoạch 59,3 %) → có nguy cơ chậm",
            "First half: 58.9 % (target 59.3 %) → at risk",
        ),
        (
            COVER, 3, q("59.4"),
            "9 tháng: 59,4 % (số liệu quý I; kế hoạch 59,3 %) → vượt kế hoạch",
            "Nine months: 59.4 % (Q1 figure; target 59.3 %) → exceeded",
        ),
        (
            dict(COVER, previous_year="58.5"), 4, at(4, "59.2"),
            "Cả năm: 59,2 % (kế hoạch 59,3 %) → không đạt",
            "Full year: 59.2 % (target 59.3 %) → not met",
        ),
        (
            dict(COVER, target="7.5", decimal_places=2), 1, at(1, "-1.2"),
            "Quý I: -1,20 % (kế hoạch 7,5 %) → chậm tiến độ",
            "Q1: -1.20 % (target 7.5 %) → behind",
        ),
        (
            dict(ACCIDENTS, same_period={3: "110"}), 3, q("30", "30", "35"),
            "9 tháng: 95 vụ, cùng kỳ 110 vụ (giảm 13,6 %) → đúng tiến độ",
            "Nine months: 95 cases, same period last year 110 cases (down 13.6 %) → on track",
        ),
        (
            dict(ACCIDENTS, same_period={3: "110"}), 3, q("40", "40", "41"),
            "9 tháng: 121 vụ, cùng kỳ 110 vụ (tăng 10,0 %) → có nguy cơ chậm",
            "Nine months: 121 cases, same period last year 110 cases (up 10.0 %) → at risk",
        ),
        (
            dict(ACCIDENTS, same_period={3: "100000"}), 3, q("33330", "33330", "33330"),
            "9 tháng: 99.990 vụ, cùng kỳ 100.000 vụ (giảm 0,01 %) → đúng tiến độ",
            "Nine months: 99,990 cases, same period last year 100,000 cases (down 0.01 %) → on track",
        ),
        (
            dict(ACCIDENTS, same_period={2: "60"}), 2, q("30", "30"),
            "6 tháng: 60 vụ, cùng kỳ 60 vụ (bằng cùng kỳ) → có nguy cơ chậm",
            "First half: 60 cases, same period last year 60 cases (unchanged) → at risk",
        ),
        (
            dict(ACCIDENTS, previous_year="150"), 4, q("30", "30", "30", "30"),
            "Cả năm: 120 vụ, năm trước 150 vụ (giảm 20,0 %) → đạt",
            "Full year: 120 cases, last year 150 cases (down 20.0 %) → met",
        ),
        (
            ACCIDENTS, 3, q("30", "30", "35"),
            "9 tháng: 95 vụ; chưa có số liệu cùng kỳ năm trước để so sánh → chưa có số liệu",
            "Nine months: 95 cases; no figure for the same period last year to compare with → no data",
        ),
        (
            ACCIDENTS, 3, q("30", None, "35"),
            "9 tháng: thiếu số liệu quý II; chưa có số liệu cùng kỳ năm trước để so sánh → chưa có số liệu",
            "Nine months: no figure for Q2; no figure for the same period last year to compare with → no data",
        ),
        (
            dict(PAR_INDEX, previous_year="80"), 4, at(4, "84"),
            "Cả năm: 84,00 điểm, năm trước 80,00 điểm (tăng 5,0 %) → đạt",
            "Full year: 84.00 points, last year 80.00 points (up 5.0 %) → met",
        ),
        (
            dict(PAR_INDEX, previous_year="80"), 3, q("79"),
            "9 tháng: 79,00 điểm (số liệu quý I), năm trước 80,00 điểm (giảm 1,3 %) → có nguy cơ chậm",
            "Nine months: 79.00 points (Q1 figure), last year 80.00 points (down 1.3 %) → at risk",
        ),
        (
            BIRTHS, 2, at(2, "1.25"),
            "6 tháng: 1,25 % (không vượt quá 1,3 %) → đạt",
            "First half: 1.25 % (at most 1.3 %) → met",
        ),
        (
            BIRTHS, 3, at(3, "1.4"),
            "9 tháng: 1,40 % (không vượt quá 1,3 %) → có nguy cơ chậm",
            "Nine months: 1.40 % (at most 1.3 %) → at risk",
        ),
        (
            BIRTHS, 4, q(None, "1.35"),
            "Cả năm: chưa có số cả năm; 6 tháng: 1,35 % (không vượt quá 1,3 %) → có nguy cơ chậm",
            "Full year: no full-year figure yet; First half: 1.35 % (at most 1.3 %) → at risk",
        ),
        (
            dict(comparison=GTE, aggregation=FLOW, target="3200000", unit_vi="lượt", unit_en="arrivals",
                 display_divisor=D("1000000"), display_unit_vi="triệu lượt", display_unit_en="million arrivals"),
            2, q("700000", "900000"),
            "6 tháng: 1,60 / 3,2 triệu lượt = 50,0 % kế hoạch; tiến độ cần đạt 50,0 % → đúng tiến độ",
            "First half: 1.60 / 3.2 million arrivals = 50.0 % of plan; expected pace 50.0 % → on track",
        ),
        (
            dict(comparison=GT, aggregation=LEVEL, target="95", decimal_places=1, unit_vi="%", unit_en="%", previous_year=D("90")),
            2, at(2, "92"),
            "6 tháng: 92,0 % (kế hoạch trên 95 %); cần đạt 92,5 % → có nguy cơ chậm",
            "First half: 92.0 % (target over 95 %); expected 92.5 % → at risk",
        ),
        (
            dict(comparison=GTE, aggregation=FLOW, target="308", decimal_places=1),  # no unit: no stray space
            1, q("80"),
            "Quý I: 80,0 / 308 = 26,0 % kế hoạch; tiến độ cần đạt 25,0 % → đúng tiến độ",
            "Q1: 80.0 / 308 = 26.0 % of plan; expected pace 25.0 % → on track",
        ),
    ],
)
def test_explanations(measure, quarter, values, vi, en):
    result = evaluate(spec(**measure), quarter, values, today=TODAY)
    assert result.explanation("vi") == vi
    assert result.explanation("en") == en
    assert result.explanation("vi-VN") == vi
    assert result.explanation("en-GB") == en


def test_display_divisor_changes_only_the_words_not_the_figures():
    tourists = spec(GTE, FLOW, "3200000", display_divisor=D("1000000"), display_unit_vi="triệu lượt")
    result = evaluate(tourists, 2, q("700000", "900000"), today=TODAY)
    assert result.ytd == D("1600000")
    assert result.expected == D("1600000")
    assert result.percent_of_plan == D("50")


def test_the_explanation_ends_with_the_status_word_in_lower_case():
    for values, status in [(q("615"), "đúng tiến độ"), (q("600"), "có nguy cơ chậm"), (q("100"), "chậm tiến độ")]:
        assert evaluate(spec(**BUDGET), 1, values, today=TODAY).explanation("vi").endswith(f"→ {status}")


# --- labels, severity, worst ------------------------------------------------------------------

@pytest.mark.parametrize(
    "status, vi, en",
    [
        (EXCEEDED, "Vượt kế hoạch", "Exceeded"),
        (MET, "Đạt", "Met"),
        (ON_TRACK, "Đúng tiến độ", "On track"),
        (AT_RISK, "Có nguy cơ chậm", "At risk"),
        (BEHIND, "Chậm tiến độ", "Behind"),
        (NO_DATA, "Chưa có số liệu", "No data"),
        (NOT_MET, "Không đạt", "Not met"),
    ],
)
def test_status_labels(status, vi, en):
    assert status_label(status, "vi") == vi
    assert status_label(status, "en") == en
    assert status_label(status.value, "en-US") == en  # the stored string works too
    with translation.override("vi"):  # no language given: the page's
        assert status_label(status) == vi


@pytest.mark.parametrize(
    "verdict, vi, en",
    [
        (Verdict.COMPLETED_WELL, "Hoàn thành tốt nhiệm vụ", "Completed well"),
        (Verdict.COMPLETED, "Hoàn thành nhiệm vụ", "Completed"),
        (Verdict.NOT_COMPLETED, "Chưa hoàn thành nhiệm vụ", "Not completed"),
    ],
)
def test_verdict_labels(verdict, vi, en):
    assert verdict_label(verdict, "vi") == vi
    assert verdict_label(verdict, "en") == en
    with translation.override("en"):
        assert verdict_label(verdict) == en


def test_every_status_and_verdict_has_a_label():
    assert set(STATUS_NAMES) == set(Status)
    assert set(VERDICT_NAMES) == set(Verdict)


def test_period_labels():
    assert [period_label(n, "vi") for n in (1, 2, 3, 4)] == ["Quý I", "6 tháng", "9 tháng", "Cả năm"]
    assert [period_label(n, "en") for n in (1, 2, 3, 4)] == ["Q1", "First half", "Nine months", "Full year"]


def test_enum_values_are_the_stored_strings():
    assert [c.value for c in Comparison] == ["gte", "gt", "lte", "decrease", "increase", "qualitative"]
    assert [a.value for a in Aggregation] == ["flow", "level"]
    assert [v.value for v in Verdict] == ["completed_well", "completed", "not_completed"]
    assert [s.value for s in Status] == ["exceeded", "met", "on_track", "at_risk", "behind", "no_data", "not_met", "awaited"]
    assert Status.MET == "met" and str(Status.AT_RISK) == "at_risk"
    assert isinstance(Comparison.GTE, str)


def test_severity_runs_from_worst_to_best():
    assert SEVERITY == (NOT_MET, BEHIND, AT_RISK, NO_DATA, Status.AWAITED, ON_TRACK, MET, EXCEEDED)


@pytest.mark.parametrize(
    "statuses, expected",
    [
        ([MET, AT_RISK, EXCEEDED], AT_RISK),
        ([ON_TRACK, NO_DATA], NO_DATA),
        ([NO_DATA, AT_RISK], AT_RISK),
        ([BEHIND, NOT_MET], NOT_MET),
        ([EXCEEDED, MET], MET),
        ([EXCEEDED], EXCEEDED),
        ([ON_TRACK, MET, EXCEEDED], ON_TRACK),
        ([], NO_DATA),
        (["met", "behind"], BEHIND),
    ],
)
def test_worst_status_of_an_indicator(statuses, expected):
    assert worst(statuses) is expected
    assert worst(iter(statuses)) is expected  # any iterable, e.g. a generator


@pytest.mark.parametrize("quarter", [0, 5, -1])
def test_quarter_outside_one_to_four_is_refused(quarter):
    with pytest.raises(ValueError):
        evaluate(spec(), quarter, {}, today=TODAY)
    with pytest.raises(ValueError):
        evaluate(spec(**DEFENCE), quarter, {}, {}, today=TODAY)


def test_the_engine_never_rounds():
    result = evaluate(spec(GTE, FLOW, "3"), 1, q("1"), today=TODAY)
    assert result.expected == D("0.75")
    assert result.percent_of_plan == D(1) / D(3) * 100  # 33.33… to the context's precision
    assert result.percent_of_plan != D("33.3")


def test_results_are_immutable():
    result = evaluate(spec(), 1, q("615"), today=TODAY)
    with pytest.raises(AttributeError):
        result.status = BEHIND


# --- display decimals: never "10,2 / 10,2 → not met" ------------------------------------------


def test_the_explanation_shows_the_decimals_that_decide_the_verdict():
    doctors = spec(LEVEL and GTE, LEVEL, "10.2", decimal_places=1, unit_vi="bác sĩ", unit_en="doctors")
    p = evaluate(doctors, 4, {4: D("10.17")}, today=TODAY)
    assert p.status is NOT_MET and p.places == 2
    assert p.explanation("vi") == "Cả năm: 10,17 bác sĩ (kế hoạch 10,2 bác sĩ) → không đạt"
    met = evaluate(doctors, 4, {4: D("10.3")}, today=TODAY)
    assert met.places == 1 and met.explanation("en").startswith("Full year: 10.3 doctors")


def test_a_flow_figure_rounding_to_its_target_shows_more_decimals():
    p = evaluate(spec(GTE, FLOW, "2460", decimal_places=0), 4, {1: D("600"), 2: D("600"), 3: D("600"), 4: D("659.6")}, today=TODAY)
    assert p.status is NOT_MET
    assert p.explanation("vi").startswith("Cả năm: 2.459,6 / 2.460")


# --- cumulative ("lũy kế") figures, as provinces publish them ---------------------------------

REVENUE = dict(comparison=GTE, aggregation=FLOW, target="2460", decimal_places=1, unit_vi="tỷ đồng", unit_en="billion VND")


def test_a_nine_month_cumulative_alone_is_judged_against_the_nine_month_pace():
    result = evaluate(spec(**REVENUE), 3, {}, cumulative={3: D("1900")}, today=TODAY)
    # pace 2460 × 3/4 = 1845; 1900 ≥ 1845
    assert (result.ytd, result.status, result.missing_quarters) == (D("1900"), ON_TRACK, ())
    assert result.quarter_value is None  # Q3's own amount needs the first half's year-to-date
    assert result.ytd_by_quarter == {1: None, 2: None, 3: D("1900")}


def test_a_quarters_own_amount_is_derived_only_from_a_known_previous_cumulative():
    result = evaluate(spec(**REVENUE), 3, {1: D("500"), 2: D("600")}, cumulative={3: D("1900")}, today=TODAY)
    assert (result.quarter_value, result.quarter_value_derived) == (D("800"), True)  # 1900 − (500 + 600)
    assert evaluate(spec(**REVENUE), 2, {1: D("500")}, cumulative={2: D("1100")}, today=TODAY).quarter_value == D("600")
    reported = evaluate(spec(**REVENUE), 2, {1: D("500"), 2: D("600")}, today=TODAY)
    assert (reported.quarter_value, reported.quarter_value_derived) == (D("600"), False)


def test_quarters_after_a_cumulative_add_up_from_it():
    result = evaluate(spec(**REVENUE), 4, {4: D("700")}, cumulative={3: D("1900")}, today=TODAY)
    assert (result.ytd, result.status) == (D("2600"), EXCEEDED)


def test_a_cumulative_that_disagrees_with_the_reported_quarters_is_kept_and_flagged():
    from targets.progress import Disagreement

    result = evaluate(spec(**REVENUE), 2, {1: D("500"), 2: D("600")}, cumulative={2: D("1150")}, today=TODAY)
    assert result.ytd == D("1150")  # what was reported as the year-to-date stands
    assert result.disagreements == (Disagreement(2, D("1150"), D("1100")),)
    assert evaluate(spec(**REVENUE), 2, {1: D("500"), 2: D("600")}, cumulative={2: D("1100")}, today=TODAY).disagreements == ()


def test_the_official_year_total_is_the_fourth_quarters_year_to_date():
    result = evaluate(spec(**REVENUE), 4, {1: D("500")}, cumulative={4: D("2400")}, today=TODAY)
    assert (result.ytd, result.status, result.in_year) == (D("2400"), NOT_MET, None)
    assert result.quarter_value is None  # no Q4 remainder is invented from a broken chain


def test_a_gap_after_a_cumulative_is_missing_data():
    result = evaluate(spec(**REVENUE), 3, {3: D("100")}, cumulative={1: D("500")}, today=TODAY)
    assert (result.ytd, result.missing_quarters, result.status) == (D("600"), (2,), NO_DATA)


def test_levels_ignore_the_cumulative_column():
    result = evaluate(spec(GTE, LEVEL, "60"), 2, {2: D("61")}, cumulative={2: D("10")}, today=TODAY)
    assert result.ytd == D("61")


# --- the full-year view: "not met" only of a year figure --------------------------------------


def test_full_year_without_the_year_figure_keeps_the_nine_month_status():
    result = evaluate(spec(**REVENUE), 4, {1: D("600"), 2: D("600"), 3: D("600")}, today=TODAY)
    assert result.status is AT_RISK and result.in_year.quarter == 3  # 1800 against the nine-month pace 1845
    assert result.explanation("vi").startswith("Cả năm: chưa có số cả năm; 9 tháng: 1.800,0 / 2.460 tỷ đồng")
    behind = evaluate(spec(GTE, LEVEL, "60", decimal_places=1), 4, {3: D("50")}, today=TODAY)
    assert behind.status is BEHIND and NOT_MET not in (behind.status,)
    assert "no full-year figure yet" in behind.explanation("en")


def test_a_qualitative_not_completed_from_q3_is_not_a_final_verdict():
    result = evaluate(spec(QUALITATIVE, LEVEL, None), 4, {}, verdicts={3: Verdict.NOT_COMPLETED}, today=TODAY)
    assert result.status is BEHIND
    assert evaluate(spec(QUALITATIVE, LEVEL, None), 4, {}, verdicts={4: Verdict.NOT_COMPLETED}, today=TODAY).status is NOT_MET


def test_the_full_year_view_with_no_figure_at_all_is_no_data():
    assert evaluate(spec(**REVENUE), 4, {}, today=TODAY).status is NO_DATA


# --- yearly and half-yearly measures ----------------------------------------------------------


def test_a_yearly_measure_is_awaited_until_its_figure_comes():
    from targets.progress import Frequency

    pci = spec(**PAR_INDEX, frequency=Frequency.YEARLY, publication=(5, 2025))
    for quarter in (1, 2, 3, 4):
        result = evaluate(pci, quarter, {}, today=TODAY)
        assert result.status is Status.AWAITED
    assert evaluate(pci, 2, {}, today=TODAY).explanation("vi") == "6 tháng: công bố hằng năm, dự kiến tháng 5/2025"
    assert evaluate(pci, 4, {}, today=TODAY).explanation("en") == "Full year: published yearly, expected May 2025"
    assert evaluate(pci, 4, q(None, None, None, "70"), today=TODAY).status is not Status.AWAITED
    half = spec(**REVENUE, frequency=Frequency.HALF_YEARLY)
    assert evaluate(half, 1, {}, today=TODAY).status is Status.AWAITED and evaluate(half, 2, {}, today=TODAY).status is NO_DATA


def test_an_awaited_measure_ranks_between_no_data_and_on_track():
    assert worst([Status.AWAITED, ON_TRACK]) is Status.AWAITED
    assert worst([Status.AWAITED, NO_DATA]) is NO_DATA


# --- estimates --------------------------------------------------------------------------------


def test_an_estimate_in_the_year_to_date_is_marked():
    result = evaluate(spec(**REVENUE), 2, {1: D("500"), 2: D("600")}, estimates={2}, today=TODAY)
    assert result.estimate and result.explanation("vi").startswith("6 tháng (ước): 1.100,0 / 2.460")
    assert not evaluate(spec(**REVENUE), 2, {1: D("500"), 2: D("600")}, estimates=(), today=TODAY).estimate
    level = evaluate(spec(GTE, LEVEL, "60"), 2, {1: D("50"), 2: D("58")}, estimates={1}, today=TODAY)
    assert not level.estimate  # the standing Q2 figure is official


def test_a_yearly_figure_is_awaited_until_the_end_of_its_publication_month_then_missing():
    import datetime

    from targets.progress import Frequency

    pci = spec(**PAR_INDEX, frequency=Frequency.YEARLY, publication=(5, 2025))
    assert evaluate(pci, 4, {}, today=datetime.date(2025, 5, 31)).status is Status.AWAITED
    assert evaluate(pci, 4, {}, today=datetime.date(2025, 6, 1)).status is NO_DATA
    assert evaluate(pci, 3, {}, today=datetime.date(2025, 6, 1)).status is Status.AWAITED  # no nine-month figure exists


def test_the_day_a_yearly_figure_is_judged_on_must_be_given():
    # Without it, one caller said "awaited" of a figure another called missing (overview.judged_on).
    from targets.progress import Frequency

    with pytest.raises(TypeError):
        evaluate(spec(**PAR_INDEX, frequency=Frequency.YEARLY, publication=(5, 2025)), 4, {})


def test_an_estimate_superseded_by_a_later_official_cumulative_is_not_marked():
    result = evaluate(spec(**REVENUE), 3, {1: D("500")}, cumulative={3: D("1900")}, estimates={1}, today=TODAY)
    assert not result.estimate
    assert evaluate(spec(**REVENUE), 3, {1: D("500")}, cumulative={3: D("1900")}, estimates={3}, today=TODAY).estimate
    assert evaluate(spec(**REVENUE), 3, {4: D("1")}, cumulative={2: D("1100")}, estimates={1}, today=TODAY).estimate is False


def test_a_year_to_date_names_the_quarters_whose_figures_it_is_made_of():
    # What marks it (*) while any of their reports is not yet approved (overview.state_shown).
    assert evaluate(spec(**REVENUE), 3, {1: D("500"), 2: D("600")}, today=TODAY).stands_on == (1, 2)  # a first half's sum, Q3 missing
    assert evaluate(spec(**REVENUE), 3, {1: D("500"), 3: D("600")}, today=TODAY).stands_on == (1, 3)
    # A reported cumulative stands for the quarters before it.
    assert evaluate(spec(**REVENUE), 3, {1: D("500"), 3: D("700")}, cumulative={2: D("1100")}, today=TODAY).stands_on == (2, 3)
    # The full year without its figure carries the nine months' quarters.
    assert evaluate(spec(**REVENUE), 4, {1: D("500"), 2: D("600")}, today=TODAY).stands_on == (1, 2)
    # A level, a verdict: its latest figure alone; nothing, nothing.
    assert evaluate(spec(GTE, LEVEL, "60"), 3, {1: D("50"), 2: D("58")}, today=TODAY).stands_on == (2,)
    assert evaluate(spec(QUALITATIVE, target=None), 3, {}, verdicts={1: Verdict.COMPLETED}, today=TODAY).stands_on == (1,)
    assert evaluate(spec(**REVENUE), 2, {}, today=TODAY).stands_on == ()


def test_a_figure_shown_in_millions_has_the_decimals_that_make_its_division_add_up():
    # A district's tourist arrivals against its pledge: 215.948 of 282.063 is 76,6 %; "0,22 / 0,28" would read as 78,6 %.
    arrivals = MeasureSpec(code="4", comparison=GTE, aggregation=FLOW, target=D("282063"), unit_vi="lượt khách",
                           display_divisor=D("1000000"), display_unit_vi="triệu lượt khách", display_unit_en="million arrivals")
    text = evaluate(arrivals, 3, q("70000", "70000", "75948"), today=TODAY).explanation("vi")
    assert "0,216 / 0,282 triệu lượt khách = 76,6 % kế hoạch" in text, text
    # Where two decimals add up already, two it stays.
    budget = MeasureSpec(code="4", comparison=GTE, aggregation=FLOW, target=D("3200000"), unit_vi="lượt khách",
                         display_divisor=D("1000000"), display_unit_vi="triệu lượt khách")
    assert "2,40 / 3,2 triệu lượt khách = 75,0 % kế hoạch" in evaluate(budget, 3, q("800000", "800000", "800000"), today=TODAY).explanation("vi")


def test_a_full_year_without_its_figure_carries_a_flows_nine_months_gap_included():
    # Nothing sent after June: "no data" at nine months, and so for the year, never "on track (first half)".
    nine = evaluate(spec(**BUDGET), 3, q("600", "700"), today=TODAY)
    year = evaluate(spec(**BUDGET), 4, q("600", "700"), today=TODAY)
    assert nine.status is NO_DATA and year.status is NO_DATA
    assert (year.in_year.quarter, year.missing_quarters, year.ytd) == (3, (3,), D("1300"))
    assert period_note(year, "vi") == "9 tháng, thiếu số liệu quý III"
    # A level (a rate) still carries its latest figure's own period.
    assert evaluate(spec(**COVER), 4, q("58", "59"), today=TODAY).in_year.quarter == 2


def test_a_whole_count_is_explained_whole_beside_a_pace_with_decimals():
    # Deaths in traffic accidents, at most 7 in the year: 5 after nine months against a pace of 5,25.
    deaths = MeasureSpec(code="14b", comparison=Comparison.LTE, aggregation=Aggregation.FLOW, target=D(7),
                         unit_vi="người", unit_en="people")
    p = evaluate(deaths, 3, {1: D(2), 2: D(1), 3: D(2)}, today=TODAY)
    assert p.explanation("vi") == "9 tháng: 5 người (không vượt quá 7 người; đến nay không vượt quá 5,3 người) → đúng tiến độ"
    assert p.explanation("en") == "Nine months: 5 people (at most 7 people; at most 5.3 people by now) → on track"
