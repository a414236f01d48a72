"""Database constraints hold whatever the code path: the database itself refuses bad rows."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from targets.models import Campaign, Deadline, Figure, Measure, MeasureAssignment, Submission, Unit
from targets.progress import Aggregation, Comparison, Status, Verdict


def _violates(**create):
    model, values = create.popitem()
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(**values)


@pytest.fixture
def submission(programme):
    return Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="CTK"), quarter=1)


def test_one_figure_per_unit_measure_and_quarter(programme, submission):
    measure = Measure.objects.get(code="1")
    Figure.objects.create(submission=submission, measure=measure, value=Decimal("6.5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Figure.objects.create(submission=submission, measure=measure, value=Decimal("7"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.create(campaign=programme, unit=submission.unit, quarter=1)


@pytest.mark.parametrize("quarter", [0, 5])
def test_quarters_are_one_to_four(programme, quarter):
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="CTK"), quarter=quarter)
    with pytest.raises(IntegrityError), transaction.atomic():
        Deadline.objects.create(campaign=programme, quarter=quarter, due_on=datetime.date(2024, 4, 15))


def test_a_figure_needs_a_value_or_a_verdict(programme, submission):
    with pytest.raises(IntegrityError), transaction.atomic():
        Figure.objects.create(submission=submission, measure=Measure.objects.get(code="1"), note="only a note")


def test_values_are_exact_decimals(programme, submission):
    figure = Figure.objects.create(submission=submission, measure=Measure.objects.get(code="3"), value=Decimal("612.345678"))
    figure.refresh_from_db()
    assert figure.value == Decimal("612.345678")
    assert isinstance(figure.value, Decimal)


def test_a_measure_has_one_lead_unit_only(programme):
    measure = Measure.objects.get(code="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        MeasureAssignment.objects.create(measure=measure, unit=Unit.objects.get(code="024"), role="lead")


def test_target_is_required_for_at_least_more_than_and_at_most(programme):
    measure = Measure.objects.get(code="7")
    measure.target = None
    with pytest.raises(IntegrityError), transaction.atomic():
        measure.save()


def test_campaign_year_lies_in_its_five_year_plan(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.create(
            province="X", year=2030, number="1", issued_on=datetime.date(2029, 12, 1),
            issuing_body="X", title="X", plan_start=2021, plan_end=2025,
        )


def test_default_deadline_is_the_15th_of_the_month_after_the_quarter_and_can_be_extended(programme):
    assert programme.deadline(1) == datetime.date(2024, 4, 15)
    assert programme.deadline(4) == datetime.date(2025, 1, 15)
    unit = Unit.objects.get(code="024")
    Deadline.objects.create(campaign=programme, quarter=2, due_on=datetime.date(2024, 7, 20))
    Deadline.objects.create(campaign=programme, quarter=2, unit=unit, due_on=datetime.date(2024, 7, 31))
    assert programme.deadline(2) == datetime.date(2024, 7, 20)
    assert programme.deadline(2, unit) == datetime.date(2024, 7, 31)
    assert programme.deadline(2, Unit.objects.get(code="026")) == datetime.date(2024, 7, 20)


def test_model_choices_speak_the_engines_language():
    assert set(Measure.Comparison.values) == {c.value for c in Comparison}
    assert set(Measure.Aggregation.values) == {a.value for a in Aggregation}
    assert {v for v, _ in Figure._meta.get_field("verdict").choices} == {v.value for v in Verdict}


def test_measure_spec_feeds_the_engine(programme):
    spec = Measure.objects.get(code="4").spec()
    assert spec.target == Decimal("3200000")
    assert spec.display_divisor == Decimal("1000000")
    assert spec.comparison is Comparison.GTE


def test_history_records_changes_of_measures(programme):
    measure = Measure.objects.get(code="2")
    measure.target = Decimal("41")
    measure._change_reason = "Điều chỉnh kế hoạch"
    measure.save()
    latest = measure.history.first()
    assert latest.target == Decimal("41")
    assert latest.history_change_reason == "Điều chỉnh kế hoạch"
    assert measure.history.count() == 2


def test_statuses_exist_in_both_languages():
    from targets.progress import status_label

    assert status_label(Status.AT_RISK, "vi") == "Có nguy cơ chậm"
    assert status_label(Status.AT_RISK, "en") == "At risk"
