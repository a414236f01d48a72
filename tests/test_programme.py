"""Loading the Hà Giang 2024 programme from its fixture, and copying it to a new year."""

import copy
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from targets.models import Campaign, Figure, Indicator, Measure, MeasureAssignment, Submission, Task, Theme, Unit
from targets.programme import ProgrammeError, load_programme, read_programme
from targets.services import CopyError, copy_campaign
from tests.conftest import PROGRAMME

MEASURE_CODES = [
    "1", "2", "3", "4", "5", "6", "7", "8", "9a", "9b", "10", "11", "12", "13",
    "14a", "14b", "14c", "15", "16a", "16b", "16c", "17", "18", "19", "20",
]
LOCALITY_CODES = ["024", "026", "027", "028", "029", "030", "031", "032", "033", "034", "035"]


def test_it_loads_the_programme_as_issued(programme):
    assert programme.number == "322/CTr-UBND"
    assert programme.issued_on.isoformat() == "2023-12-26"
    assert programme.slogan.startswith("Đoàn kết, đổi mới, sáng tạo, linh hoạt")
    assert (programme.plan_start, programme.plan_end) == (2021, 2025)
    assert [t.ordinal for t in programme.themes.all()] == ["Một là", "Hai là", "Ba là", "Bốn là", "Năm là", "Sáu là"]
    assert programme.indicators.count() == 20
    assert list(programme.measures.values_list("code", flat=True)) == MEASURE_CODES
    # Themes 2–6 carry qualitative tasks; theme 1's content is the twenty indicators.
    assert not Task.objects.filter(theme__number=1).exists()
    assert Task.objects.filter(theme__number__gte=2).count() >= 5


def test_themes_two_to_six_list_their_tasks_clause_by_clause_with_responsible_units(programme):
    tasks = Task.objects.filter(theme__campaign=programme).prefetch_related("responsible_units")
    assert {n: tasks.filter(theme__number=n).count() for n in range(2, 7)} == {2: 13, 3: 10, 4: 4, 5: 4, 6: 6}
    assert all(t.responsible_units.exists() and t.is_active for t in tasks)
    budget = tasks.get(theme__number=2, number=2)
    assert budget.title == "Quản lý và sử dụng ngân sách tiết kiệm, hiệu quả"
    assert [u.code for u in budget.responsible_units.all()] == ["STC"]
    gardens = tasks.get(theme__number=2, number=7)
    assert set(LOCALITY_CODES) <= {u.code for u in gardens.responsible_units.all()}


def test_a_task_retired_by_an_admin_stays_retired_when_the_file_is_loaded_again(programme):
    task = Task.objects.get(theme__campaign=programme, theme__number=3, number=5)
    task.is_active = False
    task.save()
    task.responsible_units.add(Unit.objects.get(code="SNV"))
    result = load_programme(read_programme(PROGRAMME))
    task.refresh_from_db()
    assert not task.is_active
    assert [u.code for u in task.responsible_units.all()] == ["SYT"]  # the file's units win
    assert result.updated["task"] == 1
    assert not load_programme(read_programme(PROGRAMME)).changed


def test_a_task_naming_an_unknown_unit_is_refused_and_nothing_is_loaded(db):
    data = read_programme(PROGRAMME)
    data["themes"][1]["tasks"][0]["responsible_units"] = ["NOPE"]
    with pytest.raises(ProgrammeError) as error:
        load_programme(data)
    assert "Task 2.1: unknown unit 'NOPE'" in error.value.errors
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("number", [None, "absent"])
def test_a_programme_file_not_yet_issued_loads_without_a_number(db, number):
    # Next year's file is written before its programme is issued: no number, or null.
    data = read_programme(PROGRAMME)
    if number == "absent":
        del data["campaign"]["number"], data["campaign"]["issued_on"]
    else:
        data["campaign"]["number"] = data["campaign"]["issued_on"] = None
    load_programme(data)
    campaign = Campaign.objects.get()
    assert campaign.number == "" and campaign.document_words() == "Chương trình thi đua năm 2024, chưa có số và ngày ban hành"


