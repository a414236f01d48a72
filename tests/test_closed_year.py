"""A closed year stays as it was closed, from the outside: its final ranking and its signed report
stand on its reports and its programme, so none of its reports is reopened, entered (page, Excel
upload, import_figures), sent, returned or approved, by anyone, and load_programme no longer
rewrites its programme; each refusal in the closed year's words, nothing saved. An open year's
programme still loads."""

import io
import json
import re
import threading
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from targets import exports, workflow
from targets.models import Campaign, Figure, Measure, ScoringScheme, Submission, Theme, Unit
from tests.conftest import PROGRAMME, make_user
from tests.test_emulation_pages import _year_rows, close, login, text, users, year  # noqa: F401 (fixtures)
from tests.test_template_xlsx import as_upload, fill

CLOSED = "Năm 2024 đã khóa sổ"


def _signed_report(campaign) -> list:
    """Every cell of the year's official report (Q4, the whole year), every sheet."""
    wb = exports.report_workbook(campaign, 4, lang="vi")
    return [(ws.title, [tuple(row) for row in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]


def _reports(campaign) -> list:
    """The year's reports and figures as stored: state, version, who decided, each figure."""
    return [(s.unit.code, s.quarter, s.state, s.version, s.reviewed_by_id, s.review_comment,
             sorted((f.measure.code, f.value, f.version) for f in s.figures.select_related("measure")))
            for s in Submission.objects.filter(campaign=campaign).select_related("unit").order_by("unit__code", "quarter")]


def _report(code, quarter):
    return Submission.objects.get(unit__code=code, quarter=quarter, campaign__year=2024)


@pytest.fixture
def closed(year, users):  # noqa: F811
    close(year, users)
    assert Campaign.objects.get(pk=year.pk).is_closed()
    return year


def test_an_approved_report_of_a_closed_year_is_not_reopened_and_the_signed_report_stays(client, closed, users):  # noqa: F811
    report = _report("024", 3)
    before, stored = _signed_report(closed), _reports(closed)
    login(client, users["admin"])
    page = text(client.get(reverse("submission", args=[report.pk])))
    assert CLOSED in page and 'value="reopen"' not in page  # no button that would be refused; the reason instead
    response = client.post(reverse("submission-decide", args=[report.pk]), {"action": "reopen", "comment": "Sai số liệu quý III",
                                                                            "version": report.version})
    assert response.status_code == 200 and CLOSED in text(response)
    assert _report("024", 3).state == "approved"
    assert _reports(closed) == stored and _signed_report(closed) == before


def test_a_report_left_waiting_in_a_closed_year_is_neither_approved_nor_returned(client, closed, users):  # noqa: F811
    # A report sent before the rule (or in a year closed by its box) that still waits for review.
    Submission.objects.filter(pk=_report("024", 3).pk).update(state="submitted")
    report = _report("024", 3)
    before, stored = _signed_report(closed), _reports(closed)
    login(client, users["reviewer"])
    page = text(client.get(reverse("submission", args=[report.pk])))
    assert CLOSED in page and 'value="approve"' not in page and 'value="return"' not in page
    for action in ("approve", "return"):
        response = client.post(reverse("submission-decide", args=[report.pk]), {"action": action, "comment": "Sửa lại quý III",
                                                                                "version": report.version})
        assert response.status_code == 200 and CLOSED in text(response), action
    queue = reverse("review") + "?year=2024&quarter=3"
    assert 'value="approve"' not in text(client.get(queue)) and CLOSED in text(client.get(queue))
    response = client.post(queue, {"year": 2024, "quarter": 3, "submission": [report.pk], f"version-{report.pk}": report.version},
                           follow=True)
    assert f"Chưa duyệt báo cáo nào: {CLOSED}" in text(response)
    assert _report("024", 3).state == "submitted"
    assert _reports(closed) == stored and _signed_report(closed) == before


def test_a_returned_report_of_a_closed_year_is_no_longer_open_to_anyone(client, closed, users):  # noqa: F811
    from tests.test_entry_workflow import post_entry

    # Returned, a report used to stay open to its unit "whatever the date": not once its year is closed.
    Submission.objects.filter(pk=_report("024", 3).pk).update(state="returned")
    before, stored = _signed_report(closed), _reports(closed)
    for who in ("reporter", "reviewer", "admin"):
        login(client, users[who])
        page = text(client.get(reverse("entry"), {"unit": "024", "year": 2024, "quarter": 3}))
        assert CLOSED in page, who
        response = post_entry(client, "024", 3, {"3": "999"})
        assert response.status_code == 403 and CLOSED in text(response), who
        response = post_entry(client, "024", 3, {}, action="submit")
        assert response.status_code == 403, who
    assert _report("024", 3).state == "returned"
    assert _reports(closed) == stored and _signed_report(closed) == before


def test_the_secretariat_no_longer_enters_a_closed_years_figures(closed, users):  # noqa: F811
    unit = Unit.objects.get(code="SLDTBXH")
    yearly = Measure.objects.get(campaign=closed, code="6")  # the poverty rate, published in spring: entered before the close
    count = Submission.objects.count()
    for who in ("reviewer", "admin"):
        with pytest.raises(workflow.EntryRefused) as refused:
            workflow.save_figures(user=users[who], campaign=closed, unit=unit, quarter=4,
                                  entries=[workflow.Entry(measure=yearly, value=Decimal("4.6"))])
        assert refused.value.message.startswith(CLOSED)
    assert Submission.objects.count() == count and not Figure.objects.filter(measure=yearly).exists()


def _template(client, user, unit, quarter):
    login(client, user)
    response = client.get(reverse("template-download"), {"year": 2024, "quarter": quarter, "unit": unit})
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def test_an_upload_for_a_closed_year_is_refused_at_the_preview_and_at_the_save(client, year, users):  # noqa: F811
    # Previewed while the year is open; saved after it was closed: refused under the report's lock.
    wb = fill(_template(client, users["reviewer"], "SLDTBXH", 3), {"7": 61})
    preview = client.post(reverse("upload"), {"file": as_upload(wb)})
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode()).group(1)
    close(year, users)
    before, stored = _signed_report(year), _reports(year)
    response = client.post(reverse("upload"), {"token": token}, follow=True)
    assert CLOSED in text(response)
    # Previewed now: refused with the preview, nothing offered for saving.
    response = client.post(reverse("upload"), {"file": as_upload(wb)})
    assert CLOSED in text(response) and 'name="token"' not in response.content.decode()
    assert not Submission.objects.filter(unit__code="SLDTBXH").exists()
    assert _reports(year) == stored and _signed_report(year) == before


def test_import_figures_into_a_closed_year_is_refused(client, tmp_path, closed, users):  # noqa: F811
    Submission.objects.filter(pk=_report("024", 3).pk).update(state="returned")
    path = tmp_path / "mau.xlsx"
    fill(_template(client, users["reporter"], "024", 3), {"3": 999}).save(path)
    before, stored = _signed_report(closed), _reports(closed)
    for who in ("r", "s"):  # the unit's reporter, the secretariat
        with pytest.raises(CommandError) as refused:
            call_command("import_figures", str(path), "--user", who, "--accept-warnings", "--submit", "--send-incomplete",
                         stdout=io.StringIO(), stderr=io.StringIO())
        assert CLOSED in str(refused.value), who
    assert _reports(closed) == stored and _signed_report(closed) == before


@pytest.mark.django_db(transaction=True)
def test_a_reopening_while_the_year_is_being_closed_waits_and_is_refused(programme):
    import psycopg2
    from django.db import connection

    from targets import versions

    unit = Unit.objects.get(code="024")
    report = Submission.objects.create(campaign=programme, unit=unit, quarter=3, state="approved")
    admin = make_user("boss", "admin", is_superuser=True)
    # The administrator's closing is under way (as ranking.close_year locks and writes), not yet committed.
    closer = psycopg2.connect(**connection.get_connection_params())
    with closer.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {versions.TABLE} FOR UPDATE")
        cursor.execute("SELECT 1 FROM targets_campaign WHERE id = %s FOR UPDATE", [programme.pk])
        cursor.execute("UPDATE targets_scoringscheme SET ranking_final_at = now() WHERE campaign_id = %s", [programme.pk])
        cursor.execute("UPDATE targets_campaign SET year_closed = true WHERE id = %s", [programme.pk])
    outcome = []

    def reopen():
        try:
            outcome.append(workflow.reopen(user=admin, submission=Submission.objects.get(pk=report.pk), reason="Sai số"))
        except Exception as error:  # the refusal is the outcome asserted
            outcome.append(error)
        finally:
            connection.close()

    reopening = threading.Thread(target=reopen)
    reopening.start()
    reopening.join(1)
    assert reopening.is_alive()  # waits for the closing to finish…
    closer.commit()
    closer.close()
    reopening.join(20)
    assert isinstance(outcome[0], workflow.EntryRefused) and CLOSED in outcome[0].message  # …and then sees the year closed
    assert Submission.objects.get(pk=report.pk).state == "approved"


# --- load_programme --------------------------------------------------------------------------------

def _edited_file(tmp_path):
    """The shipped file with theme 1's title, measure 1's target and a unit's name changed."""
    data = json.loads(PROGRAMME.read_text(encoding="utf-8"))
    data["themes"][0]["title"] = "Tiêu đề đã đổi"
    data["themes"][0]["indicators"][0]["measures"][0]["target"] = 7.51
    data["units"][0]["name"] = "Văn phòng UBND tỉnh (tên mới)"
    path = tmp_path / "programme.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _programme_rows(campaign):
    return (list(Theme.objects.filter(campaign=campaign).order_by("number").values_list("title", flat=True)),
            list(Measure.objects.filter(campaign=campaign).order_by("code").values_list("code", "target")),
            list(Unit.objects.order_by("code").values_list("code", "name")))


def test_load_programme_refuses_a_closed_year_and_writes_nothing(tmp_path, closed):
    path = _edited_file(tmp_path)
    before, rows = _signed_report(closed), _programme_rows(closed)
    with pytest.raises(CommandError) as refused:
        call_command("load_programme", str(path), stdout=io.StringIO())
    assert CLOSED in str(refused.value)
    assert _programme_rows(closed) == rows and _signed_report(closed) == before
    # --if-absent still leaves a year that is there as it is, closed or not, and says so.
    out = io.StringIO()
    call_command("load_programme", str(path), "--if-absent", stdout=out)
    assert "2024" in out.getvalue() and _programme_rows(closed) == rows


def test_load_programme_refuses_a_year_closed_by_its_box_and_says_how_to_reopen_it(tmp_path, programme):
    ScoringScheme.objects.filter(campaign=programme).delete()  # a programme without a scheme closes with its box
    Campaign.objects.filter(pk=programme.pk).update(year_closed=True)
    rows = _programme_rows(programme)
    with pytest.raises(CommandError) as refused:
        call_command("load_programme", str(_edited_file(tmp_path)), stdout=io.StringIO())
    assert CLOSED in str(refused.value) and "bỏ chọn" in str(refused.value)
    assert _programme_rows(programme) == rows and not ScoringScheme.objects.filter(campaign=programme).exists()


def test_load_programme_still_updates_an_open_year_and_renames_units(tmp_path, programme):
    out = io.StringIO()
    call_command("load_programme", str(_edited_file(tmp_path)), stdout=out)
    assert Theme.objects.get(campaign=programme, number=1).title == "Tiêu đề đã đổi"
    assert Measure.objects.get(campaign=programme, code="1").target == Decimal("7.51")
    # Units are the province's, not a year's: an open year's file renames them.
    assert Unit.objects.get(code="VPUBND").name == "Văn phòng UBND tỉnh (tên mới)"


def test_a_closed_years_late_units_are_not_reminded(client, closed, users, mailoutbox):  # noqa: F811
    from targets.models import Reminder

    login(client, users["reviewer"])
    page = text(client.get(reverse("review"), {"year": 2024, "quarter": 4}))
    assert CLOSED in page and 'value="remind"' not in page  # the reason, not a button that asks for what cannot come
    response = client.post(reverse("review") + "?year=2024&quarter=4", {"year": 2024, "quarter": 4, "action": "remind"}, follow=True)
    assert CLOSED in text(response)
    assert not Reminder.objects.exists() and not mailoutbox


# --- units renamed after the close ---------------------------------------------------------------

OLD = {"vi": ("Thành phố Hà Giang", "TP Hà Giang"), "en": ("Ha Giang City", "Ha Giang City")}
NEW = {"vi": ("Thành phố Phố Cáo", "TP Phố Cáo"), "en": ("Pho Cao City", "Pho Cao City")}


def _rename_city(name="Thành phố Phố Cáo", name_en="Pho Cao City", short_name="TP Phố Cáo"):
    """Hà Giang city renamed (districts and agencies are, and merged), as the admin's unit page saves it."""
    city = Unit.objects.get(code="024")
    city.name, city.name_en, city.short_name = name, name_en, short_name
    city.save()


def _sheets(campaign, lang) -> dict[str, str]:
    """Each sheet of the year's signed report (Q4), opened as downloaded: its cells' texts, one per line."""
    buffer = io.BytesIO()
    exports.report_workbook(campaign, 4, lang=lang).save(buffer)
    wb = load_workbook(buffer)
    return {ws.title: "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None)
            for ws in wb.worksheets}


def _names_city(campaign, lang, names) -> None:
    """The report sheet names the city among a task's units (its short name in Vietnamese); the
    by-unit and submissions sheets by its full name."""
    name, short = names[lang]
    report, by_unit, submissions = _sheets(campaign, lang).values()
    assert short in report and name in by_unit and name in submissions, lang
    other = (NEW if names is OLD else OLD)[lang]
    assert not any(n in sheet for n in set(other) for sheet in (report, by_unit, submissions)), lang


def test_a_unit_renamed_after_the_close_keeps_its_name_in_the_closed_years_report(closed):
    before = {lang: _signed_report(closed) if lang == "vi" else _sheets(closed, lang) for lang in ("vi", "en")}
    _rename_city()
    closed = Campaign.objects.get(pk=closed.pk)
    for lang in ("vi", "en"):
        _names_city(closed, lang, OLD)
    assert _signed_report(closed) == before["vi"] and _sheets(closed, "en") == before["en"]


def test_an_open_years_report_names_a_unit_as_it_is_now(year):  # noqa: F811
    _rename_city()
    for lang in ("vi", "en"):
        _names_city(Campaign.objects.get(pk=year.pk), lang, NEW)


def test_a_unit_renamed_before_the_close_is_kept_under_the_name_it_had_then(year, users):  # noqa: F811
    _rename_city()
    close(year, users)
    _rename_city("Thành phố Hà Giang", "Ha Giang City", "TP Hà Giang")  # renamed back after the close
    for lang in ("vi", "en"):
        _names_city(Campaign.objects.get(pk=year.pk), lang, NEW)


def test_a_year_closed_by_its_box_keeps_its_names_until_it_is_reopened(programme):
    ScoringScheme.objects.filter(campaign=programme).delete()  # a programme without a scheme closes with its box
    Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="024"), quarter=1, state="approved")
    programme.year_closed = True
    programme.save()  # as the admin's box saves it
    _rename_city()
    _names_city(Campaign.objects.get(pk=programme.pk), "vi", OLD)
    programme = Campaign.objects.get(pk=programme.pk)
    programme.year_closed = False  # reopened: the year is worked on again, under the unit's name of now
    programme.save()
    _names_city(Campaign.objects.get(pk=programme.pk), "vi", NEW)


