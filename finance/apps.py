from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "finance"
    verbose_name = _("Finance")

    def ready(self):
        from finance.receivers import on_refund_transitioned
        from refunds.signals import refund_transitioned

        refund_transitioned.connect(
            on_refund_transitioned, dispatch_uid="finance.earmark_on_transition"
        )
