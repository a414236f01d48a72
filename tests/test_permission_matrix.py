"""Every URL × every role, generated from the URL configuration so no new URL can skip it.

`EXPECTED` must name every URL pattern of the project; a pattern without an entry fails the
test `test_every_url_has_expectations`. Each entry gives, per role, the status a GET and a
POST must answer. "login" means a redirect to the login page.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from targets.models import Campaign, Submission, Unit
from tests.conftest import make_user

ROLES = ("anonymous", "viewer", "reporter_a", "reporter_b", "reviewer", "admin")
LOGIN = "login"
ALL_OK = dict.fromkeys(ROLES[1:], 200)


def _everyone(status, anonymous=LOGIN):
    return {"anonymous": anonymous, **dict.fromkeys(ROLES[1:], status)}


# url name → {"get": {role: status}, "post": {role: status}, "query": "...", "kwargs": {...}}
EXPECTED = {
    "home": {"get": _everyone(200), "post": _everyone(405)},
    "theme": {"get": _everyone(200), "post": _everyone(405), "kwargs": {"number": 2}},
    "indicator": {"get": _everyone(200), "post": _everyone(405), "kwargs": {"number": 3}},
    "unit": {"get": _everyone(200), "post": _everyone(405), "kwargs": {"code": "024"}},
    "late": {"get": _everyone(200), "post": _everyone(405)},
    "profile": {"get": _everyone(200), "post": _everyone(200)},
    # The API answers 401 JSON instead of redirecting to the login page.
    "api-progress": {"get": _everyone(200, anonymous=401), "post": _everyone(405, anonymous=405), "query": "?year=2024&quarter=1"},
    "api-figures": {"get": _everyone(200, anonymous=401), "post": _everyone(405, anonymous=405), "query": "?year=2024"},
    "api-units": {"get": _everyone(200, anonymous=401), "post": _everyone(405, anonymous=405)},
    "api-measures": {"get": _everyone(200, anonymous=401), "post": _everyone(405, anonymous=405), "query": "?year=2024"},
    "login": {"get": {"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)}, "post": {"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)}},
    "logout": {"get": _everyone(405), "post": _everyone(302)},
    "healthz": {"get": _everyone(200, anonymous=200), "post": _everyone(405, anonymous=405)},
    "ping": {"get": _everyone(200, anonymous=200), "post": _everyone(405, anonymous=405)},
    "set_language": {"get": _everyone(302, anonymous=302), "post": _everyone(302, anonymous=302)},
    "exports:report": {"get": _everyone(200), "post": _everyone(405), "query": "?year=2024&quarter=1"},
    "exports:figures": {"get": _everyone(200), "post": _everyone(405), "query": "?year=2024"},
    # Entry: viewers never; reporters only their own unit (reporter_a belongs to 024). The 2024
    # quarters are closed by now, so a reporter's POST is refused (403) with the closing date; the
    # secretariat's empty POST (no formset) is answered with the page and its error.
    "entry": {
        "get": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 200, "reporter_b": 403, "reviewer": 200, "admin": 200},
        "post": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 403, "reporter_b": 403, "reviewer": 200, "admin": 200},
        "query": "?unit=024&year=2024&quarter=1",
    },
    "template-download": {
        "get": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 200, "reporter_b": 200, "reviewer": 200, "admin": 200},
        "post": _everyone(405), "query": "?year=2024&quarter=1",
    },
    # An upload without a file is answered with the form again (and a message), never a 500.
    "upload": {
        "get": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 200, "reporter_b": 200, "reviewer": 200, "admin": 200},
        "post": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 302, "reporter_b": 302, "reviewer": 302, "admin": 302},
    },
    "review": {
        "get": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 403, "reporter_b": 403, "reviewer": 200, "admin": 200},
        "post": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 403, "reporter_b": 403, "reviewer": 302, "admin": 302},
    },
    # A draft of unit 024: its own reporter and the secretariat see it; nobody else.
    "submission": {
        "get": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 200, "reporter_b": 403, "reviewer": 200, "admin": 200},
        "post": _everyone(405),
        "kwargs": "draft_024",
    },
    # The emulation (issue 16): viewers see rankings, reporters their own unit's explanation,
    # the secretariat enters bonuses, registrations and proposals, admins pledges and close the year.
    "ranking": {
        "get": {"anonymous": LOGIN, "viewer": 200, "reporter_a": 403, "reporter_b": 403, "reviewer": 200, "admin": 200},
        "post": _everyone(405),
    },
    "ranking-unit": {
        "get": {"anonymous": LOGIN, "viewer": 200, "reporter_a": 200, "reporter_b": 403, "reviewer": 200, "admin": 200},
        "post": _everyone(405), "kwargs": {"code": "024"},
    },
    "ranking-export": {
        "get": {"anonymous": LOGIN, "viewer": 200, "reporter_a": 403, "reporter_b": 403, "reviewer": 200, "admin": 200},
        "post": _everyone(405),
    },
    "ranking-close": {
        "get": _everyone(302, anonymous=302),  # to the ranking page (which asks for a sign-in), not a bare 405
        "post": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 403, "reporter_b": 403, "reviewer": 403, "admin": 302},
    },
    # An empty form is answered with the form and its errors again.
    "adjustments": {
        "get": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 403, "reporter_b": 403, "reviewer": 200, "admin": 200},
        "post": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 403, "reporter_b": 403, "reviewer": 200, "admin": 200},
    },
    "registrations": {
        "get": {"anonymous": LOGIN, "viewer": 200, "reporter_a": 403, "reporter_b": 403, "reviewer": 200, "admin": 200},
        "post": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 403, "reporter_b": 403, "reviewer": 200, "admin": 200},
    },
    "proposals": {
        "get": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 403, "reporter_b": 403, "reviewer": 200, "admin": 200},
        "post": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 403, "reporter_b": 403, "reviewer": 200, "admin": 200},
    },
    "pledges": {
        "get": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 403, "reporter_b": 403, "reviewer": 403, "admin": 200},
        "post": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 403, "reporter_b": 403, "reviewer": 403, "admin": 200},
    },
    "pledge-template": {
        "get": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 403, "reporter_b": 403, "reviewer": 403, "admin": 200},
        "post": _everyone(405),
    },
    "api-ranking": {"get": _everyone(200, anonymous=401), "post": _everyone(405, anonymous=405), "query": "?year=2024"},
    "submission-decide": {
        "get": _everyone(405),
        "post": {"anonymous": LOGIN, "viewer": 403, "reporter_a": 403, "reporter_b": 403, "reviewer": 302, "admin": 302},
        "kwargs": "draft_024",
    },
}


def _patterns(resolver: URLResolver, namespace: str = "", prefix: str = ""):
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            if str(item.pattern).startswith("admin/"):
                continue  # Django's admin checks is_staff itself; tested below as a whole
            ns = f"{namespace}{item.namespace}:" if item.namespace else namespace
            yield from _patterns(item, ns, prefix + str(item.pattern))
        elif isinstance(item, URLPattern) and item.name:
            yield f"{namespace}{item.name}", prefix + str(item.pattern)


PROJECT_URLS = dict(_patterns(get_resolver()))


def test_every_url_has_expectations():
    missing = sorted(set(PROJECT_URLS) - set(EXPECTED))
    assert not missing, f"URLs without a permission expectation: {missing}"


@pytest.fixture
def users(programme, viewer, reviewer, admin_user):
    return {
        "anonymous": None,
        "viewer": viewer,
        "reporter_a": make_user("reporter-a", "reporter", units=[Unit.objects.get(code="024")]),
        "reporter_b": make_user("reporter-b", "reporter", units=[Unit.objects.get(code="026")]),
        "reviewer": reviewer,
        "admin": admin_user,
    }


def _check(client, user, method: str, url: str, expected) -> None:
    client.logout()
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url)
    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), (method, url)
    else:
        assert response.status_code == expected, (method, url, response.status_code)


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_url_role_matrix(client, users, name, role):
    spec = EXPECTED[name]
    kwargs = spec.get("kwargs")
    if kwargs == "draft_024":
        kwargs = {"pk": Submission.objects.create(campaign=Campaign.objects.get(), unit=Unit.objects.get(code="024"), quarter=1).pk}
    url = reverse(name, kwargs=kwargs) + spec.get("query", "")
    for method in ("get", "post"):
        _check(client, users[role], method, url, spec[method][role])


@pytest.mark.parametrize("role, status", [("anonymous", 302), ("viewer", 302), ("reporter_a", 302), ("reviewer", 302), ("admin", 200)])
def test_only_admins_enter_the_django_admin(client, users, role, status):
    _check(client, users[role], "get", reverse("admin:index"), status)