@pytest.mark.parametrize("number, issued_on, error", [
    ("\u200b", "2023-12-26", r"Programme number '\u200b': it shows no character; leave it out until the programme is issued"),
    ("322/CTr-UBND", None, "The programme's number and its date of issue (issued_on) go together: give both, or neither"),
    (None, "2023-12-26", "The programme's number and its date of issue (issued_on) go together: give both, or neither"),
    ("322/CTr-UBND", "26/12/2023", "Programme date of issue '26/12/2023': a date is written YYYY-MM-DD"),
])
def test_a_programme_file_with_half_a_document_or_an_invisible_number_is_refused_and_nothing_is_loaded(db, number, issued_on, error):
    # As the admin's form refuses them (Campaign.clean): the file said so, never stored to be cited on every heading.
    data = read_programme(PROGRAMME)
    data["campaign"]["number"], data["campaign"]["issued_on"] = number, issued_on
    with pytest.raises(ProgrammeError) as refused:
        load_programme(data)
    assert error in refused.value.errors
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    "code, unit, target, comparison, aggregation",
    [
        ("1", "%", Decimal("7.5"), "gte", "level"),
        ("3", "tỷ đồng", Decimal("2460"), "gte", "flow"),
        ("4", "lượt khách", Decimal("3200000"), "gte", "flow"),
        ("8", "%", Decimal("1.3"), "lte", "level"),
        ("9b", None, Decimal("45.7"), "gte", "level"),
        ("13", "%", Decimal("95"), "gt", "level"),
        ("14b", "người", None, "decrease", "flow"),
        ("16a", "điểm", None, "increase", "level"),
        ("17", None, None, "qualitative", None),
        ("20", "%", Decimal("90"), "gt", "level"),
    ],
)
def test_measures_carry_the_targets_of_the_programme(programme, code, unit, target, comparison, aggregation):
    measure = Measure.objects.get(campaign=programme, code=code)
    assert measure.target == target
    assert measure.comparison == comparison
    if unit is not None:
        assert measure.unit == unit
    if aggregation is not None:
        assert measure.aggregation == aggregation


def test_units_include_the_city_and_ten_districts_with_gso_codes(programme):
    localities = Unit.objects.filter(kind=Unit.Kind.LOCALITY).order_by("code")
    assert list(localities.values_list("code", flat=True)) == LOCALITY_CODES
    assert localities.get(code="024").name == "Thành phố Hà Giang"
    assert localities.get(code="035").name == "Huyện Quang Bình"


def test_every_measure_has_exactly_one_lead_unit_and_districts_report_their_own(programme):
    for measure in programme.measures.all():
        assert measure.assignments.filter(role="lead").count() == 1, measure.code
    districts_3 = MeasureAssignment.objects.filter(measure__code="3", role="breakdown").values_list("unit__code", flat=True)
    assert sorted(districts_3) == LOCALITY_CODES
    assert not MeasureAssignment.objects.filter(measure__code="1", role="breakdown").exists()


def test_no_previous_year_value_is_invented(programme):
    assert not Measure.objects.filter(previous_year__isnull=False).exists()
    assert not Measure.objects.filter(same_period_q4__isnull=False).exists()


def test_loading_twice_changes_and_duplicates_nothing(programme):
    history_before = Measure.history.count()
    result = load_programme(read_programme(PROGRAMME))
    assert not result.changed
    assert Campaign.objects.count() == 1
    assert Theme.objects.count() == 6
    assert Indicator.objects.count() == 20
    assert Measure.objects.count() == 25
    assert Measure.history.count() == history_before


def test_reloading_an_edited_file_updates_in_place_and_keeps_admin_baselines(programme):
    measure = Measure.objects.get(code="3")
    measure.previous_year = Decimal("2301.5")  # an admin entered last year's actual
    measure.save()
    data = read_programme(PROGRAMME)
    edited = copy.deepcopy(data)
    edited["themes"][0]["indicators"][2]["measures"][0]["target"] = "2500"
    result = load_programme(edited)
    assert result.updated["measure"] == 1
    measure.refresh_from_db()
    assert measure.target == Decimal("2500")
    assert measure.previous_year == Decimal("2301.5")
    assert Measure.objects.count() == 25


def test_a_bad_file_lists_every_problem_and_loads_nothing(db, tmp_path):
    data = read_programme(PROGRAMME)
    measure = data["themes"][0]["indicators"][0]["measures"][0]
    measure["comparison"] = "roughly"
    measure["lead_unit"] = "NOWHERE"
    data["themes"][0]["indicators"][1]["measures"][0]["target"] = "lots"
    with pytest.raises(ProgrammeError) as caught:
        load_programme(data)
    errors = caught.value.errors
    assert any("comparison must be one of" in e for e in errors)
    assert any("unknown unit 'NOWHERE'" in e for e in errors)
    assert any("'lots' is not a number" in e for e in errors)
    assert Campaign.objects.count() == 0

    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not a valid UTF-8 JSON programme file"):
        call_command("load_programme", str(path))


