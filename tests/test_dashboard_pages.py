"""The dashboards as officials read them: numbers, statuses, words, drill-down, query counts."""

import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.cache import cache
from django.urls import reverse

from targets.models import Figure, Measure, Submission, Unit
from targets.overview import build_overview
from targets.progress import status_label


@pytest.fixture
def official(client, viewer):
    client.force_login(viewer)
    return client


def test_overview_links_every_indicator_and_theme(official, demo):
    html = official.get(reverse("home"), {"year": 2024, "quarter": 3}).content.decode()
    for n in range(1, 21):
        assert f'href="{reverse("indicator", args=[n])}?year=2024&amp;quarter=3"' in html
    for n in range(1, 7):
        assert reverse("theme", args=[n]) in html
    assert "Đã gửi" in html and "Ước tính" in html  # state and kind of the Q3 figures


def test_indicator_page_shows_chart_data_table_breakdown_and_history(official, demo):
    response = official.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 3})
    html = response.content.decode()
    overview = build_overview(demo, 3)
    budget = next(m for m in overview.measures if m.measure.code == "3")
    assert budget.progress.explanation("vi") in html
    chart = json.loads(html.split(f'id="chart-{budget.measure.pk}"')[1].split(">", 1)[1].split("</script>")[0])
    assert chart["labels"] == ["Quý I", "6 tháng", "9 tháng"]
    lines = {d["label"]: d["data"] for d in chart["datasets"]}
    assert [Decimal(v) for v in lines["Thực hiện lũy kế"]] == [p.ytd for p in budget.series()]
    assert lines["Kế hoạch"] == ["2460.000000"] * 3
    # A line with no point is not in the legend: the demo has no same period last year for the budget.
    assert all(p.same_period is None for p in budget.series()) and "Cùng kỳ năm trước" not in lines
    # The table beside the chart carries the same numbers, in Vietnamese format.
    for p in budget.series():
        assert f"{p.ytd:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".") in html
    assert "Thành phố Hà Giang" in html and "Huyện Quang Bình" in html  # districts' breakdown
    assert 'data-chart="units-' in html
    assert "static/vendor/chartjs/chart.umd.min.js" in html and "<script>" not in html


def test_a_full_year_without_its_figure_is_no_point_of_the_series(official, demo):
    # It would show the nine months' figure and pace under "Cả năm" (full year).
    html = official.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 4}).content.decode()
    chart = json.loads(html.split('id="chart-')[1].split(">", 1)[1].split("</script>")[0])
    assert chart["labels"] == ["Quý I", "6 tháng", "9 tháng"]
    series = html.split('id="chart-')[1].split("<table", 1)[1].split("</table>", 1)[0]  # the chart's own table
    periods = re.findall(r'<td class="cell-name"[^>]*>([^<]*)</td>', series)
    assert periods == ["Quý I", "6 tháng", "9 tháng"]


def test_the_theme_page_says_when_a_full_year_status_is_the_nine_months(official, demo):
    # No full-year figure yet in the demo: every indicator's status at "Cả năm" stands on nine months.
    html = official.get(reverse("theme", args=[1]), {"year": 2024, "quarter": 4}).content.decode()
    listed = html.split('<ul class="list-unstyled">', 1)[1].split("</ul>", 1)[0].split("<li")
    budget = next(line for line in listed if 'href="/chi-tieu/3/' in line)
    assert "(chưa có số cả năm)" in budget
    assert "(chưa có số cả năm)" not in official.get(reverse("theme", args=[1]), {"year": 2024, "quarter": 3}).content.decode()


