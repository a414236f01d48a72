"""The programme's structure in the Django admin: what an administrator may change, and the clear
message (never a server error, never a half-saved change) when a change would break the programme."""

import datetime
import re
import unicodedata

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from targets.models import Campaign, Figure, Measure, MeasureAssignment, Submission, Unit
from tests.formdata import form_data


@pytest.fixture
def boss(admin_user):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    return client


def errors(response) -> str:
    return " | ".join(re.sub(r"<[^>]+>", " ", m).strip()
                      for m in re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S))


def _edit(client, url: str, form_id: str, change) -> tuple:
    """The admin form at `url` as the page shows it, changed by `change(data)`, and posted."""
    data = form_data(client.get(url).content.decode(), form_id)
    change(data)
    data["_save"] = "Lưu"
    return client.post(url, data), data


def _roles(data) -> dict[str, int]:
    """The assignment rows of a measure's form: unit id → row number."""
    return {data[f"assignments-{i}-unit"]: i for i in range(int(data["assignments-TOTAL_FORMS"]))}


def _leads(measure) -> set[str]:
    return set(MeasureAssignment.objects.filter(measure=measure, role="lead").values_list("unit__code", flat=True))


def test_the_lead_unit_moves_to_another_unit_in_one_save(boss, programme):
    budget = Measure.objects.get(campaign=programme, code="3")
    city = Unit.objects.get(code="024")
    assert _leads(budget) == {"STC"}

    def move(data):
        for unit, i in _roles(data).items():
            data[f"assignments-{i}-role"] = "lead" if unit == str(city.pk) else "breakdown"

    response, _data = _edit(boss, reverse("admin:targets_measure_change", args=[budget.pk]), "measure_form", move)
    assert response.status_code == 302, errors(response)
    assert _leads(budget) == {"024"}


def test_two_lead_units_are_refused_with_a_message_and_nothing_saved(boss, programme):
    budget = Measure.objects.get(campaign=programme, code="3")
    city = Unit.objects.get(code="024")

    def second_lead(data):
        data[f"assignments-{_roles(data)[str(city.pk)]}-role"] = "lead"

    response, _data = _edit(boss, reverse("admin:targets_measure_change", args=[budget.pk]), "measure_form", second_lead)
    assert response.status_code == 200
    assert "Mỗi chỉ tiêu chỉ có một đơn vị chủ trì (cho số liệu của tỉnh); đang chọn 2: 024, STC." in errors(response)
    assert _leads(budget) == {"STC"}


def test_a_new_measure_with_two_lead_units_is_refused_not_a_server_error(boss, programme):
    indicator = programme.indicators.get(number=5)
    stc, city = Unit.objects.get(code="STC"), Unit.objects.get(code="024")

    def new_measure(data):
        data.update({"campaign": str(programme.pk), "indicator": str(indicator.pk), "code": "5b", "order": "60", "name": "Xuất khẩu",
                     "unit": "triệu USD", "value_kind": "amount", "target": "100", "comparison": "gte", "aggregation": "flow",
                     "decimal_places": "1", "display_divisor": "1", "frequency": "quarterly", "assignments-TOTAL_FORMS": "2",
                     "assignments-0-unit": str(stc.pk), "assignments-0-role": "lead",
                     "assignments-1-unit": str(city.pk), "assignments-1-role": "lead"})

    response, _data = _edit(boss, reverse("admin:targets_measure_add"), "measure_form", new_measure)
    assert response.status_code == 200
    assert "đang chọn 2: STC, 024." in errors(response)
    assert not Measure.objects.filter(campaign=programme, code="5b").exists()


def test_a_second_lead_added_on_the_assignments_own_page_is_said_in_vietnamese(boss, programme):
    budget = Measure.objects.get(campaign=programme, code="3")
    response = boss.post(reverse("admin:targets_measureassignment_add"),
                         {"measure": budget.pk, "unit": Unit.objects.get(code="024").pk, "role": "lead", "_save": "Lưu"})
    assert response.status_code == 200
    assert "Mỗi chỉ tiêu chỉ có một đơn vị chủ trì" in errors(response)
    assert _leads(budget) == {"STC"}


def test_measures_are_added_on_their_own_page_not_in_the_indicators_table(boss, programme):
    # The indicator's table of measures lacks most of a measure's settings: it lists and links them.
    indicator = programme.indicators.get(number=5)
    url = reverse("admin:targets_indicator_change", args=[indicator.pk])
    page = boss.get(url).content.decode()
    assert "measures-__prefix__" not in page and reverse("admin:targets_measure_add") in page
    response, _data = _edit(boss, url, "indicator_form", lambda data: data.update({"name": indicator.name + " (sửa)"}))
    assert response.status_code == 302, errors(response)


