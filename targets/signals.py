"""Invalidate cached dashboards (overviews and rendered pages) whenever data they show changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

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
from targets.overview import bump_data_version

SHOWN_ON_DASHBOARDS = (Campaign, Theme, Task, Indicator, Measure, Unit, EmulationBloc, MeasureAssignment, Deadline, Submission,
                       Figure, TaskReport)


def data_changed(sender, **kwargs):
    bump_data_version()


for model in SHOWN_ON_DASHBOARDS:
    receiver([post_save, post_delete], sender=model, dispatch_uid=f"dashboards-{model.__name__}")(data_changed)
