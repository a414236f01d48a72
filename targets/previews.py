"""Uploaded files kept between their preview and "Save" (UploadPreview), for the figure upload and
the pledge upload alike: how long and how many a person keeps, and the signed token the preview page
carries. Each kind of upload signs with its own salt: a token of one is never confirmed by the other."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from targets.models import UploadPreview

# A preview can be confirmed for a day; then it is deleted by the next upload (no cron needed).
PREVIEW_SECONDS = 24 * 3600
# Previews a person keeps at once (a few tabs); an older one is deleted by their next upload, so
# nobody can fill the database with files of up to MAX_UPLOAD_BYTES.
PREVIEWS_PER_USER = 3


def sweep() -> None:
    """Delete previews older than PREVIEW_SECONDS, abandoned by people who never confirmed."""
    UploadPreview.objects.filter(created_at__lt=timezone.now() - datetime.timedelta(seconds=PREVIEW_SECONDS)).delete()


def keep(user, upload_file, salt: str, units=()) -> str:
    """Keep `upload_file` for `user`'s "Save", leaving room for it (their oldest beyond
    PREVIEWS_PER_USER go); the token its preview page posts back, naming the `units` (codes) the
    preview writes to, so that "Save" can tell a unit lost since from a file saved already."""
    kept = UploadPreview.objects.filter(user=user).order_by("-created_at", "-pk").values_list("pk", flat=True)
    UploadPreview.objects.filter(pk__in=list(kept[PREVIEWS_PER_USER - 1:])).delete()
    upload_file.seek(0)
    preview = UploadPreview.objects.create(user=user, name=upload_file.name[:255], content=upload_file.read())
    return signing.dumps({"preview": preview.pk, "user": user.pk, "units": sorted(units)}, salt=salt)


# The previews this browser saved last (their id → what was saved and where it goes), so that a
# second click on "Save", or "Cancel" after "Save" (the Back button), says the file is saved
# rather than "no longer kept" or "nothing was saved". Both uploads share it: preview ids are one
# table's, a token names one only under its upload's salt.
SAVED_KEY = "uploads_saved"
SAVED_KEPT = 5


def remember_saved(session, pk: int, lines, **where) -> None:
    """Note in `session` that preview `pk` was saved: the lines said then, and where (year, quarter)."""
    saved = dict(list(session.get(SAVED_KEY, {}).items())[-(SAVED_KEPT - 1):])
    saved[str(pk)] = {"lines": [str(line) for line in lines], **where}
    session[SAVED_KEY] = saved


@dataclass
class Posted:
    """What a token posted back to an upload page names, for this person and this upload."""
    preview: UploadPreview | None = None  # still kept: to save or cancel
    saved: dict | None = None  # saved already from this browser: remember_saved's lines and where
    foreign: bool = False  # another person's preview, or the other upload's (or no token at all)
    units: tuple[str, ...] = ()  # the units the preview wrote to (keep's `units`)


def posted(token: str | None, user, salt: str, session) -> Posted:
    """The preview `token` names, if `user`'s and of the upload signing with `salt`; else why not:
    saved already, another's (never "expired" for it), or neither (expired or replaced: not kept)."""
    try:
        data = signing.loads(token or "", salt=salt, max_age=PREVIEW_SECONDS)
    except signing.SignatureExpired:
        return Posted()
    except signing.BadSignature:  # signed for another upload (another salt), or not a token
        return Posted(foreign=True)
    if not isinstance(data, dict) or data.get("user") != user.pk or not isinstance(data.get("preview"), int):
        return Posted(foreign=True)
    units = data.get("units")
    return Posted(preview=UploadPreview.objects.filter(pk=data["preview"], user=user).first(),
                  saved=session.get(SAVED_KEY, {}).get(str(data["preview"])),
                  units=tuple(units) if isinstance(units, list) and all(isinstance(u, str) for u in units) else ())


def settled(request, posted: Posted, *, cancel: bool, already_saved: str) -> bool:
    """Say what a posted "Save" (or "Cancel", when `cancel`) comes to when nothing is left to save,
    alike on both upload pages: the file saved already from this browser (`already_saved`, or that
    nothing was cancelled, then the lines said at the save), another person's or upload's token,
    cancelled (the kept file deleted), or no longer kept. True when said: the page redirects. False
    leaves posted.preview to be saved."""
    if posted.preview is None and posted.saved:  # a second "Save", or "Cancel" after "Save" (Back)
        messages.info(request, _("This file was already saved: nothing was cancelled.") if cancel else already_saved)
        for line in posted.saved["lines"]:
            messages.success(request, line)
    elif posted.preview is None and posted.foreign:
        messages.error(request, _("This preview was not made by you on this page: nothing was saved or cancelled. "
                                  "Upload your file here."))
    elif cancel:
        if posted.preview is not None:
            posted.preview.delete()
        messages.info(request, _("Upload cancelled; nothing was saved."))
    elif posted.preview is None:
        messages.error(request, _("This preview is no longer kept: it expired after a day, or three newer files were "
                                  "uploaded since. Upload the file again."))
    else:
        return False
    return True
