"""Malformed values in every parameter of every view, for every role: a clear answer (400, 403,
404, a form message, a redirect), never a server error.

ROUTES lists each URL of the URLconf with the parameters its view reads; a test checks the table
covers the whole URLconf, so a new view must be added here. Django's admin is tried through its
lists and change pages of the site's models.
"""

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from targets import workflow
from targets.models import Measure, Submission, Unit
from tests.conftest import make_user

YEAR = ["year", "quarter"]
# url name: (path arguments, methods, parameters the view reads from the query string or the form)
ROUTES = {
    "home": ({}, ["GET"], YEAR),
    "theme": ({"number": 2}, ["GET"], [*YEAR, "sort"]),
    # Each measure's tables: the series (m<pk>-) and the units (u<pk>-); {measure} is indicator 1's.
    "indicator": ({"number": 1}, ["GET"], [*YEAR, "m{measure}-sort", "u{measure}-sort", "u{measure}-page"]),
    "unit": ({"code": "024"}, ["GET"], [*YEAR, "sort"]),
    "late": ({}, ["GET"], [*YEAR, "sort", "page"]),
    "login": ({}, ["GET", "POST"], ["username", "password", "next"]),
    "logout": ({}, ["POST"], ["next"]),
    "healthz": ({}, ["GET"], []),
    "ping": ({}, ["GET"], []),
    "exports:report": ({}, ["GET"], [*YEAR, "lang"]),
    "exports:figures": ({}, ["GET"], ["year", "unit", "format", "lang"]),
    "profile": ({}, ["GET", "POST"], ["action", "token", "name", "expires_on"]),
    "api-progress": ({}, ["GET"], [*YEAR, "unit"]),
    "api-figures": ({}, ["GET"], [*YEAR, "measure", "unit", "page", "page_size"]),
    "api-units": ({}, ["GET"], []),
    "api-measures": ({}, ["GET"], ["year"]),
    "entry": ({}, ["GET", "POST"], [*YEAR, "unit", "action", "reason", "confirm", "send_incomplete", "VALUE", "VERDICT", "NOTE", "SOURCE", "KIND",
                                     "VERSION", "page_lang"]),
    "review": ({}, ["GET", "POST"], [*YEAR, "action", "submission", "sort", "page", "select"]),
    "template-download": ({}, ["GET"], [*YEAR, "unit"]),
    "upload": ({}, ["GET", "POST"], ["token", "confirm", "action", "file"]),
    "submission": ({"pk": "REPORT"}, ["GET"], []),
    "submission-decide": ({"pk": "REPORT"}, ["POST"], ["action", "comment"]),
    "set_language": ({}, ["POST"], ["language", "next"]),
    # The emulation (issue 16).
    "ranking": ({}, ["GET"], ["year", "bloc"]),
    "ranking-unit": ({"code": "024"}, ["GET"], ["year"]),
    "ranking-close": ({}, ["POST"], ["year"]),
    "ranking-export": ({}, ["GET"], ["year", "lang"]),
    "adjustments": ({}, ["GET", "POST"], ["year", "unit", "kind", "points", "reason", "evidence", "bars_flag", "remove", "why", "page_lang"]),
    "registrations": ({}, ["GET", "POST"], ["year", "unit", "title", "registered", "registered_on"]),
    "proposals": ({}, ["GET", "POST"], ["year", "action", "proposal", "reason", "state", "decision_number", "decision_date",
                                        "decided_by", "why", "version"]),
    "pledges": ({}, ["GET", "POST"], ["year", "file", "token", "action"]),
    "pledge-template": ({}, ["GET"], ["year"]),
    "api-ranking": ({}, ["GET"], ["year", "quarter", "bloc", "unit"]),
}
# Fields that views read from a posted form only (a form bound to request.POST, request.POST.get):
# sent with POST, not also with GET, where the view never looks at them; this halves the sweep.
POST_ONLY = {"username", "password", "action", "token", "name", "expires_on", "reason", "confirm", "send_incomplete", "VALUE", "VERDICT", "NOTE",
             "SOURCE", "KIND", "VERSION", "submission", "comment", "kind", "points", "evidence", "bars_flag", "remove", "why",
             "title", "registered", "registered_on", "proposal", "state", "decision_number", "decision_date", "decided_by", "version", "file",
             "page_lang"}
ENTRY_FIELDS = {"VALUE": "value", "VERDICT": "verdict", "NOTE": "note", "SOURCE": "source", "KIND": "kind", "VERSION": "version"}
MALFORMED = ["abc", "-1", "²", "99999999999999999999999", "1.5", "", "a\x00b", "<b>'\"%", "x" * 5000, ["1", "2"]]
PATH_VALUES = {"number": ["0", "99999999999999999999"], "code": ["khong-co", "a%00b", "x" * 300],
               "pk": ["0", "99999999999999999999"]}


