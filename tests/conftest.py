"""Shared test set-up: the real Hà Giang programme, and one named user per role.

Loading the programme and seeding the demo take seconds; hundreds of tests use them. So both are
done once per session, in a transaction that is rolled back, and what they wrote is kept in
memory (`rows_written_by`); `programme` and `demo` copy it back in (COPY, a few milliseconds)
inside each test's own transaction. A test sees exactly what loading them would have written, and
nothing when it asks for neither. A module's own costly set-up can be kept the same way
(tests/test_emulation_pages.py)."""

from __future__ import annotations

import io
import urllib.parse
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection, transaction

from targets import versions
from targets.access import Role
from targets.programme import load_programme, read_programme

ROOT = Path(__file__).resolve().parent.parent
PROGRAMME = ROOT / "fixtures" / "ha-giang-2024.json"
PASSWORD = "Test-password-2024"
# PBKDF2 is deliberately slow; tests create many users and need no real protection.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config):
    from django.conf import settings

    # WhiteNoise reads the whole collected static folder (staticfiles/, left by `make bench` or
    # `make soak`) each time a test client builds its middleware: 60 ms a test. Looking files up
    # when asked, as under DEBUG, serves the same files without that.
    settings.WHITENOISE_AUTOREFRESH = True
    # A test database is thrown away: a commit need not wait for PostgreSQL to flush its log to
    # disk (the live-server, browser and thread tests commit thousands of times). What a commit
    # makes visible, and when, is unchanged; only a crash of the server could lose the last ones.
    options = settings.DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


def pytest_collection_finish(session):
    import gc

    # Python's cycle collector ran some 13,000 times in a run of the suite, each time walking the
    # modules, the collected tests and Django's state, which live until the end (13 s of the two
    # workers' time). Frozen, the collector no longer walks them; and it runs a tenth as often.
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def _state() -> dict[str, dict]:
    """Every row of every table that has an id column, as a fingerprint by id (the data version's
    counter left out: the triggers move it, and `copy_in` moves it as they would)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
                       "AND column_name = 'id' AND table_name <> %s ORDER BY table_name", [versions.TABLE])
        tables = [row[0] for row in cursor.fetchall()]
        state = {}
        for table in tables:
            cursor.execute(f'SELECT id, md5(t::text) FROM "{table}" t')
            state[table] = dict(cursor.fetchall())
    return state


def _changes_since(before: dict[str, dict]) -> list[tuple[str, list, bytes]]:
    """What was written since `before` was taken, table by table: the ids of the rows removed or
    changed, and the rows added or changed as COPY data."""
    changes = []
    with connection.cursor() as cursor:
        for table, rows in _state().items():
            old = before.get(table, {})
            gone = sorted(pk for pk, fingerprint in old.items() if rows.get(pk) != fingerprint)
            written = sorted(pk for pk, fingerprint in rows.items() if old.get(pk) != fingerprint)
            data = io.BytesIO()
            if written:
                cursor.cursor.copy_expert(f'COPY (SELECT * FROM "{table}" WHERE id = ANY(ARRAY{written!r})) TO STDOUT', data)
            if gone or written:
                changes.append((table, gone, data.getvalue()))
    return changes


def copy_in(changes: list[tuple[str, list, bytes]]) -> None:
    # The rows are those a session-wide build wrote and checked (foreign keys included), copied back
    # unchanged: in replica mode PostgreSQL fires no trigger for them, so the test's end does not
    # check them again (that check was half of a test's set-up and tear-down); what the test itself
    # writes is checked as ever. The data version moves once, as its triggers would have moved it.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table, gone, data in changes:
            if gone:
                cursor.execute(f'DELETE FROM "{table}" WHERE id = ANY(%s)', [gone])
            if data:
                cursor.cursor.copy_expert(f'COPY "{table}" FROM STDIN', io.BytesIO(data))
        cursor.execute(f"SET LOCAL session_replication_role = origin; UPDATE {versions.TABLE} "
                       f"SET version = nextval('{versions.SEQUENCE}'), users = nextval('{versions.SEQUENCE}')")


def rows_written_by(build, *bases, groups=()) -> list[tuple[str, list, bytes]]:
    """What `build()` writes on top of `bases` (what earlier builds wrote) and the role `groups`,
    built once in a transaction that is rolled back: a session-scoped fixture keeps it, and the
    test's fixture copies it in (`copy_in`), milliseconds where building it again takes a second."""
    from django.conf import settings
    from django.test import override_settings
    from django.utils import translation

    with override_settings(DEMO_MODE=True, PASSWORD_HASHERS=FAST_HASHERS), translation.override(settings.LANGUAGE_CODE):
        with transaction.atomic():
            put_groups_back(groups)
            for base in bases:
                copy_in(base)
            before = _state()
            build()
            changes = _changes_since(before)
            connection.check_constraints()  # once, here, for every test that copies these rows in
            transaction.set_rollback(True)
    return changes


