import pytest
from django.core.exceptions import ImproperlyConfigured

from emulation.settings import parse_database_url


def test_database_url_with_host_and_port():
    db = parse_database_url("postgres://postgres:s%40cret@127.0.0.1:5432/emulation?sslmode=disable")
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"], db["PASSWORD"]) == ("127.0.0.1", "5432", "emulation", "postgres", "s@cret")
    assert db["OPTIONS"] == {"sslmode": "disable"}


def test_database_url_of_the_embedded_server_uses_its_socket_directory():
    db = parse_database_url("postgresql://postgres:@/emulation?host=/work/main/var/pgdata")
    assert db["HOST"] == "/work/main/var/pgdata"
    assert db["OPTIONS"] == {}


@pytest.mark.parametrize("url", ["sqlite:///db.sqlite3", "postgres://localhost:5432/"])
def test_other_databases_are_refused(url):
    with pytest.raises(ImproperlyConfigured):
        parse_database_url(url)


def _settings_in_a_fresh_process(code, **env):
    # Settings are read in fresh processes, as a site started with this environment would read them.
    import subprocess
    import sys
    from pathlib import Path

    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "emulation.settings", "DEBUG": "1", **env}
    return subprocess.run([sys.executable, "-c", f"from django.conf import settings; {code}"],
                          cwd=Path(__file__).resolve().parent.parent, env=env, capture_output=True, text=True)


def test_two_databases_sharing_one_redis_get_separate_cache_keys():
    def settings_of(database_url):
        out = _settings_in_a_fresh_process(
            "print(settings.CACHES['default']['KEY_PREFIX'], settings.SESSION_ENGINE)",
            DATABASE_URL=database_url, REDIS_URL="redis://127.0.0.1:6379/15")
        return out.stdout.split()

    first, engine = settings_of("postgres://postgres@127.0.0.1:5432/province_a")
    second, _engine = settings_of("postgres://postgres@127.0.0.1:5432/province_b")
    assert first != second and "province_a" in first
    assert engine == "django.contrib.sessions.backends.db"  # sessions never depend on Redis
