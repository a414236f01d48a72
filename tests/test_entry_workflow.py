"""Quarterly entry and review from the outside, per role, on real PostgreSQL."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from targets import ranking, workflow
from targets.entry import check_input
from targets.models import Deadline, Figure, Measure, Submission, Task, TaskReport, Unit
from tests.conftest import make_user


@pytest.fixture
def city(open_year):
    return Unit.objects.get(code="024")


@pytest.fixture
def reporter(city):
    return make_user("reporter-city", "reporter", units=[city], email="city@example.org")


@pytest.fixture
def other_reporter(open_year):
    return make_user("reporter-dongvan", "reporter", units=[Unit.objects.get(code="026")], email="dv@example.org")


def _measures(unit_code):
    """The unit's measures in the order of the entry page's forms."""
    return list(Measure.objects.filter(assignments__unit__code=unit_code).order_by("order"))


def field(measure_code, name, unit_code="024"):
    index = next(i for i, m in enumerate(_measures(unit_code)) if m.code == measure_code)
    return f"figures-{index}-{name}"


def post_entry(client, unit_code, quarter, values, action="save", **extra):
    """Post the entry formset: the listed measures' values, every other row left empty (the task
    rows are not sent: the unit's tasks stay as they are; assess() adds them)."""
    measures = _measures(unit_code)
    # Sent with rows left empty on purpose, as the page lets one do once told (test_an_incomplete_report…).
    data = {"unit": unit_code, "year": 2024, "quarter": quarter, "action": action, "send_incomplete": "1",
            "figures-TOTAL_FORMS": len(measures), "figures-INITIAL_FORMS": len(measures)}
    for i, m in enumerate(measures):
        data[f"figures-{i}-measure"] = m.pk
        data[f"figures-{i}-kind"] = "official"
    for code, value in values.items():
        data[field(code, "value", unit_code)] = value
    data.update(extra)
    return client.post(reverse("entry"), data)


def assess(unit_code, verdict="completed") -> dict:
    """The task rows of the entry page, each task the unit answers for assessed."""
    tasks = list(Task.objects.filter(responsible_units__code=unit_code, is_active=True).order_by("theme__number", "number"))
    data = {"tasks-TOTAL_FORMS": len(tasks), "tasks-INITIAL_FORMS": len(tasks)}
    for i, task in enumerate(tasks):
        data.update({f"tasks-{i}-task": task.pk, f"tasks-{i}-verdict": verdict, f"tasks-{i}-narrative": "Đã triển khai theo kế hoạch."})
    return data


def test_the_entry_page_lists_the_units_measures_with_their_context(client, reporter):
    client.force_login(reporter)
    html = client.get(reverse("entry"), {"year": 2024, "quarter": 2}).content.decode()
    assert "Thành phố Hà Giang" in html
    for code in ("3", "4", "6", "10", "11", "14a"):
        assert f"{code}. " in html
    assert "Cùng kỳ năm trước" in html
    # The province's plan is the lead unit's (the finance department's), not the city's.
    assert "2.460" not in html and "chưa giao kế hoạch cho đơn vị" in html


def test_a_district_sees_its_own_pledge_as_its_target(client, reporter, city):
    from targets.models import Pledge

    Pledge.objects.create(unit=city, measure=Measure.objects.get(code="3", campaign__year=2024), target=Decimal("185.5"),
                          signed_on=datetime.date(2024, 1, 10), document="GU-01/2024")
    client.force_login(reporter)
    html = client.get(reverse("entry"), {"year": 2024, "quarter": 2}).content.decode()
    assert "185,5 tỷ đồng (giao ước thi đua GU-01/2024)" in html
    assert "2.460" not in html  # never the province's target as the city's


def test_the_lead_unit_sees_the_province_target(client, reviewer, open_year):
    client.force_login(reviewer)
    html = client.get(reverse("entry"), {"year": 2024, "quarter": 2, "unit": "STC"}).content.decode()
    assert "Kế hoạch: 2.460,0 tỷ đồng" in html


def test_round_trip_enter_submit_return_fix_resubmit_approve(client, reporter, reviewer):
    client.force_login(reporter)
    response = post_entry(client, "024", 1, {"3": "55,5", "4": "80000"})
    assert response.status_code == 302
    submission = Submission.objects.get(unit__code="024", quarter=1)
    assert submission.state == "draft"
    assert Figure.objects.get(submission=submission, measure__code="3").value == Decimal("55.5")

    post_entry(client, "024", 1, {"3": "55,5", "4": "80000"}, action="submit",
               **{field("3", "version"): "1", field("4", "version"): "1"})
    submission.refresh_from_db()
    assert submission.state == "submitted"

    client.force_login(reviewer)
    response = client.post(reverse("submission-decide", args=[submission.pk]), {"action": "return", "comment": "Số 3 chưa khớp Sở Tài chính",
                                                                                "version": submission.version})
    submission.refresh_from_db()
    assert submission.state == "returned" and submission.review_comment == "Số 3 chưa khớp Sở Tài chính"

    client.force_login(reporter)
    page = client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode()
    assert "Ý kiến thẩm định: Số 3 chưa khớp Sở Tài chính" in page
    assert "Ý kiến thẩm định: Số 3" in client.get(reverse("submission", args=[submission.pk])).content.decode()
    post_entry(client, "024", 1, {"3": "56", "4": "80000"}, action="submit",
               **{field("3", "version"): "1", field("4", "version"): "1"})
    submission.refresh_from_db()
    assert submission.state == "submitted"
    # Sent again, the comment is kept for the reviewer, said to be the last return's, not one to act on.
    assert "Ý kiến khi trả lại lần trước: Số 3" in client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode()
    assert "Ý kiến khi trả lại lần trước: Số 3" in client.get(reverse("submission", args=[submission.pk])).content.decode()

    client.force_login(reviewer)
    response = client.post(reverse("review"), {"year": 2024, "quarter": 1, "action": "approve", "submission": [submission.pk],
                                               f"version-{submission.pk}": submission.version})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.state == "approved" and submission.reviewed_by == reviewer

    # Locked: the reporter's save is refused with who approved it.
    client.force_login(reporter)
    response = post_entry(client, "024", 1, {"3": "99"}, **{field("3", "version"): "2"})
    assert response.status_code == 403
    assert "Đã duyệt bởi" in response.content.decode() or "ask the secretariat to reopen" in response.content.decode()
    assert Figure.objects.get(submission=submission, measure__code="3").value == Decimal("56")

    # History shows each step: figure 55,5 → 56; states draft → submitted → returned → draft → submitted → approved.
    page = client.get(reverse("submission", args=[submission.pk])).content.decode()
    assert "55,5 → 56,0" in page
    states = list(submission.history.order_by("history_date").values_list("state", flat=True))
    assert states == ["draft", "submitted", "returned", "draft", "submitted", "approved"]


def test_a_reporter_cannot_post_another_districts_figures(client, reporter, other_reporter):
    client.force_login(other_reporter)
    post_entry(client, "026", 1, {"3": "10"})
    before = list(Figure.objects.values_list("pk", "value"))
    client.force_login(reporter)
    response = post_entry(client, "026", 1, {"3": "999"})
    assert response.status_code == 403
    assert "Huyện Đồng Văn" in response.content.decode()
    assert list(Figure.objects.values_list("pk", "value")) == before


def test_viewers_cannot_enter_anything(client, viewer, open_year):
    client.force_login(viewer)
    assert client.get(reverse("entry")).status_code == 403
    assert post_entry(client, "024", 1, {"3": "1"}).status_code == 403
    assert Figure.objects.count() == 0


@pytest.mark.parametrize(
    "code, text, message",
    [
        ("3", "1,234.5", "không đúng định dạng số"),
        ("3", "244,946", "có thể hiểu theo hai cách"),
        ("3", "abc", "không phải là số"),
        ("10", "101", "Tỷ lệ phần trăm phải từ 0 đến 100."),
        ("4", "12,5", "Số đếm phải là số nguyên không âm."),
        ("4", "-3", "Số đếm phải là số nguyên không âm."),
        ("3", "-1", "Giá trị không được âm."),
        # The limit said, not only "too large" (probe I).
        ("3", "123.456.789.012.345", "Giá trị quá lớn: số liệu có tối đa 14 chữ số ở phần nguyên."),
    ],
)
def test_bad_input_gets_its_message_and_nothing_is_saved(client, reporter, code, text, message):
    client.force_login(reporter)
    response = post_entry(client, "024", 1, {code: text, "11": "20"})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Chưa lưu" in html or "Không có gì được lưu" in html
    assert Figure.objects.count() == 0