def test_a_closed_years_unit_page_heads_the_unit_as_the_year_was_closed(client, closed, users):  # noqa: F811
    _rename_city()
    login(client, users["viewer"])
    page = text(client.get(reverse("unit", args=["024"]), {"year": 2024}))
    assert "<h1 class=\"h3\">Thành phố Hà Giang <small" in page and "Phố Cáo" not in page
    Campaign.objects.filter(pk=closed.pk).update(year_closed=False, kept_unit_names={})  # as an open year
    assert "<h1 class=\"h3\">Thành phố Phố Cáo <small" in text(client.get(reverse("unit", args=["024"]), {"year": 2024}))


def test_a_year_closed_before_names_were_kept_keeps_them_from_the_migration_on(closed):
    from importlib import import_module

    from django.apps import apps

    Campaign.objects.filter(pk=closed.pk).update(kept_unit_names={})  # closed before migration 0032
    import_module("targets.migrations.0032_kept_unit_names").keep_closed_years_names(apps, None)
    _rename_city()
    _names_city(Campaign.objects.get(pk=closed.pk), "vi", OLD)


def _units_chart(page) -> list[str]:
    """The labels of the indicator page's chart by unit."""
    found = re.search(r'<script id="units-\d+" type="application/json">(.*?)</script>', page.content.decode())
    return json.loads(found.group(1))["labels"]


