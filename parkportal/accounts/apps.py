from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "parkportal.accounts"
    label = "accounts"
    verbose_name = _("Enterprises and users")

    def ready(self):
        from parkportal.accounts import signals

        signals.connect()
