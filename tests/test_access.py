"""Loading the signed-in user with their roles (targets.access.RolesBackend)."""

from django.contrib.auth.models import Group

from targets import access
from tests.conftest import make_user


def test_the_signed_in_user_comes_with_every_role_and_only_theirs(db):
    user = make_user("both", "reviewer")
    user.groups.add(Group.objects.get_or_create(name="viewer")[0], Group.objects.get_or_create(name="not-a-role")[0])
    make_user("someone-else", "admin")
    loaded = access.RolesBackend().get_user(user.pk)
    assert loaded == user and sorted(loaded.group_names) == ["not-a-role", "reviewer", "viewer"]
    assert access.roles(loaded) == {"reviewer", "viewer"}
    assert access.is_reviewer(loaded) and not access.is_admin(loaded)


def test_a_user_without_groups_has_no_role_and_superusers_are_admins(db):
    plain = access.RolesBackend().get_user(make_user("nobody").pk)
    assert plain.group_names == [] and access.roles(plain) == set()
    boss = make_user("boss", is_superuser=True)
    assert access.is_admin(access.RolesBackend().get_user(boss.pk))


def test_inactive_or_missing_users_are_not_signed_in(db):
    gone = make_user("gone", "viewer", is_active=False)
    assert access.RolesBackend().get_user(gone.pk) is None
    assert access.RolesBackend().get_user(987654) is None