def test_english_pages_read_english_numbers(client, reporter):
    client.force_login(reporter)
    client.cookies["django_language"] = "en"
    post_entry(client, "024", 1, {"3": "1,234.5"})
    assert Figure.objects.get(measure__code="3").value == Decimal("1234.5")


def test_qualitative_verdict_needs_a_narrative(db, open_year):
    defence = Measure.objects.get(code="15")
    assert check_input(defence, verdict="completed", narrative="", lang="vi").errors == ["Cần có thuyết minh cho mức đánh giá."]
    assert check_input(defence, verdict="completed", narrative="Hoàn thành diễn tập", lang="en").ok


def test_growth_rates_may_be_negative_but_percentages_not(db, open_year):
    assert check_input(Measure.objects.get(code="1"), text="-1,5", lang="vi").value == Decimal("-1.5")
    assert not check_input(Measure.objects.get(code="7"), text="-1", lang="vi").ok


def test_a_big_jump_asks_for_confirmation_before_saving(client, reporter):
    client.force_login(reporter)
    post_entry(client, "024", 1, {"3": "50"})
    response = post_entry(client, "024", 2, {"3": "200"})
    assert "so với quý trước" in response.content.decode()
    assert not Figure.objects.filter(submission__quarter=2).exists()
    post_entry(client, "024", 2, {"3": "200"}, confirm="1")
    assert Figure.objects.get(submission__quarter=2, measure__code="3").value == Decimal("200")


def test_a_year_to_date_typed_alone_is_checked_on_the_quarter_it_means(client, reporter):
    client.force_login(reporter)
    post_entry(client, "024", 1, {"3": "50"})
    post_entry(client, "024", 2, {"3": "45,2"})
    # "150.500" where 150,5 was meant: 150 500 for the nine months, 150 404,8 for the third quarter.
    response = post_entry(client, "024", 3, {}, **{field("3", "cumulative"): "150.500"})
    assert ("Số lũy kế từ đầu năm (150.500,0) nghĩa là quý này 150.404,8, thay đổi 332.654 % so với quý trước (45,2); "
            "hãy kiểm tra và xác nhận.") in response.content.decode()
    assert not Figure.objects.filter(submission__quarter=3).exists()
    # The year to date meant: the quarter it means is in line with the one before, no question asked.
    assert post_entry(client, "024", 3, {}, **{field("3", "cumulative"): "150,5"}).status_code == 302
    assert Figure.objects.get(submission__quarter=3, measure__code="3").cumulative == Decimal("150.5")
    # Confirmed, an unusual one is taken as typed.
    post_entry(client, "024", 4, {}, **{field("3", "cumulative"): "500", "confirm": "1"})
    assert Figure.objects.get(submission__quarter=4, measure__code="3").cumulative == Decimal("500")


def test_a_page_shown_again_keeps_its_ticks_and_reason_so_a_report_with_a_jump_and_a_gap_can_be_sent(client, reporter):
    # Before, neither box came back ticked: the warning and the gap question asked in turn forever.
    from tests.formdata import form_data

    client.force_login(reporter)
    post_entry(client, "024", 1, {"3": "50"})
    page = client.get(reverse("entry"), {"year": 2024, "quarter": 2, "unit": "024"}).content.decode()
    data = {**form_data(page), field("3", "value"): "200", "action": "submit", "reason": "Theo báo cáo của Cục Thuế"}
    warned = client.post(reverse("entry"), data).content.decode()
    assert "so với quý trước" in warned and 'value="Theo báo cáo của Cục Thuế"' in warned

    def ticked(html):
        return {name: "1" for name in ("confirm", "send_incomplete") if re.search(rf'name="{name}"[^>]*checked', html)}

    asked = client.post(reverse("entry"), {**form_data(warned), **ticked(warned), "action": "submit", "confirm": "1"}).content.decode()
    assert 'id="send_incomplete"' in asked and ticked(asked) == {"confirm": "1"}
    sent = client.post(reverse("entry"), {**form_data(asked), **ticked(asked), "action": "submit", "send_incomplete": "1"})
    assert sent.status_code == 302
    assert Submission.objects.get(quarter=2).state == "submitted"
    assert Figure.objects.get(submission__quarter=2).reason == "Theo báo cáo của Cục Thuế"


def test_flows_entered_as_their_year_to_date_alone_are_not_missing_from_the_report(client, reporter):
    client.force_login(reporter)
    flows = [m for m in _measures("024") if m.aggregation == Measure.Aggregation.FLOW]
    levels = {m.code: "10" for m in _measures("024") if m.aggregation != Measure.Aggregation.FLOW}
    response = post_entry(client, "024", 1, levels, action="submit", send_incomplete="",
                          **{field(m.code, "cumulative"): "12" for m in flows}, **assess("024"))
    assert response.status_code == 302, [m for m in re.findall(r'role="(?:alert|status)"[^>]*>(.*?)</div>', response.content.decode(), re.S)]
    assert Submission.objects.get(quarter=1).state == "submitted"


def test_a_stale_save_is_refused_with_both_values_and_nothing_lost(client, reporter, reviewer):
    client.force_login(reporter)
    post_entry(client, "024", 1, {"3": "50"})
    client.force_login(reviewer)  # the secretariat corrects it meanwhile (version 1 → 2)
    post_entry(client, "024", 1, {"3": "52"}, **{field("3", "version"): "1"})
    figure = Figure.objects.get(measure__code="3")
    assert figure.value == Decimal("52") and figure.on_behalf
    client.force_login(reporter)  # the reporter's page still shows version 1
    response = post_entry(client, "024", 1, {"3": "51"}, **{field("3", "version"): "1"})
    html = response.content.decode()
    assert "52,0" in html and "51,0" in html
    assert Figure.objects.get(measure__code="3").value == Decimal("52")


def test_a_figure_cleared_and_entered_again_is_a_conflict_for_a_page_opened_before(client, reporter, reviewer):
    # Before, the figure entered again started over at version 1, which the reporter's old page
    # showed: its save (a note added) wrote its 50 over the secretariat's 52 without a word.
    client.force_login(reporter)
    post_entry(client, "024", 1, {"3": "50"})
    client.force_login(reviewer)
    post_entry(client, "024", 1, {"3": ""}, **{field("3", "version"): "1"})
    post_entry(client, "024", 1, {"3": "52"})
    assert Figure.objects.get(measure__code="3").version == 2  # on from the cleared figure's version
    client.force_login(reporter)
    response = post_entry(client, "024", 1, {"3": "50"}, **{field("3", "version"): "1", field("3", "note"): "theo Chi cục Thuế"})
    assert response.status_code == 200 and "52,0" in response.content.decode()
    assert Figure.objects.get(measure__code="3").value == Decimal("52")


def test_the_period_closes_at_the_deadline_unless_extended(client, reporter, programme, city):
    Deadline.objects.filter(campaign=programme, quarter=1).update(due_on=datetime.date(2024, 4, 15))
    client.force_login(reporter)
    response = post_entry(client, "024", 1, {"3": "50"})
    assert response.status_code == 403
    assert "15-04-2024" in response.content.decode() or "15/04/2024" in response.content.decode()
    Deadline.objects.create(campaign=programme, quarter=1, unit=city, due_on=datetime.date(2099, 1, 1))
    assert post_entry(client, "024", 1, {"3": "50"}).status_code == 302


def test_a_note_typed_without_a_figure_is_said_and_kept_on_the_page_not_dropped(client, reporter):
    client.force_login(reporter)
    note = "Chỉ tiêu công bố hằng năm, chưa có số liệu"
    response = post_entry(client, "024", 1, {"3": "50"}, **{field("6", "note"): note})
    html = response.content.decode()
    assert response.status_code == 200 and "Ghi chú và nguồn đi kèm một số liệu: hãy nhập số liệu" in html
    assert note in html  # still in its box, to be kept once the figure is typed
    assert not Figure.objects.exists()  # nothing half-saved
    # A saved figure cleared with its note kept: said too; cleared with its note, deleted.
    post_entry(client, "024", 1, {"3": "50"}, **{field("3", "note"): "lần 1"})
    assert Figure.objects.get(measure__code="3").note == "lần 1"
    refused = post_entry(client, "024", 1, {"3": ""}, **{field("3", "note"): "lần 1", field("3", "version"): "1"})
    assert "Ghi chú và nguồn đi kèm một số liệu" in refused.content.decode() and Figure.objects.filter(measure__code="3").exists()
    post_entry(client, "024", 1, {"3": ""}, **{field("3", "version"): "1"})
    assert not Figure.objects.filter(measure__code="3").exists()


