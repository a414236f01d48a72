"""Operators see errors: every 500 leaves a line on stderr with the request id the user is shown,
and goes by e-mail to ADMINS when they are set."""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from emulation.settings import parse_admins
from tests.conftest import database_url

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_a_server_error_under_gunicorn_leaves_a_line_on_stderr_with_the_request_id(tmp_path):
    # A production-like server against a database without the site's tables: loading the session of
    # a signed-in browser fails with an error no view handles, the kind of 500 operators must see.
    url = database_url("postgres")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "SECRET_KEY": "test-" + "k" * 50, "ALLOWED_HOSTS": "127.0.0.1",
           "SECURE_SSL_REDIRECT": "0", "DEMO_MODE": "0"}
    env.pop("REDIS_URL", None)
    stderr = tmp_path / "stderr.log"
    with open(stderr, "wb") as err:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-w", "1", "emulation.wsgi"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
                conn.request("GET", "/tai-khoan/", headers={"Cookie": "sessionid=q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6"})
                response = conn.getresponse()
                break
            except OSError:
                assert time.monotonic() < deadline, stderr.read_text()
                time.sleep(0.3)
        body = response.read().decode()
        assert response.status == 500
        request_id = response.getheader("X-Request-ID")
        assert request_id and request_id in body  # the user can quote it
        time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(20)
    log = stderr.read_text()
    line = next(line for line in log.splitlines() if "Internal Server Error: /tai-khoan/" in line)
    assert re.search(rf"ERROR django\.request \[{request_id}\]", line), line
    assert "Traceback" in log and "does not exist" in log  # the cause, for whoever reads it


def test_500s_are_mailed_to_the_admins_with_the_request_id(db, settings, monkeypatch):
    settings.ADMINS = [("Quản trị", "admin@example.org")]
    settings.DEBUG = False

    def broken(*args, **kwargs):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr("targets.views.system.JsonResponse", broken)
    response = Client(raise_request_exception=False).get(reverse("healthz"), HTTP_X_REQUEST_ID="abc-123")
    assert response.status_code == 500 and response["X-Request-ID"] == "abc-123"
    assert "abc-123" in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["admin@example.org"] and "/healthz" in message.subject


def test_admins_come_from_the_environment():
    assert parse_admins("Trần Văn A <a@example.org>, b@example.org") == [("Trần Văn A", "a@example.org"),
                                                                        ("b@example.org", "b@example.org")]
    assert parse_admins("") == []
    with pytest.raises(Exception, match="ADMINS"):
        parse_admins("not an address")


def _records(logger_name, monkeypatch):
    """What reaches the named logger's handlers, each record with its request id."""
    import logging

    from targets.logs import RequestIdFilter

    records = []
    handler = logging.Handler()
    handler.emit = records.append
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger(logger_name)
    monkeypatch.setattr(logger, "handlers", [*logger.handlers, handler])  # the list as it was comes back after the test
    return records


def test_a_database_outage_is_one_warning_with_its_reason_and_no_mail(db, settings, monkeypatch):
    from django.db import OperationalError

    settings.ADMINS = [("Quản trị", "admin@example.org")]
    settings.DEBUG = False

    class Gone:
        def cursor(self):
            raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused\n\tIs the server running?')

    monkeypatch.setattr("targets.views.system.connections", {"default": Gone()})
    outage, errors = _records("targets.outage", monkeypatch), _records("django.request", monkeypatch)
    response = Client().get(reverse("healthz"), HTTP_X_REQUEST_ID="lb-probe-1")
    assert response.status_code == 503 and response.json() == {"status": "error", "database": "unreachable"}
    # Not an ERROR mailed to ADMINS for every probe of a load balancer during an outage.
    assert mail.outbox == [] and errors == []
    [record] = outage
    assert record.levelname == "WARNING" and record.request_id == "lb-probe-1"
    assert record.getMessage() == ('Database unavailable, 503 for GET /healthz: connection to server at "127.0.0.1", '
                                   'port 5432 failed: Connection refused')


def test_a_wrong_host_is_one_line_without_traceback_and_no_mail(db, settings, monkeypatch):
    settings.ADMINS = [("Quản trị", "admin@example.org")]
    settings.DEBUG = False
    refused = _records("django.security.DisallowedHost", monkeypatch)
    assert Client(raise_request_exception=False).get("/", HTTP_HOST="scanner.example").status_code == 400
    [record] = refused
    assert "scanner.example" in record.getMessage() and record.exc_info is None and mail.outbox == []
