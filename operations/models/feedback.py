from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkportal.core import clock


class Rating(models.Model):
    """The enterprise's rating of a closed case, once per case."""

    refund = models.OneToOneField(
        "refunds.RefundRequest", on_delete=models.PROTECT, related_name="rating"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("rating (满意度评价)")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5),
                name="rating_score_one_to_five",
            )
        ]

    def __str__(self):
        return f"{self.refund_id}: {self.score}"


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Complaint(models.Model):
    refund = models.ForeignKey(
        "refunds.RefundRequest", on_delete=models.PROTECT, related_name="complaints"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("complaint"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.OPEN,
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("complaint (投诉)")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at", "-id"]
        # The complaints desk: open ones first, oldest first.
        indexes = [models.Index(fields=["status", "created_at"], name="complaint_desk")]

    def __str__(self):
        return f"{self.refund_id}: {self.body[:40]}"