def _names(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name != "admin":
                yield from _names(pattern, prefix + (f"{pattern.namespace}:" if pattern.namespace else ""))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name


def test_the_table_covers_every_view_of_the_urlconf():
    assert set(_names(get_resolver())) == set(ROUTES)
    # A name in POST_ONLY is a field of a route that takes POST, never a parameter of a GET-only route.
    posted = {p for _kwargs, methods, params in ROUTES.values() if "POST" in methods for p in params}
    read_on_get = {p for _kwargs, methods, params in ROUTES.values() if methods == ["GET"] for p in params}
    assert POST_ONLY <= posted and not POST_ONLY & read_on_get


@pytest.fixture
def world(open_year):
    """A report with a figure, so the report pages have something to show."""
    unit = Unit.objects.get(code="024")
    reporter = make_user("reporter", "reporter", units=[unit])
    measure = Measure.objects.get(code="3")
    workflow.save_figures(user=reporter, campaign=open_year, unit=unit, quarter=1,
                          entries=[workflow.Entry(measure=measure, value=5)])
    return {"reporter": reporter, "report": Submission.objects.get(), "measure": measure,
            "names": {"measure": Measure.objects.get(indicator__number=1, indicator__campaign=open_year).pk}}


def _user(role, world):
    if role == "anonymous":
        return None
    if role == "reporter":
        return world["reporter"]
    return make_user(role, role, is_superuser=role == "admin", is_staff=role == "admin")


def _send(client, method, url, data):
    response = getattr(client, method.lower())(url, data)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # an error while streaming is a server error too
    return response.status_code


@pytest.mark.parametrize("role", ["anonymous", "viewer", "reporter", "reviewer", "admin"])
def test_no_malformed_value_in_any_parameter_gives_a_server_error(world, role):
    client = Client(raise_request_exception=False)
    user = _user(role, world)
    failures = []
    for name, (kwargs, methods, params) in ROUTES.items():
        if name == "logout":
            continue  # signs the user out: sent last
        if user is not None:
            client.force_login(user)  # again for each view: the login view may have changed the session
        for key, values in ({k: PATH_VALUES[k] for k in kwargs} | {None: [None]}).items():
            for path_value in values:
                args = {k: (world["report"].pk if v == "REPORT" else v) for k, v in kwargs.items()}
                if key is not None:
                    args[key] = path_value
                url = reverse(name, kwargs=args).replace("a%2500b", "a%00b")
                for method in methods:
                    for param in [p for p in params if method == "POST" or p not in POST_ONLY] if key is None else [None]:
                        for value in MALFORMED if param else [None]:
                            data = {param.format(**world["names"]): value} if param else {}
                            if param in ENTRY_FIELDS:  # a field of the entry formset's first form (measure 3)
                                data = {f"figures-0-{ENTRY_FIELDS[param]}": value, "figures-0-measure": world["measure"].pk,
                                        "figures-TOTAL_FORMS": "1", "figures-INITIAL_FORMS": "1"}
                            status = _send(client, method, url, data)
                            if status >= 500:
                                failures.append((status, method, url, param, repr(value)[:40]))
    if user is not None:
        client.force_login(user)
    for value in MALFORMED:
        if _send(client, "POST", reverse("logout"), {"next": value}) >= 500:
            failures.append(("logout", repr(value)[:40]))
    assert not failures, failures


@pytest.mark.parametrize("path", ["/static/../manage.py", "/static/..%2fmanage.py", "/static/%2e%2e/manage.py",
                                  "/static/vendor/../../emulation/settings.py", "/static/a%00b"])
def test_paths_out_of_the_static_folder_are_not_found(path):
    # The development server (make run) and the live test server serve /static/ through this handler.
    handler = StaticFilesHandler(WSGIHandler())
    response = handler.get_response(RequestFactory().get(path))
    assert response.status_code == 404


def test_the_api_answers_a_malformed_page_with_json_400(client, world):
    client.force_login(make_user("official", "viewer"))
    for page in ("abc", "²", "-1", "1.5"):
        response = client.get(reverse("api-figures"), {"year": 2024, "page": page})
        assert response.status_code == 400 and "page" in response.json()["error"]["message"]


@pytest.mark.parametrize("model", ["figure", "submission", "measure", "unit", "apitoken", "campaign", "deadline"])
def test_the_admin_pages_take_malformed_lists_and_ids_without_a_server_error(programme, model):
    client = Client(raise_request_exception=False)
    client.force_login(make_user("boss", "admin", is_superuser=True, is_staff=True))
    failures = []
    for params in ({"p": "abc"}, {"o": "abc"}, {"o": "99"}, {"q": "x" * 5000}, {"q": "a\x00b"}, {"id__exact": "abc"},
                   {"submission__quarter__exact": "abc"}, {"state__exact": "zzz"}, {"_changelist_filters": "%%%"}):
        if (status := client.get(f"/admin/targets/{model}/", params).status_code) >= 500:
            failures.append((params, status))
    for pk in ("abc", "99999999999999999999", "0", "²"):
        if (status := client.get(f"/admin/targets/{model}/{pk}/change/").status_code) >= 500:
            failures.append((pk, status))
    assert not failures
