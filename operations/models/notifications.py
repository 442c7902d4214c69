from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkportal.core import clock


class Notification(models.Model):
    """A message to one person: in the inbox at once, by e-mail after the
    transaction that created it commits. The text is not stored: `kind`
    and `params` are rendered in the recipient's language when read or
    mailed (operations.texts)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    refund = models.ForeignKey(
        "refunds.RefundRequest",
        on_delete=models.PROTECT,
        related_name="notifications",
        null=True,
        blank=True,
    )
    alert = models.ForeignKey(
        "operations.Alert",
        on_delete=models.PROTECT,
        related_name="notifications",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=30)
    params = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_wanted = models.BooleanField(default=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("notification (通知)")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [
            # The inbox, newest first, and its unread count.
            models.Index(fields=["recipient", "read_at", "-id"], name="notif_inbox"),
            # The sweep that mails what a lost task did not.
            models.Index(
                fields=["created_at"],
                condition=models.Q(email_wanted=True, emailed_at__isnull=True),
                name="notif_unmailed",
            ),
        ]

    def __str__(self):
        return f"{self.recipient_id} {self.kind}"


class WeeklyDigest(models.Model):
    """The agenda of the weekly joint meeting of finance and operations
    (财务运营联席会议), as prepared on the Monday of its week."""

    week_start = models.DateField(_("week of"), unique=True)
    content = models.JSONField(default=dict)
    prepared_at = models.DateTimeField(default=clock.now, editable=False)
    notified_at = models.DateTimeField(
        _("sent to the members at"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("joint-meeting agenda (联席会议议程)")
        verbose_name_plural = _("joint-meeting agendas")
        ordering = ["-week_start"]

    def __str__(self):
        return str(self.week_start)
