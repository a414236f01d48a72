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
from targets.models import Deadline, Figure, Measure, Submission, Unit
from targets.overview import reporting_units
from tests.conftest import make_user
from tests.formdata import form_data

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


def table_rows(html: str) -> list[list[str]]:
    """The text of each cell of each body row of the page's table."""
    body = html.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


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
    # Returned for a correction: 027 had first sent it after the deadline, 032 by it (so it stays on time).
    Submission.objects.create(campaign=programme, unit=unit["027"], quarter=1, state="returned", submitted_at=_at(today))
    Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="032"), quarter=1, state="returned",
                              submitted_at=_at(yesterday))
    Deadline.objects.create(campaign=programme, unit=unit["028"], quarter=1, due_on=today)  # extension: today is its deadline day
    Deadline.objects.create(campaign=programme, unit=unit["029"], quarter=1, due_on=today + datetime.timedelta(days=5))
    unit["030"].is_active = False  # a unit no longer reporting is nobody's late unit
    unit["030"].save()
    for u in reporting_units(programme):
        make_user(f"member-{u.code}", "reporter", units=[u], email=f"{u.code}@example.org")
    return programme


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_page_queue_reminders_and_workbook_agree_on_who_is_late(client, edges, reviewer, lang):
    client.force_login(reviewer)
    client.cookies["django_language"] = lang
    page = client.get(reverse("late"), {"year": 2024, "quarter": 1}).content.decode()
    first = "Quý I" if lang == "vi" else "Q1"  # the quarter as every page names it
    on_page = {cells[0].split(" – ")[0]: cells[3] for cells in table_rows(page) if cells[1] == first}
    missing, sent_late = ("Chưa gửi", "Gửi trễ hạn") if lang == "vi" else ("Not submitted", "Submitted late")
    overdue = {code for code, text in on_page.items() if text.startswith(missing)}
    assert on_page["026"] == sent_late
    assert {"024", "028", "029", "030", "032"}.isdisjoint(on_page)
    assert {"027", "031"} <= overdue

    queue = client.get(reverse("review"), {"year": 2024, "quarter": 1}).content.decode()
    assert set(re.findall(r"<li>([0-9A-Z]+) – ", queue)) == overdue
    # Worded as the late page words it: one state, one phrase.
    queued = {code: text.rsplit(", ", 1)[1] for code, text in re.findall(r"<li>([0-9A-Z]+) – ([^<]*)</li>", queue)}
    assert queued["027"] == on_page["027"] and queued["031"] == on_page["031"]

    client.post(reverse("review"), {"year": 2024, "quarter": 1, "action": "remind"})
    assert {r.split("@")[0] for m in mail.outbox for r in m.to} == overdue

    response = client.get(reverse("exports:report"), {"year": 2024, "quarter": 1, "lang": lang})
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Tình hình báo cáo" if lang == "vi" else "Submissions"]
    # In the late page's words: a report sent late apart from one still missing.
    late_rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True) if row[6] in (missing, sent_late)}
    assert set(late_rows) == set(on_page)
    assert {code for code, row in late_rows.items() if row[6] == missing} == overdue
    assert {code for code, row in late_rows.items() if row[4] is None} == overdue
    returned = next(row for row in ws.iter_rows(min_row=4, values_only=True) if row[0] == "032")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert returned[3:] == ("Trả lại" if lang == "vi" else "Returned", None, datetime.datetime.combine(yesterday, datetime.time()),
                            "Đúng hạn" if lang == "vi" else "On time", datetime.datetime.combine(yesterday, datetime.time(10)))


def test_a_report_sent_on_time_stays_on_time_when_returned_or_reopened_for_a_correction(client, programme, reviewer, admin_user):
    from targets import workflow
    from targets.overview import submission_status

    today = timezone.localdate()
    Deadline.objects.create(campaign=programme, quarter=1, due_on=today - datetime.timedelta(days=10))
    unit = Unit.objects.get(code="024")
    reporter = make_user("reporter-city", "reporter", units=[unit])
    first = _at(today - datetime.timedelta(days=12))
    report = Submission.objects.create(campaign=programme, unit=unit, quarter=1, state="submitted", submitted_by=reporter,
                                       submitted_at=first)
    Figure.objects.create(submission=report, measure=Measure.objects.get(campaign=programme, code="3"), value=500)
    Deadline.objects.create(campaign=programme, unit=unit, quarter=1, due_on=today + datetime.timedelta(days=1))  # to correct it

    def row():
        return next(r for r in submission_status(programme, 1, units=[unit]) if r["quarter"] == 1)

    # Returned after the deadline: the unit met it; the correction is the review queue's business, not the late list's.
    workflow.return_for_correction(user=reviewer, submission=report, comment="Bổ sung nguồn số liệu.")
    assert (row()["timeliness"], row()["overdue"], row()["first_submitted_at"]) == ("on_time", False, first)
    client.force_login(reviewer)
    assert "024 –" not in client.get(reverse("late"), {"year": 2024, "quarter": 1}).content.decode()
    workflow.submit(user=reporter, campaign=programme, unit=unit, quarter=1)
    assert row()["timeliness"] == "on_time" and row()["submitted_at"] > first
    # And after an admin reopens the approved report months later for the official figure.
    workflow.approve(user=reviewer, submissions=[Submission.objects.get(pk=report.pk)])
    workflow.reopen(user=admin_user, submission=Submission.objects.get(pk=report.pk), reason="Thay số ước tính bằng số chính thức.")
    workflow.submit(user=reporter, campaign=programme, unit=unit, quarter=1)
    assert row()["timeliness"] == "on_time"
    page = table_rows(client.get(reverse("unit", args=["024"]), {"year": 2024, "quarter": 1}).content.decode().split("Tình hình báo cáo theo quý")[-1])
    assert page[0][0] == "Quý I" and page[0][-1] == "Đúng hạn" and f"gửi lần đầu {timezone.localtime(first):%H:%M %d/%m/%Y}" in page[0][2]
    # A report first sent after its deadline stays late, however often it is sent again.
    late = Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="026"), quarter=1, state="submitted",
                                     submitted_at=_at(today - datetime.timedelta(days=5)))
    workflow.return_for_correction(user=reviewer, submission=late, comment="Sai đơn vị tính.")
    assert next(r for r in submission_status(programme, 1, units=[late.unit]))["timeliness"] == "late"


