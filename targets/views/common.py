"""Small helpers the views share: reading ids, the programme year and the quarter from a request.

Every page reads ?year= and ?quarter= (or the form's fields on POST) through these, so a
malformed value is treated alike everywhere: an unknown year is a 404, and a quarter that is not
1–4 counts as no quarter given, so the page shows its default quarter."""

import tempfile

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from targets.models import Campaign, pick_campaign


def as_id(text) -> int | None:
    """A database id typed by a client, or None: ASCII digits only ('²'.isdigit() is true, yet int()
    refuses it) and short enough for a bigint."""
    text = str(text or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def param(request, name: str) -> str:
    """A form field on POST, else the query string's value ('' when absent)."""
    return (request.POST.get(name) if request.method == "POST" else None) or request.GET.get(name, "")


def campaign_or_404(request, campaigns=None, *, default=None) -> Campaign:
    """The programme of ?year= (or the form's year); when none is given, `default(campaigns)`, by
    default the current one (models.current_campaign); among `campaigns` (newest first) when the
    page lists them anyway."""
    campaign = pick_campaign(Campaign.objects.all() if campaigns is None else campaigns, param(request, "year"), default=default)
    if campaign is None:
        raise Http404(_("There is no emulation programme for that year."))
    return campaign


def programme_year(request, campaigns=None, *, default=None) -> dict:
    """The programme of ?year= (or the form's year) and every programme, newest first, which the
    year picker lists (templates/targets/_period_picker.html): one query serves both. `campaigns`,
    when given, is that query with what the page reads of each (its deadlines, say) prefetched;
    `default` chooses when no year is asked for (campaign_or_404)."""
    campaigns = list(Campaign.objects.all() if campaigns is None else campaigns)
    return {"campaign": campaign_or_404(request, campaigns, default=default), "campaigns": campaigns}


def quarter_param(request) -> int | None:
    """?quarter= (or the form's quarter) as 1–4; None when absent or malformed."""
    text = param(request, "quarter")
    return int(text) if text in {"1", "2", "3", "4"} else None


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spooled_download(write, filename: str, content_type: str) -> FileResponse:
    """A file to download, written by `write(handle)` into a temporary file, not memory: a
    workbook may be large, and FileResponse streams it from disk."""
    handle = tempfile.TemporaryFile()
    write(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
