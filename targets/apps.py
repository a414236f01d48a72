from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("Emulation targets")

    def ready(self):
        from targets import ranking, signals  # noqa: F401  (connect the cache invalidation)
