"""Invalidate cached dashboards whenever data they show changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from targets.models import Figure, Measure, MeasureAssignment, Submission, TaskReport
from targets.overview import bump_data_version


@receiver([post_save, post_delete], sender=Figure)
@receiver([post_save, post_delete], sender=Submission)
@receiver([post_save, post_delete], sender=Measure)
@receiver([post_save, post_delete], sender=MeasureAssignment)
@receiver([post_save, post_delete], sender=TaskReport)
def data_changed(sender, **kwargs):
    bump_data_version()