def test_a_closed_years_pages_name_units_as_the_year_was_closed(client, closed, users):  # noqa: F811
    _rename_city()
    meo_vac = Unit.objects.get(code="027")  # late with its first quarter's report
    meo_vac.name = "Huyện Mèo Vạc Mới"
    meo_vac.save()
    login(client, users["viewer"])
    indicator = client.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 4})
    assert "TP Hà Giang" in _units_chart(indicator)
    assert ">Thành phố Hà Giang</a>" in text(indicator) and "Phố Cáo" not in text(indicator)  # the table, the history
    late = text(client.get(reverse("late"), {"year": 2024, "quarter": 1}))
    assert "027 – Huyện Mèo Vạc</a>" in late and "Mèo Vạc Mới" not in late
    theme = text(client.get(reverse("theme", args=[2]), {"year": 2024, "quarter": 4}))
    assert ">TP Hà Giang</a>" in theme and "Phố Cáo" not in theme  # the units responsible for a task
    login(client, users["reviewer"])
    report = text(client.get(reverse("submission", args=[_report("024", 3).pk])))
    assert '<h1 class="h3">Thành phố Hà Giang ·' in report and "Phố Cáo" not in report

    Campaign.objects.filter(pk=closed.pk).update(year_closed=False, kept_unit_names={})  # as an open year
    login(client, users["viewer"])
    indicator = client.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 4})
    assert "TP Phố Cáo" in _units_chart(indicator) and ">Thành phố Phố Cáo</a>" in text(indicator)
    assert "027 – Huyện Mèo Vạc Mới</a>" in text(client.get(reverse("late"), {"year": 2024, "quarter": 1}))


