from django.db import models
from django.utils.translation import gettext_lazy as _


class StageStatistic(models.Model):
    """For one pending stage, over the past year: how many decided cases
    passed through it, how many of them were approved, and the mean days
    from entering it to approval. Rebuilt by `stage_statistics_refresh`
    (a periodic finance task), so the forecast reads a handful of rows
    instead of a year of timeline; a test proves it equals a live count."""

    state = models.CharField(_("state"), max_length=30, unique=True)
    decided = models.PositiveIntegerField(_("decided cases"))
    approved = models.PositiveIntegerField(_("approved cases"))
    mean_days = models.FloatField(_("mean days to approval"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("stage statistic (阶段统计)")
        verbose_name_plural = _("stage statistics")

    def __str__(self):
        return f"{self.state} {self.approved}/{self.decided}"
