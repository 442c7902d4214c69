from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkportal.core import clock


class ApprovalLevel(models.TextChoices):
    OPS_MANAGER = "ops_manager", _("Department manager")
    FINANCE_DIRECTOR = "finance_director", _("Finance director")
    COMMITTEE = "committee", _("Park committee")


class ApprovalThreshold(models.Model):
    """The approval policy: a level signs every case whose amount in CNY is
    at least `min_amount_cny`, in the order of `position`."""

    level = models.CharField(
        _("level"), max_length=20, choices=ApprovalLevel.choices, unique=True
    )
    position = models.PositiveSmallIntegerField(_("order"), unique=True)
    min_amount_cny = models.DecimalField(
        _("from amount (CNY)"), max_digits=14, decimal_places=2
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("approval threshold (审批权限)")
        verbose_name_plural = _("approval policy")
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_amount_cny__gte=0), name="threshold_not_negative"
            )
        ]

    def __str__(self):
        return f"{self.get_level_display()} ≥ {self.min_amount_cny}"


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for an earlier level")
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SENT_BACK = "sent_back", _("Sent back")
    CANCELLED = "cancelled", _("Cancelled")


class ApprovalStep(models.Model):
    refund = models.ForeignKey(
        "refunds.RefundRequest", on_delete=models.PROTECT, related_name="approval_steps"
    )
    round = models.PositiveIntegerField(_("round"))
    position = models.PositiveSmallIntegerField(_("order"))
    level = models.CharField(_("level"), max_length=20, choices=ApprovalLevel.choices)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=StepStatus.choices,
        default=StepStatus.WAITING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("decided by"),
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("on behalf of"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    approved_amount = models.DecimalField(
        _("approved amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    activated_at = models.DateTimeField(_("became pending at"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("approval step (审批步骤)")
        verbose_name_plural = _("approval steps")
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["refund", "round", "position"],
                name="approval_step_unique_position",
            )
        ]
        indexes = [
            # The approvals inbox: pending steps of one level, oldest first
            # (approval_steps_waiting_for), read in order without a sort.
            models.Index(
                fields=["level", "activated_at", "id"],
                condition=models.Q(status="pending"),
                name="approval_step_pending_inbox",
            )
        ]

    def __str__(self):
        return f"{self.refund_id} {self.level} #{self.round}"


class ApprovalDelegation(models.Model):
    """An approver away names a substitute for a period."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="delegations_given",
        verbose_name=_("approver"),
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="delegations_received",
        verbose_name=_("substitute"),
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("approval delegation (审批代理)")
        verbose_name_plural = _("approval delegations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="delegation_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(delegator=models.F("delegate")),
                name="delegation_not_to_self",
            ),
        ]

    def __str__(self):
        return f"{self.delegator} → {self.delegate}"
