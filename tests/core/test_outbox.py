from datetime import timedelta

import pytest
from django.db import transaction

from parkportal.core import clock
from parkportal.core.errors import Conflict
from parkportal.core.models import OutboxMessage, OutboxStatus
from parkportal.core.outbox import (
    backoff,
    outbox_enqueue,
    outbox_purge_sent,
    outbox_replay,
    relay_due,
)
from tests.factories import UserFactory


@pytest.fixture
def admin_user(db):
    return UserFactory(username="sam", is_staff=True)


def test_enqueue_runs_the_task_once_after_commit(
    db, task_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue(task="tests.core.record_call", kwargs={"refund_id": 7})
        assert task_calls == []

    message.refresh_from_db()
    assert task_calls == [{"refund_id": 7}]
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    assert message.sent_at is not None


def test_enqueue_in_a_rolled_back_transaction_leaves_nothing(
    db, task_calls, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValueError),
        transaction.atomic(),
    ):
        outbox_enqueue(task="tests.core.record_call", kwargs={"refund_id": 7})
        raise ValueError("the change failed")

    assert task_calls == []
    assert not OutboxMessage.objects.exists()


def test_same_key_queues_one_message(
    db, task_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox_enqueue(
            task="tests.core.record_call", kwargs={"n": 1}, key="earmark:5"
        )
        second = outbox_enqueue(
            task="tests.core.record_call", kwargs={"n": 2}, key="earmark:5"
        )

    assert first.pk == second.pk
    assert task_calls == [{"n": 1}]


def test_kwargs_that_are_not_json_are_refused_at_enqueue(db):
    with pytest.raises(TypeError):
        outbox_enqueue(task="tests.core.record_call", kwargs={"when": object()})

    assert not OutboxMessage.objects.exists()


def test_failed_publish_stays_pending_with_a_later_attempt(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue(task="tests.core.always_fails", kwargs={})

    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert message.next_attempt_at > clock.now()
    assert "the downstream service refused" in message.last_error


def test_sweep_publishes_only_messages_that_are_due(db, task_calls):
    now = clock.now()
    due = OutboxMessage.objects.create(task="tests.core.record_call", kwargs={"n": 1})
    OutboxMessage.objects.create(
        task="tests.core.record_call",
        kwargs={"n": 2},
        next_attempt_at=now + timedelta(minutes=5),
    )

    sent = relay_due()

    assert sent == 1
    assert task_calls == [{"n": 1}]
    due.refresh_from_db()
    assert due.status == OutboxStatus.SENT


def test_sweep_does_not_publish_a_sent_message_again(db, task_calls):
    OutboxMessage.objects.create(task="tests.core.record_call", kwargs={"n": 1})

    relay_due()
    relay_due()

    assert task_calls == [{"n": 1}]


def test_message_becomes_dead_after_the_last_attempt(db, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    message = OutboxMessage.objects.create(task="tests.core.always_fails", kwargs={})

    moment = clock.now()
    for _attempt in range(3):
        moment += timedelta(days=1)
        with clock.travel(moment):
            relay_due()

    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD
    assert message.attempts == 3
    with clock.travel(moment + timedelta(days=30)):
        assert relay_due() == 0


def test_backoff_doubles_and_is_capped(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 10
    settings.OUTBOX_RETRY_MAX_SECONDS = 60

    first, third, tenth = backoff(1), backoff(3), backoff(10)

    assert timedelta(seconds=5) <= first <= timedelta(seconds=10)
    assert timedelta(seconds=20) <= third <= timedelta(seconds=40)
    assert timedelta(seconds=30) <= tenth <= timedelta(seconds=60)


def test_replay_gives_a_dead_message_new_attempts(
    admin_user, task_calls, django_capture_on_commit_callbacks
):
    message = OutboxMessage.objects.create(
        task="tests.core.record_call",
        kwargs={"n": 1},
        status=OutboxStatus.DEAD,
        attempts=10,
    )

    with django_capture_on_commit_callbacks(execute=True):
        outbox_replay(message_id=message.pk, actor=admin_user)

    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    assert task_calls == [{"n": 1}]


def test_replay_refuses_a_message_that_is_not_dead(admin_user):
    message = OutboxMessage.objects.create(task="tests.core.record_call", kwargs={})

    with pytest.raises(Conflict) as refused:
        outbox_replay(message_id=message.pk, actor=admin_user)

    assert refused.value.code == "outbox_not_dead"


def test_enqueue_keeps_the_request_id_of_the_caller(db):
    from parkportal.core.logging import bound_request_id

    with bound_request_id("req-42"):
        message = outbox_enqueue(task="tests.core.record_call", kwargs={})

    assert message.request_id == "req-42"


def test_on_commit_relay_leaves_messages_to_the_sweep_while_the_broker_is_down(
    db, task_calls, django_capture_on_commit_callbacks
):
    from parkportal.core import outbox

    outbox._note_broker(available=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            message = outbox_enqueue(task="tests.core.record_call", kwargs={"n": 1})
        message.refresh_from_db()
        assert message.status == OutboxStatus.PENDING
        assert message.attempts == 0

        assert relay_due() == 1
    finally:
        outbox._note_broker(available=True)

    assert task_calls == [{"n": 1}]


def test_purge_deletes_only_messages_sent_before_the_retention(db):
    now = clock.now()
    old = OutboxMessage.objects.create(
        task="t", status=OutboxStatus.SENT, sent_at=now - timedelta(days=8)
    )
    recent = OutboxMessage.objects.create(
        task="t", status=OutboxStatus.SENT, sent_at=now - timedelta(days=1)
    )
    dead = OutboxMessage.objects.create(task="t", status=OutboxStatus.DEAD)

    deleted = outbox_purge_sent(older_than=timedelta(days=7))

    assert deleted == 1
    remaining = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, dead.pk}
    assert old.pk not in remaining
