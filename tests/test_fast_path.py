"""A dashboard page served from the cache: whole pages per set of roles, users remembered by each
process, version counters read once a request; and every change still showing at once."""

import re

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache, caches
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from targets import versions
from targets.access import RolesBackend
from targets.models import Indicator
from targets.pagecache import CSRF_SLOT, NAME_SLOT
from tests.conftest import make_user

PERIOD = {"year": 2024, "quarter": 3}


@pytest.fixture
def fast(settings):
    """What production runs with Redis: users remembered, sessions bringing the counters along."""
    settings.USER_CACHE_SECONDS = 300
    settings.SESSION_ENGINE = "targets.sessions"


@pytest.fixture
def cache_reads(monkeypatch):
    """Counts the reads from the default cache (each is a round trip to Redis in production)."""
    store, reads = caches["default"], []

    def counted(name):
        original = getattr(store, name)

        def read(*args, **kwargs):
            reads.append(name)
            # The memory cache's get_many calls get for each key: count the outer call only.
            with monkeypatch.context() as inner:
                inner.setattr(store, "get", store.get.__wrapped__)
                return original(*args, **kwargs)

        read.__wrapped__ = original
        return read

    monkeypatch.setattr(store, "get", counted("get"))
    monkeypatch.setattr(store, "get_many", counted("get_many"))
    return reads


def test_a_cached_page_needs_no_query_and_a_single_cache_read(client, demo, viewer, fast, cache_reads, django_assert_num_queries):
    client.force_login(viewer)
    for name, args in [("home", []), ("indicator", [3]), ("theme", [2]), ("unit", ["024"]), ("late", [])]:
        client.get(reverse(name, args=args), PERIOD)
        cache_reads.clear()
        with django_assert_num_queries(0):
            response = client.get(reverse(name, args=args), PERIOD)
        assert response.status_code == 200 and viewer.username in response.content.decode()
        assert cache_reads == ["get_many"], name  # the session and the version counters, together


def test_a_deactivated_user_is_signed_out_at_once(client, demo, viewer, fast):
    client.force_login(viewer)
    assert client.get(reverse("home")).status_code == 200
    viewer.is_active = False
    viewer.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_new_password_signs_out_the_other_sessions_at_once(client, demo, viewer, fast):
    client.force_login(viewer)
    assert client.get(reverse("home")).status_code == 200
    viewer.set_password("Another-password-2024")
    viewer.save()
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize("change", ["user leaves the group", "group empties", "group renamed", "group deleted"])
def test_a_role_taken_away_in_any_way_is_gone_from_the_next_page(client, demo, reviewer, fast, change):
    client.force_login(reviewer)
    assert reverse("review") in client.get(reverse("home"), PERIOD).content.decode()
    group = Group.objects.get(name="reviewer")
    if change == "user leaves the group":
        reviewer.groups.remove(group)
    elif change == "group empties":
        group.user_set.clear()
    elif change == "group renamed":
        group.name = "former-reviewers"
        group.save()
    else:
        group.delete()
    assert reverse("review") not in client.get(reverse("home"), PERIOD).content.decode()
    assert client.get(reverse("review")).status_code == 403


def test_a_change_behind_djangos_back_holds_only_for_the_time_limit(client, demo, viewer, fast, monkeypatch):
    import time

    client.force_login(viewer)
    assert client.get(reverse("home")).status_code == 200
    with connection.cursor() as cursor:  # no signal: the copy in memory does not know
        cursor.execute("UPDATE auth_user SET is_active = false WHERE id = %s", [viewer.pk])
    assert client.get(reverse("home")).status_code == 200
    later = time.monotonic() + 301
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert client.get(reverse("home")).status_code == 302


def test_each_request_gets_its_own_copy_of_a_remembered_user(db, fast):
    user = make_user("someone", "viewer")
    first, second = RolesBackend().get_user(user.pk), RolesBackend().get_user(user.pk)
    assert first is not second and first == second and list(second.group_names) == ["viewer"]
    first.first_name = "changed in one request"
    assert RolesBackend().get_user(user.pk).first_name == ""


def test_after_the_cache_is_emptied_no_page_remembered_by_the_process_is_served(client, demo, viewer, fast):
    # Redis keeps nothing on disk: after it restarts, the counters start again and must not meet
    # the numbers the pages in each process's memory were kept under.
    client.force_login(viewer)
    url = reverse("indicator", args=[5])
    assert "Renamed behind the cache" not in client.get(url, PERIOD).content.decode()
    Indicator.objects.filter(number=5).update(name="Renamed behind the cache")  # no signal, no bump
    cache.clear()
    client.force_login(viewer)  # the sessions went with the cache
    assert "Renamed behind the cache" in client.get(url, PERIOD).content.decode()


def test_a_request_reads_the_counters_once_and_sees_its_own_changes(db):
    versions.request_started()
    try:
        data = versions.current("data")
        cache.incr(versions.KEYS["data"])  # another server saves meanwhile
        assert versions.current("data") == data  # one view of the data for the whole request
        versions.bump("data")
        assert versions.current("data") == data + 2  # this request's own save shows in its pages
    finally:
        versions.request_finished()
    cache.incr(versions.KEYS["data"])
    assert versions.current("data") == data + 3  # outside a request, always read afresh


def test_recent_keeps_only_the_most_recently_used():
    recent = versions.Recent(size=2)
    recent.put("a", 1)
    recent.put("b", 2)
    assert recent.get("a") == 1  # now the most recent
    recent.put("c", 3)
    assert (recent.get("a"), recent.get("b"), recent.get("c")) == (1, None, 3)


def test_the_csrf_token_in_a_cached_page_signs_out(demo, viewer, fast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    client.get(reverse("home"), PERIOD)
    html = client.get(reverse("home"), PERIOD).content.decode()
    assert CSRF_SLOT not in html and NAME_SLOT not in html
    token = re.search(r'action="/logout/" method="post"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"',
                      html).group(1)
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == reverse("login")


def test_everyone_sees_their_own_name_in_the_shared_page_and_names_are_escaped(client, demo, viewer, fast):
    client.force_login(viewer)
    client.get(reverse("home"), PERIOD)
    odd = make_user("trần<b>&lê", "viewer")
    client.force_login(odd)
    html = client.get(reverse("home"), PERIOD).content.decode()
    assert "trần&lt;b&gt;&amp;lê" in html and "trần<b>" not in html
    assert ">official<" not in html


def test_a_pending_message_shows_once_on_a_cached_page(client, demo, viewer, fast):
    client.force_login(viewer)
    client.get(reverse("home"), PERIOD)
    # As a view leaves it after an action: the message waits in a signed cookie.
    client.cookies["messages"] = CookieStorage(HttpRequest())._encode([Message(constants.SUCCESS, "Đã gửi nhắc nhở.")])
    assert "Đã gửi nhắc nhở." in client.get(reverse("home"), PERIOD).content.decode()
    assert "Đã gửi nhắc nhở." not in client.get(reverse("home"), PERIOD).content.decode()
