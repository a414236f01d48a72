"""Shared test set-up: the real Hà Giang programme, and one named user per role."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from targets.access import Role
from targets.programme import load_programme, read_programme

ROOT = Path(__file__).resolve().parent.parent
PROGRAMME = ROOT / "fixtures" / "ha-giang-2024.json"
PASSWORD = "Test-password-2024"


@pytest.fixture
def programme(db):
    """The Hà Giang 2024 programme, loaded from the fixture the product ships."""
    return load_programme(read_programme(PROGRAMME)).campaign


@pytest.fixture
def demo(programme, settings):
    """The programme with the demo accounts and Q1–Q3 figures that `make run` shows."""
    from django.core.cache import cache
    from django.core.management import call_command

    settings.DEMO_MODE = True
    call_command("seed_demo", "--year", "2024")
    cache.clear()
    return programme


@pytest.fixture
def open_year(programme):
    """Deadlines far ahead, so the 2024 quarters are open for entry during the tests."""
    import datetime

    from targets.models import Deadline

    for q in (1, 2, 3, 4):
        Deadline.objects.create(campaign=programme, quarter=q, due_on=datetime.date(2099, 1, 1))
    return programme


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


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2 is deliberately slow; tests create many users and need no real protection.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def login_throttling_off(settings):
    # django-axes needs the request in authenticate(), which Client.login() does not pass;
    # tests/test_security.py turns it back on to test the lockout itself.
    settings.AXES_ENABLED = False
