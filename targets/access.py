"""Who may see and change what.

Roles are Django groups (created by a migration) plus unit membership; superusers are
admins. Views ask these functions instead of checking groups themselves, so the rules live
in one place and the permission tests exercise them from the outside.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # Values are the group names; labels the words users see.
    VIEWER = "viewer", _("Viewer")
    REPORTER = "reporter", _("Reporter")
    REVIEWER = "reviewer", _("Reviewer")
    ADMIN = "admin", _("Admin")


def roles(user) -> set[str]:
    """The user's roles; cached on the user object for the request."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_emulation_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) & set(Role.values)
        if user.is_superuser:
            cached.add(Role.ADMIN)
        user._emulation_roles = cached
    return cached


def is_admin(user) -> bool:
    return Role.ADMIN in roles(user)


def is_reviewer(user) -> bool:
    """Reviewers and admins review submissions and may enter figures for any unit."""
    return bool({Role.REVIEWER, Role.ADMIN} & roles(user))


def is_reporter(user) -> bool:
    return Role.REPORTER in roles(user)


def editable_units(user):
    """The units whose figures the user may enter: their own, or all for the secretariat."""
    from targets.models import Unit

    if is_reviewer(user):
        return Unit.objects.filter(is_active=True)
    if is_reporter(user):
        return user.units.filter(is_active=True)
    return Unit.objects.none()


def visible_figures(user, campaign):
    """The figures a user may see in exports and the API: the secretariat all, viewers what the dashboards show,
    reporters their own units' figures in any state."""
    from targets.models import Figure, Submission

    figures = Figure.objects.filter(submission__campaign=campaign)
    if is_reviewer(user):
        return figures
    if is_reporter(user):
        return figures.filter(submission__unit__in=user.units.all())
    return figures.filter(submission__state__in=Submission.VISIBLE_STATES)
