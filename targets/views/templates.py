"""Excel template: download for a unit and quarter; upload with a preview before saving."""

from __future__ import annotations

import io
import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from targets import access, previews, template_xlsx, workflow
from targets.views.common import XLSX, campaign_or_404, entry_units, entry_year, entry_year_units, quarter_param, unit_codes

SALT = "upload"  # the figure upload's preview tokens (targets.previews)
log = logging.getLogger("targets.upload")


ALREADY_SAVED = gettext_lazy("This file is already saved: every figure and task report in it is as saved now.")


def _require_entry_role(user):
    if not (access.is_reviewer(user) or access.is_reporter(user)):
        raise PermissionDenied(_("Only reporters and the secretariat enter figures."))


@require_safe
def download(request):
    _require_entry_role(request.user)
    # The entry page's rule and refusals (a unit made inactive is named, not taken for no unit), read
    # from ?unit= as it reads it (unit_codes); several units in one workbook.
    codes = unit_codes(request)
    chosen = entry_units(request.user, access.editable_units(request.user), codes)
    # Without a year, the one the entry page opens on for the unit (last year's while its fourth
    # quarter is still collected or a report is sent back to it), not the calendar's.
    campaign = campaign_or_404(request, default=lambda listed: entry_year(listed, chosen[0]))
    # Only units taking part in the year (a unit asked for that takes part from a later one is refused, saying so).
    units = entry_year_units(chosen, codes, campaign.year)
    first = units[0]
    quarter = quarter_param(request) or campaign.entry_quarter(first)
    workbook = template_xlsx.build_template(campaign=campaign, quarter=quarter, units=units, user=request.user)
    response = HttpResponse(content_type=XLSX)
    name = first.code if len(units) == 1 else "nhieu-don-vi"
    response["Content-Disposition"] = f'attachment; filename="bieu-mau-{campaign.year}-q{quarter}-{name}.xlsx"'
    workbook.save(response)
    return response


@require_http_methods(["GET", "POST"])
def upload(request):
    _require_entry_role(request.user)
    context = {}
    if request.method == "POST":
        previews.sweep()
    if request.method == "POST" and request.POST.get("token"):
        return _settle_or_save(request)
    if request.method == "POST":
        upload_file = request.FILES.get("file")
        if upload_file is None:
            messages.error(request, _("Choose a file to upload."))
            return redirect("upload")
        result = template_xlsx.read_upload(upload_file, upload_file.size, user=request.user)
        context["result"] = result
        if not result.ok:
            _log_refusal(request, result, f"{upload_file.name!r}, {upload_file.size} bytes")
        if result.ok and (result.rows or result.task_rows):
            context["token"] = previews.keep(request.user, upload_file, SALT, [u.code for u in result.units_written])
        elif result.ok and result.units:
            messages.info(request, result.nothing_to_save())
        elif result.ok:
            messages.error(request, _("The file has no figures to save."))
    return render(request, "targets/upload.html", context)


def _already_saved(request, year: int, quarter: int):
    """The answer to a file confirmed again while its first click was still saving: saved, never "0"."""
    messages.info(request, ALREADY_SAVED)
    _entry_link(request, year, quarter)
    return redirect("upload")


def _entry_link(request, year: int, quarter: int) -> None:
    address = f"{reverse('entry')}?year={year}&quarter={quarter}"
    messages.info(request, format_html(_("Saved, not sent: check the report and send it on <a href=\"{}\">the entry page</a>."), address))


def _log_refusal(request, result, what: str) -> None:
    log.warning("Upload refused for %s (%s): %d problems, first: %s", request.user.get_username(), what,
                len(result.problems), result.problems[0] if result.problems else "-")


def _settle_or_save(request):
    """A preview's "Save" or "Cancel" posted back (previews.settled), and the file saved."""
    posted = previews.posted(request.POST.get("token"), request.user, SALT, request.session)
    cancel = request.POST.get("action") == "cancel"
    if previews.settled(request, posted, cancel=cancel, already_saved=ALREADY_SAVED):
        if posted.saved:
            _entry_link(request, posted.saved["year"], posted.saved["quarter"])
        return redirect("upload")
    kept = posted.preview
    content = bytes(kept.content)
    result = template_xlsx.read_upload(io.BytesIO(content), len(content), user=request.user)
    if not result.ok:
        kept.delete()
        _log_refusal(request, result, f"preview {kept.name!r}")
        return render(request, "targets/upload.html", {"result": result})
    if lost := sorted(u.code for u in result.not_read if u.code in posted.units):
        # Units the preview wrote to that the person no longer enters figures for (moved, deactivated):
        # nothing is saved, not even the other units' rows, and it is never called "already saved".
        kept.delete()
        messages.error(request, _("Nothing was saved: since the preview, your account no longer enters figures for "
                                  "%(units)s. Ask an administrator, or upload the file again for your units.") % {
            "units": ", ".join(lost)})
        return render(request, "targets/upload.html", {"result": result})
    if not (result.rows or result.task_rows):  # saved meanwhile (the first click of a double one, still at work)
        kept.delete()
        return _already_saved(request, result.campaign.year, result.quarter)
    if result.warnings and not request.POST.get("confirm"):
        messages.warning(request, _("Nothing was saved yet: check the warnings listed (unusual figures, figures to be deleted), "
                                    "tick the confirmation and save again."))
        return render(request, "targets/upload.html", {"result": result, "token": request.POST["token"]})
    try:
        saved = template_xlsx.save_upload(result, user=request.user)
    except workflow.EntryRefused as refused:
        kept.delete()  # figures changed since: the file must be downloaded again
        log.warning("Upload refused for %s (preview %r): %s", request.user.get_username(), kept.name, refused.message)
        messages.error(request, refused.message)
        return render(request, "targets/upload.html", {"result": result})
    pk = kept.pk
    kept.delete()
    if not (saved.figures or saved.removed or saved.tasks or saved.tasks_removed):
        # Read before the first click's save was committed: it wrote everything; never "0 figures saved".
        return _already_saved(request, result.campaign.year, result.quarter)
    lines = []
    if saved.figures:
        lines.append(_("Saved %(count)s figures from the workbook.") % {"count": saved.figures})
    if saved.removed:
        lines.append(_("Deleted %(count)s saved figures whose rows were cleared.") % {"count": saved.removed})
    if saved.tasks:
        lines.append(_("Saved %(count)s task reports from the workbook.") % {"count": saved.tasks})
    if saved.tasks_removed:
        lines.append(_("Deleted %(count)s saved task reports whose rows were cleared.") % {"count": saved.tasks_removed})
    previews.remember_saved(request.session, pk, lines, year=result.campaign.year, quarter=result.quarter)
    for line in lines:
        messages.success(request, line)
    # An upload saves drafts: sending stays the entry page's (after a look at what was saved).
    _entry_link(request, result.campaign.year, result.quarter)
    return redirect("upload")
