from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "parkportal.dashboard"
    label = "dashboard"
    verbose_name = _("Committee dashboard")

    def ready(self):
        from refunds.signals import refund_transitioned

        from . import receivers

        refund_transitioned.connect(
            receivers.record_stage_visit, dispatch_uid="dashboard.record_stage_visit"
        )
