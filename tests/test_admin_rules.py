"""The programme's rules as the admin meets them: what a measure, a pledge or a deadline may say.

Each rule is the model's (Measure, Pledge, Deadline: rule_problems), so the admin refuses a save
with the rule's message beside the field, in Vietnamese, and nothing is saved.
"""

import datetime
import html
from decimal import Decimal

import pytest
from django.forms import modelform_factory
from django.urls import reverse

from targets.models import Deadline, Indicator, Measure, Pledge, Unit
from tests.test_admin import _measure_form
from tests.test_ranking import pledge


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def pledge_form(unit, measure, target, signed_on="15/01/2024"):
    return {"unit": unit.pk, "measure": measure.pk, "target": target, "signed_on": signed_on, "document": "GUTĐ 01/2024"}


# --- pledges on a measure assessed in words (F5, F1) ----------------------------------------------


def test_a_pledge_for_a_measure_assessed_in_words_is_refused(client, admin_user, programme):
    client.force_login(admin_user)
    defence = Measure.objects.get(campaign=programme, code="15")  # judged in words, reported by the military command
    # The admin does not offer it, and refuses it posted all the same.
    assert f'value="{defence.pk}"' not in client.get(reverse("admin:targets_pledge_add")).content.decode()
    response = client.post(reverse("admin:targets_pledge_add"), pledge_form(Unit.objects.get(code="BCHQS"), defence, "1"))
    assert response.status_code == 200
    assert not Pledge.objects.exists()
    # Any form built from the model says why: the rule is the model's.
    form = modelform_factory(Pledge, fields=["unit", "measure", "target", "signed_on"])(
        {"unit": Unit.objects.get(code="BCHQS").pk, "measure": defence.pk, "target": "1", "signed_on": "2024-01-15"})
    assert not form.is_valid()
    assert form.errors["measure"] == ["Chỉ số 15 được đánh giá định tính: không nhận chỉ tiêu giao ước bằng con số."]


def test_a_measure_with_pledges_is_not_switched_to_an_assessment_in_words(client, admin_user, programme):
    client.force_login(admin_user)
    budget = Measure.objects.get(campaign=programme, code="3")
    pledge(programme, "024", "3", "250")
    pledge(programme, "026", "3", "40")
    url = reverse("admin:targets_measure_change", args=[budget.pk])
    response = client.post(url, _measure_form(budget, comparison="qualitative"))
    assert response.status_code == 200
    assert ("Các đơn vị đã ký 2 giao ước thi đua cho chỉ số này. Chỉ số đánh giá định tính không nhận chỉ tiêu giao ước "
            "bằng con số: hãy xóa các giao ước đó trước.") in page_text(response)
    budget.refresh_from_db()
    assert budget.comparison == "gte"
    # Once the pledges are removed, it may be.
    Pledge.objects.filter(measure=budget).delete()
    assert client.post(url, _measure_form(budget, comparison="qualitative", value_kind="text", target="")).status_code == 302
    budget.refresh_from_db()
    assert budget.comparison == "qualitative"


def test_a_pledge_on_a_measure_assessed_in_words_left_from_before_is_left_out_of_the_ranking(client, admin_user, programme):
    # Rows written before the rule (or around it): the ranking and every page judging pledges
    # leave them out instead of answering with a server error.
    Pledge.objects.create(unit=Unit.objects.get(code="026"), measure=Measure.objects.get(campaign=programme, code="15"),
                          target=Decimal(1), signed_on=datetime.date(2024, 1, 15))
    pledge(programme, "026", "3", "40")
    pledge(programme, "024", "3", "250")
    Measure.objects.filter(campaign=programme, code="3").update(comparison="qualitative", value_kind="text", target=None)
    pledge(programme, "026", "2", "35")  # still judged
    client.force_login(admin_user)
    for url, query in [("ranking", {"year": 2024}), ("ranking-export", {"year": 2024}), ("api-ranking", {"year": 2024}),
                       ("proposals", {"year": 2024}), ("api-progress", {"year": 2024, "quarter": 4, "unit": "026"})]:
        assert client.get(reverse(url), query).status_code == 200, url
    for url in ("unit", "ranking-unit"):
        assert client.get(reverse(url, args=["026"]), {"year": 2024}).status_code == 200, url
    from targets import ranking

    scores = {u.code: u for b in ranking.build_ranking(programme).blocs for u in b.units}
    assert [m.code for m in scores["026"].pledges] == ["2"]


# --- the display unit of a measure shown divided (F3) ---------------------------------------------