def test_the_programme_year_is_kept_once_reports_exist(boss, demo):
    url = reverse("admin:targets_campaign_change", args=[demo.pk])
    response, _data = _edit(boss, url, "campaign_form", lambda data: data.update({"year": "2025", "plan_end": "2025"}))
    assert Campaign.objects.get(pk=demo.pk).year == 2024
    assert Figure.objects.filter(submission__campaign__year=2024).exists()
    # The form shows the year as text, not a box to type in.
    assert 'name="year"' not in boss.get(url).content.decode()


def test_a_plan_that_leaves_out_a_year_kept_read_only_is_said_not_a_server_error(boss, demo):
    url = reverse("admin:targets_campaign_change", args=[demo.pk])
    response, _data = _edit(boss, url, "campaign_form", lambda data: data.update({"plan_start": "2026", "plan_end": "2030"}))
    assert response.status_code == 200
    assert "Năm của chương trình phải nằm trong kế hoạch 5 năm" in errors(response)
    assert "Vui lòng sửa các lỗi dưới đây." in response.content.decode() and "Please correct" not in response.content.decode()
    assert (Campaign.objects.get(pk=demo.pk).plan_start, Campaign.objects.get(pk=demo.pk).plan_end) == (demo.plan_start, demo.plan_end)


def test_a_measure_code_taken_in_the_programme_is_said_in_the_indicators_table(boss, programme):
    accidents = programme.indicators.get(number=14)
    url = reverse("admin:targets_indicator_change", args=[accidents.pk])

    def duplicate(data):
        row = next(i for i in range(int(data["measures-TOTAL_FORMS"])) if data[f"measures-{i}-code"] == "14b")
        data[f"measures-{row}-code"] = "14a"

    response, _data = _edit(boss, url, "indicator_form", duplicate)
    assert response.status_code == 200, errors(response)
    assert "Chương trình đã có chỉ số với mã này" in errors(response)
    assert Measure.objects.filter(campaign=programme, code="14b").exists()


@pytest.mark.parametrize("first, second", [("14B", "14b"), ("14X", "14x")])
def test_a_measure_code_in_other_letter_case_is_the_same_code(boss, programme, first, second):
    """"14A" beside "14a" would be two measures a workbook, the API and the report tell apart by case."""
    accidents = programme.indicators.get(number=14)
    url = reverse("admin:targets_indicator_change", args=[accidents.pk])

    def in_other_case(data):
        rows = [i for i in range(int(data["measures-TOTAL_FORMS"])) if data[f"measures-{i}-code"] in ("14b", "14c")]
        data[f"measures-{rows[0]}-code"], data[f"measures-{rows[1]}-code"] = first, second

    response, _data = _edit(boss, url, "indicator_form", in_other_case)
    assert response.status_code == 200, errors(response)  # said, not a server error
    assert (f"Hai chỉ số trong bảng cùng có mã {first}" in errors(response)) or ("Chương trình đã có chỉ số với mã này" in errors(response))
    assert set(Measure.objects.filter(campaign=programme, indicator=accidents).values_list("code", flat=True)) == {"14a", "14b", "14c"}

    def taken_in_other_case(data):
        row = next(i for i in range(int(data["measures-TOTAL_FORMS"])) if data[f"measures-{i}-code"] == "14b")
        data[f"measures-{row}-code"] = "14A"

    response, _data = _edit(boss, url, "indicator_form", taken_in_other_case)
    assert "Chương trình đã có chỉ số với mã này" in errors(response)
    assert Measure.objects.filter(campaign=programme, code="14b").exists()


def test_a_unit_cannot_be_its_own_parent(boss, programme):
    city = Unit.objects.get(code="024")
    url = reverse("admin:targets_unit_change", args=[city.pk])
    response, _data = _edit(boss, url, "unit_form", lambda data: data.update({"parent": str(city.pk)}))
    assert response.status_code == 200
    assert "Một đơn vị không thể là đơn vị cấp trên của chính mình, trực tiếp hay qua đơn vị khác." in errors(response)
    assert Unit.objects.get(pk=city.pk).parent is None


def test_every_rule_the_database_keeps_is_said_in_words_not_by_its_name():
    from django.apps import apps
    from django.db.models import CheckConstraint, UniqueConstraint

    # A rule Django says itself ("… with this Programme and Number already exists.") needs none;
    # a check, or a uniqueness under a condition, would otherwise read "Constraint “…” is violated."
    unsaid = [f"{model.__name__}.{c.name}" for model in apps.get_app_config("targets").get_models() for c in model._meta.constraints
              if (isinstance(c, CheckConstraint) or (isinstance(c, UniqueConstraint) and c.condition is not None))
              and c.violation_error_message == c.default_violation_error_message]
    assert not unsaid


