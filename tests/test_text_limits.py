"""Text people type: as long as they write it up to a stated limit, refused with a message beyond it
or with control characters, never a server error, never cut short without saying."""

import re

import pytest
from django.apps import apps
from django.db import models
from django.forms import modelform_factory
from django.urls import reverse

from targets import workflow
from targets.models import Figure, Measure, Submission, Unit
from targets.validators import NoControlCharacters
from tests.conftest import make_user
from tests.test_entry_workflow import city, field, post_entry, reporter  # noqa: F401 (fixtures)

# An ordinary Vietnamese sentence of 131 characters: it crashed the history's reason column.
SENTENCE = ("Số liệu quý I của chỉ tiêu thu ngân sách chưa khớp với báo cáo của Sở Tài chính gửi ngày 10/4; "
            "đề nghị đơn vị rà soát lại và gửi lại.")
LONG_COMMENT = (SENTENCE + " ") * 25  # about 3,300 characters: a thorough reviewer


@pytest.fixture
def submitted(client, reporter):  # noqa: F811
    client.force_login(reporter)
    post_entry(client, "024", 1, {"3": "50"}, action="submit")
    return Submission.objects.get()


def decide(client, submission, action, comment=""):
    """As the report's page posts it: with the report's version the page shows."""
    version = Submission.objects.get(pk=submission.pk).version
    return client.post(reverse("submission-decide", args=[submission.pk]), {"action": action, "comment": comment, "version": version},
                       follow=True)


def test_a_long_return_comment_is_kept_whole_and_shown_in_the_history(client, submitted, reviewer):
    assert len(SENTENCE) > 100
    client.force_login(reviewer)
    page = decide(client, submitted, "return", LONG_COMMENT)
    assert page.status_code == 200
    submitted.refresh_from_db()
    assert submitted.state == "returned"
    assert submitted.review_comment == LONG_COMMENT.strip()
    record = submitted.history.first()
    assert record.review_comment == LONG_COMMENT.strip() and len(record.history_change_reason) <= 100
    assert SENTENCE in page.content.decode()


def test_a_comment_over_the_limit_gets_a_message_and_changes_nothing(client, submitted, reviewer):
    client.force_login(reviewer)
    html = decide(client, submitted, "return", "Thiếu số liệu quý I. " + "x" * 4000).content.decode()
    assert "4000" in html and "4021" in html  # Django's "at most 4000 characters (it has 4021)"
    submitted.refresh_from_db()
    assert submitted.state == "submitted" and submitted.review_comment == ""
    # The comment comes back as typed, to be cut by its writer (before, the box came back empty).
    assert "Thiếu số liệu quý I. xxxx" in html


def test_an_admin_reopens_with_a_long_reason(client, submitted, reviewer, admin_user):
    client.force_login(reviewer)
    decide(client, submitted, "approve")
    client.force_login(admin_user)
    decide(client, submitted, "reopen", SENTENCE)
    submitted.refresh_from_db()
    assert (submitted.state, submitted.review_comment) == ("returned", SENTENCE)


def test_the_review_form_shows_its_limit(client, submitted, reviewer):
    client.force_login(reviewer)
    html = client.get(reverse("submission", args=[submitted.pk])).content.decode()
    assert 'maxlength="4000"' in html


def test_a_reporters_long_reason_for_a_change_is_kept_whole(client, reporter):  # noqa: F811
    client.force_login(reporter)
    post_entry(client, "024", 1, {"3": "50"})
    figure = Figure.objects.get()
    response = post_entry(client, "024", 1, {"3": "51"}, reason=SENTENCE, **{field("3", "version"): figure.version})
    assert response.status_code == 302
    figure.refresh_from_db()
    assert (figure.value, figure.reason) == (51, SENTENCE)
    record = figure.history.first()
    assert record.reason == SENTENCE and len(record.history_change_reason) <= 100
    page = client.get(reverse("submission", args=[figure.submission_id])).content.decode()
    assert SENTENCE in page


@pytest.mark.parametrize(("name", "text", "message"), [
    ("source", "S" * 301, "300"),
    ("note", "ghi chú\x00", "ký tự điều khiển"),
    ("note", "n" * 2001, "2000"),
    ("narrative", "\x1b[31m", "ký tự điều khiển"),
])
def test_over_long_or_control_character_text_is_refused_by_the_workflow(reporter, city, open_year, name, text, message):  # noqa: F811
    entry = workflow.Entry(measure=Measure.objects.get(code="3"), value=50, **{name: text})
    with pytest.raises(workflow.EntryRefused, match=message):
        workflow.save_figures(user=reporter, campaign=open_year, unit=city, quarter=1, entries=[entry])
    assert not Figure.objects.exists()


