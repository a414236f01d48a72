"""The read-only JSON API: every field against the engine, tokens, errors, permissions."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from targets.models import ApiToken, Figure, Unit
from targets.overview import build_overview
from tests.conftest import make_user


def bearer(user):
    _token, key = ApiToken.issue(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_progress_matches_the_engine_field_by_field(client, demo, viewer):
    data = client.get(reverse("api-progress"), {"year": 2024, "quarter": 3}, **bearer(viewer)).json()
    assert data["campaign"]["number"] == "322/CTr-UBND"
    assert data["period"] == {"quarter": 3, "label_vi": "9 tháng", "label_en": "Nine months"}
    assert len(data["indicators"]) == 20
    overview = build_overview(demo, 3)
    by_code = {m["code"]: m for i in data["indicators"] for m in i["measures"]}
    assert len(by_code) == 25
    for row in overview.measures:
        m, p = by_code[row.measure.code], row.progress
        for field, value in (("ytd", p.ytd), ("expected", p.expected), ("percent_of_plan", p.percent_of_plan),
                             ("quarter_value", p.quarter_value), ("change_on_last_year", p.change_percent)):
            if value is None:
                assert m[field] is None, (row.measure.code, field)
            else:
                assert Decimal(m[field]) == value.quantize(Decimal("0.000001")), (row.measure.code, field)
        assert m["status"] == p.status.value
        assert m["explanation_vi"] == p.explanation("vi")
        assert m["explanation_en"] == p.explanation("en")
        assert m["comparison"] == row.measure.comparison and m["aggregation"] == row.measure.aggregation
        assert m["state"] == row.state
        assert m["ytd_quarter"] == (p.ytd_quarter if p.ytd_quarter != 3 else None)
    indicator = next(i for i in data["indicators"] if i["number"] == 9)
    assert indicator["theme"] == 1 and [m["code"] for m in indicator["measures"]] == ["9a", "9b"]
    assert indicator["status"] == next(i.status for i in overview.indicators if i.indicator.number == 9).value
    assert by_code["3"]["target"] == "2460"


def test_figures_are_filtered_and_paginated(client, demo, reviewer):
    headers = bearer(reviewer)
    data = client.get(reverse("api-figures"), {"year": 2024, "quarter": 1, "measure": "3", "page_size": 5}, **headers).json()
    assert data["count"] == 12 and data["pages"] == 3 and len(data["results"]) == 5
    first = data["results"][0]
    figure = Figure.objects.get(submission__unit__code=first["unit"], measure__code="3", submission__quarter=1)
    assert Decimal(first["value"]) == figure.value
    assert first["state"] == "approved"
    one = client.get(reverse("api-figures"), {"year": 2024, "unit": "024", "measure": "3"}, **headers).json()
    assert {r["unit"] for r in one["results"]} == {"024"} and one["count"] == 3


def test_viewers_do_not_get_drafts_and_reporters_get_their_own(client, demo, viewer):
    data = client.get(reverse("api-figures"), {"year": 2024, "unit": "029", "quarter": 3}, **bearer(viewer)).json()
    assert data["count"] == 0
    reporter = make_user("reporter-029", "reporter", units=[Unit.objects.get(code="029")])
    data = client.get(reverse("api-figures"), {"year": 2024, "quarter": 3}, **bearer(reporter)).json()
    assert data["count"] > 0 and {r["unit"] for r in data["results"]} == {"029"}
    assert {r["state"] for r in data["results"]} == {"draft"}


def test_units_and_measures(client, demo, viewer):
    units = client.get(reverse("api-units"), **bearer(viewer)).json()["results"]
    assert {"code": "024", "name": "Thành phố Hà Giang", "name_en": "Ha Giang City", "kind": "locality",
            "bloc": "KHOI-HUYEN", "parent": None} in units
    measures = client.get(reverse("api-measures"), {"year": 2024}, **bearer(viewer)).json()["results"]
    budget = next(m for m in measures if m["code"] == "3")
    assert budget["target"] == "2460" and len(budget["reporting_units"]) == 12
    assert {"code": "STC", "role": "lead"} in budget["reporting_units"]
    assert (budget["frequency"], budget["publication_month"]) == ("quarterly", None)
    pci = next(m for m in measures if m["code"] == "16b")
    assert (pci["frequency"], pci["publication_month"]) == ("yearly", 5)


def test_session_authentication_works_too(client, demo, viewer):
    client.force_login(viewer)
    assert client.get(reverse("api-units")).status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer "])
def test_without_a_valid_token_the_answer_is_401_json(client, demo, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get(reverse("api-progress"), {"year": 2024, "quarter": 1}, **extra)
    assert response.status_code == 401
    assert "message" in response.json()["error"]


def test_revoked_tokens_stop_working(client, demo, viewer):
    headers = bearer(viewer)
    assert client.get(reverse("api-units"), **headers).status_code == 200
    ApiToken.objects.filter(user=viewer).delete()
    assert client.get(reverse("api-units"), **headers).status_code == 401


@pytest.mark.parametrize("params, message", [
    ({"year": 2024, "quarter": 5}, "quarter must be 1, 2, 3 or 4."),
    ({"year": 1999, "quarter": 1}, "There is no programme for year 1999."),
    ({"year": "abc", "quarter": 1}, "year must be a number, e.g. 2024."),
])
def test_bad_parameters_are_400_with_a_message(client, demo, viewer, params, message):
    response = client.get(reverse("api-progress"), params, **bearer(viewer))
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message
    bad_page = client.get(reverse("api-figures"), {"year": 2024, "page": 999}, **bearer(viewer))
    assert bad_page.status_code == 400


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_the_api_is_read_only_and_says_so_in_json_to_a_token_and_to_a_session(demo, viewer, method):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)  # as a browser or a script would meet it, CSRF check included
    for headers in (bearer(viewer), {}):
        if not headers:
            browser.force_login(viewer)
        response = getattr(browser, method)(reverse("api-figures"), **headers)
        assert response.status_code == 405 and response["Content-Type"] == "application/json", response.content[:200]
        assert response.json()["error"]["message"].startswith("The API is read-only") and response["Allow"] == "GET, HEAD"


def test_issue_token_command_and_profile_page(client, demo, viewer, capsys):
    call_command("issue_token", viewer.username)
    key = capsys.readouterr().out.strip()
    assert client.get(reverse("api-units"), HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    client.force_login(viewer)
    response = client.post(reverse("profile"), {"action": "issue", "name": "laptop"})
    assert "laptop" in response.content.decode() and ApiToken.objects.filter(user=viewer).count() == 2
    other = make_user("someone", "viewer")
    theirs, _key = ApiToken.issue(other)
    assert client.post(reverse("profile"), {"action": "revoke", "token": theirs.pk}).status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_progress_api_query_count_does_not_grow(client, demo, viewer, django_assert_max_num_queries):
    from django.core.cache import cache

    headers = bearer(viewer)
    for quarter in (1, 3):
        cache.clear()
        with django_assert_max_num_queries(12):
            client.get(reverse("api-progress"), {"year": 2024, "quarter": quarter}, **headers)


def test_progress_from_the_cache_follows_a_saved_figure(client, demo, viewer, django_assert_max_num_queries):
    headers = bearer(viewer)
    first = client.get(reverse("api-progress"), {"year": 2024, "quarter": 3}, **headers).json()
    with django_assert_max_num_queries(4):  # the token, its last use, the roles, the data version: the body from the cache
        assert client.get(reverse("api-progress"), {"year": 2024, "quarter": 3}, **headers).json() == first
    figure = Figure.objects.get(measure__code="5", submission__unit__code="SCT", submission__quarter=3)
    figure.value = Decimal("1234.5")
    figure.save()
    after = client.get(reverse("api-progress"), {"year": 2024, "quarter": 3}, **headers).json()
    assert next(m for i in after["indicators"] for m in i["measures"] if m["code"] == "5")["quarter_value"] == "1234.5"


def test_a_figure_of_an_earlier_quarter_says_which_with_that_quarters_same_period(client, programme, viewer):
    from targets.models import Measure
    from tests.test_ranking import send

    rate = Measure.objects.get(campaign=programme, code="12")
    rate.same_period_q1, rate.same_period_q2 = Decimal("58.9"), Decimal("59.6")
    rate.save()
    send(programme, rate.assignments.get(role="lead").unit.code, 1, {"12": "59.2"})
    data = client.get(reverse("api-progress"), {"year": 2024, "quarter": 2}, **bearer(viewer)).json()
    m = next(m for i in data["indicators"] for m in i["measures"] if m["code"] == "12")
    assert (m["ytd"], m["ytd_quarter"], m["same_period"]) == ("59.2", 1, "58.9")


def test_a_year_to_date_lacking_a_quarter_says_which_in_the_province_and_the_unit_view(client, programme, viewer):
    from tests.test_ranking import pledge, send

    # Tourists (a flow) of Q1 only, read for the half year: 853.629 is not the half year's figure.
    unit = programme.measures.get(code="4").assignments.get(role="lead").unit.code
    send(programme, unit, 1, {"4": "853629"})
    pledge(programme, unit, "4", "3200000")
    province = client.get(reverse("api-progress"), {"year": 2024, "quarter": 2}, **bearer(viewer)).json()
    m = next(m for i in province["indicators"] for m in i["measures"] if m["code"] == "4")
    assert (m["ytd"], m["missing_quarters"], m["status"]) == ("853629", [2], "no_data")
    assert (m["year_figure_pending"], m["carried_quarter"]) == (False, None)
    own = client.get(reverse("api-progress"), {"year": 2024, "quarter": 2, "unit": unit}, **bearer(viewer)).json()
    [m] = [m for m in own["measures"] if m["code"] == "4"]
    assert (m["missing_quarters"], m["status"], m["year_figure_pending"]) == ([2], "no_data", False)
    # Full year without the year's figure: the unit's view says which in-year period it carries, as the province's does.
    send(programme, unit, 2, {"4": "700000"})
    send(programme, unit, 3, {"4": "900000"})
    own = client.get(reverse("api-progress"), {"year": 2024, "quarter": 4, "unit": unit}, **bearer(viewer)).json()
    [m] = [m for m in own["measures"] if m["code"] == "4"]
    assert (m["missing_quarters"], m["year_figure_pending"], m["carried_quarter"]) == ([], True, 3)


def test_a_nul_character_is_refused_in_english_json_like_every_api_error(client, demo, viewer):
    response = client.get("/api/v1/figures/?unit=%00", **bearer(viewer))
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "The request holds a NUL character, which no field accepts."
    page = client.get("/?year=%00")  # a page answers in its own language
    assert page.status_code == 400 and "NUL" in page.content.decode() and "The request" not in page.content.decode()


def test_figures_for_an_unknown_measure_or_unit_are_a_json_400_not_an_empty_page(client, demo):
    from targets.models import ApiToken
    from tests.conftest import make_user

    key = ApiToken.issue(make_user("api-reader", "viewer"))[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    for params, message in (({"measure": "3a"}, "There is no measure '3a' in the 2024 programme."),
                            ({"unit": "zz"}, "There is no unit 'zz'.")):
        response = client.get(reverse("api-figures"), {"year": 2024, **params}, **auth)
        assert response.status_code == 400 and response.json()["error"]["message"] == message
    assert client.get(reverse("api-figures"), {"year": 2024, "measure": "3", "unit": "024"}, **auth).json()["count"] >= 1


def test_an_address_under_the_api_that_is_none_of_its_endpoints_is_a_json_404(client, db):
    for path in ("/api/v1/nothing/", "/api/v2/progress/", "/api/v1/nothing"):
        response = client.get(path, follow=True)
        assert response.status_code == 404 and response["Content-Type"] == "application/json", path
        assert "There is no API endpoint" in response.json()["error"]["message"]
    assert client.get("/api/v1/progress")["Location"] == "/api/v1/progress/"  # a missing slash is still sent on


def test_the_ranking_before_any_report_of_the_year_has_no_rank_nor_score(client, programme, viewer):
    from tests.test_ranking import send

    # No unit has sent a report of the year: every unit would be "1st" at no points. Null, as the page shows neither.
    data = client.get(reverse("api-ranking"), {"year": 2024}, **bearer(viewer)).json()
    assert data["reported"] is False and data["provisional"] is True
    units = [u for b in data["blocs"] for u in b["units"]]
    assert units and all(u["rank"] is None and u["score"] is None for u in units)
    assert all(u["bars"] for u in units)  # what bars the flag is still said
    send(programme, "024", 1, {"3": "60"})
    data = client.get(reverse("api-ranking"), {"year": 2024}, **bearer(viewer)).json()
    city = next(u for b in data["blocs"] for u in b["units"] if u["code"] == "024")
    assert data["reported"] is True and city["rank"] == 1 and city["score"] is not None
    # A quarter is not a parameter of the ranking (answered with another period, unsaid, before); a bloc is.
    refused = client.get(reverse("api-ranking"), {"year": 2024, "quarter": 1}, **bearer(viewer))
    assert refused.status_code == 400 and "takes no quarter" in refused.json()["error"]["message"]
    assert client.get(reverse("api-ranking"), {"year": 2024, "bloc": "NOPE"}, **bearer(viewer)).status_code == 400
    one = client.get(reverse("api-ranking"), {"year": 2024, "bloc": "khoi-huyen"}, **bearer(viewer)).json()
    assert [b["code"] for b in one["blocs"]] == ["KHOI-HUYEN"]  # a code in any case, as measure codes
    # One unit, as the progress API takes it: its bloc with it alone, its rank in the bloc; an unknown one refused.
    own = client.get(reverse("api-ranking"), {"year": 2024, "unit": "024"}, **bearer(viewer)).json()
    assert [(b["code"], [(u["code"], u["rank"]) for u in b["units"]]) for b in own["blocs"]] == [("KHOI-HUYEN", [("024", 1)])]
    refused = client.get(reverse("api-ranking"), {"year": 2024, "unit": "999"}, **bearer(viewer))
    assert refused.status_code == 400 and "'999' is in no bloc" in refused.json()["error"]["message"]


def test_an_assessment_given_as_an_estimate_says_so_as_a_figure_does(client, programme, viewer):
    # Defence (15) is assessed in words; its lead unit gives the quarter's assessment as an estimate ("ước").
    from tests.test_ranking import send

    report = send(programme, "BCHQS", 1, {})
    Figure.objects.create(submission=report, measure=programme.measures.get(code="15"), verdict="completed", kind=Figure.Kind.ESTIMATE)
    data = client.get(reverse("api-progress"), {"year": 2024, "quarter": 1}, **bearer(viewer)).json()
    m = next(m for i in data["indicators"] for m in i["measures"] if m["code"] == "15")
    assert (m["kind"], m["estimate"], m["status"]) == ("estimate", True, "met")
    assert "Quý I (ước):" in m["explanation_vi"] and "(estimate)" in m["explanation_en"]
