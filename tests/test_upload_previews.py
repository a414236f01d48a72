"""Upload previews: deleted when confirmed or cancelled, abandoned ones gone after a day without
any cron job; refused uploads leave a line in the log."""

import logging
import os
import time

import pytest
from django.urls import reverse

from targets.models import Figure
from targets.views import templates
from tests.test_template_xlsx import as_upload, download, fill, reporter  # noqa: F401 (fixture)


@pytest.fixture(autouse=True)
def uploads(tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setattr(templates, "UPLOADS", folder)
    return folder


def preview(client):
    response = client.post(reverse("upload"), {"file": as_upload(fill(download(client), {"3": 5}))})
    assert response.context["result"].ok
    return response.context["token"]


@pytest.mark.template_context
def test_confirming_saves_and_deletes_the_preview(client, reporter, uploads):  # noqa: F811
    client.force_login(reporter)
    token = preview(client)
    assert len(list(uploads.iterdir())) == 1
    client.post(reverse("upload"), {"token": token})
    assert Figure.objects.count() == 1
    assert list(uploads.iterdir()) == []


@pytest.mark.template_context
def test_cancelling_deletes_the_preview_and_saves_nothing(client, reporter, uploads):  # noqa: F811
    client.force_login(reporter)
    token = preview(client)
    page = client.post(reverse("upload"), {"token": token, "action": "cancel"}, follow=True).content.decode()
    assert "Đã huỷ tải lên" in page
    assert list(uploads.iterdir()) == [] and not Figure.objects.exists()
    response = client.post(reverse("upload"), {"token": token}, follow=True)  # the cancelled preview is gone for good
    assert "Bản xem trước này không còn được giữ" in response.content.decode() and not Figure.objects.exists()


@pytest.mark.template_context
def test_abandoned_previews_are_deleted_after_a_day_by_the_next_upload(client, reporter, uploads):  # noqa: F811
    client.force_login(reporter)
    uploads.mkdir()
    old, recent = uploads / "old.xlsx", uploads / "recent.xlsx"
    for path, hours in ((old, 25), (recent, 23)):
        path.write_bytes(b"x")
        moment = time.time() - hours * 3600
        os.utime(path, (moment, moment))
    preview(client)
    assert not old.exists() and recent.exists()


def test_a_refused_upload_is_logged_with_who_and_why(client, reporter, caplog):  # noqa: F811
    client.force_login(reporter)
    wb = fill(download(client), {"3": "=1+2"})
    with caplog.at_level(logging.WARNING, logger="targets.upload"):
        client.post(reverse("upload"), {"file": as_upload(wb)})
    [record] = [r for r in caplog.records if r.name == "targets.upload"]
    assert "reporter-city" in record.getMessage() and "công thức" in record.getMessage()
    assert record.request_id not in ("", "-")


@pytest.mark.template_context
def test_a_person_keeps_a_few_previews_at_once_never_a_disk_full(client, reporter, uploads):  # noqa: F811
    client.force_login(reporter)
    tokens = []
    for _upload in range(5):
        tokens.append(preview(client))
        for path in uploads.glob("*.xlsx"):  # each file older than the next
            os.utime(path, (path.stat().st_atime, path.stat().st_mtime - 1))
    assert len(list(uploads.glob("*.xlsx"))) == templates.PREVIEWS_PER_USER
    # The newest still saves; the oldest says it has expired.
    assert "Bản xem trước này không còn được giữ: đã quá một ngày, hoặc đã có ba tệp mới hơn được tải lên." in client.post(
        reverse("upload"), {"token": tokens[0]}, follow=True).content.decode()
    client.post(reverse("upload"), {"token": tokens[-1]})
    assert Figure.objects.count() == 1