def test_a_nul_byte_in_a_note_on_the_entry_page_is_a_message_not_a_500(client, reporter):  # noqa: F811
    client.force_login(reporter)
    response = post_entry(client, "024", 1, {"3": "50"}, **{field("3", "note"): "a\x00b"})
    assert response.status_code == 200
    assert "ký tự điều khiển" in response.content.decode()
    assert not Figure.objects.exists()


def test_an_over_long_narrative_is_said_once_not_also_as_a_missing_one(client, open_year):
    from tests.formdata import form_data

    defence = Unit.objects.get(code="BCHQS")
    client.force_login(make_user("reporter-bchqs", "reporter", units=[defence]))
    data = form_data(client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode())
    prefix = next(k[: -len("measure")] for k, v in data.items() if k.endswith("-measure") and v == str(Measure.objects.get(code="15").pk))
    data.update({f"{prefix}verdict": "completed", f"{prefix}narrative": "x" * 4001, "action": "save", "send_incomplete": "1"})
    html = client.post(reverse("entry"), data).content.decode()
    assert "4000" in html and "4001" in html
    assert "Cần có thuyết minh" not in html  # before, also told the narrative was missing
    assert not Figure.objects.exists()


def _user_text_fields():
    for model in apps.get_app_config("targets").get_models():
        if model.__name__.startswith("Historical"):
            continue
        for f in model._meta.get_fields():
            if isinstance(f, models.CharField | models.TextField) and f.editable and not f.choices:
                yield model, f


def test_every_text_field_has_a_limit_and_refuses_control_characters():
    fields = list(_user_text_fields())
    assert len(fields) > 20
    for model, f in fields:
        assert f.max_length, f"{model.__name__}.{f.name} has no length limit"
        assert any(isinstance(v, NoControlCharacters) for v in f.validators), f"{model.__name__}.{f.name}"


@pytest.mark.django_db
def test_a_form_built_from_the_model_fields_gets_maxlength_and_the_server_checks():
    form_class = modelform_factory(Figure, fields=["narrative", "note", "source"])
    html = str(form_class())
    assert 'maxlength="4000"' in html and 'maxlength="2000"' in html and 'maxlength="300"' in html
    form = form_class({"narrative": "x" * 4001, "note": "tab\tand\nnew line are fine", "source": "bell\x07"})
    assert not form.is_valid()
    assert set(form.errors) == {"narrative", "source"}


def test_api_token_names_are_limited_on_the_account_page(client, db):
    user = make_user("someone", "viewer")
    client.force_login(user)
    assert 'maxlength="100"' in client.get(reverse("profile")).content.decode()


def test_clearing_a_figure_records_the_reason_of_the_clearing(reporter, city, open_year):  # noqa: F811
    measure = Measure.objects.get(code="3")
    workflow.save_figures(user=reporter, campaign=open_year, unit=city, quarter=1,
                          entries=[workflow.Entry(measure=measure, value=50)], reason="Số ước tính")
    figure = Figure.objects.get()
    workflow.save_figures(user=reporter, campaign=open_year, unit=city, quarter=1,
                          entries=[workflow.Entry(measure=measure, version=figure.version)], reason=SENTENCE)
    assert not Figure.objects.exists()
    assert Figure.history.filter(history_type="-").get().reason == SENTENCE


def test_a_source_over_300_characters_on_the_entry_page_is_a_message_and_nothing_is_saved(client, reporter):  # noqa: F811
    client.force_login(reporter)
    response = post_entry(client, "024", 1, {"3": "50", "4": "80000"}, **{field("3", "source"): "S" * 301})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nguồn" in html and "300" in html
    assert not Figure.objects.exists()


def _unstated_limits(html: str) -> list[str]:
    """The text inputs and text areas of a page whose length limit (maxlength) the page does not
    state beside their label, as every form does: "Ghi chú (2000)"."""
    found = []
    for match in re.finditer(r"<(?:input|textarea)([^>]*)>", html):
        attrs = match.group(1)
        most, kind, name = (re.search(rf'{a}="([^"]*)"', attrs) for a in ("maxlength", "type", "id"))
        if not most or (kind and kind.group(1) in ("hidden", "checkbox", "radio", "number", "date", "password")):
            continue
        label = re.search(rf'<label[^>]*for="{re.escape(name.group(1))}"[^>]*>(.*?)</label>', html, re.S) if name else None
        if not label or f"({most.group(1)})" not in re.sub(r"<[^>]+>", "", label.group(1)):
            found.append(name.group(1) if name else attrs)
    return found