def test_a_report_returned_as_not_counted_as_sent_is_late_again_until_sent_again(client, programme, reviewer):
    """Sent nearly empty on the deadline day, to be filled in weeks later: the secretariat returns it
    as not counted as sent, and its next sending decides (the late list, the reminders, the points)."""
    from targets import workflow
    from targets.overview import submission_status

    today = timezone.localdate()
    Deadline.objects.create(campaign=programme, quarter=1, due_on=today - datetime.timedelta(days=10))
    unit = Unit.objects.get(code="024")
    reporter = make_user("reporter-city", "reporter", units=[unit], email="city@example.vn")
    first = _at(today - datetime.timedelta(days=10))
    report = Submission.objects.create(campaign=programme, unit=unit, quarter=1, state="submitted", submitted_by=reporter,
                                       submitted_at=first)
    Figure.objects.create(submission=report, measure=Measure.objects.get(campaign=programme, code="3"), value=1)

    def row():
        return next(r for r in submission_status(programme, 1, units=[unit]) if r["quarter"] == 1)

    client.force_login(reviewer)
    page = client.get(reverse("submission", args=[report.pk])).content.decode()
    assert "Không tính là đã gửi" in page
    # Ticked, or commented, and approved by a click on the wrong button: refused, what was typed kept.
    wrong = client.post(reverse("submission-decide", args=[report.pk]),
                        {"action": "approve", "comment": "Báo cáo chưa có số liệu.", "unsent": "on",
                         "version": report.version}).content.decode()
    assert "Ô này chỉ dùng khi “Trả lại để chỉnh sửa”" in wrong and "Duyệt báo cáo không kèm ý kiến" in wrong
    # The box's refusal is read with it: its description names the help and the error under it.
    assert 'aria-describedby="id_unsent_helptext id_unsent_error"' in wrong and 'id="id_unsent_error"' in wrong
    assert "Báo cáo chưa có số liệu.</textarea>" in wrong and Submission.objects.get(pk=report.pk).state == "submitted"
    response = client.post(reverse("submission-decide", args=[report.pk]),
                           {"action": "return", "comment": "Báo cáo chưa có số liệu.", "unsent": "on", "version": report.version},
                           follow=True)
    assert "báo cáo không được tính là đã gửi" in response.content.decode()
    letter = mail.outbox[-1].body
    # Before the signature, and true to the deadline already past: it will be sent late, whenever sent.
    due = f"{today - datetime.timedelta(days=10):%d/%m/%Y}"
    late_words = f"đã quá hạn gửi ({due}): báo cáo sẽ được tính là gửi trễ hạn, vào ngày đơn vị gửi lại."
    assert letter.index(late_words) < letter.index("Ban Thi đua - Khen thưởng")
    # The page and the queue no longer show the sending as one.
    assert "đã trả lại, không tính là đã gửi" in client.get(reverse("submission", args=[report.pk])).content.decode()
    assert "đã trả lại, không tính là đã gửi" in client.get(reverse("review"), {"year": 2024, "quarter": 1}).content.decode()
    assert (row()["timeliness"], row()["overdue"]) == ("late", True)
    assert "024 –" in client.get(reverse("late"), {"year": 2024, "quarter": 1}).content.decode()
    assert "024" in [r["unit"].code for r in workflow.late_units(programme, 1)]
    history = client.get(reverse("submission", args=[report.pk])).content.decode()
    assert "Trả lại để chỉnh sửa, không tính là đã gửi: Báo cáo chưa có số liệu." in history
    # The unit reads the same on its entry page, and its page shows the sending that does not count.
    client.force_login(reporter)
    entry = client.get(reverse("entry"), {"year": 2024, "quarter": 1, "unit": "024"}).content.decode()
    assert late_words in entry
    unit_page = client.get(reverse("unit", args=["024"]), {"year": 2024, "quarter": 1}).content.decode()
    assert f">{timezone.localtime(first):%H:%M %d/%m/%Y}, bị trả lại, không tính là đã gửi" in unit_page
    assert ">Đúng hạn/trễ hạn</th>" in unit_page
    # Sent again from the entry page: told at once that it counts as sent late.
    sent = client.post(reverse("entry"), {**form_data(entry), "action": "submit", "send_incomplete": "1"}, follow=True).content.decode()
    assert f"Đã gửi sau hạn ({due}): báo cáo được tính là gửi trễ hạn." in sent
    assert Submission.objects.get(pk=report.pk).state == "submitted"
    # Sent again, it is late for good (the emulation's on-time points read the same rows: ranking.build_ranking).
    assert (row()["timeliness"], row()["overdue"], row()["first_submitted_at"]) == ("late", False, None)
    assert Submission.objects.get(pk=report.pk).first_submitted_at > first