def test_a_measure_shown_divided_keeps_its_display_unit(client, admin_user, programme):
    client.force_login(admin_user)
    arrivals = Measure.objects.get(campaign=programme, code="4")  # counted, shown in millions
    assert arrivals.display_divisor == 1_000_000
    url = reverse("admin:targets_measure_change", args=[arrivals.pk])
    response = client.post(url, _measure_form(arrivals, display_unit="", display_unit_en=""))
    assert response.status_code == 200
    text = page_text(response)
    assert ("Số liệu được hiển thị sau khi chia cho hệ số hiển thị: hãy ghi đơn vị hiển thị tương ứng "
            "(ví dụ “triệu lượt khách” với hệ số 1.000.000).") in text
    assert "Chỉ số có nhãn tiếng Anh: hãy ghi cả đơn vị hiển thị tiếng Anh (ví dụ “million arrivals”)." in text
    arrivals.refresh_from_db()
    assert (arrivals.display_unit, arrivals.display_unit_en) == ("triệu lượt khách", "million arrivals")
    # Shown undivided, it needs none; with no English labels, no English one.
    assert client.post(url, _measure_form(arrivals, display_divisor="1", display_unit="", display_unit_en="")).status_code == 302
    arrivals.display_divisor, arrivals.display_unit, arrivals.unit_en, arrivals.name_en = Decimal(1000), "nghìn lượt khách", "", ""
    arrivals.full_clean()


# --- a measure's own numbers and a pledge's obey the rule for its figures (F4) ---------------------


@pytest.mark.parametrize(("code", "field", "typed", "message"), [
    ("3", "target", "-2460", "Giá trị không được âm."),  # an amount
    ("7", "target", "600", "Tỷ lệ phần trăm phải từ 0 đến 100."),  # a percentage
    ("7", "previous_year", "101", "Tỷ lệ phần trăm phải từ 0 đến 100."),
    ("11", "same_period_q3", "12,5", "Số đếm phải là số nguyên không âm."),  # a count
    ("3", "same_period_q2", "-1", "Giá trị không được âm."),
])
def test_a_measures_target_and_last_years_values_obey_the_rule_for_its_figures(client, admin_user, programme, code, field,
                                                                                 typed, message):
    client.force_login(admin_user)
    measure = Measure.objects.get(campaign=programme, code=code)
    before = {name: getattr(measure, name) for name in Measure.NUMBERS}
    response = client.post(reverse("admin:targets_measure_change", args=[measure.pk]), _measure_form(measure, **{field: typed}))
    assert response.status_code == 200 and message in page_text(response)
    measure.refresh_from_db()
    assert {name: getattr(measure, name) for name in Measure.NUMBERS} == before


def test_a_growth_rate_may_be_negative(client, admin_user, programme):
    client.force_login(admin_user)
    growth = Measure.objects.get(campaign=programme, code="1")  # a rate
    url = reverse("admin:targets_measure_change", args=[growth.pk])
    assert client.post(url, _measure_form(growth, previous_year="-1,5", baseline_source="Cục Thống kê")).status_code == 302
    growth.refresh_from_db()
    assert growth.previous_year == Decimal("-1.5")


def test_a_pledged_figure_obeys_the_rule_for_the_measures_figures(client, admin_user, programme):
    client.force_login(admin_user)
    city = Unit.objects.get(code="024")
    budget, share = (Measure.objects.get(campaign=programme, code=c) for c in ("3", "10"))  # an amount and a percentage
    response = client.post(reverse("admin:targets_pledge_add"), pledge_form(city, budget, "-250"))
    assert response.status_code == 200 and "Giá trị không được âm." in page_text(response)
    response = client.post(reverse("admin:targets_pledge_add"), pledge_form(city, share, "600"))
    assert response.status_code == 200 and "Tỷ lệ phần trăm phải từ 0 đến 100." in page_text(response)
    assert not Pledge.objects.exists()
    assert client.post(reverse("admin:targets_pledge_add"), pledge_form(city, share, "60")).status_code == 302
    assert Pledge.objects.get().target == 60


# --- deadlines (F11) -----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["31/12/2023", "01/01/2024", "31/05/2024", "01/01/1900", "01/01/2027", "31/12/9999"])
def test_a_deadline_before_the_quarters_last_month_or_years_later_is_refused(client, admin_user, programme, typed):
    client.force_login(admin_user)
    response = client.post(reverse("admin:targets_deadline_add"), {"campaign": programme.pk, "quarter": 2, "due_on": typed})
    assert response.status_code == 200
    assert "Hạn báo cáo quý II năm 2024 phải từ 01/06/2024 (tháng cuối quý) đến 31/12/2026." in page_text(response)
    assert not Deadline.objects.exists()


@pytest.mark.parametrize(("quarter", "typed"), [(1, "01/03/2024"), (2, "20/06/2024"), (2, "15/07/2024"), (4, "15/01/2025"),
                                                (4, "31/12/2026")])
def test_a_deadline_in_the_quarters_last_month_or_after_is_kept(client, admin_user, programme, quarter, typed):
    client.force_login(admin_user)
    response = client.post(reverse("admin:targets_deadline_add"), {"campaign": programme.pk, "quarter": quarter, "due_on": typed})
    assert response.status_code == 302
    assert Deadline.objects.get(quarter=quarter).due_on == datetime.datetime.strptime(typed, "%d/%m/%Y").date()


# --- what the rules leave alone --------------------------------------------------------------------


def test_the_shipped_programme_and_the_demo_keep_every_rule(demo):
    for measure in Measure.objects.filter(campaign=demo):
        measure.full_clean()
    assert Pledge.objects.filter(measure__campaign=demo).exists()
    for promise in Pledge.objects.filter(measure__campaign=demo).select_related("measure"):
        promise.full_clean()