def test_the_overview_says_how_many_full_year_statuses_stand_on_an_earlier_period(official, demo):
    # The counters at "Cả năm" count each indicator under its status, which without the year's figure is
    # the nine months': the page says how many, and each such row says so, as the theme page does.
    from targets.models import Campaign
    from targets.overview import build_overview

    overview = build_overview(Campaign.objects.get(year=2024), 4)
    carried = [i for i in overview.indicators if i.carried]
    assert 0 < len(carried) < len(overview.indicators)
    html = official.get(reverse("home"), {"year": 2024, "quarter": 4}).content.decode()
    assert f"Trong đó {len(carried)} chỉ tiêu chưa có số liệu cả năm: trạng thái là của kỳ gần nhất có số liệu." in html
    rows = html.split("<tbody>", 1)[1].split("<tr>")
    budget = next(row for row in rows if 'href="/chi-tieu/3/' in row)
    assert "(chưa có số cả năm)" in budget.split('class="cell-status"', 1)[1].split("</td>", 1)[0]
    nine_months = official.get(reverse("home"), {"year": 2024, "quarter": 3}).content.decode()
    assert "Trong đó" not in nine_months and "(chưa có số cả năm)" not in nine_months


def test_a_programme_set_up_ahead_leaves_the_pages_on_the_current_year_whatever_is_sent_early(official, demo):
    from django.utils import timezone

    from targets.services import copy_campaign

    ahead = copy_campaign(source_year=2024, target_year=timezone.localdate().year + 1)  # set up in November
    # A unit sends its report of a quarter that has not begun: the province's pages stay where the work is.
    Submission.objects.create(campaign=ahead, unit=Unit.objects.get(code="024"), quarter=1, state="submitted")
    home = official.get(reverse("home")).content.decode()
    assert '<option value="2024" selected' in home and f'<option value="{ahead.year}" selected' not in home
    assert official.get(reverse("api-progress"), {"quarter": 3}).json()["campaign"]["year"] == 2024
    assert official.get(reverse("home"), {"year": ahead.year}).status_code == 200  # there, when asked for


def test_an_indicator_assessed_in_words_is_said_in_its_verdicts_words_on_every_page_as_in_the_report(official, demo):
    """Indicator 17 (assessed in words) rated "completed well" is not "exceeded the plan" (it has no
    plan figure): the overview, its theme and indicator pages and its series table say the verdict,
    as the official report does (exports.judged_words)."""
    from targets import exports
    from targets.progress import Status, verdict_label

    overview = build_overview(demo, 3)
    row = next(i for t in overview.themes for i in t.indicators if i.indicator.number == 17)
    p = row.measures[0].progress
    assert p.verdict == "completed_well" and p.status is Status.EXCEEDED
    said = verdict_label(p.verdict, "vi")
    assert exports.judged_words(p, "vi") == said == "Hoàn thành tốt nhiệm vụ"
    home = official.get(reverse("home"), {"year": 2024, "quarter": 3}).content.decode()
    home_row = next(r for r in home.split("<tr>") if 'class="card-number">17. ' in r)
    assert said in home_row and "Vượt kế hoạch" not in home_row
    page = official.get(reverse("indicator", args=[17]), {"year": 2024, "quarter": 3}).content.decode()
    assert f"</span> {said}</span>" in page and "Vượt kế hoạch" not in page
    theme = official.get(reverse("theme", args=[row.indicator.theme.number]), {"year": 2024, "quarter": 3}).content.decode()
    assert f"</span> {said}</span>" in theme
    # A measure with a figure keeps its status's words.
    budget = next(i for t in overview.themes for i in t.indicators if i.indicator.number == 3)
    assert budget.judged("vi") == status_label(budget.status, "vi")


def test_districts_sum_disagreeing_with_the_province_is_flagged(official, demo):
    html = official.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 1}).content.decode()
    assert "Tổng số liệu các huyện là" in html


def test_theme_page_shows_tasks_and_units_latest_words(official, demo):
    html = official.get(reverse("theme", args=[2]), {"year": 2024, "quarter": 3}).content.decode()
    assert "Hai là" in html
    assert "Quản lý và sử dụng ngân sách tiết kiệm, hiệu quả" in html
    html1 = official.get(reverse("theme", args=[1]), {"year": 2024, "quarter": 3}).content.decode()
    assert status_label(build_overview(demo, 3).indicators[0].status, "vi") in html1