def _merge_away(code="027"):
    """A district merged into another after the year: the admin deactivates it."""
    unit = Unit.objects.get(code=code)
    unit.is_active = False
    unit.save()


def test_a_unit_deactivated_after_the_close_stays_in_the_closed_years_report_and_late_page(client, closed, users):  # noqa: F811
    before = _sheets(closed, "vi")
    _merge_away()
    submissions = _sheets(Campaign.objects.get(pk=closed.pk), "vi")
    assert "Huyện Mèo Vạc" in list(submissions.values())[2] and submissions == before  # the units the year had
    login(client, users["viewer"])
    assert "027 – Huyện Mèo Vạc</a>" in text(client.get(reverse("late"), {"year": 2024, "quarter": 1}))


def test_a_unit_deactivated_in_an_open_year_no_longer_owes_its_reports(client, year, users):  # noqa: F811
    _merge_away()
    assert "Huyện Mèo Vạc" not in list(_sheets(Campaign.objects.get(pk=year.pk), "vi").values())[2]
    login(client, users["viewer"])
    assert "Mèo Vạc" not in text(client.get(reverse("late"), {"year": 2024, "quarter": 1}))


def test_a_unit_deactivated_before_the_close_stays_out_of_the_closed_years_report_and_late_page(client, year, users):  # noqa: F811
    # Mèo Vạc (027), late with its reports, merged away while the year is open: the year's pages no
    # longer list it; closing the year must not bring it back, late for every quarter, into the signed report.
    _merge_away()
    login(client, users["viewer"])
    assert "Mèo Vạc" not in text(client.get(reverse("late"), {"year": 2024, "quarter": 4}))
    close(year, users)
    closed = Campaign.objects.get(pk=year.pk)
    submissions = list(_sheets(closed, "vi").values())[2]
    assert "Huyện Mèo Vạc" not in submissions and "Thành phố Hà Giang" in submissions  # the units reporting when it closed
    assert "Mèo Vạc" not in text(client.get(reverse("late"), {"year": 2024, "quarter": 4}))
    # A unit deactivated after the close stays in it, as one kept before names carried the flag (migration 0032).
    _merge_away("024")
    assert "Thành phố Hà Giang" in list(_sheets(Campaign.objects.get(pk=year.pk), "vi").values())[2]
    Campaign.objects.filter(pk=year.pk).update(kept_unit_names={pk: kept[:3] for pk, kept in closed.kept_unit_names.items()})
    assert "Huyện Mèo Vạc" in list(_sheets(Campaign.objects.get(pk=year.pk), "vi").values())[2]


