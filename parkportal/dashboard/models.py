from django.db import models
from django.utils.translation import gettext_lazy as _

# What the dashboard filters on (the case leads to its owner), kept in the
# indexes that serve its live figures.
COVERED_COLUMNS = ["refund", "enterprise", "reason", "currency", "green_channel"]


class StageVisit(models.Model):
    """One stay of a case in one state: when it came, when it left, where
    it went. The dashboard's figures are read from these rows; the case's
    fixed dimensions are copied in so that filtering needs no join. The
    owner changes over a case's life, so it is read from the case."""

    refund = models.ForeignKey(
        "refunds.RefundRequest", on_delete=models.PROTECT, related_name="stage_visits"
    )
    state = models.CharField(_("state"), max_length=30)
    entered_at = models.DateTimeField(_("entered at"))
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    next_state = models.CharField(_("next state"), max_length=30, blank=True)
    duration_seconds = models.BigIntegerField(_("duration (s)"), null=True, blank=True)
    # On the stay in disbursed only: the case's submission, from which the
    # cycle time runs. A paid case is never submitted again.
    submitted_at = models.DateTimeField(_("case submitted at"), null=True, blank=True)
    enterprise = models.ForeignKey(
        "accounts.Enterprise", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=30)
    currency = models.CharField(_("currency"), max_length=3)
    green_channel = models.BooleanField(_("green channel"), default=False)
    amount_cny = models.DecimalField(
        _("amount in CNY"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("stage visit (阶段停留)")
        verbose_name_plural = _("stage visits")
        constraints = [
            models.UniqueConstraint(
                fields=["refund"],
                condition=models.Q(left_at__isnull=True),
                name="stage_visit_one_open_per_case",
            )
        ]
        indexes = [
            # Flows after the last refresh of the summaries and cases
            # closed: stays that began within a period, read from the index
            # alone like the three below.
            models.Index(
                fields=["state", "entered_at"],
                include=[*COVERED_COLUMNS, "amount_cny"],
                name="stage_visit_entered_covering",
            ),
            # Time in stage and the process map's edges: stays that ended
            # within a period. The included columns answer the percentiles,
            # the edges and the filters from the index alone, without
            # reading the table (PostgreSQL only).
            models.Index(
                fields=["state", "left_at"],
                include=[*COVERED_COLUMNS, "next_state", "duration_seconds"],
                name="stage_visit_left_covering",
            ),
            # Cycle time: the stays in disbursed that began within a period,
            # with the submission they are measured from.
            models.Index(
                fields=["entered_at"],
                include=[*COVERED_COLUMNS, "submitted_at"],
                condition=models.Q(state="disbursed"),
                name="stage_visit_paid",
            ),
            # Cases waiting now, per state, and the longest waiting ones.
            models.Index(
                fields=["state", "entered_at"],
                include=[*COVERED_COLUMNS, "amount_cny"],
                condition=models.Q(left_at__isnull=True),
                name="stage_visit_open",
            ),
        ]

    def __str__(self):
        return f"{self.refund_id} {self.state}"


class MonthlyFlow(models.Model):
    """How many cases entered a state in a month, and for how much, per
    reason, currency and channel. Rebuilt from StageVisit by
    `summaries_refresh`; a test proves it equals a live recount."""

    month = models.DateField(_("month"))
    state = models.CharField(_("state"), max_length=30)
    reason = models.CharField(_("reason"), max_length=30)
    currency = models.CharField(_("currency"), max_length=3)
    green_channel = models.BooleanField(_("green channel"))
    count = models.PositiveIntegerField(_("cases"))
    amount_cny = models.DecimalField(
        _("amount in CNY"), max_digits=18, decimal_places=2
    )
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("monthly flow (月度流量)")
        verbose_name_plural = _("monthly flows")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "state", "reason", "currency", "green_channel"],
                name="monthly_flow_unique",
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.state} {self.count}"


class DailyFlow(models.Model):
    """How many cases entered a state on a day (Asia/Shanghai), and for
    how much, per reason, currency and channel: the period figures read
    these instead of a month of stage visits. Rebuilt by
    `summaries_refresh` with MonthlyFlow; a test proves it equals a live
    recount. The amount stays empty when no case of the row had one, as a
    live sum would."""

    day = models.DateField(_("day"))
    state = models.CharField(_("state"), max_length=30)
    reason = models.CharField(_("reason"), max_length=30)
    currency = models.CharField(_("currency"), max_length=3)
    green_channel = models.BooleanField(_("green channel"))
    count = models.PositiveIntegerField(_("cases"))
    amount_cny = models.DecimalField(
        _("amount in CNY"), max_digits=18, decimal_places=2, null=True
    )
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("daily flow (每日流量)")
        verbose_name_plural = _("daily flows")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "state", "reason", "currency", "green_channel"],
                name="daily_flow_unique",
            )
        ]
        indexes = [
            # The edge of the summaries: the latest refresh.
            models.Index(fields=["refreshed_at"], name="daily_flow_refreshed"),
        ]

    def __str__(self):
        return f"{self.day} {self.state} {self.count}"


class DailyIntake(models.Model):
    """Cases received (entered submitted) per enterprise and day, for the
    breakdown by enterprise. Rebuilt with DailyFlow."""

    day = models.DateField(_("day"))
    enterprise = models.ForeignKey(
        "accounts.Enterprise", on_delete=models.PROTECT, related_name="+"
    )
    count = models.PositiveIntegerField(_("cases"))
    amount_cny = models.DecimalField(
        _("amount in CNY"), max_digits=18, decimal_places=2, null=True
    )
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("daily intake (每日受理)")
        verbose_name_plural = _("daily intakes")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "enterprise"], name="daily_intake_unique"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.enterprise_id} {self.count}"


class DailyExit(models.Model):
    """How many stays in a state ended on a day (Asia/Shanghai), per next
    state, reason, currency and channel: the process map's edges. Rebuilt
    with DailyFlow, by the month the stays ended in; a test proves it
    equals a live recount."""

    day = models.DateField(_("day"))
    state = models.CharField(_("state"), max_length=30)
    next_state = models.CharField(_("next state"), max_length=30, blank=True)
    reason = models.CharField(_("reason"), max_length=30)
    currency = models.CharField(_("currency"), max_length=3)
    green_channel = models.BooleanField(_("green channel"))
    count = models.PositiveIntegerField(_("cases"))
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("daily exit (每日流转)")
        verbose_name_plural = _("daily exits")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "day",
                    "state",
                    "next_state",
                    "reason",
                    "currency",
                    "green_channel",
                ],
                name="daily_exit_unique",
            )
        ]
        indexes = [
            # The edge of the summary: the latest refresh.
            models.Index(fields=["refreshed_at"], name="daily_exit_refreshed"),
        ]

    def __str__(self):
        return f"{self.day} {self.state}>{self.next_state} {self.count}"
