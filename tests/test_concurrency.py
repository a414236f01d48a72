"""Concurrent saves on real PostgreSQL: one wins, the other is told, nothing is lost or doubled."""

import datetime
from decimal import Decimal

import pytest

from targets import workflow
from targets.models import Campaign, Deadline, Figure, Measure, Submission, Unit
from tests.conftest import make_user
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def open_unit(programme):
    for q in (1, 2, 3, 4):
        Deadline.objects.create(campaign=programme, quarter=q, due_on=datetime.date(2099, 1, 1))
    return Unit.objects.get(code="024")


def test_two_people_saving_the_same_new_figure_one_wins_the_other_gets_a_conflict(programme, open_unit):
    alice = make_user("alice", "reporter", units=[open_unit])
    bob = make_user("bob", "reviewer")
    measure = Measure.objects.get(code="3")

    def save(user, value):
        return lambda: workflow.save_figures(user=user, campaign=programme, unit=open_unit, quarter=1,
                                             entries=[workflow.Entry(measure=measure, value=Decimal(value))])

    results, refusals = race([save(alice, "10"), save(bob, "20")])
    assert not any(refusals), refusals
    winners = [r for r in results if r.saved]
    losers = [r for r in results if r.conflicts]
    assert len(winners) == 1 and len(losers) == 1
    figure = Figure.objects.get()
    assert figure.value == winners[0].saved[0].value
    assert losers[0].conflicts[0].theirs.value == figure.value  # the loser is shown the winner's value
    assert Submission.objects.count() == 1


def test_parallel_saves_for_many_units_keep_one_report_and_one_figure_each(programme):
    for q in (1, 2, 3, 4):
        Deadline.objects.create(campaign=programme, quarter=q, due_on=datetime.date(2099, 1, 1))
    reviewer = make_user("secretariat-bulk", "reviewer")
    measure = Measure.objects.get(code="3")
    units = list(Unit.objects.filter(kind="locality").order_by("code")[:4])
    workers = [
        (lambda u=u: workflow.save_figures(user=reviewer, campaign=programme, unit=u, quarter=2,
                                           entries=[workflow.Entry(measure=measure, value=Decimal("5"))]))
        for u in units for _ in range(2)
    ]
    results, refusals = race(workers)
    assert not any(refusals), refusals
    assert Submission.objects.filter(quarter=2).count() == 4
    assert Figure.objects.filter(submission__quarter=2).count() == 4
    assert sum(len(r.saved) for r in results) == 4


def test_an_upload_of_two_units_locks_both_reports_before_writing_so_a_page_save_cannot_deadlock_with_it(programme, open_unit):
    import threading

    import psycopg2
    from django.db import connection

    from targets import template_xlsx, versions

    reviewer = make_user("secretariat-upload", "reviewer")
    city, dong_van = open_unit, Unit.objects.get(code="026")
    measure = Measure.objects.get(code="3")
    for unit in (city, dong_van):
        Submission.objects.create(campaign=programme, unit=unit, quarter=1)
    result = template_xlsx.UploadResult(campaign=programme, quarter=1, units={u.code: u for u in (city, dong_van)}, rows=[
        {"row": n, "unit": u, "entry": workflow.Entry(measure=measure, value=Decimal(n)), "saved": None}
        for n, u in ((2, city), (3, dong_van))])
    # A page's save holds Đồng Văn's report (its row lock) and is about to write.
    page = psycopg2.connect(**connection.get_connection_params())
    with page.cursor() as cursor:
        cursor.execute("SELECT id FROM targets_submission WHERE unit_id = %s AND quarter = 1 FOR UPDATE", [dong_van.pk])
    outcome = []
    upload = threading.Thread(target=lambda: (outcome.append(template_xlsx.save_upload(result, user=reviewer)), connection.close()))
    upload.start()
    upload.join(1)
    assert upload.is_alive()  # waiting for Đồng Văn's report…
    # …without holding the data version, which the page's first write takes: it writes, no deadlock.
    with page.cursor() as cursor:
        cursor.execute("SET lock_timeout = '2s'")
        cursor.execute(f"SELECT 1 FROM {versions.TABLE} FOR UPDATE")
    page.commit()
    page.close()
    upload.join(20)
    assert outcome == [template_xlsx.Saved(figures=2)] and Figure.objects.count() == 2


def _in_thread(work):
    """Run `work` in a thread with its own connection; (thread, outcome list: its result or its refusal)."""
    import threading

    from django.db import connection

    outcome = []

    def run():
        try:
            outcome.append(work())
        except Exception as error:  # the refusal is the outcome the test asserts
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _other_session():
    import psycopg2
    from django.db import connection

    return psycopg2.connect(**connection.get_connection_params())


def test_a_late_yearly_report_sent_while_the_year_is_being_closed_stops_the_closing(programme):
    from targets import ranking

    unit = Unit.objects.get(code="024")
    report = Submission.objects.create(campaign=programme, unit=unit, quarter=4)
    admin = make_user("boss", "admin", is_superuser=True)
    # The unit's sending is under way (it read the year as open, and wrote), not yet committed.
    sender = _other_session()
    with sender.cursor() as cursor:
        cursor.execute("SELECT year_closed FROM targets_campaign WHERE id = %s FOR SHARE", [programme.pk])
        cursor.execute("UPDATE targets_submission SET state = 'submitted' WHERE id = %s", [report.pk])
    closing, outcome = _in_thread(lambda: ranking.close_year(Campaign.objects.get(pk=programme.pk), admin))
    closing.join(1)
    assert closing.is_alive()  # waits for the sending to finish…
    sender.commit()
    sender.close()
    closing.join(20)
    assert isinstance(outcome[0], ranking.CannotClose) and "024" in str(outcome[0])  # …and then sees the report waiting
    assert not Campaign.objects.get(pk=programme.pk).year_closed


