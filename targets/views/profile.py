"""The user's own page: roles, units, and personal API tokens (issue and revoke)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from targets import access
from targets.models import ApiToken


@require_http_methods(["GET", "POST"])
def profile(request):
    new_key = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            # Only the user's own tokens: another user's id is a 404, not a revocation.
            token = get_object_or_404(ApiToken, pk=request.POST.get("token", "0") or 0, user=request.user)
            token.delete()
            messages.success(request, _("Token revoked."))
            return redirect("profile")
        _token, new_key = ApiToken.issue(request.user, request.POST.get("name", "").strip()[:100])
    return render(request, "targets/profile.html", {
        "roles": sorted(access.Role(r).label for r in access.roles(request.user)),
        "units": request.user.units.all(),
        "tokens": request.user.api_tokens.all(),
        "new_key": new_key,
    })
