from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.http import url_has_allowed_host_and_scheme

from targets import access


def site(request):
    """What every page's frame needs: the user's name and roles, and whether this is demo data."""
    # A page rendered before authentication ran (a 404 of the development server's static files) has no user yet.
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "user_name": user.get_username(),
        "demo_mode": settings.DEMO_MODE,
        "user_is_admin": access.is_admin(user),
        "user_is_reviewer": access.is_reviewer(user),
        "user_is_reporter": access.is_reporter(user),
        "user_sees_rankings": access.sees_rankings(user),
        "page_address": page_address(request),
    }


def page_address(request) -> str:
    """Where the language switch brings the person back: this page. A page shown in answer to a
    form (a refused return of a report, a refused save) may be at an address that takes only that
    form (a 405 when asked for again), so it is the page the form was sent from."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    if named := getattr(request, "page_address", None):  # a view that knows its page names it (a refused return: the report's)
        return named
    referer = request.META.get("HTTP_REFERER", "")
    if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        parts = urlsplit(referer)
        if parts.path != request.path:  # sent again from the page the form came back on: that is this very address
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.get_full_path()
