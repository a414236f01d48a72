"""Roles of the signed-in user, loaded the standard Django way (targets.access)."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group

from targets import access
from tests.conftest import make_user


def test_the_signed_in_user_has_every_role_and_only_theirs(db):
    user = make_user("both", "reviewer")
    user.groups.add(Group.objects.get_or_create(name="viewer")[0], Group.objects.get_or_create(name="not-a-role")[0])
    make_user("someone-else", "admin")
    loaded = ModelBackend().get_user(user.pk)
    assert access.roles(loaded) == {"reviewer", "viewer"}
    assert access.is_reviewer(loaded) and not access.is_admin(loaded)


def test_a_user_without_groups_has_no_role_and_superusers_are_admins(db):
    plain = ModelBackend().get_user(make_user("nobody").pk)
    assert access.roles(plain) == set()
    boss = make_user("boss", is_superuser=True)
    assert access.is_admin(ModelBackend().get_user(boss.pk))


def test_a_user_removed_from_a_group_loses_the_role_on_the_next_request(client, programme):
    user = make_user("leaving", "reviewer")
    client.force_login(user)
    assert client.get("/tham-dinh/").status_code == 200
    user.groups.clear()  # behind the site's back, as the admin in another process would
    assert client.get("/tham-dinh/").status_code == 403


def test_a_deactivated_user_is_signed_out_on_the_next_request(client, programme):
    user = make_user("gone", "viewer")
    client.force_login(user)
    assert client.get("/").status_code == 200
    type(user).objects.filter(pk=user.pk).update(is_active=False)  # raw update: no signal, no save()
    assert client.get("/").status_code == 302
