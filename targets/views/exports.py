"""Downloads: the official report workbook and the raw figures (xlsx or CSV)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from targets import access, exports
from targets.language import language
from targets.models import Unit
from targets.views.common import XLSX, campaign_or_404, quarter_param, spooled_download


@require_safe
def report(request):
    """The official report of a period (Quý I, 6 tháng, 9 tháng, cả năm), as leadership receives it."""
    campaign = campaign_or_404(request)
    quarter = quarter_param(request) or campaign.latest_quarter()  # as the dashboard it is downloaded from
    lang = language(request.GET.get("lang") or None)
    if redirect := _canonical(request, year=campaign.year, quarter=quarter, lang=lang):
        return redirect
    workbook = exports.report_workbook(campaign, quarter, lang=lang)
    filename = f"bao-cao-thi-dua-{campaign.year}-q{quarter}{'-en' if lang == 'en' else ''}.xlsx"
    return spooled_download(workbook.save, filename, XLSX)


def _canonical(request, **read) -> HttpResponseRedirect | None:
    """A redirect to this download with its parameters as they were read, when one given was
    malformed (?quarter=7, ?lang=xx, a repeated value): the address then names the period and
    language of the file it gives, and a bad link costs a redirect, not a second workbook."""
    given = {name: request.GET.getlist(name) for name in read if name in request.GET}
    if all(values == [str(read[name])] for name, values in given.items()):
        return None
    return HttpResponseRedirect(f"{request.path}?{urlencode(read)}")


@require_safe
def figures(request):
    """Every figure the user may see, in long format, as xlsx (default) or CSV."""
    campaign = campaign_or_404(request)
    lang = language(request.GET.get("lang") or None)
    rows = access.visible_figures(request.user, campaign)
    unit = request.GET.get("unit")
    if unit:
        if not Unit.objects.filter(code=unit).exists():
            raise Http404(_("Unknown unit."))  # not an empty file that reads as "no figures"
        rows = rows.filter(submission__unit__code=unit)
    kind = (request.GET.get("format") or "xlsx").lower()
    if kind not in ("xlsx", "csv"):
        raise Http404(_("The raw data comes as xlsx or csv."))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if kind == "csv":
        response = StreamingHttpResponse(exports.raw_csv_lines(exports.raw_figures(rows), lang=lang),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="so-lieu-{campaign.year}-{stamp}.csv"'
        return response
    return spooled_download(
        lambda handle: exports.write_raw_xlsx(exports.raw_figures(rows), handle, lang=lang),
        f"so-lieu-{campaign.year}-{stamp}.xlsx", XLSX,
    )
