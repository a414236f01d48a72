"""The signed-in user and their roles (targets.access), kept under the users version PostgreSQL moves."""

from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse

from targets import access
from targets.access import CachedUsersBackend as ModelBackend
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


def test_a_role_taken_away_in_raw_sql_is_gone_from_the_next_request(client, programme):
    user = make_user("raw", "reviewer")
    client.force_login(user)
    assert client.get("/tham-dinh/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM auth_user_groups WHERE user_id = %s", [user.pk])
    assert client.get("/tham-dinh/").status_code == 403


def test_a_new_password_signs_out_other_sessions_on_the_next_request(client, programme):
    user = make_user("moving", "viewer")
    client.force_login(user)
    assert client.get("/").status_code == 200
    user.set_password("Another-password-2024")
    user.save()
    assert client.get("/").status_code == 302


def test_each_request_gets_its_own_copy_of_the_cached_user(programme):
    user = make_user("copied", "viewer")
    first, second = ModelBackend().get_user(user.pk), ModelBackend().get_user(user.pk)
    assert first == second and first is not second and access.roles(second) == {"viewer"}


def test_a_form_sent_after_the_sign_in_lapsed_is_said_not_saved_on_the_login_page(client, programme):
    from targets.models import Figure

    response = client.post(reverse("entry"), {"year": 2024, "quarter": 1, "figures-0-value": "47,2"}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "Phiên đăng nhập đã hết nên nội dung bạn gửi chưa được lưu. Hãy đăng nhập rồi nhập lại." in page
    assert not Figure.objects.exists()
    # A page merely opened while signed out says nothing of the kind.
    assert "Phiên đăng nhập đã hết" not in client.get(reverse("entry"), follow=True).content.decode()
