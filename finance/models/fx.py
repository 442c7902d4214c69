from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkportal.core import clock


class FxRate(models.Model):
    """How many CNY one unit of `currency` was worth from `valid_on` until
    the next rate of the same currency."""

    currency = models.CharField(_("currency"), max_length=3)
    valid_on = models.DateField(_("valid from"))
    rate = models.DecimalField(_("rate to CNY"), max_digits=14, decimal_places=6)
    source = models.CharField(_("source"), max_length=40, default="manual")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("exchange rate (汇率)")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-valid_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "valid_on"], name="fx_rate_one_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(rate__gt=0), name="fx_rate_positive"
            ),
        ]

    def __str__(self):
        return f"{self.currency} {self.valid_on}: {self.rate}"
