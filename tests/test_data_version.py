"""The data version lives in PostgreSQL and moves with every write to what a page shows, whoever writes."""

import pytest
from django.apps import apps
from django.db import connection, transaction

from targets import versions
from targets.models import Figure, Measure

# Tables whose rows no cached page shows: tokens, upload previews, unit membership (asked per request, outside the
# cache), and the histories no dashboard lists.
NOT_SHOWN = {"targets_apitoken", "targets_unit_members", "targets_uploadpreview", "targets_historicalmeasure", "targets_historicalsubmission",
             "targets_historicaltaskreport",
             # The emulation's histories: listed only on the secretariat's pages, which are never cached.
             "targets_historicalscoringscheme", "targets_historicalpledge", "targets_historicalregistration",
             "targets_historicalblocmembership", "targets_historicalscoreadjustment", "targets_historicalproposal"}


def test_every_table_a_page_shows_moves_the_version(db):
    tables = {m._meta.db_table for m in apps.get_app_config("targets").get_models(include_auto_created=True)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = %s", [versions.FUNCTION])
        tracked = {row[0] for row in cursor.fetchall()}
    missing = tables - NOT_SHOWN - tracked
    assert not missing, f"add a migration with RunSQL(*versions.track_sql(...)) for {missing}, or list them in NOT_SHOWN"


def test_raw_sql_moves_the_version_in_its_own_transaction(programme):
    before = versions.key()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE targets_measure SET target = target + 1 WHERE code = '3'")
        inside = versions.key()
        assert inside != before
    assert versions.key() == inside


def test_a_rolled_back_write_leaves_a_version_never_used_again(programme):
    measure = Measure.objects.get(code="3")
    with pytest.raises(RuntimeError), transaction.atomic():
        measure.save()
        abandoned = versions.key()
        raise RuntimeError("the save fails later in the same transaction")
    measure.save()
    assert versions.key() != abandoned


def test_reading_changes_nothing(programme):
    before = versions.key()
    list(Figure.objects.all())
    assert versions.key() == before


def test_a_request_reads_the_versions_once(client, demo, viewer, django_assert_num_queries):
    from django.urls import reverse

    client.force_login(viewer)
    client.get(reverse("home"), {"year": 2024, "quarter": 3})
    # The session, then both versions in one read, shared by the user, the page and the overview in it.
    with django_assert_num_queries(2):
        client.get(reverse("home"), {"year": 2024, "quarter": 3})


@pytest.mark.parametrize("statement", [
    "UPDATE auth_user SET is_active = false WHERE username = 'official'",
    "DELETE FROM auth_user_groups",
    "UPDATE auth_group SET name = name || '-old' WHERE name = 'viewer'",
])
def test_any_change_to_users_groups_or_memberships_moves_the_users_version(viewer, statement):
    data, users = versions.key(), versions.users_key()
    with connection.cursor() as cursor:
        cursor.execute(statement)
    assert versions.users_key() != users and versions.key() == data


def test_data_changes_leave_the_signed_in_users_alone(programme):
    users = versions.users_key()
    Measure.objects.filter(code="3").update(target=1)
    assert versions.users_key() == users


def test_other_connections_see_the_new_version_only_with_the_new_rows(programme):
    # A reader must never cache the old rows under the new version: until the write commits,
    # everyone else still reads the old version.
    import psycopg2

    settings = connection.settings_dict
    other = psycopg2.connect(dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432)
    try:
        with other.cursor() as cursor:
            cursor.execute(f"SELECT version FROM {versions.TABLE}")
            before = cursor.fetchone()[0]
            Measure.objects.filter(code="3").update(target=1)  # uncommitted: the test's transaction
            assert versions.key().split(".")[-1] != str(before)
            cursor.execute(f"SELECT version FROM {versions.TABLE}")
            assert cursor.fetchone()[0] == before
    finally:
        other.close()


def test_two_databases_set_up_alike_never_share_a_cache_key(db):
    # Two sites each on their own "127.0.0.1:5432/emulation", sharing one Redis, likely have the same
    # table oids and close version numbers; each draws its own identity when it is set up, and every
    # key names it.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT site FROM {versions.TABLE}")
        [site] = cursor.fetchone()
        assert versions.key().startswith(f"{site}.") and versions.users_key().startswith(f"{site}.")
        cursor.execute(versions.DROP_SITE_SQL + versions.CREATE_SITE_SQL)  # the same migration, as on another site
        cursor.execute(f"SELECT site FROM {versions.TABLE}")
        [other] = cursor.fetchone()
    assert other != site


def test_a_cached_overview_or_ranking_is_built_again_on_a_new_day_with_no_write(demo):
    """What the pages show depends on the day as well as the rows (a yearly figure is awaited until
    the month it is expected, a report is due after its deadline): a value cached under the data
    version alone stayed as built on a day no one wrote anything."""
    import datetime
    from unittest import mock

    from django.core.cache import cache

    from targets import progress
    from targets.overview import cached_overview

    cache.clear()
    yearly = next(m for m in demo.measures.all() if m.code == "6")
    month, year = yearly.spec().publication

    def status(day):
        with mock.patch("django.utils.timezone.localdate", return_value=day):
            row = next(m for m in cached_overview(demo, 4).measures if m.measure.code == "6")
            return row.progress.status

    assert status(datetime.date(year, month, 1) - datetime.timedelta(days=1)) is progress.Status.AWAITED
    assert status(datetime.date(year, month, 28) + datetime.timedelta(days=10)) is not progress.Status.AWAITED
