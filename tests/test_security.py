"""Hardening: production settings, Content-Security-Policy, login throttling, health check."""

import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

from django.db import OperationalError
from django.urls import reverse

from tests.conftest import PASSWORD, database_url

ROOT = Path(__file__).resolve().parent.parent


def test_production_settings_pass_check_deploy_without_warnings():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "0",
        "SECRET_KEY": "k9#Qz!" + "x7Lm2Pw8Rt5Yv3Bn6Hj4Kd1Fs0Ga" * 3,
        "ALLOWED_HOSTS": "thidua.hagiang.gov.vn",
        "DATABASE_URL": database_url("postgres"),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.hagiang.gov.vn",
    }
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    # Without a mail server, reminders would be "sent" to gunicorn's output: said before going live.
    del env["EMAIL_BACKEND"]
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert "targets.W001" in result.stderr + result.stdout and "EMAIL_BACKEND is django.core.mail.backends.console" in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "", "ALLOWED_HOSTS": "x"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_bad_setting_stops_the_start_with_a_line_naming_it():
    production = {"DEBUG": "0", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "x", "DATABASE_URL": database_url("postgres")}
    cases = [
        ({"CONN_MAX_AGE": "abc"}, "CONN_MAX_AGE must be a whole number of seconds, not 'abc'"),
        ({"SESSION_HOURS": "8h"}, "SESSION_HOURS must be a whole number of hours, not '8h'"),
        ({"EMAIL_PORT": "x"}, "EMAIL_PORT must be a port number, not 'x'"),
        ({"AXES_FAILURE_LIMIT": "-3"}, "AXES_FAILURE_LIMIT must be a whole number, not '-3'"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not 'loud'"),
        # The likely typo: no scheme. Accepted, it started and then every dashboard page was a 500.
        ({"REDIS_URL": "127.0.0.1:6379/5"}, "REDIS_URL must be a redis://, rediss:// or unix:// URL, not '127.0.0.1:6379/5'"),
        # A cron line without the site's environment would otherwise back up an empty embedded database.
        ({"DATABASE_URL": ""}, "DATABASE_URL must be set when DEBUG is off (the embedded PostgreSQL is for development)"),
    ]
    for change, message in cases:
        env = {**os.environ, **production, **change}
        result = subprocess.run([sys.executable, "-c", "import emulation.settings"], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode != 0 and result.stderr.strip().splitlines()[-1].endswith(message), (change, result.stderr[-300:])


def test_pages_send_a_strict_content_security_policy(client, programme, viewer):
    client.force_login(viewer)
    for url in (reverse("home"), reverse("indicator", args=[3]), reverse("login")):
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, url
        assert "frame-ancestors 'none'" in policy
    assert client.get(reverse("home"))["X-Frame-Options"] == "DENY"


def test_no_template_has_inline_script_or_style():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text)
        assert not scripts, f"inline <script> in {path}"
        assert " style=" not in text and "<style" not in text, f"inline style in {path}"
        assert not re.search(r"\son[a-z]+=", text), f"inline event handler in {path}"


def test_repeated_failed_logins_lock_the_account_for_a_while(client, viewer, settings, monkeypatch):
    import logging

    settings.AXES_ENABLED = True
    logged = []
    handler = logging.Handler()
    handler.emit = logged.append
    logger = logging.getLogger("axes.handlers.database")
    monkeypatch.setattr(logger, "handlers", [*logger.handlers, handler])
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "official", "password": "wrong"}, REMOTE_ADDR="10.1.2.3")
    # The operator asked to free the account sees which, and from where; never a password.
    [line] = [r.getMessage() for r in logged if "Locking out" in r.getMessage()]
    assert 'username: "official"' in line and 'ip_address: "10.1.2.3"' in line and "wrong" not in line
    response = client.post(reverse("login"), {"username": "official", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 429
    assert "bị khóa trong 15 phút" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_behind_the_proxy_one_clients_wrong_passwords_do_not_hold_the_account_for_another(client, viewer, settings):
    from django.test import Client

    settings.AXES_ENABLED = True
    settings.PROXY_COUNT = 1  # nginx in front: every connection comes from 127.0.0.1
    guesser = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.0.0.1"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "official", "password": "wrong"}, **guesser)
    assert client.post(reverse("login"), {"username": "official", "password": PASSWORD}, **guesser).status_code == 429
    # The official, at another desk, signs in; an address the guesser writes first in the header changes nothing.
    office = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.0.0.1, 10.0.0.2"}
    assert Client().post(reverse("login"), {"username": "official", "password": PASSWORD}, **office).status_code == 302
    spoofed = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.0.0.2, 10.0.0.1"}
    assert Client().post(reverse("login"), {"username": "official", "password": PASSWORD}, **spoofed).status_code == 429


def test_a_successful_login_resets_the_failure_count(client, viewer, settings):
    settings.AXES_ENABLED = True
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": "official", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "official", "password": PASSWORD}).status_code == 302


def test_healthz_says_503_when_the_database_is_unreachable(client, db):
    with mock.patch("targets.views.system.connections", {"default": mock.Mock(**{"cursor.side_effect": OperationalError("down")})}):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


def test_healthz_keeps_a_half_installed_release_out_of_service(client, db, settings, tmp_path, monkeypatch):
    from django.core import mail
    from django.db.migrations.executor import MigrationExecutor

    from targets.views import system

    settings.ADMINS = [("Quản trị", "admin@example.org")]  # a load balancer probing: no mail per probe

    monkeypatch.setattr(system, "_release_ready", False)
    # Migrations not run: the database answers, and every sign-in would be a 500.
    with monkeypatch.context() as patched:
        patched.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("targets", "0099_next")])
        response = client.get(reverse("healthz"))
    assert response.status_code == 503 and response.json() == {"status": "error", "release": "migrations not applied: run manage.py migrate"}
    # Static files not collected (DEBUG off): every page would be a 500.
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    response = client.get(reverse("healthz"))
    assert response.status_code == 503 and response.json()["release"] == "static files not collected: run manage.py collectstatic"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    assert client.get(reverse("healthz")).json() == {"status": "ok"}
    assert mail.outbox == []


