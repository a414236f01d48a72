"""The data version: a counter in PostgreSQL that every write to what a page shows moves; and
the users version, which every change to a user, a group or a membership moves.

A statement-level trigger on each tracked table (migrations 0013, 0013b) moves it in the writing transaction itself, so
whoever writes (a page, an upload, a command, the admin, a restore, raw SQL in a shell) moves it,
and nobody sees the new version before the new rows. Its numbers come from a sequence, which
never hands out the same number twice, even to a transaction that rolled back.

Whatever is cached names the version it was built from (`key()`), so a copy is never served after
a change, whether it is kept in a process's memory or shared in Redis. A restore recreates the
counter's table, and the key names that table's identity (its oid) beside the number: a restored
dump counts again from the number it was taken at, but never under a key used before.

A request reads both once (one query), the first time it needs them, and uses them for all it builds.
"""

from __future__ import annotations

from asgiref.local import Local
from django.db import connections, router

TABLE = "emulation_data_version"
SEQUENCE = "emulation_data_version_seq"
FUNCTION = "emulation_data_changed"
USERS_FUNCTION = "emulation_users_changed"

# Migration 0013: the data version.
CREATE_SQL = f"""
CREATE SEQUENCE {SEQUENCE};
CREATE TABLE {TABLE} (id smallint PRIMARY KEY CHECK (id = 1), version bigint NOT NULL);
INSERT INTO {TABLE} VALUES (1, nextval('{SEQUENCE}'));
CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {TABLE} SET version = nextval('{SEQUENCE}') WHERE id = 1;
    RETURN NULL;
END $$;
"""
DROP_SQL = f"DROP FUNCTION {FUNCTION}() CASCADE; DROP TABLE {TABLE}; DROP SEQUENCE {SEQUENCE};"

# Migration 0013b: the users version, a second number in the same row.
CREATE_USERS_SQL = f"""
ALTER TABLE {TABLE} ADD COLUMN users bigint;
UPDATE {TABLE} SET users = nextval('{SEQUENCE}');
ALTER TABLE {TABLE} ALTER COLUMN users SET NOT NULL;
CREATE FUNCTION {USERS_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {TABLE} SET users = nextval('{SEQUENCE}') WHERE id = 1;
    RETURN NULL;
END $$;
"""
DROP_USERS_SQL = f"DROP FUNCTION {USERS_FUNCTION}() CASCADE; ALTER TABLE {TABLE} DROP COLUMN users;"


# Migration 0028: the site's own identity, drawn at random once per database. Two sites set up the
# same way (each its local "127.0.0.1:5432/emulation", the same table oids and similar numbers)
# sharing one Redis would otherwise read each other's pages.
CREATE_SITE_SQL = f"ALTER TABLE {TABLE} ADD COLUMN site uuid NOT NULL DEFAULT gen_random_uuid();"
DROP_SITE_SQL = f"ALTER TABLE {TABLE} DROP COLUMN site;"


def track_sql(*tables: str, function: str = FUNCTION) -> tuple[str, str]:
    """SQL that makes writes to `tables` move the data version (or the users version, with
    `function=USERS_FUNCTION`), and SQL that undoes it. A table that a page shows, added later, is
    tracked by its own migration: `migrations.RunSQL(*versions.track_sql("targets_newtable"))`
    (tests/test_data_version.py checks)."""
    forward = "".join(f"CREATE TRIGGER {function} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
                      f" FOR EACH STATEMENT EXECUTE FUNCTION {function}();\n" for table in tables)
    backward = "".join(f"DROP TRIGGER IF EXISTS {function} ON {table};\n" for table in tables)
    return forward, backward


_request = Local()  # the versions as read by the current request, by database; absent outside requests


def key() -> str:
    """The data version as a cache key part, `<site>.<table oid>.<number>`; read once per request,
    from where the dashboards read their rows (a replica, when there is one): a lagging replica
    then shows an older version with its older rows, never a newer version with them."""
    from targets.models import Figure

    site, oid, data, _users = _read(router.db_for_read(Figure))
    return f"{site}.{oid}.{data}"


def users_key() -> str:
    """The users version as a cache key part: moved by any change to a user, a group or a membership."""
    from django.contrib.auth import get_user_model

    site, oid, _data, users = _read(router.db_for_read(get_user_model()))
    return f"{site}.{oid}.{users}"


def _read(alias: str) -> tuple[str, int, int, int]:
    memo = getattr(_request, "rows", None)
    if memo is not None and alias in memo:
        return memo[alias]
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT site, tableoid, version, users FROM {TABLE}")
        row = cursor.fetchone()
    if memo is not None:  # inside a request: kept for the rest of it
        memo[alias] = row
    return row


def request_started(**kwargs) -> None:
    _request.rows = {}


def request_finished(**kwargs) -> None:
    _request.rows = None