def test_a_decision_from_a_page_opened_before_the_report_was_sent_again_is_refused(client, programme, reviewer):
    """Reviewer A opens a nearly empty report; B returns it, the unit fills it in and sends it again;
    A's return "not counted as sent" (or approval) from the page still showing the first sending
    would land on a report A never read: refused, what A typed kept."""
    from targets import workflow

    for q in (1, 2, 3, 4):
        Deadline.objects.create(campaign=programme, quarter=q, due_on=datetime.date(2099, 1, 1))
    unit = Unit.objects.get(code="024")
    reporter = make_user("reporter-city", "reporter", units=[unit])
    measure = Measure.objects.get(campaign=programme, code="3")
    workflow.save_figures(user=reporter, campaign=programme, unit=unit, quarter=1, entries=[workflow.Entry(measure=measure, value=1)])
    report = workflow.submit(user=reporter, campaign=programme, unit=unit, quarter=1)
    client.force_login(make_user("reviewer-a", "reviewer"))
    page_a = client.get(reverse("submission", args=[report.pk])).content.decode()
    queue_a = client.get(reverse("review"), {"year": 2024, "quarter": 1}).content.decode()
    workflow.return_for_correction(user=reviewer, submission=report, comment="Thiếu số liệu.")
    workflow.save_figures(user=reporter, campaign=programme, unit=unit, quarter=1, entries=[workflow.Entry(measure=measure, value=60)])
    workflow.submit(user=reporter, campaign=programme, unit=unit, quarter=1)
    first = Submission.objects.get(pk=report.pk).first_submitted_at

    for action in ("return", "approve"):
        data = {**form_data(page_a, "decide"), "action": action, "comment": "Báo cáo gần như trống." if action == "return" else ""}
        if action == "return":
            data["unsent"] = "on"
        refused = client.post(reverse("submission-decide", args=[report.pk]), data, follow=True).content.decode()
        assert "Báo cáo của Thành phố Hà Giang đã thay đổi sau khi bạn mở trang" in refused, action
        assert action == "approve" or "Báo cáo gần như trống.</textarea>" in refused  # what A typed, kept
        stored = Submission.objects.get(pk=report.pk)
        assert (stored.state, stored.first_submitted_at) == ("submitted", first)
    # A page shown again for another fault (a comment too long) says first that the report changed,
    # and then carries its new version: only a reviewer told of the change decides on it.
    too_long = client.post(reverse("submission-decide", args=[report.pk]),
                           {**form_data(page_a, "decide"), "action": "return", "comment": "x" * 5000, "unsent": "on"}).content.decode()
    assert "Báo cáo của Thành phố Hà Giang đã thay đổi sau khi bạn mở trang" in too_long
    assert f'name="version" value="{Submission.objects.get(pk=report.pk).version}"' in too_long
    # A version no page writes, in the queue: nothing approved.
    odd = client.post(reverse("review") + "?year=2024&quarter=1", {"action": "approve", "submission": report.pk,
                                                                   f"version-{report.pk}": "-1"}, follow=True).content.decode()
    assert "Chưa duyệt báo cáo nào: trang này đã cũ" in odd and Submission.objects.get(pk=report.pk).state == "submitted"
    # From the queue opened before: nothing approved, the unit named.
    bulk = client.post(reverse("review") + "?year=2024&quarter=1", {**form_data(queue_a, "approve"), "submission": report.pk},
                       follow=True).content.decode()
    assert "Chưa duyệt báo cáo nào" in bulk and Submission.objects.get(pk=report.pk).state == "submitted"
    # Read again, decided.
    fresh = client.get(reverse("submission", args=[report.pk])).content.decode()
    client.post(reverse("submission-decide", args=[report.pk]), {**form_data(fresh, "decide"), "action": "approve"})
    assert Submission.objects.get(pk=report.pk).state == "approved"