def test_healthz_says_503_when_the_read_replica_is_unreachable(client, db, caplog):
    from django.db import connections

    # The primary answers; every dashboard read goes to the replica, which does not.
    replica = mock.Mock(**{"cursor.side_effect": OperationalError('connection to server at "replica" failed')})
    with mock.patch("targets.views.system.connections", {"default": connections["default"], "replica": replica}):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503 and response.json() == {"status": "error", "database": "unreachable"}


def test_a_server_error_under_the_api_is_json_with_the_code_to_quote(client, db, viewer, monkeypatch):
    from django.test import Client

    def broken(*args, **kwargs):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr("targets.views.api.Unit.objects", mock.Mock(**{"order_by.side_effect": broken, "filter.side_effect": broken,
                                                                       "all.side_effect": broken}))
    strict = Client(raise_request_exception=False)
    strict.force_login(viewer)
    response = strict.get(reverse("api-units"), HTTP_X_REQUEST_ID="api-500")
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"status": 500, "message": "Server error, recorded for the administrators; quote this code: api-500"}}


def test_sessions_expire(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY


def test_a_database_outage_shows_a_clear_503_page_and_the_api_says_so_in_json(client, programme, viewer):
    client.force_login(viewer)
    with mock.patch("targets.views.dashboard.cached_overview", side_effect=OperationalError("server closed the connection")):
        response = client.get(reverse("home"))
    assert response.status_code == 503
    assert "không kết nối được cơ sở dữ liệu" in response.content.decode()
    with mock.patch("targets.views.api.cached_overview", side_effect=OperationalError("down")):
        response = client.get(reverse("api-progress"), {"year": 2024, "quarter": 1})
    assert response.status_code == 503 and "unavailable" in response.json()["error"]["message"]
    # The next request works again.
    assert client.get(reverse("home")).status_code == 200


def test_a_missing_page_an_expired_form_and_an_unreadable_request_are_said_in_the_sites_words(client, programme, viewer):
    from django.test import Client

    # Not Django's bare English pages ("Not Found", "CSRF verification failed … DEBUG=True").
    for who in (None, viewer):
        if who:
            client.force_login(who)
        response = client.get("/khong-ton-tai/")
        page = response.content.decode()
        assert response.status_code == 404 and "Không tìm thấy trang" in page and 'href="/"' in page
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(viewer)
    response = strict.post(reverse("logout"), headers={"referer": "http://testserver/chi-tieu/3/"})
    page = response.content.decode()
    assert response.status_code == 403 and "Chưa lưu: trang đã hết hạn" in page and "DEBUG" not in page
    assert 'href="http://testserver/chi-tieu/3/"' in page  # back to the page the form was on
    response = strict.post(reverse("login"), {"username": "x"}, headers={"referer": "https://evil.example/"})
    assert response.status_code == 403 and "evil.example" not in response.content.decode()
    response = Client(raise_request_exception=False).get("/", headers={"host": "evil.example"})
    assert response.status_code == 400 and "Không đọc được yêu cầu" in response.content.decode()