@pytest.mark.parametrize("model, pk_of, changes, message", [
    ("campaign", lambda p: p.pk, {"plan_end": "2023"}, "Năm của chương trình phải nằm trong kế hoạch 5 năm (từ năm đầu đến năm cuối)."),
    ("theme", lambda p: p.themes.get(number=2).pk, {"number": "0"}, "Số thứ tự của nội dung thi đua từ 1 trở lên."),
    ("indicator", lambda p: p.indicators.get(number=5).pk, {"number": "0"}, "Số thứ tự của chỉ tiêu từ 1 trở lên."),
])
def test_a_rule_broken_in_the_admin_is_said_in_vietnamese(boss, programme, model, pk_of, changes, message):
    url = reverse(f"admin:targets_{model}_change", args=[pk_of(programme)])
    response, _data = _edit(boss, url, f"{model}_form", lambda data: data.update(changes))
    assert response.status_code == 200
    assert message in errors(response) and "Constraint" not in errors(response)


def test_a_second_deadline_for_the_same_quarter_is_said_in_vietnamese(boss, programme):
    add = reverse("admin:targets_deadline_add")
    assert boss.post(add, {"campaign": programme.pk, "quarter": 1, "due_on": "20/04/2024"}).status_code == 302
    response = boss.post(add, {"campaign": programme.pk, "quarter": 1, "due_on": "25/04/2024"})
    assert "Quý này đã có hạn báo cáo chung của chương trình; hãy sửa hạn đó." in errors(response)


def test_a_units_deadline_extends_the_programmes_and_is_for_a_unit_that_reports(boss, programme):
    add = reverse("admin:targets_deadline_add")
    city, customs = Unit.objects.get(code="024"), Unit.objects.get(code="CHQ")  # customs reports nothing in the programme
    assert boss.post(add, {"campaign": programme.pk, "quarter": 2, "due_on": "20/07/2024"}).status_code == 302
    earlier = boss.post(add, {"campaign": programme.pk, "quarter": 2, "unit": city.pk, "due_on": "01/07/2024"})
    assert "Hạn riêng của đơn vị là gia hạn so với hạn chung của chương trình (20/07/2024); không thể sớm hơn." in errors(earlier)
    nothing = boss.post(add, {"campaign": programme.pk, "quarter": 2, "unit": customs.pk, "due_on": "31/07/2024"})
    assert "không báo cáo gì trong chương trình này" in errors(nothing)
    assert boss.post(add, {"campaign": programme.pk, "quarter": 2, "unit": city.pk, "due_on": "31/07/2024"}).status_code == 302
    assert programme.deadline(2, city).isoformat() == "2024-07-31"


def test_a_deadline_moved_earlier_says_which_reports_already_sent_became_late(boss, demo):
    from targets.models import Deadline

    # The demo's third-quarter reports were sent on 12/10/2024, three days before the default 15/10.
    add = reverse("admin:targets_deadline_add")
    response = boss.post(add, {"campaign": demo.pk, "quarter": 3, "due_on": "10/10/2024"}, follow=True)
    page = response.content.decode()
    assert "Các báo cáo đã gửi trở thành trễ hạn theo hạn mới này: 024, 026," in page
    # Units that sent nothing (033 and 035, the demo's late ones; 029 with a draft) are not among them.
    named = page.split("theo hạn mới này: ", 1)[1].split(".", 1)[0].split(", ")
    assert not {"033", "035", "029"} & set(named)
    # Moved later again: nothing turns late, nothing is said.
    deadline = Deadline.objects.get(campaign=demo, quarter=3, unit=None)
    url = reverse("admin:targets_deadline_change", args=[deadline.pk])
    response, _data = _edit(boss, url, "deadline_form", lambda data: data.update(due_on="20/10/2024"))
    assert "trở thành trễ hạn" not in boss.get(response["Location"]).content.decode()
    # A unit's extension taken away: its report sent within the extension becomes late, and that is said too.
    city = Unit.objects.get(code="024")
    extension = Deadline.objects.create(campaign=demo, quarter=2, unit=city, due_on=datetime.date(2024, 8, 31))
    sent = timezone.make_aware(datetime.datetime(2024, 8, 20, 9))  # within the extension, after the programme's 15/07
    Submission.objects.filter(unit=city, quarter=2).update(submitted_at=sent, first_submitted_at=sent)
    deleted = boss.post(reverse("admin:targets_deadline_delete", args=[extension.pk]), {"post": "yes"}, follow=True).content.decode()
    assert "Các báo cáo đã gửi trở thành trễ hạn theo hạn mới này: 024." in deleted