def test_not_counted_as_sent_is_refused_where_an_earlier_sending_counts(client, programme, reviewer):
    """Sent by its deadline and returned for a correction (that sending counts), then sent again: a
    return "not counted as sent" of the new sending would undo the one another decision counted."""
    from targets import workflow

    today = timezone.localdate()
    Deadline.objects.create(campaign=programme, quarter=1, due_on=today - datetime.timedelta(days=10))
    unit = Unit.objects.get(code="024")
    reporter = make_user("reporter-city", "reporter", units=[unit])
    first = _at(today - datetime.timedelta(days=12))
    report = Submission.objects.create(campaign=programme, unit=unit, quarter=1, state="submitted", submitted_by=reporter,
                                       submitted_at=first)
    Figure.objects.create(submission=report, measure=Measure.objects.get(campaign=programme, code="3"), value=500)
    workflow.return_for_correction(user=reviewer, submission=report, comment="Bổ sung nguồn.")
    workflow.submit(user=reporter, campaign=programme, unit=unit, quarter=1)
    client.force_login(reviewer)
    page = client.get(reverse("submission", args=[report.pk])).content.decode()
    assert 'name="unsent"' not in page  # no box that could not be used
    refused = client.post(reverse("submission-decide", args=[report.pk]),
                          {**form_data(page, "decide"), "action": "return", "comment": "Sai.", "unsent": "on"}).content.decode()
    assert "Một lần gửi trước của báo cáo này" in refused
    assert Submission.objects.get(pk=report.pk).state == "submitted"
    assert Submission.objects.get(pk=report.pk).first_submitted_at == first


def test_the_late_page_sorts_missing_reports_first_and_pages_through_them(client, edges, viewer):
    client.force_login(viewer)
    # Quarter 2 was due yesterday too: every active unit but 026, which sent quarter 1 late, is late twice.
    Deadline.objects.create(campaign=edges, quarter=2, due_on=timezone.localdate() - datetime.timedelta(days=1))
    pages = []
    for page in ("1", "2"):
        html = client.get(reverse("late"), {"year": 2024, "quarter": 2, "sort": "state", "page": page}).content.decode()
        pages.append(table_rows(html))
    rows = [row for page in pages for row in page]
    assert len(pages[0]) == 50 and 0 < len(pages[1]) <= 50 and len(rows) == len({(r[0], r[1]) for r in rows})
    states = [row[3] for row in rows]
    assert states == sorted(states, key=lambda s: not s.startswith("Chưa gửi"))  # missing ones first
    assert states[-1] == "Gửi trễ hạn" and states.count("Gửi trễ hạn") == 1
    backwards = table_rows(client.get(reverse("late"), {"year": 2024, "quarter": 2, "sort": "-state"}).content.decode())
    assert backwards[0][0].startswith("026 –") and backwards[0][3] == "Gửi trễ hạn"
    # A malformed page number shows the first page, one past the end the last: never an error.
    assert table_rows(client.get(reverse("late"), {"year": 2024, "quarter": 2, "sort": "state", "page": "abc"}).content.decode()) == pages[0]
    assert table_rows(client.get(reverse("late"), {"year": 2024, "quarter": 2, "sort": "state", "page": "999"}).content.decode()) \
        == pages[1]


def test_the_review_queue_lists_what_awaits_review_first_not_alphabetically(client, programme, reviewer):
    states = {"024": "approved", "026": "draft", "027": "returned", "028": "submitted"}
    for code, state in states.items():
        Submission.objects.create(campaign=programme, unit=Unit.objects.get(code=code), quarter=1, state=state,
                                  submitted_at=timezone.now() if state != "draft" else None)
    client.force_login(reviewer)
    html = client.get(reverse("review"), {"year": 2024, "quarter": 1}).content.decode()
    assert [row[1].split(" – ")[0] for row in table_rows(html)] == ["028", "027", "026", "024"]
    html = client.get(reverse("review"), {"year": 2024, "quarter": 1, "sort": "unit"}).content.decode()
    assert [row[1].split(" – ")[0] for row in table_rows(html)] == ["024", "026", "027", "028"]
    assert 'value="approve"' in html and html.count('name="submission"') == 1  # only the submitted report can be ticked


def test_the_review_queue_says_a_draft_never_sent_was_not_sent_not_that_it_was_sent_now(client, programme, reviewer):
    sent = timezone.make_aware(datetime.datetime(2024, 4, 10, 9, 30))
    Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="024"), quarter=1, state="submitted", submitted_at=sent)
    Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="026"), quarter=1, state="draft", submitted_at=None)
    client.force_login(reviewer)
    rows = {row[1].split(" – ")[0]: row[4] for row in table_rows(client.get(reverse("review"), {"year": 2024, "quarter": 1}).content.decode())}
    assert rows["024"] == "09:30 10/04/2024"
    now = timezone.localtime()
    assert rows["026"] == "Chưa gửi", rows["026"]
    assert f"{now:%d/%m/%Y}" not in rows["026"]
    # Sorting by the column puts the report never sent apart, either way, rather than failing.
    for order in ("submitted_at", "-submitted_at"):
        html = client.get(reverse("review"), {"year": 2024, "quarter": 1, "sort": order}).content.decode()
        assert [row[1].split(" – ")[0] for row in table_rows(html)] in (["024", "026"], ["026", "024"])


