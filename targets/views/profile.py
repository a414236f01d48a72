"""The user's own page: roles, units, and personal API tokens (issue with an expiry, and revoke)."""

import datetime

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from targets import access
from targets.models import ApiToken
from targets.views.common import as_id

LONGEST = datetime.timedelta(days=5 * 365)


class TokenForm(forms.ModelForm):
    """A new token: its name (the model's field and limit) and the last day it works."""

    expires_on = forms.DateField(label=gettext_lazy("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"},
                                                                                                format="%Y-%m-%d"))

    class Meta:
        model = ApiToken
        fields = ["name"]
        widgets = {"name": forms.TextInput(attrs={"class": "form-control"})}

    def clean_expires_on(self):
        today = timezone.localdate()
        day = self.cleaned_data["expires_on"] or today + ApiToken.LIFETIME  # left empty: the default year
        if not today < day <= today + LONGEST:
            raise forms.ValidationError(_("Choose a day after today and at most five years ahead (until %(last)s).")
                                        % {"last": date_format(today + LONGEST, "SHORT_DATE_FORMAT")})
        return day

    def expires_at(self) -> datetime.datetime:
        """The token works through the chosen day, local time."""
        return timezone.make_aware(datetime.datetime.combine(self.cleaned_data["expires_on"], datetime.time(23, 59, 59)))


def _new_form(data=None) -> TokenForm:
    return TokenForm(data, initial={"expires_on": timezone.localdate() + ApiToken.LIFETIME})


@require_http_methods(["GET", "POST"])
def profile(request):
    new_key, form = None, _new_form()
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            # Only the user's own tokens: another user's id (or no id at all) is a 404, not a revocation.
            token = get_object_or_404(ApiToken, pk=as_id(request.POST.get("token")) or 0, user=request.user)
            token.delete()
            messages.success(request, _("Token revoked."))
            return redirect("profile")
        form = _new_form(request.POST)
        if form.is_valid():
            _token, new_key = ApiToken.issue(request.user, form.cleaned_data["name"].strip(), expires_at=form.expires_at())
            form = _new_form()
    return render(request, "targets/profile.html", {
        "roles": sorted(access.Role(r).label for r in access.roles(request.user)),
        "units": request.user.units.all(),
        "tokens": request.user.api_tokens.all(),
        "new_key": new_key,
        "form": form,
        "now": timezone.now(),
    })
