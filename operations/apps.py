from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "operations"
    verbose_name = _("Operations")

    def ready(self):
        from operations.receivers import on_refund_transitioned
        from refunds import timeline
        from refunds.signals import refund_transitioned

        refund_transitioned.connect(
            on_refund_transitioned, dispatch_uid="operations.refund_transitioned"
        )
        timeline.register("complaint", _("The enterprise filed a complaint."))
        timeline.register("complaint_resolved", _("The complaint was answered."))
