"""The first pages: login, the home overview for a logged-in user, nothing for anonymous users."""

import pytest
from django.urls import reverse

from targets.models import Figure, Measure, Submission, Unit
from tests.conftest import PASSWORD


def test_anonymous_users_are_sent_to_the_login_page(client, programme):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(reverse("login")).status_code == 200


def test_login_with_a_wrong_password_says_so_in_vietnamese(client, viewer):
    response = client.post(reverse("login"), {"username": "official", "password": "wrong"})
    assert response.status_code == 200
    assert "không khớp" in response.content.decode()


@pytest.mark.template_context
def test_home_shows_the_campaign_its_six_themes_and_twenty_indicators(client, programme, viewer):
    client.login(username="official", password=PASSWORD)
    response = client.get(reverse("home"), {"quarter": 3})
    html = response.content.decode()
    assert response.status_code == 200
    assert "322/CTr-UBND" in html
    assert "Đoàn kết, đổi mới, sáng tạo, linh hoạt" in html
    for ordinal in ("Một là", "Hai là", "Ba là", "Bốn là", "Năm là", "Sáu là"):
        assert ordinal in html
    assert len(response.context["overview"].indicators) == 20
    # GRDP, GRDP per capita, the poverty rate, PAR Index/PCI/PAPI and the party rating are
    # published after the year: awaited, not missing.
    assert "Chưa có số liệu: <strong>15</strong>" in html
    assert "Chờ công bố: <strong>5</strong>" in html


def test_home_shows_the_status_of_a_submitted_figure(client, programme, viewer):
    submission = Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="STC"), quarter=1, state="submitted")
    Figure.objects.create(submission=submission, measure=Measure.objects.get(code="3"), value="650")
    client.login(username="official", password=PASSWORD)
    html = client.get(reverse("home"), {"quarter": 1}).content.decode()
    # 650 / 2460 = 26.4 % of plan against an expected 25 %: on track.
    assert "Quý I: 650,0 / 2.460 tỷ đồng = 26,4 % kế hoạch; tiến độ cần đạt 25,0 % → đúng tiến độ" in html
    assert "Đúng tiến độ: <strong>1</strong>" in html


def test_drafts_do_not_reach_the_dashboard(client, programme, viewer):
    submission = Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="STC"), quarter=1, state="draft")
    Figure.objects.create(submission=submission, measure=Measure.objects.get(code="3"), value="650")
    client.login(username="official", password=PASSWORD)
    html = client.get(reverse("home"), {"quarter": 1}).content.decode()
    assert "650,0 / 2.460" not in html


def test_home_switches_to_english(client, programme, viewer):
    client.login(username="official", password=PASSWORD)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("home"), {"quarter": 1}).content.decode()
    assert "No data: <strong>15</strong>" in html and "Awaited: <strong>5</strong>" in html
    assert 'lang="en"' in html


@pytest.mark.parametrize("fixture", ["viewer", "reviewer", "admin_user"])
def test_home_is_open_to_every_role(client, programme, fixture, request):
    user = request.getfixturevalue(fixture)
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200


def test_healthz_answers_without_login(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_pages_are_vietnamese_even_when_the_browser_asks_for_english(client, programme, viewer):
    client.force_login(viewer)
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="vi"' in html
    assert "Tổng quan" in html


def test_the_language_switch_works_before_login(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    assert "Log in" in client.get(reverse("login")).content.decode()


@pytest.fixture
def kept_fragments(settings):
    """The menu fragment kept in memory as in production (DEBUG keeps nothing, templates/base.html)."""
    from django.core.cache import caches

    settings.CACHES = {**settings.CACHES, "template_fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-fragments"}}
    caches["template_fragments"].clear()
    yield caches["template_fragments"]
    caches["template_fragments"].clear()


def _menu(client, user, lang="vi"):
    client.force_login(user)
    client.cookies["django_language"] = lang
    html = client.get(reverse("home")).content.decode()
    return html[html.index('<ul class="navbar-nav'):html.index("</nav>")]


def test_the_kept_menu_is_each_roles_own_in_its_language_with_this_requests_tokens(client, programme, kept_fragments):
    from tests.conftest import make_user

    viewer, boss = make_user("official", "viewer"), make_user("boss", "admin", is_superuser=True, is_staff=True)
    first = _menu(client, viewer)
    assert "Tổng quan" in first and "Quản trị" not in first and "Nhập số liệu" not in first
    assert "Quản trị" in _menu(client, boss) and "Nhập số liệu" in _menu(client, boss)
    assert "Quản trị" not in _menu(client, viewer)  # the admin's copy is not the viewer's
    english = _menu(client, viewer, "en")
    assert "Overview" in english and "Tổng quan" not in english and "Administration" not in english
    # Kept: the menu once per role set and language, the tools strip above it once per language;
    # the user's name and the forms' tokens are this request's.
    kept = [key.split(".")[2] for key in kept_fragments._cache]
    assert sorted(kept) == ["frame-menu"] * 3 + ["frame-tools"] * 2
    client.force_login(boss)
    html = client.get(reverse("home")).content.decode()
    assert ">boss</a>" in html and html.count('name="csrfmiddlewaretoken"') == 2
    assert f'name="next" value="{reverse("home")}"' in html


def test_the_administration_link_is_shown_to_those_the_admin_lets_in(client, programme):
    from django.core.cache import cache

    from tests.conftest import make_user

    cache.clear()
    client.force_login(make_user("admin-by-group", "admin"))  # the admin role, without staff access to Django's admin
    assert "Quản trị hệ thống" not in client.get("/").content.decode()
    client.force_login(make_user("boss", "admin", is_staff=True, is_superuser=True))
    page = client.get("/").content.decode()
    assert "Quản trị hệ thống" in page and client.get("/admin/").status_code == 200
