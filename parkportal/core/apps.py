from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "parkportal.core"
    label = "core"
    verbose_name = _("Infrastructure")

    def ready(self):
        from parkportal.core import celery_signals  # noqa: F401
