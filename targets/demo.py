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
from simple_history.utils import bulk_create_with_history

from targets.access import Role
from targets.models import (
    Campaign,
    Deadline,
    Figure,
    Measure,
    MeasureAssignment,
    Pledge,
    Registration,
    ScoreAdjustment,
    ScoringScheme,
    Submission,
    Task,
    TaskReport,
    Unit,
)
from targets.numbers import quantize
from targets.overview import reporting_units

DEMO_PASSWORD = "ThiDua@2024"
DEMO_ADMIN = "quantri"
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


def demo_accounts(campaign: Campaign) -> list[tuple[str, str, str]]:
    """(username, role, unit code or '') for the README and the `make run` banner: a reporter for
    every unit that owes the programme its reports, those that report only tasks included."""
    accounts = [(DEMO_ADMIN, Role.ADMIN, ""), ("thamdinh", Role.REVIEWER, ""), ("lanhdao", Role.VIEWER, "")]
    for unit in reporting_units(campaign):
        accounts.append((f"nhaplieu.{unit.code.lower()}", Role.REPORTER, unit.code))
    return accounts


@transaction.atomic
def seed_demo(campaign: Campaign, quarters=(1, 2, 3)) -> dict[str, int]:
    created = {"users": 0, "figures": 0, "reports": 0}
    groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
    for username, role, unit_code in demo_accounts(campaign):
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
    for unit in reporting_units(campaign):
        unit_assignments = by_unit.get(unit, [])
        reporter = User.objects.get(username=f"nhaplieu.{unit.code.lower()}")
        for quarter in quarters:
            if quarter == 3 and unit.code in LATE_UNITS_Q3:
                continue
            if Submission.objects.filter(campaign=campaign, unit=unit, quarter=quarter).exists():
                continue  # already seeded: a second run adds nothing
            submission = _demo_submission(campaign, unit, quarter, reporter, reviewer)
            created["reports"] += 1
            figures = [f for a in unit_assignments if (f := _demo_figure(submission, a, reporter)) is not None]
            # With their history, as entered by the unit's reporter before sending: a correction
            # then reads "old → new" on the history pages, as with figures entered on the site.
            entered = submission.submitted_at or timezone.now()
            bulk_create_with_history(figures, Figure, default_user=reporter, default_date=entered)
            created["figures"] += len(figures)
            bulk_create_with_history([
                TaskReport(submission=submission, task=task, verdict=_demo_task_verdict(unit, task, quarter), entered_by=reporter,
                           narrative=f"[Demo] {unit.short_name or unit.name}: triển khai nhiệm vụ «{task.title}» theo kế hoạch quý {quarter}.")
                for task in tasks_of.get(unit.pk, [])], TaskReport, default_user=reporter, default_date=entered)
    _demo_emulation(campaign)
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
    submission = Submission(
        campaign=campaign, unit=unit, quarter=quarter, state=state,
        submitted_by=reporter, submitted_at=submitted,
        reviewed_by=reviewer if state == Submission.State.APPROVED else None,
        reviewed_at=submitted + datetime.timedelta(days=2) if state == Submission.State.APPROVED else None,
    )
    # Its history as of when it was sent (or approved), by whom, not the moment the demo was seeded.
    submission._history_user = reviewer if state == Submission.State.APPROVED else reporter
    submission._history_date = submission.reviewed_at or submitted
    submission.save()
    return submission


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


# --- the emulation: pledges, registrations, bonuses and deductions ---------------------------------

DEMO_PLEDGE_DOCUMENT = "[Demo] Giao ước thi đua năm {year} (minh họa)"
# (unit, kind, points, reason): a few of each bloc, as secretariats record them.
DEMO_ADJUSTMENTS = [
    ("024", "bonus", "10", "[Demo] Được tặng Cờ thi đua của UBND tỉnh năm trước"),
    ("030", "bonus", "10", "[Demo] Được tặng Cờ thi đua của Bộ Nông nghiệp và PTNT năm trước"),
    ("031", "deduction", "2", "[Demo] Báo cáo quý II gửi chậm, phải nhắc nhiều lần"),
    ("CT", "bonus", "10", "[Demo] Được tặng Cờ thi đua của Bộ Tài chính năm trước"),
    ("SCT", "deduction", "1.5", "[Demo] Số liệu quý I phải điều chỉnh sau thẩm định"),
    ("CA", "bonus", "15", "[Demo] Được tặng Cờ thi đua của Chính phủ năm trước"),
    ("SYT", "bonus", "5", "[Demo] Được tặng Bằng khen của Bộ Y tế năm trước"),
]


