"""Upload previews: kept in the database (any app server confirms them), deleted when confirmed
or cancelled, abandoned ones gone after a day without any cron job; refused uploads leave a line
in the log."""

import datetime
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from targets import previews
from targets.models import Figure, Unit, UploadPreview
from tests.test_template_xlsx import as_upload, download, fill, reporter  # noqa: F401 (fixture)


def preview(client):
    response = client.post(reverse("upload"), {"file": as_upload(fill(download(client), {"3": 5}))})
    assert response.context["result"].ok
    return response.context["token"]


@pytest.mark.template_context
def test_confirming_saves_and_deletes_the_preview(client, reporter):  # noqa: F811
    from django.test import Client

    client.force_login(reporter)
    token = preview(client)
    assert UploadPreview.objects.count() == 1
    # Confirmed through another app server (any process: the preview is in the database).
    other = Client()
    other.force_login(reporter)
    other.post(reverse("upload"), {"token": token})
    assert Figure.objects.count() == 1
    assert not UploadPreview.objects.exists()


@pytest.mark.template_context
def test_cancelling_deletes_the_preview_and_saves_nothing(client, reporter):  # noqa: F811
    client.force_login(reporter)
    token = preview(client)
    page = client.post(reverse("upload"), {"token": token, "action": "cancel"}, follow=True).content.decode()
    assert "Đã huỷ tải lên" in page
    assert not UploadPreview.objects.exists() and not Figure.objects.exists()
    response = client.post(reverse("upload"), {"token": token}, follow=True)  # the cancelled preview is gone for good
    assert "Bản xem trước này không còn được giữ" in response.content.decode() and not Figure.objects.exists()


@pytest.mark.template_context
def test_abandoned_previews_are_deleted_after_a_day_by_the_next_upload(client, reporter):  # noqa: F811
    from tests.conftest import make_user

    client.force_login(reporter)
    someone = make_user("someone-else", "reporter")
    old, recent = (UploadPreview.objects.create(user=someone, name=name, content=b"x",
                                                created_at=timezone.now() - datetime.timedelta(hours=hours))
                   for name, hours in (("old.xlsx", 25), ("recent.xlsx", 23)))
    preview(client)
    assert set(UploadPreview.objects.exclude(user=reporter).values_list("name", flat=True)) == {"recent.xlsx"}


def test_a_refused_upload_is_logged_with_who_and_why(client, reporter, caplog):  # noqa: F811
    client.force_login(reporter)
    wb = fill(download(client), {"3": "=1+2"})
    with caplog.at_level(logging.WARNING, logger="targets.upload"):
        client.post(reverse("upload"), {"file": as_upload(wb)})
    [record] = [r for r in caplog.records if r.name == "targets.upload"]
    assert "reporter-city" in record.getMessage() and "công thức" in record.getMessage()
    assert record.request_id not in ("", "-")


@pytest.mark.template_context
def test_a_person_keeps_a_few_previews_at_once_never_a_disk_full(client, reporter):  # noqa: F811
    client.force_login(reporter)
    tokens = [preview(client) for _upload in range(5)]
    assert UploadPreview.objects.filter(user=reporter).count() == previews.PREVIEWS_PER_USER
    # The newest still saves; the oldest says it has expired.
    assert "Bản xem trước này không còn được giữ: đã quá một ngày, hoặc đã có ba tệp mới hơn được tải lên." in client.post(
        reverse("upload"), {"token": tokens[0]}, follow=True).content.decode()
    client.post(reverse("upload"), {"token": tokens[-1]})
    assert Figure.objects.count() == 1


@pytest.mark.template_context
def test_a_double_click_on_save_says_the_file_is_saved_never_0_figures(client, reporter):  # noqa: F811
    client.force_login(reporter)
    token = preview(client)
    first = client.post(reverse("upload"), {"token": token}, follow=True).content.decode()
    assert "Đã lưu 1 số liệu từ bảng tính." in first
    # The second click, after the first is done: what was saved, and where to send it.
    second = client.post(reverse("upload"), {"token": token}, follow=True).content.decode()
    assert "Đã lưu 0" not in second and "không còn được giữ" not in second
    assert "Tệp này đã được lưu: mọi số liệu và báo cáo nhiệm vụ trong tệp đều đã được lưu như vậy." in second
    assert "Đã lưu 1 số liệu từ bảng tính." in second and "trang nhập số liệu" in second
    # The second click while the first's preview is still kept (both at work at once): saved, never "0".
    tokens = [client.post(reverse("upload"), {"file": as_upload(fill(download(client), {"3": 7}))}).context["token"]
              for _click in range(2)]
    client.post(reverse("upload"), {"token": tokens[0]})
    second = client.post(reverse("upload"), {"token": tokens[1]}, follow=True).content.decode()
    assert "Đã lưu 0" not in second and "Tệp này đã được lưu" in second
    assert Figure.objects.get().value == 7 and not UploadPreview.objects.exists()


@pytest.mark.template_context
def test_cancel_after_save_says_the_file_stays_saved_never_nothing_was_saved(client, reporter):  # noqa: F811
    client.force_login(reporter)
    token = preview(client)
    client.post(reverse("upload"), {"token": token})
    # Back to the preview, then "Cancel": nothing is undone, and the page says so.
    page = client.post(reverse("upload"), {"token": token, "action": "cancel"}, follow=True).content.decode()
    assert "chưa lưu gì" not in page and "Đã huỷ tải lên" not in page
    assert "Tệp này đã được lưu: không có gì bị huỷ." in page and "Đã lưu 1 số liệu từ bảng tính." in page
    assert Figure.objects.get().value == 5


@pytest.mark.template_context
def test_a_preview_of_another_person_or_of_the_pledge_upload_is_refused_as_not_theirs_never_as_expired(client, reporter):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    from targets.views.emulation import PLEDGE_PREVIEW_SALT
    from tests.conftest import make_user

    client.force_login(reporter)
    theirs = preview(client)
    pledge_token = previews.keep(reporter, SimpleUploadedFile("g.xlsx", b"x"), PLEDGE_PREVIEW_SALT)
    other = make_user("reporter-two", "reporter", units=[Unit.objects.get(code="024")])
    not_theirs = "Bản xem trước này không phải do bạn tải lên trên trang này: không có gì được lưu hay bị huỷ."
    pages = [client.post(reverse("upload"), {"token": pledge_token, "action": action}, follow=True).content.decode()
             for action in ("save", "cancel")]  # their own, but the pledge upload's
    client.force_login(other)
    pages += [client.post(reverse("upload"), {"token": theirs, "action": action}, follow=True).content.decode()
              for action in ("save", "cancel")]  # the same unit's, of another person
    for page in pages:
        assert not_theirs in page
        assert "không còn được giữ" not in page and "đã quá một ngày" not in page and "Đã huỷ tải lên" not in page
    assert not Figure.objects.exists() and UploadPreview.objects.count() == 2
