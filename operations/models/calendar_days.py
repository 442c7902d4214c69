from django.db import models
from django.utils.translation import gettext_lazy as _

from parkportal.core import clock


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (day off)")
    WORKDAY = "workday", _("Weekend day worked in exchange (调休)")


class CalendarDay(models.Model):
    """A day that differs from the plain week: a public holiday, or a
    Saturday or Sunday worked in exchange for one. Every other weekday is
    worked and every other weekend day is off."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar day (节假日与调休)")
        verbose_name_plural = _("business calendar")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"