def test_an_official_figure_revises_an_estimate_and_both_are_kept(client, reporter):
    client.force_login(reporter)
    post_entry(client, "024", 1, {"3": "50"}, **{field("3", "kind"): "estimate"})
    post_entry(client, "024", 1, {"3": "53"}, **{field("3", "kind"): "official", field("3", "version"): "1"})
    figure = Figure.objects.get(measure__code="3")
    assert (figure.value, figure.estimate_value, figure.kind) == (Decimal("53"), Decimal("50"), "official")
    # Back to an estimate (a mistake corrected): no official figure replaces it any more.
    post_entry(client, "024", 1, {"3": "54"}, **{field("3", "kind"): "estimate", field("3", "version"): "2"})
    figure.refresh_from_db()
    assert (figure.value, figure.estimate_value, figure.kind) == (Decimal("54"), None, "estimate")


def test_returning_needs_a_comment_and_only_admins_reopen(client, reporter, reviewer, admin_user):
    client.force_login(reporter)
    post_entry(client, "024", 1, {"3": "50"}, action="submit")
    submission = Submission.objects.get()
    client.force_login(reviewer)
    page = client.post(reverse("submission-decide", args=[submission.pk]), {"action": "return", "comment": " ", "version": 2},
                       HTTP_REFERER=f"http://testserver/bao-cao/{submission.pk}/")
    submission.refresh_from_db()
    assert submission.state == "submitted"
    # A zero-width space pasted alone is no comment the unit could read either.
    client.post(reverse("submission-decide", args=[submission.pk]), {"action": "return", "comment": "\u200b ", "version": 2})
    submission.refresh_from_db()
    assert submission.state == "submitted"
    # Said beside the comment box, which a keyboard or screen reader is taken to (aria-invalid).
    html = page.content.decode()
    assert re.search(r'<textarea[^>]*aria-invalid="true"[^>]*aria-describedby="id_comment_error"', html) or \
        re.search(r'<textarea[^>]*aria-describedby="id_comment_error"[^>]*aria-invalid="true"', html), html
    assert 'id="id_comment_error" role="alert">Hãy ghi rõ nội dung cần sửa' in html
    assert "<title>Thành phố Hà Giang · Quý I năm 2024 · Báo cáo quý" in html  # each report's tab says which
    # The language switch comes back to the report, not to the address that only takes the form (405),
    # however the browser sent the form: again from the refusal, or without a Referer.
    assert f'name="next" value="/bao-cao/{submission.pk}/"' in html
    for referer in ({"HTTP_REFERER": f"http://testserver/bao-cao/{submission.pk}/xu-ly/"}, {}):
        again = client.post(reverse("submission-decide", args=[submission.pk]), {"action": "return", "comment": " ", "version": 2}, **referer)
        assert f'name="next" value="/bao-cao/{submission.pk}/"' in again.content.decode()
    client.post(reverse("submission-decide", args=[submission.pk]), {"action": "approve", "version": 2})
    assert client.post(reverse("submission-decide", args=[submission.pk]), {"action": "reopen", "comment": "x", "version": 3}).status_code == 403
    client.force_login(admin_user)
    client.post(reverse("submission-decide", args=[submission.pk]), {"action": "reopen", "comment": "Sai số liệu quý I", "version": 3})
    submission.refresh_from_db()
    assert submission.state == "returned"
    assert submission.history.first().review_comment == "Sai số liệu quý I"


def test_reviewers_see_late_units_and_remind_only_them(client, reporter, other_reporter, reviewer, programme):
    Deadline.objects.filter(campaign=programme, quarter=1).update(due_on=datetime.date(2024, 4, 15))
    Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="026"), quarter=1, state="submitted",
                              submitted_at=datetime.datetime(2024, 4, 10, tzinfo=datetime.UTC))
    client.force_login(reviewer)
    page = client.get(reverse("review"), {"year": 2024, "quarter": 1}).content.decode()
    assert "024 – Thành phố Hà Giang" in page
    client.post(reverse("review"), {"year": 2024, "quarter": 1, "action": "remind"})
    recipients = {r for m in mail.outbox for r in m.to}
    assert "city@example.org" in recipients
    assert "dv@example.org" not in recipients
    [letter] = [m for m in mail.outbox if "city@example.org" in m.to]
    assert letter.subject == "[Thi đua 2024] Nhắc nộp báo cáo quý I – Thành phố Hà Giang"
    vietnamese, english = letter.body.split("\n\n---\n\n")
    due = {}
    for lang in ("vi", "en"):
        with translation.override(lang):
            due[lang] = date_format(datetime.date(2024, 4, 15), "SHORT_DATE_FORMAT")  # as the site writes dates
    assert due == {"vi": "15/04/2024", "en": "15/04/2024"}  # day first, as the province writes them
    assert vietnamese.startswith(f"Kính gửi Thành phố Hà Giang,\n\nĐến nay đơn vị chưa gửi báo cáo quý I năm 2024 (hạn {due['vi']}).")
    assert vietnamese.endswith("Ban Thi đua - Khen thưởng")
    assert english.startswith(f"Dear Ha Giang City,\n\nYour unit has not sent its report for quarter 1 of 2024 yet (due {due['en']}).")


def test_reminders_are_the_same_letter_whatever_the_reviewers_page_language(client, reporter, reviewer, programme):
    Deadline.objects.filter(campaign=programme, quarter=1).update(due_on=datetime.date(2024, 4, 15))
    client.force_login(reviewer)
    from targets.models import Reminder

    for lang in ("vi", "en"):
        client.cookies["django_language"] = lang
        client.post(reverse("review"), {"year": 2024, "quarter": 1, "action": "remind"})
        Reminder.objects.all().delete()  # as on another day: a unit is reminded once a day
    first, second = [m for m in mail.outbox if "city@example.org" in m.to]
    assert (first.subject, first.body) == (second.subject, second.body)


def _sent(programme, code="024", quarter=1, state="submitted"):
    return Submission.objects.create(campaign=programme, unit=Unit.objects.get(code=code), quarter=quarter, state=state,
                                     submitted_at=datetime.datetime(2024, 4, 10, tzinfo=datetime.UTC))


