"""The reserve pool (财务应急池), its append-only ledger, top-ups and the
earmarks that promise pool money to approved cases."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkportal.core import clock

ZERO = Decimal("0.00")
MAIN_POOL = "main"


class ReservePool(models.Model):
    """One row per pool. `balance` and `earmarked` are running totals of the
    ledger kept on the row so that the availability check is one locked
    read; `finance.services.pool.ledger_check` proves them against the
    ledger."""

    code = models.CharField(_("code"), max_length=20, unique=True, default=MAIN_POOL)
    name = models.CharField(_("name"), max_length=100)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    balance = models.DecimalField(
        _("balance"), max_digits=16, decimal_places=2, default=ZERO
    )
    earmarked = models.DecimalField(
        _("earmarked"), max_digits=16, decimal_places=2, default=ZERO
    )
    low_watermark = models.DecimalField(
        _("low watermark"), max_digits=16, decimal_places=2, default=ZERO
    )
    # True between falling below the watermark and rising above it again,
    # so that finance is alerted once per crossing.
    below_watermark = models.BooleanField(_("below watermark"), default=False)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reserve pool (财务应急池)")
        verbose_name_plural = _("reserve pools")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(earmarked__gte=0), name="pool_earmarked_not_negative"
            ),
            # The last line of defence for "available never below zero".
            models.CheckConstraint(
                condition=models.Q(balance__gte=models.F("earmarked")),
                name="pool_available_not_negative",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def available(self) -> Decimal:
        return self.balance - self.earmarked


class EntryKind(models.TextChoices):
    TOP_UP = "top_up", _("Top-up")
    EARMARK = "earmark", _("Earmark")
    RELEASE = "release", _("Release")
    DISBURSEMENT = "disbursement", _("Disbursement")
    REVERSAL = "reversal", _("Reversal")


class LedgerEntry(models.Model):
    """One movement of the pool. Never changed nor deleted (PostgreSQL
    refuses it); a mistake is corrected by a reversal entry.

    Each entry moves the balance, the earmarked total, or both: a
    disbursement spends the balance at the payment rate and consumes the
    earmark made at the approval rate."""

    pool = models.ForeignKey(
        ReservePool, on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    balance_change = models.DecimalField(
        _("balance change"), max_digits=16, decimal_places=2, default=ZERO
    )
    earmark_change = models.DecimalField(
        _("earmark change"), max_digits=16, decimal_places=2, default=ZERO
    )
    refund = models.ForeignKey(
        "refunds.RefundRequest",
        on_delete=models.PROTECT,
        related_name="pool_entries",
        null=True,
        blank=True,
    )
    top_up = models.ForeignKey(
        "finance.TopUp",
        on_delete=models.PROTECT,
        related_name="entries",
        null=True,
        blank=True,
    )
    payment = models.ForeignKey(
        "finance.Payment",
        on_delete=models.PROTECT,
        related_name="entries",
        null=True,
        blank=True,
    )
    # One-to-one: an entry is reversed at most once.
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        related_name="reversed_by",
        null=True,
        blank=True,
    )
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("ledger entry (台账)")
        verbose_name_plural = _("ledger")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="top_up")
                | models.Q(balance_change__gt=0, earmark_change=0),
                name="ledger_top_up_adds_balance",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="earmark")
                | models.Q(balance_change=0, earmark_change__gt=0),
                name="ledger_earmark_adds_earmark",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="release")
                | models.Q(balance_change=0, earmark_change__lt=0),
                name="ledger_release_frees_earmark",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="disbursement")
                | models.Q(balance_change__lt=0, earmark_change__lte=0),
                name="ledger_disbursement_spends",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="reversal") | models.Q(reverses__isnull=False),
                name="ledger_reversal_names_entry",
            ),
        ]
        indexes = [
            # Monthly pool movements in the finance report.
            models.Index(fields=["pool", "created_at"], name="ledger_pool_time"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.kind} {self.balance_change}/{self.earmark_change}"


class TopUpStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class TopUp(models.Model):
    """Money put into the pool: proposed by a finance officer, confirmed by
    the finance director (four eyes). A proposed top-up with an expected
    date is a planned inflow in the cash-flow forecast."""

    pool = models.ForeignKey(
        ReservePool, on_delete=models.PROTECT, related_name="top_ups"
    )
    amount = models.DecimalField(_("amount (CNY)"), max_digits=16, decimal_places=2)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=TopUpStatus.choices,
        default=TopUpStatus.PROPOSED,
    )
    expected_on = models.DateField(_("expected on"), null=True, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("top-up (注资)")
        verbose_name_plural = _("top-ups")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="top_up_amount_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("proposed_by")),
                name="top_up_four_eyes",
            ),
        ]

    def __str__(self):
        return f"{self.amount} {self.get_status_display()}"


class EarmarkStatus(models.TextChoices):
    AWAITING_FUNDS = "awaiting_funds", _("Awaiting funds")
    HELD = "held", _("Held")
    CONSUMED = "consumed", _("Paid out")
    RELEASED = "released", _("Released")


class Earmark(models.Model):
    """What the pool promised one approved case. Changed only under the
    pool's row lock; the money itself moves in the ledger."""

    refund = models.OneToOneField(
        "refunds.RefundRequest", on_delete=models.PROTECT, related_name="earmark"
    )
    pool = models.ForeignKey(
        ReservePool, on_delete=models.PROTECT, related_name="earmarks"
    )
    amount_cny = models.DecimalField(_("amount (CNY)"), max_digits=16, decimal_places=2)
    status = models.CharField(_("status"), max_length=20, choices=EarmarkStatus.choices)
    earmarked_at = models.DateTimeField(_("earmarked at"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("earmark (预留)")
        verbose_name_plural = _("earmarks")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_cny__gt=0), name="earmark_amount_positive"
            )
        ]
        # Waiting cases oldest first when a top-up arrives.
        indexes = [models.Index(fields=["status", "created_at"], name="earmark_queue")]

    def __str__(self):
        return f"{self.refund_id}: {self.amount_cny} {self.status}"
