"""A change is on the next answer of every worker: gunicorn with two workers, without Redis and with it.

Each kind of writer in turn (a page on one worker, import_figures, load_programme, the admin, raw
SQL, restore) changes what the unit page shows; then every worker must answer with the new page.
Before each change, both workers have the old page in their caches, so a worker that kept it
would fail the test.
"""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from openpyxl import load_workbook

from tests.conftest import database_url

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow
PASSWORD = "Workers-test-2024"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One signed-in person, with cookies, against a server on loopback."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, path: str, form: dict | None = None) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if form is not None:
            form = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **form}
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{self.port}/"})
        conn.request("POST" if form is not None else "GET", path, body=urllib.parse.urlencode(form) if form else None,
                     headers=headers)
        response = conn.getresponse()
        body = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        self.location = response.getheader("Location")
        return response.status, body, response.getheader("X-Worker")

    def submit(self, path: str, form: dict) -> None:
        """A form sent, and the page it leads to read (so its one-off notice is shown and gone)."""
        status, _body, _worker = self.request(path, form)
        assert status == 302, f"{path} answered {status}"
        self.request(self.location)

    def log_in(self, username: str) -> None:
        self.request("/login/")
        status, _body, _worker = self.request("/login/", {"username": username, "password": PASSWORD})
        assert status == 302, "could not sign in"


def _content(body: str) -> str:
    return body.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def every_worker(browser: Browser, path: str, workers: int = 2) -> str:
    """The page's content as every worker answers it; fails if two workers disagree."""
    seen: dict[str, str] = {}
    for _ in range(200):
        status, body, worker = browser.request(path)
        assert status == 200, body[:500]
        seen.setdefault(worker, _content(body))
        assert _content(body) == next(iter(seen.values())), f"workers disagree on {path}"
        if len(seen) == workers:
            return next(iter(seen.values()))
    raise AssertionError(f"only {len(seen)} of {workers} workers answered")


def manage(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


SETUP = """
import datetime
from django.contrib.auth.models import User
from django.utils import timezone
from targets.models import Campaign, Deadline, Figure, Measure, Submission
campaign = Campaign.objects.get(year=2024)
for q in (1, 2, 3, 4):
    Deadline.objects.create(campaign=campaign, quarter=q, due_on=datetime.date(2099, 1, 1))
boss = User.objects.create_superuser('boss', 'boss@example.invalid', PASSWORD)
measure = Measure.objects.get(campaign=campaign, code='3')
unit = measure.assignments.get(role='lead').unit
report = Submission.objects.create(campaign=campaign, unit=unit, quarter=1, state='submitted', submitted_at=timezone.now())
Figure.objects.create(submission=report, measure=measure, value=100, entered_by=boss)
print(unit.code, report.pk)
"""


@pytest.fixture(scope="module")
def site_database(tmp_path_factory):
    """A database of its own, migrated, with the programme, an admin and one submitted report; and its backup."""
    # One per pytest-xdist worker: two workers must not drop each other's site.
    name = f"{urllib.parse.urlsplit(settings.DATABASE_URL).path.strip('/')}_workers{os.environ.get('PYTEST_XDIST_WORKER', '')}"
    conn = psycopg2.connect(database_url("postgres"))
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = database_url(name)
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": "", "DEBUG": "1", "DEMO_MODE": "0", "PYTHONPATH": str(ROOT)}
    manage(env, "migrate", "-v0")
    manage(env, "load_programme", "fixtures/ha-giang-2024.json")
    unit, report = manage(env, "shell", "-c", f"PASSWORD = {PASSWORD!r}\n{SETUP}").split()[-2:]
    backup = tmp_path_factory.mktemp("backup") / "site.dump"
    manage(env, "backup", "-o", str(backup))
    yield {"env": env, "url": url, "unit": unit, "report": int(report), "backup": backup}
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


@pytest.mark.parametrize("cache", ["memory", "redis"])
def test_every_change_is_on_the_next_answer_of_every_worker(site_database, tmp_path, cache):
    env = {**site_database["env"], "REDIS_URL": REDIS_URL if cache == "redis" else ""}
    if cache == "redis":
        try:
            socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        except OSError:
            pytest.skip("Redis is not running on 127.0.0.1:6379")
    manage(env, "restore", str(site_database["backup"]), "--yes")  # each run from the same start
    unit, report = site_database["unit"], site_database["report"]
    port = _free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "tests.worker_wsgi", "--bind", f"127.0.0.1:{port}",
                               "--workers", "2", "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        boss = Browser(port)
        boss.log_in("boss")  # the secretariat sees the unit's drafts too
        page = f"/don-vi/{unit}/?year=2024&quarter=2"
        start = before = every_worker(boss, page)

        def changed() -> str:
            nonlocal before
            after = every_worker(boss, page)
            assert after != before
            before = after
            return after

        # Through a page, on whichever worker takes it: the reviewer approves the first quarter.
        assert "Đã duyệt" not in before
        _status, shown, _worker = boss.request(f"/bao-cao/{report}/")  # the version the page shows goes with the decision
        version = re.search(r'name="version" value="(\d+)"', shown).group(1)
        boss.submit(f"/bao-cao/{report}/xu-ly/", {"action": "approve", "version": version})
        assert "Đã duyệt" in changed()

        # import_figures: a second-quarter draft, entered on the unit's behalf.
        template = tmp_path / "mau.xlsx"
        manage(env, "export_template", "--year", "2024", "--quarter", "2", "--unit", unit, "--user", "boss", "-o", str(template))
        wb = load_workbook(template)
        ws = wb["Nhập liệu"]
        header = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            if row[header.index("Mã chỉ tiêu")].value == "3":
                row[header.index("Giá trị")].value = 4242.5
        wb.save(template)
        manage(env, "import_figures", str(template), "--user", "boss", "--accept-warnings")
        changed()

        # load_programme: the programme file renames the unit.
        programme = json.loads((ROOT / "fixtures" / "ha-giang-2024.json").read_text())
        for item in programme["units"]:
            if item["code"] == unit:
                item["name"] = "Đơn vị đổi tên theo chương trình"
        renamed = tmp_path / "programme.json"
        renamed.write_text(json.dumps(programme, ensure_ascii=False))
        manage(env, "load_programme", str(renamed))
        assert "Đơn vị đổi tên theo chương trình" in changed()

        # The admin: the second quarter's deadline deleted (the default one applies again).
        status, body, _worker = boss.request("/admin/targets/deadline/?quarter__exact=2")
        deadline = re.search(r'/admin/targets/deadline/(\d+)/change/', body).group(1)
        boss.request(f"/admin/targets/deadline/{deadline}/delete/")
        boss.submit(f"/admin/targets/deadline/{deadline}/delete/", {"post": "yes"})
        changed()

        # Raw SQL, behind every worker's back.
        sql = psycopg2.connect(site_database["url"])
        with sql, sql.cursor() as cursor:
            cursor.execute("UPDATE targets_unit SET name = 'Đổi bằng SQL' WHERE code = %s", [unit])
        assert "Đổi bằng SQL" in changed()

        # Restore: back to the start, on every worker.
        manage(env, "restore", str(site_database["backup"]), "--yes")
        boss.log_in("boss")  # the session went with the rest of the database
        assert changed() == start
        # The restored counter starts again from the number it was dumped with: numbers used
        # before the restore must not bring back pages cached before it.
        with sql, sql.cursor() as cursor:
            cursor.execute("UPDATE targets_unit SET name = 'Sau khôi phục' WHERE code = %s", [unit])
        assert "Sau khôi phục" in changed()
        sql.close()
    finally:
        server.terminate()
        server.wait(30)
