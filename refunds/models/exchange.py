import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkportal.core import clock
from refunds.models.case import DocumentKind


def document_path(instance, filename: str) -> str:
    # The stored name never comes from the uploader: it cannot carry a path
    # or an extension that a web server would act on.
    return f"refunds/{instance.refund_id}/{uuid.uuid4().hex}"


class Document(models.Model):
    refund = models.ForeignKey(
        "refunds.RefundRequest", on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("document (材料)")
        verbose_name_plural = _("documents")
        ordering = ["created_at", "id"]
        # The risk check "the same file attached to another enterprise's case".
        indexes = [models.Index(fields=["sha256"], name="document_sha256")]

    def __str__(self):
        return self.original_name


class Message(models.Model):
    refund = models.ForeignKey(
        "refunds.RefundRequest", on_delete=models.PROTECT, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("message"))
    internal = models.BooleanField(
        _("internal note"), default=False, help_text=_("Visible to staff only.")
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("message (留言)")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.refund_id}: {self.body[:40]}"


class TimelineEntry(models.Model):
    """A step on a case's timeline. The text is not stored: `kind` and
    `params` are rendered in the reader's language (refunds.timeline)."""

    refund = models.ForeignKey(
        "refunds.RefundRequest", on_delete=models.PROTECT, related_name="timeline"
    )
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    state_before = models.CharField(max_length=30, blank=True)
    state_after = models.CharField(max_length=30, blank=True)
    params = models.JSONField(default=dict, blank=True)
    visible_to_enterprise = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("timeline entry (进度)")
        verbose_name_plural = _("timeline")
        ordering = ["created_at", "id"]
        # A case's timeline, and its newest entry for "last visible progress".
        indexes = [
            models.Index(fields=["refund", "created_at"], name="timeline_refund_time")
        ]

    def __str__(self):
        return f"{self.refund_id} {self.kind}"
