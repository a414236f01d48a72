"""Load and soak: many users reading and writing against gunicorn on loopback, bounded in time.

Starts gunicorn (DEBUG off, as in production) on 127.0.0.1 against the configured database
(which must already hold the programme and the demo accounts: `make setup`), runs reader and
writer clients for --duration seconds, then checks: no 5xx at all, and every write the server
acknowledged is in the database. Only loopback is ever contacted.

    python scripts/soak.py --duration 300 --readers 20 --writers 8
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.formdata import form_data  # noqa: E402  (the forms read back as a browser sends them)

HOST = "127.0.0.1"
PASSWORD = "ThiDua@2024"
READ_PATHS = ["/", "/?year=2024&quarter=3", "/chi-tieu/3/?year=2024&quarter=3", "/don-vi/024/?year=2024&quarter=3",
              "/api/v1/progress/?year=2024&quarter=3", "/healthz"]


class Client:
    """One keep-alive connection with its own cookies, like one browser."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Host": f"{HOST}:{self.port}",
                   "X-Forwarded-Proto": "https"}  # as nginx would say; DEBUG-off settings expect it
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://{HOST}:{self.port}{path}"
            headers["Origin"] = f"https://{HOST}:{self.port}"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
                if attempt == 2:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text

    def log_in(self, username: str) -> None:
        _status, page = self.request("GET", "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _ = self.request("POST", "/login/", {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"login of {username} failed ({status})")


def reader(port: int, stop: float, tally: Counter, lock: threading.Lock) -> None:
    client = Client(port)
    client.log_in("lanhdao")
    i = 0
    while time.monotonic() < stop:
        status, _ = client.request("GET", READ_PATHS[i % len(READ_PATHS)])
        i += 1
        with lock:
            tally[f"read {status // 100}xx"] += 1


def writer(port: int, stop: float, unit: str, tally: Counter, lock: threading.Lock, acknowledged: dict) -> None:
    client = Client(port)
    client.log_in(f"nhaplieu.{unit.lower()}")
    path = f"/nhap-so-lieu/?unit={unit}&year=2024&quarter=4"
    n = 0
    while time.monotonic() < stop:
        status, page = client.request("GET", path)
        with lock:
            tally[f"read {status // 100}xx"] += 1
        # The entry page's formset as a browser sends it, with one figure changed.
        data = form_data(page)
        field = next((name for name in data if re.fullmatch(r"figures-\d+-value", name)), None)
        if status != 200 or field is None:
            continue
        pk = data[field.replace("-value", "-measure")]
        n += 1
        value = 100 + n % 7  # small steps: no jump warning
        data.update({field: str(value), "action": "save", "confirm": "1"})
        status, _ = client.request("POST", path, data)
        with lock:
            tally[f"write {status // 100}xx"] += 1
            if status == 302:
                acknowledged[(unit, int(pk))] = Decimal(value)
                tally["writes acknowledged"] += 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        # With DEBUG off the settings want the database named: the embedded one, started here.
        sys.path.insert(0, str(ROOT))
        from emulation import embedded_db

        os.environ["DATABASE_URL"] = embedded_db.database_url()
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY", "soak-" + "x" * 60),
           "ALLOWED_HOSTS": HOST, "DEMO_MODE": "1", "SECURE_SSL_REDIRECT": "0", "AXES_FAILURE_LIMIT": "1000",
           # Several workers share their cache as in production (docs/deployment.md): the machine's Redis.
           "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emulation.settings")
    import django

    django.setup()
    from django.db import connection

    from targets.models import Figure

    history_before = Figure.history.count()
    connection.close()
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "emulation.wsgi", "--bind", f"{HOST}:{args.port}",
                               "--workers", str(args.workers), "--threads", "4", "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        for _ in range(60):
            try:
                if Client(args.port).request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        stop = time.monotonic() + args.duration
        tally: Counter = Counter()
        lock = threading.Lock()
        acknowledged: dict = {}
        units = ["024", "026", "027", "028", "029", "030", "031", "032", "033", "034", "035"][: args.writers]
        threads = [threading.Thread(target=reader, args=(args.port, stop, tally, lock)) for _ in range(args.readers)]
        threads += [threading.Thread(target=writer, args=(args.port, stop, u, tally, lock, acknowledged)) for u in units]
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.duration + 120)
    finally:
        server.terminate()
        server.wait(30)
    missing = [key for key, value in acknowledged.items()
               if Figure.objects.filter(submission__unit__code=key[0], measure_id=key[1], submission__quarter=4,
                                        submission__campaign__year=2024).values_list("value", flat=True).first() != value]
    print(f"duration {args.duration:.0f} s, {args.readers} readers, {len(units)} writers: {dict(sorted(tally.items()))}")
    # Every acknowledged save is one history entry: count them, not just the last values.
    recorded = Figure.history.count() - history_before
    print(f"acknowledged writes: {tally['writes acknowledged']}, history entries added: {recorded}; "
          f"last values checked: {len(acknowledged)}, missing or different: {len(missing)}")
    failed = (sum(v for k, v in tally.items() if "5xx" in k) or missing or not tally["writes acknowledged"]
              or recorded < tally["writes acknowledged"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
