"""Small helpers the views share: reading the programme year from a request."""

from django.http import Http404
from django.utils.translation import gettext as _

from targets.models import Campaign


def param(request, name: str) -> str:
    """A form field on POST, else the query string's value ('' when absent)."""
    return (request.POST.get(name) if request.method == "POST" else None) or request.GET.get(name, "")


def campaign_or_404(request) -> Campaign:
    """The programme of ?year= (or the form's year), the newest when none is given."""
    campaign = Campaign.objects.for_year(param(request, "year"))
    if campaign is None:
        raise Http404(_("There is no emulation programme for that year."))
    return campaign