@pytest.fixture(scope="session")
def _loaded(django_db_setup, django_db_blocker):
    """The rows that loading the programme writes, and those that seeding the demo adds."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        groups = list(Group.objects.values_list("id", "name"))  # made by migration 0002
        programme = rows_written_by(lambda: load_programme(read_programme(PROGRAMME)))
        year = read_programme(PROGRAMME)["campaign"]["year"]
        demo = rows_written_by(lambda: call_command("seed_demo", "--year", str(year), stdout=io.StringIO()), programme,
                               groups=groups)
    return {"year": year, "groups": groups, "programme": programme, "demo": demo}


def put_groups_back(groups) -> None:
    """A transactional test (browser, threads) empties every table when it ends, the role groups
    that the copied rows name included; tests run in any order (pytest-xdist), so put them back.
    (A test asks for the programme or demo before the named users, which would make the groups anew.)"""
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO auth_group (id, name) VALUES (%s, %s) ON CONFLICT DO NOTHING", groups)


@pytest.fixture
def programme(db, _loaded):
    """The Hà Giang 2024 programme, loaded from the fixture the product ships."""
    from targets.models import Campaign

    put_groups_back(_loaded["groups"])
    copy_in(_loaded["programme"])
    return Campaign.objects.get(year=_loaded["year"])


@pytest.fixture
def demo(programme, settings, _loaded):
    """The programme with the demo accounts and Q1–Q3 figures that `make run` shows."""
    settings.DEMO_MODE = True
    copy_in(_loaded["demo"])
    return programme


@pytest.fixture
def open_year(programme):
    """Deadlines far ahead, so the 2024 quarters are open for entry during the tests."""
    import datetime

    from targets.models import Deadline

    for q in (1, 2, 3, 4):
        Deadline.objects.create(campaign=programme, quarter=q, due_on=datetime.date(2099, 1, 1))
    return programme


def database_url(name: str) -> str:
    """The address of database `name` on the server the tests run against: the machine's, or the
    embedded one that `make test` starts when DATABASE_URL is unset (a socket, not a port)."""
    from django.conf import settings

    return urllib.parse.urlunsplit(urllib.parse.urlsplit(settings.DATABASE_URL)._replace(path=f"/{name}"))


def make_user(username: str, role: str | None = None, units=(), **extra) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    if role:
        # get_or_create: transactional (browser) tests flush the groups the migration made.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    for unit in units:
        unit.members.add(user)
    return user


@pytest.fixture
def viewer(db):
    return make_user("official", Role.VIEWER)


@pytest.fixture
def reviewer(db):
    return make_user("secretariat", Role.REVIEWER)


@pytest.fixture
def admin_user(db):
    return make_user("administrator", Role.ADMIN, is_staff=True, is_superuser=True)


def _render(template, context):
    return template.nodelist.render(context)  # django.template.Template._render, before the test client wraps it


@pytest.fixture(autouse=True)
def template_rendering(request, monkeypatch):
    """The test client records each template's context for `response.context` by copying it at
    every render, each form widget's included: a fifth of a form page's time, and most tests never
    look. A test (or module) that reads `response.context` is marked `template_context`."""
    if request.node.get_closest_marker("template_context") is None:
        from django.template import Template

        monkeypatch.setattr(Template, "_render", _render)


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the site's language, Vietnamese: a request that switched to English
    leaves English active in this thread (LocaleMiddleware sets it per request, never back), and
    a later test reading a message outside a request would get it in English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def login_throttling_off(settings):
    # django-axes needs the request in authenticate(), which Client.login() does not pass;
    # tests/test_security.py turns it back on to test the lockout itself.
    settings.AXES_ENABLED = False