def test_a_returned_report_saved_again_as_a_draft_says_it_is_back_with_the_unit_on_every_page(client, programme, reviewer):
    """A correction saved after a return (by the unit, or by the secretariat on its behalf) makes the
    report a draft again; the queue, the report page, the unit's page and the late page still say it
    was returned for correction, and the queue sorts it with the returned reports, not the drafts."""
    from targets import workflow

    today = timezone.localdate()
    Deadline.objects.create(campaign=programme, quarter=1, due_on=today - datetime.timedelta(days=10))
    budget = Measure.objects.get(campaign=programme, code="3")
    units = {u.code: u for u in Unit.objects.filter(code__in=["024", "026", "027", "028", "029", "030"])}
    reports = {}
    for code, state in (("024", "submitted"), ("026", "submitted"), ("027", "draft"), ("028", "submitted"), ("029", "submitted"),
                        ("030", "approved")):
        reports[code] = Submission.objects.create(campaign=programme, unit=units[code], quarter=1, state=state,
                                                  submitted_at=_at(today - datetime.timedelta(days=12)) if state != "draft" else None)
    for code, counts in (("024", True), ("026", False), ("029", True)):
        workflow.return_for_correction(user=reviewer, submission=reports[code], comment="Bổ sung nguồn.", counts_as_sent=counts)
    # 024 and 026 corrected and saved (the secretariat on 026's behalf); 029 returned, not touched yet.
    for code in ("024", "026"):
        workflow.save_figures(user=reviewer, campaign=programme, unit=units[code], quarter=1,
                              entries=[workflow.Entry(measure=budget, value=500)])
        assert Submission.objects.get(pk=reports[code].pk).state == "draft"
    client.force_login(reviewer)
    said = "Nháp · đã trả lại để sửa"
    queue = client.get(reverse("review"), {"year": 2024, "quarter": 1}).content.decode()
    rows = table_rows(queue)
    states = {row[1].split(" – ")[0]: row[2] for row in rows}
    assert f"Chưa gửi ({said})</li>" in queue  # the queue's list of late units (026, late again)
    assert states == {"024": said, "026": said, "027": "Nháp", "028": "Đã gửi", "029": "Trả lại", "030": "Đã duyệt"}
    # What awaits review, what is with the units to correct, the drafts never sent, what is done.
    assert [row[1].split(" – ")[0] for row in rows] == ["028", "029", "024", "026", "027", "030"]
    assert [row[1].split(" – ")[0] for row in table_rows(client.get(reverse("review"), {"year": 2024, "quarter": 1,
                                                                                          "sort": "-state"}).content.decode())] \
        == ["030", "027", "026", "024", "029", "028"]
    # The report page and the unit's page say the same; so does the late page, where 026 is late again.
    assert f"<strong>{said}</strong>" in client.get(reverse("submission", args=[reports["024"].pk])).content.decode()
    unit_page = client.get(reverse("unit", args=["026"]), {"year": 2024, "quarter": 1}).content.decode()
    assert said in unit_page.split("Tình hình báo cáo theo quý")[-1]
    late = {cells[0].split(" – ")[0]: cells[3] for cells in table_rows(client.get(reverse("late"), {"year": 2024, "quarter": 1}).content.decode())}
    assert late["026"] == f"Chưa gửi ({said})" and late["027"] == "Chưa gửi (Nháp)" and "024" not in late
    client.post(reverse("set_language"), {"language": "en"})
    rows = table_rows(client.get(reverse("review"), {"year": 2024, "quarter": 1}).content.decode())
    assert {row[1].split(" – ")[0]: row[2] for row in rows}["024"] == "Draft · returned for correction"


def test_a_late_report_that_was_returned_or_left_a_draft_says_so(client, edges, viewer):
    unit = {u.code: u for u in Unit.objects.filter(code__in=["027", "031"])}
    for code, state in (("027", Submission.State.RETURNED), ("031", Submission.State.DRAFT)):
        Submission.objects.update_or_create(campaign=edges, unit=unit[code], quarter=1, defaults={"state": state})
    client.force_login(viewer)
    rows = {cells[0].split(" – ")[0]: cells[3] for cells in table_rows(client.get(reverse("late"), {"year": 2024, "quarter": 1}).content.decode())}
    assert rows["027"] == "Chưa gửi (Trả lại)" and rows["031"] == "Chưa gửi (Nháp)"


