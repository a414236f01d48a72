"""The Django admin, where the secretariat keeps the programme: tasks, report settings, last year's values."""

from django.urls import reverse

from targets.models import ScoringScheme, Task, Unit


def test_an_admin_retires_tasks_and_edits_their_responsible_units(client, admin_user, programme):
    client.force_login(admin_user)
    tasks = Task.objects.filter(theme__campaign=programme, theme__number=5)
    response = client.post(reverse("admin:targets_task_changelist"),
                           {"action": "retire", "_selected_action": [t.pk for t in tasks[:2]]}, follow=True)
    assert "Đã thôi theo dõi 2 nhiệm vụ." in response.content.decode()
    assert list(tasks.values_list("number", "is_active")) == [(1, False), (2, False), (3, True), (4, True)]

    task = tasks.get(number=3)
    page = client.get(reverse("admin:targets_task_change", args=[task.pk])).content.decode()
    assert "đơn vị chủ trì" in page.lower()
    snv, stttt = Unit.objects.get(code="SNV"), Unit.objects.get(code="STTTT")
    response = client.post(reverse("admin:targets_task_change", args=[task.pk]), {
        "theme": task.theme_id, "number": 3, "title": task.title, "title_en": task.title_en,
        "responsible_units": [snv.pk, stttt.pk], "is_active": "on",
    })
    assert response.status_code == 302
    assert set(task.responsible_units.values_list("code", flat=True)) == {"SNV", "STTTT"}


def test_a_task_under_theme_one_is_refused_with_the_reason(client, admin_user, programme):
    client.force_login(admin_user)
    data = {"number": 1, "title": "Nhiệm vụ ở nội dung Một là", "title_en": "", "is_active": "on",
            "responsible_units": [Unit.objects.get(code="024").pk]}
    response = client.post(reverse("admin:targets_task_add"), {**data, "theme": programme.themes.get(number=1).pk})
    assert response.status_code == 200
    assert "Nhiệm vụ thuộc các nội dung II đến VI; nội dung I được báo cáo bằng số liệu các chỉ tiêu." in response.content.decode()
    assert not Task.objects.filter(theme__number=1).exists()
    response = client.post(reverse("admin:targets_task_add"), {**data, "theme": programme.themes.get(number=2).pk, "number": 99})
    assert response.status_code == 302


def test_non_admins_cannot_reach_the_task_admin(client, viewer, programme):
    client.force_login(viewer)
    response = client.get(reverse("admin:targets_task_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_admin_speaks_vietnamese_and_shows_decimals_as_numbers(client, admin_user, programme):
    from decimal import Decimal

    from targets.models import Figure, Measure, Submission

    client.force_login(admin_user)
    budget = Measure.objects.get(campaign=programme, code="3")
    budget.previous_year = Decimal("2301.17")
    budget.save()
    page = client.get(reverse("admin:targets_measure_changelist")).content.decode()
    assert "Chỉ tiêu" in page or "chỉ tiêu" in page
    assert ">2.460<" in page and ">2.301,17<" in page
    assert "2460,000000" not in page and "2460.000000" not in page
    form = client.get(reverse("admin:targets_measure_change", args=[budget.pk])).content.decode()
    assert 'value="2460"' in form and 'value="2301,17"' in form
    assert "Năm trước" in form

    submission = Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="STC"), quarter=1, state="submitted")
    figure = Figure.objects.create(submission=submission, measure=budget, value=Decimal("650.5"))
    listing = client.get(reverse("admin:targets_figure_changelist")).content.decode()
    assert ">650,5<" in listing and "650,500000" not in listing
    detail = client.get(reverse("admin:targets_figure_change", args=[figure.pk])).content.decode()
    assert "650,5" in detail and "650,500000" not in detail


def test_exact_number_keeps_every_significant_decimal():
    from decimal import Decimal

    from django.utils import translation

    from targets.admin import exact_number

    with translation.override("vi"):
        assert exact_number(Decimal("244.946000")) == "244,946"
        assert exact_number(Decimal("3200000.000000")) == "3.200.000"
        assert exact_number(None) == "–"
    with translation.override("en"):
        assert exact_number(Decimal("2460.5")) == "2,460.5"


