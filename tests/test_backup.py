"""Backup and restore: a restored database holds every figure and history entry, identical."""

import os
from decimal import Decimal

import psycopg2
import pytest
from django.db import connection

from targets.backup import BackupError, backup, restore
from targets.models import Figure, Measure, Submission, Unit

pytestmark = pytest.mark.django_db(transaction=True)
TABLES = ("targets_figure", "targets_historicalfigure", "targets_submission", "targets_historicalsubmission", "targets_measure")


def _dsn(name: str) -> dict:
    db = connection.settings_dict
    return {"dbname": name, "user": db["USER"] or "postgres", "host": db["HOST"] or None, "port": db["PORT"] or None,
            "password": db["PASSWORD"] or None}


def _rows(name: str) -> dict:
    with psycopg2.connect(**_dsn(name)) as conn, conn.cursor() as cur:
        result = {}
        for table in TABLES:
            cur.execute(f"SELECT * FROM {table} ORDER BY 1")
            result[table] = cur.fetchall()
    conn.close()
    return result


@pytest.fixture
def fresh_database():
    name = f"restore_check_{os.getpid()}"
    admin = psycopg2.connect(**_dsn("postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    yield name
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_a_restored_backup_has_every_figure_and_history_entry(programme, tmp_path, fresh_database):
    submission = Submission.objects.create(campaign=programme, unit=Unit.objects.get(code="STC"), quarter=1)
    figure = Figure.objects.create(submission=submission, measure=Measure.objects.get(code="3"), value=Decimal("612.5"),
                                   note="Ghi chú có dấu tiếng Việt")
    figure.value = Decimal("615.25")
    figure._change_reason = "Sửa theo số liệu Kho bạc"
    figure.save()
    submission.state = "submitted"
    submission.save()

    path = backup(tmp_path / "emulation.dump")
    assert path.stat().st_size > 0
    restore(path, database_name=fresh_database)

    original, restored = _rows(connection.settings_dict["NAME"]), _rows(fresh_database)
    for table in TABLES:
        assert restored[table] == original[table], table
    assert len(restored["targets_historicalfigure"]) == 2
    assert any(row for row in restored["targets_historicalfigure"] if "Sửa theo số liệu Kho bạc" in row)


def test_restoring_a_missing_file_says_so(db, tmp_path):
    with pytest.raises(BackupError, match="No such backup file"):
        restore(tmp_path / "nothing.dump")


def test_a_backup_is_its_owners_only_names_the_database_and_leaves_sessions_out(programme, tmp_path, fresh_database, client, viewer,
                                                                                 monkeypatch):
    import io
    import logging
    import stat

    logged = []
    handler = logging.Handler()
    handler.emit = logged.append
    operations = logging.getLogger("targets.operations")
    monkeypatch.setattr(operations, "handlers", [*operations.handlers, handler])

    from django.contrib.sessions.models import Session
    from django.core.management import call_command

    client.force_login(viewer)  # a live session: restored, it would sign its holder back in
    assert Session.objects.exists()
    out = io.StringIO()
    path = tmp_path / "emulation.dump"
    call_command("backup", "-o", str(path), stdout=out)
    # The operator reads it in the site's language; the log keeps one language for whoever searches it.
    from targets.backup import describe

    database = describe()  # "emulation (127.0.0.1:5432)", or the socket's folder for the embedded server
    assert database.startswith(f"{connection.settings_dict['NAME']} (")
    assert out.getvalue() == f"Đã sao lưu cơ sở dữ liệu {database} vào {path} (chỉ người sở hữu tệp đọc được)\n"
    assert [r.getMessage() for r in logged] == [f"Backup of {database} written to {path}"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    folder = backup(tmp_path / "nightly" / "emulation.dump").parent  # a folder it makes is its owner's too
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    restore(path, database_name=fresh_database)
    with psycopg2.connect(**_dsn(fresh_database)) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM django_session")
        sessions = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM auth_user")
        users = cur.fetchone()[0]
    conn.close()
    assert (sessions, users) == (0, 1)


def test_tools_of_another_version_than_the_server_are_refused_before_anything_is_written(db, tmp_path, monkeypatch):
    from targets import backup as module

    # What a machine without postgresql-client has: only the wheel's tools, of another version than the server.
    other = tmp_path / "pg_dump"
    other.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    other.chmod(0o755)
    monkeypatch.setattr(module, "_candidates", lambda name: [other])
    server = connection.pg_version // 10000
    with pytest.raises(BackupError) as refused:
        backup(tmp_path / "x.dump")
    assert f"runs PostgreSQL {server} and no pg_dump {server} was found" in str(refused.value)
    assert "(9)" in str(refused.value) and f"apt-get install postgresql-client-{server}" in str(refused.value)
    assert not (tmp_path / "x.dump").exists()


def test_a_backup_from_before_an_upgrade_restores_after_it_and_a_damaged_one_changes_nothing(programme, tmp_path, fresh_database):
    path = backup(tmp_path / "before-upgrade.dump")
    restore(path, database_name=fresh_database)
    with psycopg2.connect(**_dsn(fresh_database)) as conn, conn.cursor() as cur:
        # What an upgrade's migration does: a new table pointing at an old one (pg_restore's own
        # clean-up refused to drop targets_unit's key under it).
        cur.execute("CREATE TABLE targets_newthing (id bigint PRIMARY KEY, unit_id bigint REFERENCES targets_unit(id))")
        cur.execute("INSERT INTO targets_newthing SELECT id, id FROM targets_unit LIMIT 1")
        cur.execute("DELETE FROM targets_figure")
    conn.close()
    restore(path, database_name=fresh_database)
    with psycopg2.connect(**_dsn(fresh_database)) as conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass('targets_newthing')")
        assert cur.fetchone() == (None,)  # as the backup had it
        cur.execute("SELECT count(*) FROM targets_measure")
        measures = cur.fetchone()[0]
    conn.close()
    assert measures == 25 and _rows(fresh_database) == _rows(connection.settings_dict["NAME"])
    with psycopg2.connect(**_dsn(fresh_database)) as conn, conn.cursor() as cur:
        # The schema as PostgreSQL made it: a read-only role (monitoring, reports) keeps its access after a restore.
        cur.execute("SELECT nspowner::regrole::text, nspacl::text FROM pg_namespace WHERE nspname = 'public'")
        owner, acl = cur.fetchone()
    conn.close()
    assert owner == "pg_database_owner" and "=U/pg_database_owner" in acl
    # Half a file (a copy cut short): refused, and the database keeps what it had.
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(BackupError):
        restore(damaged, database_name=fresh_database)
    assert _rows(fresh_database) == _rows(connection.settings_dict["NAME"])