def test_deactivating_a_unit_that_reported_says_what_it_does_to_the_years_ranking(boss, demo):
    finance = Unit.objects.get(code="STC")
    url = reverse("admin:targets_unit_change", args=[finance.pk])
    response, _data = _edit(boss, url, "unit_form", lambda data: data.pop("is_active"))
    assert response.status_code == 302
    page = boss.get(response["Location"]).content.decode()
    assert ("Sở Tài chính tỉnh Hà Giang không còn hoạt động: đơn vị không còn trong bảng xếp hạng năm 2024 của khối. "
            "Để vẫn xếp hạng đơn vị cho năm đó, hãy ghi khối thi đua của đơn vị cho năm ấy (Quản trị → Thành viên khối thi đua).") in page


def test_moving_a_unit_that_reported_to_another_bloc_says_the_open_years_ranking_moves_too(boss, demo):
    from targets.models import EmulationBloc

    district = Unit.objects.get(code="027")
    url = reverse("admin:targets_unit_change", args=[district.pk])
    other = EmulationBloc.objects.exclude(pk=district.bloc_id).first()
    response, _data = _edit(boss, url, "unit_form", lambda data: data.update({"bloc": str(other.pk)}))
    assert response.status_code == 302, errors(response)
    page = boss.get(response["Location"]).content.decode()
    assert "Huyện Mèo Vạc cũng chuyển sang khối mới trong bảng xếp hạng chưa khóa sổ của năm 2024." in page



def test_a_pledges_measure_names_its_year_and_its_figure_reads_as_typed(boss, programme):
    import datetime
    from decimal import Decimal

    from targets.models import Pledge

    Pledge.objects.create(unit=Unit.objects.get(code="024"), measure=Measure.objects.get(campaign=programme, code="3"),
                          target=Decimal("1234.5"), signed_on=datetime.date(2024, 1, 15))
    listing = boss.get(reverse("admin:targets_pledge_changelist")).content.decode()
    assert "1.234,5" in listing and "1234,500000" not in listing
    assert ">2024 · 3. Thu ngân sách nhà nước trên địa bàn</option>" in boss.get(reverse("admin:targets_pledge_add")).content.decode()



def test_a_unit_with_figures_of_a_measure_stays_among_its_reporting_units(boss, programme, admin_user):
    from decimal import Decimal

    from targets import workflow

    budget, city = Measure.objects.get(campaign=programme, code="3"), Unit.objects.get(code="024")
    workflow.save_figures(user=admin_user, campaign=programme, unit=city, quarter=3, entries=[workflow.Entry(measure=budget, value=Decimal("50.5"))])

    def remove_city(data):
        data[f"assignments-{_roles(data)[str(city.pk)]}-DELETE"] = "on"

    response, _data = _edit(boss, reverse("admin:targets_measure_change", args=[budget.pk]), "measure_form", remove_city)
    assert response.status_code == 200
    assert "Thành phố Hà Giang có số liệu quý III của chỉ tiêu 3: đơn vị vẫn ở trong danh sách đơn vị báo cáo" in errors(response)
    assignment = MeasureAssignment.objects.get(measure=budget, unit=city)
    # Nor from its own page.
    assert boss.post(reverse("admin:targets_measureassignment_delete", args=[assignment.pk]), {"post": "yes"}).status_code == 403
    assert MeasureAssignment.objects.filter(pk=assignment.pk).exists()
    # A unit with nothing entered is removed as before.
    def remove_other(data):
        other = next(unit for unit in _roles(data) if unit not in (str(city.pk), str(Unit.objects.get(code="STC").pk)))
        data[f"assignments-{_roles(data)[other]}-DELETE"] = "on"

    response, _data = _edit(boss, reverse("admin:targets_measure_change", args=[budget.pk]), "measure_form", remove_other)
    assert response.status_code == 302, errors(response)


@pytest.mark.parametrize("code, message", [
    ("03/6", "Chỉ dùng chữ không dấu, chữ số, “.”, “-” hoặc “_”"),  # a "/" made the ranking page a server error
    ("a b", "Chỉ dùng chữ không dấu, chữ số"),
    ("stc", "Đã có đơn vị khác dùng mã này (khác chữ hoa, chữ thường)."),
])
def test_a_unit_code_the_site_cannot_link_to_or_another_units_in_other_case_is_refused(boss, programme, code, message):
    from targets.models import Unit

    before = Unit.objects.count()
    url = reverse("admin:targets_unit_add")
    page, _data = _edit(boss, url, "unit_form", lambda data: data.update(code=code, name="Huyện thử", kind="locality"))
    assert page.status_code == 200 and message in errors(page)
    assert Unit.objects.count() == before


