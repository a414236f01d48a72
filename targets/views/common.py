"""Small helpers the views share: reading ids, the programme year and the quarter from a request.

Every page reads ?year= and ?quarter= (or the form's fields on POST) through these, so a
malformed value is treated alike everywhere: an unknown year is a 404, and a quarter that is not
1–4 counts as no quarter given, so the page shows its default quarter."""

import tempfile

from django.core.exceptions import PermissionDenied
from django.db.models.functions import Lower
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from targets import access
from targets.models import Campaign, Unit, entry_campaign, pick_campaign
from targets.templatetags.emulation import localized


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


def unit_codes(request) -> list[str]:
    """The units asked for by ?unit= (the form's unit on POST, when it has one), as the entry page
    and the Excel template read them (entry_units): every value given, spaces around it dropped, an
    empty one taken as not given, each once (in any letter case: codes are unique so, Unit.Meta)."""
    values = (request.POST.getlist("unit") if request.method == "POST" else []) or request.GET.getlist("unit")
    codes: dict[str, str] = {}
    for value in values:
        if code := value.strip():
            codes.setdefault(code.lower(), code)
    return list(codes.values())


def entry_units(user, units, codes) -> list[Unit]:
    """The units whose figures `user` enters, on the entry page (the first of them) or in the Excel
    template (all): those of `codes` (unit_codes), each a known unit, active and one of `units`
    (access.editable_units); without codes, every one of `units`, in the order pages list them. The
    one rule for both, and the one set of refusals, each with its reason: an unknown code is a 404
    (in any letter case: "stc" is STC); a unit made inactive is named (for every year at once: whose
    figures they are is not the question), to the secretariat as to its reporters; a reporter whose
    units were all made inactive is told so by their names, not that they have none. Every code
    given is checked, so that a page asked for two units refuses the one not the person's on both
    pages. The year is entry_year_units'."""
    if not codes:
        listed = list(units.order_by("kind", "code"))
        if listed:
            return listed
        retired = list(user.units.filter(is_active=False).order_by("kind", "code")) if access.is_reporter(user) else []
        if retired:
            raise PermissionDenied(_("Your unit (%(unit)s) is no longer active, so its figures cannot be entered; if figures "
                                     "are still due from it, ask an administrator to make it active again while they are "
                                     "entered.") % {"unit": ", ".join(localized(u, "name") for u in retired)})
        raise PermissionDenied(_("Your account is not attached to any unit; ask an administrator."))
    keys = list(dict.fromkeys(code.lower() for code in codes))
    found = {u.code.lower(): u for u in Unit.objects.alias(code_lower=Lower("code")).filter(code_lower__in=keys)}
    own = set(units.filter(pk__in=[u.pk for u in found.values()]).values_list("pk", flat=True))
    for key in keys:
        unit = found.get(key)
        if unit is None:
            raise Http404(_("Unknown unit."))
        if not unit.is_active:
            raise PermissionDenied(_("%(unit)s is no longer active, so its figures cannot be entered; an administrator can make "
                                     "it active again while its last figures are entered.") % {"unit": localized(unit, "name")})
        if unit.pk not in own:
            raise PermissionDenied(_("These figures belong to another unit (%(unit)s); you can only enter your own unit's.")
                                   % {"unit": localized(unit, "name")})
    return [found[key] for key in keys]


def entry_year(campaigns, unit: Unit) -> Campaign | None:
    """The programme the entry page (and the template download) opens on for `unit` when no year is
    asked for: models.entry_campaign, or, for a unit that takes part only from a later year (set up
    ahead), the first programme of that year or after when there is one."""
    campaign = entry_campaign(campaigns, unit)
    if campaign is not None and unit.not_in_year_problem(campaign.year):
        later = [c for c in campaigns if c.year >= unit.since_year]
        return min(later, key=lambda c: c.year) if later else campaign
    return campaign


def entry_year_units(chosen: list[Unit], codes, year: int) -> list[Unit]:
    """Of `chosen` (entry_units), the units whose figures are entered for the programme of `year`:
    those that take part in it (models.takes_part). A unit asked for by code that takes part only
    from a later year is refused with why (Unit.not_in_year_problem), on the entry page as in the
    template; without codes, those of `chosen` that take part, refused the same when none does."""
    if codes:
        for unit in chosen:
            if problem := unit.not_in_year_problem(year):
                raise PermissionDenied(problem)
        return chosen
    taking = [u for u in chosen if not u.not_in_year_problem(year)]
    if not taking:
        raise PermissionDenied(chosen[0].not_in_year_problem(year))
    return taking


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spooled_download(write, filename: str, content_type: str) -> FileResponse:
    """A file to download, written by `write(handle)` into a temporary file, not memory: a
    workbook may be large, and FileResponse streams it from disk."""
    handle = tempfile.TemporaryFile()
    write(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