def _demo_pledge_target(measure: Measure, assignment: MeasureAssignment) -> Decimal | None:
    """A unit's pledge near what its demo figures will reach, so some units exceed it and some fall short."""
    spread = _jitter("pledge", measure.code, assignment.unit.code, spread="0.12")
    if measure.comparison in (Measure.Comparison.GTE, Measure.Comparison.GT, Measure.Comparison.LTE) and \
            measure.aggregation == Measure.Aggregation.LEVEL:
        return quantize(measure.target * spread, measure.decimal_places)
    share = Decimal(1)
    if assignment.role == MeasureAssignment.Role.BREAKDOWN:
        share = Decimal(1) / 11 * _jitter(assignment.unit.code, measure.code, spread="0.5")
    year = (measure.same_period_q4 or 4 * (measure.same_period_q1 or 30)) if measure.comparison == Measure.Comparison.DECREASE \
        else measure.target
    if year is None:
        return None
    places = 0 if measure.value_kind == Measure.ValueKind.COUNT else measure.decimal_places
    return quantize(year * share * spread, places)


def _demo_emulation(campaign: Campaign) -> None:
    """Pledges, registrations, bonuses and deductions, marked demo, so each bloc's ranking is believable."""
    record = ScoringScheme.objects.filter(campaign=campaign).first()
    if record is None:
        return
    scheme = record.scheme()
    admin = User.objects.filter(username=DEMO_ADMIN).first()
    reviewer = User.objects.filter(username="thamdinh").first()
    existing = set(Pledge.objects.filter(measure__campaign=campaign).values_list("unit_id", "measure_id"))
    pledges = []
    # A yearly measure has no demo figure to pledge near, but a key one is pledged all the same: a
    # unit that reports a key measure and has no pledge for it is barred from the flag (scoring).
    unpledged = ANNUAL_CODES - scheme.key_measures
    for a in (MeasureAssignment.objects.filter(measure__campaign=campaign, unit__bloc__isnull=False)
              .exclude(measure__comparison__in=["qualitative", "increase"]).exclude(measure__code__in=unpledged)
              .select_related("measure", "unit")):
        target = _demo_pledge_target(a.measure, a)
        if target is not None and (a.unit_id, a.measure_id) not in existing:
            pledges.append(Pledge(unit=a.unit, measure=a.measure, target=target, signed_on=datetime.date(campaign.year, 1, 15),
                                  document=DEMO_PLEDGE_DOCUMENT.format(year=campaign.year), entered_by=admin))
    bulk_create_with_history(pledges, Pledge, default_user=admin)  # with their history, as entered pledges have (pledge template's «Phiên bản»)
    for unit in Unit.objects.filter(bloc__isnull=False, is_active=True):
        titles = [t.code for t in scheme.titles if t.code != scheme.flag_title][:1]  # e.g. Tập thể lao động xuất sắc
        if scheme.flag_title and _jitter("flag", unit.code) > Decimal("0.9"):
            titles.append(scheme.flag_title)
        for title in titles:
            Registration.objects.get_or_create(campaign=campaign, unit=unit, title=title, defaults={
                "registered_on": datetime.date(campaign.year, 2, 1), "note": "[Demo]", "entered_by": reviewer})
    units = {u.code: u for u in Unit.objects.filter(code__in=[a[0] for a in DEMO_ADJUSTMENTS])}
    for code, kind, points, reason in DEMO_ADJUSTMENTS:
        if code in units:
            ScoreAdjustment.objects.get_or_create(campaign=campaign, unit=units[code], reason=reason, defaults={
                "kind": kind, "points": Decimal(points), "evidence": "[Demo] không phải văn bản thật", "entered_by": reviewer})