def _closed_year_pages(client, users) -> dict[str, str]:  # noqa: F811
    """What the review queue, registrations, pledges, API (figures, a unit's progress) and raw
    figures export of 2024 say."""
    login(client, users["admin"])
    api_figures = client.get(reverse("api-figures"), {"year": 2024, "unit": "024"}).json()["results"]
    api_unit = client.get(reverse("api-progress"), {"year": 2024, "quarter": 4, "unit": "024"}).json()["unit"]
    raw = {lang: b"".join(client.get(reverse("exports:figures"), {"year": 2024, "unit": "024", "format": "csv", "lang": lang})
                          .streaming_content).decode() for lang in ("vi", "en")}
    return {
        "queue": text(client.get(reverse("review"), {"year": 2024, "quarter": 3})),
        "registrations": text(client.get(reverse("registrations"), {"year": 2024})),
        "pledges": text(client.get(reverse("pledges"), {"year": 2024})),
        "api": json.dumps([f["unit_name"] for f in api_figures] + [api_unit["name"], api_unit["name_en"]], ensure_ascii=False),
        "raw": raw["vi"], "raw_en": raw["en"],
    }


def test_a_closed_years_queue_registrations_pledges_api_and_raw_export_name_units_as_the_year_was_closed(client, closed, users):  # noqa: F811
    _rename_city()
    pages = _closed_year_pages(client, users)
    assert "024 – Thành phố Hà Giang</a>" in pages["queue"]
    assert "024 · Thành phố Hà Giang</td>" in pages["registrations"] and "024 · Thành phố Hà Giang</td>" in pages["pledges"]
    assert json.loads(pages["api"]) and set(json.loads(pages["api"])) == {"Thành phố Hà Giang", "Ha Giang City"}
    assert ",024,Thành phố Hà Giang," in pages["raw"] and ",024,Ha Giang City," in pages["raw_en"]
    for page, said in pages.items():
        assert "Phố Cáo" not in said and "Pho Cao" not in said, page

    Campaign.objects.filter(pk=closed.pk).update(year_closed=False, kept_unit_names={})  # as an open year: names of now
    pages = _closed_year_pages(client, users)
    assert "024 – Thành phố Phố Cáo</a>" in pages["queue"] and "024 · Thành phố Phố Cáo</td>" in pages["registrations"]
    assert "024 · Thành phố Phố Cáo</td>" in pages["pledges"] and set(json.loads(pages["api"])) == {"Thành phố Phố Cáo", "Pho Cao City"}
    assert ",024,Thành phố Phố Cáo," in pages["raw"] and ",024,Pho Cao City," in pages["raw_en"]



