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
