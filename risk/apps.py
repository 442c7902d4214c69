from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "risk"
    verbose_name = _("Risk control (风控)")

    def ready(self):
        from refunds import timeline
        from refunds.signals import refund_changed, refund_transitioned
        from risk import receivers, rules  # noqa: F401  (registers rule types)

        refund_transitioned.connect(
            receivers.on_refund_transitioned, dispatch_uid="risk.transitioned"
        )
        refund_changed.connect(receivers.on_refund_changed, dispatch_uid="risk.changed")
        timeline.register(
            "risk_flag",
            _(
                "Risk screening flagged the case for the owner's attention (score "
                "%(score)s)."
            ),
        )