def _notes(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.template_context
def test_a_unit_is_told_by_email_when_its_report_is_sent_back_with_the_comment(client, reporter, other_reporter, reviewer,
                                                                                 admin_user, programme):
    report = _sent(programme)
    client.force_login(reviewer)
    response = client.post(reverse("submission-decide", args=[report.pk]), {"action": "return", "comment": "Số 3 chưa khớp Sở Tài chính",
                                                                            "version": report.version}, follow=True)
    assert _notes(response) == ["Đã trả lại đơn vị kèm ý kiến của bạn."]
    [letter] = mail.outbox
    assert letter.to == ["city@example.org"]  # the unit's members only
    assert letter.subject == "[Thi đua 2024] Báo cáo quý I được trả lại để chỉnh sửa – Thành phố Hà Giang"
    vietnamese, english = letter.body.split("\n\n---\n\n")
    assert vietnamese == ("Kính gửi Thành phố Hà Giang,\n\nBáo cáo quý I năm 2024 của đơn vị đã được trả lại để chỉnh sửa:\n\n"
                          "Số 3 chưa khớp Sở Tài chính\n\nĐề nghị đơn vị chỉnh sửa và gửi lại báo cáo trên hệ thống.\n\nBan Thi đua - Khen thưởng")
    assert english.startswith("Dear Ha Giang City,\n\nYour unit's report for quarter 1 of 2024 was sent back for correction:\n\n"
                              "Số 3 chưa khớp Sở Tài chính\n\n")
    # An approved report reopened by an administrator is sent back too, with the reason.
    approved = _sent(programme, "026", state="approved")
    client.force_login(admin_user)
    client.post(reverse("submission-decide", args=[approved.pk]), {"action": "reopen", "comment": "Cục Thống kê công bố số chính thức",
                                                                    "version": approved.version})
    assert mail.outbox[-1].to == ["dv@example.org"] and "Cục Thống kê công bố số chính thức" in mail.outbox[-1].body


@pytest.mark.template_context
def test_a_return_stands_when_the_unit_cannot_be_told_and_the_reviewer_is_asked_to_tell_it(client, reviewer, programme, settings,
                                                                                          monkeypatch):
    # Nobody of Đồng Văn has an address.
    client.force_login(reviewer)
    report = _sent(programme, "026")
    response = client.post(reverse("submission-decide", args=[report.pk]), {"action": "return", "comment": "Thiếu số",
                                                                            "version": report.version}, follow=True)
    assert _notes(response) == ["Đã trả lại đơn vị kèm ý kiến của bạn.",
                                "Không cán bộ đang hoạt động nào của Huyện Đồng Văn có địa chỉ thư điện tử: vui lòng báo cho đơn vị bằng cách khác."]
    # The mail server does not answer: the return stands all the same, and the reviewer is told.
    make_user("reporter-city", "reporter", units=[Unit.objects.get(code="024")], email="city@example.org")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    report = _sent(programme, "024")
    response = client.post(reverse("submission-decide", args=[report.pk]), {"action": "return", "comment": "Sai số",
                                                                            "version": report.version}, follow=True)
    report.refresh_from_db()
    assert response.status_code == 200 and report.state == "returned" and report.review_comment == "Sai số"
    assert _notes(response)[1] == ("Máy chủ thư không phản hồi: chưa báo được cho Thành phố Hà Giang qua thư điện tử; "
                                   "vui lòng báo cho đơn vị bằng cách khác.")
    # Reminders stop at the first failure and say how many went.
    Deadline.objects.filter(campaign=programme, quarter=1).update(due_on=datetime.date(2024, 4, 15))
    report.delete()
    response = client.post(reverse("review"), {"year": 2024, "quarter": 1, "action": "remind"}, follow=True)
    assert response.status_code == 200
    assert _notes(response) == ["Máy chủ thư không phản hồi: mới gửi được thư nhắc cho 0 đơn vị chậm báo cáo; vui lòng thử lại sau."]


def test_only_the_secretariat_opens_the_review_queue(client, reporter, viewer, reviewer):
    for user, status in ((reporter, 403), (viewer, 403), (reviewer, 200)):
        client.force_login(user)
        assert client.get(reverse("review")).status_code == status


def test_workflow_refuses_measures_the_unit_does_not_report(reporter, city, programme):
    with pytest.raises(workflow.EntryRefused):
        workflow.save_figures(user=reporter, campaign=programme, unit=city, quarter=1,
                              entries=[workflow.Entry(measure=Measure.objects.get(code="1"), value=Decimal("7"))])


def test_every_saved_figure_keeps_its_history_and_the_unit_page_shows_it_at_once(client, reporter):
    client.force_login(reporter)
    unit_page = reverse("unit", args=["024"])
    assert "55,5" not in client.get(unit_page, {"year": 2024, "quarter": 1}).content.decode()  # now cached
    post_entry(client, "024", 1, {"3": "55,5", "4": "80000"})
    assert "55,5" in client.get(unit_page, {"year": 2024, "quarter": 1}).content.decode()
    post_entry(client, "024", 1, {"3": "60", "4": "80000"}, **{field("3", "version"): "1", field("4", "version"): "1"})
    figure = Figure.objects.get(measure__code="3", submission__unit__code="024")
    assert figure.version == 2
    history = list(figure.history.order_by("history_date"))
    assert [(h.history_type, h.value, h.version, h.history_user) for h in history] == [
        ("+", Decimal("55.5"), 1, reporter), ("~", Decimal("60"), 2, reporter)]
    unchanged = Figure.objects.get(measure__code="4", submission__unit__code="024")
    assert unchanged.version == 1 and unchanged.history.count() == 1  # saving the same value again records nothing
    assert "60,0" in client.get(unit_page, {"year": 2024, "quarter": 1}).content.decode()


def test_the_queue_counts_a_report_complete_as_the_ranking_does(client, reviewer, city):
    # The city reports eight measures; 6 (the poverty rate) is published once a year, so a report
    # before the fourth quarter is complete without it, in the queue as in the ranking's points.
    from tests.test_ranking import send

    codes = [m.code for m in _measures("024")]
    assert len(codes) == 8 and "6" in codes
    campaign = Measure.objects.get(code="3", campaign__year=2024).campaign
    send(campaign, "024", 3, {code: "1" for code in codes if code not in ("6", "11")}, state=Submission.State.SUBMITTED)
    send(campaign, "024", 4, {code: "1" for code in codes if code != "6"}, state=Submission.State.SUBMITTED)
    client.force_login(reviewer)

    def completeness(quarter):
        page = client.get(reverse("review"), {"year": 2024, "quarter": quarter}).content.decode()
        row = next(tr for tr in re.findall(r"<tr.*?</tr>", page, re.S) if "Thành phố Hà Giang" in tr)
        return re.search(r">\s*(\d+/\d+)", row).group(1)

    assert completeness(3) == "6/8"  # 11 missing and task 2.7 not assessed; 6 not yet due
    assert completeness(4) == "7/9"  # the year's report carries 6 too
    line = next(line for line in ranking.build_ranking(campaign).of_unit("024")[1].lines if line.kind == "complete" and line.item == "3")
    assert line.verdict_vi == "Thiếu: 11, 2.7"
    # Its assessment of the task, sent with the third quarter's report, completes it but for 11.
    TaskReport.objects.create(submission=Submission.objects.get(unit__code="024", quarter=3),
                              task=Task.objects.get(responsible_units__code="024"), verdict="completed")
    assert completeness(3) == "7/8"
    line = next(line for line in ranking.build_ranking(campaign).of_unit("024")[1].lines if line.kind == "complete" and line.item == "3")
    assert line.verdict_vi == "Thiếu: 11"


@pytest.mark.parametrize("lang, unit_word", [("vi", "126,5 tỷ đồng"), ("en", "126.5 billion VND")])
def test_the_report_page_gives_each_figure_its_unit_in_the_pages_language(client, reporter, reviewer, lang, unit_word):
    client.force_login(reporter)
    post_entry(client, "024", 1, {"3": "126,5"}, action="submit")
    client.force_login(reviewer)
    client.cookies["django_language"] = lang
    page = client.get(reverse("submission", args=[Submission.objects.get(unit__code="024", quarter=1).pk])).content.decode()
    assert unit_word in page and ("tỷ đồng" in page) == (lang == "vi")


def test_an_incomplete_report_is_sent_only_when_the_reporter_says_so(client, reporter):
    client.force_login(reporter)
    codes = [m.code for m in _measures("024")]
    response = post_entry(client, "024", 1, {"3": "50"}, action="submit", send_incomplete="")  # no box ticked
    html = response.content.decode()
    missing = [c for c in codes if c not in ("3", "6")]  # 6, the poverty rate, is published once a year
    # The city answers for task 2.7 too, not assessed yet: a complete report assesses it.
    assert (f"Chưa lưu, chưa gửi: {len(missing) + 1} chỉ số hoặc nhiệm vụ của báo cáo này chưa có số liệu hoặc đánh giá "
            f"({', '.join(missing)}, 2.7)") in html
    assert f"Gửi khi còn thiếu: {', '.join(missing)}, 2.7" in html
    with_tasks = post_entry(client, "024", 1, {"3": "50"}, action="submit", send_incomplete="", **assess("024"))
    assert f"Chưa lưu, chưa gửi: {len(missing)} chỉ số của báo cáo này chưa có số liệu ({', '.join(missing)})" in with_tasks.content.decode()
    assert 'name="send_incomplete"' in html and not Figure.objects.exists() and not Submission.objects.exists()
    assert 'value="50"' in html  # what was typed is still on the page
    sent = post_entry(client, "024", 1, {"3": "50"}, action="submit", send_incomplete="1")
    assert sent.status_code == 302 and Submission.objects.get().state == "submitted"


def test_a_complete_report_is_sent_without_a_question(client, reporter):
    client.force_login(reporter)
    values = {m.code: "1" for m in _measures("024") if m.code != "6" and not m.is_qualitative}
    assert post_entry(client, "024", 1, values, action="submit", send_incomplete="", **assess("024")).status_code == 302
    assert Submission.objects.get().state == "submitted"


def test_an_empty_queue_offers_nothing_to_approve_and_a_report_without_changes_says_so(client, reporter, reviewer):
    client.force_login(reviewer)
    empty = client.get(reverse("review"), {"year": 2024, "quarter": 2}).content.decode()
    assert 'value="approve"' not in empty
    client.force_login(reporter)
    post_entry(client, "024", 1, {"3": "50"}, action="submit")
    client.force_login(reviewer)
    assert 'value="approve"' in client.get(reverse("review"), {"year": 2024, "quarter": 1}).content.decode()
    report = Submission.objects.get(unit__code="024", quarter=1)
    Figure.history.filter(submission=report).delete()  # as after an import that wrote no history
    assert "Chưa có thay đổi nào." in client.get(reverse("submission", args=[report.pk])).content.decode()
    # Once approved, the quarter's reports are listed with nothing left to approve: no button.
    workflow.approve(user=reviewer, submissions=[report])
    approved = client.get(reverse("review"), {"year": 2024, "quarter": 1}).content.decode()
    assert "Thành phố Hà Giang" in approved and 'value="approve"' not in approved


def test_a_bulk_approval_refused_for_one_report_says_none_was_approved(client, reporter, reviewer, other_reporter):
    for user, code in ((reporter, "024"), (other_reporter, "026")):
        client.force_login(user)
        post_entry(client, code, 1, {"3": "50"}, action="submit")
    city, dong_van = (Submission.objects.get(unit__code=code, quarter=1) for code in ("024", "026"))
    workflow.return_for_correction(user=reviewer, submission=Submission.objects.get(pk=city.pk), comment="Sai")  # meanwhile
    client.force_login(reviewer)
    page = client.post(reverse("review"), {"year": 2024, "quarter": 1, "action": "approve", "submission": [city.pk, dong_van.pk],
                                           # the versions the queue showed, before the return
                                           f"version-{city.pk}": city.version, f"version-{dong_van.pk}": dong_van.version},
                       follow=True)
    assert Submission.objects.get(pk=dong_van.pk).state == "submitted"  # all or none
    assert "Chưa duyệt báo cáo nào: Báo cáo của Thành phố Hà Giang đang ở trạng thái trả lại" in page.content.decode()


def test_a_report_that_cannot_be_sent_keeps_what_was_saved_before_and_the_page_saves_again(client, reporter):
    client.force_login(reporter)
    post_entry(client, "024", 1, {"3": "12,3"})  # a draft with one figure
    # Emptied and sent: nothing would be left to send, so nothing is sent, and nothing is deleted either.
    response = post_entry(client, "024", 1, {"3": ""}, action="submit", **{field("3", "version"): "1"})
    assert "Chưa có gì để gửi: hãy nhập và lưu ít nhất một số liệu hoặc một báo cáo nhiệm vụ." in response.content.decode()
    figure = Figure.objects.get(measure__code="3", submission__unit__code="024")
    assert (figure.value, figure.version, figure.submission.state) == (Decimal("12.3"), 1, "draft")
    # The page shown again saves as any other: its version is still the figure's, no false conflict.
    response = post_entry(client, "024", 1, {"3": "12,4"}, **{field("3", "version"): "1"})
    assert response.status_code == 302
    assert Figure.objects.get(measure__code="3", submission__unit__code="024").value == Decimal("12.4")


def test_a_districts_same_period_last_year_is_that_periods_own_never_an_earlier_quarters(client, reporter, reviewer, city):
    from targets.services import copy_campaign

    client.force_login(reporter)
    for quarter, value in ((1, "57,1"), (2, "58,3")):  # a rate (a level measure), reported for the first half only
        post_entry(client, "024", quarter, {"10": value}, action="submit")
    workflow.approve(user=reviewer, submissions=list(Submission.objects.filter(unit=city)))
    copy_campaign(source_year=2024, target_year=2025)  # its deadlines too: open, like 2024's here

    def same_period(quarter):
        page = client.get(reverse("entry"), {"year": 2025, "quarter": quarter}).content.decode()
        return re.search(r"10\. .*?Cùng kỳ năm trước: ([^\n<]*)", page, re.S).group(1).strip()

    assert same_period(2) == "58,3"
    assert same_period(3) == "–"  # 2024's third quarter was never reported: not its first half's 58,3


def test_the_secretariat_ticks_every_report_waiting_with_one_link_and_approves_them(client, reporter, reviewer, other_reporter):
    import re

    for user, code in ((reporter, "024"), (other_reporter, "026")):
        client.force_login(user)
        post_entry(client, code, 1, {"3": "50"}, action="submit")
    city, dong_van = (Submission.objects.get(unit__code=code, quarter=1) for code in ("024", "026"))
    workflow.return_for_correction(user=reviewer, submission=city, comment="Sai")  # sent back: not one to approve
    client.force_login(reviewer)

    def ticked(html):
        return {int(pk) for pk in re.findall(r'name="submission" value="(\d+)"[^>]* checked', html)}

    page = client.get(reverse("review"), {"year": 2024, "quarter": 1}).content.decode()
    assert ticked(page) == set() and "Chọn tất cả báo cáo chờ duyệt trên trang này" in page
    link = re.search(r'<a href="([^"]*select=all[^"]*)">Chọn tất cả', page).group(1).replace("&amp;", "&")
    page = client.get(reverse("review") + link).content.decode()
    assert ticked(page) == {dong_van.pk} and "Bỏ chọn tất cả" in page
    assert "quarter=1" in link and "year=2024" in link  # the same quarter, ticked
    shown = dict(re.findall(r'name="(version-\d+)" value="(\d+)"', page))  # each ticked row's version, as the page posts it
    client.post(reverse("review"), {"year": 2024, "quarter": 1, "action": "approve", "submission": sorted(ticked(page)), **shown})
    assert Submission.objects.get(pk=dong_van.pk).state == "approved" and Submission.objects.get(pk=city.pk).state == "returned"
    # Nothing left to approve: no link to tick.
    assert "Chọn tất cả" not in client.get(reverse("review"), {"year": 2024, "quarter": 1}).content.decode()


def test_a_save_refused_because_the_report_was_sent_meanwhile_shows_back_what_was_typed(client, reporter, city):
    # Two members of the unit on the same page: one sends the report, the other saves afterwards.
    colleague = make_user("reporter-city-2", "reporter", units=[city])
    client.force_login(reporter)
    post_entry(client, "024", 1, {"3": "50"}, action="submit")
    client.force_login(colleague)
    response = post_entry(client, "024", 1, {"3": "777"}, **{field("3", "note"): "Ghi chú\r\nhai dòng", field("3", "version"): "1"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "Chưa lưu gì." in html and "đang chờ thẩm định" in html  # why, on the entry page itself
    assert "Những gì bạn đã nhập, chưa được lưu (hãy sao chép trước khi rời trang):" in html
    assert "<strong>777</strong>" in html and "<strong>Ghi chú<br>hai dòng</strong>" in html
    assert Figure.objects.get(measure__code="3", submission__unit=city).value == Decimal("50")
    # A double click on "send": the second is told the report is sent, on the page.
    again = post_entry(client, "024", 1, {"3": "50"}, action="submit", **{field("3", "version"): "1"})
    assert again.status_code == 403 and "đang chờ thẩm định" in again.content.decode() and "Những gì bạn đã nhập" not in again.content.decode()


def test_an_assessed_measure_shows_last_quarters_assessment_and_no_sums(client, open_year):
    import html as html_module

    unit = Measure.objects.get(campaign=open_year, code="15").indicator.lead_unit
    reporter = make_user("reporter-defence", "reporter", units=[unit])
    defence = Measure.objects.get(campaign=open_year, code="15")
    workflow.save_figures(user=reporter, campaign=open_year, unit=unit, quarter=1, entries=[
        workflow.Entry(measure=defence, verdict="completed_well", narrative="Diễn tập tốt.")])
    client.force_login(reporter)
    page = html_module.unescape(client.get(reverse("entry"), {"year": 2024, "quarter": 2, "unit": unit.code}).content.decode())
    row = page.split("15. ", 1)[1].split("</p>", 1)[0]
    assert "Quý trước: Hoàn thành tốt nhiệm vụ" in " ".join(row.split())
    assert "Lũy kế" not in row and "Cùng kỳ" not in row


def test_a_note_in_several_lines_survives_the_entry_page_saved_untouched(client, reporter, city, open_year):
    from tests.formdata import form_data

    budget = Measure.objects.get(campaign=open_year, code="3")
    workflow.save_figures(user=reporter, campaign=open_year, unit=city, quarter=1, entries=[  # as from the Excel template
        workflow.Entry(measure=budget, value=Decimal(50), note="Dòng 1\nDòng 2", source="Sở Tài chính\nCV 12")])
    client.force_login(reporter)
    page = client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode()
    data = form_data(page)
    data["action"] = "save"
    client.post(reverse("entry"), {k: v.replace("\n", "\r\n") if isinstance(v, str) else v for k, v in data.items()})
    figure = Figure.objects.get(measure=budget)
    assert (figure.note, figure.source, figure.version) == ("Dòng 1\nDòng 2", "Sở Tài chính\nCV 12", 1)
    # A lone CR (sent by hand, pasted from an old Mac file) is a line break as the workbook reads it
    # back: stored as one, so the page and an untouched upload see the same note.
    data = form_data(client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode())
    note = next(name for name, value in data.items() if isinstance(value, str) and value.replace("\r\n", "\n").strip() == "Dòng 1\nDòng 2")
    client.post(reverse("entry"), {**data, "action": "save", note: "Dòng 1\rDòng 3"})
    assert Figure.objects.get(measure=budget).note == "Dòng 1\nDòng 3"


def test_a_report_is_not_sent_on_a_figure_someone_changed_after_its_sender_opened_the_page(client, reporter, reviewer, city, open_year):
    """The reporter's page showed 50; the secretariat saved 60 for the unit meanwhile; "Send" on the
    old page saves what the reporter typed and does not send 60 unseen: it says what changed."""
    from tests.formdata import form_data

    budget, rate = Measure.objects.get(campaign=open_year, code="3"), Measure.objects.get(campaign=open_year, code="4")
    workflow.save_figures(user=reporter, campaign=open_year, unit=city, quarter=1, entries=[workflow.Entry(measure=budget, value=Decimal(50))])
    client.force_login(reporter)
    data = form_data(client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode())
    workflow.save_figures(user=reviewer, campaign=open_year, unit=city, quarter=1,
                          entries=[workflow.Entry(measure=budget, value=Decimal(60), version=1)])
    index = next(name.split("-")[1] for name, value in data.items() if name.endswith("-measure") and value == str(rate.pk))
    data[f"figures-{index}-value"] = "45.500"
    page = client.post(reverse("entry"), {**data, "action": "submit", "send_incomplete": "1", "confirm": "1"}, follow=True).content.decode()
    assert ("Chưa gửi: từ lúc bạn mở trang đến nay, có người đã sửa 3. Những gì bạn nhập đã được lưu; trang nay hiện mọi số liệu "
            "như đang lưu: hãy kiểm tra rồi gửi lại.") in page
    submission = Submission.objects.get(unit=city, quarter=1)
    assert submission.state == Submission.State.DRAFT
    assert dict(submission.figures.values_list("measure__code", "value")) == {"3": Decimal(60), "4": Decimal(45500)}
    # Sent from the page as it stands now: sent.
    data = form_data(client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode())
    client.post(reverse("entry"), {**data, "action": "submit", "send_incomplete": "1", "confirm": "1"})
    assert Submission.objects.get(unit=city, quarter=1).state == Submission.State.SUBMITTED


def test_a_page_sent_without_its_form_counts_is_answered_in_the_pages_language_and_saves_nothing(client, reporter, city, open_year):
    from tests.formdata import form_data

    client.force_login(reporter)
    data = form_data(client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode())
    cut = {name: value for name, value in data.items() if "TOTAL_FORMS" not in name and "INITIAL_FORMS" not in name}
    page = client.post(reverse("entry"), {**cut, "action": "save"}).content.decode()
    assert "Trang được gửi không đầy đủ: chưa lưu gì. Hãy tải lại trang rồi nhập lại số liệu." in page
    assert "ManagementForm" not in page and not Figure.objects.exists()


def test_rows_left_as_the_page_showed_them_over_changes_made_since_are_neither_written_nor_a_conflict(client, reporter, reviewer,
                                                                                                       city, open_year):
    """The reporter types a figure; meanwhile the secretariat rewrote the task's words and entered a
    figure in a row the page showed empty. Save writes what the reporter typed and keeps theirs."""
    from targets.models import Task, TaskReport
    from tests.formdata import form_data

    task = Task.objects.filter(responsible_units=city, is_active=True).first()
    budget, tourists = (Measure.objects.get(campaign=open_year, code=code) for code in ("3", "4"))
    workflow.save_task_reports(user=reporter, campaign=open_year, unit=city, quarter=1,
                               entries=[workflow.TaskEntry(task=task, verdict="completed", narrative="Việc đã làm")])
    client.force_login(reporter)
    data = form_data(client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode())
    workflow.save_task_reports(user=reviewer, campaign=open_year, unit=city, quarter=1,
                               entries=[workflow.TaskEntry(task=task, verdict="completed_well", narrative="Sửa lời", version=1)])
    workflow.save_figures(user=reviewer, campaign=open_year, unit=city, quarter=1, entries=[workflow.Entry(measure=tourists, value=7000)])
    index = next(name.split("-")[1] for name, value in data.items()
                 if name.startswith("figures-") and name.endswith("-measure") and value == str(budget.pk))
    page = client.post(reverse("entry"), {**data, f"figures-{index}-value": "50", "action": "save", "confirm": "1"},
                       follow=True).content.decode()
    assert "Chưa lưu gì" not in page and "Đã lưu nháp (1 số liệu)" in page
    assert dict(Figure.objects.values_list("measure__code", "value")) == {"3": 50, "4": 7000}
    assert TaskReport.objects.get().narrative == "Sửa lời"


def test_after_the_q4_deadline_the_read_only_rows_are_on_the_page_sent_as_shown_and_never_said_missing(client, reporter, reviewer,
                                                                                                         city, open_year):
    """After the fourth quarter's deadline only the yearly figures may still be entered: the other
    rows are read-only, and a browser sends no disabled field. Saving is not told those rows were
    "not on your page", and Send waits when the secretariat changed one of them since."""
    from targets.models import Deadline
    from tests.formdata import form_data

    budget, poverty = (Measure.objects.get(campaign=open_year, code=code) for code in ("3", "6"))
    workflow.save_figures(user=reporter, campaign=open_year, unit=city, quarter=4, entries=[workflow.Entry(measure=budget, value=55)])
    Deadline.objects.filter(campaign=open_year, quarter=4).update(due_on=datetime.date(2025, 1, 20))
    client.force_login(reporter)
    data = form_data(client.get(reverse("entry"), {"year": 2024, "quarter": 4}).content.decode())
    index = {value: name.split("-")[1] for name, value in data.items() if name.startswith("figures-") and name.endswith("-measure")}
    assert f"figures-{index[str(budget.pk)]}-value" not in data  # read-only: not sent, as by a browser
    page = client.post(reverse("entry"), {**data, f"figures-{index[str(poverty.pk)]}-value": "1,5", "action": "save", "confirm": "1"},
                       follow=True).content.decode()
    assert "Đã lưu nháp (1 số liệu)" in page and "không có trên trang của bạn" not in page
    workflow.save_figures(user=reviewer, campaign=open_year, unit=city, quarter=4,
                          entries=[workflow.Entry(measure=budget, value=66, version=1)])
    data = {**data, f"figures-{index[str(poverty.pk)]}-value": "1,5", f"figures-{index[str(poverty.pk)]}-version": "1"}
    page = client.post(reverse("entry"), {**data, "action": "submit", "send_incomplete": "1", "confirm": "1"},
                       follow=True).content.decode()
    assert "Chưa gửi: từ lúc bạn mở trang đến nay, có người đã sửa 3." in page
    assert Submission.objects.get(unit=city, quarter=4).state == Submission.State.DRAFT


def test_a_report_is_not_sent_with_a_figure_of_a_measure_assigned_after_its_sender_opened_the_page(client, reporter, reviewer,
                                                                                                    city, open_year):
    from targets.models import MeasureAssignment
    from tests.formdata import form_data

    client.force_login(reporter)
    data = form_data(client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode())
    added = Measure.objects.get(campaign=open_year, code="5")
    MeasureAssignment.objects.create(unit=city, measure=added, role=MeasureAssignment.Role.BREAKDOWN)
    workflow.save_figures(user=reviewer, campaign=open_year, unit=city, quarter=1, entries=[workflow.Entry(measure=added, value=12)])
    page = client.post(reverse("entry"), {**data, "action": "submit", "send_incomplete": "1"}, follow=True).content.decode()
    assert ("Chưa gửi: từ lúc bạn mở trang đến nay, có người đã sửa 5. Trang nay hiện mọi số liệu như đang lưu: hãy kiểm tra "
            "rồi gửi lại.") in page  # nothing typed: nothing said to be saved
    assert Submission.objects.get(unit=city, quarter=1).state == Submission.State.DRAFT


def test_a_reporter_whose_unit_was_taken_while_the_page_was_open_gets_back_what_they_typed(client, reporter, city, open_year):
    """Refused (the unit is no longer theirs), and nothing lost: what they typed is shown to be
    copied, whatever else the post holds (malformed ids, another page's rows)."""
    from tests.formdata import form_data

    client.force_login(reporter)
    data = form_data(client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode())
    budget = Measure.objects.get(campaign=open_year, code="3")
    index = next(name.split("-")[1] for name, value in data.items()
                 if name.startswith("figures-") and name.endswith("-measure") and value == str(budget.pk))
    city.members.remove(reporter)
    Unit.objects.get(code="026").members.add(reporter)  # moved to another unit
    posted = {**data, f"figures-{index}-value": "123,4", f"figures-{index}-note": "Theo Kho bạc", "action": "save",
              "figures-99-measure": "9" * 40, "tasks-0-task": "²", "figures-7x-measure": "1"}
    response = client.post(reverse("entry") + "?unit=024&year=2024&quarter=1", posted)
    page = " ".join(response.content.decode().split())
    assert response.status_code == 403
    assert "Số liệu này thuộc đơn vị khác (Thành phố Hà Giang)" in page
    assert "Chưa lưu gì. Những gì bạn đã nhập, để chép lại:" in page
    assert "3. Thu ngân sách nhà nước trên địa bàn: " in page and "123,4" in page and "Theo Kho bạc" in page
    assert not Figure.objects.exists()


def test_a_reporter_whose_unit_was_deactivated_is_told_so_not_that_they_have_no_unit(client, reporter, city):
    city.is_active = False
    city.name_en = "Ha Giang City"
    city.save()
    client.force_login(reporter)
    response = client.get(reverse("entry"))
    page = " ".join(response.content.decode().split())
    assert response.status_code == 403
    assert "chưa được gắn với đơn vị nào" not in page
    assert "Đơn vị của bạn (Thành phố Hà Giang) đã ngừng hoạt động" in page
    client.post(reverse("set_language"), {"language": "en"})
    page = " ".join(client.get(reverse("entry")).content.decode().split())
    assert "not attached to any unit" not in page and "Your unit (Ha Giang City) is no longer active" in page
    # Still nothing to enter for the unit: it enters again only once an administrator makes it active.
    assert post_entry(client, "024", 1, {"3": "10"}).status_code == 403 and not Figure.objects.exists()
    # A unit of theirs still active is the one the page opens on, as before.
    Unit.objects.get(code="026").members.add(reporter)
    assert client.get(reverse("entry")).status_code == 200


def test_a_count_typed_in_the_other_notation_is_not_offered_as_a_fraction(db, open_year):
    killed = Measure.objects.get(campaign=open_year, code="14b")  # people killed: a count
    errors = check_input(killed, text="2.5", lang="vi").errors
    assert errors == ["«2.5» không phải là số theo định dạng tiếng Việt (dấu chấm phân cách hàng nghìn, dấu phẩy thập phân), ví dụ 1.234,5."]
    # A measure with decimals is still offered the other reading.
    assert "Nếu ý bạn là 2,5 hãy nhập 2,5." in check_input(Measure.objects.get(campaign=open_year, code="3"), text="2.5", lang="vi").errors[0]


def test_a_unit_reporting_years_to_date_alone_is_checked_against_the_quarter_they_give(client, reporter, city, open_year):
    budget = Measure.objects.get(campaign=open_year, code="3")
    for quarter, cumulative in ((1, "50"), (2, "95.2")):  # the second quarter is 45,2, given by the two years to date
        workflow.save_figures(user=reporter, campaign=open_year, unit=city, quarter=quarter,
                              entries=[workflow.Entry(measure=budget, cumulative=Decimal(cumulative))])
    client.force_login(reporter)
    page = client.get(reverse("entry"), {"year": 2024, "quarter": 3}).content.decode()
    assert "Quý trước: 45,2" in " ".join(page.split())
    response = post_entry(client, "024", 3, {}, **{field("3", "cumulative"): "150.500"})
    assert "nghĩa là quý này 150.404,8, thay đổi 332.654 % so với quý trước (45,2)" in response.content.decode()
    assert not Figure.objects.filter(submission__quarter=3).exists()


def test_a_note_changed_under_a_figure_saved_already_asks_nothing_of_the_figure(client, reporter):
    """The jump from the previous quarter was confirmed when the figure was saved; a note alone changes now."""
    client.force_login(reporter)
    post_entry(client, "024", 1, {"3": "50"})
    post_entry(client, "024", 2, {"3": "500"}, confirm="1")  # ten times the first quarter, confirmed
    response = post_entry(client, "024", 2, {"3": "500"}, **{field("3", "note"): "Theo Kho bạc", field("3", "version"): "1"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Figure.objects.get(measure__code="3", submission__quarter=2).note == "Theo Kho bạc"


def test_a_figure_after_a_quarter_without_one_is_checked_against_the_last_quarter_with_one(client, reporter):
    """"1.234" typed for 1,234 after a third quarter never sent: a thousandfold quarter is still questioned."""
    client.force_login(reporter)
    post_entry(client, "024", 2, {"3": "85,8"})
    page = post_entry(client, "024", 4, {"3": "1.234"}).content.decode()
    assert "Thay đổi 1.338 % so với quý II (85,8), quý gần nhất có số liệu; hãy kiểm tra và xác nhận." in page
    assert not Figure.objects.filter(submission__quarter=4).exists()  # not saved until confirmed
    assert "Quý II (quý gần nhất có số liệu): 85,8" in page


def _page(response) -> str:
    import html as html_module

    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())  # the text a reader sees


def _decision_box(response) -> str:
    """What the page's decision form holds in its comment box (the box an admin reopens with, or a reviewer returns with)."""
    from tests.formdata import form_data

    return form_data(response.content.decode(), "decide").get("comment", "")


NOT_SENT = "Ý kiến của bạn, chưa được gửi: "
LONG_COMMENT = "Chỉ tiêu 3 chưa khớp số liệu của Sở Tài chính; đề nghị đơn vị đối chiếu lại và ghi rõ nguồn số liệu quý I."


@pytest.fixture
def sent(client, reporter):
    client.force_login(reporter)
    post_entry(client, "024", 1, {"3": "50"}, action="submit")
    return Submission.objects.get()


@pytest.mark.parametrize("who", ["reviewer", "admin"])
@pytest.mark.parametrize("timing", ["stale page", "decided while posting"])
def test_a_comment_typed_on_a_report_someone_else_decided_meanwhile_is_shown_as_not_sent(client, sent, reviewer, admin_user,
                                                                                         monkeypatch, who, timing):
    """A10: the report approved by another while the comment was typed, whether before the page was sent
    (the page's version is old) or while it was (the decision waited on the report's row lock): the
    comment is shown, said to be not sent, and never waits in the reopen reason's box to be sent as one."""
    from tests.formdata import form_data

    user = reviewer if who == "reviewer" else admin_user
    other = make_user("secretariat-b", "reviewer")
    client.force_login(user)
    data = form_data(client.get(reverse("submission", args=[sent.pk])).content.decode(), "decide")
    if timing == "stale page":
        workflow.approve(user=other, submissions=[Submission.objects.get(pk=sent.pk)])
    else:
        original = workflow.return_for_correction

        def approved_meanwhile(**kwargs):
            workflow.approve(user=other, submissions=[Submission.objects.get(pk=sent.pk)])
            return original(**kwargs)

        monkeypatch.setattr(workflow, "return_for_correction", approved_meanwhile)
    response = client.post(reverse("submission-decide", args=[sent.pk]), {**data, "comment": LONG_COMMENT, "action": "return"})
    page = _page(response)
    assert Submission.objects.get(pk=sent.pk).state == "approved"
    assert "Thành phố Hà Giang" in page and "đã duyệt" in page
    assert NOT_SENT + LONG_COMMENT in page
    assert LONG_COMMENT not in _decision_box(response)  # the admin's reopen box is empty: nothing sent by one click
    if who == "admin":
        assert "Lý do mở lại" in page


def test_a_comment_typed_on_a_report_sent_again_meanwhile_is_shown_as_not_sent(client, sent, reporter, reviewer):
    """The report returned and sent again while the page was open: still waiting for review, but another
    report; what was typed about the old one is said to be not sent (and kept in the same decision's box)."""
    from tests.formdata import form_data

    client.force_login(reviewer)
    data = form_data(client.get(reverse("submission", args=[sent.pk])).content.decode(), "decide")
    other = make_user("secretariat-b", "reviewer")
    workflow.return_for_correction(user=other, submission=Submission.objects.get(pk=sent.pk), comment="Sai số")
    workflow.submit(user=reporter, campaign=sent.campaign, unit=sent.unit, quarter=1)
    response = client.post(reverse("submission-decide", args=[sent.pk]), {**data, "comment": LONG_COMMENT, "action": "return"})
    page = _page(response)
    assert "đã thay đổi sau khi bạn mở trang" in page
    assert NOT_SENT + LONG_COMMENT in page
    assert _decision_box(response).strip() == LONG_COMMENT
    assert Submission.objects.get(pk=sent.pk).state == "submitted"


@pytest.mark.parametrize("version", [None, "", "abc"])
def test_a_decision_posted_without_the_pages_version_is_refused_as_out_of_date(client, sent, reviewer, version):
    """A1: a post without the version (a page cached from before the check, a hand-made post) is not
    applied unchecked: refused as a page out of date, with what was typed kept."""
    client.force_login(reviewer)
    posted = {"action": "return", "comment": LONG_COMMENT} if version is None else \
        {"action": "return", "comment": LONG_COMMENT, "version": version}
    page = _page(client.post(reverse("submission-decide", args=[sent.pk]), posted))
    assert "Trang này đã cũ: hãy tải lại trang, đọc lại báo cáo rồi quyết định." in page
    assert LONG_COMMENT in page
    approve = {"action": "approve"} if version is None else {"action": "approve", "version": version}
    page = _page(client.post(reverse("submission-decide", args=[sent.pk]), approve))
    assert "Trang này đã cũ" in page
    assert Submission.objects.get(pk=sent.pk).state == "submitted"


def test_a_bulk_approval_without_a_reports_version_approves_nothing(client, sent, reviewer):
    client.force_login(reviewer)
    queue = reverse("review") + "?year=2024&quarter=1"
    response = client.post(queue, {"action": "approve", "submission": [sent.pk]}, follow=True)
    assert "Chưa duyệt báo cáo nào: trang này đã cũ; hãy tải lại trang và đánh dấu lại các báo cáo." in _page(response)
    assert Submission.objects.get(pk=sent.pk).state == "submitted"
    # Another quarter's queue does not list it, so it does not approve it (a post made by hand).
    other = reverse("review") + "?year=2024&quarter=3"
    response = client.post(other, {"action": "approve", "submission": [sent.pk], f"version-{sent.pk}": sent.version}, follow=True)
    assert "Hãy chọn ít nhất một báo cáo để duyệt." in _page(response)
    assert Submission.objects.get(pk=sent.pk).state == "submitted"
    # The queue as the page posts it approves.
    client.post(queue, {"action": "approve", "submission": [sent.pk], f"version-{sent.pk}": sent.version})
    assert Submission.objects.get(pk=sent.pk).state == "approved"


@pytest.mark.parametrize("blank", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00a0", " \u200b\u00a0\n"])
def test_a_comment_box_that_shows_nothing_is_empty_to_approve_and_to_return(client, sent, reviewer, blank):
    """A2: one rule: a box holding only invisible marks is no comment, so it neither returns nor blocks approving."""
    from tests.formdata import form_data

    client.force_login(reviewer)
    data = form_data(client.get(reverse("submission", args=[sent.pk])).content.decode(), "decide")
    page = _page(client.post(reverse("submission-decide", args=[sent.pk]), {**data, "comment": blank, "action": "return"}))
    assert "Hãy ghi rõ nội dung cần sửa" in page
    assert Submission.objects.get(pk=sent.pk).state == "submitted"
    page = _page(client.post(reverse("submission-decide", args=[sent.pk]), {**data, "comment": blank, "action": "approve"}, follow=True))
    assert "Duyệt báo cáo không kèm ý kiến" not in page
    assert "Đã duyệt." in page
    assert Submission.objects.get(pk=sent.pk).state == "approved"
    # The rule itself, in the domain layer: whitespace and invisible marks are nothing; any visible character is something.
    assert workflow.no_comment(blank) and not workflow.no_comment(f"{blank}Sai số")


@pytest.mark.parametrize("page", ["entry", "template-download"])
def test_the_secretariat_asking_for_an_inactive_unit_is_told_it_is_no_longer_active_by_its_name(client, reviewer, admin_user,
                                                                                                 open_year, page):
    """Not "you do not have permission": the unit is named, in the page's language, as to its own reporters."""
    dong_van = Unit.objects.get(code="026")
    dong_van.is_active = False
    dong_van.name_en = "Dong Van District"
    dong_van.save()
    for who in (reviewer, admin_user):
        client.force_login(who)
        for language, said in (("vi", "Huyện Đồng Văn không còn hoạt động nên không nhập được số liệu"),
                               ("en", "Dong Van District is no longer active, so its figures cannot be entered")):
            client.post(reverse("set_language"), {"language": language})
            response = client.get(reverse(page), {"year": 2024, "quarter": 1, "unit": "026"})
            alert = " ".join(re.search(r'role="alert">(.*?)</div>', response.content.decode(), re.S).group(1).split())
            assert response.status_code == 403 and alert.startswith(said), alert


def test_a_unit_taking_part_from_a_later_year_is_offered_no_entry_for_an_earlier_one(client, reviewer, open_year):
    """Not "Not started · Deadline …" and a 2024 workbook: the unit takes part from 2025, and both pages say so."""
    dong_van = Unit.objects.get(code="026")
    dong_van.since_year = 2025
    dong_van.save()
    said = ("026 – Huyện Đồng Văn tham gia chương trình từ năm 2025 nên không báo cáo gì cho năm 2024. Hãy chọn đơn vị khác, hoặc sửa "
            "năm tham gia chương trình của đơn vị (Quản trị → Đơn vị).")
    client.force_login(reviewer)
    for page in ("entry", "template-download"):
        response = client.get(reverse(page), {"year": 2024, "quarter": 1, "unit": "026"})
        assert response.status_code == 403 and said in " ".join(response.content.decode().split())
    # Several units in one workbook: refused the same for the one that does not take part.
    response = client.get(reverse("template-download"), {"year": 2024, "quarter": 1, "unit": ["024", "026"]})
    assert response.status_code == 403 and said in " ".join(response.content.decode().split())
    # Nothing saved for it by a post either.
    assert post_entry(client, "026", 1, {"3": "10"}).status_code == 403 and not Figure.objects.exists()
    # The 2024 page of another unit does not offer it.
    page = client.get(reverse("entry"), {"year": 2024, "quarter": 1, "unit": "024"}).content.decode()
    assert '<option value="024"' in page and '<option value="026"' not in page


def test_a_reporter_of_a_unit_set_up_for_next_year_is_told_so_not_shown_an_empty_report(client, open_year):
    """With only 2024 set up, the page opens on 2024, which the unit does not take part in: said, no entry offered."""
    dong_van = Unit.objects.get(code="026")
    dong_van.since_year = 2025
    dong_van.save()
    client.force_login(make_user("reporter-new", "reporter", units=[dong_van]))
    for page in ("entry", "template-download"):
        response = client.get(reverse(page))
        assert response.status_code == 403
        assert "tham gia chương trình từ năm 2025 nên không báo cáo gì cho năm 2024" in response.content.decode()
    # The secretariat's page without a unit opens on the first unit that takes part in the year.
    first = Unit.objects.filter(is_active=True).order_by("kind", "code").first()
    first.since_year = 2025
    first.save()
    client.force_login(make_user("secretariat-2", "reviewer"))
    page = client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode()
    assert f'<option value="{first.code}"' not in page
    chosen = re.search(r'<option value="([^"]*)" selected', page).group(1)
    assert chosen != first.code
