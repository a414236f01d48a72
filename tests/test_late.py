"""One rule for "late": the late-units page, the review queue, the reminders and the workbook's
submissions sheet agree on the same day, at the edges (targets/timeliness.py)."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from targets import timeliness
from targets.models import Deadline, Submission, Unit
from tests.conftest import make_user

TODAY = datetime.date(2024, 4, 16)


@pytest.mark.parametrize("due, sent_on, expected", [
    (TODAY, None, timeliness.OPEN),                              # the deadline day is still in time
    (TODAY - datetime.timedelta(days=1), None, timeliness.LATE),  # a day after: late and missing
    (TODAY - datetime.timedelta(days=1), TODAY, timeliness.LATE),  # sent a day after its deadline
    (TODAY, TODAY, timeliness.ON_TIME),                           # sent on the deadline day
    (TODAY + datetime.timedelta(days=5), None, timeliness.OPEN),
])
def test_the_rule(due, sent_on, expected):
    assert timeliness.timeliness(due, TODAY, sent_on) == expected
    assert timeliness.overdue(due, TODAY, sent_on) == (expected == timeliness.LATE and sent_on is None)


def _at(day: datetime.date):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


@pytest.fixture
def edges(programme):
    """Quarter 1 was due yesterday; one unit of each edge, every reporting unit with a member."""
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    Deadline.objects.create(campaign=programme, quarter=1, due_on=yesterday)
    unit = {code: Unit.objects.get(code=code) for code in ("024", "026", "027", "028", "029", "030")}
    Submission.objects.create(campaign=programme, unit=unit["024"], quarter=1, state="submitted", submitted_at=_at(yesterday))
    Submission.objects.create(campaign=programme, unit=unit["026"], quarter=1, state="approved", submitted_at=_at(today))
    Submission.objects.create(campaign=programme, unit=unit["027"], quarter=1, state="returned", submitted_at=_at(yesterday))
    Deadline.objects.create(campaign=programme, unit=unit["028"], quarter=1, due_on=today)  # extension: today is its deadline day
    Deadline.objects.create(campaign=programme, unit=unit["029"], quarter=1, due_on=today + datetime.timedelta(days=5))
    unit["030"].is_active = False  # a unit no longer reporting is nobody's late unit
    unit["030"].save()
    for u in Unit.objects.filter(assignments__measure__campaign=programme).distinct():
        make_user(f"member-{u.code}", "reporter", units=[u], email=f"{u.code}@example.org")
    return programme


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_page_queue_reminders_and_workbook_agree_on_who_is_late(client, edges, reviewer, lang):
    client.force_login(reviewer)
    client.cookies["django_language"] = lang
    page = client.get(reverse("late"), {"year": 2024, "quarter": 1}).content.decode()
    on_page = dict(re.findall(r">([0-9A-Z]+) – [^<]*</a></td><td>1</td><td>[^<]*</td><td>([^<]*)</td>", page))
    missing, sent_late = ("Chưa gửi", "Gửi trễ hạn") if lang == "vi" else ("Not submitted", "Submitted late")
    overdue = {code for code, text in on_page.items() if text == missing}
    assert on_page["026"] == sent_late
    assert {"024", "028", "029", "030"}.isdisjoint(on_page)
    assert {"027", "031"} <= overdue

    queue = client.get(reverse("review"), {"year": 2024, "quarter": 1}).content.decode()
    assert set(re.findall(r"<li>([0-9A-Z]+) – ", queue)) == overdue

    client.post(reverse("review"), {"year": 2024, "quarter": 1, "action": "remind"})
    assert {r.split("@")[0] for m in mail.outbox for r in m.to} == overdue

    response = client.get(reverse("exports:report"), {"year": 2024, "quarter": 1, "lang": lang})
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Tình hình báo cáo" if lang == "vi" else "Submissions"]
    late_word = "Trễ hạn" if lang == "vi" else "Late"
    late_rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True) if row[6] == late_word}
    assert set(late_rows) == set(on_page)
    assert {code for code, row in late_rows.items() if row[4] is None} == overdue
