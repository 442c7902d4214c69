from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParkportalConfig(AppConfig):
    name = "parkportal"
    verbose_name = _("parkportal")

    def ready(self):
        from parkportal import receivers  # noqa: F401
