"""With the database really gone, every path answers the 503 page (JSON for the API), signed in or
not; never a bare server error. A real app server (gunicorn) against a database address where
nothing listens."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

# One path per view of the URLconf (tests/test_malformed_input.py checks the URLconf has no others).
PATHS = ["/", "/noi-dung/1/", "/chi-tieu/1/", "/don-vi/024/", "/cham-bao-cao/", "/login/", "/healthz",
         "/exports/report.xlsx?year=2024&quarter=1", "/exports/figures?year=2024", "/tai-khoan/",
         "/api/v1/progress/?year=2024&quarter=1", "/api/v1/figures/?year=2024", "/api/v1/units/", "/api/v1/measures/",
         "/nhap-so-lieu/", "/tham-dinh/", "/bieu-mau/", "/tai-len/", "/bao-cao/1/", "/admin/"]
SESSION = "sessionid=q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6"  # a signed-in browser's cookie: its session is in the database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response.status, response.getheader("Content-Type", ""), response.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def site_without_database():
    dead = _free_port()  # nothing listens there once the probe socket is closed
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{dead}/gone", "DEBUG": "1", "DEMO_MODE": "0"}
    env.pop("REDIS_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-w", "1", "emulation.wsgi"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                _request(port, "GET", "/ping")
                break
            except OSError:
                time.sleep(0.3)
        yield port
    finally:
        server.terminate()
        server.wait(20)


@pytest.mark.parametrize("path", PATHS)
def test_signed_in_users_get_the_503_page_on_every_path(site_without_database, path):
    status, content_type, body = _request(site_without_database, "GET", path, {"Cookie": SESSION})
    assert status == 503, body[:500]
    if path.startswith("/api/"):
        assert content_type == "application/json" and '"status": 503' in body
    elif path == "/healthz":  # a monitor that sends a cookie still reads the health check's JSON
        assert content_type == "application/json" and '"database": "unreachable"' in body
    else:
        assert "không kết nối được cơ sở dữ liệu" in body


@pytest.mark.parametrize("path", PATHS)
def test_anonymous_visitors_never_get_a_server_error(site_without_database, path):
    status, _type, body = _request(site_without_database, "GET", path)
    assert status in (200, 302, 401, 503), body[:500]
    assert status == {"/healthz": 503, "/login/": 200}.get(path, status)