def test_a_programme_with_a_scoring_scheme_closes_its_year_on_the_ranking_page_only(client, admin_user, programme):
    # Closing there also makes the ranking final (ranking.close_year); the box here would close
    # entry under a provisional ranking, or reopen it under a final one.
    client.force_login(admin_user)
    change = reverse("admin:targets_campaign_change", args=[programme.pk])
    assert ScoringScheme.objects.filter(campaign=programme).exists()
    assert 'name="year_closed"' not in client.get(change).content.decode()
    assert "year_closed" not in client.get(reverse("admin:targets_campaign_changelist")).content.decode().split("<tbody>")[1].split(
        "</tbody>")[0].replace("field-year_closed", "")  # shown in the list, not a box to tick there
    ScoringScheme.objects.filter(campaign=programme).delete()
    assert 'name="year_closed"' in client.get(change).content.decode()  # without a scheme, the only way to close it


def test_admin_pages_name_their_icon_so_the_browser_asks_for_no_missing_file(client, admin_user):
    # Without one the browser asks for /favicon.ico, gets a 404, and reports it in its console.
    assert '<link rel="icon" href="data:,">' in client.get(reverse("admin:login")).content.decode()
    client.force_login(admin_user)
    for url in (reverse("admin:index"), reverse("admin:targets_task_changelist")):
        page = client.get(url).content.decode()
        assert '<link rel="icon" href="data:,">' in page
        assert 'id="site-name"' in page  # still Django's admin page around it