# --- a closed year's full year: final statuses on every page and the API --------------------------

FEBRUARY = __import__("datetime").date(2025, 2, 10)  # the year over, its yearly figures not all published


def _without_a_full_year_figure(programme):
    """The finance department's budget revenue (3, the province figure) on track after nine months
    (2.100 of 2.460, pace 75 %), its full year never sent; the city pledged tourist arrivals (4), on
    track after nine months (180.000 of 200.000), and the yearly poverty-rate reduction (6), published
    after the year: neither has a full-year figure."""
    from tests.test_ranking import pledge, send

    for q in (1, 2, 3):
        send(programme, "STC", q, {"3": "700"})
        Figure.objects.create(submission=_report("024", q), measure=Measure.objects.get(campaign=programme, code="4"),
                              value=Decimal("60000"))
    pledge(programme, "024", "4", "200000")
    pledge(programme, "024", "6", "4.85")


def _read(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).strip()


def _counts(home: str) -> dict[str, int]:
    """The home page's counters of indicators by status, as read: {"Đúng tiến độ": 1, …}."""
    counts = home[home.index('class="status-counts'):]
    counts = _read(counts[:counts.index("</ul>")].split(">", 1)[1])
    return {label.strip(" ➜✔★…◷▼⚠✖"): int(n) for label, n in re.findall(r"([^:\d]+): (\d+)", counts)}