def test_an_indicator_or_measure_is_not_put_under_another_years_theme_or_indicator(boss, programme):
    from targets.models import Indicator
    from targets.services import copy_campaign

    next_year = copy_campaign(source_year=2024, target_year=2025)
    last_years_theme = programme.themes.get(number=2)
    page = boss.get(reverse("admin:targets_indicator_add")).content.decode()
    assert f'<option value="{last_years_theme.pk}">2024 · ' in page  # the choices say their year

    def indicator_under_last_years_theme(data):
        data.update({"campaign": str(next_year.pk), "theme": str(last_years_theme.pk), "number": "21", "name": "Chỉ tiêu mới"})

    response, _data = _edit(boss, reverse("admin:targets_indicator_add"), "indicator_form", indicator_under_last_years_theme)
    assert "Nội dung thi đua này thuộc chương trình của năm khác" in errors(response)
    assert not Indicator.objects.filter(number=21).exists()

    def measure_under_next_years_indicator(data):
        data.update({"campaign": str(programme.pk), "indicator": str(next_year.indicators.get(number=5).pk), "code": "5b", "order": "60",
                     "name": "Xuất khẩu", "unit": "triệu USD", "value_kind": "amount", "target": "100", "comparison": "gte",
                     "aggregation": "flow", "decimal_places": "1", "display_divisor": "1", "frequency": "quarterly"})

    response, _data = _edit(boss, reverse("admin:targets_measure_add"), "measure_form", measure_under_next_years_indicator)
    assert "Chỉ tiêu này thuộc chương trình của năm khác" in errors(response)
    assert not Measure.objects.filter(code="5b").exists()


def test_how_a_measure_with_approved_figures_is_judged_stays_as_it_was(boss, demo):
    schools = Measure.objects.get(campaign=demo, code="10")  # a percentage, the latest figure counts
    assert Figure.objects.filter(measure=schools, submission__state="approved").exists()
    url = reverse("admin:targets_measure_change", args=[schools.pk])
    page, _data = _edit(boss, url, "measure_form", lambda data: data.update(aggregation="flow"))
    assert page.status_code == 200
    assert "Chỉ số đã có số liệu được duyệt: cách cộng dồn và đánh giá giữ như cũ." in errors(page)
    assert "Tỷ lệ phần trăm không cộng dồn qua các quý" in errors(page)
    page, _data = _edit(boss, url, "measure_form", lambda data: data.update(comparison="lte"))
    assert "Chỉ số đã có số liệu được duyệt" in errors(page)
    schools.refresh_from_db()
    assert (schools.aggregation, schools.comparison) == ("level", "gte")


def test_a_measure_is_assessed_in_words_or_in_numbers_all_through(boss, programme):
    defence = Measure.objects.get(campaign=programme, code="15")  # assessed in words
    url = reverse("admin:targets_measure_change", args=[defence.pk])
    page, _data = _edit(boss, url, "measure_form", lambda data: data.update(target="5"))
    assert "Chỉ số đánh giá bằng lời không có kế hoạch bằng số: hãy để trống." in errors(page)
    page, _data = _edit(boss, url, "measure_form", lambda data: data.update(value_kind="count"))
    assert "Chỉ số đánh giá bằng lời có loại giá trị “đánh giá bằng lời”" in errors(page)
    defence.refresh_from_db()
    assert (defence.target, defence.value_kind) == (None, "text")


def test_a_target_changed_under_an_official_wording_that_quotes_the_old_one_is_pointed_out(boss, programme):
    budget = Measure.objects.get(campaign=programme, code="3")
    url = reverse("admin:targets_measure_change", args=[budget.pk])

    def new_target(data):
        data["target"] = "2750"

    response, _data = _edit(boss, url, "measure_form", new_target)
    assert response.status_code == 302, errors(response)
    page = boss.get(response["Location"]).content.decode()
    assert "Nguyên văn của chỉ tiêu 3 vẫn ghi 2.460, là kế hoạch trước khi sửa" in page
    # A change the wording does not quote (it names no figure) is saved without a word.
    budget.indicator.official_text = "(3) Thu ngân sách nhà nước trên địa bàn"
    budget.indicator.save()
    response, _data = _edit(boss, url, "measure_form", lambda data: data.update(target="2800"))
    assert "vẫn ghi" not in boss.get(response["Location"]).content.decode()


def test_the_upgrade_names_measure_codes_that_differ_only_in_case_rather_than_failing_half_way(programme):
    """Before migration 0030 the admin took "14A" beside "14a"; the upgrade says which to rename."""
    import importlib

    from django.apps import apps
    from django.db import connection

    step = importlib.import_module("targets.migrations.0030_measure_code_any_case")
    step.refuse_codes_in_two_cases(apps, None)  # nothing to say of the programme as shipped
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX measure_code_any_case")  # as the database was before (rolled back with the test)
    Measure.objects.filter(campaign=programme, code="14b").update(code="14A")
    with pytest.raises(RuntimeError, match=r"Measure codes differing only in letter case: 2024: 14A, 14a\. Rename one"):
        step.refuse_codes_in_two_cases(apps, None)