def test_what_a_closed_years_ranking_was_judged_on_is_shown_but_no_longer_changed(client, admin_user, programme):
    from targets import ranking
    from targets.models import Registration
    from tests.test_ranking import pledge

    promise = pledge(programme, "024", "3", "250")
    registration = Registration.objects.create(campaign=programme, unit=Unit.objects.get(code="024"), title="tap-the-ldxs")
    scheme = ScoringScheme.objects.get(campaign=programme)
    rows = [("pledge", promise), ("registration", registration), ("scoringscheme", scheme)]
    client.force_login(admin_user)
    for model, row in rows:
        assert 'name="_save"' in client.get(reverse(f"admin:targets_{model}_change", args=[row.pk])).content.decode()
    def add_registration(code):
        return client.post(reverse("admin:targets_registration_add"), {
            "campaign": programme.pk, "unit": Unit.objects.get(code=code).pk, "title": "tap-the-ldxs", "registered_on": "2024-02-01"})

    assert add_registration("027").status_code == 302  # while the year is open
    ranking.close_year(programme, admin_user)
    for model, row in rows:
        page = client.get(reverse(f"admin:targets_{model}_change", args=[row.pk]))
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode(), model  # shown, without a save button
        assert client.post(reverse(f"admin:targets_{model}_change", args=[row.pk]), {}).status_code == 403
        assert client.post(reverse(f"admin:targets_{model}_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    promise.refresh_from_db()
    assert promise.target == 250 and Registration.objects.filter(pk=registration.pk).exists()
    # Nor is a new one added: the form says why.
    added = add_registration("026")
    assert added.status_code == 200 and "Năm 2024 đã khóa sổ" in added.content.decode()
    assert Registration.objects.count() == 2


def test_a_date_typed_day_first_in_the_vietnamese_admin_is_that_day_and_shown_day_first(client, admin_user, programme):
    import datetime

    from targets.models import Deadline

    client.force_login(admin_user)
    # 05/01/2025 is the 5th of January to a Vietnamese official, never the 1st of May.
    response = client.post(reverse("admin:targets_deadline_add"), {"campaign": programme.pk, "quarter": 4, "due_on": "05/01/2025"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert Deadline.objects.get(quarter=4).due_on == datetime.date(2025, 1, 5)
    page = client.get(reverse("admin:targets_deadline_change", args=[Deadline.objects.get(quarter=4).pk])).content.decode()
    assert 'value="05/01/2025"' in page  # the form shows it back day first, as typed
    # Written as the province writes dates in its documents and workbooks, on the pages too.
    unit = Unit.objects.get(code="024")
    from tests.conftest import make_user
    client.force_login(make_user("reporter-city", "reporter", units=[unit]))
    assert "Hạn báo cáo: 05/01/2025" in client.get(reverse("entry"), {"quarter": 4}).content.decode()


def _measure_form(measure, lang="vi", **changes):
    """The measure's change form as the admin page posts it (numbers as it shows them), with `changes` typed in."""
    from decimal import Decimal

    from django.forms.models import model_to_dict

    from targets.numbers import unambiguous_text

    data = {k: ("" if v is None else unambiguous_text(v, lang) if isinstance(v, Decimal) else v)
            for k, v in model_to_dict(measure).items() if k != "id"}
    data.update({"assignments-TOTAL_FORMS": "0", "assignments-INITIAL_FORMS": "0"}, **changes)
    return data


def test_numbers_in_the_admin_are_typed_and_shown_as_on_the_entry_page(client, admin_user, programme):
    from decimal import Decimal

    from targets.models import Measure

    client.force_login(admin_user)
    budget = Measure.objects.get(campaign=programme, code="3")
    url = reverse("admin:targets_measure_change", args=[budget.pk])
    form = client.get(url).content.decode()
    assert 'value="2460"' in form and 'inputmode="decimal"' in form
    # Vietnamese notation: 2.460,5 is two thousand four hundred and sixty and a half.
    assert client.post(url, _measure_form(budget, target="2.460,5", previous_year="2301,17",
                                                baseline_source="Niên giám thống kê 2023")).status_code == 302
    budget.refresh_from_db()
    assert (budget.target, budget.previous_year) == (Decimal("2460.5"), Decimal("2301.17"))
    assert 'value="2460,5"' in client.get(url).content.decode()
    # 2.460 is 2460 to a Vietnamese official and 2.46 to Python: refused with both readings, never guessed.
    page = client.post(url, _measure_form(budget, target="2.460")).content.decode()
    assert "2.460" in page and "2460" in page and "2,46" in page
    budget.refresh_from_db()
    assert budget.target == Decimal("2460.5")
    # In English the English notation, and a number typed the Vietnamese way is named.
    client.post(reverse("set_language"), {"language": "en"})
    assert client.post(url, _measure_form(budget, "en", target="2460.25")).status_code == 302
    budget.refresh_from_db()
    assert budget.target == Decimal("2460.25")


def test_the_admins_history_pages_speak_vietnamese(client, admin_user, programme):
    from targets.models import Measure

    client.force_login(admin_user)
    budget = Measure.objects.get(campaign=programme, code="3")
    page = client.get(reverse("admin:targets_measure_history", args=[budget.pk])).content.decode()
    for word in ("Người thay đổi", "Lý do thay đổi", "Tạo mới"):
        assert word in page
    assert "Changed by" not in page and "Change reason" not in page


def test_the_admins_history_pages_have_no_english_or_none_left(client, admin_user, programme):
    """Probe H finding 6: "Historical số liệu", "View số liệu", "None" for an empty reason, "1 entry"."""
    import re

    from targets.models import Measure

    client.force_login(admin_user)
    budget = Measure.objects.get(campaign=programme, code="3")
    assert budget.history.count() == 1 and not budget.history.get().history_change_reason
    page = client.get(reverse("admin:targets_measure_history", args=[budget.pk])).content.decode()
    reason = re.search(r'<table id="change-history".*?<tbody>.*?</tr>', page, re.S).group(0)
    assert re.findall(r"<td>\s*(.*?)\s*</td>", reason, re.S)[4] == "–"
    assert "None" not in reason
    assert re.search(r"1\s+mục\s*</p>", page) and "entry" not in page
    version = client.get(reverse("admin:targets_measure_simple_history", args=[budget.pk, budget.history.get().history_id]))
    crumbs = re.sub(r"<[^>]+>|\s+", " ", re.search(r'<div class="breadcrumbs">(.*?)</div>', version.content.decode(), re.S).group(1))
    assert "Lịch sử chỉ số" in crumbs and "Xem chỉ số" in crumbs
    assert "Historical" not in crumbs and "View" not in crumbs


def test_an_admin_page_typed_in_vietnamese_is_read_in_vietnamese_after_another_tab_switched_to_english(client, admin_user, programme):
    """A target typed "2.460,5" on the Vietnamese page, sent after another tab switched to English:
    read in the page's language, never as the English 2.4605."""
    from decimal import Decimal

    from targets.models import Measure
    from tests.formdata import form_data

    client.force_login(admin_user)
    budget = Measure.objects.get(campaign=programme, code="3")
    url = reverse("admin:targets_measure_change", args=[budget.pk])
    data = form_data(client.get(url).content.decode())
    assert data["page_lang"] == "vi"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    data.update(target="2.460,5", _save="1")
    assert client.post(url, data).status_code == 302
    budget.refresh_from_db()
    assert budget.target == Decimal("2460.5")


def test_a_past_version_is_read_in_the_admin_never_put_back(client, admin_user, programme):
    """Probe A F10: "Khôi phục" on a measure's past version emptied next year's last-year values (which
    follow approvals) in one click, with no reason asked."""
    from targets.models import Measure

    client.force_login(admin_user)
    budget = Measure.objects.get(campaign=programme, code="3")
    first = budget.history.earliest("history_date")
    budget.same_period_q1, budget.baseline_source = 853629, "Niên giám thống kê 2023"
    budget._change_reason = "Số liệu năm trước"
    budget.save()
    url = reverse("admin:targets_measure_simple_history", args=[budget.pk, first.history_id])
    page = client.get(url).content.decode()
    assert "Khôi phục" not in page and "Revert" not in page and 'name="_save"' not in page
    # The past version's form posted all the same (what the button sent): refused, the row as it stands.
    assert client.post(url, {"code": "3", "same_period_q1": "", "baseline_source": "", "_save": "1"}).status_code == 403
    budget.refresh_from_db()
    assert budget.same_period_q1 == 853629 and budget.history.count() == 2


def test_giving_a_task_to_a_unit_that_sent_reports_says_which_reports_it_makes_incomplete(client, admin_user, demo):
    from targets.models import Submission

    client.force_login(admin_user)
    city = Unit.objects.get(code="024")
    sent = Submission.objects.filter(campaign=demo, unit=city, state__in=Submission.VISIBLE_STATES).order_by("quarter")
    assert sent.exists()
    response = client.post(reverse("admin:targets_task_add"), {
        "theme": demo.themes.get(number=2).pk, "number": 99, "title": "Xây dựng bộ máy mới", "title_en": "", "is_active": "on",
        "responsible_units": [city.pk]}, follow=True)
    page = response.content.decode()
    quarters = ", ".join(f"024 {q}" for q in ("quý I", "quý II", "quý III")[:sent.count()])
    assert f"Các báo cáo đã gửi nay thiếu nhiệm vụ này và mất điểm đầy đủ cho đến khi nhiệm vụ được đánh giá: {quarters}." in page


def test_the_admin_speaks_vietnamese_where_django_and_django_axes_leave_english(client, admin_user, programme):
    client.force_login(admin_user)
    index = client.get("/admin/").content.decode()
    assert "Bỏ qua, đến nội dung chính" in index and "Skip to main content" not in index
    assert "lần thử đăng nhập" in index.lower() and "Access attempts" not in index
    add_user = client.get("/admin/auth/user/add/").content.decode()
    assert "Đăng nhập bằng mật khẩu" in add_user and "Password-based authentication" not in add_user
    refused = client.post(reverse("admin:targets_task_add"), {"number": "", "title": ""}).content.decode()
    assert "<title>Lỗi:" in refused and "Error:" not in refused
    # Named as the site is (probe A): not "Trang web admin Django" in every page's title.
    assert "<title>Quản trị hệ thống | Theo dõi chỉ tiêu thi đua</title>" in index and "Django" not in index


def test_the_admin_names_deadlines_and_reports_in_the_sites_words_and_date_order(client, admin_user, programme):
    import datetime

    from targets.models import Deadline, Submission

    deadline = Deadline.objects.create(campaign=programme, quarter=1, due_on=datetime.date(2024, 4, 20))
    report = Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="024"), quarter=1)
    assert str(deadline) == "2024 · quý I · 20/04/2024"
    assert str(report) == "024 · 2024 · quý I (Nháp)"
    client.force_login(admin_user)
    page = client.get(reverse("admin:targets_deadline_changelist")).content.decode()
    assert "2024 · quý I · 20/04/2024" in page and "Q1" not in page


# --- a closed year's programme is kept as its ranking and signed report were decided ----------------


def _closed(programme, admin_user):
    from targets import ranking

    ranking.close_year(programme, admin_user)


def test_a_closed_years_measure_is_shown_read_only_with_why_and_a_post_changes_nothing(client, admin_user, programme):
    from decimal import Decimal

    from targets import services
    from targets.models import Measure

    budget = Measure.objects.get(campaign=programme, code="3")
    _closed(programme, admin_user)
    client.force_login(admin_user)  # a superuser: closing the year is the point
    url = reverse("admin:targets_measure_change", args=[budget.pk])
    assert client.post(url, _measure_form(budget, target="9999")).status_code == 403
    budget.refresh_from_db()
    assert budget.target == Decimal("2460")
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Năm 2024 đã khóa sổ" in text and "không sửa được nữa" in text
    assert 'name="_save"' not in text and 'name="_continue"' not in text and "deletelink" not in text
    assert 'name="target"' not in text and 'name="assignments-0-unit"' not in text  # its reporting units too
    assert client.post(reverse("admin:targets_measure_delete", args=[budget.pk]), {"post": "yes"}).status_code == 403
    # Nor through the page of a past version (simple_history saves what is posted there).
    version = budget.history.earliest().history_id
    assert client.post(reverse("admin:targets_measure_simple_history", args=[budget.pk, version]),
                       _measure_form(budget, target="9999")).status_code == 403
    # Nor a new measure for the year.
    added = client.post(reverse("admin:targets_measure_add"), _measure_form(budget, code="3x", target="1"))
    assert added.status_code == 200 and "Năm 2024 đã khóa sổ" in added.content.decode()
    budget.refresh_from_db()
    assert budget.target == Decimal("2460") and not Measure.objects.filter(code="3x").exists()

    # The next year, open, is edited as ever.
    services.copy_campaign(source_year=2024, target_year=2025)
    next_budget = Measure.objects.get(campaign__year=2025, code="3")
    next_url = reverse("admin:targets_measure_change", args=[next_budget.pk])
    next_page = client.get(next_url).content.decode()
    assert 'name="_save"' in next_page and "đã khóa sổ" not in next_page
    assert client.post(next_url, _measure_form(next_budget, target="2600")).status_code == 302
    next_budget.refresh_from_db()
    assert next_budget.target == Decimal("2600")


def test_what_else_decided_a_closed_year_is_shown_read_only_too(client, admin_user, programme):
    from targets.models import Campaign, Deadline, Indicator, Measure, MeasureAssignment, Task, Theme

    deadline = Deadline.objects.create(campaign=programme, quarter=4, due_on="2025-01-10")
    task = Task.objects.filter(theme__campaign=programme, theme__number=5).first()
    rows = {
        "campaign": programme, "theme": Theme.objects.get(campaign=programme, number=5), "task": task,
        "indicator": Indicator.objects.get(campaign=programme, number=3), "deadline": deadline,
        "measureassignment": MeasureAssignment.objects.filter(measure__campaign=programme).first(),
    }
    client.force_login(admin_user)
    for model, row in rows.items():
        assert 'name="_save"' in client.get(reverse(f"admin:targets_{model}_change", args=[row.pk])).content.decode(), model
    _closed(programme, admin_user)
    before = {model: list(type(row).objects.filter(pk=row.pk).values()) for model, row in rows.items()}
    for model, row in rows.items():
        page = client.get(reverse(f"admin:targets_{model}_change", args=[row.pk]))
        text = page.content.decode()
        assert page.status_code == 200 and "Năm 2024 đã khóa sổ" in text and 'name="_save"' not in text, model
        assert client.post(reverse(f"admin:targets_{model}_change", args=[row.pk]), {}).status_code == 403, model
        assert client.post(reverse(f"admin:targets_{model}_delete", args=[row.pk]), {"post": "yes"}).status_code == 403, model
    # The tables of a page (the programme's themes, a theme's tasks, an indicator's measures) take no new or changed row.
    assert 'name="themes-0-title"' not in client.get(reverse("admin:targets_campaign_change", args=[programme.pk])).content.decode()
    assert 'name="tasks-0-title"' not in client.get(reverse("admin:targets_theme_change", args=[rows["theme"].pk])).content.decode()
    assert 'name="measures-0-target"' not in client.get(
        reverse("admin:targets_indicator_change", args=[rows["indicator"].pk])).content.decode()
    # Nor does a list's action: deleting, or retiring a task.
    measures = Measure.objects.filter(campaign=programme)
    count = measures.count()
    client.post(reverse("admin:targets_measure_changelist"),
                {"action": "delete_selected", "_selected_action": [m.pk for m in measures[:2]], "post": "yes"})
    client.post(reverse("admin:targets_task_changelist"), {"action": "retire", "_selected_action": [task.pk]})
    added = client.post(reverse("admin:targets_deadline_add"), {"campaign": programme.pk, "quarter": 3, "due_on": "20/10/2024"})
    assert added.status_code == 200 and "Năm 2024 đã khóa sổ" in added.content.decode()
    assert {model: list(type(row).objects.filter(pk=row.pk).values()) for model, row in rows.items()} == before
    assert measures.count() == count and Deadline.objects.count() == 1 and Campaign.objects.filter(pk=programme.pk).exists()


def test_a_year_closed_by_its_box_alone_is_reopened_there_and_is_then_edited_again(client, admin_user, programme):
    # Without a scoring scheme the programme's box closes the year and reopens it: the only field left on its page.
    from decimal import Decimal

    from targets.models import Campaign, Measure, ScoringScheme

    ScoringScheme.objects.filter(campaign=programme).delete()
    Campaign.objects.filter(pk=programme.pk).update(year_closed=True)
    budget = Measure.objects.get(campaign=programme, code="3")
    client.force_login(admin_user)
    measure_page = client.get(reverse("admin:targets_measure_change", args=[budget.pk])).content.decode()
    assert "Năm 2024 đã khóa sổ" in measure_page and "mở lại năm" in measure_page and 'name="_save"' not in measure_page
    assert client.post(reverse("admin:targets_measure_change", args=[budget.pk]), _measure_form(budget, target="1")).status_code == 403
    change = reverse("admin:targets_campaign_change", args=[programme.pk])
    page = client.get(change).content.decode()
    assert 'name="year_closed"' in page and 'name="_save"' in page
    assert 'name="slogan"' not in page and 'name="report_signer"' not in page  # what the signed report is headed with stays
    # The box unticked, with the other fields typed anew: the year reopens, nothing else changes.
    response = client.post(change, {"slogan": "Khác", "report_signer": "Người khác", "themes-TOTAL_FORMS": "0",
                                    "themes-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    programme.refresh_from_db()
    assert not programme.year_closed and programme.slogan != "Khác" and programme.report_signer != "Người khác"
    assert client.post(reverse("admin:targets_measure_change", args=[budget.pk]),
                       _measure_form(budget, target="2500")).status_code == 302
    budget.refresh_from_db()
    assert budget.target == Decimal("2500")


def test_a_closed_years_target_is_refused_by_the_model_too_whatever_the_form(admin_user, programme):
    import pytest
    from django.core.exceptions import ValidationError

    from targets.models import Measure, Pledge, Unit

    budget = Measure.objects.get(campaign=programme, code="3")
    _closed(programme, admin_user)
    budget.full_clean()  # unchanged, it passes
    budget.target = 9999
    with pytest.raises(ValidationError, match="đã khóa sổ|is closed"):
        budget.full_clean()
    with pytest.raises(ValidationError, match="đã khóa sổ|is closed"):
        Pledge(unit=Unit.objects.get(code="024"), measure=Measure.objects.get(campaign=programme, code="3"), target=1).full_clean()
