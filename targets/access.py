"""Who may see and change what.

Roles are Django groups (created by a migration) plus unit membership; superusers are
admins. Views ask these functions instead of checking groups themselves, so the rules live
in one place and the permission tests exercise them from the outside.
"""

from __future__ import annotations

import copy
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import models
from django.utils.translation import gettext_lazy as _

from targets import versions


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
        names = getattr(user, "group_names", None)  # loaded with the user by RolesBackend
        if names is None:
            names = user.groups.values_list("name", flat=True)
        cached = set(names) & set(Role.values)
        if user.is_superuser:
            cached.add(Role.ADMIN)
        user._emulation_roles = cached
    return cached


class RolesBackend(ModelBackend):
    """Django's password backend, but the signed-in user comes with the names of their groups:
    every page needs the roles for its menu, and this makes that one query instead of two.

    The query is written out because it runs on every request: the ORM spends about a
    millisecond composing the equivalent annotation, five times what running it takes.

    With a shared cache (settings.USER_CACHE_SECONDS > 0) each process remembers the users it
    loaded, under the users version: every change to a user, their groups or a group bumps it
    (targets.signals), so a copy is never used after a change made through Django on any server.
    The time limit bounds what a change behind Django's back (raw SQL) could leave standing."""

    def get_user(self, user_id):
        seconds = settings.USER_CACHE_SECONDS
        if not seconds:
            user = self._load(user_id)
        else:
            key = (user_id, versions.current("users"))
            remembered = _users.get(key)
            if remembered is not None and time.monotonic() - remembered[0] < seconds:
                user = copy.copy(remembered[1])  # each request its own instance, as if loaded
            else:
                user = self._load(user_id)
                if user is not None:
                    _users.put(key, (time.monotonic(), copy.copy(user)))
        return user if user is not None and self.user_can_authenticate(user) else None

    @staticmethod
    def _load(user_id):
        user_model = get_user_model()
        through = user_model.groups.through
        group_table = through._meta.get_field("group").related_model._meta.db_table
        sql = (f"SELECT u.*, ARRAY(SELECT g.name FROM {group_table} g JOIN {through._meta.db_table} ug ON ug.group_id = g.id"
               f" WHERE ug.user_id = u.id) AS group_names FROM {user_model._meta.db_table} u WHERE u.id = %s")
        return next(iter(user_model._default_manager.raw(sql, [user_id])), None)


_users = versions.Recent(size=2000)  # (user id, users version) → (loaded at, user)


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