def test_a_late_yearly_report_sent_while_the_year_closes_is_refused(programme):
    from targets import versions

    unit = Unit.objects.get(code="024")
    Deadline.objects.create(campaign=programme, quarter=4, due_on=datetime.date(2025, 1, 15))  # passed
    reporter = make_user("late", "reporter", units=[unit])
    yearly = Measure.objects.filter(assignments__unit=unit, frequency=Measure.Frequency.YEARLY, campaign=programme).first()
    workflow.save_figures(user=reporter, campaign=programme, unit=unit, quarter=4, entries=[workflow.Entry(measure=yearly, value=Decimal(3))])
    # The administrator's closing is under way (as ranking.close_year locks and writes), not yet committed.
    closer = _other_session()
    with closer.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {versions.TABLE} FOR UPDATE")
        cursor.execute("SELECT 1 FROM targets_campaign WHERE id = %s FOR UPDATE", [programme.pk])
        cursor.execute("UPDATE targets_campaign SET year_closed = true WHERE id = %s", [programme.pk])
    sending, outcome = _in_thread(lambda: workflow.submit(user=reporter, campaign=Campaign.objects.get(pk=programme.pk), unit=unit, quarter=4))
    sending.join(1)
    assert sending.is_alive()
    closer.commit()
    closer.close()
    sending.join(20)
    assert isinstance(outcome[0], workflow.EntryRefused) and "Năm 2024 đã khóa sổ" in outcome[0].message  # not "ask for an extension"
    assert Submission.objects.get(unit=unit, quarter=4).state == "draft"


def test_a_double_click_on_send_answers_the_second_click_with_the_report_as_sent(client, programme, open_unit, monkeypatch):
    import re
    import threading

    from django.db import connection

    from tests.test_entry_workflow import field, post_entry

    reporter = make_user("clicker", "reporter", units=[open_unit])
    client.force_login(reporter)
    post_entry(client, "024", 1, {"3": "33,3"})
    real_lock = workflow.lock_reports

    def first_click_lands_meanwhile(*args):
        # The first click's request sends the report (and commits) while this one is on its way,
        # before it takes the report's lock (its first step when sending).
        def send():
            workflow.submit(user=reporter, campaign=programme, unit=open_unit, quarter=1)
            connection.close()

        first = threading.Thread(target=send)
        first.start()
        first.join(20)
        return real_lock(*args)

    monkeypatch.setattr(workflow, "lock_reports", first_click_lands_meanwhile)
    response = post_entry(client, "024", 1, {"3": "33,4"}, action="submit", **{field("3", "version"): "1"})
    html = " ".join(response.content.decode().split())
    assert response.status_code == 403 and "Chưa lưu gì." in html
    assert "Trạng thái: <strong>Đã gửi</strong>" in html  # the page as the report stands now, not as it was
    assert re.search(r'<fieldset class="entry-row[^"]*" disabled', html)  # nothing left to send again
    assert "<strong>33,4</strong>" in html  # what this click typed and did not save
    assert Submission.objects.get().state == "submitted" and Figure.objects.get().value == Decimal("33.3")


def test_a_change_made_while_a_report_is_being_sent_waits_for_it_and_never_goes_unseen(client, programme, open_unit, monkeypatch):
    """Send with nothing typed: another writer's save landing between the check of rows changed since
    the page was opened and the sending waits on the report's lock, so the report goes as its sender
    saw it (and the late save is refused: the report is sent), never with the other's figure unseen."""
    import threading

    from django.db import connection

    from tests.formdata import form_data

    reporter, secretariat = make_user("sender", "reporter", units=[open_unit]), make_user("other", "reviewer")
    budget = Measure.objects.get(campaign=programme, code="3")
    workflow.save_figures(user=reporter, campaign=programme, unit=open_unit, quarter=1, entries=[workflow.Entry(measure=budget, value=101)])
    client.force_login(reporter)
    data = form_data(client.get("/nhap-so-lieu/", {"year": 2024, "quarter": 1}).content.decode())
    real_submit, outcome = workflow.submit, {}

    def another_save_lands_meanwhile(**kwargs):
        def save():
            try:
                outcome["saved"] = workflow.save_figures(user=secretariat, campaign=programme, unit=open_unit, quarter=1,
                                                         entries=[workflow.Entry(measure=budget, value=108, version=1)])
            except workflow.EntryRefused as refused:
                outcome["refused"] = refused.message
            finally:
                connection.close()

        other = threading.Thread(target=save)
        other.start()
        other.join(2)  # blocked on the report's lock, it does not land before the sending
        outcome["thread"] = other
        return real_submit(**kwargs)

    monkeypatch.setattr(workflow, "submit", another_save_lands_meanwhile)
    client.post("/nhap-so-lieu/", {**data, "action": "submit", "send_incomplete": "1"})
    outcome["thread"].join(20)
    sent = Submission.objects.get(unit=open_unit, quarter=1)
    assert sent.state == Submission.State.SUBMITTED
    assert Figure.objects.get(submission=sent).value == 101 and "refused" in outcome
