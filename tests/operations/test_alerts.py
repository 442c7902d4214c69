import pytest
from django.core import mail
from django.db import transaction

from operations.models import Alert, AlertKind, Notification, Stage
from operations.services.alerts import deadlines_scan, silent_cases_scan
from operations.services.notifications import notify
from parkportal.core import clock
from refunds.services.lifecycle import refund_forward, refund_transition
from tests.operations.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(cases):
    """A case whose review started on Monday 9 June 2025 at 09:00; the
    reminder is due Tuesday 14:00 and the deadline Tuesday 18:00."""
    with clock.travel(at(2025, 6, 9, 9, 0)):
        return cases.under_review()


def scan(moment, capture):
    with clock.travel(moment), capture(execute=True):
        return deadlines_scan()


def test_nothing_is_sent_before_the_reminder_is_due(
    reviewed, django_capture_on_commit_callbacks
):
    assert scan(at(2025, 6, 10, 13, 59), django_capture_on_commit_callbacks) == 0
    assert not Alert.objects.exists()


def test_the_owner_gets_one_reminder_even_when_the_scan_runs_twice(
    reviewed, olivia, django_capture_on_commit_callbacks
):
    mail.outbox.clear()

    first = scan(at(2025, 6, 10, 14, 5), django_capture_on_commit_callbacks)
    second = scan(at(2025, 6, 10, 14, 6), django_capture_on_commit_callbacks)

    assert (first, second) == (1, 0)
    alert = Alert.objects.get()
    assert (alert.kind, alert.stage) == (AlertKind.REMINDER, Stage.REVIEW)
    assert list(
        Notification.objects.filter(alert=alert).values_list("recipient", flat=True)
    ) == [olivia.pk]
    assert [m.to for m in mail.outbox] == [[olivia.email]]
    assert Notification.objects.get(alert=alert).emailed_at is not None


def test_a_breach_escalates_to_the_manager_once(
    reviewed, mark, django_capture_on_commit_callbacks
):
    mark.language = "zh-hans"
    mark.save(update_fields=["language"])
    mail.outbox.clear()

    scan(at(2025, 6, 11, 9, 30), django_capture_on_commit_callbacks)
    scan(at(2025, 6, 11, 9, 45), django_capture_on_commit_callbacks)

    breach = Alert.objects.get(kind=AlertKind.BREACH)
    assert breach.stage == Stage.REVIEW
    # Past the deadline the reminder is moot and is not sent.
    assert not Alert.objects.filter(kind=AlertKind.REMINDER).exists()
    assert [m.to for m in mail.outbox] == [[mark.email]]
    assert "已超时" in mail.outbox[0].subject  # mark reads Chinese


def test_a_paused_clock_raises_nothing(
    reviewed, olivia, django_capture_on_commit_callbacks
):
    with clock.travel(at(2025, 6, 9, 10, 0)):
        refund_transition(
            refund_id=reviewed.pk, name="request_info", actor=olivia, comment="Lease?"
        )

    assert scan(at(2025, 6, 20, 10, 0), django_capture_on_commit_callbacks) == 0


def test_a_resumed_clock_does_not_repeat_its_reminder(
    reviewed, olivia, alice, django_capture_on_commit_callbacks
):
    scan(at(2025, 6, 10, 14, 5), django_capture_on_commit_callbacks)
    with clock.travel(at(2025, 6, 10, 15, 0)):
        refund_transition(
            refund_id=reviewed.pk, name="request_info", actor=olivia, comment="Lease?"
        )
    with clock.travel(at(2025, 6, 12, 9, 0)):
        refund_transition(
            refund_id=reviewed.pk, name="respond", actor=alice, comment="Here"
        )

    scan(at(2025, 6, 12, 9, 30), django_capture_on_commit_callbacks)

    assert Alert.objects.filter(kind=AlertKind.REMINDER).count() == 1


def test_an_approval_stalled_at_a_level_escalates_to_its_approvers_and_manager(
    reviewed, olivia, mark, diana, django_capture_on_commit_callbacks
):
    with clock.travel(at(2025, 6, 9, 10, 0)):
        refund_forward(refund_id=reviewed.pk, actor=olivia)

    scan(at(2025, 6, 10, 11, 0), django_capture_on_commit_callbacks)

    stalled = Alert.objects.get(kind=AlertKind.APPROVAL_STALLED)
    assert stalled.stage == Stage.APPROVAL_OPS_MANAGER
    recipients = set(
        stalled.notifications.values_list("recipient__username", flat=True)
    )
    assert recipients == {"mark"}


def test_a_rolled_back_transaction_sends_nothing(
    olivia, django_capture_on_commit_callbacks
):
    mail.outbox.clear()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(recipient=olivia, kind="assigned", params={"reference": "RF-X"})
        raise RuntimeError("the caller failed")

    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_the_enterprise_is_nudged_once_when_its_case_is_quiet(
    reviewed, alice, settings, django_capture_on_commit_callbacks
):
    settings.OPERATIONS_NO_PROGRESS_DAYS = 5
    mail.outbox.clear()

    with (
        clock.travel(at(2025, 6, 13, 10, 0)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert silent_cases_scan() == 0
    with (
        clock.travel(at(2025, 6, 14, 10, 0)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert silent_cases_scan() == 1
        assert silent_cases_scan() == 0

    assert [m.to for m in mail.outbox] == [[alice.email]]
    assert Alert.objects.get().kind == AlertKind.NO_PROGRESS


def test_an_approval_reminder_reaches_the_approvers_substitute(
    reviewed, olivia, mark, django_capture_on_commit_callbacks
):
    import datetime

    from refunds.services.delegations import delegation_create
    from tests.factories import UserFactory

    deputy = UserFactory(username="deputy", role="ops_specialist")
    with clock.travel(at(2025, 6, 9, 9, 30)):
        delegation_create(
            delegator=mark,
            delegate=deputy,
            starts_at=at(2025, 6, 9, 0, 0),
            ends_at=at(2025, 6, 20, 0, 0),
            actor=mark,
        )
    with clock.travel(at(2025, 6, 9, 10, 0)):
        refund_forward(refund_id=reviewed.pk, actor=olivia)

    # Eight hours for the level: the reminder falls due after six.
    scan(at(2025, 6, 9, 17, 30), django_capture_on_commit_callbacks)

    reminder = Alert.objects.get(
        kind=AlertKind.REMINDER, stage=Stage.APPROVAL_OPS_MANAGER
    )
    recipients = set(
        reminder.notifications.values_list("recipient__username", flat=True)
    )
    assert recipients == {"mark", "deputy"}
    assert datetime.timedelta(0) < reminder.deadline - at(2025, 6, 9, 17, 30)
