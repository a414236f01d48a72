"""Uploaded files kept between their preview and "Save" (UploadPreview), for the figure upload and
the pledge upload alike: how long and how many a person keeps, and the signed token the preview page
carries. Each kind of upload signs with its own salt: a token of one is never confirmed by the other."""

from __future__ import annotations

import datetime

from django.core import signing
from django.utils import timezone

from targets.models import UploadPreview

# A preview can be confirmed for a day; then it is deleted by the next upload (no cron needed).
PREVIEW_SECONDS = 24 * 3600
# Previews a person keeps at once (a few tabs); an older one is deleted by their next upload, so
# nobody can fill the database with files of up to MAX_UPLOAD_BYTES.
PREVIEWS_PER_USER = 3


def sweep() -> None:
    """Delete previews older than PREVIEW_SECONDS, abandoned by people who never confirmed."""
    UploadPreview.objects.filter(created_at__lt=timezone.now() - datetime.timedelta(seconds=PREVIEW_SECONDS)).delete()


def keep(user, upload_file, salt: str) -> str:
    """Keep `upload_file` for `user`'s "Save", leaving room for it (their oldest beyond
    PREVIEWS_PER_USER go); the token its preview page posts back."""
    kept = UploadPreview.objects.filter(user=user).order_by("-created_at", "-pk").values_list("pk", flat=True)
    UploadPreview.objects.filter(pk__in=list(kept[PREVIEWS_PER_USER - 1:])).delete()
    upload_file.seek(0)
    preview = UploadPreview.objects.create(user=user, name=upload_file.name[:255], content=upload_file.read())
    return signing.dumps({"preview": preview.pk, "user": user.pk}, salt=salt)


def preview_id(token: str | None, user, salt: str) -> int | None:
    """The preview `token` names, if it is signed with `salt`, `user`'s and not older than PREVIEW_SECONDS."""
    try:
        data = signing.loads(token or "", salt=salt, max_age=PREVIEW_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("user") != user.pk or not isinstance(data.get("preview"), int):
        return None
    return data["preview"]


def kept(token: str | None, user, salt: str) -> UploadPreview | None:
    """The preview `token` names, if it is `user`'s and still kept."""
    pk = preview_id(token, user, salt)
    return UploadPreview.objects.filter(pk=pk, user=user).first() if pk is not None else None
