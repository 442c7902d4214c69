"""The risk app's data: rules and their versions, thresholds, assessments
with one result per rule, holds, invoice declarations, backtests and the
controls of the risk-control matrix.

Rule types are code (risk.rules); everything a risk officer can change is
a row here.
"""

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from parkportal.accounts.roles import Role
from parkportal.core import clock


class RiskCategory(models.TextChoices):
    FRAUD = "fraud", _("Fraud")
    OPERATIONAL = "operational", _("Operational")
    COMPLIANCE = "compliance", _("Compliance")
    LIQUIDITY = "liquidity", _("Liquidity")
    FX = "fx", _("Foreign exchange")


class Rule(models.Model):
    """A configured use of a rule type. What it checks lives in its
    versions; this row carries what may change without a new version."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    rule_type = models.CharField(_("rule type"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("risk"), max_length=20, choices=RiskCategory.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_risk_rules",
        null=True,
        blank=True,
        verbose_name=_("owner"),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    live_version = models.ForeignKey(
        "RuleVersion",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("live version"),
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("risk rule (风控规则)")
        verbose_name_plural = _("risk rules")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def is_active(self, at) -> bool:
        if not self.enabled or self.live_version_id is None:
            return False
        return self.snoozed_until is None or self.snoozed_until <= at


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LIVE = "live", _("Live")
    RETIRED = "retired", _("Retired")


class RuleVersion(models.Model):
    """Parameters and score of a rule, frozen once written. Editing a rule
    writes a new version, so an assessment always points at exactly what
    ran."""

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    parameters = models.JSONField(_("parameters"), default=dict)
    score = models.PositiveSmallIntegerField(_("score"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=VersionStatus.choices,
        default=VersionStatus.DRAFT,
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("rule version (规则版本)")
        verbose_name_plural = _("rule versions")
        ordering = ["rule", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "number"], name="risk_rule_version_unique"
            )
        ]

    def __str__(self):
        return f"{self.rule.code} v{self.number}"

    def save(self, *args, **kwargs):
        # Only the status of a version may change after it is written; its
        # parameters and score are what past assessments point at.
        update_fields = kwargs.get("update_fields")
        if self.pk and (update_fields is None or set(update_fields) - {"status"}):
            raise ValueError("a rule version is immutable; write a new one")
        super().save(*args, **kwargs)


class ThresholdOutcome(models.TextChoices):
    REVIEW = "review", _("Flag for the case owner")
    COMMITTEE = "committee", _("Add the committee approval level")
    HOLD = "hold", _("Hold for a risk officer")


class Threshold(models.Model):
    """From which total score an outcome applies. Outcomes add up: a score
    above the hold threshold usually also adds the committee level."""

    outcome = models.CharField(
        _("outcome"), max_length=20, choices=ThresholdOutcome.choices, unique=True
    )
    min_score = models.PositiveSmallIntegerField(_("from score"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("risk threshold (风险阈值)")
        verbose_name_plural = _("risk thresholds")
        ordering = ["min_score"]

    def __str__(self):
        return f"{self.get_outcome_display()} ≥ {self.min_score}"


class Trigger(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    AMOUNT = "amount", _("Amount changed")
    PAYEE = "payee", _("Payee changed")
    DOCUMENT = "document", _("Documents changed")
    DECLARATION = "declaration", _("Invoice total declared")
    MANUAL = "manual", _("Run by a risk officer")


class Outcome(models.TextChoices):
    PASS = "pass", _("Pass")
    REVIEW = "review", _("Review")
    HOLD = "hold", _("Hold")


class Assessment(models.Model):
    """One screening of a case: the inputs it saw, when, and the outcome.
    Rows are written once and never changed."""

    refund = models.ForeignKey(
        "refunds.RefundRequest",
        on_delete=models.PROTECT,
        related_name="risk_assessments",
    )
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    # The hash of the inputs and of the rule versions and thresholds that
    # ran: a second run with the same of all three is the same assessment.
    fingerprint = models.CharField(max_length=64)
    as_of = models.DateTimeField(_("as of"))
    snapshot = models.JSONField(_("inputs"), default=dict)
    score = models.PositiveIntegerField(_("score"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    add_committee = models.BooleanField(_("committee level added"), default=False)
    risk_level = models.CharField(_("risk level"), max_length=10)
    error_count = models.PositiveSmallIntegerField(_("rules in error"), default=0)
    held = models.BooleanField(_("case put on hold"), default=False)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("risk assessment (风险评估)")
        verbose_name_plural = _("risk assessments")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["refund", "fingerprint"], name="risk_assessment_once"
            )
        ]
        indexes = [
            # A case's assessments, newest first.
            models.Index(fields=["refund", "-id"], name="risk_assessment_refund"),
            # Backtests and figures over a period of history.
            models.Index(fields=["as_of"], name="risk_assessment_as_of"),
        ]

    def __str__(self):
        return f"{self.refund_id} #{self.pk} {self.outcome} ({self.score})"


class ResultStatus(models.TextChoices):
    HIT = "hit", _("Hit")
    NO_HIT = "no_hit", _("No hit")
    ERROR = "error", _("Error")


def render_message(message: str, params: dict, language: str | None = None) -> str:
    """The sentence of a rule result in `language` (the active one when
    None). The untranslated text and its parameters are what is stored."""
    with translation.override(language or translation.get_language()):
        text = gettext(message)
        try:
            return text % params
        except (KeyError, ValueError, TypeError):
            return text


class RuleResult(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="results"
    )
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="results")
    version = models.ForeignKey(
        RuleVersion, on_delete=models.PROTECT, related_name="results"
    )
    status = models.CharField(_("result"), max_length=10, choices=ResultStatus.choices)
    score = models.PositiveSmallIntegerField(_("points"), default=0)
    message = models.CharField(max_length=300)
    params = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("rule result")
        verbose_name_plural = _("rule results")
        ordering = ["assessment", "-score", "rule__code"]
        indexes = [
            # Hits per rule over a period (flags_by_rule, the matrix).
            models.Index(fields=["rule", "status"], name="risk_result_rule_status"),
        ]

    def __str__(self):
        return f"{self.rule_id} {self.status}"

    def text(self, language: str | None = None) -> str:
        return render_message(self.message, self.params, language)


class HoldStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a risk officer")
    CLEARED = "cleared", _("Cleared")
    REJECTED = "rejected", _("Rejected")


class Hold(models.Model):
    """A case on hold until a risk officer decides: put there by the
    engine (with the assessment that asked for it) or by a risk officer by
    hand (with their reason)."""

    refund = models.ForeignKey(
        "refunds.RefundRequest", on_delete=models.PROTECT, related_name="risk_holds"
    )
    assessment = models.OneToOneField(
        Assessment,
        on_delete=models.PROTECT,
        related_name="hold",
        null=True,
        blank=True,
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=HoldStatus.choices, default=HoldStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("risk hold (风险冻结)")
        verbose_name_plural = _("risk holds")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["refund"],
                condition=models.Q(status="open"),
                name="risk_hold_one_open_per_refund",
            )
        ]
        indexes = [
            # The risk officer's desk: open holds, oldest first.
            models.Index(fields=["status", "id"], name="risk_hold_status"),
        ]

    def __str__(self):
        return f"{self.refund_id} {self.status}"


class InvoiceDeclaration(models.Model):
    """The total printed on an invoice document, as read by a person.

    Documents are files; nothing in them is machine-read. Operations types
    the invoice's total here so that the invoice-total rule can compare it
    with the amount asked for. Rows are appended, never changed: the
    newest one per document counts, and an assessment records which ones
    it saw.
    """

    document = models.ForeignKey(
        "refunds.Document",
        on_delete=models.PROTECT,
        related_name="invoice_declarations",
    )
    declared_total = models.DecimalField(
        _("invoice total"), max_digits=14, decimal_places=2
    )
    currency = models.CharField(_("currency"), max_length=3)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("invoice total (发票金额)")
        verbose_name_plural = _("invoice totals")
        ordering = ["document", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(declared_total__gt=0),
                name="risk_invoice_total_positive",
            )
        ]

    def __str__(self):
        return f"{self.document_id}: {self.declared_total} {self.currency}"


class Backtest(models.Model):
    """A rule version replayed over the assessments of a period."""

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="backtests")
    candidate = models.ForeignKey(
        RuleVersion, on_delete=models.PROTECT, related_name="backtests"
    )
    baseline = models.ForeignKey(
        RuleVersion,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("The live version when the backtest ran."),
    )
    period_start = models.DateTimeField(_("from"))
    period_end = models.DateTimeField(_("until"))
    cases = models.PositiveIntegerField(_("cases"), default=0)
    candidate_hits = models.PositiveIntegerField(_("hits of the candidate"), default=0)
    baseline_hits = models.PositiveIntegerField(
        _("hits of the live version"), default=0
    )
    candidate_errors = models.PositiveIntegerField(_("errors"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("backtest (回测)")
        verbose_name_plural = _("backtests")
        ordering = ["-id"]

    def __str__(self):
        return (
            f"{self.candidate} {self.period_start:%Y-%m-%d}…{self.period_end:%Y-%m-%d}"
        )


class BacktestCase(models.Model):
    backtest = models.ForeignKey(
        Backtest, on_delete=models.CASCADE, related_name="results"
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="+"
    )
    refund = models.ForeignKey(
        "refunds.RefundRequest", on_delete=models.PROTECT, related_name="+"
    )
    candidate_status = models.CharField(max_length=10, choices=ResultStatus.choices)
    candidate_message = models.CharField(max_length=300)
    candidate_params = models.JSONField(default=dict)
    # Blank when the live version did not run on this case.
    baseline_status = models.CharField(
        max_length=10, choices=ResultStatus.choices, blank=True
    )
    baseline_message = models.CharField(max_length=300, blank=True)
    baseline_params = models.JSONField(default=dict)

    class Meta:
        ordering = ["backtest", "refund_id"]

    def __str__(self):
        return f"{self.backtest_id} {self.refund_id} {self.candidate_status}"


class ControlKind(models.TextChoices):
    RULE = "rule", _("Screening rule")
    APPROVAL_LEVELS = "approval_levels", _("Approval levels")
    SEPARATION_OF_DUTIES = "separation_of_duties", _("Separation of duties")
    FOUR_EYES = "four_eyes", _("Four-eyes disbursement batches")
    POOL_GUARD = "pool_guard", _("Reserve pool guard")


class Control(models.Model):
    """A line of the risk-control matrix (风险控制矩阵)."""

    risk = models.CharField(_("risk"), max_length=20, choices=RiskCategory.choices)
    kind = models.CharField(_("control"), max_length=30, choices=ControlKind.choices)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner_role = models.CharField(_("owner"), max_length=30, choices=Role.choices)
    rule = models.ForeignKey(
        Rule,
        on_delete=models.PROTECT,
        related_name="controls",
        null=True,
        blank=True,
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("control (控制措施)")
        verbose_name_plural = _("risk-control matrix")
        ordering = ["risk", "position", "id"]

    def __str__(self):
        return self.name
