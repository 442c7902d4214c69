from django.db import models
from django.utils.translation import gettext_lazy as _

from parkportal.core import clock


class Stage(models.TextChoices):
    REVIEW = "review", _("Review")
    APPROVAL_OPS_MANAGER = "approval_ops_manager", _("Approval: department manager")
    APPROVAL_FINANCE_DIRECTOR = (
        "approval_finance_director",
        _("Approval: finance director"),
    )
    APPROVAL_COMMITTEE = "approval_committee", _("Approval: park committee")
    DISBURSEMENT = "disbursement", _("Disbursement")
    TOTAL = "total", _("Whole case")


APPROVAL_STAGES = frozenset(
    {
        Stage.APPROVAL_OPS_MANAGER,
        Stage.APPROVAL_FINANCE_DIRECTOR,
        Stage.APPROVAL_COMMITTEE,
    }
)


def approval_stage(level: str) -> str:
    return f"approval_{level}"


class Channel(models.TextChoices):
    STANDARD = "standard", _("Standard")
    GREEN = "green", _("Green channel")


class SlaTarget(models.Model):
    """How many business hours a stage may take, per channel."""

    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.STANDARD
    )
    business_hours = models.DecimalField(
        _("business hours"), max_digits=6, decimal_places=2
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SLA target (时限)")
        verbose_name_plural = _("SLA targets")
        ordering = ["channel", "stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "channel"], name="sla_target_unique_stage"
            ),
            models.CheckConstraint(
                condition=models.Q(business_hours__gt=0),
                name="sla_target_positive",
            ),
        ]

    def __str__(self):
        return f"{self.get_stage_display()} ({self.get_channel_display()})"

    @property
    def minutes(self) -> int:
        return int(self.business_hours * 60)


class StageClock(models.Model):
    """The SLA clock of one stage of one case, from the moment the stage
    starts until it ends. It counts business minutes only and stops while
    the case waits on the enterprise.

    `consumed_minutes` holds the business time of finished running spells;
    `running_since` is the start of the current spell (None while paused or
    ended). `deadline` and `remind_at` are recomputed at each start or
    resume, so the periodic scan finds due clocks with one indexed query."""

    refund = models.ForeignKey(
        "refunds.RefundRequest", on_delete=models.PROTECT, related_name="stage_clocks"
    )
    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    target_minutes = models.PositiveIntegerField(_("target (business minutes)"))
    started_at = models.DateTimeField(_("started at"))
    running_since = models.DateTimeField(_("running since"), null=True, blank=True)
    consumed_minutes = models.PositiveIntegerField(default=0)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    remind_at = models.DateTimeField(_("reminder due at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stage clock (环节计时)")
        verbose_name_plural = _("stage clocks")
        ordering = ["started_at", "id"]
        constraints = [
            # One running attempt per stage: a stage entered again (review
            # after a send-back) gets a new row once the previous one ended.
            models.UniqueConstraint(
                fields=["refund", "stage"],
                condition=models.Q(ended_at__isnull=True),
                name="stage_clock_one_open_per_stage",
            ),
        ]
        indexes = [
            # The deadline scan: open, running clocks past their deadline.
            models.Index(
                fields=["deadline"],
                condition=models.Q(ended_at__isnull=True),
                name="stage_clock_open_deadline",
            ),
            # The reminder scan: open, running clocks past their reminder.
            models.Index(
                fields=["remind_at"],
                condition=models.Q(ended_at__isnull=True),
                name="stage_clock_open_remind",
            ),
            # A case's clocks for its SLA panel and the queue's deadline.
            models.Index(fields=["refund", "ended_at"], name="stage_clock_refund"),
        ]

    def __str__(self):
        return f"{self.refund_id} {self.stage}"

    @property
    def is_paused(self) -> bool:
        return self.ended_at is None and self.running_since is None


class AlertKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder to the owner")
    BREACH = "breach", _("Escalation to the manager")
    APPROVAL_STALLED = "approval_stalled", _("Approval stalled at a level")
    NO_PROGRESS = "no_progress", _("No visible progress for the enterprise")


class Alert(models.Model):
    """An alert decided once. The row is inserted before anything is sent,
    in the transaction that queues the notifications; the unique key makes
    a second scan, a concurrent worker or a redelivered task fail to
    insert it again, so each alert goes out exactly once.

    The key is (case, stage, kind, anchor). The anchor is the moment that
    identifies what the alert is about: for SLA alerts the start of the
    stage clock (a pause moves the deadline but must not repeat the
    reminder), for no-progress alerts the last visible progress (a new
    silence after new progress gets its own alert)."""

    refund = models.ForeignKey(
        "refunds.RefundRequest", on_delete=models.PROTECT, related_name="alerts"
    )
    stage_clock = models.ForeignKey(
        StageClock,
        on_delete=models.PROTECT,
        related_name="alerts",
        null=True,
        blank=True,
    )
    stage = models.CharField(_("stage"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    anchor = models.DateTimeField(_("about the moment"))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("alert (提醒与升级)")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["refund", "stage", "kind", "anchor"], name="alert_once"
            )
        ]

    def __str__(self):
        return f"{self.refund_id} {self.stage} {self.kind}"