def test_theme_page_lists_each_task_with_its_units_latest_assessment_in_officials_words(official, demo):
    from targets.models import Task, TaskReport

    budget = Task.objects.get(theme__campaign=demo, theme__number=2, number=2)
    report = TaskReport.objects.get(task=budget, submission__quarter=2)  # approved; the Q3 one is only submitted
    TaskReport.objects.filter(task=budget, submission__quarter=3).delete()
    report.verdict, report.narrative = "completed_well", "Tiết kiệm chi thường xuyên 10 %."
    report.save()
    html = official.get(reverse("theme", args=[2]), {"year": 2024, "quarter": 3}).content.decode()
    section = html.split("2.2 Quản lý và sử dụng ngân sách tiết kiệm, hiệu quả")[1].split("</li>")[0]
    assert "Sở Tài chính" in section
    assert "Hoàn thành tốt nhiệm vụ" in section and "Tiết kiệm chi thường xuyên 10 %." in section
    assert "6 tháng" in section  # the quarter the words are from
    # A retired task leaves the page (and the counts), its reports stay in the history.
    budget.is_active = False
    budget.save()
    html = official.get(reverse("theme", args=[2]), {"year": 2024, "quarter": 3}).content.decode()
    assert "2.2 Quản lý và sử dụng ngân sách" not in html and "2.3 Tháo gỡ khó khăn" in html
    assert TaskReport.objects.filter(task=budget).exists()


def test_overview_counts_the_tasks_of_each_theme(official, demo):
    from targets.models import Task, TaskReport

    TaskReport.objects.filter(task__theme__number=4).delete()
    html = official.get(reverse("home"), {"year": 2024, "quarter": 3}).content.decode()
    assert "Nhiệm vụ: 4, đã có báo cáo: 0" in html
    total = Task.objects.filter(theme__campaign=demo, theme__number=2).count()
    reported = Task.objects.filter(theme__campaign=demo, theme__number=2, reports__submission__state__in=["submitted", "approved"]).distinct().count()
    assert f"Nhiệm vụ: {total}, đã có báo cáo: {reported}" in html and reported > 0


def test_unit_page_shows_its_measures_statuses_and_timeliness(official, demo):
    html = official.get(reverse("unit", args=["024"]), {"year": 2024, "quarter": 3}).content.decode()
    assert "Thành phố Hà Giang" in html
    assert "Thu ngân sách nhà nước trên địa bàn" in html
    assert "Đúng hạn" in html


def test_late_page_lists_units_past_their_deadline(official, demo):
    html = official.get(reverse("late"), {"year": 2024, "quarter": 3}).content.decode()
    assert "033 – Huyện Xín Mần" in html and "035 – Huyện Quang Bình" in html
    assert "024 – Thành phố Hà Giang" not in html


def test_unknown_indicator_theme_or_unit_is_404(official, demo):
    assert official.get(reverse("indicator", args=[99])).status_code == 404
    assert official.get(reverse("theme", args=[9])).status_code == 404
    assert official.get(reverse("unit", args=["XYZ"])).status_code == 404


def test_a_saved_figure_invalidates_the_cached_overview(official, demo):
    first = official.get(reverse("home"), {"year": 2024, "quarter": 3}).content.decode()
    figure = Figure.objects.get(measure__code="5", submission__unit__code="SCT", submission__quarter=3)
    figure.value = Decimal("1")
    figure.save()
    second = official.get(reverse("home"), {"year": 2024, "quarter": 3}).content.decode()
    assert first != second
    assert build_overview(demo, 3).measures[4].progress.explanation("vi") in second


@pytest.mark.parametrize("name, args", [("home", []), ("indicator", [3]), ("indicator", [14]), ("theme", [2]), ("unit", ["024"])])
def test_pages_run_a_fixed_number_of_queries_whatever_the_data(official, demo, name, args, django_assert_max_num_queries):
    url = reverse(name, args=args)
    # The unit page also shows the unit's progress against its pledge and its rank, which needs
    # its bloc's ranking: a fixed number of queries too (tests/test_ranking.py).
    ceiling = 12 + (16 + 2 if name == "unit" else 0)
    cache.clear()
    with django_assert_max_num_queries(ceiling):
        official.get(url, {"year": 2024, "quarter": 1})
    # Three quarters of data instead of one: the same ceiling holds.
    cache.clear()
    with django_assert_max_num_queries(ceiling):
        official.get(url, {"year": 2024, "quarter": 3})


