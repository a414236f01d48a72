"""Beyond one machine: the replica router and the shared Redis cache (real Redis on loopback)."""

import os
import socket
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.urls import reverse

from emulation.db_router import ReplicaRouter
from targets.models import ApiToken, Figure, Measure, Submission, UploadPreview

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def test_dashboard_reads_go_to_the_replica_and_writes_to_the_primary(transactional_db):
    router = ReplicaRouter()
    assert router.db_for_read(Figure) == "replica"
    assert router.db_for_read(Measure) == "replica"
    assert router.db_for_read(User) == "default"  # sessions and logins stay on the primary
    assert router.db_for_read(Figure.history.model) == "default"
    # Read right after they are written, perhaps on another app server: never a lagging copy.
    assert router.db_for_read(UploadPreview) == "default" and router.db_for_read(ApiToken) == "default"
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
    """This process's cache and a second server's, both in one real Redis."""
    if not _redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": prefix},
                       "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": prefix},
                       "template_fragments": settings.CACHES["template_fragments"]}  # as settings.py has it
    other_server = RedisCache(REDIS_URL, {"KEY_PREFIX": prefix})
    yield other_server
    # Only this test's keys: clear() would empty the Redis database under tests running beside it.
    client = other_server._cache.get_client(write=True)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_a_change_behind_the_sites_back_is_on_the_next_page_with_a_shared_cache(client, demo, viewer, redis_caches):
    from django.urls import reverse

    client.force_login(viewer)
    url = reverse("indicator", args=[3])
    before = client.get(url, {"year": 2024, "quarter": 3}).content.decode()
    assert any("emulation:page" in key for key in _keys(redis_caches))  # shared, not kept per process
    assert not any("emulation:user" in key for key in _keys(redis_caches))  # users (password hashes) stay in memory
    Measure.objects.filter(code="3").update(target=Decimal("9876.5"))  # no signal, no save()
    after = client.get(url, {"year": 2024, "quarter": 3}).content.decode()
    assert '"9876.500000"' not in before and '"9876.500000"' in after


def test_with_redis_a_page_this_process_served_needs_no_redis_round_trip(client, demo, viewer, redis_caches, monkeypatch):
    import redis

    client.force_login(viewer)
    url = reverse("indicator", args=[3])
    first = client.get(url, {"year": 2024, "quarter": 3}).content.decode()
    commands = []
    original = redis.Redis.execute_command
    monkeypatch.setattr(redis.Redis, "execute_command", lambda self, *a, **k: commands.append(a[0]) or original(self, *a, **k))
    again = client.get(url, {"year": 2024, "quarter": 3}).content.decode()
    assert commands == [] and _main(again) == _main(first)
    Measure.objects.filter(code="3").update(target=Decimal("9876.5"))
    assert '"9876.500000"' in client.get(url, {"year": 2024, "quarter": 3}).content.decode()
    # The new version: neither the page nor the overview inside it is here or in Redis; both built and shared.
    assert commands == ["GET", "GET", "SET", "SET"]


def _main(html: str) -> str:
    return html.split('<main id="main"', 1)[1]


def _keys(cache) -> list[str]:
    """This test's keys in Redis (other tests and servers share the database)."""
    return [key.decode() for key in cache._cache.get_client().keys(f"{cache.key_prefix}:*")]


def test_pages_are_served_from_postgresql_while_redis_is_down(client, demo, viewer, settings, monkeypatch):
    from targets import pagecache

    monkeypatch.setattr(pagecache, "_unavailable_until", 0.0)  # and forgotten after this test
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # a port nothing listens on
    port = closed.getsockname()[1]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"},
                       "template_fragments": settings.CACHES["template_fragments"]}
    try:
        client.force_login(viewer)
        for name, args in [("home", []), ("indicator", [3]), ("theme", [2]), ("unit", ["024"]), ("late", [])]:
            response = client.get(reverse(name, args=args), {"year": 2024, "quarter": 3})
            assert response.status_code == 200, name
        assert "Tổng quan" in client.get(reverse("home")).content.decode()
        assert client.get(reverse("api-progress"), {"year": 2024, "quarter": 3}).status_code == 200
        health = client.get(reverse("healthz"))  # asks Redis itself, whatever the pages do
        assert health.status_code == 200 and health.json() == {"status": "degraded", "cache": "unreachable"}
    finally:
        closed.close()


def test_a_failing_redis_is_left_alone_for_a_while_then_tried_again(client, demo, viewer, monkeypatch, settings):
    from django.core.cache import caches
    from redis.exceptions import TimeoutError

    from targets import pagecache

    # As with Redis: a shared cache (here one that hangs) and this process's memory beside it.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"},
                       "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"},
                       "template_fragments": settings.CACHES["template_fragments"]}
    tries = []

    def hangs(*args, **kwargs):
        tries.append(args)
        raise TimeoutError("Timeout reading from socket")

    monkeypatch.setattr(pagecache, "_unavailable_until", 0.0)
    monkeypatch.setattr(caches["default"], "get", hangs)  # this instance only, gone with these settings
    client.force_login(viewer)
    for quarter in (1, 2, 3):
        assert client.get(reverse("home"), {"year": 2024, "quarter": quarter}).status_code == 200
    assert len(tries) == 1  # the first page waited for it; the next ones did not
    later = pagecache._unavailable_until + 1
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: later)
    client.get(reverse("home"), {"year": 2024, "quarter": 4})
    assert len(tries) == 2  # tried again after RETRY_AFTER seconds


def test_healthz_reports_the_cache_as_healthy_when_it_answers(client, db):
    assert client.get(reverse("healthz")).json() == {"status": "ok"}