def test_a_unit_that_reports_only_tasks_is_late_like_any_other(client, edges, reviewer):
    # The Department of Transport reports on tasks of themes II–VI and on no measure: its
    # quarterly report is owed all the same (Task.responsible_units report each quarter).
    transport = Unit.objects.get(code="SGTVT")
    assert not transport.assignments.exists() and transport.tasks.filter(theme__campaign=edges, is_active=True).exists()
    # A unit with neither measures nor tasks owes no report, and is nobody's late unit.
    nothing = Unit.objects.get(code="BTDKT")
    assert not nothing.assignments.exists() and not nothing.tasks.exists()
    client.force_login(reviewer)

    page = client.get(reverse("late"), {"year": 2024, "quarter": 1}).content.decode()
    on_page = {cells[0].split(" – ")[0]: cells[3] for cells in table_rows(page)}
    assert on_page.get("SGTVT") == "Chưa gửi" and "BTDKT" not in on_page

    queue = client.get(reverse("review"), {"year": 2024, "quarter": 1}).content.decode()
    assert "SGTVT" in re.findall(r"<li>([0-9A-Z]+) – ", queue)

    client.post(reverse("review"), {"year": 2024, "quarter": 1, "action": "remind"})
    assert "SGTVT@example.org" in [r for m in mail.outbox for r in m.to]

    response = client.get(reverse("exports:report"), {"year": 2024, "quarter": 1})
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Tình hình báo cáo"]
    rows = {row[0]: row for row in ws.iter_rows(min_row=4, values_only=True)}
    yesterday = datetime.datetime.combine(timezone.localdate() - datetime.timedelta(days=1), datetime.time())
    assert rows["SGTVT"][3:] == ("Chưa gửi", None, yesterday, "Chưa gửi", None)
    assert "BTDKT" not in rows


def test_the_quarter_due_and_the_quarter_to_review_follow_the_deadlines(programme):
    # The default deadlines of 2024: 15 April, 15 July, 15 October, 15 January 2025.
    day = datetime.date
    assert [programme.due_quarter(d) for d in (day(2024, 3, 1), day(2024, 4, 15), day(2024, 4, 16), day(2024, 7, 16),
                                               day(2024, 10, 15), day(2024, 10, 16), day(2025, 1, 16))] == [1, 1, 1, 2, 2, 3, 4]
    assert programme.open_quarter(today=day(2024, 10, 16)) == 4  # what the entry page opens on, by then
    assert programme.review_quarter(day(2024, 10, 16)) == 3  # nothing waiting: the quarter whose late units to chase
    unit = {code: Unit.objects.get(code=code) for code in ("024", "026")}
    early = Submission.objects.create(campaign=programme, unit=unit["024"], quarter=4, state="submitted", submitted_at=timezone.now())
    assert programme.review_quarter(day(2024, 10, 16)) == 4  # a report sent early waits for review
    stale = Submission.objects.create(campaign=programme, unit=unit["026"], quarter=2, state="submitted", submitted_at=timezone.now())
    assert programme.review_quarter(day(2024, 10, 16)) == 2  # the oldest report waiting comes first, however old
    stale.state = Submission.State.APPROVED
    stale.save()
    early.state = Submission.State.RETURNED
    early.save()
    assert programme.review_quarter(day(2024, 10, 16)) == 3


def test_the_day_after_a_deadline_the_late_page_and_the_queue_open_on_the_quarter_just_missed(client, programme, reviewer):
    today = timezone.localdate()
    for quarter, days in ((1, -90), (2, -30), (3, -1), (4, 60)):
        Deadline.objects.create(campaign=programme, quarter=quarter, due_on=today + datetime.timedelta(days=days))
    owing = {u.code for u in reporting_units(programme)}
    for code in owing:  # the first half year sent and approved on time by everyone; the third quarter by no one yet
        for quarter in (1, 2):
            Submission.objects.create(campaign=programme, unit=Unit.objects.get(code=code), quarter=quarter, state="approved",
                                      submitted_at=_at(today - datetime.timedelta(days=100)))
    client.force_login(reviewer)

    html = client.get(reverse("late"), {"year": 2024}).content.decode()
    assert "Báo cáo quá hạn đến 9 tháng năm 2024" in html
    late = [cells for page in ("1", "2") for cells in table_rows(client.get(reverse("late"), {"year": 2024, "page": page}).content.decode())]
    assert {cells[0].split(" – ")[0] for cells in late if cells[1] == "Quý III" and cells[3] == "Chưa gửi"} == owing

    queue = client.get(reverse("review"), {"year": 2024}).content.decode()
    assert "Thẩm định · Quý III năm 2024" in queue
    assert set(re.findall(r"<li>([0-9A-Z]+) – ", queue)) == owing

    # A report sent, even after its deadline, waits for review: the queue opens where it waits.
    Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="024"), quarter=3, state="submitted", submitted_at=_at(today))
    queue = client.get(reverse("review"), {"year": 2024}).content.decode()
    assert "Thẩm định · Quý III năm 2024" in queue and [row[1].split(" – ")[0] for row in table_rows(queue)] == ["024"]
    assert set(re.findall(r"<li>([0-9A-Z]+) – ", queue)) == owing - {"024"}


