"""Beyond one machine: the replica router and the shared Redis cache (real Redis on loopback)."""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from emulation.cache import RedisCache
from emulation.db_router import ReplicaRouter
from targets.models import Figure, Measure, Submission
from targets.overview import cached_overview
from targets.versions import KEYS, bump, current

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_dashboard_reads_go_to_the_replica_and_writes_to_the_primary(transactional_db):
    router = ReplicaRouter()
    assert router.db_for_read(Figure) == "replica"
    assert router.db_for_read(Measure) == "replica"
    assert router.db_for_read(User) == "default"  # sessions and logins stay on the primary
    assert router.db_for_read(Figure.history.model) == "default"
    assert router.db_for_write(Figure) == "default"
    assert router.allow_migrate("replica", "targets") is False
    with transaction.atomic():
        assert router.db_for_read(Submission) == "default"  # read your own writes


def test_the_replica_is_configured_from_the_environment():
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/primary_db",
           "DATABASE_REPLICA_URL": "postgres://reader@10.0.0.2:5432/replica_db"}
    code = ("from django.conf import settings; d = settings.DATABASES; "
            "print(d['replica']['HOST'], d['replica']['NAME'], settings.DATABASE_ROUTERS)")
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "10.0.0.2 replica_db ['emulation.db_router.ReplicaRouter']", out.stderr


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def redis_caches(settings):
    if not _redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": {"BACKEND": "emulation.cache.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": prefix}}
    other_server = RedisCache(REDIS_URL, {"KEY_PREFIX": prefix})
    yield other_server
    other_server.clear()


def test_a_save_on_one_server_invalidates_the_dashboards_cached_on_another(programme, redis_caches):
    from django.core.cache import cache

    before = current("data")
    cached_overview(programme, 1)
    assert redis_caches.get(KEYS["data"]) == before  # the second server sees the same version
    bump("data")
    assert redis_caches.get(KEYS["data"]) == before + 1
    assert cache.get(f"emulation:overview:{programme.pk}:1:{before + 1}") is None
    # A figure saved anywhere bumps it too (signals).
    submission = Submission.objects.create(campaign=programme, unit_id=programme.measures.get(code="3").assignments.get(role="lead").unit_id,
                                           quarter=1, state="submitted")
    Figure.objects.create(submission=submission, measure=Measure.objects.get(code="3"), value=1)
    assert redis_caches.get(KEYS["data"]) > before + 1


def test_the_redis_cache_keeps_one_client_and_still_works_from_many_threads(redis_caches):
    import threading

    assert redis_caches._cache.get_client() is redis_caches._cache.get_client()
    errors = []

    def work(n):
        try:
            for i in range(50):
                redis_caches.set(f"thread-{n}-{i}", i)
                assert redis_caches.get(f"thread-{n}-{i}") == i
        except Exception as error:  # collected and asserted below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@pytest.fixture
def fast_redis(redis_caches, settings):
    settings.USER_CACHE_SECONDS = 300
    settings.SESSION_ENGINE = "targets.sessions"
    return redis_caches


def test_a_cached_page_costs_one_redis_command_and_no_query(client, demo, viewer, fast_redis, monkeypatch, django_assert_num_queries):
    import redis
    from django.urls import reverse

    client.force_login(viewer)
    url = reverse("indicator", args=[3])
    client.get(url, {"year": 2024, "quarter": 3})
    commands = []
    original = redis.Redis.execute_command
    monkeypatch.setattr(redis.Redis, "execute_command", lambda self, *a, **k: commands.append(a[0]) or original(self, *a, **k))
    with django_assert_num_queries(0):
        response = client.get(url, {"year": 2024, "quarter": 3})
    assert response.status_code == 200 and viewer.username in response.content.decode()
    assert commands == ["MGET"]  # the session and both version counters


def test_a_user_deactivated_on_another_server_is_signed_out_here(client, demo, viewer, fast_redis):
    from django.urls import reverse

    client.force_login(viewer)
    assert client.get(reverse("home")).status_code == 200  # this process now remembers the user
    # The other server's save: the row changes and its signal bumps the shared counter.
    User.objects.filter(pk=viewer.pk).update(is_active=False)
    fast_redis.incr(KEYS["users"])
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