def test_a_unit_that_reported_in_a_year_cannot_be_said_to_take_part_only_from_a_later_one(boss, demo):
    """Else it would drop out of that year's open ranking unnoticed."""
    from targets.models import Unit

    quan_ba = Unit.objects.get(code="029")
    url = reverse("admin:targets_unit_change", args=[quan_ba.pk])
    response, _data = _edit(boss, url, "unit_form", lambda data: data.update(since_year="2025"))
    assert response.status_code == 200
    # Said with what else it has in 2024 (one rule: test_a_unit_given_work_in_a_year_cannot_be_said_…).
    said = errors(response)
    assert said.startswith("Đơn vị đã có báo cáo năm 2024; chỉ số 3, 4, ") and "; nhiệm vụ 2.7 của năm 2024" in said
    assert said.endswith(": đơn vị tham gia chương trình muộn nhất từ năm 2024.")
    assert Unit.objects.get(pk=quan_ba.pk).since_year is None


def test_a_target_changed_in_the_indicators_table_of_measures_is_pointed_out_too(boss, programme):
    tourists = programme.indicators.get(number=4)  # "(4) Thu hút 3,2 triệu lượt khách du lịch"
    url = reverse("admin:targets_indicator_change", args=[tourists.pk])

    def new_target(data):
        row = next(i for i in range(int(data["measures-TOTAL_FORMS"])) if data[f"measures-{i}-code"] == "4")
        data[f"measures-{row}-target"] = "3500000"

    response, _data = _edit(boss, url, "indicator_form", new_target)
    assert response.status_code == 302, errors(response)
    assert "Nguyên văn của chỉ tiêu 4 vẫn ghi 3.200.000, là kế hoạch trước khi sửa" in boss.get(response["Location"]).content.decode()


def test_a_task_under_theme_one_from_the_themes_own_table_is_refused_with_the_reason_shown(boss, programme):
    from targets.models import Task

    theme = programme.themes.get(number=1)
    url = reverse("admin:targets_theme_change", args=[theme.pk])

    def add_a_task(data):
        row = int(data["tasks-TOTAL_FORMS"])
        data.update({"tasks-TOTAL_FORMS": str(row + 1), f"tasks-{row}-number": "1", f"tasks-{row}-title": "Nhiệm vụ ở nội dung Một là",
                     f"tasks-{row}-is_active": "on", f"tasks-{row}-theme": str(theme.pk)})

    response, _data = _edit(boss, url, "theme_form", add_a_task)
    assert response.status_code == 200
    assert "Nhiệm vụ thuộc các nội dung II đến VI; nội dung I được báo cáo bằng số liệu các chỉ tiêu." in response.content.decode()
    assert not Task.objects.filter(theme=theme).exists()


def test_an_issue_date_after_the_programmes_year_is_refused_as_a_typing_error(boss, programme):
    url = reverse("admin:targets_campaign_change", args=[programme.pk])
    response, _data = _edit(boss, url, "campaign_form", lambda data: data.update({"issued_on": "01/01/2030"}))
    assert response.status_code == 200
    assert "Chương trình năm 2024 được ban hành trong năm 2023 hoặc năm 2024." in errors(response)
    assert Campaign.objects.get(pk=programme.pk).issued_on.year == 2023
    response, _data = _edit(boss, url, "campaign_form", lambda data: data.update({"issued_on": "15/01/2024"}))
    assert response.status_code == 302, errors(response)


def test_a_unit_taking_part_from_a_later_year_is_given_no_measure_or_task_of_an_earlier_one(boss, programme):
    """Probe A F1: else it is chased as late for every past quarter of a year its ranking leaves it out of."""
    from targets.models import Task

    new = Unit.objects.create(code="036", name="Huyện Thử Nghiệm", kind="locality", since_year=2025)
    budget = Measure.objects.get(campaign=programme, code="3")
    said = ("036 – Huyện Thử Nghiệm tham gia chương trình từ năm 2025 nên không báo cáo gì cho năm 2024. Hãy chọn đơn vị "
            "khác, hoặc sửa năm tham gia chương trình của đơn vị (Quản trị → Đơn vị).")
    response = boss.post(reverse("admin:targets_measureassignment_add"),
                         {"measure": budget.pk, "unit": new.pk, "role": "breakdown", "_save": "Lưu"})
    assert response.status_code == 200 and said in errors(response)
    # On the measure's own page, in its table of reporting units.
    def add_new(data):
        row = int(data["assignments-TOTAL_FORMS"])
        data.update({"assignments-TOTAL_FORMS": str(row + 1), f"assignments-{row}-unit": str(new.pk),
                     f"assignments-{row}-role": "breakdown", f"assignments-{row}-measure": str(budget.pk)})

    response, _data = _edit(boss, reverse("admin:targets_measure_change", args=[budget.pk]), "measure_form", add_new)
    assert response.status_code == 200 and said in errors(response)
    assert not MeasureAssignment.objects.filter(unit=new).exists()
    # A task's responsible units likewise.
    task = Task.objects.filter(theme__campaign=programme, theme__number=2).first()
    response, _data = _edit(boss, reverse("admin:targets_task_change", args=[task.pk]), "task_form",
                            lambda data: data.update(responsible_units=[*data.get("responsible_units", []), str(new.pk)]))
    assert response.status_code == 200 and said in errors(response)
    assert not task.responsible_units.filter(pk=new.pk).exists()
    # From its year on, it is given them as any unit.
    new.since_year = 2024
    new.save()
    response = boss.post(reverse("admin:targets_measureassignment_add"),
                         {"measure": budget.pk, "unit": new.pk, "role": "breakdown", "_save": "Lưu"})
    assert response.status_code == 302, errors(response)


