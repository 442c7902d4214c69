from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkportal.core import clock


class SpecialistProfile(models.Model):
    """How an operations specialist takes new cases."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="specialist_profile",
        verbose_name=_("specialist"),
    )
    accepts_cases = models.BooleanField(_("takes new cases"), default=True)
    capacity = models.DecimalField(
        _("capacity"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        help_text=_("1 for a full workload; 0.5 takes half as many cases."),
    )
    green_channel = models.BooleanField(
        _("designated for the green channel"), default=False
    )
    out_of_office_from = models.DateTimeField(
        _("out of office from"), null=True, blank=True
    )
    out_of_office_until = models.DateTimeField(
        _("out of office until"), null=True, blank=True
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("specialist profile (运营专员)")
        verbose_name_plural = _("specialist profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gt=0), name="specialist_capacity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(out_of_office_until__isnull=True)
                | models.Q(out_of_office_from__isnull=True)
                | models.Q(out_of_office_until__gt=models.F("out_of_office_from")),
                name="specialist_absence_ends_after_start",
            ),
        ]

    def __str__(self):
        return str(self.user)

    def is_out_of_office(self, at=None) -> bool:
        moment = at or clock.now()
        if self.out_of_office_from is None and self.out_of_office_until is None:
            return False
        starts = self.out_of_office_from
        ends = self.out_of_office_until
        return (starts is None or starts <= moment) and (ends is None or moment < ends)
