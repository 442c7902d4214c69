import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from parkportal.accounts.models import Contract, Enterprise
from parkportal.core import clock
from refunds import rules


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    INFO_REQUESTED = "info_requested", _("Information requested")
    ON_HOLD = "on_hold", _("On hold")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    APPROVED = "approved", _("Approved")
    DISBURSING = "disbursing", _("Disbursing")
    DISBURSED = "disbursed", _("Disbursed")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DISBURSEMENT_FAILED = "disbursement_failed", _("Disbursement failed")


OPEN_STATES = frozenset(
    {
        State.SUBMITTED,
        State.UNDER_REVIEW,
        State.INFO_REQUESTED,
        State.ON_HOLD,
        State.PENDING_APPROVAL,
        State.APPROVED,
        State.DISBURSING,
        State.DISBURSEMENT_FAILED,
    }
)
# A case with no running SLA clock sorts after every case that has one.
NO_DEADLINE = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)
FINAL_STATES = frozenset({State.CLOSED, State.REJECTED, State.WITHDRAWN})
# States in which money is promised or gone: they count against what a
# contract can still return.
COMMITTED_STATES = frozenset(
    {
        State.APPROVED,
        State.DISBURSING,
        State.DISBURSED,
        State.CLOSED,
        State.DISBURSEMENT_FAILED,
    }
)