def test_a_second_active_unit_with_the_same_name_is_refused(boss, programme):
    """Probe A F2: every drop-down names units by name alone."""
    meo_vac = Unit.objects.get(code="027")
    add = reverse("admin:targets_unit_add")
    page, _data = _edit(boss, add, "unit_form", lambda data: data.update(code="036", name="  huyện  MÈO vạc ", kind="locality"))
    assert page.status_code == 200
    assert (f"Đã có đơn vị khác đang hoạt động mang tên này: 027 – {meo_vac.name}. Hãy đặt tên khác để phân biệt hai đơn vị: "
            "các danh sách chọn đơn vị chỉ ghi tên đơn vị.") in errors(page)
    assert not Unit.objects.filter(code="036").exists()
    # The name of a unit no longer active may be taken again (a district re-established under its old name).
    Unit.objects.filter(pk=meo_vac.pk).update(is_active=False)
    page, _data = _edit(boss, add, "unit_form", lambda data: data.update(code="036", name=meo_vac.name, kind="locality"))
    assert page.status_code == 302, errors(page)


def test_a_unit_code_taken_exactly_is_said_once_and_rightly(boss, programme):
    """Probe A F3: not also "in other letter case" when the case is the same."""
    finance = Unit.objects.get(code="STC")
    page, _data = _edit(boss, reverse("admin:targets_unit_add"), "unit_form",
                        lambda data: data.update(code="STC", name="Sở thử", kind="agency"))
    assert page.status_code == 200
    assert errors(page) == f"Đã có đơn vị khác dùng mã này: STC – {finance.name}."


def test_deactivating_a_unit_names_what_it_still_reports_in_a_later_open_year(boss, demo):
    """Probe A F4: in the copy's words (services.after_copy)."""
    from targets.services import copy_campaign

    copy_campaign(source_year=2024, target_year=2025)
    district = Unit.objects.get(code="031")
    measures = sorted(MeasureAssignment.objects.filter(unit=district, measure__campaign__year=2025)
                      .values_list("measure__code", flat=True))
    assert measures
    url = reverse("admin:targets_unit_change", args=[district.pk])
    response, _data = _edit(boss, url, "unit_form", lambda data: data.pop("is_active"))
    assert response.status_code == 302, errors(response)
    page = re.sub(r"\s+", " ", boss.get(response["Location"]).content.decode())
    assert f"Các đơn vị đã ngừng hoạt động vẫn được giao báo cáo năm 2025: 031 – {district.name} (chỉ số " in page
    assert "Hãy giao chỉ số, nhiệm vụ và chỉ tiêu của các đơn vị này cho đơn vị khác trong trang quản trị" in page
    named = page.split("vẫn được giao báo cáo năm 2025: ", 1)[1].split(")", 1)[0]
    assert all(code in named for code in measures)


def _given_2024_work(programme):
    """A unit taking part from 2024, given a 2024 measure and task and the lead of a 2024 indicator."""
    from targets.models import Task

    new = Unit.objects.create(code="036", name="Huyện Thử Nghiệm", kind="locality", since_year=2024)
    budget = Measure.objects.get(campaign=programme, code="3")
    MeasureAssignment.objects.create(measure=budget, unit=new, role="breakdown")
    task = Task.objects.filter(theme__campaign=programme, theme__number=2, is_active=True).order_by("number").first()
    task.responsible_units.add(new)
    indicator = programme.indicators.get(number=4)
    indicator.lead_unit = new
    indicator.save()
    return new, budget, task, indicator


def test_a_unit_given_work_in_a_year_cannot_be_said_to_take_part_only_from_a_later_one(boss, programme):
    """Probe H finding 1: since_year 2025 was saved from the unit's page with no word, and the measure's
    and the task's pages then refused every save."""
    new, budget, task, indicator = _given_2024_work(programme)
    url = reverse("admin:targets_unit_change", args=[new.pk])
    response, _data = _edit(boss, url, "unit_form", lambda data: data.update(since_year="2025"))
    assert response.status_code == 200
    assert errors(response) == (f"Đơn vị đã có chỉ số 3 của năm 2024; nhiệm vụ {task.code} của năm 2024; vai trò chủ trì chỉ tiêu 4 "
                                "của năm 2024: đơn vị tham gia chương trình muộn nhất từ năm 2024.")
    assert Unit.objects.get(pk=new.pk).since_year == 2024