def test_the_queue_names_the_other_quarters_where_reports_wait(client, programme, reviewer):
    for code, quarter in (("024", 2), ("026", 3), ("027", 3), ("028", 1)):
        state = "approved" if code == "028" else "submitted"
        Submission.objects.create(campaign=programme, unit=Unit.objects.get(code=code), quarter=quarter, state=state,
                                  submitted_at=timezone.now())
    client.force_login(reviewer)
    html = client.get(reverse("review"), {"year": 2024}).content.decode()
    assert "Thẩm định · Quý II năm 2024" in html  # the oldest report waiting first
    assert 'Còn chờ thẩm định: <a href="?year=2024&amp;quarter=3">Quý III (2)</a>' in html
    html = client.get(reverse("review"), {"year": 2024, "quarter": 3}).content.decode()
    assert 'Còn chờ thẩm định: <a href="?year=2024&amp;quarter=2">Quý II (1)</a></p>' in html
    Submission.objects.filter(unit__code="024").update(state="approved")
    assert "Còn chờ thẩm định" not in client.get(reverse("review"), {"year": 2024, "quarter": 3}).content.decode()
    Submission.objects.filter(unit__code="024").update(state="submitted")
    client.cookies["django_language"] = "en"
    html = client.get(reverse("review"), {"year": 2024, "quarter": 1}).content.decode()
    assert 'Also waiting for review: <a href="?year=2024&amp;quarter=2">Q2 (1)</a>, <a href="?year=2024&amp;quarter=3">Q3 (2)</a>' in html


def test_the_late_page_names_the_whole_year_once(client, programme, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("late"), {"year": 2024, "quarter": 4}).content.decode()
    assert "Báo cáo quá hạn đến hết năm 2024" in page and "Cả năm năm" not in page
    client.cookies["django_language"] = "en"
    assert "Reports past their deadline up to the end of 2024" in client.get(reverse("late"), {"year": 2024, "quarter": 4}).content.decode()
    client.cookies["django_language"] = "vi"
    assert "Báo cáo quá hạn đến 9 tháng năm 2024" in client.get(reverse("late"), {"year": 2024, "quarter": 3}).content.decode()
    # Inside a sentence a period is not a column's heading: "quý I", "the first nine months of 2024".
    assert "Báo cáo quá hạn đến quý I năm 2024" in client.get(reverse("late"), {"year": 2024, "quarter": 1}).content.decode()
    client.cookies["django_language"] = "en"
    for quarter, period in ((1, "Q1 2024"), (2, "the first half of 2024"), (3, "the first nine months of 2024")):
        page = client.get(reverse("late"), {"year": 2024, "quarter": quarter}).content.decode()
        assert f"Reports past their deadline up to {period}" in page


def test_reminders_name_the_late_units_no_member_of_which_has_an_address(client, programme, reviewer):
    from django.contrib.auth.models import User

    Deadline.objects.create(campaign=programme, quarter=1, due_on=timezone.localdate() - datetime.timedelta(days=1))
    for code in ("027", "031"):  # two late districts, one with a member who has an address
        User.objects.create_user(username=f"nhaplieu.{code}", email=f"{code}@example.org" if code == "027" else "").units.add(
            Unit.objects.get(code=code))
    client.force_login(reviewer)
    page = client.post(reverse("review"), {"year": 2024, "quarter": 1, "action": "remind"}, follow=True).content.decode()
    assert "027@example.org" in [r for m in mail.outbox for r in m.to]
    assert "Không cán bộ đang hoạt động nào của Huyện Bắc Mê có địa chỉ thư điện tử: vui lòng báo cho đơn vị bằng cách khác." in page
    assert "Không cán bộ đang hoạt động nào của Huyện Mèo Vạc" not in page


def test_members_who_have_left_are_not_written_to(client, programme, reviewer):
    from django.contrib.auth.models import User

    Deadline.objects.create(campaign=programme, quarter=1, due_on=timezone.localdate() - datetime.timedelta(days=1))
    unit = Unit.objects.get(code="028")
    User.objects.create_user(username="left", email="left@example.org", is_active=False).units.add(unit)  # deactivated
    client.force_login(reviewer)
    page = client.post(reverse("review"), {"year": 2024, "quarter": 1, "action": "remind"}, follow=True).content.decode()
    assert "left@example.org" not in [r for m in mail.outbox for r in m.to]
    assert f"Không cán bộ đang hoạt động nào của {unit.name} có địa chỉ thư điện tử" in page
    client.cookies["django_language"] = "en"  # the unit named in the page's language
    page = client.post(reverse("review"), {"year": 2024, "quarter": 1, "action": "remind"}, follow=True).content.decode()
    assert f"No active member of {unit.name_en} has an e-mail address" in page


def test_sorting_the_queue_by_completeness_puts_the_least_complete_report_first(client, demo, reviewer):
    from targets.models import Figure

    dong_van = Submission.objects.get(campaign=demo, unit__code="026", quarter=3)
    Figure.objects.filter(submission=dong_van, measure__code="3").delete()  # sent without its budget figure
    client.force_login(reviewer)
    rows = table_rows(client.get(reverse("review"), {"year": 2024, "quarter": 3, "sort": "completeness"}).content.decode())
    assert rows[0][1].startswith("026"), rows[:3]


def test_the_queue_names_its_list_of_late_units_for_what_it_holds(client, demo, reviewer):
    client.force_login(reviewer)
    queue = client.get(reverse("review"), {"year": 2024, "quarter": 3}).content.decode()
    listed = re.findall(r"<li>([0-9A-Z]+) – ", queue)
    assert f"Đã quá hạn mà chưa gửi ({len(listed)})" in queue  # the reports still owed; the late page also names those sent late


