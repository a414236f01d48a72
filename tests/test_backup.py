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
