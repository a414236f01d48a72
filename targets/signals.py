"""Invalidate cached dashboards (overviews and rendered pages) whenever data they show changes,
and cached signed-in users whenever they, their groups or a group of theirs change."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.signals import request_finished, request_started
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from targets import versions
from targets.models import (
    Campaign,
    Deadline,
    EmulationBloc,
    Figure,
    Indicator,
    Measure,
    MeasureAssignment,
    Submission,
    Task,
    TaskReport,
    Theme,
    Unit,
)

SHOWN_ON_DASHBOARDS = (Campaign, Theme, Task, Indicator, Measure, Unit, EmulationBloc, MeasureAssignment, Deadline, Submission,
                       Figure, TaskReport)


def data_changed(sender, **kwargs):
    versions.bump("data")


for model in SHOWN_ON_DASHBOARDS:
    receiver([post_save, post_delete], sender=model, dispatch_uid=f"dashboards-{model.__name__}")(data_changed)


def users_changed(sender, **kwargs):
    versions.bump("users")


def membership_changed(sender, action, **kwargs):
    if action.startswith("post_"):  # the pre_ signals of the same change need no second bump
        versions.bump("users")


# A user saved (deactivated, new password, signed in), deleted, put in or out of a group, or a group
# renamed or deleted: the users every process remembers are loaded again.
receiver([post_save, post_delete], sender=get_user_model(), dispatch_uid="users-user")(users_changed)
receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="users-membership")(membership_changed)
receiver([post_save, post_delete], sender=Group, dispatch_uid="users-group")(users_changed)
# Counters read once per request (targets.versions).
request_started.connect(versions.request_started, dispatch_uid="versions-start")
request_finished.connect(versions.request_finished, dispatch_uid="versions-finish")
