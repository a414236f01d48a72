"""Who may see and change what.

Roles are Django groups (created by a migration) plus unit membership; superusers are
admins. Views ask these functions instead of checking groups themselves, so the rules live
in one place and the permission tests exercise them from the outside.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # Values are the group names; labels the words users see.
    VIEWER = "viewer", _("Viewer")
    REPORTER = "reporter", _("Reporter")
    REVIEWER = "reviewer", _("Reviewer")
    ADMIN = "admin", _("Admin")


def client_ip(request) -> str | None:
    """The address a request came from, as the sign-in throttling counts it: with PROXY_COUNT
    proxies in front, the address the outermost of them saw (each proxy appends the address it
    was reached from to X-Forwarded-For, so the client's is PROXY_COUNT places from the end;
    whatever a client wrote before it is not trusted). Without proxies, the connection's."""
    import ipaddress

    from django.conf import settings

    remote = request.META.get("REMOTE_ADDR")
    if settings.PROXY_COUNT <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < settings.PROXY_COUNT:
        return remote  # not through the proxies (a request to the app server itself)
    candidate = forwarded[-settings.PROXY_COUNT]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


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


class CachedUsersBackend(ModelBackend):
    """Django's ModelBackend, with the signed-in user and their roles kept in the cache under the
    users version, which PostgreSQL moves with any change to a user, a group or a membership
    however it is made (admin, shell, raw SQL: targets/versions.py). So a deactivated user, a new
    password or a role taken away applies on the next request, and a page served from the cache
    needs no query for the user. Each request gets its own copy; none is kept in Redis."""

    def get_user(self, user_id):
        from targets import versions
        from targets.pagecache import get_or_build

        def load():
            user = super(CachedUsersBackend, self).get_user(user_id)
            if user is not None:
                roles(user)  # kept with the user: every page's menu needs them
            return user

        # In this process's memory only: a password hash has no business in a shared cache.
        return get_or_build(f"emulation:user:{user_id}", load, version=versions.users_key(), shared=False)


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


# --- the emulation ranking (targets/views/emulation.py) --------------------------------------------


def sees_rankings(user) -> bool:
    """Officials, the secretariat and admins see every bloc's ranking; reporters only their own unit's."""
    return bool({Role.VIEWER, Role.REVIEWER, Role.ADMIN} & roles(user))


def sees_score_of(user, unit_code: str) -> bool:
    """Whether the user may see a unit's score and its explanation."""
    return sees_rankings(user) or (is_reporter(user) and user.units.filter(code=unit_code).exists())


def visible_proposals(user, proposals):
    """The commendation proposals (a queryset) the user may see. Until the council decides, a proposal
    is the secretariat's and admins' working paper: its state, its reason, whether there is one at
    all. Others see only the council's decisions (awarded or not, with number and date): officials
    every unit's, as they see every ranking but not the proposals page; reporters their own units'.
    The unit's explanation page and the ranking API both ask this."""
    from targets.models import Proposal

    if is_reviewer(user):
        return proposals
    decided = proposals.filter(state__in=Proposal.DECIDED)
    if sees_rankings(user):
        return decided
    if is_reporter(user):
        return decided.filter(unit__in=user.units.all())
    return decided.none()
