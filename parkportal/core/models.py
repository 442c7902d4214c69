from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkportal.core import clock


class IdempotencyRecord(models.Model):
    """The first answer to a POST carrying an Idempotency-Key, kept so that
    a retry gets the same answer instead of a second effect."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("idempotency record")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="idempotency_key_per_user"
            )
        ]
        # Serves the purge of records older than the retention period.
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self):
        return f"{self.user_id}:{self.key}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    DEAD = "dead", _("Dead letter")


class OutboxMessage(models.Model):
    """A Celery task to run once the transaction that wrote this row has
    committed. The relay publishes it and marks it sent; a broker outage
    leaves it pending until a later sweep."""

    task = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict)
    key = models.CharField(
        _("deduplication key"), max_length=255, null=True, blank=True, unique=True
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=OutboxStatus.choices,
        default=OutboxStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=clock.now)
    last_error = models.TextField(_("last error"), blank=True)
    # The request that queued the message, carried into the task's logs.
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    created_at = models.DateTimeField(
        _("created at"), default=clock.now, editable=False
    )
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # Serves the sweep: pending messages whose next attempt is due.
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            # Serves the purge of messages sent longer ago than the retention.
            models.Index(fields=["status", "sent_at"], name="outbox_sent"),
        ]

    def __str__(self):
        return f"{self.task}#{self.pk}"


class WebhookSubscription(models.Model):
    """A system of the park (ERP, bank gateway) that wants to hear about one
    event type at one URL."""

    event_type = models.CharField(_("event type"), max_length=64)
    target_url = models.URLField(_("target URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=128,
        help_text=_("Shared with the receiver to check the HMAC signature."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(
        _("created at"), default=clock.now, editable=False
    )

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        # Serves webhooks_publish: the active subscriptions of one event type.
        indexes = [
            models.Index(fields=["event_type", "is_active"], name="webhook_sub_event")
        ]

    def __str__(self):
        return f"{self.event_type} → {self.target_url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event sent to one subscription, with the log of its attempts."""

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    event_id = models.UUIDField(_("event id"))
    event_type = models.CharField(_("event type"), max_length=64)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    response_code = models.PositiveSmallIntegerField(
        _("response code"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    created_at = models.DateTimeField(
        _("created at"), default=clock.now, editable=False
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="webhook_delivery_once"
            )
        ]
        indexes = [
            # Serves the retry sweep: deliveries waiting for their next try.
            models.Index(fields=["status", "next_attempt_at"], name="webhook_due"),
        ]

    def __str__(self):
        return f"{self.event_type}#{self.pk}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """Long work a person asked for, run by a worker; the page that shows
    its progress reads this row."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="jobs",
        verbose_name=_("requested by"),
    )
    # The dotted path of the function that does the work, e.g.
    # "finance.jobs.import_statement".
    kind = models.CharField(_("kind"), max_length=200)
    # A message id, translated when shown, so that the page speaks the
    # reader's language.
    title = models.CharField(_("title"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict)
    upload = models.BinaryField(_("uploaded file"), blank=True, default=b"")
    # The requester's language: the worker speaks it in the summary and
    # in the error it records.
    language = models.CharField(_("language"), max_length=16)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=JobStatus.choices,
        default=JobStatus.QUEUED,
    )
    progress_done = models.PositiveIntegerField(_("steps done"), default=0)
    progress_total = models.PositiveIntegerField(_("steps in all"), default=0)
    result_url = models.CharField(_("result link"), max_length=300, blank=True)
    # A job whose result is a file (an export) keeps it here until the
    # requester downloads it from /jobs/<id>/file/.
    result_file = models.BinaryField(_("result file"), blank=True, default=b"")
    result_file_name = models.CharField(
        _("result file name"), max_length=200, blank=True
    )
    result_media_type = models.CharField(
        _("result media type"), max_length=100, blank=True
    )
    # When the kept file was deleted for its age (JOB_FILE_RETENTION_DAYS).
    result_file_expired_at = models.DateTimeField(
        _("result file deleted at"), null=True, blank=True
    )
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(
        _("created at"), default=clock.now, editable=False
    )
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)

    class Meta:
        verbose_name = _("job (后台任务)")
        verbose_name_plural = _("jobs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress_done__lte=models.F("progress_total")),
                name="job_progress_within_total",
            )
        ]

    def __str__(self):
        return f"{self.kind}#{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
