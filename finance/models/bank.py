"""Bank statements imported for reconciliation."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkportal.core import clock


class BankStatement(models.Model):
    # The bank's own statement id: importing the same statement again finds
    # this row and changes nothing.
    statement_id = models.CharField(_("statement id"), max_length=100, unique=True)
    file_format = models.CharField(_("format"), max_length=10)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("bank statement (银行对账单)")
        verbose_name_plural = _("bank statements")
        ordering = ["-id"]

    def __str__(self):
        return self.statement_id


class LineOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("Payment confirmed")
    FAILED = "failed", _("Payment failed")
    UNMATCHED = "unmatched", _("No matching payment")
    MISMATCHED = "mismatched", _("Amount or currency differs")
    DUPLICATE = "duplicate", _("Payment already settled")
    IGNORED = "ignored", _("Not a payment line")


NEEDS_A_PERSON = (LineOutcome.UNMATCHED, LineOutcome.MISMATCHED, LineOutcome.DUPLICATE)


class StatementLine(models.Model):
    statement = models.ForeignKey(
        BankStatement, on_delete=models.PROTECT, related_name="lines"
    )
    line_key = models.CharField(_("line key"), max_length=100)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=35, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    booking_date = models.DateField(_("booking date"), null=True, blank=True)
    returned = models.BooleanField(_("returned"), default=False)
    reason = models.CharField(_("bank's reason"), max_length=300, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=LineOutcome.choices)
    payment = models.ForeignKey(
        "finance.Payment",
        on_delete=models.PROTECT,
        related_name="statement_lines",
        null=True,
        blank=True,
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("statement line (对账明细)")
        verbose_name_plural = _("statement lines")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "line_key"], name="statement_line_unique"
            )
        ]
        # The list of lines waiting for a person.
        indexes = [
            models.Index(fields=["outcome", "resolved_at"], name="statement_line_open")
        ]

    def __str__(self):
        return f"{self.statement_id}:{self.line_key}"