@pytest.mark.parametrize("name, args", [("home", []), ("indicator", [3]), ("theme", [2]), ("late", [])])
def test_a_cached_page_costs_only_the_sign_in_queries(official, demo, name, args, django_assert_num_queries):
    official.get(reverse(name, args=args), {"year": 2024, "quarter": 3})
    with django_assert_num_queries(2):  # the session; the versions, under which the user and the page are kept
        official.get(reverse(name, args=args), {"year": 2024, "quarter": 3})


@pytest.mark.parametrize("name, args, extra", [
    ("home", [], {"utm_source": "zalo"}), ("home", [], {"quarter": "abc"}), ("theme", [2], {"sort": "x", "fbclid": "1"}),
    ("indicator", [3], {"quarter": "5", "page": "9"}), ("unit", ["024"], {"quarter": "²", "q": "x" * 500}),
    ("late", [], {"utm_medium": "email"}),
])
def test_a_parameter_the_page_does_not_read_is_served_the_pages_one_copy(official, demo, name, args, extra,
                                                                          django_assert_num_queries):
    # A link shared with a tracking tag, or a malformed quarter (read as none: the default
    # quarter), shows what the plain address shows, from the same copy: it adds no cache entry.
    url = reverse(name, args=args)
    plain = official.get(url, {"year": 2024})
    with django_assert_num_queries(2):  # the sign-in queries only: the page came from the plain address's copy
        tagged = official.get(url, {"year": 2024, **extra})
    content = re.compile(r"<main.*</main>", re.S)
    assert content.search(tagged.content.decode()).group() == content.search(plain.content.decode()).group()


@pytest.mark.parametrize("name, args, sort, made_up", [
    ("late", [], "sort", [{"sort": "khong-co"}, {"sort": ["unit", "khong-co"]}, {"page": "99"}, {"page": "0"}, {"page": "01"},
                          {"page": "abc"}, {"year": " 2024"}, {"sort": "-state", "page": "x" * 300}]),
    ("indicator", [3], "u{pk}-sort", [{"u{pk}-sort": "password"}, {"u{pk}-page": "2"}, {"m{pk}-sort": "-khong"}]),
])
def test_made_up_sorts_and_pages_are_served_but_add_no_cache_entry(official, demo, name, args, sort, made_up):
    # Otherwise anyone signed in could fill the cache (Redis included) with one copy per made-up value.
    pk = Measure.objects.get(code="3").pk
    url = reverse(name, args=args)
    official.get(url, {"year": 2024})
    entries = len(cache._cache)
    content = re.compile(r"<main.*</main>", re.S)
    for params in made_up:
        params = {key.format(pk=pk): value for key, value in params.items()}
        response = official.get(url, {"year": 2024, **params})
        assert response.status_code == 200, params
        assert len(cache._cache) == entries, params
    # A sort the table has is kept like any page: the count above can move.
    ordered = official.get(url, {"year": 2024, sort.format(pk=pk): "-unit"})
    assert len(cache._cache) == entries + 1
    assert content.search(official.get(url, {"year": 2024, sort.format(pk=pk): "-unit"}).content.decode()).group() == \
        content.search(ordered.content.decode()).group()


def test_the_tables_links_keep_what_the_page_reads_and_drop_the_rest(official, demo):
    measure = Figure.objects.filter(measure__indicator__number=3).first().measure
    page = official.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 3, "utm_source": "zalo",
                                                         f"u{measure.pk}-sort": "-unit"}).content.decode()
    links = re.findall(rf'href="(\?[^"]*u{measure.pk}-sort=[^"]*)"', page)
    assert links and all("utm_source" not in link and "year=2024" in link and "quarter=3" in link for link in links)


def test_a_role_taken_away_is_gone_from_the_next_page(client, demo, reviewer):
    client.force_login(reviewer)
    assert reverse("review") in client.get(reverse("home")).content.decode()
    reviewer.groups.clear()
    html = client.get(reverse("home")).content.decode()
    assert reverse("review") not in html
    assert client.get(reverse("review")).status_code == 403


