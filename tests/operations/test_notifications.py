import datetime

import pytest
from django.core import mail

from operations.models import Notification
from operations.selectors import unread_count
from operations.services.notifications import (
    inbox_mark_read,
    notification_email_send,
    notifications_email_sweep,
    notify,
)
from parkportal.core import clock
from refunds.services.lifecycle import refund_transition

pytestmark = pytest.mark.django_db


def kinds_for(user):
    return list(
        Notification.objects.filter(recipient=user)
        .order_by("id")
        .values_list("kind", "params__state")
    )


def test_the_enterprise_hears_of_each_visible_state_change(cases, alice, olivia):
    refund = cases.under_review()
    refund_transition(
        refund_id=refund.pk, name="request_info", actor=olivia, comment="Lease?"
    )

    assert kinds_for(alice) == [
        ("state_changed", "submitted"),
        ("state_changed", "info_requested"),
    ]


def test_the_internal_start_of_review_is_not_announced(cases, alice):
    cases.under_review()

    assert ("state_changed", "under_review") not in kinds_for(alice)


def test_mail_goes_out_only_after_commit_in_the_recipients_language(
    cases, alice, olivia, django_capture_on_commit_callbacks
):
    alice.language = "en"
    alice.save()
    olivia.language = "zh-hans"
    olivia.save()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        refund = cases.under_review()
        assert mail.outbox == []
    for callback in callbacks:
        callback()

    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert refund.reference in by_recipient[alice.email].subject
    assert by_recipient[alice.email].subject.startswith("Your refund request")
    assert (
        by_recipient[olivia.email]
        .extra_headers["Message-ID"]
        .startswith("<notification-")
    )


def test_dates_in_a_mail_follow_the_recipients_language(olivia, mark):
    deadline = datetime.datetime(2025, 6, 10, 10, 0, tzinfo=datetime.UTC)
    olivia.language = "zh-hans"
    olivia.save(update_fields=["language"])
    mark.language = "en"
    mark.save(update_fields=["language"])
    params = {"reference": "RF-2025-000001", "stage": "review"}
    params["deadline"] = deadline.isoformat()
    chinese = notify(recipient=olivia, kind="reminder", params=params)
    english = notify(recipient=mark, kind="reminder", params=params)

    notification_email_send(notification_id=chinese.pk)
    notification_email_send(notification_id=english.pk)

    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "2025年6月10日" in bodies[olivia.email]
    assert "June 10, 2025" in bodies[mark.email]


def test_a_notification_is_mailed_once_however_often_it_is_sent(olivia):
    mail.outbox.clear()
    notice = notify(recipient=olivia, kind="assigned", params={"reference": "RF-1"})

    assert notification_email_send(notification_id=notice.pk) is True
    assert notification_email_send(notification_id=notice.pk) is False
    assert len(mail.outbox) == 1


def test_the_sweep_mails_what_a_lost_task_left(olivia):
    mail.outbox.clear()
    notice = notify(recipient=olivia, kind="assigned", params={"reference": "RF-1"})

    later = clock.now() + datetime.timedelta(minutes=5)
    with clock.travel(later):
        assert notifications_email_sweep() == 1
        assert notifications_email_sweep() == 0

    notice.refresh_from_db()
    assert notice.emailed_at is not None
    assert len(mail.outbox) == 1


def test_the_inbox_counts_unread_and_marks_read(olivia, mark):
    first = notify(recipient=olivia, kind="assigned", params={"reference": "RF-1"})
    notify(recipient=olivia, kind="assigned", params={"reference": "RF-2"})
    notify(recipient=mark, kind="assigned", params={"reference": "RF-3"})

    assert unread_count(user=olivia) == 2
    inbox_mark_read(user=olivia, notification_ids=[first.pk])
    assert unread_count(user=olivia) == 1
    inbox_mark_read(user=olivia)
    assert unread_count(user=olivia) == 0
    assert unread_count(user=mark) == 1
