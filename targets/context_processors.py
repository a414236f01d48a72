from django.conf import settings
from django.contrib.auth.models import AnonymousUser

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
    }