def test_cached_content_is_shared_but_the_menu_is_each_users_own(client, demo, viewer, admin_user):
    client.force_login(viewer)
    as_viewer = client.get(reverse("home"), {"year": 2024, "quarter": 3}).content.decode()
    client.force_login(admin_user)
    as_admin = client.get(reverse("home"), {"year": 2024, "quarter": 3}).content.decode()
    content = as_viewer.split('<main id="main"')[1]
    assert content == as_admin.split('<main id="main"')[1]  # same numbers, served from the cache
    assert reverse("admin:index") in as_admin and reverse("admin:index") not in as_viewer
    assert admin_user.username in as_admin and admin_user.username not in as_viewer


def test_a_saved_figure_invalidates_the_cached_indicator_page(official, demo):
    url = reverse("indicator", args=[5])
    before = official.get(url, {"year": 2024, "quarter": 3}).content.decode()
    figure = Figure.objects.get(measure__code="5", submission__unit__code="SCT", submission__quarter=3)
    figure.value = Decimal("7777.5")
    figure.save()
    after = official.get(url, {"year": 2024, "quarter": 3}).content.decode()
    assert "7.777,5" not in before and "7.777,5" in after


@pytest.mark.template_context
def test_a_new_release_does_not_serve_pages_rendered_by_the_old_one(official, demo, monkeypatch):
    from targets import pagecache

    official.get(reverse("home"), {"year": 2024, "quarter": 3})
    monkeypatch.setattr(pagecache, "release", lambda: "next-release")
    response = official.get(reverse("home"), {"year": 2024, "quarter": 3})
    assert "overview" in response.context  # rendered afresh, not taken from the cache


@pytest.mark.template_context
def test_drafts_of_other_units_stay_hidden_on_the_unit_page(client, demo, viewer):
    client.force_login(viewer)
    response = client.get(reverse("unit", args=["029"]), {"year": 2024, "quarter": 3})
    assert Submission.objects.get(unit__code="029", quarter=3).state == "draft"
    assert all(r["figure"] is None for r in response.context["rows"])
    reporter = Unit.objects.get(code="029").members.first()
    client.force_login(reporter)
    response = client.get(reverse("unit", args=["029"]), {"year": 2024, "quarter": 3})
    assert any(r["figure"] is not None and r["state"] == "draft" for r in response.context["rows"])


@pytest.mark.template_context
@pytest.mark.parametrize("name, args", [("home", []), ("indicator", [3]), ("indicator", [16]), ("theme", [2]), ("unit", ["024"]),
                                        ("late", [])])
def test_the_cached_page_shows_exactly_what_a_fresh_render_shows(official, demo, name, args):
    url = reverse(name, args=args)
    official.get(url, {"year": 2024, "quarter": 2})  # fills the cache
    cached = official.get(url, {"year": 2024, "quarter": 2})
    assert "overview" not in (cached.context or {}) and "rows" not in (cached.context or {})  # really from the cache
    cache.clear()
    fresh = official.get(url, {"year": 2024, "quarter": 2})
    strip_token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip_token.sub("", cached.content.decode()) == strip_token.sub("", fresh.content.decode())


@pytest.mark.parametrize("name", ["home", "theme", "indicator", "unit", "late", "_period_picker"])
def test_cached_content_templates_use_nothing_of_the_user(name):
    # Their output is shared by every signed-in user (targets/pagecache.py): a name, a CSRF token
    # or a role-dependent link rendered here would be shown to the next user.
    from django.conf import settings

    text = (settings.BASE_DIR / "templates" / "targets" / f"{name}.html").read_text()
    for word in ("user", "request", "csrf_token", "perms", "messages"):
        assert not re.search(rf"{{[{{%][^}}]*\b{word}\b", text), f"{name}.html uses {word}"