def test_every_page_states_the_length_limit_of_each_text_field_it_asks_for(client, demo):
    # The emulation's other forms (proposals once drafted) are drawn by targets/_form_fields.html, as a new bonus's is here.
    reviewer = make_user("secretariat-2", "reviewer")
    city_reporter = make_user("reporter-024", "reporter", units=[Unit.objects.get(code="024")])
    waiting = Submission.objects.filter(state="submitted").first()
    pages = [(city_reporter, reverse("entry"), {"year": 2024, "quarter": 4}), (city_reporter, reverse("profile"), {}),
             (reviewer, reverse("submission", args=[waiting.pk]), {}), (reviewer, reverse("entry"), {"unit": "SCT", "quarter": 4}),
             (reviewer, reverse("adjustments"), {"year": 2024})]
    for user, url, params in pages:
        client.force_login(user)
        response = client.get(url, params)
        html = response.content.decode()
        assert response.status_code == 200 and "maxlength=" in html, url  # notes, sources, narratives, reasons, comments…
        assert not _unstated_limits(html), (url, _unstated_limits(html))


def _dangling(html: str) -> list[str]:
    """The ids an input names in aria-describedby (its help text, its errors) that are not on the page."""
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    return [ref for refs in re.findall(r'aria-describedby="([^"]+)"', html) for ref in refs.split() if ref not in ids]


def test_a_refused_field_is_marked_and_its_message_is_under_it_where_its_input_says(client, reporter, reviewer):  # noqa: F811
    client.force_login(reporter)
    html = post_entry(client, "024", 1, {"3": "12,5%"}).content.decode()
    value = field("3", "value")
    # The input says it is invalid and names its message, which follows it before the next field.
    assert re.search(rf'<input [^>]*aria-invalid="true"[^>]*id="id_{value}"', html) or re.search(
        rf'<input [^>]*id="id_{value}"[^>]*aria-invalid="true"', html)
    after = html.split(f'id="id_{value}"', 1)[1]
    message = after.split(f'id="id_{value}_error"', 1)
    assert len(message) == 2 and "<label" not in message[0], "the message is not right under its field"
    assert "hãy nhập số không kèm ký hiệu %" in message[1].split("</div>", 1)[0]
    assert not _dangling(html)
    # The same on the other pages' forms: every description an input names is on the page.
    profile = client.post(reverse("profile"), {"action": "issue", "name": "x" * 500}).content.decode()
    assert 'id="id_name_error"' in profile and not _dangling(profile)
    client.force_login(reviewer)
    assert not _dangling(client.post(reverse("adjustments") + "?year=2024", {"unit": "", "kind": "bonus", "points": "abc",
                                                                            "reason": ""}).content.decode())


def test_a_comment_the_box_took_is_taken_whatever_the_browser_sends_for_its_line_breaks(client, submitted, reviewer, reporter):  # noqa: F811
    # 4,000 characters as the box counts them, in 41 lines: a browser sends each line break as CR LF (4,040 characters).
    lines = [f"Dòng {i:02d}: " + "x" * 89 for i in range(41)]
    typed = "\n".join(lines)[:4000]
    assert len(typed) == 4000
    client.force_login(reviewer)
    page = decide(client, submitted, "return", typed.replace("\n", "\r\n"))
    submitted.refresh_from_db()
    assert submitted.state == "returned" and submitted.review_comment == typed, page.content.decode()[:300]
    # The unit reads it line by line, on its entry page and on the report's page.
    client.force_login(reporter)
    entry = client.get(reverse("entry"), {"year": 2024, "quarter": 1}).content.decode()
    assert "Dòng 00: " + "x" * 89 + "<br>Dòng 01: " in entry
    assert "<br>Dòng 01: " in client.get(reverse("submission", args=[submitted.pk])).content.decode()


def test_a_return_comment_refused_because_someone_approved_first_is_shown_back_not_lost(client, submitted, reviewer, admin_user):
    from targets import workflow

    shown = Submission.objects.get(pk=submitted.pk).version  # the page the reviewer types on
    workflow.approve(user=admin_user, submissions=[Submission.objects.get(pk=submitted.pk)])  # meanwhile
    client.force_login(reviewer)
    page = client.post(reverse("submission-decide", args=[submitted.pk]), {"action": "return", "comment": "Dòng 1\r\nDòng 2",
                                                                           "version": shown})
    html = page.content.decode()
    assert "đã thay đổi sau khi bạn mở trang (hiện ở trạng thái đã duyệt)" in html
    assert "Ý kiến của bạn, chưa được gửi:" in html and "Dòng 1<br>Dòng 2" in html


def test_the_admin_takes_text_its_box_took_whatever_the_browser_sends_for_its_line_breaks(client, programme, admin_user):
    from targets.models import Campaign
    from tests.test_admin_structure import _edit, errors

    # 300 characters as the box counts them, in 10 lines: 309 as a browser sends them (CR LF).
    typed = "\n".join(f"DÒNG {i}: " + "X" * 21 for i in range(10)) + "X"
    assert len(typed) == 300
    url = reverse("admin:targets_campaign_change", args=[programme.pk])
    client.force_login(admin_user)
    page, _data = _edit(client, url, "campaign_form",
                        lambda data: data.update(report_issuer=typed.replace("\n", "\r\n")))
    assert page.status_code == 302, errors(page)
    assert Campaign.objects.get().report_issuer == typed
