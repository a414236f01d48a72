"""Year and quarter read the same way by every page: a quarter that is not 1–4 counts as none
given, and each page then shows its default quarter; an unknown year is a 404, never a 500."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from targets.language import language
from targets.models import Deadline, Submission, Unit
from tests.conftest import make_user

MALFORMED = ["", "abc", "7", "0", "²", "1.5", "-1", "99999999999999999999"]


@pytest.fixture
def q2_open(programme):
    """Quarter 1's deadline has passed, quarter 2's has not; the latest report sent is quarter 3's,
    waiting for review."""
    today = timezone.localdate()
    for quarter, due in ((1, today - datetime.timedelta(days=1)), (2, today), (3, today + datetime.timedelta(days=90)),
                         (4, today + datetime.timedelta(days=180))):
        Deadline.objects.create(campaign=programme, quarter=quarter, due_on=due)
    Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="026"), quarter=3, state="submitted",
                              submitted_at=timezone.now())
    return programme


@pytest.mark.template_context
@pytest.mark.parametrize("quarter", MALFORMED)
def test_every_page_falls_back_to_its_default_quarter(client, q2_open, reviewer, quarter):
    client.force_login(reviewer)
    # What officials read: the latest quarter with data.
    response = client.get(reverse("home"), {"year": 2024, "quarter": quarter})
    assert response.status_code == 200 and response.context["quarter"] == 3
    response = client.get(reverse("exports:report"), {"year": 2024, "quarter": quarter}, follow=True)
    assert 'filename="bao-cao-thi-dua-2024-q3.xlsx"' in response["Content-Disposition"]
    # Who is late: up to the latest quarter whose deadline has passed.
    assert client.get(reverse("late"), {"year": 2024, "quarter": quarter}).context["quarter"] == 1
    # What the secretariat reviews: the quarter where a report waits (026's, sent early).
    assert client.get(reverse("review"), {"year": 2024, "quarter": quarter}).context["quarter"] == 3
    assert client.post(reverse("review"), {"year": 2024, "quarter": quarter, "action": "remind"})["Location"].endswith("quarter=3")
    # What a unit enters: the quarter being collected.
    assert client.get(reverse("entry"), {"year": 2024, "quarter": quarter, "unit": "024"}).context["quarter"] == 2


@pytest.mark.template_context
def test_a_units_extension_moves_its_open_quarter(client, q2_open):
    unit = Unit.objects.get(code="024")
    Deadline.objects.create(campaign=q2_open, unit=unit, quarter=1, due_on=timezone.localdate())
    client.force_login(make_user("reporter-city", "reporter", units=[unit]))
    assert client.get(reverse("entry"), {"year": 2024, "quarter": "abc"}).context["quarter"] == 1
    response = client.get(reverse("template-download"), {"year": 2024, "quarter": "abc"})
    assert 'filename="bieu-mau-2024-q1-024.xlsx"' in response["Content-Disposition"]


@pytest.mark.template_context
def test_a_report_returned_after_its_deadline_is_where_the_units_entry_page_opens(client, q2_open, reviewer):
    unit = Unit.objects.get(code="024")
    report = Submission.objects.create(campaign=q2_open, unit=unit, quarter=1, state="submitted", submitted_at=timezone.now())
    client.force_login(reviewer)
    client.post(reverse("submission-decide", args=[report.pk]), {"action": "return", "comment": "Chỉ tiêu 3 thiếu nguồn",
                                                                 "version": report.version})
    client.force_login(make_user("reporter-city", "reporter", units=[unit]))
    response = client.get(reverse("entry"), {"year": 2024})
    assert response.context["quarter"] == 1  # quarter 1's deadline has passed: quarter 2 is being collected
    assert "Chỉ tiêu 3 thiếu nguồn" in response.content.decode()
    response = client.get(reverse("template-download"), {"year": 2024})
    assert 'filename="bieu-mau-2024-q1-024.xlsx"' in response["Content-Disposition"]
    # Saved again but not yet sent, it is still the unit's to finish; sent, the page moves on.
    report.refresh_from_db()
    report.state = Submission.State.DRAFT
    report.save()
    assert client.get(reverse("entry"), {"year": 2024}).context["quarter"] == 1
    report.state = Submission.State.SUBMITTED
    report.save()
    assert client.get(reverse("entry"), {"year": 2024}).context["quarter"] == 2


@pytest.mark.parametrize("year", ["1999", "abc", "²", "99999999999999999999"])
def test_an_unknown_year_is_a_404_on_every_page(client, programme, reviewer, year):
    client.force_login(reviewer)
    for name in ("home", "late", "review", "entry", "exports:report"):
        assert client.get(reverse(name), {"year": year, "quarter": 1}).status_code == 404, name


@pytest.mark.parametrize("code, expected", [("vi", "vi"), ("en", "en"), ("en-gb", "en"), ("EN", "en"), ("fr", "vi"), ("", "vi")])
def test_the_language_of_a_code(code, expected):
    assert language(code) == expected


def test_the_report_is_in_the_pages_language_unless_one_is_asked_for(client, programme, viewer):
    client.force_login(viewer)
    client.cookies["django_language"] = "en"
    assert "-en.xlsx" in client.get(reverse("exports:report"), {"year": 2024, "quarter": 1})["Content-Disposition"]
    assert "-en.xlsx" not in client.get(reverse("exports:report"), {"year": 2024, "quarter": 1, "lang": "vi"})["Content-Disposition"]


@pytest.mark.template_context
def test_the_entry_page_and_the_review_queue_read_the_deadlines_and_the_waiting_reports_once(client, q2_open, reviewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(reviewer)
    for name, params, quarter in (("entry", {"unit": "024"}, 2), ("review", {}, 3)):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse(name), {"year": 2024, **params})
        assert response.context["quarter"] == quarter  # the default quarter, decided from those deadlines
        sql = [q["sql"] for q in captured.captured_queries]
        assert len([s for s in sql if 'FROM "targets_deadline"' in s]) == 1, (name, sql)
        assert len([s for s in sql if 'COUNT("targets_submission"."id")' in s]) == (name == "review"), (name, sql)


def test_an_extension_is_never_earlier_than_the_programmes_deadline_moved_later_since(programme):
    city, other = Unit.objects.get(code="024"), Unit.objects.get(code="026")
    Deadline.objects.create(campaign=programme, quarter=1, due_on=datetime.date(2026, 12, 10))
    Deadline.objects.create(campaign=programme, quarter=1, unit=city, due_on=datetime.date(2026, 12, 20))  # ten days more
    assert programme.deadline(1, city) == datetime.date(2026, 12, 20)
    Deadline.objects.filter(unit=None, quarter=1).update(due_on=datetime.date(2026, 12, 31))  # everyone's moved later
    assert programme.deadline(1, city) == programme.deadline(1, other) == datetime.date(2026, 12, 31)
