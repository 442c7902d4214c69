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