def _pledge_row(unit_page: str, code: str) -> str:
    """The unit page's row of its pledge for measure `code`, as read."""
    table = unit_page[unit_page.index('id="pledge-progress"'):]
    table = table[:table.index("</table>")]
    return next(_read(row) for row in table.split("<tr>") if row.startswith(f"<td>{code}</td>"))


def _period(client, quarter: int) -> dict:
    """What a viewer reads of a period of 2024: the home page's counters and indicator 3's row, the
    city's pledge rows, indicator 6's page and the API's statuses, province and city."""
    period = {"year": 2024, "quarter": quarter}
    home = text(client.get(reverse("home"), period))
    unit = text(client.get(reverse("unit", args=["024"]), period))
    indicator = _read(text(client.get(reverse("indicator", args=[6]), period)))
    api = client.get("/api/v1/progress/", period).json()
    api_unit = client.get("/api/v1/progress/", {**period, "unit": "024"}).json()
    province = {m["code"]: m for i in api["indicators"] for m in i["measures"]}
    theme = text(client.get(reverse("theme", args=[1]), period))
    return {
        "carried": (province["3"]["year_figure_pending"], "chưa có số cả năm" in theme),
        "counts": _counts(home), "3": next(_read(r) for r in home.split("<tr>") if "Thu ngân sách nhà nước trên địa bàn</a>" in r),
        "pledge 4": _pledge_row(unit, "4"), "pledge 6": _pledge_row(unit, "6"),
        "indicator 6": indicator[indicator.index("Báo cáo chính thức (Excel)") - 40:indicator.index("Báo cáo chính thức (Excel)")],
        "api": {i["number"]: i["status"] for i in api["indicators"] if i["number"] in (3, 6)},
        "api 3": (province["3"]["status"], province["3"]["explanation_vi"], province["3"]["explanation_en"]),
        "api unit": {m["code"]: (m["status"], m["explanation_vi"]) for m in api_unit["measures"]},
    }


NOT_APPROVED = "Cả năm: không có số liệu cả năm được duyệt trước khi khóa sổ năm"


@pytest.fixture
def full_year(client, year, users):  # noqa: F811
    """(the open year's full year, the closed year's, the closed year's nine months) as a viewer reads
    them, the day the year is closed."""
    from unittest import mock

    _without_a_full_year_figure(year)
    login(client, users["viewer"])
    with mock.patch("django.utils.timezone.localdate", return_value=FEBRUARY):
        open_year = _period(client, 4)
        close(year, users)  # the same day: what was cached for the open year is not served
        return open_year, _period(client, 4), _period(client, 3)


