"""Deployment checks of this site's own (`manage.py check --deploy`), beside Django's."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

NOT_SENT = {"django.core.mail.backends.console.EmailBackend", "django.core.mail.backends.locmem.EmailBackend",
            "django.core.mail.backends.dummy.EmailBackend", "django.core.mail.backends.filebased.EmailBackend"}


@register(Tags.security, deploy=True)
def mail_is_sent(app_configs, **kwargs):
    """The reminders and the letters telling a unit its report was returned are recorded as sent
    (a unit is reminded at most once a day) whatever the mail backend does with them: one that
    only prints or keeps them makes the page say "sent" of letters nobody receives."""
    if settings.EMAIL_BACKEND in NOT_SENT:
        return [Warning(f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: reminders and return letters would be said sent and never "
                        "reach anyone. Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST "
                        "(docs/deployment.md).", id="targets.W001")]
    return []
