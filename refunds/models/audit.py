import hashlib
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkportal.core import clock


class AuditEvent(models.Model):
    """One change, as it happened. Rows are never updated or deleted; on
    PostgreSQL a trigger refuses both."""

    occurred_at = models.DateTimeField(
        _("occurred at"), default=clock.now, editable=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("actor"), max_length=150)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("on behalf of"),
    )
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40)
    refund = models.ForeignKey(
        "refunds.RefundRequest",
        on_delete=models.PROTECT,
        related_name="audit_events",
        null=True,
        verbose_name=_("refund request"),
    )
    before = models.JSONField(_("before"), default=dict, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("audit event (审计事件)")
        verbose_name_plural = _("audit trail")
        # The audit trail of one object, in order.
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object")
        ]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    def content_digest(self) -> str:
        content = {
            "id": self.pk,
            "occurred_at": self.occurred_at.isoformat(),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "on_behalf_of": self.on_behalf_of_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "refund": self.refund_id,
            "before": self.before,
            "after": self.after,
        }
        canonical = json.dumps(content, sort_keys=True, cls=DjangoJSONEncoder)
        return hashlib.sha256(canonical.encode()).hexdigest()


class AuditSeal(models.Model):
    """A link of the hash chain over audit events, in the order they were
    sealed. Each seal hashes its event's content with the previous seal's
    hash, so changing or removing any event or seal breaks every later
    link."""

    position = models.PositiveBigIntegerField(primary_key=True)
    event = models.OneToOneField(
        AuditEvent, on_delete=models.PROTECT, related_name="seal"
    )
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")

    def __str__(self):
        return f"seal {self.position}"

    @staticmethod
    def link(previous_hash: str, event_digest: str) -> str:
        return hashlib.sha256(f"{previous_hash}:{event_digest}".encode()).hexdigest()


class UnsealedEvent(models.Model):
    """An audit event still waiting for its seal, written in the event's
    transaction and deleted in the one that seals it. The sealer reads this
    short list; finding the events without a seal among millions of sealed
    ones took seconds on every commit."""

    event = models.OneToOneField(
        AuditEvent, on_delete=models.PROTECT, primary_key=True, related_name="+"
    )

    class Meta:
        verbose_name = _("unsealed audit event")
        verbose_name_plural = _("unsealed audit events")

    def __str__(self):
        return f"unsealed {self.event_id}"


class ChainVerification(models.Model):
    """One walk of the whole hash chain and what it found. A walk over a
    park's millions of links takes minutes, so pages show the latest one
    and a new one runs as a job or on the nightly schedule."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("requested by"),
    )
    intact = models.BooleanField(_("intact"))
    checked = models.PositiveBigIntegerField(_("links checked"))
    unsealed = models.PositiveBigIntegerField(_("events not yet sealed"))
    broken_at = models.PositiveBigIntegerField(_("broken at link"), null=True)
    event_id = models.BigIntegerField(_("first event affected"), null=True)
    problem = models.CharField(_("problem"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("chain verification")
        verbose_name_plural = _("chain verifications")
        # The latest verification, which the auditor's pages show.
        indexes = [
            models.Index(fields=["-finished_at"], name="chain_verification_latest")
        ]

    def __str__(self):
        return f"verification of {self.checked} links at {self.finished_at}"
