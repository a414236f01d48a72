"""Small helpers the views share: reading the programme year from a request."""

from django.http import Http404
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


def campaign_or_404(request) -> Campaign:
    """The programme of ?year= (or the form's year), the newest when none is given."""
    return choose_campaign(Campaign.objects.all(), param(request, "year"))


def choose_campaign(campaigns, year) -> Campaign:
    """The programme of `year` among `campaigns` (newest first), the newest when no year is given."""
    campaign = pick_campaign(campaigns, year)
    if campaign is None:
        raise Http404(_("There is no emulation programme for that year."))
    return campaign