class Reason(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    PREPAID_FEE = "prepaid_fee", _("Prepaid fee")
    OVERPAYMENT = "overpayment", _("Overpayment")
    INCENTIVE_CORRECTION = "incentive_correction", _("Incentive clawback correction")
    OTHER = "other", _("Other")


class DocumentKind(models.TextChoices):
    CONTRACT = "contract", _("Contract")
    INVOICE = "invoice", _("Invoice")
    BANK_PROOF = "bank_proof", _("Bank proof")
    OTHER = "other", _("Other")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class ReferenceCounter(models.Model):
    """The last reference number handed out in a year.

    Incremented under a row lock in the transaction that creates the case,
    so a rolled-back creation gives its number back and there are no gaps.
    """

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference counter")

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class RefundRequest(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="refund_requests",
        verbose_name=_("enterprise"),
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applied_refunds",
        verbose_name=_("applicant"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_refunds",
        null=True,
        blank=True,
        verbose_name=_("case owner"),
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        related_name="refund_requests",
        verbose_name=_("contract"),
    )
    state = FSMField(
        _("state"), default=State.DRAFT, choices=State.choices, protected=True
    )
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    description = models.TextField(_("description"), blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    amount_cny = models.DecimalField(
        _("amount in CNY"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    approved_amount = models.DecimalField(
        _("approved amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    approved_amount_cny = models.DecimalField(
        _("approved amount in CNY"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    fx_rate_at_approval = models.DecimalField(
        _("rate to CNY at approval"),
        max_digits=14,
        decimal_places=6,
        null=True,
        blank=True,
    )
    payee_name = models.CharField(_("payee name"), max_length=200)
    payee_bank = models.CharField(_("payee bank"), max_length=200)
    payee_account = models.CharField(_("payee account"), max_length=34)
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    risk_score = models.IntegerField(_("risk score"), null=True, blank=True)
    risk_assessed_at = models.DateTimeField(
        _("risk assessed at"), null=True, blank=True
    )
    # Approval levels a risk rule asked for on top of the amount policy.
    extra_approval_levels = models.JSONField(default=list, blank=True)
    approval_round = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    state_changed_at = models.DateTimeField(
        _("state changed at"), default=clock.now, editable=False
    )
    # The nearest deadline of the case's running SLA clocks, kept by
    # operations.services.sla.clocks_sync in the transition's transaction,
    # so that the work queues sort on an index instead of a per-row lookup.
    next_deadline = models.DateTimeField(
        _("next deadline"), default=NO_DEADLINE, editable=False
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(
        _("created at"), default=clock.now, editable=False
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("refund request (退款申请)")
        verbose_name_plural = _("refund requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="refund_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(approved_amount__isnull=True)
                | models.Q(
                    approved_amount__gt=0, approved_amount__lte=models.F("amount")
                ),
                name="refund_approved_within_requested",
            ),
        ]
        indexes = [
            # An enterprise's own list, newest first.
            models.Index(fields=["enterprise", "-id"], name="refund_enterprise_recent"),
            # Staff lists filtered by state, newest first.
            models.Index(fields=["state", "-id"], name="refund_state_recent"),
            # A specialist's own queue.
            models.Index(fields=["owner", "state"], name="refund_owner_state"),
            # Velocity and duplicate checks over one contract.
            models.Index(fields=["contract", "state"], name="refund_contract_state"),
            # Risk's "account paid to another enterprise": the earliest
            # other case with this payee account.
            models.Index(
                fields=["payee_account", "submitted_at"], name="refund_payee_account"
            ),
            # The work queues, nearest deadline first, paged by keyset:
            # ... WHERE owner_id = %s AND state IN (...)
            #     ORDER BY next_deadline, id LIMIT 51 (a specialist's own);
            models.Index(
                fields=["owner", "next_deadline", "id"],
                condition=models.Q(state__in=sorted(OPEN_STATES)),
                name="refund_queue_owner",
            ),
            # ... WHERE state = %s [AND owner_id IS (NOT) NULL] ORDER BY
            #     next_deadline, id (the team's and the unassigned, one state);
            models.Index(
                fields=["state", "next_deadline", "id"],
                condition=models.Q(state__in=sorted(OPEN_STATES)),
                name="refund_queue_state",
            ),
            # ... and the same over several or every open state. The state
            # and the owner follow the keys so that PostgreSQL tests them on
            # the index entries: it prefers this index for one state too,
            # and would otherwise read a case from the table for every
            # entry of another state that sorts before the page's end.
            models.Index(
                fields=["next_deadline", "id", "state", "owner"],
                condition=models.Q(state__in=sorted(OPEN_STATES)),
                name="refund_queue_open_by_deadline",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def payable_amount(self) -> Decimal:
        return self.approved_amount if self.approved_amount is not None else self.amount

    @property
    def is_partial(self) -> bool:
        return self.approved_amount is not None and self.approved_amount < self.amount

    def current_step(self):
        """The approval step waiting for a decision now, if any."""
        return (
            self.approval_steps.filter(round=self.approval_round, status="pending")
            .order_by("position")
            .first()
        )

    # Transitions. Each holds its guards only; refunds.services.lifecycle
    # locks the row, records the audit event and timeline entry, and
    # announces the change.

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.SUBMITTED,
        permission=rules.may("submit"),
        conditions=[rules.documents_complete, rules.within_contract],
    )
    def submit(self, **kwargs):
        pass

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.UNDER_REVIEW,
        permission=rules.may("start_review"),
    )
    def start_review(self, **kwargs):
        pass

    @transition(
        field=state,
        source=State.UNDER_REVIEW,
        target=State.INFO_REQUESTED,
        permission=rules.may("request_info"),
    )
    def request_info(self, *, comment="", **kwargs):
        rules.require_comment(comment)

    @transition(
        field=state,
        source=State.INFO_REQUESTED,
        target=State.UNDER_REVIEW,
        permission=rules.may("respond"),
    )
    def respond(self, *, comment="", **kwargs):
        rules.require_comment(comment)

    @transition(
        field=state,
        source=[State.SUBMITTED, State.UNDER_REVIEW],
        target=State.ON_HOLD,
        permission=rules.may("hold"),
    )
    def hold(self, *, comment="", **kwargs):
        rules.require_comment(comment)

    @transition(
        field=state,
        source=State.ON_HOLD,
        target=State.UNDER_REVIEW,
        permission=rules.may("clear"),
    )
    def clear(self, *, comment="", **kwargs):
        rules.require_comment(comment)

    @transition(
        field=state,
        source=State.UNDER_REVIEW,
        target=State.PENDING_APPROVAL,
        permission=rules.may("forward"),
        conditions=[
            rules.documents_complete,
            rules.within_contract,
            rules.risk_assessed,
        ],
    )
    def forward(self, **kwargs):
        pass

    @transition(
        field=state,
        source=State.PENDING_APPROVAL,
        target=RETURN_VALUE(State.PENDING_APPROVAL, State.APPROVED),
        permission=rules.may("approve"),
    )
    def approve(self, *, last_level: bool, **kwargs):
        return State.APPROVED if last_level else State.PENDING_APPROVAL

    @transition(
        field=state,
        source=[State.ON_HOLD, State.PENDING_APPROVAL],
        target=State.REJECTED,
        permission=rules.may("reject"),
    )
    def reject(self, *, comment="", **kwargs):
        rules.require_comment(comment)

    @transition(
        field=state,
        source=State.PENDING_APPROVAL,
        target=State.UNDER_REVIEW,
        permission=rules.may("send_back"),
    )
    def send_back(self, *, comment="", **kwargs):
        rules.require_comment(comment)

    @transition(
        field=state,
        source=State.APPROVED,
        target=State.DISBURSING,
        permission=rules.may("schedule"),
    )
    def schedule(self, **kwargs):
        pass

    @transition(
        field=state,
        source=State.DISBURSING,
        target=State.DISBURSED,
        permission=rules.may("confirm_paid"),
    )
    def confirm_paid(self, **kwargs):
        pass

    @transition(
        field=state,
        source=State.DISBURSING,
        target=State.DISBURSEMENT_FAILED,
        permission=rules.may("mark_failed"),
    )
    def mark_failed(self, *, comment="", **kwargs):
        rules.require_comment(comment)

    @transition(
        field=state,
        source=State.DISBURSEMENT_FAILED,
        target=State.DISBURSING,
        permission=rules.may("retry"),
    )
    def retry(self, **kwargs):
        pass

    @transition(
        field=state,
        source=State.DISBURSED,
        target=State.CLOSED,
        permission=rules.may("close"),
    )
    def close(self, **kwargs):
        pass

    @transition(
        field=state,
        source=[State.DRAFT, State.SUBMITTED, State.UNDER_REVIEW, State.INFO_REQUESTED],
        target=State.WITHDRAWN,
        permission=rules.may("withdraw"),
    )
    def withdraw(self, **kwargs):
        pass


TRANSITION_NAMES = (
    "submit",
    "start_review",
    "request_info",
    "respond",
    "hold",
    "clear",
    "forward",
    "approve",
    "reject",
    "send_back",
    "schedule",
    "confirm_paid",
    "mark_failed",
    "retry",
    "close",
    "withdraw",
)
