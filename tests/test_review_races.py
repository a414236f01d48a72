"""Two reviewers deciding the same report at the same moment, on real PostgreSQL: the state is
decided under the report's row lock, so exactly one decision wins and the other is told why."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from targets import history, workflow
from targets.models import Deadline, Measure, Submission, Unit
from tests.conftest import make_user
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def submitted(programme):
    for q in (1, 2, 3, 4):
        Deadline.objects.create(campaign=programme, quarter=q, due_on=datetime.date(2099, 1, 1))
    unit = Unit.objects.get(code="024")
    reporter = make_user("reporter", "reporter", units=[unit])
    workflow.save_figures(user=reporter, campaign=programme, unit=unit, quarter=1,
                          entries=[workflow.Entry(measure=Measure.objects.get(code="3"), value=Decimal("10"))])
    return workflow.submit(user=reporter, campaign=programme, unit=unit, quarter=1)


def test_approve_and_return_at_the_same_moment_one_wins_and_the_other_is_told(submitted):
    first, second = make_user("reviewer-a", "reviewer"), make_user("reviewer-b", "reviewer")
    for attempt in range(6):  # the race was lost 7 times in 8 before the lock: repeat it
        report = Submission.objects.get(pk=submitted.pk)
        stale = Submission.objects.get(pk=submitted.pk)  # what the second reviewer's page showed
        results, refusals = race([
            lambda report=report: workflow.approve(user=first, submissions=[report]),
            lambda stale=stale, n=attempt: workflow.return_for_correction(user=second, submission=stale, comment=f"Sai {n}"),
        ])
        won = [i for i, r in enumerate(results) if r is not None]
        assert len(won) == 1, (results, refusals)
        loser = refusals[1 - won[0]]
        assert "cannot be changed now" in loser
        final = Submission.objects.get(pk=submitted.pk)
        assert final.state == ("approved" if won == [0] else "returned")
        decisions = final.history.filter(history_change_reason__in=[history.system_reason(history.APPROVED),
                                                                    history.system_reason(history.RETURNED)]).count()
        assert decisions == attempt + 1  # one decision per try in the history, never two
        Submission.objects.filter(pk=submitted.pk).update(state="submitted")  # as after a correction


def test_a_reviewer_cannot_return_a_report_an_admin_approved_meanwhile(submitted):
    reviewer, admin = make_user("reviewer-a", "reviewer"), make_user("boss", "admin", is_superuser=True)
    stale = Submission.objects.get(pk=submitted.pk)
    workflow.approve(user=admin, submissions=[Submission.objects.get(pk=submitted.pk)])
    with translation.override("en"), pytest.raises(workflow.EntryRefused, match="cannot be changed now"):
        workflow.return_for_correction(user=reviewer, submission=stale, comment="Sai số")
    assert Submission.objects.get(pk=submitted.pk).state == "approved"


def test_two_admins_reopening_at_once_reopen_it_once(submitted):
    admins = [make_user(f"boss{i}", "admin", is_superuser=True) for i in range(2)]
    workflow.approve(user=admins[0], submissions=[Submission.objects.get(pk=submitted.pk)])
    results, refusals = race([
        lambda a=a: workflow.reopen(user=a, submission=Submission.objects.get(pk=submitted.pk), reason=f"Lý do {a.username}")
        for a in admins])
    assert sum(r is not None for r in results) == 1
    assert any(r and "Only approved reports can be reopened" in r for r in refusals)
    assert Submission.objects.get(pk=submitted.pk).history.filter(history_change_reason=history.system_reason(history.REOPENED)).count() == 1


def test_the_same_bonus_added_by_two_of_the_secretariat_at_once_is_kept_once(programme):
    from targets import commendation
    from targets.models import ScoreAdjustment

    unit = Unit.objects.get(code="026")
    people = [make_user("secretariat-a", "reviewer"), make_user("secretariat-b", "reviewer")]

    def add(user):
        def work():
            try:
                return commendation.add_adjustment(programme, unit=unit, kind="bonus", points=Decimal("12.5"),
                                                   reason="Cờ thi đua của Chính phủ 2023", evidence="", bars_flag=False, user=user)
            except commendation.Refused as refused:
                return refused.message
        return work

    results, _refusals = race([add(user) for user in people])
    assert ScoreAdjustment.objects.count() == 1
    assert sum(isinstance(r, ScoreAdjustment) for r in results) == 1
    assert any(isinstance(r, str) and "already has a bonus for this reason" in r for r in results)


def test_two_approvals_at_once_both_reach_next_years_last_year(programme):
    from targets.services import copy_campaign

    for q in (1, 2, 3, 4):
        Deadline.objects.create(campaign=programme, quarter=q, due_on=datetime.date(2099, 1, 1))
    budget = Measure.objects.get(campaign=programme, code="3")
    finance = budget.assignments.get(role="lead").unit
    reporter = make_user("reporter-stc", "reporter", units=[finance])
    reports = []
    for quarter, value in ((1, Decimal("650.5")), (2, Decimal("700"))):
        workflow.save_figures(user=reporter, campaign=programme, unit=finance, quarter=quarter,
                              entries=[workflow.Entry(measure=budget, value=value)])
        reports.append(workflow.submit(user=reporter, campaign=programme, unit=finance, quarter=quarter))
    following = copy_campaign(source_year=2024, target_year=2025)
    first, second = make_user("secretariat-1", "reviewer"), make_user("secretariat-2", "reviewer")
    race([lambda: workflow.approve(user=first, submissions=[reports[0]]), lambda: workflow.approve(user=second, submissions=[reports[1]])])
    # The half year needs both quarters approved: whichever approval wrote last read the other's too.
    budget = following.measures.get(code="3")
    assert (budget.same_period_q1, budget.same_period_q2) == (Decimal("650.5"), Decimal("1350.5"))


def test_the_reviewer_who_waited_on_the_lock_is_told_who_decided_and_when(submitted):
    import threading
    import time

    from django.db import transaction

    first, second = make_user("reviewer-a", "reviewer"), make_user("reviewer-b", "reviewer")
    stale = Submission.objects.get(pk=submitted.pk)  # what the second reviewer's page showed
    approved = threading.Event()

    def approve_and_hold():
        with transaction.atomic():
            workflow.approve(user=first, submissions=[Submission.objects.get(pk=submitted.pk)])
            approved.set()
            time.sleep(0.5)  # the return below now waits on the report's row lock

    def return_it():
        approved.wait(10)
        return workflow.return_for_correction(user=second, submission=stale, comment="Sai số")

    _results, refusals = race([approve_and_hold, return_it])
    assert "is approved (reviewer-a, " in refusals[1], refusals
