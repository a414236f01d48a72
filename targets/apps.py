from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("Emulation targets")

    def ready(self):
        from django.core.signals import request_finished, request_started

        from targets import checks, versions  # noqa: F401 (checks registers the deployment checks)

        # The data version is read once per request (targets.versions).
        request_started.connect(versions.request_started, dispatch_uid="versions-start")
        request_finished.connect(versions.request_finished, dispatch_uid="versions-finish")
