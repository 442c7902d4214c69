"""In-app notifications and their e-mails.

A notification row is written in the caller's transaction; its e-mail is
queued only once that transaction commits. The e-mail task locks the row
and marks it sent in the same transaction, so a task delivered twice or
run beside the sweep sends once. A task lost with its worker is made good
by `notifications_email_sweep`, which the scheduler runs every few minutes.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import translation

from operations import conf
from operations.models import Notification, WeeklyDigest
from operations.texts import render
from parkportal.core import clock
from parkportal.core.outbox import outbox_enqueue

logger = logging.getLogger(__name__)


def notify(
    *, recipient, kind: str, params: dict, refund=None, alert=None, email=True
) -> Notification:
    notification = Notification.objects.create(
        recipient=recipient,
        refund=refund,
        alert=alert,
        kind=kind,
        params=params,
        email_wanted=email and bool(recipient.email),
    )
    if notification.email_wanted:
        outbox_enqueue(
            task="operations.tasks.send_notification",
            kwargs={"notification_id": notification.pk},
        )
    return notification


def notification_render(
    notification: Notification, language: str | None = None, digests=None
):
    """Subject and body in `language` (the recipient's when None). A list
    passes `digests`, the agendas its rows name (digests_named_in), so
    that rendering them costs no query each."""
    with translation.override(language or notification.recipient.language):
        subject, body = render(notification.kind, notification.params)
        if notification.kind == "digest":
            digest_id = notification.params.get("digest")
            if digests is None:
                digests = digests_named_in([notification])
            body = f"{body}\n{_digest_text(digests.get(digest_id))}"
    return subject, body


def digests_named_in(notifications) -> dict[int, WeeklyDigest]:
    ids = {
        notification.params.get("digest")
        for notification in notifications
        if notification.kind == "digest"
    }
    ids.discard(None)
    if not ids:
        return {}
    return WeeklyDigest.objects.in_bulk(ids)


def _digest_text(digest: WeeklyDigest | None) -> str:
    from operations.services.digest import digest_as_text

    return digest_as_text(digest) if digest else ""


def notification_email_send(*, notification_id: int) -> bool:
    """Send the e-mail of one notification unless it went already."""
    with transaction.atomic():
        # The lock makes the task and the sweep, or a task delivered
        # twice, take turns on one notification; the one that comes second
        # finds it sent (or locked, and skips it).
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .select_related("recipient")
            .filter(pk=notification_id, email_wanted=True, emailed_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        subject, body = notification_render(notification)
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient.email],
            # A stable id lets a mail server drop the copy sent again when a
            # worker dies between handing the mail over and committing.
            headers={"Message-ID": f"<notification-{notification.pk}@parkportal>"},
        )
        message.send()
        notification.emailed_at = clock.now()
        notification.save(update_fields=["emailed_at"])
    logger.info(
        "notification %s mailed to user %s", notification.pk, notification.recipient_id
    )
    return True


def notifications_email_sweep() -> int:
    """Mail notifications whose task was lost; returns how many went."""
    cutoff = clock.now() - datetime.timedelta(minutes=conf.email_sweep_after_minutes())
    pending = Notification.objects.filter(
        email_wanted=True, emailed_at__isnull=True, created_at__lte=cutoff
    ).values_list("pk", flat=True)
    return sum(notification_email_send(notification_id=pk) for pk in pending[:500])


def inbox_mark_read(*, user, notification_ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=clock.now())