def test_a_second_reminder_the_same_day_writes_to_nobody_again_and_the_queue_says_when(client, programme, reviewer):
    from django.contrib.auth.models import User

    Deadline.objects.create(campaign=programme, quarter=1, due_on=timezone.localdate() - datetime.timedelta(days=1))
    User.objects.create_user(username="nhaplieu.027", email="027@example.org").units.add(Unit.objects.get(code="027"))
    client.force_login(reviewer)
    client.post(reverse("review"), {"year": 2024, "quarter": 1, "action": "remind"})
    letters = len(mail.outbox)
    assert letters >= 1
    page = client.post(reverse("review"), {"year": 2024, "quarter": 1, "action": "remind"}, follow=True).content.decode()
    assert len(mail.outbox) == letters  # a double click, another secretary: no second letter
    assert f"{letters} đơn vị chậm báo cáo đã được nhắc trong hôm nay" in page and "bởi secretariat" in page
    assert "Lần nhắc gần nhất:" in page and "mỗi đơn vị được nhắc nhiều nhất một lần mỗi ngày" in page


@pytest.mark.django_db(transaction=True)
def test_two_reminders_at_the_same_moment_send_each_letter_once(programme):
    from django.contrib.auth.models import User

    from targets import workflow
    from tests.races import race

    Deadline.objects.create(campaign=programme, quarter=1, due_on=timezone.localdate() - datetime.timedelta(days=1))
    for code in ("027", "031"):
        User.objects.create_user(username=f"nhaplieu.{code}", email=f"{code}@example.org").units.add(Unit.objects.get(code=code))
    results, _refusals = race([lambda: workflow.send_reminders(campaign=programme, quarter=1)] * 2)
    recipients = [r for m in mail.outbox for r in m.to]
    assert sorted(recipients) == ["027@example.org", "031@example.org"]
    assert sorted(r.sent for r in results) == [0, 2]


def test_reports_sent_before_the_first_sending_was_kept_get_it_from_their_history(programme):
    import importlib

    from django.db import connection

    unit = Unit.objects.get(code="024")
    report = Submission.objects.create(campaign=programme, unit=unit, quarter=1, state="submitted", submitted_at=_at(datetime.date(2024, 4, 12)))
    report.state, report.submitted_at = "submitted", _at(datetime.date(2024, 5, 3))  # returned and sent again, late
    report.save()
    never = Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="026"), quarter=1)
    Submission.objects.update(first_submitted_at=None)  # as the rows stood before migration 0025
    with connection.cursor() as cursor:
        cursor.execute(importlib.import_module("targets.migrations.0025_first_submitted").Migration.backfill)
    assert Submission.objects.get(pk=report.pk).first_submitted_at == _at(datetime.date(2024, 4, 12))
    assert Submission.objects.get(pk=never.pk).first_submitted_at is None


def test_a_unit_is_not_chased_for_a_year_before_the_one_it_takes_part_from(client, programme, reviewer):
    """Probe A F1: given a measure of 2024 before the admin refused it, a unit taking part from 2025
    is not late for 2024 anywhere (the late page, the queue, the reminders, the workbook, its own
    entry page), as the 2024 ranking leaves it out (ranking.members): one rule, Unit.takes_part."""
    from targets import ranking
    from targets.models import MeasureAssignment
    from targets.overview import unsent_reports

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Deadline.objects.create(campaign=programme, quarter=1, due_on=yesterday)
    budget = Measure.objects.get(campaign=programme, code="3")
    later = Unit.objects.create(code="036", name="Huyện Thử Nghiệm", kind="locality", since_year=2025,
                                bloc=Unit.objects.get(code="027").bloc)
    now = Unit.objects.create(code="037", name="Huyện Đúng Năm", kind="locality", since_year=2024)
    for unit in (later, now):
        MeasureAssignment.objects.create(measure=budget, unit=unit, role="breakdown")  # stored before the rule
        make_user(f"member-{unit.code}", "reporter", units=[unit], email=f"{unit.code}@example.org")
    assert later.code not in {u.code for bloc in ranking.members(programme).values() for u, _f, _l in bloc}
    assert later not in reporting_units(programme) and now in reporting_units(programme)

    client.force_login(reviewer)
    page = client.get(reverse("late"), {"year": 2024, "quarter": 1}).content.decode()
    on_page = {cells[0].split(" – ")[0] for cells in table_rows(page)}
    assert "037" in on_page and "036" not in on_page
    queue = client.get(reverse("review"), {"year": 2024, "quarter": 1}).content.decode()
    assert "037" in re.findall(r"<li>([0-9A-Z]+) – ", queue) and "036" not in re.findall(r"<li>([0-9A-Z]+) – ", queue)
    client.post(reverse("review"), {"year": 2024, "quarter": 1, "action": "remind"})
    written = {r for m in mail.outbox for r in m.to}
    assert "037@example.org" in written and "036@example.org" not in written
    response = client.get(reverse("exports:report"), {"year": 2024, "quarter": 1})
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Tình hình báo cáo"]
    rows = {row[0] for row in ws.iter_rows(min_row=4, values_only=True)}
    assert "037" in rows and "036" not in rows
    assert unsent_reports(later, [programme]) == [] and unsent_reports(now, [programme])