def test_the_history_on_the_indicator_page_keeps_drafts_private_until_sent(official, demo):
    from targets.templatetags.emulation import num

    draft = Figure.objects.filter(submission__unit__code="029", submission__quarter=3, value__isnull=False).first()
    assert draft.submission.state == "draft"
    draft.value = Decimal("4321.5")
    draft.save()
    shown = num(draft.value, draft.measure.decimal_places)
    url = reverse("indicator", args=[draft.measure.indicator.number])
    assert shown not in official.get(url, {"year": 2024, "quarter": 3}).content.decode()
    draft.submission.state = "submitted"
    draft.submission.save()
    assert shown in official.get(url, {"year": 2024, "quarter": 3}).content.decode()


def test_english_pages_have_english_structure_words_units_and_dates(official, demo):
    official.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = official.get(reverse("home"), {"year": 2024, "quarter": 3}).content.decode()
    assert "Ha Giang Provincial People&#x27;s Committee · Programme No. 322/CTr-UBND (26/12/2023)" in html
    assert "Theme 2: Achieving each sector" in html and "Hai là" not in html
    assert "billion VND" in html and "tỷ đồng" not in html
    assert 'class="slogan" lang="vi"' in html  # the slogan stays as issued, marked as Vietnamese
    theme = official.get(reverse("theme", args=[2]), {"year": 2024, "quarter": 3}).content.decode()
    assert "<title>Theme 2 ·" in theme and "Tasks: 13, with a report:" not in theme
    assert "Ha Giang Department of Finance" in theme and "Completed" in theme
    unit = official.get(reverse("unit", args=["024"]), {"year": 2024, "quarter": 3}).content.decode()
    assert "Districts and city" in unit and "Khối các huyện" not in unit


@pytest.mark.parametrize("name, args, heading", [("home", [], "Một là"), ("indicator", [3], "Lịch sử số liệu")])
def test_the_frame_takes_the_cached_content_once_where_its_block_is(official, demo, name, args, heading):
    from targets.pagecache import CONTENT_MARK

    url = reverse(name, args=args)
    official.get(url, {"year": 2024, "quarter": 2})  # fills the cache
    response = official.get(url, {"year": 2024, "quarter": 2})
    body = response.content.decode()
    assert response["Content-Type"] == "text/html; charset=utf-8" and int(response["Content-Length"]) == len(response.content)
    assert CONTENT_MARK not in body and body.startswith("<!doctype html>") and body.rstrip().endswith("</html>")
    for tag in ('<header class="site-header">', "<main ", "</main>", "</body>"):
        assert body.count(tag) == 1, tag
    main = body[body.index("<main "):body.index("</main>")]
    assert heading in main and heading not in body.replace(main, "")


def test_a_rate_known_for_an_earlier_quarter_says_so_in_the_indicator_pages_table(client, programme, viewer):
    from tests.test_ranking import send

    rate = Measure.objects.get(campaign=programme, code="12")
    rate.same_period_q1, rate.same_period_q2 = Decimal("58.9"), Decimal("59.6")
    rate.save()
    send(programme, rate.assignments.get(role="lead").unit.code, 1, {"12": "59.2"})
    client.force_login(viewer)
    html = client.get(reverse("indicator", kwargs={"number": 12}), {"year": 2024, "quarter": 2}).content.decode()
    table = html.split("<table", 1)[1].split("</table>", 1)[0]
    # The first half's row holds Q1's figure beside last year's Q1 (58,9, not 59,6), and says so.
    row = next(r for r in table.split("<tr")[1:] if "6 tháng" in r)
    assert "6 tháng (Quý I)" in row and "59,2" in row and "58,9" in row and "59,6" not in row


def test_the_indicator_pages_table_of_periods_marks_an_estimate_as_the_sentence_does(client, demo):
    import re

    from targets.models import Figure

    Figure.objects.filter(measure__code="3", submission__unit__code="STC", submission__quarter=3).update(kind="estimate")
    from tests.conftest import make_user

    client.force_login(make_user("official-est", "viewer"))
    page = client.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 3}).content.decode()
    nine_months = re.search(r'cell-name">9 tháng</td>(.*?)</tr>', page, re.S).group(1)
    assert "(ước)" in nine_months
    assert "(ước)" not in re.search(r'cell-name">Quý I</td>(.*?)</tr>', page, re.S).group(1)