def test_load_programme_command_reports_what_it_did(db, capsys):
    call_command("load_programme", str(PROGRAMME))
    # In the site's language, each kind of row named as the admin names it.
    said = capsys.readouterr().out
    assert "đã tạo 1 chương trình thi đua, 3 khối thi đua, 20 chỉ tiêu, 25 chỉ số," in said
    # A unit's parent or a task's units, given after the row itself, are part of creating it.
    assert said.endswith("; đã cập nhật không có gì.\n")
    call_command("load_programme", str(PROGRAMME))
    assert "đã khớp với tệp; không có gì thay đổi" in capsys.readouterr().out


def test_copy_campaign_copies_structure_and_targets_without_figures(programme, django_user_model):
    unit = Unit.objects.get(code="CTK")
    submission = Submission.objects.create(campaign=programme, unit=unit, quarter=1, state="approved")
    Figure.objects.create(submission=submission, measure=Measure.objects.get(code="1"), value=Decimal("6.9"))
    call_command("copy_campaign", "2024", "2025")
    new = Campaign.objects.get(year=2025)
    assert new.themes.count() == 6
    assert new.indicators.count() == 20
    assert list(new.measures.values_list("code", flat=True)) == MEASURE_CODES
    assert new.measures.get(code="3").target == Decimal("2460")
    assert MeasureAssignment.objects.filter(measure__campaign=new).count() == MeasureAssignment.objects.filter(
        measure__campaign=programme
    ).count()
    assert not Figure.objects.filter(submission__campaign=new).exists()
    # Last year's approved Q1 figure becomes the new year's "same period last year" for Q1.
    assert new.measures.get(code="1").same_period_q1 == Decimal("6.9")
    assert new.measures.get(code="1").previous_year is None
    assert Task.objects.filter(theme__campaign=new).count() == Task.objects.filter(theme__campaign=programme).count()
    assert [u.code for u in Task.objects.get(theme__campaign=new, theme__number=2, number=2).responsible_units.all()] == ["STC"]
    assert new.report_signature == programme.report_signature

    with pytest.raises(CopyError, match="Đã có chương trình năm 2025"):
        copy_campaign(source_year=2024, target_year=2025)
    with pytest.raises(CommandError, match="Không có chương trình năm 2019"):
        call_command("copy_campaign", "2019", "2020")


def test_copying_past_the_five_year_plan_starts_the_next_plan(programme):
    new = copy_campaign(source_year=2024, target_year=2026)
    assert (new.plan_start, new.plan_end) == (2026, 2030)


def test_the_fixture_is_valid_json_in_utf8():
    data = json.loads(PROGRAMME.read_text(encoding="utf-8"))
    assert data["campaign"]["province"] == "Hà Giang"


def test_copying_a_year_without_its_full_year_figure_takes_no_nine_month_total_as_last_year(programme):
    unit = Unit.objects.get(code="STC")
    for quarter in (1, 2, 3):
        submission = Submission.objects.create(campaign=programme, unit=unit, quarter=quarter, state="approved")
        Figure.objects.create(submission=submission, measure=Measure.objects.get(code="3"), value=Decimal("600"))
    new = copy_campaign(source_year=2024, target_year=2025)
    budget = new.measures.get(code="3")
    assert (budget.same_period_q3, budget.same_period_q4, budget.previous_year) == (Decimal("1800"), None, None)
    assert (new.measures.get(code="16b").frequency, new.measures.get(code="16b").publication_month) == ("yearly", 5)


def test_a_unit_code_the_site_cannot_link_to_or_a_code_twice_in_other_case_is_refused(db):
    data = read_programme(PROGRAMME)
    data["units"][0]["code"] = "03/6"
    data["units"].append({**data["units"][1], "code": data["units"][1]["code"].lower()})
    with pytest.raises(ProgrammeError) as error:
        load_programme(data)
    assert any(e.startswith("Unit '03/6': a code is letters without accents") for e in error.value.errors)
    assert "Unit codes are not unique (in any letter case)" in error.value.errors
    assert not Campaign.objects.exists()
