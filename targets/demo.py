"""Demo accounts and plausible 2024 figures, so a newcomer sees a living dashboard.

Only ever run in demo mode (settings.DEMO_MODE): every figure it writes says "demo" in its
source, and the site shows a demo banner. Values are derived deterministically from the
measure and unit codes, so two runs give the same numbers, and a second run adds nothing.
"""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from targets.access import Role
from targets.models import Campaign, Deadline, Figure, Measure, MeasureAssignment, Submission, Task, TaskReport, Unit
from targets.numbers import quantize

DEMO_PASSWORD = "ThiDua@2024"
DEMO_SOURCE = "Số liệu minh họa (demo), không phải số liệu chính thức"
DEMO_BASELINE_SOURCE = "Số liệu minh họa (demo) cho năm trước, không phải số liệu công bố"
# Quarter states in the demo: Q1 and Q2 approved, Q3 mostly submitted, a few units behind.
LATE_UNITS_Q3 = {"033", "035"}  # no Q3 report at all
DRAFT_UNITS_Q3 = {"029"}  # Q3 still a draft


def _jitter(*parts: str, spread: str = "0.15") -> Decimal:
    """A deterministic factor in [1 - spread, 1 + spread] from the given strings."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    fraction = Decimal(int.from_bytes(digest[:4], "big")) / Decimal(2**32)
    width = Decimal(spread)
    return 1 - width + 2 * width * fraction


def demo_accounts() -> list[tuple[str, str, str]]:
    """(username, role, unit code or '') for the README and the `make run` banner."""
    accounts = [("quantri", Role.ADMIN, ""), ("thamdinh", Role.REVIEWER, ""), ("lanhdao", Role.VIEWER, "")]
    for unit in Unit.objects.filter(assignments__isnull=False).distinct().order_by("kind", "code"):
        accounts.append((f"nhaplieu.{unit.code.lower()}", Role.REPORTER, unit.code))
    return accounts


@transaction.atomic
def seed_demo(campaign: Campaign, quarters=(1, 2, 3)) -> dict[str, int]:
    created = {"users": 0, "figures": 0, "reports": 0}
    groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
    for username, role, unit_code in demo_accounts():
        user, is_new = User.objects.get_or_create(username=username, defaults={"email": f"{username}@demo.invalid"})
        if is_new:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = role == Role.ADMIN
            user.is_superuser = role == Role.ADMIN
            user.first_name = username
            user.save()
            user.groups.add(groups[role])
            if unit_code:
                Unit.objects.get(code=unit_code).members.add(user)
            created["users"] += 1
    _demo_baselines(campaign)
    # Keep the last quarter open, so whoever tries the demo can enter and submit figures.
    Deadline.objects.get_or_create(
        campaign=campaign, quarter=4, unit=None,
        defaults={"due_on": timezone.localdate() + datetime.timedelta(days=90)},
    )

    reviewer = User.objects.get(username="thamdinh")
    assignments = list(MeasureAssignment.objects.filter(measure__campaign=campaign).select_related("measure", "unit"))
    by_unit: dict[Unit, list[MeasureAssignment]] = {}
    for a in assignments:
        by_unit.setdefault(a.unit, []).append(a)
    tasks_of: dict[int, list[Task]] = {}
    for task in Task.objects.filter(theme__campaign=campaign, is_active=True).prefetch_related("responsible_units").order_by("theme__number", "number"):
        for unit in task.responsible_units.all():
            tasks_of.setdefault(unit.pk, []).append(task)
    for unit, unit_assignments in by_unit.items():
        reporter = User.objects.get(username=f"nhaplieu.{unit.code.lower()}")
        for quarter in quarters:
            if quarter == 3 and unit.code in LATE_UNITS_Q3:
                continue
            if Submission.objects.filter(campaign=campaign, unit=unit, quarter=quarter).exists():
                continue  # already seeded: a second run adds nothing
            submission = _demo_submission(campaign, unit, quarter, reporter, reviewer)
            created["reports"] += 1
            figures = [f for a in unit_assignments if (f := _demo_figure(submission, a, reporter)) is not None]
            Figure.objects.bulk_create(figures)
            created["figures"] += len(figures)
            TaskReport.objects.bulk_create(
                TaskReport(submission=submission, task=task, verdict=_demo_task_verdict(unit, task, quarter), entered_by=reporter,
                           narrative=f"[Demo] {unit.short_name or unit.name}: triển khai nhiệm vụ «{task.title}» theo kế hoạch quý {quarter}.")
                for task in tasks_of.get(unit.pk, [])
            )
    return created


def _demo_task_verdict(unit: Unit, task: Task, quarter: int) -> str:
    spread = _jitter(unit.code, f"{task.theme_id}.{task.number}.{quarter}")
    return "completed_well" if spread > 1 else ("completed" if spread > Decimal("0.93") else "not_completed")


def _demo_submission(campaign, unit, quarter, reporter, reviewer) -> Submission:
    deadline = campaign.default_deadline(quarter)
    submitted = timezone.make_aware(datetime.datetime.combine(deadline - datetime.timedelta(days=3), datetime.time(9)))
    state = Submission.State.APPROVED if quarter < 3 else Submission.State.SUBMITTED
    if quarter == 3 and unit.code in DRAFT_UNITS_Q3:
        return Submission.objects.create(campaign=campaign, unit=unit, quarter=quarter, state=Submission.State.DRAFT)
    return Submission.objects.create(
        campaign=campaign, unit=unit, quarter=quarter, state=state,
        submitted_by=reporter, submitted_at=submitted,
        reviewed_by=reviewer if state == Submission.State.APPROVED else None,
        reviewed_at=submitted + datetime.timedelta(days=2) if state == Submission.State.APPROVED else None,
    )


def _demo_figure(submission: Submission, assignment: MeasureAssignment, reporter) -> Figure | None:
    measure = assignment.measure
    quarter = submission.quarter
    value = _demo_value(measure, assignment, quarter)
    verdict = ""
    narrative = ""
    if measure.is_qualitative:
        verdict = "completed_well" if _jitter(measure.code, str(quarter)) > 1 else "completed"
        narrative = f"[Demo] Thực hiện nội dung chỉ tiêu {measure.code} trong quý {quarter} theo kế hoạch."
    elif value is None:
        return None  # annual measures have no quarterly figure
    return Figure(
        submission=submission, measure=measure, value=value, verdict=verdict, narrative=narrative,
        source=DEMO_SOURCE, entered_by=reporter,
        kind=Figure.Kind.ESTIMATE if quarter == 3 else Figure.Kind.OFFICIAL,
    )


# Measures published once a year (poverty reduction, PAR/PCI/PAPI, party ratings): no quarterly figure.
ANNUAL_CODES = {"6", "16a", "16b", "16c", "20"}


def _demo_value(measure: Measure, assignment: MeasureAssignment, quarter: int) -> Decimal | None:
    if measure.is_qualitative or measure.code in ANNUAL_CODES:
        return None
    share = Decimal(1)
    if assignment.role == MeasureAssignment.Role.BREAKDOWN:
        # Eleven localities; the lead's own total stays independent, as in real reporting.
        share = Decimal(1) / 11 * _jitter(assignment.unit.code, measure.code, spread="0.5")
    jitter = _jitter(measure.code, assignment.unit.code, str(quarter))
    if measure.aggregation == Measure.Aggregation.FLOW:
        if measure.comparison == Measure.Comparison.DECREASE:
            base = (measure.same_period_q1 or Decimal(30))
        else:
            base = measure.target / 4
        value = base * share * jitter
    elif measure.comparison == Measure.Comparison.LTE:
        value = measure.target * (Decimal("0.9") + Decimal("0.05") * quarter) * _jitter(measure.code, spread="0.03")
    else:
        # Level measures climb towards their target through the year.
        value = measure.target * (Decimal("0.94") + Decimal("0.02") * quarter) * _jitter(measure.code, assignment.unit.code, spread="0.03")
    places = 0 if measure.value_kind == Measure.ValueKind.COUNT else measure.decimal_places
    value = quantize(value, places)
    if measure.value_kind == Measure.ValueKind.PERCENT:
        value = min(value, Decimal(100))
    return value


def _demo_baselines(campaign: Campaign) -> None:
    """Give the year-on-year measures a demo "last year" so their status shows; never over real values."""
    demo = {
        "14a": ("25", "52", "80", "110"),
        "14b": ("18", "37", "55", "76"),
        "14c": ("22", "45", "70", "95"),
    }
    for measure in campaign.measures.filter(code__in=demo, same_period_q1__isnull=True):
        q1, q2, q3, q4 = (Decimal(v) for v in demo[measure.code])
        measure.same_period_q1, measure.same_period_q2, measure.same_period_q3, measure.same_period_q4 = q1, q2, q3, q4
        measure.previous_year = q4
        measure.baseline_source = DEMO_BASELINE_SOURCE
        measure.save()