def test_an_open_years_full_year_and_a_closed_years_nine_months_still_carry_the_in_year_status(full_year):
    """Open: the full year carries the nine months' status, and the poverty rate is awaited."""
    open_year, _closed, nine_months = full_year
    assert open_year["counts"]["Đúng tiến độ"] == 1 and open_year["counts"]["Chờ công bố"] == 2
    assert "Đúng tiến độ (chưa có số cả năm) Cả năm: chưa có số cả năm; 9 tháng: 2.100,0 / 2.460 tỷ đồng" in open_year["3"]
    assert "Đúng tiến độ Cả năm: chưa có số cả năm; 9 tháng: 180.000 / 200.000 lượt khách" in open_year["pledge 4"]
    assert "Chờ công bố Cả năm: công bố hằng năm, dự kiến tháng 2/2025" in open_year["pledge 6"]
    assert "Chờ công bố" in open_year["indicator 6"]
    assert open_year["api"] == {3: "on_track", 6: "awaited"}
    assert open_year["carried"] == (True, True)  # the API and the theme page: the year's figure is still to come
    assert open_year["api unit"]["4"][0] == "on_track" and open_year["api unit"]["6"][0] == "awaited"
    # The closed year's nine months are what they were.
    assert nine_months["api"][3] == "on_track" and nine_months["api unit"]["4"][0] == "on_track"
    assert "Đúng tiến độ 9 tháng: 180.000 / 200.000 lượt khách" in nine_months["pledge 4"]


# Closed: no full-year figure will ever come. The year's status says so, as the final ranking scores
# it, with the nine months' figures shown as what they are, without their in-year status.


def test_a_closed_years_home_page_counts_a_full_year_without_its_figure_as_no_figure(full_year):
    open_year, closed, _nine_months = full_year
    assert closed["counts"]["Đúng tiến độ"] == 0 and closed["counts"]["Chờ công bố"] == 0
    assert closed["counts"]["Chưa có số liệu"] == open_year["counts"]["Chưa có số liệu"] + 3
    assert (f"Chưa có số liệu {NOT_APPROVED}; 9 tháng: 2.100,0 / 2.460 tỷ đồng = 85,4 % kế hoạch; tiến độ cần đạt 75,0 %"
            in closed["3"]) and "→" not in closed["3"]


def test_a_closed_years_pledge_table_says_no_figure_for_a_pledge_without_its_full_year_figure(full_year):
    _open_year, closed, _nine_months = full_year
    assert (f"Chưa có số liệu {NOT_APPROVED}; 9 tháng: 180.000 / 200.000 lượt khách = 90,0 % giao ước; tiến độ cần đạt 75,0 %"
            in closed["pledge 4"]) and "Đúng tiến độ" not in closed["pledge 4"]
    assert closed["pledge 6"].endswith(f"Chưa có số liệu {NOT_APPROVED}") and "dự kiến" not in closed["pledge 6"]


def test_a_closed_years_indicator_page_no_longer_awaits_a_yearly_figure(full_year):
    _open_year, closed, _nine_months = full_year
    assert "Chưa có số liệu" in closed["indicator 6"] and "Chờ công bố" not in closed["indicator 6"]


def test_a_closed_years_progress_api_says_no_data_for_a_full_year_without_its_figure(full_year):
    _open_year, closed, _nine_months = full_year
    assert closed["api"] == {3: "no_data", 6: "no_data"}
    assert closed["carried"] == (False, False)  # nothing pending any more, on the theme page as in the API
    assert closed["api 3"][0] == "no_data" and closed["api 3"][1].startswith(f"{NOT_APPROVED}; 9 tháng: 2.100,0")
    assert closed["api 3"][2].startswith("Full year: no full-year figure was approved before the year was closed; Nine months: 2,100.0")
    assert closed["api unit"]["4"] == ("no_data", f"{NOT_APPROVED}; 9 tháng: 180.000 / 200.000 lượt khách = 90,0 % giao ước; "
                                                  "tiến độ cần đạt 75,0 %")
    assert closed["api unit"]["6"] == ("no_data", NOT_APPROVED)
    assert closed["api unit"]["3"][0] == "exceeded"  # the city's full year was sent: judged on it, as before


def test_a_closed_years_bonuses_and_deductions_name_the_unit_as_the_year_was_closed(client, year, users):  # noqa: F811
    from targets.models import ScoreAdjustment

    ScoreAdjustment.objects.create(campaign=year, unit=Unit.objects.get(code="024"), kind="bonus", points=Decimal(10),
                                   reason="Cờ thi đua của Bộ")
    close(year, users)
    _rename_city()
    login(client, users["reviewer"])
    page = text(client.get(reverse("adjustments"), {"year": 2024}))
    assert "024 · TP Hà Giang" in page and "Phố Cáo" not in page