def test_a_unit_that_owes_no_report_is_never_called_late(client, demo):
    from targets.models import Unit
    from tests.conftest import make_user

    Unit.objects.create(code="036", name="Huyện Mới", kind="locality")  # created for next year: nothing of 2024 is its
    client.force_login(make_user("official-late", "viewer"))
    page = client.get(reverse("unit", args=["036"]), {"year": 2024, "quarter": 4}).content.decode()
    assert "Đơn vị không phải gửi báo cáo quý trong năm này" in page and "Trễ hạn" not in page
    owing = client.get(reverse("unit", args=["029"]), {"year": 2024, "quarter": 4}).content.decode()
    assert "Trễ hạn" in owing or "Đúng hạn" in owing


def _card(html: str, number: int) -> str:
    """The overview's row (a card on a phone) of indicator `number`."""
    return next(row for row in html.split("<tr>") if f'<span class="card-number">{number}. </span>' in row)


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip())


def test_the_overview_names_each_measure_of_an_indicator_with_several(official, demo):
    # #14's three lines (accidents, deaths, injuries: two in "người") and #16's PAR/PCI/PAPI, each
    # with its code and name as on the indicator page, and each badge with its code.
    html = official.get(reverse("home"), {"year": 2024, "quarter": 3}).content.decode()
    for number in (14, 16):
        card = _card(html, number)
        value = _text(card.split('class="cell-value')[1].split("</td>")[0])
        for measure in Measure.objects.filter(indicator__number=number):
            assert f"{measure.code} {measure.name}:" in value
    badges = re.findall(r'<span class="badge[^>]*>([^<]*)</span>', _card(html, 14))
    assert [b.split(":")[0] for b in badges] == ["14a", "14b", "14c"]
    # An indicator of one measure is not labelled with it.
    assert "<strong>1</strong>" not in _card(html, 1) and "1: Đã gửi" not in _card(html, 1)


def test_the_overview_writes_a_targets_direction_as_the_report_does(official, demo):
    # #8 must stay at or under 1,3 %: "≤ 1,30" as the report's target cell, not 103,1 % "of plan" alone.
    html = official.get(reverse("home"), {"year": 2024, "quarter": 3}).content.decode()
    assert "/ ≤ 1,30 % (103,1 %)" in _text(_card(html, 8))
    assert "/ > 95,0 %" in _text(_card(html, 13))  # "over 95 %", as the report writes it
    assert "≤" not in _text(_card(html, 1)).split("→")[0]  # "at least": nothing before the target
    assert "/ – vụ" in _text(_card(html, 14))  # no target, nothing to mark
    official.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = official.get(reverse("home"), {"year": 2024, "quarter": 3}).content.decode()
    assert "/ ≤ 1.30 % (103.1 %)" in _text(_card(english, 8))


def test_the_overview_keeps_each_number_on_one_line_with_its_unit(official, demo):
    # On a wide screen "actual / target unit (percent)" is one line (static/css/app.css .keep-line):
    # never "7,50" at a line's end and "% (99,5 %)" under it.
    html = official.get(reverse("home"), {"year": 2024, "quarter": 3}).content.decode()
    assert '<span class="keep-line">1.659,5 (ước) / 2.460,0 tỷ đồng (67,5 %)</span>' in _card(html, 3)
    assert '<strong>14a</strong> Số vụ tai nạn giao thông: <span class="keep-line">' in _card(html, 14)


def test_a_measure_without_any_figure_gets_a_sentence_not_an_empty_chart(official, demo):
    sentence = "Không có biểu đồ vì chưa nhận được số liệu nào."
    for number, codes in ((16, ["16a", "16b", "16c"]), (6, ["6"]), (20, ["20"])):
        html = official.get(reverse("indicator", args=[number]), {"year": 2024, "quarter": 3}).content.decode()
        assert 'data-chart="chart-' not in html and 'id="chart-' not in html, number
        assert html.count(sentence) == len(codes), number
        assert html.count("<table") >= len(codes)  # each measure's table of periods, without its figures, is still there
    html = official.get(reverse("indicator", args=[3]), {"year": 2024, "quarter": 3}).content.decode()
    assert 'data-chart="chart-' in html and sentence not in html
