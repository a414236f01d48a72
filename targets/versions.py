"""The data version: one counter in PostgreSQL that every write to what a page shows moves.

A statement-level trigger on each table in TRACKED moves it in the writing transaction itself, so
whoever writes (a page, an upload, a command, the admin, a restore, raw SQL in a shell) moves it,
and nobody sees the new version before the new rows. Its numbers come from a sequence, which
never hands out the same number twice, even to a transaction that rolled back.

Whatever is cached names the version it was built from (`key()`), so a copy is never served after
a change, whether it is kept in a process's memory or shared in Redis. A restore recreates the
counter's table, and the key names that table's identity (its oid) beside the number: a restored
dump counts again from the number it was taken at, but never under a key used before.

A request reads the version once, the first time it needs it, and uses that for all it builds.
"""

from __future__ import annotations

from asgiref.local import Local
from django.db import connections, router

TABLE = "emulation_data_version"
SEQUENCE = "emulation_data_version_seq"
FUNCTION = "emulation_data_changed"

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


def track_sql(*tables: str) -> tuple[str, str]:
    """SQL that makes writes to `tables` move the version, and SQL that undoes it. A table that a
    page shows, added later, is tracked by its own migration:
    `migrations.RunSQL(*versions.track_sql("targets_newtable"))` (tests/test_data_version.py checks)."""
    forward = "".join(f"CREATE TRIGGER {FUNCTION} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
                      f" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();\n" for table in tables)
    backward = "".join(f"DROP TRIGGER IF EXISTS {FUNCTION} ON {table};\n" for table in tables)
    return forward, backward


_request = Local()  # the key as read by the current request; absent outside requests


def key() -> str:
    """The data version as a cache key part: `<table oid>.<number>`; read once per request."""
    found = getattr(_request, "key", None)
    if found is None:
        from targets.models import Figure

        # From where the dashboards read their rows (a replica, when there is one): a lagging
        # replica then shows an older version with its older rows, never a newer version with them.
        with connections[router.db_for_read(Figure)].cursor() as cursor:
            cursor.execute(f"SELECT tableoid, version FROM {TABLE}")
            oid, number = cursor.fetchone()
        found = f"{oid}.{number}"
        if hasattr(_request, "key"):  # inside a request: keep it for the rest of the request
            _request.key = found
    return found


def request_started(**kwargs) -> None:
    _request.key = None


def request_finished(**kwargs) -> None:
    if hasattr(_request, "key"):
        del _request.key