def test_a_rule_on_a_field_the_indicators_page_does_not_show_is_said_at_the_top_of_its_row(client, admin_user, programme):
    # The indicator's page edits its measures' code, name, unit and target only: a measure left
    # without a display unit from before is named, not a server error.
    Measure.objects.filter(campaign=programme, code="4").update(display_unit="")
    arrivals = Measure.objects.get(campaign=programme, code="4")
    indicator = Indicator.objects.get(pk=arrivals.indicator_id)
    client.force_login(admin_user)
    url = reverse("admin:targets_indicator_change", args=[indicator.pk])
    measures = list(indicator.measures.order_by("order", "code"))
    data = {"campaign": programme.pk, "theme": indicator.theme_id, "number": indicator.number, "name": indicator.name,
            "name_en": indicator.name_en, "official_text": indicator.official_text,
            "lead_unit": indicator.lead_unit_id or "",
            "measures-TOTAL_FORMS": len(measures), "measures-INITIAL_FORMS": len(measures)}
    for i, m in enumerate(measures):
        data.update({f"measures-{i}-id": m.pk, f"measures-{i}-indicator": indicator.pk, f"measures-{i}-code": m.code,
                     f"measures-{i}-name": m.name + (" (sửa)" if m.pk == arrivals.pk else ""), f"measures-{i}-unit": m.unit,
                     f"measures-{i}-target": _measure_form(m)["target"], f"measures-{i}-comparison": m.comparison,
                     f"measures-{i}-aggregation": m.aggregation})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Đơn vị hiển thị: Số liệu được hiển thị sau khi chia cho hệ số hiển thị" in page_text(response)
    arrivals.refresh_from_db()
    assert not arrivals.name.endswith("(sửa)")


def test_a_pledge_in_the_admin_keeps_the_pledge_workbooks_rules(client, admin_user, programme):
    client.force_login(admin_user)
    city, grdp, budget = Unit.objects.get(code="024"), Measure.objects.get(campaign=programme, code="1"), Measure.objects.get(campaign=programme, code="3")
    assert not grdp.assignments.filter(unit=city).exists()
    response = client.post(reverse("admin:targets_pledge_add"), pledge_form(city, grdp, "7"))
    assert response.status_code == 200 and "024 không báo cáo chỉ số 1: không có số liệu để giao ước." in page_text(response)
    response = client.post(reverse("admin:targets_pledge_add"), pledge_form(city, budget, "250", signed_on="15/01/2020"))
    assert response.status_code == 200 and "Ngày ký phải trong năm 2023 hoặc 2024 và không sau hôm nay." in page_text(response)
    assert not Pledge.objects.exists()
    # The measures offered are those that take a figure.
    page = client.get(reverse("admin:targets_pledge_add")).content.decode()
    assert f'value="{budget.pk}"' in page
    assert f'value="{Measure.objects.get(campaign=programme, code="15").pk}"' not in page


# --- the programme's "year closed" box (A11) --------------------------------------------------------


def test_the_year_closed_box_closes_a_year_only_with_its_programmes_number_and_date_as_the_ranking_page(client, admin_user, programme):
    from targets.models import Campaign, ScoringScheme
    from tests.test_admin_emulation_rules import admin_save, errors

    # Once closed, the programme's number and date are read-only: a year closed without them would cite
    # "chưa có số và ngày ban hành" on its signed report for good.
    Campaign.objects.filter(pk=programme.pk).update(number="", issued_on=None)
    client.force_login(admin_user)
    message = ("Hãy nhập số và ngày ban hành của chương trình năm 2024 trước (Quản trị → Chương trình): báo cáo ký ban hành và "
               "kết quả xếp hạng chính thức đều dẫn số, ngày này, và sau khi khóa sổ năm thì không thể nhập được nữa.")
    # The ranking page refuses its close so…
    refused = page_text(client.post(reverse("ranking-close"), {"year": 2024, "confirm": "1"}, follow=True))
    assert message in refused and not ScoringScheme.objects.get(campaign=programme).is_final
    # …and the box of a programme without a scoring scheme (its only close) with the same words.
    ScoringScheme.objects.filter(campaign=programme).delete()
    response = admin_save(client, "campaign", programme.pk, year_closed="on")
    assert response.status_code == 200
    assert errors(response) == message
    assert not Campaign.objects.get(pk=programme.pk).year_closed
    # A number without a date is no document either.
    response = admin_save(client, "campaign", programme.pk, year_closed="on", number="322/CTr-UBND", issued_on="")
    assert response.status_code == 200 and message not in errors(response)
    assert not Campaign.objects.get(pk=programme.pk).year_closed
    # Entered in the same form as the box is ticked, the document closes the year with it.
    response = admin_save(client, "campaign", programme.pk, year_closed="on", number="322/CTr-UBND", issued_on="26/12/2023")
    assert response.status_code == 302, errors(response)
    assert Campaign.objects.get(pk=programme.pk).year_closed
