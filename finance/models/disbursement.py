"""Disbursement batches and the payment of each case in them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkportal.accounts.models import mask_account
from parkportal.core import clock


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AUTHORISED = "authorised", _("Authorised")
    CANCELLED = "cancelled", _("Cancelled")


class DisbursementBatch(models.Model):
    reference = models.CharField(_("reference"), max_length=30, unique=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=BatchStatus.choices,
        default=BatchStatus.DRAFT,
    )
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    authorised_at = models.DateTimeField(_("authorised at"), null=True, blank=True)
    execution_date = models.DateField(_("execution date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("disbursement batch (付款批次)")
        verbose_name_plural = _("disbursement batches")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(authorised_by=models.F("built_by")),
                name="batch_four_eyes",
            )
        ]

    def __str__(self):
        return self.reference


class PaymentStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SENT = "sent", _("Sent to the bank")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_PAYMENT_STATUSES = (PaymentStatus.PLANNED, PaymentStatus.SENT, PaymentStatus.PAID)


class Payment(models.Model):
    """One attempt to pay one case. A retry after a failure is a new
    payment with the next attempt number and its own end-to-end id."""

    batch = models.ForeignKey(
        DisbursementBatch, on_delete=models.PROTECT, related_name="payments"
    )
    refund = models.ForeignKey(
        "refunds.RefundRequest", on_delete=models.PROTECT, related_name="payments"
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=35, unique=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PaymentStatus.choices,
        default=PaymentStatus.PLANNED,
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    rate_at_approval = models.DecimalField(
        _("rate at approval"), max_digits=14, decimal_places=6
    )
    amount_cny_at_approval = models.DecimalField(
        _("CNY at approval"), max_digits=16, decimal_places=2
    )
    rate_at_payment = models.DecimalField(
        _("rate at payment"), max_digits=14, decimal_places=6, null=True, blank=True
    )
    amount_cny_at_payment = models.DecimalField(
        _("CNY at payment"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    fx_variance_cny = models.DecimalField(
        _("FX variance (CNY)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    payee_name = models.CharField(_("payee name"), max_length=200)
    payee_bank = models.CharField(_("payee bank"), max_length=200)
    payee_account = models.CharField(_("payee account"), max_length=34)
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment (付款)")
        verbose_name_plural = _("payments")
        ordering = ["id"]
        constraints = [
            # A case is in at most one live payment: it can never be put in
            # two batches, nor paid twice.
            models.UniqueConstraint(
                fields=["refund"],
                condition=models.Q(status__in=OPEN_PAYMENT_STATUSES),
                name="payment_one_live_per_refund",
            ),
            models.UniqueConstraint(
                fields=["refund", "attempt"], name="payment_attempt_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="payment_amount_positive"
            ),
        ]
        indexes = [
            # FX variance and refunded totals by month.
            models.Index(fields=["status", "settled_at"], name="payment_settled"),
        ]

    def __str__(self):
        return self.end_to_end_id

    @property
    def masked_account(self) -> str:
        return mask_account(self.payee_account)