def test_a_unit_given_a_measure_before_its_year_does_not_lock_the_measures_and_tasks_pages(boss, programme):
    """Probe H finding 1: a row stored before (here set in the database, as the unit page allowed it)
    is not refused when its page is saved unchanged, or for another change; a unit given the measure
    or the task on the page still is."""
    new, budget, task, indicator = _given_2024_work(programme)
    Unit.objects.filter(pk=new.pk).update(since_year=2025)
    for url, form in ((reverse("admin:targets_measure_change", args=[budget.pk]), "measure_form"),
                      (reverse("admin:targets_task_change", args=[task.pk]), "task_form"),
                      (reverse("admin:targets_indicator_change", args=[indicator.pk]), "indicator_form")):
        response, _data = _edit(boss, url, form, lambda data: data.update(name_en="Changed", title_en="Changed"))
        assert response.status_code == 302, (url, errors(response))
    assert Measure.objects.get(pk=budget.pk).name_en == "Changed"
    other = Unit.objects.create(code="037", name="Huyện Thử Nghiệm Hai", kind="locality", since_year=2025)
    response, _data = _edit(boss, reverse("admin:targets_task_change", args=[task.pk]), "task_form",
                            lambda data: data.update(responsible_units=[*data["responsible_units"], str(other.pk)]))
    assert response.status_code == 200
    assert errors(response) == ("037 – Huyện Thử Nghiệm Hai tham gia chương trình từ năm 2025 nên không báo cáo gì cho năm 2024. "
                                "Hãy chọn đơn vị khác, hoặc sửa năm tham gia chương trình của đơn vị (Quản trị → Đơn vị).")


def test_an_indicators_lead_unit_takes_part_in_its_year(boss, programme):
    """Probe H finding 8."""
    later = Unit.objects.create(code="036", name="Huyện Thử Nghiệm", kind="locality", since_year=2025)
    indicator = programme.indicators.get(number=4)
    url = reverse("admin:targets_indicator_change", args=[indicator.pk])
    response, _data = _edit(boss, url, "indicator_form", lambda data: data.update(lead_unit=str(later.pk)))
    assert response.status_code == 200
    assert errors(response) == ("036 – Huyện Thử Nghiệm tham gia chương trình từ năm 2025 nên không báo cáo gì cho năm 2024. "
                                "Hãy chọn đơn vị khác, hoặc sửa năm tham gia chương trình của đơn vị (Quản trị → Đơn vị).")
    indicator.refresh_from_db()
    assert indicator.lead_unit_id != later.pk
    Unit.objects.filter(pk=later.pk).update(since_year=2024)
    response, _data = _edit(boss, url, "indicator_form", lambda data: data.update(lead_unit=str(later.pk)))
    assert response.status_code == 302, errors(response)


@pytest.mark.parametrize("typed", [
    unicodedata.normalize("NFD", "Huyện Mèo Vạc"),  # Unikey's "Unicode tổ hợp"
    "Huyện Mèo\u200bVạc", "Huyện Mèo \u200bVạc", "\ufeffHuyện Mèo\u00a0Vạc", "Huyện MèoVạc",
])
def test_the_same_unit_name_in_another_unicode_form_or_with_invisible_marks_is_refused(boss, programme, typed):
    """Probe H finding 3: two identical-looking "Huyện Mèo Vạc" could be active together."""
    meo_vac = Unit.objects.get(code="027")
    page, _data = _edit(boss, reverse("admin:targets_unit_add"), "unit_form", lambda data: data.update(code="036", name=typed,
                                                                                                         kind="locality"))
    assert page.status_code == 200
    assert f"Đã có đơn vị khác đang hoạt động mang tên này: 027 – {meo_vac.name}." in errors(page)
    assert not Unit.objects.filter(code="036").exists()


def test_a_unit_name_is_stored_composed_without_invisible_marks_or_extra_spaces(boss, programme):
    typed = unicodedata.normalize("NFD", " Huyện \u200bThử\u00a0\u00a0Nghiệm\ufeff ")
    page, _data = _edit(boss, reverse("admin:targets_unit_add"), "unit_form",
                        lambda data: data.update(code="036", name=typed, short_name=typed, kind="locality"))
    assert page.status_code == 302, errors(page)
    new = Unit.objects.get(code="036")
    assert new.name == new.short_name == unicodedata.normalize("NFC", "Huyện Thử Nghiệm")
