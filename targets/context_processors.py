from django.conf import settings

from targets import access


def site(request):
    """What every page's frame needs: the user's roles and whether this is demo data."""
    user = request.user
    return {
        "demo_mode": settings.DEMO_MODE,
        "user_is_admin": access.is_admin(user),
        "user_is_reviewer": access.is_reviewer(user),
        "user_is_reporter": access.is_reporter(user),
    }
